// The transcendental functions of the wasm backend (src/backends/wasm/wasm_math.ts)
// and the elementwise rows built on them (wasm_expr_rows.ts), compiled through
// the ExprCompiler and checked against float64 Math: the largest error in
// float32 ulps over a dense sweep of the range, the special values, and every
// compiled row against the TypeScript kernel (same NaN positions, values
// within a few ulp, exact where the row is exact).
import { describe, expect, test } from 'vitest';
import { WasmHeap } from '../../src/backends/wasm/wasm_heap.js';
import { ExprCompiler } from '../../src/backends/wasm/wasm_elementwise.js';
import { WASM_ROWS } from '../../src/backends/wasm/wasm_expr_rows.js';
import { runElementwise } from '../../src/backends/cpu/cpu_kernels.js';
import { primitiveDef, type ElementwiseFn } from '../../src/kernels/elementwise_table.js';
import type { ElementwiseInstr } from '../../src/kernels/strided_input.js';
import { Rng } from '../helpers/allclose.js';

const heap = new WasmHeap();
const compiler = new ExprCompiler(heap.memory, false);

/** Runs row `fn` on the inputs (all of one length) through the compiled expression. */
function runWasm(fn: ElementwiseFn, inputs: Float32Array[], attrs: number[] = []): Float32Array {
  const n = inputs[0].length;
  const layout = inputs.map(() => ({ dtype: 'float32' as const, strides: [1] }));
  const instrs: ElementwiseInstr[] = [{ fn, args: inputs.map((_, j) => j), attrs }];
  const compiled = compiler.compile([n], 0, layout, instrs);
  if (!compiled) throw new Error(`${fn} did not compile`);
  const offsets = inputs.map((d) => {
    const o = heap.alloc(d.length * 4);
    heap.f32().set(d, o >> 2);
    return o;
  });
  const out = heap.alloc(n * 4);
  compiled(out, n, ...offsets);
  const got = heap.f32().slice(out >> 2, (out >> 2) + n);
  for (const o of [...offsets, out]) heap.release(o, n * 4);
  return got;
}

/** The TypeScript kernel's values for the same row. */
function runTs(fn: ElementwiseFn, inputs: Float32Array[], attrs: number[] = []): Float32Array {
  const n = inputs[0].length;
  const out = new Float32Array(n);
  runElementwise({ type: 'elementwise', outShape: [n], outDtype: 'float32', inputs: inputs.map(() => ({ dtype: 'float32', strides: [1] })), instrs: [{ fn, args: inputs.map((_, j) => j), attrs }] }, inputs, out);
  return out;
}

/** One float32 ulp at the magnitude of `r` (the subnormal spacing at the bottom). */
function ulp(r: number): number {
  const a = Math.abs(r);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** float32 values spread over [lo, hi]: a uniform grid, plus values spread in magnitude (every binade). */
function sweep(lo: number, hi: number, count: number): Float32Array {
  const rng = new Rng(11);
  const out: number[] = [];
  for (let i = 0; i <= count; i++) out.push(lo + ((hi - lo) * i) / count);
  for (let i = 0; i < count; i++) {
    const mag = 2 ** (-40 + 48 * rng.next());
    const v = rng.next() < 0.5 ? -mag : mag;
    if (v >= lo && v <= hi) out.push(v);
  }
  return Float32Array.from(out);
}

/** The largest error in float32 ulps of `got` against float64 `ref` over finite references. */
function maxUlpError(xs: Float32Array, got: Float32Array, ref: (x: number) => number): { ulps: number; at: number } {
  let worst = { ulps: 0, at: NaN };
  xs.forEach((x, i) => {
    const r = ref(x);
    if (!Number.isFinite(r) || Math.abs(r) > 3.4028234663852886e38) return;
    const e = Math.abs(got[i] - r) / ulp(r);
    if (!(e <= worst.ulps)) worst = { ulps: e, at: x };
  });
  return worst;
}

const sigmoid64 = (x: number): number => 1 / (1 + Math.exp(-x));

// Measured maxima (ulps) at the time of writing: exp 0.99, log 0.82, tanh 2.22, sigmoid 1.95; the tolerance leaves room.
const ACCURACY: { fn: ElementwiseFn; ref: (x: number) => number; lo: number; hi: number; ulps: number }[] = [
  { fn: 'exp', ref: Math.exp, lo: -110, hi: 90, ulps: 3 },
  { fn: 'log', ref: Math.log, lo: 0, hi: 3e38, ulps: 3 },
  { fn: 'tanh', ref: Math.tanh, lo: -20, hi: 20, ulps: 4 },
  { fn: 'sigmoid', ref: sigmoid64, lo: -110, hi: 40, ulps: 4 },
];

describe('transcendental functions in WebAssembly SIMD vs float64 Math', () => {
  for (const { fn, ref, lo, hi, ulps } of ACCURACY) {
    test(`${fn}: within ${ulps} float32 ulps over [${lo}, ${hi}]`, () => {
      const xs = sweep(lo, hi, 200000);
      // log also over its whole positive range, subnormals included: one value per 2^-k.
      const extra = fn === 'log' ? Float32Array.from({ length: 277 }, (_, k) => 2 ** (k - 149) * 1.37) : new Float32Array(0);
      const all = Float32Array.from([...xs, ...extra]);
      const got = runWasm(fn, [all]);
      const { ulps: worst, at } = maxUlpError(all, got, ref);
      console.log(`${fn}: max error ${worst.toFixed(2)} ulp at x = ${at}`);
      expect(worst, `${fn} at x = ${at}`).toBeLessThanOrEqual(ulps);
    });
  }

  test('special values: NaN, infinities, overflow, underflow, zero, negative, saturation', () => {
    const cases: [ElementwiseFn, number, number][] = [
      ['exp', NaN, NaN], ['exp', -Infinity, 0], ['exp', Infinity, Infinity], ['exp', 0, 1], ['exp', -0, 1],
      ['exp', 88.8, Infinity], ['exp', 1000, Infinity], ['exp', -104, 0], ['exp', -1000, 0], ['exp', 88.7, Math.fround(Math.exp(Math.fround(88.7)))],
      ['log', NaN, NaN], ['log', 0, -Infinity], ['log', -0, -Infinity], ['log', -1, NaN], ['log', -Infinity, NaN], ['log', Infinity, Infinity], ['log', 1, 0],
      ['log', 2 ** -149, Math.fround(-149 * Math.LN2)],
      ['tanh', NaN, NaN], ['tanh', Infinity, 1], ['tanh', -Infinity, -1], ['tanh', 10, 1], ['tanh', -3e38, -1], ['tanh', 0, 0],
      ['sigmoid', NaN, NaN], ['sigmoid', Infinity, 1], ['sigmoid', -Infinity, 0], ['sigmoid', 20, 1], ['sigmoid', 0, 0.5], ['sigmoid', -200, 0], ['sigmoid', 3e38, 1],
    ];
    for (const [fn, x, want] of cases) {
      const [got] = runWasm(fn, [Float32Array.of(x)]);
      expect(got, `${fn}(${x})`).toBe(want);
    }
    // tanh keeps the sign of zero.
    expect(Object.is(runWasm('tanh', [Float32Array.of(-0)])[0], -0)).toBe(true);
    // Finite input never gives NaN.
    const finite = sweep(-3e38, 3e38, 20000);
    for (const fn of ['tanh', 'sigmoid', 'exp'] as const) expect(runWasm(fn, [finite]).some(Number.isNaN), fn).toBe(false);
  });
});

describe('every compiled row vs the TypeScript kernel', () => {
  const special = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 1e-7, 1 - 1e-7, 20, -20, 100, -100, 3e-39, 1e30, -1e30];
  const rng = new Rng(5);
  const values = Float32Array.from([...special, ...Array.from({ length: 400 }, () => (rng.next() - 0.5) * 2 ** (12 * rng.next() - 4))]);
  const other = Float32Array.from(values, (_, i) => values[(i * 7 + 3) % values.length]);
  // Rows that round once from float64 in TypeScript but compute in float32 steps here (or through wasm_math.ts): ulps allowed.
  const APPROX: Partial<Record<ElementwiseFn, number>> = {
    exp: 3, log: 3, tanh: 4, sigmoid: 4, elu: 4, eluGrad: 5, swish: 5, swishGrad: 8, tanhGrad: 2, sigmoidGrad: 2, leakyRelu: 1, leakyReluGrad: 1,
  };
  const ATTRS: Partial<Record<ElementwiseFn, number[]>> = { clip: [1e-7, 1 - 1e-7], clipGrad: [1e-7, 1 - 1e-7], leakyRelu: [0.01], leakyReluGrad: [0.2], elu: [1.3], eluGrad: [1.3] };
  for (const fn of WASM_ROWS) {
    test(`${fn}: NaN where the TypeScript kernel gives NaN, values ${APPROX[fn] ? `within ${APPROX[fn]} ulp` : 'the same bits'}`, () => {
      const arity = primitiveDef(fn).arity;
      const ins = arity === 2 ? [values, other] : [values];
      const attrs = ATTRS[fn] ?? [];
      const got = runWasm(fn, ins, attrs);
      const want = runTs(fn, ins, attrs);
      for (let i = 0; i < got.length; i++) {
        const where = `${fn}(${ins.map((a) => a[i]).join(', ')})`;
        expect(Number.isNaN(got[i]), where).toBe(Number.isNaN(want[i]));
        if (Number.isNaN(want[i])) continue;
        const tol = APPROX[fn];
        if (tol === undefined) expect(Object.is(got[i], want[i]) || (got[i] === 0 && want[i] === 0 && fn !== 'neg'), where).toBe(true);
        else if (!Number.isFinite(want[i])) expect(got[i], where).toBe(want[i]);
        // swishGrad's two terms cancel near x = -1.28 (float32 s has float32 error): ulps of dy there.
        else expect(Math.abs(got[i] - want[i]), where).toBeLessThanOrEqual(tol * ulp(fn === 'swishGrad' ? Math.max(Math.abs(want[i]), Math.abs(ins[1][i])) : want[i]) + 1e-40);
      }
    });
  }
});
