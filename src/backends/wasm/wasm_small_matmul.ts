// Matmuls too small for the packed GEMM (wasm_gemm.ts), whose packing and
// blocking cost more than a few thousand multiply-adds (the layers of a
// 2-16-16-1 MLP): operands read in place, f32x4 arithmetic, no scratch.
// - small_mm_rows: C = op(A) B with B row-major [k, n]: each row of C is built
//   16 (then 4, then 1) columns at a time from A(i, p) splatted times rows of
//   B; A(i, p) is read at a + i * strideI + p * strideP, so op(A) may be A or
//   A transposed.
// - small_mm_dots: C = A B^T with A [m, k] and B [n, k]: each element is a
//   dot product of two contiguous rows, four lanes at a time.
import { F32, I32, OP, SIMD, V128, type Code, type ModuleBuilder } from './wasm_emitter.js';

/** `(a, b, c, m, n, k, strideI, strideP)`: byte offsets; A(i, p) at a + i strideI + p strideP (bytes). */
export type SmallRowsFn = (a: number, b: number, c: number, m: number, n: number, k: number, strideI: number, strideP: number) => void;
/** `(a, b, c, m, n, k)`: C[i, j] = sum over p of A[i, p] B[j, p]. */
export type SmallDotsFn = (a: number, b: number, c: number, m: number, n: number, k: number) => void;

export function emitSmallMatmul(mb: ModuleBuilder): void {
  emitRows(mb.func('small_mm_rows', [I32, I32, I32, I32, I32, I32, I32, I32]));
  emitDots(mb.func('small_mm_dots', [I32, I32, I32, I32, I32, I32]));
}

function emitRows(f: Code): void {
  const [a, b, c, m, n, k, strideI, strideP] = [0, 1, 2, 3, 4, 5, 6, 7];
  const i = f.local(I32), j = f.local(I32), p = f.local(I32), lim = f.local(I32), ldb = f.local(I32);
  const arow = f.local(I32), crow = f.local(I32), pa = f.local(I32), pb = f.local(I32);
  const av = f.local(V128), acc = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  f.get(n).i32(2).op(OP.i32Shl).set(ldb);
  f.get(a).set(arow);
  f.get(c).set(crow);
  f.forRange(i, () => f.i32(0), m, 1, () => {
    f.i32(0).set(j);
    // Column blocks: 16 (four accumulators sharing each A value), 4, then 1 (lane 0 of a splat).
    for (const w of [16, 4, 1]) {
      const count = w === 16 ? 4 : 1;
      f.get(n).i32(w - 1).op(OP.i32Sub).set(lim);
      f.forRange(j, () => f.get(j), lim, w, () => {
        for (let q = 0; q < count; q++) f.f32x4Const(0).set(acc[q]);
        f.get(arow).set(pa);
        f.get(b).get(j).i32(2).op(OP.i32Shl).op(OP.i32Add).set(pb);
        f.forRange(p, () => f.i32(0), k, 1, () => {
          f.get(pa).load32Splat().set(av);
          for (let q = 0; q < count; q++) {
            f.get(acc[q]).get(av).get(pb);
            if (w === 1) f.load32Splat();
            else f.v128Load(16 * q);
            f.simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(acc[q]);
          }
          f.get(pa).get(strideP).op(OP.i32Add).set(pa);
          f.get(pb).get(ldb).op(OP.i32Add).set(pb);
        });
        for (let q = 0; q < count; q++) {
          f.get(crow).get(j).i32(2).op(OP.i32Shl).op(OP.i32Add).get(acc[q]);
          if (w === 1) f.simd(SIMD.f32x4ExtractLane).op(0).f32Store();
          else f.v128Store(16 * q);
        }
      });
    }
    f.get(arow).get(strideI).op(OP.i32Add).set(arow);
    f.get(crow).get(ldb).op(OP.i32Add).set(crow);
  });
}

function emitDots(f: Code): void {
  const [a, b, c, m, n, k] = [0, 1, 2, 3, 4, 5];
  const i = f.local(I32), j = f.local(I32), p = f.local(I32), k4 = f.local(I32), kBytes = f.local(I32);
  const arow = f.local(I32), brow = f.local(I32), out = f.local(I32);
  const acc = f.local(V128), tail = f.local(F32);
  f.get(k).i32(2).op(OP.i32Shl).set(kBytes);
  f.get(k).i32(-4).op(OP.i32And).i32(2).op(OP.i32Shl).set(k4);
  f.get(a).set(arow);
  f.get(c).set(out);
  f.forRange(i, () => f.i32(0), m, 1, () => {
    f.get(b).set(brow);
    f.forRange(j, () => f.i32(0), n, 1, () => {
      f.f32x4Const(0).set(acc);
      f.forRange(p, () => f.i32(0), k4, 16, () => {
        f.get(acc).get(arow).get(p).op(OP.i32Add).v128Load().get(brow).get(p).op(OP.i32Add).v128Load();
        f.simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(acc);
      });
      f.f32(0).set(tail);
      f.forRange(p, () => f.get(k4), kBytes, 4, () => {
        f.get(tail).get(arow).get(p).op(OP.i32Add).f32Load().get(brow).get(p).op(OP.i32Add).f32Load();
        f.op(OP.f32Mul, OP.f32Add).set(tail);
      });
      f.get(out);
      f.get(acc).simd(SIMD.f32x4ExtractLane).op(0).get(acc).simd(SIMD.f32x4ExtractLane).op(1).op(OP.f32Add);
      f.get(acc).simd(SIMD.f32x4ExtractLane).op(2).get(acc).simd(SIMD.f32x4ExtractLane).op(3).op(OP.f32Add).op(OP.f32Add);
      f.get(tail).op(OP.f32Add).f32Store();
      f.get(out).i32(4).op(OP.i32Add).set(out);
      f.get(brow).get(kBytes).op(OP.i32Add).set(brow);
    });
    f.get(arow).get(kBytes).op(OP.i32Add).set(arow);
  });
}
