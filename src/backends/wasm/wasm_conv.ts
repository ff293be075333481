// Convolutions on the wasm backend as the SIMD matmul over an im2col matrix:
// the patches of x (or of the output gradient) are copied into one scratch
// matrix in the WebAssembly memory, one row per output pixel and one column
// per filter tap and channel (NHWC makes each tap's channels one contiguous
// run), so that
//   forward:    y  = cols(x) · filter             ([M, K] · [K, N])
//   filterGrad: dW = cols(x)^T · dy               ([K, M] · [M, N])
//   inputGrad:  dx = col2im(dy · filter^T)        (the scatter-add of [M, K])
// with M = batch·outH·outW, K = kH·kW·inC, N = outC. The filter in HWIO order
// is already the [K, N] matrix. Unlike the GPU's implicit GEMM this spends
// memory (M·K floats) to let the packed, blocked matmul do the work.
import type { ConvGeometry } from '../../kernels/conv_op.js';
import type { ConvSpec } from '../../kernels/conv_spec.js';
import type { WasmGemm } from './wasm_gemm.js';

/** Default patch floats a convolution's scratch may hold (64 MiB); see convChunkImages. */
export const MAX_COL_FLOATS = 16 << 20;

/** Floats of patch matrix one image needs. */
function colFloatsPerImage(g: ConvGeometry): number {
  return g.outH * g.outW * g.kH * g.kW * g.inC;
}

/**
 * Images per chunk: a batch whose patches pass `maxColFloats` runs as several
 * convolutions over consecutive images (the filter gradient sums their
 * parts), so a large batch (a prediction over 500 digits) keeps the SIMD
 * matmul instead of the TypeScript kernel, and the scratch stays bounded.
 */
export function convChunkImages(spec: ConvSpec, maxColFloats = MAX_COL_FLOATS): number {
  const g = spec.geom;
  return Math.max(1, Math.min(g.batch, Math.floor(maxColFloats / Math.max(1, colFloatsPerImage(g)))));
}

/** The [m, n, k] of the largest matmul a convolution kernel runs (one chunk of images, see the top of this file). */
export function convGemmShape(spec: ConvSpec, maxColFloats = MAX_COL_FLOATS): [number, number, number] {
  const g = spec.geom;
  const M = convChunkImages(spec, maxColFloats) * g.outH * g.outW;
  const K = g.kH * g.kW * g.inC;
  if (spec.variant === 'forward') return [M, g.outC, K];
  if (spec.variant === 'filterGrad') return [K, g.outC, M];
  return [M, K, g.outC];
}

/**
 * Floats of scratch a convolution kernel needs: one chunk's patch matrix, and
 * for a filter gradient in several chunks the part each later chunk adds.
 */
export function colFloats(spec: ConvSpec, maxColFloats = MAX_COL_FLOATS): number {
  const g = spec.geom;
  const chunk = convChunkImages(spec, maxColFloats);
  const partial = spec.variant === 'filterGrad' && chunk < g.batch ? g.kH * g.kW * g.inC * g.outC : 0;
  return chunk * colFloatsPerImage(g) + partial;
}

/** Whether the wasm backend runs this convolution through im2col (else the TypeScript kernel): one image's patches fit. */
export function convRunsInWasm(spec: ConvSpec, maxColFloats = MAX_COL_FLOATS): boolean {
  return colFloatsPerImage(spec.geom) <= maxColFloats;
}

/**
 * Visits every (output pixel row, tap) pair: `inside(row, tapCol, src)` with
 * the float index of the tap's first channel in x when the tap lies in the
 * input, `outside(row, tapCol)` when it lies in the padding.
 */
function forEachPatch(g: ConvGeometry, inside: (colStart: number, src: number) => void, outside: (colStart: number) => void): void {
  const K = g.kH * g.kW * g.inC;
  let row = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++, row++) {
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = oy * g.strideH + ky * g.dilH - g.padTop;
          for (let kx = 0; kx < g.kW; kx++) {
            const ix = ox * g.strideW + kx * g.dilW - g.padLeft;
            const colStart = row * K + (ky * g.kW + kx) * g.inC;
            if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) outside(colStart);
            else inside(colStart, ((b * g.inH + iy) * g.inW + ix) * g.inC);
          }
        }
      }
    }
  }
}

/**
 * Writes the patch matrix of x (float index `x`) at float index `col`. The
 * loops are written out rather than going through forEachPatch: with one
 * input channel (a first layer) a call per tap cost more than the copy.
 */
function im2col(f: Float32Array, g: ConvGeometry, x: number, col: number): void {
  const c = g.inC;
  let d = col;
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = oy * g.strideH + ky * g.dilH - g.padTop;
          const rowInside = iy >= 0 && iy < g.inH;
          const rowStart = x + (b * g.inH + iy) * g.inW * c;
          for (let kx = 0; kx < g.kW; kx++, d += c) {
            const ix = ox * g.strideW + kx * g.dilW - g.padLeft;
            if (!rowInside || ix < 0 || ix >= g.inW) {
              f.fill(0, d, d + c);
              continue;
            }
            const s = rowStart + ix * c;
            if (c === 1) f[d] = f[s];
            else if (c >= 16) f.copyWithin(d, s, s + c);
            else for (let i = 0; i < c; i++) f[d + i] = f[s + i];
          }
        }
      }
    }
  }
}

/** Adds each patch row of the matrix at `col` back onto dx (float index `dx`, zeroed first). */
function col2im(f: Float32Array, g: ConvGeometry, col: number, dx: number): void {
  const c = g.inC;
  f.fill(0, dx, dx + g.batch * g.inH * g.inW * c);
  forEachPatch(
    g,
    (colStart, dst) => {
      const s = col + colStart;
      const d = dx + dst;
      for (let i = 0; i < c; i++) f[d + i] += f[s + i];
    },
    () => undefined,
  );
}

/**
 * Runs one convolution kernel: `first` and `second` are the byte offsets of
 * its operands (x and filter, dy and filter, or x and dy), `out` of its
 * result, `col` of colFloats(spec, maxColFloats) floats of scratch. `view`
 * gives the memory's current float view (gemm may not grow it: its scratch
 * is reserved before the run). Images go in chunks of convChunkImages.
 */
export function runConvWasm(spec: ConvSpec, gemm: WasmGemm, view: () => Float32Array, first: number, second: number, out: number, col: number, maxColFloats = MAX_COL_FLOATS): void {
  const g = spec.geom;
  const K = g.kH * g.kW * g.inC;
  const N = g.outC;
  const chunk = convChunkImages(spec, maxColFloats);
  const xImageBytes = g.inH * g.inW * g.inC * 4;
  const yImageBytes = g.outH * g.outW * g.outC * 4;
  // A filter gradient's later chunks write their part here, then add it to out.
  const partial = col + chunk * colFloatsPerImage(g) * 4;
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    const cg: ConvGeometry = { ...g, batch: Math.min(chunk, g.batch - b0) };
    const M = cg.batch * g.outH * g.outW;
    if (spec.variant === 'forward') {
      im2col(view(), cg, (first + b0 * xImageBytes) >> 2, col >> 2);
      gemm.run({ m: M, n: N, k: K, transA: false, transB: false, a: col, b: second, out: out + b0 * yImageBytes });
    } else if (spec.variant === 'filterGrad') {
      im2col(view(), cg, (first + b0 * xImageBytes) >> 2, col >> 2);
      const target = b0 === 0 ? out : partial;
      gemm.run({ m: K, n: N, k: M, transA: true, transB: false, a: col, b: second + b0 * yImageBytes, out: target });
      if (b0 > 0) {
        const f = view();
        const o = out >> 2, p = partial >> 2;
        for (let i = 0; i < K * N; i++) f[o + i] += f[p + i];
      }
    } else {
      gemm.run({ m: M, n: K, k: N, transA: false, transB: true, a: first + b0 * yImageBytes, b: second, out: col });
      col2im(view(), cg, col >> 2, (out + b0 * xImageBytes) >> 2);
    }
  }
}
