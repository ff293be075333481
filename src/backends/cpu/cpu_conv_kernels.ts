// CPU kernels of convolution and pooling (NHWC): plain loops over output
// pixels and filter taps, accumulated in float64, the reference for the
// WebGPU implicit-GEMM and pooling shaders.
import type { TypedArray } from '../../core/dtype.js';
import type { ConvGeometry } from '../../kernels/conv_op.js';
import { poolWindowsDisjoint, type ConvSpec, type PoolSpec } from '../../kernels/conv_spec.js';
import { scratch64, scratchI32 } from './scratch.js';

/** Calls visit(b, oy, ox, iy, ix, ky, kx) for every in-bounds tap of every output pixel. */
function forEachTap(g: ConvGeometry, visit: (b: number, oy: number, ox: number, iy: number, ix: number, ky: number, kx: number) => void): void {
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = oy * g.strideH + ky * g.dilH - g.padTop;
          if (iy < 0 || iy >= g.inH) continue;
          for (let kx = 0; kx < g.kW; kx++) {
            const ix = ox * g.strideW + kx * g.dilW - g.padLeft;
            if (ix < 0 || ix >= g.inW) continue;
            visit(b, oy, ox, iy, ix, ky, kx);
          }
        }
      }
    }
  }
}

/** Forward (x, filter), input gradient (dy, filter) or filter gradient (x, dy). */
export function runConv(spec: ConvSpec, first: TypedArray, second: TypedArray, out: TypedArray): void {
  const g = spec.geom;
  const { inC, outC } = g;
  const acc = scratch64(0, out.length).fill(0);
  forEachTap(g, (b, oy, ox, iy, ix, ky, kx) => {
    const xBase = ((b * g.inH + iy) * g.inW + ix) * inC;
    const yBase = ((b * g.outH + oy) * g.outW + ox) * outC;
    const wBase = (ky * g.kW + kx) * inC * outC;
    for (let ci = 0; ci < inC; ci++) {
      for (let co = 0; co < outC; co++) {
        const w = wBase + ci * outC + co;
        if (spec.variant === 'forward') acc[yBase + co] += first[xBase + ci] * second[w];
        else if (spec.variant === 'inputGrad') acc[xBase + ci] += first[yBase + co] * second[w];
        else acc[w] += first[xBase + ci] * second[yBase + co];
      }
    }
  });
  out.set(acc);
}

/** Taps of output pixel (oy, ox) that fall inside the input (what an average divides by). */
function windowCount(g: ConvGeometry, oy: number, ox: number): number {
  let rows = 0;
  let cols = 0;
  for (let ky = 0; ky < g.kH; ky++) {
    const iy = oy * g.strideH + ky * g.dilH - g.padTop;
    if (iy >= 0 && iy < g.inH) rows++;
  }
  for (let kx = 0; kx < g.kW; kx++) {
    const ix = ox * g.strideW + kx * g.dilW - g.padLeft;
    if (ix >= 0 && ix < g.inW) cols++;
  }
  return rows * cols;
}

/** Pooling: (x) -> y; its gradient: (x, dy) -> dx for max (to the first maximum of each window), (dy) -> dx for avg. */
export function runPool(spec: PoolSpec, ins: readonly TypedArray[], out: TypedArray): void {
  const g = spec.geom;
  const c = g.inC;
  const pixel = (b: number, y: number, x: number, h: number, w: number): number => ((b * h + y) * w + x) * c;
  if (!spec.grad) {
    poolForward(g, spec.mode, ins[0], out);
    return;
  }
  const acc = scratch64(0, out.length).fill(0);
  if (spec.mode === 'avg') {
    const dy = ins[0];
    forEachTap(g, (b, oy, ox, iy, ix) => {
      const o = pixel(b, oy, ox, g.outH, g.outW);
      const i = pixel(b, iy, ix, g.inH, g.inW);
      const n = windowCount(g, oy, ox);
      for (let ch = 0; ch < c; ch++) acc[i + ch] += dy[o + ch] / n;
    });
  } else if (poolWindowsDisjoint(g)) {
    maxPoolGradDisjoint(g, ins[0], ins[1], out);
    return;
  } else {
    const [x, dy] = ins;
    // The first tap (in window order) holding the maximum (or the first NaN) receives the gradient.
    const arg = scratchI32(0, dy.length).fill(-1);
    forEachTap(g, (b, oy, ox, iy, ix) => {
      const o = pixel(b, oy, ox, g.outH, g.outW);
      const i = pixel(b, iy, ix, g.inH, g.inW);
      for (let ch = 0; ch < c; ch++) {
        if (arg[o + ch] < 0 || beats(x[i + ch], x[arg[o + ch]])) arg[o + ch] = i + ch;
      }
    });
    arg.forEach((i, o) => {
      if (i >= 0) acc[i] += dy[o];
    });
  }
  out.set(acc);
}

/**
 * Max-pool gradient when windows cannot overlap (the usual 2x2 pool of
 * stride 2): each x element receives at most one dy, so it is written
 * straight into `out`, with no float64 accumulator and no per-tap callback.
 * Same rule as the general path (beats): the first NaN in window order, else
 * the first maximum, receives the window's dy.
 */
function maxPoolGradDisjoint(g: ConvGeometry, x: TypedArray, dy: TypedArray, out: TypedArray): void {
  const c = g.inC;
  out.fill(0);
  const arg = scratchI32(0, c);
  let o = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++, o += c) {
        arg.fill(-1, 0, c);
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = oy * g.strideH + ky - g.padTop;
          if (iy < 0 || iy >= g.inH) continue;
          for (let kx = 0; kx < g.kW; kx++) {
            const ix = ox * g.strideW + kx - g.padLeft;
            if (ix < 0 || ix >= g.inW) continue;
            const i = ((b * g.inH + iy) * g.inW + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              const a = arg[ch];
              if (a < 0 || beats(x[i + ch], x[a])) arg[ch] = i + ch;
            }
          }
        }
        for (let ch = 0; ch < c; ch++) if (arg[ch] >= 0) out[arg[ch]] = dy[o + ch];
      }
    }
  }
}

/**
 * Max or average pooling, window by window: the window's values gathered
 * per channel in float64 (max: the largest; avg: the sum over the taps inside
 * x, divided by their count), each output rounded once.
 */
function poolForward(g: ConvGeometry, mode: PoolSpec['mode'], x: TypedArray, out: TypedArray): void {
  const c = g.inC;
  const best = scratch64(0, c);
  const max = mode === 'max';
  let o = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++, o += c) {
        best.fill(max ? -Infinity : 0, 0, c);
        let taps = 0;
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = oy * g.strideH + ky * g.dilH - g.padTop;
          if (iy < 0 || iy >= g.inH) continue;
          for (let kx = 0; kx < g.kW; kx++) {
            const ix = ox * g.strideW + kx * g.dilW - g.padLeft;
            if (ix < 0 || ix >= g.inW) continue;
            taps++;
            const i = ((b * g.inH + iy) * g.inW + ix) * c;
            if (max) for (let ch = 0; ch < c; ch++) best[ch] = Math.max(best[ch], x[i + ch]);
            else for (let ch = 0; ch < c; ch++) best[ch] += x[i + ch];
          }
        }
        if (max) for (let ch = 0; ch < c; ch++) out[o + ch] = best[ch];
        else for (let ch = 0; ch < c; ch++) out[o + ch] = best[ch] / taps;
      }
    }
  }
}

/**
 * Whether tap value v takes a max-pool window from `best`, as for `max`: a NaN
 * beats any number (the window's max is NaN and its gradient goes to the
 * first NaN), else only a strictly greater value does.
 */
function beats(v: number, best: number): boolean {
  return !Number.isNaN(best) && (Number.isNaN(v) || v > best);
}
