// The wasm backend's pooling kernels (src/backends/wasm/wasm_pool.ts) against
// the TypeScript kernel (runPool, then reluMask for the fused relu
// derivative), bit for bit: max and avg forward, and the max-pool gradient of
// windows that cannot overlap, with and without the relu derivative. The data
// mixes a few small integers (ties, both zeros) with NaN and infinities, so
// the first-NaN / first-maximum rule and Math.max's +0 over -0 are exercised;
// geometries pad every side and use strides 1 to 3; channel counts 4, 8, 12
// and 5, 6 (the last group of 4 overlapping the one before). Then the
// dispatch: the backend runs 4 channels or more in WebAssembly, fewer in
// TypeScript.
import { describe, expect, test } from 'vitest';
import { WasmHeap } from '../../src/backends/wasm/wasm_heap.js';
import { compileKernels } from '../../src/backends/wasm/wasm_kernels.js';
import { createWasmBackend } from '../../src/backends/wasm/wasm_backend.js';
import { poolArgs, poolKernelFor } from '../../src/backends/wasm/wasm_pool.js';
import { runKernelOnCpu } from '../../src/backends/cpu/run_kernel.js';
import type { ConvGeometry, PoolMode } from '../../src/kernels/conv_op.js';
import type { PoolSpec } from '../../src/kernels/conv_spec.js';
import type { Plan } from '../../src/kernels/plan.js';
import { Rng } from '../helpers/allclose.js';

const special = [NaN, Infinity, -Infinity, -0, 0];
const small = [-2, -1, -0, 0, 1, 2];

/** NHWC pooling geometry with padding [top, bottom, left, right]. */
function geom(batch: number, inH: number, inW: number, c: number, k: [number, number], stride: [number, number], pad: [number, number, number, number], dil: [number, number] = [1, 1]): ConvGeometry {
  const outH = Math.floor((inH + pad[0] + pad[1] - ((k[0] - 1) * dil[0] + 1)) / stride[0]) + 1;
  const outW = Math.floor((inW + pad[2] + pad[3] - ((k[1] - 1) * dil[1] + 1)) / stride[1]) + 1;
  return { batch, inH, inW, inC: c, outH, outW, outC: c, kH: k[0], kW: k[1], strideH: stride[0], strideW: stride[1], dilH: dil[0], dilW: dil[1], padTop: pad[0], padLeft: pad[2] };
}

/** Values: mostly random, some small integers (ties, zeros of both signs), some NaN / infinities. */
function data(n: number, rng: Rng, nanRate: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const r = rng.next();
    if (r < nanRate) return special[Math.floor(rng.next() * special.length)];
    if (r < 0.5) return small[Math.floor(rng.next() * small.length)];
    return (rng.next() - 0.5) * 8;
  });
}

const pads: [number, number, number, number][] = [[0, 0, 0, 0], [1, 1, 1, 1], [1, 0, 0, 1], [0, 1, 1, 0], [2, 1, 0, 2]];
/** Kernel and stride: disjoint windows (kernel <= stride) first, then overlapping ones (forward only). */
const disjoint: [[number, number], [number, number]][] = [[[2, 2], [2, 2]], [[3, 3], [3, 3]], [[1, 1], [1, 1]], [[2, 3], [3, 3]], [[1, 2], [2, 3]]];
const overlapping: [[number, number], [number, number]][] = [[[3, 3], [1, 1]], [[3, 2], [2, 1]], [[2, 2], [1, 2]]];

async function kernels(): Promise<{ heap: WasmHeap; k: Awaited<ReturnType<typeof compileKernels>> }> {
  const heap = new WasmHeap();
  return { heap, k: await compileKernels(heap.memory) };
}

/** Runs `spec` in wasm on `ins` and returns the result. */
function runWasm(heap: WasmHeap, k: Awaited<ReturnType<typeof compileKernels>>, spec: PoolSpec, ins: Float32Array[], outLen: number): Float32Array {
  const kernel = poolKernelFor(spec);
  if (!kernel) throw new Error('no wasm kernel');
  const offs = ins.map((a) => {
    const o = heap.alloc(Math.max(16, a.length * 4));
    heap.f32().set(a, o >> 2);
    return o;
  });
  const out = heap.alloc(outLen * 4);
  heap.f32().fill(123, out >> 2, (out >> 2) + outLen);
  k.pool[kernel](...offs, out, ...poolArgs(spec.geom));
  return heap.f32().slice(out >> 2, (out >> 2) + outLen);
}

describe('pooling in WebAssembly SIMD, bit for bit with the TypeScript kernel', () => {
  for (const c of [4, 8, 12, 5, 6]) {
    for (const mode of ['max', 'avg'] as PoolMode[]) {
      test(`${mode} pooling forward, ${c} channels, strides 1-3, every padding, dilation`, async () => {
        const { heap, k } = await kernels();
        const rng = new Rng(c * 7 + (mode === 'max' ? 1 : 2));
        const cases = [...disjoint, ...overlapping].flatMap(([kk, st]) => pads.map((p) => geom(2, 7, 8, c, kk, st, p)));
        cases.push(geom(1, 9, 9, c, [2, 2], [1, 1], [1, 1, 1, 1], [2, 2]), geom(1, 9, 7, c, [3, 2], [2, 3], [0, 2, 1, 0], [2, 3]));
        for (const g of cases) {
          const spec: PoolSpec = { type: 'pool', mode, grad: false, geom: g };
          const x = data(g.batch * g.inH * g.inW * c, rng, mode === 'max' ? 0.15 : 0.03);
          const n = g.batch * g.outH * g.outW * c;
          const want = new Float32Array(n);
          runKernelOnCpu(spec, [x], want);
          // toEqual tells -0 from 0 and takes NaN for NaN.
          expect(Array.from(runWasm(heap, k, spec, [x], n))).toEqual(Array.from(want));
        }
      });
    }
    for (const reluGrad of [false, true]) {
      test(`max-pool gradient${reluGrad ? ' with the relu derivative' : ''}, ${c} channels, disjoint windows, every padding`, async () => {
        const { heap, k } = await kernels();
        const rng = new Rng(c * 11 + (reluGrad ? 1 : 0));
        for (const [kk, st] of disjoint) {
          for (const p of pads) {
            for (const [inH, inW] of [[7, 8], [6, 6], [6, 7], [7, 6], [5, 9]]) {
              const g = geom(2, inH, inW, c, kk, st, p);
              const spec: PoolSpec = { type: 'pool', mode: 'max', grad: true, geom: g, ...(reluGrad ? { reluGrad } : {}) };
              const x = data(g.batch * g.inH * g.inW * c, rng, 0.15);
              const dy = data(g.batch * g.outH * g.outW * c, rng, 0.05);
              const want = new Float32Array(x.length);
              runKernelOnCpu(spec, [x, dy], want);
              expect(Array.from(runWasm(heap, k, spec, [x, dy], x.length))).toEqual(Array.from(want));
            }
          }
        }
      });
    }
  }

  test('a window of ties, zeros of both signs and NaNs: the gradient goes to the first NaN, else the first maximum', async () => {
    const { heap, k } = await kernels();
    const g = geom(1, 2, 2, 4, [2, 2], [2, 2], [0, 0, 0, 0]);
    // Per channel, the window's four taps in window order.
    const windows = [[1, 3, 3, 2], [NaN, 5, NaN, 1], [2, NaN, 7, NaN], [-0, 0, 0, -0]];
    const x = new Float32Array(16);
    windows.forEach((w, ch) => w.forEach((v, tap) => (x[tap * 4 + ch] = v)));
    const dy = Float32Array.of(10, 20, 30, 40);
    const spec: PoolSpec = { type: 'pool', mode: 'max', grad: true, geom: g };
    const got = runWasm(heap, k, spec, [x, dy], 16);
    const at = (tap: number, ch: number): number => got[tap * 4 + ch];
    // -0 and 0 tie (0 > -0 is false): the first, -0, takes it; the forward max is Math.max's +0.
    expect([at(1, 0), at(0, 1), at(1, 2), at(0, 3)]).toEqual([10, 20, 30, 40]);
    expect(got.reduce((s, v) => s + v, 0)).toBe(100);
    const y = runWasm(heap, k, { ...spec, grad: false }, [x], 4);
    expect(Object.is(y[3], 0)).toBe(true);
    expect(Array.from(y)).toEqual([3, NaN, NaN, 0]);
  });
});

describe('dispatch', () => {
  const slot = (size: number): { dtype: 'float32'; size: number; bytes: number; kind: 'input' } => ({ dtype: 'float32', size, bytes: size * 4, kind: 'input' });

  for (const c of [8, 6, 3]) {
    test(`${c} channels: pooling and the max-pool gradient run ${c >= 4 ? 'in WebAssembly' : 'in TypeScript'}, with the TypeScript kernel's bits`, async () => {
      const backend = await createWasmBackend(1);
      const rng = new Rng(c);
      const g = geom(3, 11, 11, c, [2, 2], [2, 2], [0, 0, 0, 0]);
      const x = data(g.batch * g.inH * g.inW * c, rng, 0.1);
      const dy = data(g.batch * g.outH * g.outW * c, rng, 0.02);
      const specs: PoolSpec[] = [
        { type: 'pool', mode: 'max', grad: false, geom: g },
        { type: 'pool', mode: 'avg', grad: false, geom: g },
        { type: 'pool', mode: 'max', grad: true, geom: g },
        { type: 'pool', mode: 'max', grad: true, geom: g, reluGrad: true },
      ];
      for (const spec of specs) {
        backend.fallbacks.clear();
        const ins = spec.grad ? [x, dy] : [x];
        const outLen = spec.grad ? x.length : dy.length;
        const plan = { calls: [{ spec, args: ins.map((_, i) => i), out: ins.length, label: 'test' }], slots: [...ins.map((a) => slot(a.length)), slot(outLen)] } as unknown as Plan;
        const bufs = [...ins.map((a) => backend.alloc(a.length * 4)), backend.alloc(outLen * 4)];
        ins.forEach((a, i) => backend.write(bufs[i], a));
        await backend.run(backend.prepareSync(plan), bufs);
        const got = backend.readSync(bufs[ins.length], 'float32', outLen);
        expect([...backend.fallbacks.keys()]).toEqual(c >= 4 ? [] : ['pool']);
        const want = new Float32Array(outLen);
        runKernelOnCpu(spec, ins, want);
        expect(Array.from(got)).toEqual(Array.from(want));
      }
      backend.destroy();
    });
  }
});
