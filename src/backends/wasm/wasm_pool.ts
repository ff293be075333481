// Pooling in WebAssembly SIMD over NHWC tensors of 4 channels or more: four
// channels per f32x4 (the last four again where the count is not a multiple
// of 4), window by window, with the same
// results as the TypeScript kernels (src/backends/cpu/cpu_conv_kernels.ts):
//   max:  f32x4.max from -Infinity, which is Math.max exactly (NaN wins, +0
//         beats -0);
//   avg:  the taps inside x summed in float64 in window order and divided by
//         their count, rounded once, as the TypeScript kernel does;
//   max gradient where windows cannot overlap (kernel <= stride): the first
//         NaN in window order, else the first maximum, receives the window's
//         dy, found with compare masks (f32x4.max alone would not say which
//         tap won); optionally followed by the relu derivative against x
//         (PoolSpec.reluGrad), as reluMask does it.
import type { ConvGeometry } from '../../kernels/conv_op.js';
import { poolWindowsDisjoint, type PoolSpec } from '../../kernels/conv_spec.js';
import { I32, OP, SIMD, V128, type Code, type ModuleBuilder } from './wasm_emitter.js';

/** `(x, out, ...geometry)`: byte offsets, then poolArgs(g). */
export type PoolFn = (x: number, out: number, ...geom: number[]) => void;
/** `(x, dy, out, ...geometry)`. */
export type PoolGradFn = (x: number, dy: number, out: number, ...geom: number[]) => void;

export type PoolKernel = 'max' | 'avg' | 'maxGrad' | 'maxGradRelu';
export const POOL_KERNELS: readonly PoolKernel[] = ['max', 'avg', 'maxGrad', 'maxGradRelu'];
export const poolName = (k: PoolKernel): string => `pool_${k}`;

/** The geometry as the kernels take it, in this order. */
export function poolArgs(g: ConvGeometry): number[] {
  return [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.kH, g.kW, g.strideH, g.strideW, g.dilH, g.dilW, g.padTop, g.padLeft];
}

/** The wasm kernel a pooling spec runs, or null where the TypeScript kernel must (under 4 channels, avg gradient, overlapping max windows). */
export function poolKernelFor(s: PoolSpec): PoolKernel | null {
  if (s.geom.inC < 4) return null;
  if (!s.grad) return s.mode;
  if (s.mode !== 'max' || !poolWindowsDisjoint(s.geom)) return null;
  return s.reluGrad ? 'maxGradRelu' : 'maxGrad';
}

/** Adds the pooling kernels to the module. */
export function emitPoolKernels(mb: ModuleBuilder): void {
  for (const k of POOL_KERNELS) {
    const grad = k === 'maxGrad' || k === 'maxGradRelu';
    emitPool(mb.func(poolName(k), new Array<number>((grad ? 3 : 2) + 14).fill(I32) as (typeof I32)[]), k);
  }
}

function emitPool(f: Code, kind: PoolKernel): void {
  const grad = kind === 'maxGrad' || kind === 'maxGradRelu';
  const x = 0;
  const dy = 1;
  const out = grad ? 2 : 1;
  const g0 = grad ? 3 : 2;
  const [batch, inH, inW, C, outH, outW, kH, kW, sH, sW, dH, dW, pT, pL] = Array.from({ length: 14 }, (_, i) => g0 + i);
  const b = f.local(I32), oy = f.local(I32), ox = f.local(I32), ky = f.local(I32), kx = f.local(I32);
  const iy = f.local(I32), ix = f.local(I32), cg = f.local(I32), cBytes = f.local(I32), o = f.local(I32);
  const t = f.local(I32), first = f.local(I32), addr = f.local(I32), row = f.local(I32), end = f.local(I32);
  const best = f.local(V128), idx = f.local(V128), v = f.local(V128), take = f.local(V128), acc0 = f.local(V128), acc1 = f.local(V128);
  const div = f.local(V128), w = f.local(V128), hit = f.local(V128);
  f.get(C).i32(2).op(OP.i32Shl).set(cBytes);

  /**
   * `for (at = 0; at < bytes; at += 16) body()` (bytes >= 16), except that
   * where bytes is not a multiple of 16 the last step is at bytes - 16,
   * overlapping the one before: its lanes are computed again from the same
   * values and stored again, so 4k + r channels need no scalar tail. Under
   * 16 bytes (an empty x): nothing.
   */
  const groups = (at: number, bytes: number, body: () => void): void => {
    f.i32(0).set(at);
    f.block(() => {
      f.get(bytes).i32(16).op(OP.i32LtS, OP.brIf, 0);
      f.loop(() => {
        body();
        f.addTo(at, 16);
        f.get(at).get(bytes).op(OP.i32GeS, OP.brIf, 1);
        f.get(at).get(bytes).i32(16).op(OP.i32Sub).op(OP.i32GtS).ifThen(() => {
          f.get(bytes).i32(16).op(OP.i32Sub).set(at);
        });
        f.op(OP.br, 0);
      });
    });
  };

  if (grad) {
    // Every element first: 0 (x elements in no window get no gradient); with
    // the relu derivative, NaN where x is NaN (reluMask(x, 0)). Skipped where
    // the windows tile x exactly (unpadded, kernel = stride, x's size a
    // multiple of it), as the 2x2 pool of an even-sized x.
    f.get(kH).get(sH).op(OP.i32Ne).get(kW).get(sW).op(OP.i32Ne, OP.i32Or).get(pT).get(pL).op(OP.i32Or, OP.i32Or);
    f.get(outH).get(sH).op(OP.i32Mul).get(inH).op(OP.i32Ne, OP.i32Or).get(outW).get(sW).op(OP.i32Mul).get(inW).op(OP.i32Ne, OP.i32Or);
    f.ifThen(() => {
      f.get(batch).get(inH).op(OP.i32Mul).get(inW).op(OP.i32Mul).get(cBytes).op(OP.i32Mul).set(end);
      groups(addr, end, () => {
        f.get(out).get(addr).op(OP.i32Add);
        if (kind === 'maxGradRelu') {
          f.f32x4Const(NaN).f32x4Const(0);
          f.get(x).get(addr).op(OP.i32Add).v128Load().set(v);
          f.get(v).get(v).simd(SIMD.f32x4Ne).simd(SIMD.v128Bitselect);
        } else f.f32x4Const(0);
        f.v128Store();
      });
    });
  }

  // Per window, once for all its channel groups: the taps inside x form a
  // rectangle (rows ky0 .. ky0 + nky, columns kx0 .. kx0 + nkx, contiguous
  // because iy and ix grow with ky and kx), so the tap loops below need no
  // bounds checks; base is the byte offset of its first tap from x's start.
  const ky0 = f.local(I32), kx0 = f.local(I32), nky = f.local(I32), nkx = f.local(I32), base = f.local(I32);
  const rowStep = f.local(I32), colStep = f.local(I32), ry = f.local(I32), rx = f.local(I32);
  f.get(dH).get(inW).op(OP.i32Mul).get(cBytes).op(OP.i32Mul).set(rowStep);
  f.get(dW).get(cBytes).op(OP.i32Mul).set(colStep);
  const windowRange = (): void => {
    const axis = (k: number, kLen: number, pos: number, stride: number, dil: number, pad: number, size: number, k0: number, nk: number, at: number): void => {
      f.i32(0).set(nk);
      f.i32(0).set(k0);
      f.forRange(k, () => f.i32(0), kLen, 1, () => {
        f.get(pos).get(stride).op(OP.i32Mul).get(k).get(dil).op(OP.i32Mul, OP.i32Add).get(pad).op(OP.i32Sub).set(at);
        // Unsigned: a negative row or column is out of range too.
        f.get(at).get(size).op(OP.i32LtU).ifThen(() => {
          f.get(nk).op(OP.i32Eqz).ifThen(() => { f.get(k).set(k0); });
          f.addTo(nk, 1);
        });
      });
      f.get(pos).get(stride).op(OP.i32Mul).get(k0).get(dil).op(OP.i32Mul, OP.i32Add).get(pad).op(OP.i32Sub).set(at);
    };
    axis(ky, kH, oy, sH, dH, pT, inH, ky0, nky, iy);
    axis(kx, kW, ox, sW, dW, pL, inW, kx0, nkx, ix);
    f.get(b).get(inH).op(OP.i32Mul).get(iy).op(OP.i32Add).get(inW).op(OP.i32Mul).get(ix).op(OP.i32Add).get(cBytes).op(OP.i32Mul).set(base);
  };
  /** For each tap of the window inside x, in window order: addr = its byte offset from x's start at channel group cg; t counts them. */
  const eachTap = (body: () => void): void => {
    f.i32(0).set(t);
    f.get(base).get(cg).op(OP.i32Add).set(row);
    f.forRange(ry, () => f.i32(0), nky, 1, () => {
      f.get(row).set(addr);
      f.forRange(rx, () => f.i32(0), nkx, 1, () => {
        body();
        f.addTo(t, 1);
        f.get(addr).get(colStep).op(OP.i32Add).set(addr);
      });
      f.get(row).get(rowStep).op(OP.i32Add).set(row);
    });
  };

  f.i32(0).set(o);
  f.forRange(b, () => f.i32(0), batch, 1, () => {
    f.forRange(oy, () => f.i32(0), outH, 1, () => {
      f.forRange(ox, () => f.i32(0), outW, 1, () => {
        windowRange();
        groups(cg, cBytes, () => {
          if (kind === 'max') {
            f.f32x4Const(-Infinity).set(best);
            eachTap(() => {
              f.get(best).get(x).get(addr).op(OP.i32Add).v128Load().simd(SIMD.f32x4Max).set(best);
            });
            f.get(out).get(o).op(OP.i32Add).get(cg).op(OP.i32Add).get(best).v128Store();
          } else if (kind === 'avg') {
            f.f32x4Const(0).tee(acc0).set(acc1);
            eachTap(() => {
              f.get(x).get(addr).op(OP.i32Add).v128Load().set(v);
              f.get(acc0).get(v).simd(SIMD.f64x2PromoteLowF32x4).simd(SIMD.f64x2Add).set(acc0);
              f.get(acc1).get(v).get(v).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]).simd(SIMD.f64x2PromoteLowF32x4).simd(SIMD.f64x2Add).set(acc1);
            });
            f.get(nky).get(nkx).op(OP.i32Mul).op(OP.f64ConvertI32S).simd(SIMD.f64x2Splat).set(div);
            f.get(out).get(o).op(OP.i32Add).get(cg).op(OP.i32Add);
            f.get(acc0).get(div).simd(SIMD.f64x2Div).simd(SIMD.f32x4DemoteF64x2Zero);
            f.get(acc1).get(div).simd(SIMD.f64x2Div).simd(SIMD.f32x4DemoteF64x2Zero);
            f.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]).v128Store();
          } else {
            // Pass 1: per lane, the window-order number of the winning tap.
            f.f32x4Const(-Infinity).set(best);
            f.i32x4Const(-1).set(idx);
            f.i32(-1).set(first);
            eachTap(() => {
              f.get(x).get(addr).op(OP.i32Add).v128Load().set(v);
              // take = first tap | (best is not NaN & (v is NaN | v > best)), the TypeScript `beats`.
              f.get(v).get(v).simd(SIMD.f32x4Ne).get(v).get(best).simd(SIMD.f32x4Gt).simd(SIMD.v128Or);
              f.get(best).get(best).simd(SIMD.f32x4Eq).simd(SIMD.v128And);
              f.get(first).simd(SIMD.i32x4Splat).simd(SIMD.v128Or).set(take);
              f.get(v).get(best).get(take).simd(SIMD.v128Bitselect).set(best);
              f.get(t).simd(SIMD.i32x4Splat).get(idx).get(take).simd(SIMD.v128Bitselect).set(idx);
              f.i32(0).set(first);
            });
            // Pass 2: each tap gets dy in the lanes it won, else 0 (its element is in no other window).
            f.get(dy).get(o).op(OP.i32Add).get(cg).op(OP.i32Add).v128Load().set(w);
            eachTap(() => {
              f.get(idx).get(t).simd(SIMD.i32x4Splat).simd(SIMD.i32x4Eq).set(hit);
              f.get(out).get(addr).op(OP.i32Add);
              if (kind === 'maxGrad') {
                f.get(w).f32x4Const(0).get(hit).simd(SIMD.v128Bitselect);
              } else {
                // reluMask(x, g): NaN where x or g is NaN, else g where x > 0, else 0.
                f.get(x).get(addr).op(OP.i32Add).v128Load().set(v);
                f.f32x4Const(NaN);
                f.get(w).f32x4Const(0);
                f.get(hit).get(v).f32x4Const(0).simd(SIMD.f32x4Gt).simd(SIMD.v128And);
                f.simd(SIMD.v128Bitselect);
                f.get(v).get(v).simd(SIMD.f32x4Ne);
                f.get(w).get(w).simd(SIMD.f32x4Ne).get(hit).simd(SIMD.v128And).simd(SIMD.v128Or);
                f.simd(SIMD.v128Bitselect);
              }
              f.v128Store();
            });
          }
        });
        f.get(o).get(cBytes).op(OP.i32Add).set(o);
      });
    });
  });
}
