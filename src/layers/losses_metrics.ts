// Loss and metric resolution for model.compile(), with tfjs-layers' names
// and its history keys ('accuracy' is logged as 'acc').
import { WebgradError, argError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import * as ew from '../ops/elementwise.js';
import * as L from '../ops/losses.js';
import { argMax, mean } from '../ops/reduce.js';
import { cast, oneHot, reshape } from '../ops/shape_ops.js';

/** (yTrue, yPred) => scalar loss (a non-scalar result is averaged). */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** The loss names model.compile() accepts (TensorFlow.js' names); a typo fails to compile. */
export type LossIdentifier =
  | 'meanSquaredError' | 'mse' | 'meanAbsoluteError' | 'mae'
  | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';

/** Metric names with a fixed function ('accuracy' is resolved from the loss and output width). */
type NamedMetric =
  | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy'
  | 'mse' | 'meanSquaredError' | 'mae' | 'meanAbsoluteError'
  | 'binaryCrossentropy' | 'categoricalCrossentropy';

/** The metric names model.compile() accepts; 'accuracy' and 'acc' are logged as 'acc'. */
export type MetricIdentifier = 'accuracy' | 'acc' | NamedMetric;

export type LossKind = 'mse' | 'mae' | 'binary' | 'categorical' | 'sparse' | 'custom';

export interface ResolvedLoss {
  /** How the loss expects targets: 'sparse' takes int32 class indices [n]. */
  kind: LossKind;
  name: string;
  fn: LossFn;
}

// Keyed by LossIdentifier so the type and the table cannot drift apart.
const LOSSES: Record<LossIdentifier, { kind: LossKind; fn: LossFn }> = {
  meanSquaredError: { kind: 'mse', fn: L.meanSquaredError },
  mse: { kind: 'mse', fn: L.meanSquaredError },
  meanAbsoluteError: { kind: 'mae', fn: L.meanAbsoluteError },
  mae: { kind: 'mae', fn: L.meanAbsoluteError },
  binaryCrossentropy: { kind: 'binary', fn: (t, p) => L.binaryCrossentropy(t, p) },
  categoricalCrossentropy: { kind: 'categorical', fn: (t, p) => L.categoricalCrossentropy(t, p) },
  sparseCategoricalCrossentropy: { kind: 'sparse', fn: (t, p) => L.sparseCategoricalCrossentropy(t, p) },
};
export const LOSS_NAMES: string[] = Object.keys(LOSSES);

export function resolveLoss(op: string, id: unknown): ResolvedLoss {
  if (typeof id === 'string') {
    const l = Object.prototype.hasOwnProperty.call(LOSSES, id) ? LOSSES[id as LossIdentifier] : undefined;
    if (!l) throw new WebgradError(`${op}: unknown loss ${JSON.stringify(id)}; valid losses are ${LOSS_NAMES.map((n) => `'${n}'`).join(', ')}, or a function (yTrue, yPred) => scalar Tensor.`);
    return { kind: l.kind, name: id, fn: l.fn };
  }
  if (typeof id === 'function') {
    const user = id as LossFn;
    const fn: LossFn = (t, p) => {
      const r = user(t, p);
      if (!(r instanceof Tensor)) throw new WebgradError(`${op}: the loss function must return a Tensor, but returned ${String(r)}.`);
      return r.rank === 0 ? r : mean(r);
    };
    return { kind: 'custom', name: user.name || 'loss', fn };
  }
  throw argError(op, 'loss', `a loss name (${LOSS_NAMES.join(', ')}) or a function (yTrue, yPred) => Tensor`, id);
}

// Per-sample metric values, averaged over the batch by the caller (mean()).
function binaryAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(ew.equal(yTrue, ew.greater(yPred, 0.5)));
}
function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(ew.equal(cast(argMax(yTrue, -1), 'float32'), cast(argMax(yPred, -1), 'float32')));
}
/** yTrue: int32 class indices [n] (or [n, 1]). */
function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  const labels = yTrue.rank === yPred.rank ? reshape(yTrue, yTrue.shape.slice(0, -1)) : yTrue;
  return mean(ew.equal(cast(labels, 'float32'), cast(argMax(yPred, -1), 'float32')));
}

const METRICS: Record<NamedMetric, MetricFn> = {
  binaryAccuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  mse: L.meanSquaredError,
  meanSquaredError: L.meanSquaredError,
  mae: L.meanAbsoluteError,
  meanAbsoluteError: L.meanAbsoluteError,
  binaryCrossentropy: (t, p) => L.binaryCrossentropy(t, p),
  categoricalCrossentropy: (t, p) => L.categoricalCrossentropy(t, p),
};
export const METRIC_NAMES: string[] = ['accuracy', 'acc', ...Object.keys(METRICS)];

export interface ResolvedMetric {
  /** History key: 'acc' for 'accuracy'/'acc', the given name otherwise, fn.name for functions. */
  key: string;
  fn: MetricFn;
  /** Whether fn takes sparse labels (otherwise sparse targets are one-hot encoded for it). */
  sparseTargets: boolean;
}

/**
 * Resolves metrics once the output width and loss are known. 'accuracy' is
 * binary when the output has one unit or the loss is binary cross-entropy,
 * sparse-categorical for sparse targets, categorical otherwise (as
 * tfjs-layers chooses).
 */
export function resolveMetrics(op: string, ids: unknown, loss: ResolvedLoss, outputUnits: number): ResolvedMetric[] {
  if (ids === undefined || ids === null) return [];
  const list = Array.isArray(ids) ? ids : [ids];
  const seen = new Set<string>();
  return list.map((id): ResolvedMetric => {
    let m: ResolvedMetric;
    if (id === 'accuracy' || id === 'acc') {
      if (outputUnits === 1 || loss.kind === 'binary') m = { key: 'acc', fn: binaryAccuracy, sparseTargets: false };
      else if (loss.kind === 'sparse') m = { key: 'acc', fn: sparseCategoricalAccuracy, sparseTargets: true };
      else m = { key: 'acc', fn: categoricalAccuracy, sparseTargets: false };
    } else if (typeof id === 'string') {
      const fn = Object.prototype.hasOwnProperty.call(METRICS, id) ? METRICS[id as NamedMetric] : undefined;
      if (!fn) throw new WebgradError(`${op}: unknown metric ${JSON.stringify(id)}; valid metrics are ${METRIC_NAMES.map((n) => `'${n}'`).join(', ')}, or a function (yTrue, yPred) => Tensor.`);
      m = { key: id, fn, sparseTargets: id === 'sparseCategoricalAccuracy' };
    } else if (typeof id === 'function') {
      const user = id as MetricFn;
      m = { key: user.name || 'metric', fn: (t, p) => { const r = user(t, p); return r.rank === 0 ? r : mean(r); }, sparseTargets: false };
    } else {
      throw argError(op, 'metrics', 'metric names or functions', id);
    }
    if (seen.has(m.key)) throw new WebgradError(`${op}: metric '${m.key}' is listed twice.`);
    seen.add(m.key);
    return m;
  });
}

/** One-hot targets for metrics that need dense ones when the loss is sparse. */
export function denseTargets(labels: Tensor, units: number): Tensor {
  const l = labels.rank === 2 ? reshape(labels, [labels.shape[0]]) : labels;
  return oneHot(l, units);
}
