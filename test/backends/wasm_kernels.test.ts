// The WebAssembly backend's own parts, below the op-level suites that run on
// every backend: the binary emitter's encodings, the memory allocator, the
// SIMD matmul against a float64 product for every transpose and for shapes
// that cross the blocking and tile edges, and its bias + activation epilogues
// against the CPU backend's row functions (NaN and -0 included).
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { sleb, uleb, ModuleBuilder, F32, SIMD } from '../../src/backends/wasm/wasm_emitter.js';
import { WasmHeap } from '../../src/backends/wasm/wasm_heap.js';
import { DEFAULT_BLOCKING, THREADED_GEMM_WORK, UNPACKED_B_MAX_ROWS, WasmGemm } from '../../src/backends/wasm/wasm_gemm.js';
import { applyBiasActivation, buildKernelModule, compileKernels } from '../../src/backends/wasm/wasm_kernels.js';
import { simdProbeModule, wasmSimdSupported } from '../../src/backends/wasm/wasm_support.js';
import { primitiveDef } from '../../src/kernels/elementwise_table.js';
import type { MatmulSpec } from '../../src/kernels/kernel_spec.js';
import type { Plan } from '../../src/kernels/plan.js';
import { createWasmBackend } from '../../src/backends/wasm/wasm_backend.js';
import { ExprCompiler } from '../../src/backends/wasm/wasm_elementwise.js';
import { GemmThreads, type GemmTask } from '../../src/backends/wasm/gemm_threads.js';
import { runElementwise } from '../../src/backends/cpu/cpu_kernels.js';
import type { ElementwiseInstr } from '../../src/kernels/strided_input.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import { convChunkImages, convRunsInWasm, MAX_COL_FLOATS } from '../../src/backends/wasm/wasm_conv.js';
import { runConv } from '../../src/backends/cpu/cpu_conv_kernels.js';
import type { ConvSpec } from '../../src/kernels/conv_spec.js';
import type { ConvGeometry } from '../../src/kernels/conv_op.js';

describe('emitter', () => {
  test('LEB128 encodings match the values worked out from the format', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(() => uleb(-1)).toThrow(RangeError);
  });

  test('a SIMD module validates and computes: (1 + 2) in lane 0', async () => {
    expect(wasmSimdSupported()).toBe(true);
    const { instance } = await WebAssembly.instantiate(simdProbeModule(), { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
    expect((instance.exports.probe as () => number)()).toBe(3);
    // A function that is not well typed is refused by the engine, so validate() really checks.
    const mb = new ModuleBuilder();
    mb.func('bad', [], [F32]).simd(SIMD.f32x4Add);
    expect(WebAssembly.validate(mb.encode())).toBe(false);
    expect(WebAssembly.validate(buildKernelModule())).toBe(true);
  });
});

describe('heap', () => {
  test('ranges are aligned, zeroed, reused after release, merged with neighbours, and kept across growth', () => {
    const heap = new WasmHeap(1);
    const a = heap.alloc(10);
    const b = heap.alloc(100);
    const c = heap.alloc(40);
    for (const o of [a, b, c]) expect(o % 16).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 10);
    expect(c).toBeGreaterThanOrEqual(b + 100);
    heap.f32().fill(7, b >> 2, (b + 100) >> 2);
    heap.release(b, 100);
    // The same size again lands in the freed range, zeroed.
    const b2 = heap.alloc(100);
    expect(b2).toBe(b);
    expect(Array.from(heap.f32().subarray(b2 >> 2, (b2 + 100) >> 2)).every((v) => v === 0)).toBe(true);
    // Freeing a and b2 merges them: a range of both sizes fits where a was.
    heap.release(a, 10);
    heap.release(b2, 100);
    expect(heap.alloc(16 + 112)).toBe(a);
    // Growing the memory (1 page = 64 KiB) keeps what is stored.
    heap.f32()[c >> 2] = 42;
    const big = heap.alloc(1 << 20);
    expect(heap.memory.buffer.byteLength).toBeGreaterThanOrEqual(big + (1 << 20));
    expect(heap.f32()[c >> 2]).toBe(42);
    // Releasing the top range returns it to the tail.
    const top = heap.usedBytes;
    heap.release(big, 1 << 20);
    expect(heap.usedBytes).toBeLessThan(top);
  });

  test('an allocation past what a WebAssembly memory can address is a named error, and the heap still works', () => {
    const heap = new WasmHeap(1);
    expect(() => heap.alloc(5e9)).toThrow(/^wasm: cannot allocate 5000000000 bytes/);
    expect(heap.alloc(8) % 16).toBe(0);
  });
});

/** op(A) op(B) in float64 from the stored (float32) values. */
function reference(A: Float32Array, B: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? A[p * m + i] : A[i * k + p]) * (transB ? B[j * k + p] : B[p * n + j]);
      out[i * n + j] = s;
    }
  }
  return out;
}

describe('SIMD matmul', () => {
  const { kc, nc } = DEFAULT_BLOCKING;
  // Shapes: one element; tails of the 4x8 tile on every side; k over one
  // block of KC (the accumulate path); n over one block of NC; m over MC.
  // Up to UNPACKED_B_MAX_ROWS rows B is read in place (whole panels) with
  // only the ragged last panel packed: [2x20] has two whole panels and 4 columns more.
  const shapes: [number, number, number][] = [[1, 1, 1], [5, 7, 3], [4, 8, 1], [2, 20, kc + 40], [UNPACKED_B_MAX_ROWS, 16, 3], [13, 17, kc + 9], [3, nc + 11, 6], [70, 9, 2 * kc + 1], [129, 33, 64]];
  for (const [m, n, k] of shapes) {
    test(`[${m}x${n}x${k}] with every transpose equals the float64 product`, async () => {
      const heap = new WasmHeap();
      const kernels = await compileKernels(heap.memory);
      const gemm = new WasmGemm(heap, kernels.gemm);
      const rng = new Rng(m * 1000 + n * 10 + k);
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = heap.alloc(m * k * 4);
          const b = heap.alloc(k * n * 4);
          const out = heap.alloc(m * n * 4);
          const A = Float32Array.from(rng.nd([m * k]).data);
          const B = Float32Array.from(rng.nd([k * n]).data);
          heap.f32().set(A, a >> 2);
          heap.f32().set(B, b >> 2);
          // Garbage in the output: the kernel must overwrite it, not add to it.
          heap.f32().fill(123, out >> 2, (out >> 2) + m * n);
          gemm.run({ m, n, k, transA, transB, a, b, out });
          const got = heap.f32().slice(out >> 2, (out >> 2) + m * n);
          expectAllClose(got, reference(A, B, m, n, k, transA, transB), { rtol: 1e-5, atol: 1e-5 * Math.sqrt(k) }, `transA=${transA} transB=${transB}`);
          // The inputs are left as they were.
          expect(heap.f32().slice(a >> 2, (a >> 2) + m * k)).toEqual(A);
          heap.release(a, m * k * 4);
          heap.release(b, k * n * 4);
          heap.release(out, m * n * 4);
        }
      }
    });
  }

  test('k = 0 gives zeros; infinities and NaN propagate as in IEEE arithmetic', async () => {
    await wg.ready({ backend: 'wasm' });
    const z = await wg.matMul(wg.zeros([3, 0]), wg.zeros([0, 5])).data();
    expect(Array.from(z)).toEqual(new Array(15).fill(0));
    const a = wg.tensor([[Infinity, 1], [NaN, 0], [1, 2]]);
    const b = wg.tensor([[1, 0, -1], [2, 3, 4]]);
    const got = Array.from(await wg.matMul(a, b).data());
    // Row 0: inf*1+2, inf*0 = NaN, -inf+4; row 1: NaN everywhere; row 2: plain.
    expect(got.slice(0, 3)).toEqual([Infinity, NaN, -Infinity]);
    expect(got.slice(3, 6).every(Number.isNaN)).toBe(true);
    expect(got.slice(6)).toEqual([5, 6, 7]);
  });
});

describe('small matmuls (operands in place)', () => {
  // The tiny MLP's layers, and shapes whose n and k cross the 16-, 4- and 1-column blocks and the 4-lane dot products;
  // then fewer rows than the GEMM's micro-tile but many multiply-adds (a single-sample predict of the MNIST MLP's
  // first layer), which run here too unless both operands are transposed.
  const shapes: [number, number, number][] = [[1, 1, 1], [32, 2, 16], [32, 16, 16], [16, 32, 16], [32, 16, 1], [3, 21, 9], [5, 7, 3], [2, 3, 0], [1, 256, 784], [3, 37, 301], [2, 19, 1030]];
  for (const [m, n, k] of shapes) {
    test(`[${m}x${n}x${k}] with every transpose, through the backend, equals the float64 product`, async () => {
      const backend = await createWasmBackend(1);
      const rng = new Rng(m * 7 + n * 3 + k);
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const A = Float32Array.from({ length: m * k }, () => rng.next() - 0.5);
          const B = Float32Array.from({ length: k * n }, () => rng.next() - 0.5);
          const bufs = [backend.alloc(Math.max(16, m * k * 4)), backend.alloc(Math.max(16, k * n * 4)), backend.alloc(m * n * 4)];
          backend.write(bufs[0], A);
          backend.write(bufs[1], B);
          backend.write(bufs[2], new Float32Array(m * n).fill(123));
          const spec: MatmulSpec = { type: 'matmul', m, n, k, transA, transB, hasBias: false, act: 'linear', alpha: 0 };
          const plan = { calls: [{ spec, args: [0, 1], out: 2 }], slots: [{ dtype: 'float32' }, { dtype: 'float32' }, { dtype: 'float32' }] } as unknown as Plan;
          await backend.run(backend.prepareSync(plan), bufs);
          const got = backend.readSync(bufs[2], 'float32', m * n) as Float32Array;
          // float32 sums of k terms: the error grows with k (1e-6 up to k = 10, as before).
          expectAllClose(got, reference(A, B, m, n, k, transA, transB), { rtol: 1e-6, atol: 1e-7 * Math.max(10, k) }, `transA=${transA} transB=${transB}`);
          bufs.forEach((buf) => backend.free(buf));
        }
      }
      // Of the four, only the product of two transposed operands runs the TypeScript kernel, when it is small.
      expect([...backend.fallbacks]).toEqual(m * n * k < 1 << 14 ? [['matmul', 1]] : []);
      backend.destroy();
    });
  }
});

describe('matmul epilogues', () => {
  const values = [-2.5, -0, 0, 1.5, NaN, -Infinity, Infinity, 3e-39, -1e38, 7];
  for (const act of ['linear', 'relu', 'leakyRelu', 'tanh'] as const) {
    for (const withBias of [false, true]) {
      test(`${act}${withBias ? ' + bias' : ''} in place equals the CPU row function value for value`, async () => {
        const heap = new WasmHeap();
        const kernels = await compileKernels(heap.memory);
        const m = 3;
        const n = values.length; // 10: two SIMD lanes of 4, then a tail of 2
        const out = heap.alloc(m * n * 4);
        const bias = heap.alloc(n * 4);
        const x = Float32Array.from({ length: m * n }, (_, i) => values[(i * 7) % n]);
        const bv = Float32Array.from({ length: n }, (_, j) => (j % 3) - 1);
        heap.f32().set(x, out >> 2);
        heap.f32().set(bv, bias >> 2);
        const alpha = 0.2;
        const spec: MatmulSpec = { type: 'matmul', m, n, k: 1, transA: false, transB: false, hasBias: withBias, act, alpha };
        applyBiasActivation(kernels, heap, spec, withBias ? bias : null, out);
        const f = act === 'linear' ? (v: number) => v : (v: number) => primitiveDef(act).cpu(v, 0, [alpha]);
        const expected = Array.from(x, (v, i) => Math.fround(f(Math.fround(withBias ? v + bv[i % n] : v))));
        const got = Array.from(heap.f32().subarray(out >> 2, (out >> 2) + m * n));
        // toEqual tells -0 from 0 and accepts NaN for NaN.
        expect(got).toEqual(expected);
      });
    }
  }
});

describe('threads', () => {
  test('a matmul split across worker threads equals the single-threaded one bit for bit, for every transpose', async () => {
    const one = await createWasmBackend(1);
    const three = await createWasmBackend(3);
    try {
      expect(one.threads).toBe(1);
      expect(three.threads).toBe(3);
      const rng = new Rng(11);
      // 33 panels of 4 rows over 3 threads: ranges of 44, 44 and 42 rows; k crosses KC, n crosses NC,
      // and the product is large enough to be split (THREADED_GEMM_WORK).
      const [m, n, k] = [130, DEFAULT_BLOCKING.nc + 90, DEFAULT_BLOCKING.kc + 264];
      expect(m * n * k).toBeGreaterThanOrEqual(THREADED_GEMM_WORK);
      const A = Float32Array.from(rng.nd([m * k]).data);
      const B = Float32Array.from(rng.nd([k * n]).data);
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const results: Float32Array[] = [];
          for (const backend of [one, three]) {
            const [a, b, out] = [backend.alloc(m * k * 4), backend.alloc(k * n * 4), backend.alloc(m * n * 4)];
            backend.write(a, A);
            backend.write(b, B);
            // Garbage in the output: every thread must overwrite its rows, not add to them.
            backend.write(out, new Float32Array(m * n).fill(123));
            const spec: MatmulSpec = { type: 'matmul', m, n, k, transA, transB, hasBias: false, act: 'linear', alpha: 0 };
            const plan = { calls: [{ spec, args: [0, 1], out: 2 }], slots: [{ dtype: 'float32' }, { dtype: 'float32' }, { dtype: 'float32' }] } as unknown as Plan;
            await backend.run(backend.prepareSync(plan), [a, b, out]);
            results.push(backend.readSync(out, 'float32', m * n) as Float32Array);
          }
          expect(results[1], `transA=${transA} transB=${transB}`).toEqual(results[0]);
          if (!transA && !transB) expectAllClose(results[1], reference(A, B, m, n, k, false, false), { rtol: 1e-5, atol: 1e-4 });
        }
      }
    } finally {
      one.destroy();
      three.destroy();
    }
  });

  test('ready() takes a thread count, reports it, and refuses a bad one by name', async () => {
    const info = await wg.ready({ backend: 'wasm', threads: 2 });
    expect(info).toMatchObject({ name: 'wasm', threads: 2 });
    await expect(wg.ready({ backend: 'wasm', threads: 0 })).rejects.toThrow(/^ready: argument 'options\.threads' must be an integer from 1 to 64, but got 0/);
    await expect(wg.ready({ backend: 'wasm', threads: 1.5 })).rejects.toThrow(/options\.threads/);
    expect(wg.getBackend()).toMatchObject({ name: 'wasm', threads: 2 });
    await wg.ready({ backend: 'cpu' });
  });
});

describe('elementwise expressions in WebAssembly', () => {
  const special = [-2.5, -0, 0, 1.5, NaN, -Infinity, Infinity, 3e-39, -1e38, 7, 0.1, -3];
  test('every compiled row, on vectors and a repeated scalar, gives the TypeScript kernel\'s bits (NaN, -0, infinities, subnormals; n % 4 = 3)', () => {
    const heap = new WasmHeap();
    const compiler = new ExprCompiler(heap.memory, false);
    const n = 27;
    const shape = [3, 9];
    const vecIn = { dtype: 'float32' as const, strides: [9, 1] };
    const scalarIn = { dtype: 'float32' as const, strides: [0, 0] };
    const a = Float32Array.from({ length: n }, (_, i) => special[i % special.length]);
    const b = Float32Array.from({ length: n }, (_, i) => special[(i * 5 + 3) % special.length]);
    const s = Float32Array.of(-0.75);
    const programs: { name: string; inputs: (typeof vecIn)[]; instrs: ElementwiseInstr[] }[] = [];
    for (const fn of ['add', 'sub', 'mul', 'div', 'reluGrad'] as const) {
      programs.push({ name: `${fn}(a, b)`, inputs: [vecIn, vecIn], instrs: [{ fn, args: [0, 1], attrs: [] }] });
      programs.push({ name: `${fn}(a, scalar)`, inputs: [vecIn, scalarIn], instrs: [{ fn, args: [0, 1], attrs: [] }] });
    }
    for (const fn of ['identity', 'neg', 'sqrt', 'relu'] as const) programs.push({ name: `${fn}(a)`, inputs: [vecIn], instrs: [{ fn, args: [0], attrs: [] }] });
    // An SGD-like chain: relu(a) * scalar + b.
    programs.push({ name: 'relu(a) * s + b', inputs: [vecIn, scalarIn, vecIn], instrs: [{ fn: 'relu', args: [0], attrs: [] }, { fn: 'mul', args: [3, 1], attrs: [] }, { fn: 'add', args: [4, 2], attrs: [] }] });
    for (const p of programs) {
      const fn = compiler.compile(shape, 0, p.inputs, p.instrs);
      expect(fn, p.name).not.toBeNull();
      const data = p.inputs.map((inp, j) => (inp.strides[0] === 0 ? s : j === 0 ? a : b));
      const offsets = data.map((d) => {
        const o = heap.alloc(d.length * 4);
        heap.f32().set(d, o >> 2);
        return o;
      });
      const out = heap.alloc(n * 4);
      fn!(out, n, ...offsets);
      const got = Array.from(heap.f32().subarray(out >> 2, (out >> 2) + n));
      const expected = new Float32Array(n);
      runElementwise({ type: 'elementwise', outShape: shape, outDtype: 'float32', inputs: p.inputs, instrs: p.instrs }, data, expected);
      expect(got, p.name).toEqual(Array.from(expected));
    }
  });

  test('a vector repeated along the outer axes (a bias over channels) gives the TypeScript kernel\'s bits', () => {
    const heap = new WasmHeap();
    const compiler = new ExprCompiler(heap.memory, false);
    const cases: { shape: number[]; strides: number[]; cycle: number }[] = [
      { shape: [6, 8], strides: [0, 1], cycle: 8 },
      { shape: [5, 2, 4], strides: [0, 4, 1], cycle: 8 },
      { shape: [3, 1, 4], strides: [0, 7, 1], cycle: 4 },
      { shape: [2, 3, 3, 4], strides: [0, 0, 0, 1], cycle: 4 },
    ];
    for (const c of cases) {
      const n = c.shape.reduce((p, q) => p * q, 1);
      const inputs = [{ dtype: 'float32' as const, strides: c.shape.map((_, d) => c.shape.slice(d + 1).reduce((p, q) => p * q, 1)) }, { dtype: 'float32' as const, strides: c.strides }];
      // relu(x + bias) * bias: the cycle read twice, NaN and infinities among the values.
      const instrs: ElementwiseInstr[] = [{ fn: 'add', args: [0, 1], attrs: [] }, { fn: 'relu', args: [2], attrs: [] }, { fn: 'mul', args: [3, 1], attrs: [] }];
      const fn = compiler.compile(c.shape, 0, inputs, instrs);
      expect(fn, c.shape.join('x')).not.toBeNull();
      const x = Float32Array.from({ length: n }, (_, i) => special[(i * 7) % special.length] * (1 + i / n));
      const bias = Float32Array.from({ length: c.cycle }, (_, i) => special[(i * 3 + 1) % special.length]);
      const xo = heap.alloc(n * 4);
      heap.f32().set(x, xo >> 2);
      const bo = heap.alloc(c.cycle * 4);
      heap.f32().set(bias, bo >> 2);
      const out = heap.alloc(n * 4);
      fn!(out, n, xo, bo);
      const expected = new Float32Array(n);
      runElementwise({ type: 'elementwise', outShape: c.shape, outDtype: 'float32', inputs, instrs }, [x, bias], expected);
      expect(Array.from(heap.f32().subarray(out >> 2, (out >> 2) + n)), c.shape.join('x')).toEqual(Array.from(expected));
    }
  });

  test('expressions it cannot compile stay in TypeScript: other rows, strided or broadcast rows, int32 inputs', () => {
    const compiler = new ExprCompiler(new WasmHeap().memory, false);
    const shape = [2, 4];
    const vecIn = { dtype: 'float32' as const, strides: [4, 1] };
    expect(compiler.compile(shape, 0, [vecIn], [{ fn: 'sin', args: [0], attrs: [] }])).toBeNull();
    // A row repeated down the rows compiles only when its length is a multiple of 4; a column repeated never.
    expect(compiler.compile([4, 3], 0, [{ dtype: 'float32', strides: [0, 1] }], [{ fn: 'neg', args: [0], attrs: [] }])).toBeNull();
    expect(compiler.compile([4, 4], 0, [{ dtype: 'float32', strides: [1, 0] }], [{ fn: 'neg', args: [0], attrs: [] }])).toBeNull();
    expect(compiler.compile(shape, 0, [{ dtype: 'int32', strides: [4, 1] }], [{ fn: 'neg', args: [0], attrs: [] }])).toBeNull();
    expect(compiler.compile(shape, 0, [vecIn], [{ fn: 'neg', args: [0], attrs: [] }])).not.toBeNull();
  });
});

test('a worker whose rows trap is reported at once by name, and the pool is not used again', async () => {
  const heap = new WasmHeap(16, true);
  const kernels = await compileKernels(heap.memory, true);
  const pool = await GemmThreads.start(heap, kernels.module, 1);
  try {
    const c = heap.alloc(4 * 8 * 4);
    const scratch = heap.alloc(4 * 8 * 4);
    const task: GemmTask = { a: c, b: c, c, rows: 4, nc: 8, kc: 1, ldcBytes: 32, accumulate: 0, scratch, mcBlock: 64, bPanelBytes: 32, bRowBytes: 32 };
    // A's panels far past the end of the memory: the worker's kernel traps.
    const bad: GemmTask = { ...task, a: 0x7ff00000 };
    expect(pool.usable).toBe(true);
    expect(() => pool.run([task, bad], () => undefined)).toThrow(/^wasm: matmul worker 1 threw while computing its rows; later matmuls run on one thread/);
    expect(pool.usable).toBe(false);
    const gemm = new WasmGemm(heap, kernels.gemm);
    gemm.useThreads(pool);
    expect(gemm.threadsFor(1024, 1024, 1024)).toBe(1);
  } finally {
    pool.stop();
  }
});

describe('convolutions in chunks of images', () => {
  // A batch whose patch matrix passes the backend's limit runs as several
  // convolutions (the filter gradient sums the chunks' parts); before, it ran
  // the TypeScript kernel (a 500-digit prediction: 7 s instead of 60 ms).
  // Lowering the limit to a little over two images' patches gives chunks of
  // 2, 2 and 1 images here; the float64 CPU kernel is the reference.
  const geom: ConvGeometry = { batch: 5, inH: 7, inW: 6, inC: 3, outH: 4, outW: 5, outC: 4, kH: 3, kW: 2, strideH: 2, strideW: 1, dilH: 1, dilW: 1, padTop: 1, padLeft: 0 };
  const perImage = geom.outH * geom.outW * geom.kH * geom.kW * geom.inC;
  const sizes = { x: geom.batch * geom.inH * geom.inW * geom.inC, dy: geom.batch * geom.outH * geom.outW * geom.outC, w: geom.kH * geom.kW * geom.inC * geom.outC };
  const operands = { forward: ['x', 'w', 'dy'], inputGrad: ['dy', 'w', 'x'], filterGrad: ['x', 'dy', 'w'] } as const;
  for (const variant of ['forward', 'inputGrad', 'filterGrad'] as const) {
    test(`${variant} in chunks equals the float64 kernel and the unchunked run`, async () => {
      const backend = await createWasmBackend(1);
      try {
        const rng = new Rng(variant.length);
        const [first, second, result] = operands[variant];
        const a = Float32Array.from({ length: sizes[first] }, () => rng.next() - 0.5);
        const b = Float32Array.from({ length: sizes[second] }, () => rng.next() - 0.5);
        const spec: ConvSpec = { type: 'conv2d', variant, geom };
        const plan = { calls: [{ spec, args: [0, 1], out: 2 }], slots: [{ dtype: 'float32' }, { dtype: 'float32' }, { dtype: 'float32' }] } as unknown as Plan;
        const run = async (maxColFloats: number): Promise<Float32Array> => {
          backend.maxColFloats = maxColFloats;
          const bufs = [backend.alloc(a.length * 4), backend.alloc(b.length * 4), backend.alloc(sizes[result] * 4)];
          backend.write(bufs[0], a);
          backend.write(bufs[1], b);
          backend.write(bufs[2], new Float32Array(sizes[result]).fill(123));
          await backend.run(backend.prepareSync(plan), bufs);
          const got = Float32Array.from(backend.readSync(bufs[2], 'float32', sizes[result]) as Float32Array);
          bufs.forEach((buf) => backend.free(buf));
          return got;
        };
        expect(convChunkImages(spec, 2 * perImage + 7)).toBe(2);
        const chunked = await run(2 * perImage + 7);
        const whole = await run(MAX_COL_FLOATS);
        const expected = new Float32Array(sizes[result]);
        runConv(spec, a, b, expected);
        expectAllClose(chunked, expected, { rtol: 1e-5, atol: 1e-6 }, `${variant} in chunks of 2 images`);
        expectAllClose(whole, expected, { rtol: 1e-5, atol: 1e-6 }, `${variant} in one piece`);
        // Neither ran the TypeScript kernel; one image past the limit would.
        expect(backend.fallbacks.get('conv2d')).toBeUndefined();
        expect(convRunsInWasm(spec, perImage - 1)).toBe(false);
      } finally {
        backend.destroy();
      }
    });
  }
});
