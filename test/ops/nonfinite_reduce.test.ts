// NaN, infinities, -0 and extreme floats through reductions (plain, and with
// fused prologues / epilogues), the softmax family (softmax, log-softmax,
// their gradients, the fused softmax + cross-entropy) and the losses, also as
// one fused kernel inside a compiled step: CPU and WebGPU must agree with
// each other and with a float64 reference. Convention: NaN in, NaN out; max
// is NaN and argMax the index of the first NaN when a NaN is reduced.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import {
  dispatchesOf, expectEach, f32, flush, MAX_F32, MIN_NORMAL_F32, MIN_SUBNORMAL_F32, onBothBackends, values,
} from '../helpers/nonfinite.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const ROWS = 10;
const COLS = 12;

/**
 * [10, 12]: ordinary values with one special per row, in distinct columns
 * ((5 * row) % 12), so that no row or column holds two values that could
 * overflow float32 in a different order on each backend. Row 8 adds a later
 * NaN and a large ordinary value before both; row 9 is all -inf.
 */
function matrix(): ND {
  const x = ref.nd([ROWS, COLS], Array.from({ length: ROWS * COLS }, (_, i) => Math.fround(Math.sin(i * 1.7) * 3)));
  const specials = [NaN, Infinity, -Infinity, MAX_F32, -MAX_F32, -0, MIN_SUBNORMAL_F32, MIN_NORMAL_F32, NaN, 0];
  specials.forEach((v, r) => (x.data[r * COLS + ((5 * r) % COLS)] = v));
  x.data[8 * COLS + 0] = 50;
  x.data[8 * COLS + 9] = NaN;
  for (let c = 0; c < COLS; c++) x.data[9 * COLS + c] = -Infinity;
  return x;
}

/** [3, 1000]: rows long enough to spread over a workgroup's threads. */
function longRows(): ND {
  const x = ref.nd([3, 1000], Array.from({ length: 3000 }, (_, i) => Math.fround(Math.cos(i * 0.013))));
  x.data[10] = 5; // row 0: a maximum before two NaNs, handled by different threads
  x.data[700] = NaN;
  x.data[900] = NaN;
  x.data[1000] = -Infinity; // row 1: -inf first, +inf last: sum NaN, max +inf
  x.data[1999] = Infinity;
  x.data[2333] = 7; // row 2: ordinary
  return x;
}

const T = (x: ND): wg.Tensor => f32(Array.from(x.data), x.shape);
const flushND = (x: ND): ND => ref.map(x, flush);

type Reduction = { label: string; run: (x: wg.Tensor) => wg.Tensor; ref: (x: ND) => ND; kernels: number };
const reductions = (shape: number[]): Reduction[] => {
  const rank = shape.length;
  const axes: (number | number[])[] = rank === 2 ? [0, 1, [0, 1]] : [1, 2, [0, 2]];
  return axes.flatMap((axis): Reduction[] => {
    // A transposed read ([0, 2] of a rank-3 tensor) joins the reduce's
    // prologue, but an elementwise op before it is a kernel of its own.
    const withPrologue = rank === 3 && Array.isArray(axis) ? 2 : 1;
    return [
      { label: `sum axis ${axis}`, run: (x) => wg.sum(x, axis), ref: (x) => ref.sum(x, axis), kernels: 1 },
      { label: `mean axis ${axis} (sum + divide epilogue)`, run: (x) => wg.mean(x, axis), ref: (x) => ref.mean(x, axis), kernels: 1 },
      { label: `max axis ${axis}`, run: (x) => wg.max(x, axis), ref: (x) => ref.max(x, axis), kernels: 1 },
      ...(typeof axis === 'number'
        ? [{ label: `argMax axis ${axis}`, run: (x: wg.Tensor) => wg.argMax(x, axis), ref: (x: ND) => ref.argMax(x, axis), kernels: 1 }]
        : []),
      // Prologues: the elementwise producer runs inside the reduce kernel.
      { label: `max of relu axis ${axis} (prologue)`, run: (x) => wg.max(wg.relu(x), axis), ref: (x) => ref.max(ref.map(x, (v) => (Number.isNaN(v) ? NaN : v > 0 ? v : 0)), axis), kernels: withPrologue },
      { label: `sum of clip axis ${axis} (prologue)`, run: (x) => wg.sum(wg.clip(x, -1, 1), axis), ref: (x) => ref.sum(ref.map(x, (v) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v, -1), 1))), axis), kernels: withPrologue },
    ];
  });
};

for (const [name, make] of [['[10, 12]', () => matrix()], ['[2, 5, 12]', () => ref.reshape(matrix(), [2, 5, COLS])], ['[3, 1000]', () => longRows()]] as const) {
  test(`sum, mean, max, argMax (plain and fused) of ${name} with NaN and infinities: backends agree with float64`, async () => {
    const x = make();
    const list = reductions(x.shape).filter((r) => name !== '[3, 1000]' || !r.label.includes('axis 0'));
    const got = await onBothBackends(async (backend) => {
      const out: { result: number[]; dispatches: number; flushed: number[] }[] = [];
      // One at a time, so that each count of kernels is its own.
      for (const r of list) {
        const { result, dispatches } = await dispatchesOf(() => values(r.run(T(x))));
        const flushed = backend === 'cpu' ? await values(r.run(T(flushND(x)))) : [];
        out.push({ result, dispatches, flushed });
      }
      return out;
    });
    list.forEach((r, k) => {
      const want = r.ref(x).data;
      const wantFlushed = r.ref(flushND(x)).data;
      const at = (i: number): string => `${r.label} [${i}]`;
      for (const b of ['cpu', 'webgpu'] as const) expect(got[b][k].dispatches, `${b} ${r.label}: kernels`).toBe(r.kernels);
      expectEach(`${r.label} [cpu] vs float64`, got.cpu[k].result, (i) => [want[i]], at);
      expectEach(`${r.label} [webgpu] vs float64`, got.webgpu[k].result, (i) => [want[i], wantFlushed[i]], at);
      expectEach(`${r.label} [webgpu] vs [cpu]`, got.webgpu[k].result, (i) => [got.cpu[k].result[i], got.cpu[k].flushed[i]], at);
    });
    if (name === '[10, 12]') {
      // The cases the brief names: NaN wins max, the first NaN wins argMax.
      const am = got.webgpu[list.findIndex((r) => r.label === 'argMax axis 1')].result;
      expect([am[0], am[1], am[8], am[9]]).toEqual([0, 5, 4, 0]);
    }
  });
}

test('max / argMax of [3, NaN, 2] and [0, 3, 5, NaN, 3] pick the NaN on both backends', async () => {
  const got = await onBothBackends(async () => [
    ...(await values(wg.max(f32([3, NaN, 2])))),
    ...(await values(wg.argMax(f32([0, 3, 5, NaN, 3])))),
  ]);
  expect(Number.isNaN(got.cpu[0]) && Number.isNaN(got.webgpu[0])).toBe(true);
  expect([got.cpu[1], got.webgpu[1]]).toEqual([3, 3]);
});

/** Rows of logits: NaN, +inf (undefined softmax: NaN), -inf, all -inf (NaN), extremes, -0 and subnormal, ordinary. */
const LOGITS = [
  [2, 1, NaN],
  [Infinity, 1, 2],
  [-Infinity, 0, 1],
  [-Infinity, -Infinity, -Infinity],
  [MAX_F32, 0, -MAX_F32],
  [-0, 0, MIN_SUBNORMAL_F32],
  [1, 2, 3],
];
const LOGITS_ND = ref.nd([LOGITS.length, 3], LOGITS.flat());
/** Upstream gradient for the backward passes. */
const W = ref.nd([LOGITS.length, 3], Array.from({ length: LOGITS.length * 3 }, (_, i) => [0.5, -1, 2][i % 3]));

/** Per row: the float64 reference, NaN throughout when the row has a NaN (reference.ts's formulas give that already). */
function softmaxRefs(): Record<string, Float64Array> {
  const y = ref.softmax(LOGITS_ND);
  const logy = ref.logSoftmax(LOGITS_ND);
  const gy = ref.nd(y.shape);
  const glog = ref.nd(y.shape);
  for (let r = 0; r < LOGITS.length; r++) {
    let dot = 0;
    let wsum = 0;
    for (let c = 0; c < 3; c++) {
      dot += W.data[r * 3 + c] * y.data[r * 3 + c];
      wsum += W.data[r * 3 + c];
    }
    for (let c = 0; c < 3; c++) {
      gy.data[r * 3 + c] = y.data[r * 3 + c] * (W.data[r * 3 + c] - dot);
      glog.data[r * 3 + c] = W.data[r * 3 + c] - y.data[r * 3 + c] * wsum;
    }
  }
  return { softmax: y.data, logSoftmax: logy.data.map(Math.fround), softmaxGrad: gy.data, logSoftmaxGrad: glog.data };
}

test('softmax, logSoftmax and their gradients on rows with NaN, infinities and extremes: backends agree with float64', async () => {
  const got = await onBothBackends(async () => {
    const x = T(LOGITS_ND);
    const w = T(W);
    const out = {
      softmax: await values(wg.softmax(x)),
      logSoftmax: await values(wg.logSoftmax(x)),
      softmaxGrad: await values(wg.grad((v: wg.Tensor) => wg.sum(wg.mul(wg.softmax(v), w)))(x)),
      logSoftmaxGrad: await values(wg.grad((v: wg.Tensor) => wg.sum(wg.mul(wg.logSoftmax(v), w)))(x)),
    };
    x.dispose();
    w.dispose();
    return out;
  });
  const want = softmaxRefs();
  // Row 0 (NaN), row 1 (+inf) and row 3 (all -inf) are NaN throughout, forward and backward.
  for (const nanRow of [0, 1, 3]) for (const b of ['cpu', 'webgpu'] as const) expect(got[b].softmax.slice(nanRow * 3, nanRow * 3 + 3).every(Number.isNaN), `${b} row ${nanRow}`).toBe(true);
  for (const key of Object.keys(want) as (keyof typeof got.cpu)[]) {
    const at = (i: number): string => `${key}(row ${Math.floor(i / 3)} = [${LOGITS[Math.floor(i / 3)]}])[${i % 3}]`;
    expectEach(`${key} [cpu] vs float64`, got.cpu[key], (i) => [want[key][i]], at);
    expectEach(`${key} [webgpu] vs float64`, got.webgpu[key], (i) => [want[key][i]], at);
    expectEach(`${key} [webgpu] vs [cpu]`, got.webgpu[key], (i) => [got.cpu[key][i]], at);
  }
  // The TensorFlow.js-on-WebGPU failure: softmax([2, 1, NaN]) came out [0, 0, Infinity].
  expect(got.webgpu.softmax.slice(0, 3).every(Number.isNaN)).toBe(true);
});

/** One-hot labels per logits row (class 2 for the first row: its NaN is the labelled class). */
const LABELS = [2, 0, 2, 1, 0, 1, 2];

test('fused softmax + cross-entropy (from probabilities and from logits) and its gradient, per row: NaN rows give NaN, -inf logits do not, others match float64', async () => {
  const got = await onBothBackends(async () => {
    const rows: Record<'probs' | 'logits' | 'gradLogits', number[][]> = { probs: [], logits: [], gradLogits: [] };
    for (let r = 0; r < LOGITS.length; r++) {
      const x = f32(LOGITS[r], [1, 3]);
      const y = f32(Array.from(ref.oneHot([LABELS[r]], 3).data), [1, 3]);
      rows.probs.push(await values(wg.categoricalCrossentropy(y, wg.softmax(x))));
      rows.logits.push(await values(wg.categoricalCrossentropy(y, x, { fromLogits: true })));
      rows.gradLogits.push(await values(wg.grad((v: wg.Tensor) => wg.categoricalCrossentropy(y, v, { fromLogits: true }))(x)));
      x.dispose();
      y.dispose();
    }
    return rows;
  });
  const sm = ref.softmax(LOGITS_ND);
  const want = {
    probs: LOGITS.map((row, r) => [ref.categoricalCrossentropy(ref.oneHot([LABELS[r]], 3), ref.softmax(ref.nd([1, 3], row)))]),
    // -log softmax at the label: classes labelled 0 add nothing, so a -inf
    // logit elsewhere (rows 2 and 4, in float32) leaves the loss finite.
    logits: LOGITS.map((row, r) => [-ref.logSoftmax(ref.nd([1, 3], row)).data[LABELS[r]]]),
    gradLogits: LOGITS.map((_, r) => [0, 1, 2].map((c) => sm.data[r * 3 + c] - (c === LABELS[r] ? 1 : 0))),
  };
  for (const key of ['probs', 'logits', 'gradLogits'] as const) {
    for (let r = 0; r < LOGITS.length; r++) {
      const at = (i: number): string => `${key} row ${r} [${LOGITS[r]}] label ${LABELS[r]} [${i}]`;
      expectEach(`xent ${key} [cpu] vs float64`, got.cpu[key][r], (i) => [want[key][r][i]], at);
      expectEach(`xent ${key} [webgpu] vs float64`, got.webgpu[key][r], (i) => [want[key][r][i]], at);
      expectEach(`xent ${key} [webgpu] vs [cpu]`, got.webgpu[key][r], (i) => [got.cpu[key][r][i]], at);
    }
  }
  // The clipped loss of a NaN row must not be clipped back to a finite number.
  expect(Number.isNaN(got.webgpu.probs[0][0])).toBe(true);
});

/** yPred values per case, against yTrue = [0.25, 1, 0, 0.75] (labels 0/1 for the cross-entropies). */
const PRED_CASES: [string, number[]][] = [
  ['NaN', [0.3, NaN, 0.9, 0.2]],
  ['+inf', [0.3, Infinity, 0.9, 0.2]],
  ['-inf', [0.3, 0.6, -Infinity, 0.2]],
  ['extremes', [1e18, -1e18, MIN_NORMAL_F32, -0]],
  ['ordinary', [0.3, 0.6, 0.9, 0.2]],
];
const Y_TRUE = [0.25, 1, 0, 0.75];
const Y_BIN = [0, 1, 0, 1];

/**
 * Binary cross-entropy from probabilities, clipped to the float32 values of
 * [1e-7, 1 - 1e-7] (as any float32 implementation, Keras' included, does): at
 * the upper bound 1 - q is 1.19e-7 in float32, not 1e-7.
 */
function bceFloat32Bounds(yTrue: ND, yPred: ND): number {
  const lo = Math.fround(ref.EPSILON);
  const hi = Math.fround(1 - ref.EPSILON);
  let s = 0;
  yPred.data.forEach((p, i) => {
    const q = Number.isNaN(p) ? NaN : Math.min(Math.max(p, lo), hi);
    s -= yTrue.data[i] * Math.log(q) + (1 - yTrue.data[i]) * Math.log(1 - q);
  });
  return s / yPred.data.length;
}

/** Mean over rows of -sum(y log softmax(x)) over the classes with y != 0 (0 * -inf adds nothing). */
function cceFromLogits(yTrue: ND, logits: ND): number {
  const lp = ref.logSoftmax(logits);
  const cols = logits.shape[logits.shape.length - 1];
  let s = 0;
  yTrue.data.forEach((y, i) => (s -= y === 0 ? 0 : y * lp.data[i]));
  return s / (logits.data.length / cols);
}

type Loss = { name: string; run: (t: wg.Tensor, p: wg.Tensor) => wg.Tensor; ref: (t: ND, p: ND) => number; yTrue: number[]; shape: number[] };
const LOSSES: Loss[] = [
  { name: 'meanSquaredError', run: (t, p) => wg.meanSquaredError(t, p), ref: ref.meanSquaredError, yTrue: Y_TRUE, shape: [4] },
  { name: 'meanAbsoluteError', run: (t, p) => wg.meanAbsoluteError(t, p), ref: ref.meanAbsoluteError, yTrue: Y_TRUE, shape: [4] },
  { name: 'binaryCrossentropy', run: (t, p) => wg.binaryCrossentropy(t, p), ref: bceFloat32Bounds, yTrue: Y_BIN, shape: [4] },
  { name: 'binaryCrossentropy fromLogits', run: (t, p) => wg.binaryCrossentropy(t, p, { fromLogits: true }), ref: (t, p) => ref.binaryCrossentropy(t, p, true), yTrue: Y_BIN, shape: [4] },
  { name: 'categoricalCrossentropy', run: (t, p) => wg.categoricalCrossentropy(t, p), ref: (t, p) => ref.categoricalCrossentropy(t, p), yTrue: [1, 0, 0, 1], shape: [2, 2] },
  { name: 'categoricalCrossentropy fromLogits', run: (t, p) => wg.categoricalCrossentropy(t, p, { fromLogits: true }), ref: cceFromLogits, yTrue: [1, 0, 0, 1], shape: [2, 2] },
];

test('every loss with NaN, infinities and extremes in yPred: backends agree with float64 (NaN in, NaN out)', async () => {
  const got = await onBothBackends(async () =>
    Promise.all(LOSSES.map(async (l) => Promise.all(PRED_CASES.map(async ([, p]) => (await values(l.run(f32(l.yTrue, l.shape), f32(p, l.shape))))[0])))),
  );
  LOSSES.forEach((l, k) => {
    const want = PRED_CASES.map(([, p]) => l.ref(ref.nd(l.shape, l.yTrue), ref.nd(l.shape, p)));
    const at = (i: number): string => `${l.name}(yPred ${PRED_CASES[i][0]} [${PRED_CASES[i][1]}])`;
    expectEach(`${l.name} [cpu] vs float64`, got.cpu[k], (i) => [want[i]], at);
    expectEach(`${l.name} [webgpu] vs float64`, got.webgpu[k], (i) => [want[i]], at);
    expectEach(`${l.name} [webgpu] vs [cpu]`, got.webgpu[k], (i) => [got.cpu[k][i]], at);
    // NaN in yPred always makes the loss NaN, clipping or not.
    expect(Number.isNaN(got.cpu[k][0]) && Number.isNaN(got.webgpu[k][0]), `${l.name} of NaN`).toBe(true);
  });
});

test('a loss fused into one kernel inside compileStep is NaN for a NaN input and infinite for an infinite one', async () => {
  const V = [NaN, Infinity, -Infinity, MAX_F32, 0.5];
  const yTrue = [1, 0, -1, 2, 0.5, 0.25];
  const yPred = (v: number): number[] => [0.5, v, -1, 2.5, 0, 1];
  const got = await onBothBackends(async () => {
    const step = await wg.compileStep({
      inputs: [{ shape: [2, 3], dtype: 'float32' }, { shape: [2, 3], dtype: 'float32' }],
      variables: [],
      build: ([t, p]) => ({ outputs: [wg.meanSquaredError(t, p), wg.meanAbsoluteError(t, p)], updates: [] }),
    });
    const losses: number[][] = [];
    for (const v of V) {
      const [mse, mae] = step.run([Float32Array.from(yTrue), Float32Array.from(yPred(v))]);
      losses.push([(await values(mse))[0], (await values(mae))[0]]);
    }
    const labels = step.plan.calls.map((c) => c.label);
    step.dispose();
    return { losses: losses.flat(), labels };
  });
  for (const b of ['cpu', 'webgpu'] as const) {
    // Each loss is one kernel: sub -> square (or abs) as the reduce's prologue, the divide as its epilogue.
    expect(got[b].labels, b).toHaveLength(2);
    expect(got[b].labels[0], b).toMatch(/^sub\[.*>square\[.*>sum\[.*>div\[/);
    expect(got[b].labels[1], b).toMatch(/^sub\[.*>abs\[.*>sum\[.*>div\[/);
  }
  const t = ref.nd([2, 3], yTrue);
  const want = V.flatMap((v) => [ref.meanSquaredError(t, ref.nd([2, 3], yPred(v))), ref.meanAbsoluteError(t, ref.nd([2, 3], yPred(v)))]);
  // MAX_F32 squared overflows float32: the mean squared error is +inf, as float64 rounded to float32 says too.
  const at = (i: number): string => `${i % 2 ? 'mae' : 'mse'} with yPred[1] = ${V[i >> 1]}`;
  expectEach('compiled losses [cpu] vs float64', got.cpu.losses, (i) => [Math.fround(want[i])], at);
  expectEach('compiled losses [webgpu] vs float64', got.webgpu.losses, (i) => [Math.fround(want[i])], at);
  expectEach('compiled losses [webgpu] vs [cpu]', got.webgpu.losses, (i) => [got.cpu.losses[i]], at);
});
