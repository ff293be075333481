// The matmul micro-kernel as WebAssembly: C[mc, nc] (+)= Apanels · Bpanels
// for one block whose operands were packed by wasm_gemm.ts. Each MR x NR
// tile of C is held in MR * NR/4 v128 accumulators while the k loop streams
// one MR-float column of A (each value splatted) and one NR-float row of B
// per step, so every load feeds NR/4 (or MR) multiply-adds.
import { Code, I32, ModuleBuilder, OP, SIMD, V128 } from './wasm_emitter.js';

/** Tile shape: rows of A per panel, and columns of B per panel (a multiple of 4). */
export interface GemmTile {
  mr: number;
  nr: number;
}

/**
 * Exported function `gemm(a, b, c, mc, nc, kc, ldcBytes, accumulate, scratch, bPanelBytes, bRowBytes)`:
 * - a: packed A, ceil(mc / mr) panels of kc * mr floats (column by column, zero padded);
 * - b: B as ceil(nc / nr) panels of kc rows of nr floats: panel j starts
 *   j * bPanelBytes after b and its rows are bRowBytes apart. Packed B has
 *   panels of kc * nr floats (kc * nr * 4, nr * 4); B used where it lies,
 *   row-major with n columns, has (nr * 4, n * 4), and then every panel must
 *   be whole (nc a multiple of nr);
 * - c: the block's top-left float in C, whose rows are ldcBytes apart;
 * - accumulate: 0 stores the product, 1 adds it to what C holds;
 * - scratch: mr * nr floats for the ragged tiles at the block's edges.
 * kc must be at least 1. All pointers are byte offsets in the imported memory.
 */
export function emitGemm(mb: ModuleBuilder, tile: GemmTile): void {
  const { mr, nr } = tile;
  if (nr % 4 !== 0) throw new RangeError(`emitGemm: nr must be a multiple of 4, got ${nr}`);
  const vecs = nr / 4;
  const f = mb.func('gemm', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, b, c, mc, nc, kc, ldc, accumulate, scratch, bPanel, bRow] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const ir = f.local(I32), jr = f.local(I32), pa = f.local(I32), pb = f.local(I32), end = f.local(I32), panel = f.local(I32);
  const dst = f.local(I32), rows = f.local(I32), cols = f.local(I32), r = f.local(I32), j = f.local(I32), addr = f.local(I32);
  const acc: number[][] = [];
  for (let i = 0; i < mr; i++) acc.push(Array.from({ length: vecs }, () => f.local(V128)));
  const bv = Array.from({ length: vecs }, () => f.local(V128));
  const av = f.local(V128);

  f.get(b).set(panel);
  f.forRange(jr, () => f.i32(0), nc, nr, () => {
    f.forRange(ir, () => f.i32(0), mc, mr, () => {
      for (const row of acc) for (const x of row) f.f32x4Const(0).set(x);
      // pa = a + ir * kc * 4; end = pa + kc * mr * 4; pb = this panel of B
      f.get(a).get(ir).get(kc).op(OP.i32Mul).i32(2).op(OP.i32Shl).op(OP.i32Add).tee(pa);
      f.get(kc).i32(mr * 4).op(OP.i32Mul).op(OP.i32Add).set(end);
      f.get(panel).set(pb);
      f.loop(() => {
        bv.forEach((x, q) => f.get(pb).v128Load(16 * q).set(x));
        for (let i = 0; i < mr; i++) {
          f.get(pa).load32Splat(4 * i).set(av);
          for (let q = 0; q < vecs; q++) {
            f.get(acc[i][q]).get(av).get(bv[q]).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(acc[i][q]);
          }
        }
        f.addTo(pa, mr * 4);
        f.get(pb).get(bRow).op(OP.i32Add).set(pb);
        f.get(pa).get(end).op(OP.i32LtU, OP.brIf, 0);
      });
      // rows = min(mr, mc - ir), cols = min(nr, nc - jr)
      minInto(f, rows, mr, mc, ir);
      minInto(f, cols, nr, nc, jr);
      f.get(rows).i32(mr).op(OP.i32Eq).get(cols).i32(nr).op(OP.i32Eq).op(OP.i32And);
      f.ifThen(() => {
        // A whole tile: straight to C. dst = c + ir * ldc + jr * 4
        f.get(c).get(ir).get(ldc).op(OP.i32Mul).op(OP.i32Add).get(jr).i32(2).op(OP.i32Shl).op(OP.i32Add).set(dst);
        const storeTile = (add: boolean): void => {
          for (let i = 0; i < mr; i++) {
            for (let q = 0; q < vecs; q++) {
              f.get(dst);
              if (add) f.get(dst).v128Load(16 * q).get(acc[i][q]).simd(SIMD.f32x4Add);
              else f.get(acc[i][q]);
              f.v128Store(16 * q);
            }
            if (i < mr - 1) f.get(dst).get(ldc).op(OP.i32Add).set(dst);
          }
        };
        f.get(accumulate).ifThen(() => storeTile(true), () => storeTile(false));
      }, () => {
        // A ragged tile: through the scratch tile, then the valid part by scalars.
        for (let i = 0; i < mr; i++) for (let q = 0; q < vecs; q++) f.get(scratch).get(acc[i][q]).v128Store((i * nr + q * 4) * 4);
        f.forRange(r, () => f.i32(0), rows, 1, () => {
          f.forRange(j, () => f.i32(0), cols, 1, () => {
            // addr = c + (ir + r) * ldc + (jr + j) * 4
            f.get(c).get(ir).get(r).op(OP.i32Add).get(ldc).op(OP.i32Mul).op(OP.i32Add);
            f.get(jr).get(j).op(OP.i32Add).i32(2).op(OP.i32Shl).op(OP.i32Add).tee(addr);
            // scratch[r * nr + j]
            f.get(scratch).get(r).i32(nr).op(OP.i32Mul).get(j).op(OP.i32Add).i32(2).op(OP.i32Shl).op(OP.i32Add).f32Load();
            // + (accumulate ? c[addr] : 0); a block cannot take the stack's values, so select.
            f.get(addr).f32Load().f32(0).get(accumulate).op(OP.select, OP.f32Add);
            f.f32Store();
          });
        });
      });
    });
    f.get(panel).get(bPanel).op(OP.i32Add).set(panel);
  });
}

/** local = min(cap, limit - start), all i32 (limit - start is positive). */
function minInto(f: Code, local: number, cap: number, limit: number, start: number): void {
  f.get(limit).get(start).op(OP.i32Sub).set(local);
  f.get(local).i32(cap).op(OP.i32GtS).ifThen(() => {
    f.i32(cap).set(local);
  });
}
