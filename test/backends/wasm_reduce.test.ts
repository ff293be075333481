// The wasm backend's reductions (src/backends/wasm/wasm_reduce.ts) and its
// dispatch: sums and maxima over [outer, size, inner] against the TypeScript
// kernel (the same bits: float64 accumulation in row order; the first of equal
// maxima; NaN) and a float64 sum; a reduction with a fused prologue and
// epilogue through the backend; and whole training steps whose kernels must
// all run in WebAssembly (the backend counts the ones the TypeScript fallback
// runs), with the same loss as the CPU backend.
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { WasmHeap } from '../../src/backends/wasm/wasm_heap.js';
import { compileKernels } from '../../src/backends/wasm/wasm_kernels.js';
import { createWasmBackend } from '../../src/backends/wasm/wasm_backend.js';
import { runReduce } from '../../src/backends/cpu/cpu_kernels.js';
import { runKernelOnCpu } from '../../src/backends/cpu/run_kernel.js';
import type { ReduceSpec } from '../../src/kernels/kernel_spec.js';
import type { Plan } from '../../src/kernels/plan.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';

const special = [NaN, -0, 0, Infinity, -Infinity, 1e30, -1e30, 3e-39];

describe('sum and max reductions in WebAssembly SIMD', () => {
  // inner: 1 (rows), then widths that exercise the blocks of 8, 4 / 2 and 1 columns.
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 37, 1], [1, 128, 256], [2, 5, 3], [2, 7, 13], [1, 9, 17], [4, 1, 10], [2, 0, 6]];
  for (const reducer of ['sum', 'max'] as const) {
    for (const [outer, size, inner] of shapes) {
      test(`${reducer} over [${outer}, ${size}, ${inner}] gives the TypeScript kernel's bits (NaN, -0, infinities in some columns)`, async () => {
        const heap = new WasmHeap();
        const kernels = await compileKernels(heap.memory);
        const rng = new Rng(outer * 100 + size * 10 + inner);
        const n = outer * size * inner;
        const x = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 10);
        // Special values in about one column in three, zeros of both signs in another.
        for (let i = 0; i < n; i++) {
          if ((i % inner) % 3 === 1 && rng.next() < 0.3) x[i] = special[Math.floor(rng.next() * special.length)];
          if ((i % inner) % 3 === 2 && rng.next() < 0.5) x[i] = rng.next() < 0.5 ? -0 : 0;
        }
        const xo = heap.alloc(Math.max(4, n * 4));
        heap.f32().set(x, xo >> 2);
        const out = heap.alloc(outer * inner * 4);
        heap.f32().fill(123, out >> 2, (out >> 2) + outer * inner);
        kernels.reducers[reducer](xo, out, outer, size, inner);
        const got = heap.f32().slice(out >> 2, (out >> 2) + outer * inner);
        const want = new Float32Array(outer * inner);
        const spec: ReduceSpec = { type: 'reduce', reducer, outer, size, inner };
        runReduce(spec, x, want);
        // toEqual tells -0 from 0 and takes NaN for NaN.
        expect(Array.from(got)).toEqual(Array.from(want));
        if (reducer === 'sum') {
          // And against an independent float64 sum (finite columns).
          for (let o = 0; o < outer; o++) {
            for (let i = 0; i < inner; i++) {
              let s = 0;
              for (let r = 0; r < size; r++) s += x[(o * size + r) * inner + i];
              if (Number.isFinite(s)) expect(Math.abs(got[o * inner + i] - s)).toBeLessThanOrEqual(Math.abs(s) * 2 ** -24 + 1e-30);
            }
          }
        }
      });
    }
  }
});

type Act = 'relu' | 'elu' | 'tanh' | 'sigmoid' | 'softmax';

describe('dispatch', () => {
  test('a reduction with a prologue (clip, log) and an epilogue (divide) runs in WebAssembly, equal to the TypeScript kernel', async () => {
    const backend = await createWasmBackend(1);
    const rows = 6, cols = 11;
    const rng = new Rng(3);
    const p = Float32Array.from({ length: rows * cols }, () => rng.next());
    p[5] = 0;
    const scale = Float32Array.of(-1 / rows);
    const spec: ReduceSpec = {
      type: 'reduce', reducer: 'sum', outer: 1, size: rows, inner: cols,
      prologue: { shape: [rows, cols], inputs: [{ dtype: 'float32', strides: [cols, 1] }], instrs: [{ fn: 'clip', args: [0], attrs: [1e-7, 1 - 1e-7] }, { fn: 'log', args: [1], attrs: [] }] },
      epilogue: { shape: [cols], inputs: [{ dtype: 'float32', strides: [0] }], instrs: [{ fn: 'mul', args: [0, 1], attrs: [] }] },
    };
    const slot = (size: number): { dtype: 'float32'; size: number; bytes: number; kind: 'input' } => ({ dtype: 'float32', size, bytes: size * 4, kind: 'input' });
    const plan = { calls: [{ spec, args: [0, 1], out: 2, label: 'test' }], slots: [slot(rows * cols), slot(1), slot(cols)] } as unknown as Plan;
    const bufs = [backend.alloc(rows * cols * 4), backend.alloc(16), backend.alloc(cols * 4)];
    backend.write(bufs[0], p);
    backend.write(bufs[1], scale);
    await backend.run(backend.prepareSync(plan), bufs);
    const got = backend.readSync(bufs[2], 'float32', cols) as Float32Array;
    expect(backend.fallbacks.size).toBe(0);
    const want = new Float32Array(cols);
    runKernelOnCpu(spec, [p, scale], want);
    // log is within a few ulp of Math.log; the sum and the scale are exact.
    expectAllClose(got, want, { rtol: 1e-6, atol: 0 });
    backend.destroy();
  });

  /** One fit step of a small MLP on `backend`; returns the loss and the wasm backend's fallback counts. */
  async function step(backend: 'cpu' | 'wasm', acts: Act[], loss: string, sizes: number[], n: number): Promise<{ loss: number; fallbacks: string[] }> {
    await wg.ready({ backend, ...(backend === 'wasm' ? { threads: 1 } : {}) });
    const host = (await import('../../src/backends/select.js')).backendHost;
    const b = (await host.getBackend()) as unknown as { fallbacks?: Map<string, number> };
    b.fallbacks?.clear();
    const rng = new Rng(9);
    const x = wg.tensor(Float32Array.from({ length: n * sizes[0] }, () => rng.next() - 0.5), [n, sizes[0]]);
    const k = sizes[sizes.length - 1];
    const y = wg.tensor(Float32Array.from({ length: n * k }, (_, i) => (k === 1 ? (rng.next() < 0.5 ? 1 : 0) : i % k === (i / k) % k ? 1 : 0)), [n, k]);
    const model = wg.sequential({
      layers: acts.map((activation, l) => wg.layers.dense({ units: sizes[l + 1], activation, ...(l === 0 ? { inputShape: [sizes[0]] } : {}) })),
    });
    // The same weights on both backends.
    const init = sizes.slice(1).flatMap((units, l) => [
      wg.tensor(Float32Array.from({ length: sizes[l] * units }, () => (rng.next() - 0.5) / Math.sqrt(sizes[l])), [sizes[l], units]),
      wg.tensor(Float32Array.from({ length: units }, () => (rng.next() - 0.5) * 0.1), [units]),
    ]);
    model.setWeights(init);
    init.forEach((t) => t.dispose());
    model.compile({ optimizer: wg.train.sgd(0.1), loss: loss as 'binaryCrossentropy' });
    await model.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    const h = await model.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    x.dispose();
    y.dispose();
    model.dispose();
    return { loss: h.history.loss[0], fallbacks: [...(b.fallbacks?.keys() ?? [])] };
  }

  test('a tanh / sigmoid MLP step with binary cross-entropy runs every kernel in WebAssembly, with the CPU backend\'s loss', async () => {
    const args = [['tanh', 'tanh', 'sigmoid'] as Act[], 'binaryCrossentropy', [2, 16, 16, 1], 32] as const;
    const cpu = await step('cpu', [...args[0]], args[1], [...args[2]], args[3]);
    const wasm = await step('wasm', [...args[0]], args[1], [...args[2]], args[3]);
    expect(wasm.fallbacks).toEqual([]);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(cpu.loss));
  });

  test('a relu / softmax MLP step with categorical cross-entropy runs every kernel in WebAssembly, with the CPU backend\'s loss', async () => {
    const args = [['relu', 'elu', 'softmax'] as Act[], 'categoricalCrossentropy', [20, 24, 16, 10], 40] as const;
    const cpu = await step('cpu', [...args[0]], args[1], [...args[2]], args[3]);
    const wasm = await step('wasm', [...args[0]], args[1], [...args[2]], args[3]);
    expect(wasm.fallbacks).toEqual([]);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(cpu.loss));
  });
});
