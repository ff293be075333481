// Softmax, log-softmax and softmax + categorical cross-entropy in WebAssembly
// SIMD (src/backends/wasm/wasm_softmax.ts) against float64 references written
// here, row by row, over widths that cross the 4-lane blocks, with rows of
// large, tiny and infinite logits; NaN rows as the TypeScript kernels give them.
import { describe, expect, test } from 'vitest';
import { WasmHeap } from '../../src/backends/wasm/wasm_heap.js';
import { compileKernels, type WasmKernels } from '../../src/backends/wasm/wasm_kernels.js';
import { runSoftmax, runSoftmaxXent } from '../../src/backends/cpu/cpu_kernels.js';
import { CLIP_EPSILON } from '../../src/kernels/kernel_spec.js';
import { Rng } from '../helpers/allclose.js';

const ULP = 2 ** -23;

/** Rows of logits: random, shifted far up and down, with -inf entries, and one NaN row. */
function logits(rows: number, cols: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: rows * cols }, () => (rng.next() - 0.5) * 20);
  for (let c = 0; c < cols; c++) {
    x[cols + c] += 1e4; // row 1: large logits (the max subtraction)
    x[2 * cols + c] -= 1e4; // row 2: very negative logits
  }
  if (cols > 1) x[3 * cols + 1] = -Infinity; // row 3: a class of probability 0
  x[4 * cols] = NaN; // row 4: NaN
  return x;
}

function oneHot(rows: number, cols: number): Float32Array {
  const y = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) y[r * cols + ((r * 7) % cols)] = 1;
  return y;
}

/** float64 softmax of one row. */
function softmax64(x: Float32Array, o: number, cols: number): { p: number[]; logp: number[] } {
  const row = Array.from(x.subarray(o, o + cols));
  const mx = Math.max(...row);
  const sum = row.reduce((s, v) => s + Math.exp(v - mx), 0);
  return { p: row.map((v) => Math.exp(v - mx) / sum), logp: row.map((v) => v - mx - Math.log(sum)) };
}

function put(heap: WasmHeap, data: Float32Array): number {
  const o = heap.alloc(Math.max(16, data.length * 4));
  heap.f32().set(data, o >> 2);
  return o;
}
const read = (heap: WasmHeap, o: number, n: number): Float32Array => heap.f32().slice(o >> 2, (o >> 2) + n);

describe('softmax and cross-entropy in WebAssembly SIMD vs float64', () => {
  const rows = 6;
  let kernels: WasmKernels;
  const heap = new WasmHeap();
  for (const cols of [1, 3, 4, 7, 10, 33]) {
    test(`softmax and log-softmax, ${rows} rows of ${cols}: within a few ulp of float64, NaN rows as the TypeScript kernel`, async () => {
      kernels ??= await compileKernels(heap.memory);
      const x = logits(rows, cols, cols);
      const xo = put(heap, x);
      for (const log of [false, true]) {
        const out = heap.alloc(rows * cols * 4);
        kernels.softmax(log)(xo, out, rows, cols);
        const got = read(heap, out, rows * cols);
        const ts = new Float32Array(rows * cols);
        runSoftmax({ type: 'softmax', rows, cols, log }, x, ts);
        for (let r = 0; r < rows; r++) {
          const { p, logp } = softmax64(x, r * cols, cols);
          for (let c = 0; c < cols; c++) {
            const i = r * cols + c;
            const where = `${log ? 'log-' : ''}softmax row ${r} col ${c}`;
            expect(Number.isNaN(got[i]), where).toBe(Number.isNaN(ts[i]));
            if (Number.isNaN(ts[i])) continue;
            if (log) {
              // x - max - ln(sum): float32 rounding of each term.
              const scale = Math.abs(x[i] - Math.max(...x.subarray(r * cols, r * cols + cols))) + Math.abs(logp[c] - x[i]) + 1;
              if (Number.isFinite(logp[c])) expect(Math.abs(got[i] - logp[c]), where).toBeLessThanOrEqual(4 * ULP * scale);
              else expect(got[i], where).toBe(logp[c]);
            } else expect(Math.abs(got[i] - p[c]), where).toBeLessThanOrEqual(4 * ULP * p[c] + 1e-45);
          }
        }
      }
    });

    test(`softmax cross-entropy, ${rows} rows of ${cols}: loss (clipped and not) and gradient within a few ulp of float64`, async () => {
      kernels ??= await compileKernels(heap.memory);
      const x = logits(rows, cols, cols + 100);
      const y = oneHot(rows, cols);
      const dy = Float32Array.from({ length: rows }, (_, r) => 0.5 - r / 7);
      const [xo, yo, dyo] = [put(heap, x), put(heap, y), put(heap, dy)];
      for (const clip of [false, true]) {
        const out = heap.alloc(rows * 4);
        kernels.xent(false, clip)(xo, yo, 0, out, rows, cols);
        const got = read(heap, out, rows);
        const ts = new Float32Array(rows);
        runSoftmaxXent({ type: 'softmaxXent', rows, cols, grad: false, clip }, x, y, null, ts);
        for (let r = 0; r < rows; r++) {
          const { p, logp } = softmax64(x, r * cols, cols);
          let loss = 0;
          for (let c = 0; c < cols; c++) {
            if (y[r * cols + c] !== 0) loss -= y[r * cols + c] * (clip ? Math.log(Math.min(Math.max(p[c], CLIP_EPSILON), 1 - CLIP_EPSILON)) : logp[c]);
          }
          const where = `loss${clip ? ' (clipped)' : ''} row ${r}: ${got[r]} vs ${loss}`;
          expect(Number.isNaN(got[r]), where).toBe(Number.isNaN(ts[r]));
          if (Number.isNaN(ts[r])) continue;
          if (!Number.isFinite(loss)) expect(got[r], where).toBe(loss);
          // The loss is a log-probability: errors scale with the logits subtracted to make it.
          else expect(Math.abs(got[r] - loss), where).toBeLessThanOrEqual(8 * ULP * (Math.abs(loss) + 20));
        }
      }
      const gout = heap.alloc(rows * cols * 4);
      kernels.xent(true, false)(xo, yo, dyo, gout, rows, cols);
      const g = read(heap, gout, rows * cols);
      const ts = new Float32Array(rows * cols);
      runSoftmaxXent({ type: 'softmaxXent', rows, cols, grad: true, clip: false }, x, y, dy, ts);
      for (let r = 0; r < rows; r++) {
        const { p } = softmax64(x, r * cols, cols);
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const where = `gradient row ${r} col ${c}`;
          expect(Number.isNaN(g[i]), where).toBe(Number.isNaN(ts[i]));
          if (Number.isNaN(ts[i])) continue;
          const want = (p[c] - y[i]) * dy[r];
          expect(Math.abs(g[i] - want), where).toBeLessThanOrEqual(4 * ULP * Math.abs(dy[r]) * Math.max(p[c], y[i]) + 1e-45);
        }
      }
    });
  }
});
