// evaluate() and predict() inputs, and their runs in batches.
//
// Inputs are checked at the call (shapes; values where they are on the
// host) and kept as rows: host arrays, or tensors. Without a batchSize the
// whole input is one graph (one submission, the fastest). With a batchSize
// smaller than the input, the batches are computed one after another (two
// in flight) as one task of the engine's realization queue
// (engine.deferred): the memory in use is then a batch's activations and the
// result, not the whole input's. The results are tensors at once either way;
// their values are ready when the task has run, and anything that reads
// them waits for it.
//
// Class labels given as a tensor whose values are only on the device cannot
// be checked synchronously: they are read back and checked in that task,
// and reading the results then throws the same error fit() would.
import type { TypedArray } from '../core/dtype.js';
import { engine, type DeferredContext } from '../core/engine.js';
import { WebgradError, shapeString } from '../core/errors.js';
import { tidy } from '../core/scope.js';
import { Tensor } from '../core/tensor.js';
import { hostValuesOf } from '../graph/host_values.js';
import { cast, reshape } from '../ops/shape_ops.js';
import { checkFinite, inputShapeOf, targetShape2d, targetsFor, toHostSync, shapeX } from './data.js';

/** An input to evaluate/predict: n rows, each of `rowShape`. */
export interface Rows {
  n: number;
  rowShape: number[];
  dtype: 'float32' | 'int32';
  /** Values on the host, or a tensor (read back once in a batched run when its values are only on the device). */
  source: TypedArray | Tensor;
  /** Converts (and, for class labels, checks) values read back from the device; set only for tensors. */
  fromDevice?: (values: TypedArray) => TypedArray;
  /** Values still to be checked once read back (class labels only on the device): the run must be a task. */
  checkOnRead?: boolean;
}

/** A private handle on `t` (zero-copy) that survives tidy() and the caller's dispose(); free with unhold. */
export function hold(t: Tensor): Tensor {
  const h = reshape(t, t.shape);
  h.kept = true;
  return h;
}

export function unhold(t: Tensor): void {
  t.kept = false;
  t.dispose();
}

/** x of evaluate/predict as [n, ...sample] float32 rows (sample null: any shape, taken as given). */
export function inputRows(op: string, x: unknown, sample: readonly number[] | null): Rows {
  if (x instanceof Tensor) {
    x.assertAlive(op, 'x');
    const [n, ...rowShape] = inputShapeOf(op, 'x', x.shape, sample);
    return { n, rowShape, dtype: 'float32', source: x, fromDevice: (v) => (v instanceof Float32Array ? v : Float32Array.from(v)) };
  }
  const h = shapeX(op, 'x', toHostSync(op, 'x', x), sample);
  checkFinite(op, 'x', h);
  return { n: h.shape[0], rowShape: h.shape.slice(1), dtype: 'float32', source: h.data };
}

/** y of evaluate: int32 class indices [n] for sparse cross-entropy, else [n, units] floats; checked as fit checks it. */
export function targetRows(op: string, y: unknown, sparse: boolean, units: number): Rows {
  if (!(y instanceof Tensor)) {
    const h = targetsFor(op, 'y', toHostSync(op, 'y', y), sparse, units);
    return { n: h.shape[0], rowShape: h.shape.slice(1), dtype: sparse ? 'int32' : 'float32', source: h.data };
  }
  y.assertAlive(op, 'y');
  if (!sparse) {
    const [n, u] = targetShape2d(op, 'y', y.shape, units);
    return { n, rowShape: [u], dtype: 'float32', source: y, fromDevice: (v) => (v instanceof Float32Array ? v : Float32Array.from(v)) };
  }
  const s = y.shape;
  if (!(s.length === 1 || (s.length === 2 && s[1] === 1))) {
    throw new WebgradError(`${op}: argument 'y' must hold one class index per sample (shape [samples] or [samples, 1]) for sparseCategoricalCrossentropy, got shape ${shapeString(s)}.`);
  }
  const labels = (values: TypedArray): Int32Array => targetsFor(op, 'y', { data: values, shape: [...s] }, true, units).data as Int32Array;
  const host = hostValuesOf(y);
  // Values on the host are checked now; values only on the device when they are read back.
  if (host) return { n: s[0], rowShape: [], dtype: 'int32', source: labels(host.subarray(0, y.size)) };
  return { n: s[0], rowShape: [], dtype: 'int32', source: y, fromDevice: labels, checkOnRead: true };
}

/** All rows as one tensor [n, ...rowShape] (inside a tidy: views and casts are freed with the graph). */
export function rowsTensor(rows: Rows): Tensor {
  const shape = [rows.n, ...rows.rowShape];
  if (!(rows.source instanceof Tensor)) return engine.fromHost(rows.source, shape, rows.dtype);
  let t = rows.source;
  if (t.shape.length !== shape.length) t = reshape(t, shape);
  return t.dtype === rows.dtype ? t : cast(t, rows.dtype);
}

/**
 * Runs `build` on batches of `batchSize` rows of `inputs`, in order, inside
 * the deferred task; `consume` gets each batch's output values. Keeps two
 * batches in flight (the next is enqueued before the previous is read).
 */
async function eachBatch(
  ctx: DeferredContext, n: number, batchSize: number, inputs: Rows[],
  build: (batch: Tensor[]) => Tensor, consume: (values: TypedArray, start: number, size: number) => void,
): Promise<void> {
  const hosts: TypedArray[] = [];
  for (const r of inputs) {
    if (!(r.source instanceof Tensor)) hosts.push(r.source);
    else {
      const h = hostValuesOf(r.source);
      const values = h ? h.subarray(0, r.source.size) : (await (await ctx.compute([r.source]))())[0];
      hosts.push(r.fromDevice ? r.fromDevice(values) : values);
    }
  }
  const inflight: { out: Tensor; values: () => Promise<TypedArray[]>; start: number; size: number }[] = [];
  const settle = async (): Promise<void> => {
    const f = inflight[0];
    consume((await f.values())[0], f.start, f.size);
    inflight.shift();
    f.out.dispose();
  };
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const out = tidy(() => build(inputs.map((r, i) => {
        const row = r.rowShape.reduce((a, b) => a * b, 1);
        return engine.fromHost(hosts[i].subarray(start * row, (start + size) * row), [size, ...r.rowShape], r.dtype);
      })));
      const entry = { out, values: () => Promise.resolve([] as TypedArray[]), start, size };
      inflight.push(entry);
      entry.values = await ctx.compute([out]);
      if (inflight.length > 1) await settle();
    }
    while (inflight.length) await settle();
  } finally {
    for (const f of inflight) f.out.dispose();
  }
}

/** predict in batches: the [n, units] output, computed batch by batch. `release`: handles to free when done. */
export function predictInBatches(x: Rows, batchSize: number, units: number, forward: (x: Tensor) => Tensor, release: Tensor[]): Tensor {
  const source = x.source instanceof Tensor ? { ...x, source: hold(x.source) } : x;
  const [out] = engine.deferred([{ shape: [x.n, units], dtype: 'float32' }], async (ctx) => {
    try {
      const values = new Float32Array(x.n * units);
      await eachBatch(ctx, x.n, batchSize, [source], ([xb]) => forward(xb), (v, start) => values.set(v, start * units));
      return [values];
    } finally {
      if (source.source instanceof Tensor) unhold(source.source);
      release.forEach(unhold);
    }
  });
  return out;
}

/**
 * evaluate in batches: `build` gives a batch's [k] vector of loss and
 * metrics; the results are k scalars, the batch-size-weighted means (as
 * fit() logs them).
 */
export function evaluateInBatches(inputs: Rows[], batchSize: number, k: number, build: (batch: Tensor[]) => Tensor, release: Tensor[]): Tensor[] {
  const n = inputs[0].n;
  const sources = inputs.map((r) => (r.source instanceof Tensor ? { ...r, source: hold(r.source) } : r));
  return engine.deferred(Array.from({ length: k }, () => ({ shape: [], dtype: 'float32' as const })), async (ctx) => {
    try {
      const sums = new Float64Array(k);
      await eachBatch(ctx, n, batchSize, sources, build, (v, _start, size) => {
        for (let i = 0; i < k; i++) sums[i] += v[i] * size;
      });
      return Array.from(sums, (s) => Float32Array.of(n > 0 ? s / n : NaN));
    } finally {
      for (const r of sources) if (r.source instanceof Tensor) unhold(r.source);
      release.forEach(unhold);
    }
  });
}
