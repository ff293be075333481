// NaN, infinities, -0 and extreme floats through every elementwise function
// of the table, a fused elementwise chain and fused matmul epilogues: the CPU
// and WebGPU backends must agree with each other and with a float64
// reference written here. The convention (README, "NaN and infinity"): NaN
// in, NaN out (comparisons with NaN are false, i.e. 0), infinities give the
// IEEE result or, where a formula would make NaN of a well-defined limit
// (swish(-inf) = 0), the limit.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { scheduler } from '../../src/graph/realize.js';
import { EPILOGUE_ACTIVATIONS, PRIMITIVE_FNS, primitiveDef, TRIG_LIMIT, type ElementwiseFn } from '../../src/kernels/elementwise_table.js';
import { binaryOp, unaryOp } from '../../src/ops/elementwise_node.js';
import {
  dispatchesOf, expectEach, f32, flush, MAX_F32, MIN_SUBNORMAL_F32, onBothBackends, SPECIALS, values,
} from '../helpers/nonfinite.js';
import { keepRef } from '../helpers/philox_ref.js';
import * as ref from '../helpers/reference.js';

type Ref = (a: number, b: number, attrs: readonly number[]) => number;

const COMPARISONS = new Set<ElementwiseFn>(['equal', 'greater', 'greaterEqual', 'less', 'lessEqual']);

/**
 * float64 definitions of every table function for non-NaN arguments. A
 * missing row fails to compile, so a new elementwise op needs one.
 */
const REF: Record<ElementwiseFn, Ref> = {
  identity: (x) => x,
  neg: (x) => -x,
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  square: (x) => x * x,
  abs: (x) => Math.abs(x),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  reciprocal: (x) => 1 / x,
  sin: (x) => (Math.abs(x) <= TRIG_LIMIT ? Math.sin(x) : NaN),
  cos: (x) => (Math.abs(x) <= TRIG_LIMIT ? Math.cos(x) : NaN),
  clip: (x, _b, [lo, hi]) => (x < lo ? lo : x > hi ? hi : x),
  sigmoid: (x) => ref.sigmoidS(x),
  tanh: (x) => Math.tanh(x),
  relu: (x) => (x > 0 ? x : 0),
  leakyRelu: (x, _b, [alpha]) => (x >= 0 ? x : alpha * x),
  swish: (x) => (x === -Infinity ? 0 : x * ref.sigmoidS(x)),
  elu: (x, _b, [alpha]) => (x >= 0 ? x : alpha * (Math.exp(x) - 1)),
  gelu: (x) => (x === -Infinity ? 0 : x * ref.normalCdf(x)),
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  maximum: (a, b) => (a >= b ? a : b),
  minimum: (a, b) => (a <= b ? a : b),
  equal: (a, b) => (a === b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  dropoutKeep: (index, step, [rate, seed]) => keepRef(index, step, rate, seed),
  sigmoidGrad: (y, dy) => dy * y * (1 - y),
  tanhGrad: (y, dy) => dy * (1 - y * y),
  reluGrad: (x, dy) => (x > 0 ? dy : 0),
  leakyReluGrad: (x, dy, [alpha]) => (x > 0 ? dy : alpha * dy),
  // d/dx swish tends to 1 at +inf and 0 at -inf; d/dx gelu likewise.
  swishGrad: (x, dy) => (x === Infinity ? dy : x === -Infinity ? 0 : dy * ref.UNARY.swish.df(x, 0)),
  eluGrad: (x, dy, [alpha]) => (x > 0 ? dy : dy * alpha * Math.exp(x)),
  geluGrad: (x, dy) => (x === Infinity ? dy : x === -Infinity ? 0 : dy * ref.UNARY.gelu.df(x, 0)),
  clipGrad: (x, dy, [lo, hi]) => (x >= lo && x <= hi ? dy : 0),
};

/** The expected float32 result: NaN in, NaN out (0 for comparisons), else the float64 value rounded. */
function expected(fn: ElementwiseFn, a: number, b: number, attrs: readonly number[]): number {
  const nanIn = Number.isNaN(a) || (primitiveDef(fn).arity === 2 && Number.isNaN(b));
  if (nanIn) return COMPARISONS.has(fn) ? 0 : NaN;
  return Math.fround(REF[fn](a, b, attrs));
}

const ATTRS: Partial<Record<ElementwiseFn, number[]>> = {
  clip: [-2, 3], clipGrad: [-2, 3], leakyRelu: [0.1], leakyReluGrad: [0.1], elu: [1.5], eluGrad: [1.5], dropoutKeep: [0.5, 7],
};
/** Upstream gradients fed to the derivative rows (x or y takes every special value). */
const DY = [NaN, 1.5, -0.75];

interface Case {
  fn: ElementwiseFn;
  a: number[];
  b: number[];
  attrs: number[];
}

function cases(): Case[] {
  return PRIMITIVE_FNS.map((fn) => {
    const attrs = ATTRS[fn] ?? [];
    if (primitiveDef(fn).arity === 1) return { fn, a: [...SPECIALS], b: [...SPECIALS], attrs };
    const second = fn.endsWith('Grad') ? DY : SPECIALS;
    const a = SPECIALS.flatMap((x) => second.map(() => x));
    const b = SPECIALS.flatMap(() => second);
    return { fn, a, b, attrs };
  });
}

function run(c: Case, a: number[], b: number[]): wg.Tensor {
  return primitiveDef(c.fn).arity === 1 ? unaryOp(c.fn, f32(a), c.attrs) : binaryOp(c.fn, f32(a), f32(b), c.attrs);
}

const describeArgs = (c: Case, i: number): string => `${c.fn}(${primitiveDef(c.fn).arity === 1 ? c.a[i] : `${c.a[i]}, ${c.b[i]}`})`;

test('every elementwise function on NaN, infinities, -0, extremes and subnormals: CPU and WebGPU agree with each other and with float64', async () => {
  const all = cases();
  const got = await onBothBackends(async (backend) => {
    const out: { plain: number[]; flushed: number[] }[] = [];
    for (const c of all) {
      const plain = await values(run(c, c.a, c.b));
      // The CPU's result for flushed inputs: what a flushing GPU may return instead.
      const flushed = backend === 'cpu' ? await values(run(c, c.a.map(flush), c.b.map(flush))) : [];
      out.push({ plain, flushed });
    }
    return out;
  });
  all.forEach((c, k) => {
    const want = (i: number): number => expected(c.fn, c.a[i], c.b[i], c.attrs);
    const wantFlushed = (i: number): number => expected(c.fn, flush(c.a[i]), flush(c.b[i]), c.attrs);
    const at = (i: number): string => describeArgs(c, i);
    expectEach(`${c.fn} [cpu] vs float64`, got.cpu[k].plain, (i) => [want(i)], at);
    expectEach(`${c.fn} [webgpu] vs float64`, got.webgpu[k].plain, (i) => [want(i), wantFlushed(i)], at);
    expectEach(`${c.fn} [webgpu] vs [cpu]`, got.webgpu[k].plain, (i) => [got.cpu[k].plain[i], got.cpu[k].flushed[i]], at);
  });
});

test("the matmul kernel's built-in activations apply one NaN test to all: every activation row propagates NaN", () => {
  // shaders/activations.wgsl's wg_activate returns NaN for NaN before choosing
  // the activation; that is only right while every activation's row says so.
  expect(EPILOGUE_ACTIVATIONS.length).toBeGreaterThan(5);
  for (const name of EPILOGUE_ACTIVATIONS) {
    if (name === 'linear') continue;
    const def = primitiveDef(name);
    expect([def.kind, def.nan, def.arity, def.attrs.length <= 1], name).toEqual(['primitive', 'propagate', 1, true]);
  }
});

test('a fused elementwise chain propagates NaN like the same ops one by one', async () => {
  const xs = [...SPECIALS];
  const ys = [...SPECIALS].reverse();
  // relu, maximum, comparisons, clip, tanh, sqrt and log, each of which WGSL
  // alone would let drop a NaN.
  const chain = (x: wg.Tensor, y: wg.Tensor): wg.Tensor =>
    wg.add(wg.tanh(wg.maximum(wg.relu(wg.sub(x, y)), wg.clip(x, -4, 4))), wg.mul(wg.greater(x, y), wg.log(wg.sqrt(wg.abs(y)))));
  const step = (fn: ElementwiseFn, a: number, b = 0, attrs: number[] = []): number => expected(fn, a, b, attrs);
  const chainRef = (x: number, y: number): number =>
    step('add', step('tanh', step('maximum', step('relu', step('sub', x, y)), step('clip', x, 0, [-4, 4]))), step('mul', step('greater', x, y), step('log', step('sqrt', step('abs', y)))));

  const got = await onBothBackends(async () => {
    const runChain = async (fuse: boolean, a: number[], b: number[]): Promise<{ values: number[]; dispatches: number }> => {
      scheduler.fuse = fuse;
      try {
        const { result, dispatches } = await dispatchesOf(() => values(chain(f32(a), f32(b))));
        return { values: result, dispatches };
      } finally {
        scheduler.fuse = true;
      }
    };
    return {
      fused: await runChain(true, xs, ys),
      plain: await runChain(false, xs, ys),
      flushed: await runChain(true, xs.map(flush), ys.map(flush)),
    };
  });
  for (const b of ['cpu', 'webgpu'] as const) {
    expect(got[b].fused.dispatches, `${b}: the chain is one kernel`).toBe(1);
    expect(got[b].plain.dispatches, `${b}: op by op`).toBeGreaterThan(8);
  }
  const at = (i: number): string => `chain(${xs[i]}, ${ys[i]})`;
  for (const kind of ['fused', 'plain'] as const) {
    expectEach(`${kind} chain [cpu] vs float64`, got.cpu[kind].values, (i) => [chainRef(xs[i], ys[i])], at);
    expectEach(`${kind} chain [webgpu] vs [cpu]`, got.webgpu[kind].values, (i) => [got.cpu[kind].values[i], got.cpu.flushed.values[i]], at);
  }
});

/** x [m, k] with NaN, +-inf, -0 and extremes in some rows (the others ordinary), w [k, n], bias [n]. */
function matmulData(m: number, k: number, n: number): { x: number[]; w: number[]; bias: number[] } {
  const x = Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37) * 2);
  const w = Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.11) * 0.5);
  const bias = Array.from({ length: n }, (_, j) => (j % 3) - 1);
  x[1 * k + 2] = NaN;
  x[3 * k + 4] = Infinity; // inf * 0 is NaN where w has a 0 in that row
  x[4 * k + 0] = -Infinity;
  x[5 * k + 1] = MAX_F32; // one extreme product per dot: no order-dependent overflow
  x[6 * k + 3] = -0;
  x[6 * k + 5] = MIN_SUBNORMAL_F32;
  w[4 * n + 1] = 0;
  bias[2] = NaN; // a NaN bias poisons its whole column
  return { x, w, bias };
}

/** float64 matmul + bias, then relu and clip(., 0, 2.5) with the NaN convention. */
function matmulRef(d: { x: number[]; w: number[]; bias: number[] }, m: number, k: number, n: number): number[] {
  const out = ref.matMul(ref.nd([m, k], d.x), ref.nd([k, n], d.w));
  return Array.from(out.data, (v, i) => {
    const pre = Math.fround(Math.fround(v) + d.bias[i % n]);
    return expected('clip', expected('relu', pre, 0, []), 0, [0, 2.5]);
  });
}

for (const [m, k, n, kind] of [[8, 7, 6, 'small'], [128, 128, 132, 'register-blocked']] as const) {
  test(`matMul + bias + relu + clip as one ${kind} matmul kernel: NaN and infinities in the input reach the output`, async () => {
    const d = matmulData(m, k, n);
    const got = await onBothBackends(async () =>
      dispatchesOf(() => values(wg.clip(wg.relu(wg.add(wg.matMul(f32(d.x, [m, k]), f32(d.w, [k, n])), f32(d.bias))), 0, 2.5))),
    );
    const want = matmulRef(d, m, k, n);
    const at = (i: number): string => `out[${Math.floor(i / n)}, ${i % n}]`;
    for (const b of ['cpu', 'webgpu'] as const) {
      expect(got[b].dispatches, `${b}: one kernel`).toBe(1);
      // Row 1 (NaN input) and column 2 (NaN bias) are NaN; row 3 has NaN where inf met a 0 weight.
      expect(Number.isNaN(got[b].result[1 * n + 0]) && Number.isNaN(got[b].result[0 * n + 2]) && Number.isNaN(got[b].result[3 * n + 1])).toBe(true);
      expectEach(`matmul epilogue [${b}] vs float64`, got[b].result, (i) => [want[i]], at, { rtol: 1e-4, atol: 1e-4 });
    }
    expectEach('matmul epilogue [webgpu] vs [cpu]', got.webgpu.result, (i) => [got.cpu.result[i]], at, { rtol: 1e-4, atol: 1e-4 });
  });
}

test('cast to int32: NaN gives 0, infinities and out-of-range values saturate, the rest truncate, on both backends', async () => {
  const xs = [...SPECIALS, 2147483520, 2147483648, -2147483904, 3e9, -3e9, 2.75, -2.75];
  const got = await onBothBackends(async () => values(wg.cast(f32(xs), 'int32')));
  const want = xs.map((v) => (Number.isNaN(v) ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(v)))));
  for (const b of ['cpu', 'webgpu'] as const) expect(got[b].map((v, i) => `${xs[i]} -> ${v}`), b).toEqual(want.map((v, i) => `${xs[i]} -> ${v}`));
});
