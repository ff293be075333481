// A model's compiled training and evaluation steps (src/graph/compiled_step.ts),
// one per batch size, traced through the layers' call() with a CallContext
// and dropped when anything they were traced with changes (compile, the
// optimizer's settings, which weights are trainable, the backend).
//
// A training step computes forward + loss + metrics + backward + optimizer
// update, and the new values layers give their non-trainable weights
// (moving statistics), in one submission; its output is [loss, ...metrics]
// as one vector, so a step costs one small read-back.
import { gradients } from '../autodiff/grad.js';
import { backendHost } from '../backends/select.js';
import { WebgradError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import { compileStep, type CompiledStep } from '../graph/compiled_step.js';
import { scalar } from '../ops/creation.js';
import { tensor } from '../ops/convert.js';
import * as ew from '../ops/elementwise.js';
import { reshape } from '../ops/shape_ops.js';
import type { Optimizer } from '../train/optimizers.js';
import type { CallContext, Layer } from './layer.js';
import { denseTargets, type ResolvedLoss, type ResolvedMetric } from './losses_metrics.js';

/** What compile() settled: the optimizer, the loss and the metrics. */
export interface Compiled {
  optimizer: Optimizer;
  loss: ResolvedLoss;
  metrics: ResolvedMetric[];
  /** Bumped by every compile(), so steps traced for an older one are dropped. */
  version: number;
}

export interface StepEntry {
  step: CompiledStep;
  /** Variables the step replaces (what a rollback restores). */
  updated: Variable[];
}

/** What steps are traced from (Sequential). */
export interface StepModel {
  readonly name: string;
  readonly layers: readonly Layer[];
  readonly weights: Variable[];
  readonly trainableWeights: Variable[];
  readonly nonTrainableWeights: Variable[];
  /** The shape of one input sample, once known. */
  readonly sampleShape: number[] | null;
  readonly outputUnits: number;
}

/** Records every layer on `x`, in order. */
export function forwardLayers(layers: readonly Layer[], x: Tensor, ctx: CallContext): Tensor {
  let h = x;
  for (const l of layers) h = l.call(h, ctx);
  return h;
}

/** [loss, ...metrics] as one [k] vector: one output, one read-back per step. */
export function pack(values: Tensor[]): Tensor {
  const k = values.length;
  let acc: Tensor | null = null;
  values.forEach((v, i) => {
    const e = new Float32Array(k);
    e[i] = 1;
    const term = ew.mul(reshape(v, [1]), tensor(e, [k]));
    acc = acc ? ew.add(acc, term) : term;
  });
  return acc!;
}

/** The compiled metrics on (y, yPred); sparse labels are one-hot encoded for metrics that need dense targets. */
export function metricTensors(c: Compiled, y: Tensor, yPred: Tensor): Tensor[] {
  let dense: Tensor | null = null;
  return c.metrics.map((m) => {
    if (c.loss.kind === 'sparse' && !m.sparseTargets) {
      dense ??= denseTargets(y, yPred.shape[1]);
      return m.fn(dense, yPred);
    }
    return m.fn(y, yPred);
  });
}

/**
 * The context layers run in inside a compiled step: weights read from the
 * step's traced values; new values of non-trainable weights collected in
 * `updates` (only while training, and only for `updatable` weights).
 */
function stepContext(model: string, training: boolean, values: Map<Variable, Tensor>, updatable: readonly Variable[], updates: Map<Variable, Tensor>, step?: Tensor): CallContext {
  return {
    training,
    step,
    read(v) {
      const t = values.get(v);
      if (!t) throw new WebgradError(`${model}: a layer read variable '${v.name}', which is not a weight of the model.`);
      return t;
    },
    update(v, t) {
      if (!training) return;
      if (!updatable.includes(v)) throw new WebgradError(`${model}: a layer gave variable '${v.name}' a new value, but only the model's non-trainable weights can be updated by layers.`);
      updates.set(v, t);
    },
  };
}

/** The compiled steps of one model, by batch size. */
export class ModelSteps {
  private trainSteps = new Map<number, StepEntry>();
  private evalSteps = new Map<number, StepEntry>();
  private signature = '';
  /**
   * The training step counter of stochastic layers (CallContext.step): a
   * float32 scalar each training step adds 1 to on the device. It outlives
   * recompiled steps, so a new compile() or fit() goes on with new masks.
   */
  private counter: Variable | null = null;

  constructor(private readonly model: StepModel) {}

  /** Disposes every step and the step counter. */
  dispose(): void {
    this.invalidate();
    this.counter?.dispose();
    this.counter = null;
  }

  /** The step counter, when a layer of the model is stochastic; created on first use. */
  private stepCounter(): Variable | null {
    if (!this.model.layers.some((l) => l.stochastic === true)) return null;
    if (!this.counter) {
      const zero = scalar(0);
      this.counter = new Variable(zero, `${this.model.name}/training_step`, false);
      zero.dispose();
    }
    return this.counter;
  }

  /** Disposes every step (the next request compiles anew). */
  invalidate(): void {
    for (const e of [...this.trainSteps.values(), ...this.evalSteps.values()]) e.step.dispose();
    this.trainSteps.clear();
    this.evalSteps.clear();
  }

  private checkSignature(c: Compiled): void {
    const backend = backendHost.current();
    const sig = `${c.version}|${c.optimizer.version}|${this.model.weights.map((v) => (v.trainable ? 1 : 0)).join('')}`;
    const stale = sig !== this.signature
      || [...this.trainSteps.values(), ...this.evalSteps.values()].some((e) => e.step.backend !== backend);
    if (stale) {
      this.invalidate();
      this.signature = sig;
    }
  }

  private ySpec(c: Compiled, batch: number): { shape: number[]; dtype: 'float32' | 'int32' } {
    return c.loss.kind === 'sparse' ? { shape: [batch], dtype: 'int32' } : { shape: [batch, this.model.outputUnits], dtype: 'float32' };
  }

  /** The training step for batches of `batch` samples (compiled on first use). */
  async train(c: Compiled, batch: number): Promise<StepEntry> {
    this.checkSignature(c);
    const cached = this.trainSteps.get(batch);
    if (cached) return cached;
    const m = this.model;
    const opt = c.optimizer;
    const params = m.trainableWeights;
    const fixed = m.nonTrainableWeights;
    const globals = opt.globals();
    const slots = params.map((p) => opt.slotsFor(p));
    const counter = this.stepCounter();
    // The counter comes last, after the state fit() checkpoints (training.ts' stateVars).
    const variables = [...params, ...globals, ...slots.flat(), ...fixed, ...(counter ? [counter] : [])];
    // New values layers give their non-trainable weights (moving statistics), filled while tracing.
    const fixedUpdates = new Map<Variable, Tensor>();
    const step = await compileStep({
      name: `${m.name} training step`,
      // Training resumes from the last completed step if the device is lost
      // (src/graph/recovery.ts): compileStep keeps host copies of the state
      // where that can happen.
      keepHostCopy: true,
      inputs: [{ shape: [batch, ...m.sampleShape!], dtype: 'float32' }, this.ySpec(c, batch)],
      variables,
      build: ([x, y], vals) => {
        const lookup = new Map<Variable, Tensor>();
        variables.forEach((v, i) => lookup.set(v, vals[i]));
        const pv = params.map((p) => lookup.get(p)!);
        const stepValue = counter ? lookup.get(counter) : undefined;
        const yPred = forwardLayers(m.layers, x, stepContext(m.name, true, lookup, fixed, fixedUpdates, stepValue));
        const loss = c.loss.fn(y, yPred);
        if (!(loss instanceof Tensor) || loss.rank !== 0) throw new WebgradError(`${m.name}: the loss must be a scalar tensor.`);
        const metrics = metricTensors(c, y, yPred);
        const grads = gradients(loss, pv);
        const u = opt.applyUpdates(pv, grads, globals.map((g) => lookup.get(g)!), slots.map((s) => s.map((v) => lookup.get(v)!)));
        return {
          outputs: [pack([loss, ...metrics])],
          updates: [...u.params, ...u.globals, ...u.slots.flat(), ...fixed.map((v) => fixedUpdates.get(v) ?? null), ...(stepValue ? [ew.add(stepValue, 1)] : [])],
        };
      },
    });
    const entry = { step, updated: [...params, ...globals, ...slots.flat(), ...fixed.filter((v) => fixedUpdates.has(v)), ...(counter ? [counter] : [])] };
    this.trainSteps.set(batch, entry);
    return entry;
  }

  /** The evaluation step (loss and metrics, no update) for batches of `batch` samples. */
  async evaluate(c: Compiled, batch: number): Promise<StepEntry> {
    this.checkSignature(c);
    const cached = this.evalSteps.get(batch);
    if (cached) return cached;
    const m = this.model;
    const variables = m.weights;
    const step = await compileStep({
      name: `${m.name} evaluation step`,
      inputs: [{ shape: [batch, ...m.sampleShape!], dtype: 'float32' }, this.ySpec(c, batch)],
      variables,
      build: ([x, y], vals) => {
        const lookup = new Map<Variable, Tensor>();
        variables.forEach((v, i) => lookup.set(v, vals[i]));
        const yPred = forwardLayers(m.layers, x, stepContext(m.name, false, lookup, [], new Map()));
        const loss = c.loss.fn(y, yPred);
        return { outputs: [pack([loss, ...metricTensors(c, y, yPred)])], updates: variables.map(() => null) };
      },
    });
    const entry = { step, updated: [] };
    this.evalSteps.set(batch, entry);
    return entry;
  }
}
