// Sequential: a stack of Dense layers with TensorFlow.js' model API —
// compile, fit, evaluate, predict, trainOnBatch, getWeights/setWeights,
// summary, save.
//
// Training runs as compiled steps (src/graph/compiled_step.ts): for each
// batch shape, forward + loss + metrics + backward + optimizer update are
// traced once and replayed with one submission per batch. fit() keeps one
// step in flight: it submits step k+1 before awaiting step k's loss (one
// small read-back of [loss, ...metrics] per step), unless a user callback
// has batch hooks — then each batch completes before the next begins, so
// hooks see Keras' order (begin 0, end 0, begin 1, ...).
//
// Non-finite loss: before each step, fit takes a zero-copy snapshot of every
// variable the step replaces (a handle on the current buffers, which the
// step does not overwrite: it writes fresh ones). When a step's loss reads
// back NaN or Infinity, fit puts the snapshot taken before that step back
// (parameters and optimizer state), drops the later in-flight step, and
// rejects naming the epoch and batch. Cost: the in-flight window (2 steps)
// keeps older buffers alive a little longer; no copies, no extra reads.
//
// During fit: a second fit() or trainOnBatch() is refused (their steps would
// interleave); evaluate/predict run on the weights of that moment; weights
// set from a callback are computed and uploaded before the next step.
import { gradients } from '../autodiff/grad.js';
import { CallbackList, ProgressLogger, toCallbackList, type CallbackHooks, type Logs, type TrainParams } from '../callbacks/index.js';
import { engine } from '../core/engine.js';
import { WebgradError, argError, shapeString } from '../core/errors.js';
import { Random } from '../core/random.js';
import { tidy } from '../core/scope.js';
import { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { compileStep, type CompiledStep } from '../graph/compiled_step.js';
import { stepBackendGone } from '../graph/failover.js';
import { saveModel } from '../io/save.js';
import type { IOHandler, SaveConfig, SaveResult } from '../io/types.js';
import type { TypedArray } from '../core/dtype.js';
import { tensor } from '../ops/convert.js';
import * as ew from '../ops/elementwise.js';
import { reshape } from '../ops/shape_ops.js';
import { getOptimizer, type Optimizer, type OptimizerIdentifier } from '../train/optimizers.js';
import { checkFinite, shapeX, sliceRows, targetsFor, toHost, type DataLike, type HostData } from './data.js';
import { evaluateInBatches, hold, inputRows, predictInBatches, rowsTensor, storageHostOf, targetRows, type Rows } from './inference.js';
import { checkWeightShapes, eagerContext, formatShape, isLayer, nextUid, type CallContext, type Layer, type LayerConfig, type SymbolicShape } from './layer.js';
import { layerFromConfig } from './registry.js';
import { denseTargets, resolveLoss, resolveMetrics, type LossFn, type LossIdentifier, type MetricFn, type MetricIdentifier, type ResolvedLoss, type ResolvedMetric } from './losses_metrics.js';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

export interface ModelCompileArgs {
  /** 'sgd' (lr 0.01), 'adam' (0.001), 'rmsprop' (0.001), or an optimizer from webgrad.train. */
  optimizer: OptimizerIdentifier | Optimizer;
  /** A loss name ('meanSquaredError', 'binaryCrossentropy', ...), or (yTrue, yPred) => scalar Tensor. */
  loss: LossIdentifier | LossFn;
  /** 'accuracy' (logged as 'acc'), 'binaryAccuracy', 'categoricalAccuracy', 'mae', 'mse', ... or functions. */
  metrics?: MetricIdentifier | MetricFn | (MetricIdentifier | MetricFn)[];
}

export interface ModelFitArgs {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training samples before each epoch (default true). */
  shuffle?: boolean;
  /** Seed for the shuffling (reproducible runs). */
  seed?: number;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** [xVal, yVal], evaluated at the end of each epoch (overrides validationSplit). */
  validationData?: [DataLike, DataLike];
  /** Epoch to start counting from (for resuming). */
  initialEpoch?: number;
  /** 0 = silent, 1 = progress bar per epoch (default 1 in Node, 0 in a browser). */
  verbose?: number;
  callbacks?: CallbackHooks | CallbackHooks[];
  /** Yield to the event loop at least this often, in ms (default 16), so a page stays responsive. */
  yieldEvery?: number;
}

export interface ModelEvaluateArgs {
  /** Samples computed at a time (bounded memory); default: the whole input at once. */
  batchSize?: number;
}

export interface ModelPredictArgs {
  /** Samples computed at a time (bounded memory); default: the whole input at once. */
  batchSize?: number;
}

export interface History {
  epoch: number[];
  history: Record<string, number[]>;
  params: TrainParams;
}

/** Model config as tfjs-layers' Sequential.getConfig() writes it. */
export interface SequentialConfig {
  name: string;
  layers: { className: string; config: LayerConfig }[];
}

interface Compiled {
  optimizer: Optimizer;
  loss: ResolvedLoss;
  metrics: ResolvedMetric[];
  metricIds: ModelCompileArgs['metrics'];
}

interface StepEntry {
  step: CompiledStep;
  /** Variables the step replaces (snapshotted for the non-finite rollback). */
  updated: Variable[];
}

const isNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** [loss, ...metrics] as one [k] vector: one output, one read-back per step. */
function pack(values: Tensor[]): Tensor {
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

let compileCounter = 0;

/**
 * Steps fit() keeps in flight before it waits for the oldest one's loss:
 * readbacks take a while to come back (a round trip to the GPU process in a
 * browser), and the GPU should not idle meanwhile.
 */
const PIPELINE_DEPTH = 3;

/** fit() stopped because a step's loss was NaN or infinite (never a reason to fail over). */
class NonFiniteLossError extends WebgradError {}

export class Sequential {
  readonly className = 'Sequential';
  name: string;
  readonly layers: Layer[] = [];
  /** Set by callbacks (e.g. earlyStopping) to end fit() after the current batch. */
  stopTraining = false;
  private compiled: Compiled | null = null;
  private compileVersion = 0;
  private trainSteps = new Map<number, StepEntry>();
  private evalSteps = new Map<number, StepEntry>();
  private stepSignature = '';
  private training = false;

  constructor(args: SequentialArgs = {}) {
    if (typeof args !== 'object' || args === null) throw argError('sequential', 'args', 'an object like { layers: [...] }', args);
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) throw argError('sequential', 'name', 'a non-empty string', args.name);
    this.name = args.name ?? `sequential_${nextUid('Sequential')}`;
    if (args.layers !== undefined) {
      if (!Array.isArray(args.layers)) throw argError('sequential', 'layers', 'an array of layers', args.layers);
      for (const l of args.layers) this.add(l);
    }
  }

  // ---- building ----

  /** Appends a layer; it is built as soon as its input shape is known. */
  add(layer: Layer): void {
    if (!isLayer(layer)) throw argError(`${this.name}.add`, 'layer', 'a layer from webgrad.layers (e.g. webgrad.layers.dense({ units }))', layer);
    if (this.layers.includes(layer)) throw new WebgradError(`${this.name}.add: layer '${layer.name}' is already in the model.`);
    if (this.layers.some((l) => l.name === layer.name)) throw new WebgradError(`${this.name}.add: a layer named '${layer.name}' is already in the model; layer names must be unique.`);
    const prev = this.layers[this.layers.length - 1];
    if (prev) {
      const out = this.shapeAfter(this.layers.length);
      const has = out.length === 2 ? `${out[1]} units` : `output shape ${formatShape(out)}`;
      const takes = layer.builtInputShape;
      if (takes && !fits(takes, out)) {
        throw new WebgradError(`${this.name}.add: layer '${layer.name}' takes ${takes.length === 2 ? `${takes[1]} inputs` : `inputs of shape ${formatShape(takes)}`}, but the previous layer '${prev.name}' has ${has}.`);
      }
      const given = layer.batchInputShape;
      if (given && !fits(given, out)) {
        throw new WebgradError(`${this.name}.add: layer '${layer.name}' has inputShape [${given.slice(1).join(', ')}], but the previous layer '${prev.name}' has ${has}.`);
      }
    }
    this.layers.push(layer);
    this.invalidateSteps();
    const shape = this.inputShape;
    if (shape !== null) this.build(shape);
  }

  /** [null, ...] of the input, once known (the first layer's inputShape, or the first data seen). */
  get inputShape(): (number | null)[] | null {
    const first = this.layers[0];
    if (!first) return null;
    const s = first.builtInputShape ?? first.batchInputShape;
    return s ? [null, ...s.slice(1)] : null;
  }

  /** Input features per sample, once known (models take 2-D inputs [batch, features]). */
  get inputDim(): number | null {
    const s = this.inputShape;
    return s && s.length === 2 ? s[1] : null;
  }

  /** Output units (the last layer's). */
  get outputUnits(): number {
    return this.unitsFor('outputUnits');
  }

  /** [null, ...] of the output (sizes not known yet are null). */
  get outputShape(): (number | null)[] {
    this.lastLayer('outputShape');
    return this.shapeAfter(this.layers.length);
  }

  get built(): boolean {
    return this.layers.length > 0 && this.layers.every((l) => l.built);
  }

  private lastLayer(op: string): Layer {
    const l = this.layers[this.layers.length - 1];
    if (!l) throw new WebgradError(`${this.name}.${op}: the model has no layers; add some with model.add(webgrad.layers.dense({ units, inputShape })).`);
    return l;
  }

  /** The output width (the last size of the output shape), which targets must have. */
  private unitsFor(op: string): number {
    const last = this.lastLayer(op);
    const units = this.shapeAfter(this.layers.length).at(-1);
    if (typeof units !== 'number') throw new WebgradError(`${this.name}.${op}: the output width of layer '${last.name}' is not known until the model is built; give the first layer an inputShape.`);
    return units;
  }

  /** The shape after the first `count` layers (a 2-D input of unknown width while the input shape is unknown). */
  private shapeAfter(count: number): SymbolicShape {
    let s: SymbolicShape = this.inputShape ?? [null, null];
    for (const l of this.layers.slice(0, count)) s = l.computeOutputShape(s);
    return s;
  }

  /** Creates every layer's weights for `input` features (or an input shape [null, ...]). */
  build(input: number | (number | null)[]): void {
    let s: SymbolicShape = typeof input === 'number' ? [null, input] : [null, ...input.slice(1)];
    for (const l of this.layers) {
      l.build(s);
      s = l.computeOutputShape(s);
    }
  }

  /** All weight variables in TF.js order (per layer: kernel, then bias). */
  get weights(): Variable[] {
    return this.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Variable[] {
    return this.weights.filter((v) => v.trainable);
  }

  get nonTrainableWeights(): Variable[] {
    return this.weights.filter((v) => !v.trainable);
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  // ---- weights ----

  /** Copies of every weight in TF.js order (per layer: kernel [inputs, units], then bias [units]). */
  getWeights(): Tensor[] {
    return this.layers.flatMap((l) => l.getWeights());
  }

  /** Replaces every weight (same order and shapes as getWeights()). Checks all before changing any. */
  setWeights(weights: Tensor[]): void {
    const op = `${this.name}.setWeights`;
    if (!Array.isArray(weights)) throw argError(op, 'weights', 'an array of tensors', weights);
    if (!this.built) throw new WebgradError(`${op}: the model has no weights yet; give the first layer an inputShape (or fit/predict once) first.`);
    const vars = this.weights;
    if (weights.length !== vars.length) {
      throw new WebgradError(`${op}: expected ${vars.length} weights (${vars.map((v) => `${v.name} ${shapeString(v.shape)}`).join(', ')}), got ${weights.length}.`);
    }
    checkWeightShapes(op, vars, weights, 0);
    vars.forEach((v, i) => v.assign(weights[i]));
  }

  // ---- summary / config / save ----

  /**
   * Prints a table of the layers (name (type), output shape, parameters) and
   * the totals, via printFn (default console.log). Returns the text.
   */
  summary(lineLength = 65, positions: number[] = [0.45, 0.85, 1], printFn: (message?: unknown) => void = console.log): string {
    if (!this.built) {
      throw new WebgradError(`${this.name}.summary: the model is not built yet; give the first layer an inputShape (or call fit/predict once).`);
    }
    const cols = positions.map((p) => (p <= 1 ? Math.floor(lineLength * p) : p));
    const row = (fields: string[]): string => {
      let line = '';
      fields.forEach((f, i) => {
        line += f;
        line = line.slice(0, cols[i]);
        line += ' '.repeat(Math.max(0, cols[i] - line.length));
      });
      return line;
    };
    const lines: string[] = [];
    lines.push('_'.repeat(lineLength));
    lines.push(row(['Layer (type)', 'Output shape', 'Param #']));
    lines.push('='.repeat(lineLength));
    this.layers.forEach((l, i) => {
      lines.push(row([`${l.name} (${l.className})`, formatShape(this.shapeAfter(i + 1)), String(l.countParams())]));
      lines.push(i === this.layers.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
    });
    const total = this.countParams();
    const trainable = this.trainableWeights.reduce((n, v) => n + v.shape.reduce((a, b) => a * b, 1), 0);
    lines.push(`Total params: ${total}`);
    lines.push(`Trainable params: ${trainable}`);
    lines.push(`Non-trainable params: ${total - trainable}`);
    lines.push('_'.repeat(lineLength));
    const text = lines.join('\n');
    for (const l of lines) printFn(l);
    return text;
  }

  /** { name, layers: [{ className, config }] }, as tfjs-layers writes it. */
  getConfig(): SequentialConfig {
    return { name: this.name, layers: this.layers.map((l) => ({ className: l.className, config: l.getConfig() })) };
  }

  /** Saves topology and weights through src/io (TF.js: model.save). */
  async save(handlerOrUrl: string | IOHandler, config?: SaveConfig): Promise<SaveResult> {
    return saveModel(this, handlerOrUrl, config);
  }

  dispose(): void {
    this.invalidateSteps();
    for (const l of this.layers) l.dispose();
    this.compiled?.optimizer.dispose();
  }

  // ---- compile ----

  compile(args: ModelCompileArgs): void {
    const op = `${this.name}.compile`;
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', "an object like { optimizer: 'adam', loss: 'meanSquaredError' }", args);
    const units = this.unitsFor('compile');
    if (args.optimizer === undefined) throw argError(op, 'optimizer', "an optimizer name ('sgd', 'adam', 'rmsprop') or an optimizer from webgrad.train", undefined);
    const optimizer = getOptimizer(op, args.optimizer);
    if (args.loss === undefined) throw argError(op, 'loss', "a loss name like 'meanSquaredError' or a function", undefined);
    const loss = resolveLoss(op, args.loss);
    const metrics = resolveMetrics(op, args.metrics, loss, units);
    this.compiled = { optimizer, loss, metrics, metricIds: args.metrics };
    this.compileVersion = ++compileCounter;
    this.invalidateSteps();
  }

  /** The compiled optimizer (TF.js: model.optimizer). */
  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /** Names of the logged quantities: ['loss', ...metric keys] (TF.js: model.metricsNames). */
  get metricsNames(): string[] {
    return this.compiled ? ['loss', ...this.compiled.metrics.map((m) => m.key)] : [];
  }

  private requireCompiled(op: string): Compiled {
    if (!this.compiled) {
      throw new WebgradError(`${this.name}.${op}: the model must be compiled first; call model.compile({ optimizer, loss }) before ${op}().`);
    }
    return this.compiled;
  }

  // ---- forward ----

  /** Records every layer on `x` (the model is built). */
  private forward(x: Tensor, ctx: CallContext = eagerContext(false)): Tensor {
    let h = x;
    for (const l of this.layers) h = l.call(h, ctx);
    return h;
  }

  /** The forward pass with the given weight values (handles held for batched evaluate/predict). */
  private forwardWith(x: Tensor, values: Map<Variable, Tensor>): Tensor {
    return this.forward(x, eagerContext(false, values));
  }

  private metricTensors(c: Compiled, y: Tensor, yPred: Tensor): Tensor[] {
    let dense: Tensor | null = null;
    return c.metrics.map((m) => {
      if (c.loss.kind === 'sparse' && !m.sparseTargets) {
        dense ??= denseTargets(y, yPred.shape[1]);
        return m.fn(dense, yPred);
      }
      return m.fn(y, yPred);
    });
  }

  // ---- compiled steps ----

  private invalidateSteps(): void {
    for (const e of [...this.trainSteps.values(), ...this.evalSteps.values()]) e.step.dispose();
    this.trainSteps.clear();
    this.evalSteps.clear();
  }

  private checkSignature(): void {
    const backend = engine.host?.current();
    const sig = `${this.compileVersion}|${this.compiled?.optimizer.version}|${this.weights.map((v) => (v.trainable ? 1 : 0)).join('')}`;
    const stale = sig !== this.stepSignature
      || [...this.trainSteps.values(), ...this.evalSteps.values()].some((e) => e.step.backend !== backend);
    if (stale) {
      this.invalidateSteps();
      this.stepSignature = sig;
    }
  }

  private ySpec(c: Compiled, batch: number): { shape: number[]; dtype: 'float32' | 'int32' } {
    return c.loss.kind === 'sparse' ? { shape: [batch], dtype: 'int32' } : { shape: [batch, this.outputUnits], dtype: 'float32' };
  }

  private async trainStep(batch: number): Promise<StepEntry> {
    this.checkSignature();
    const cached = this.trainSteps.get(batch);
    if (cached) return cached;
    const c = this.compiled!;
    const opt = c.optimizer;
    const params = this.trainableWeights;
    const fixed = this.nonTrainableWeights;
    const globals = opt.globals();
    const slots = params.map((p) => opt.slotsFor(p));
    const variables = [...params, ...globals, ...slots.flat(), ...fixed];
    // New values layers give their non-trainable weights (moving statistics), filled while tracing.
    const fixedUpdates = new Map<Variable, Tensor>();
    const step = await compileStep({
      name: `${this.name} training step`,
      // On a GPU, keep host copies of the state after each step so training
      // can resume on the CPU from the last completed step if the device is lost.
      keepHostCopy: engine.host?.current()?.name === 'webgpu',
      inputs: [{ shape: [batch, this.inputDim!], dtype: 'float32' }, this.ySpec(c, batch)],
      variables,
      build: ([x, y], vals) => {
        const lookup = new Map<Variable, Tensor>();
        variables.forEach((v, i) => lookup.set(v, vals[i]));
        const pv = params.map((p) => lookup.get(p)!);
        const yPred = this.forward(x, stepContext(this.name, true, lookup, fixed, fixedUpdates));
        const loss = c.loss.fn(y, yPred);
        if (!(loss instanceof Tensor) || loss.rank !== 0) throw new WebgradError(`${this.name}: the loss must be a scalar tensor.`);
        const metrics = this.metricTensors(c, y, yPred);
        const grads = gradients(loss, pv);
        const u = opt.applyUpdates(pv, grads, globals.map((g) => lookup.get(g)!), slots.map((s) => s.map((v) => lookup.get(v)!)));
        return {
          outputs: [pack([loss, ...metrics])],
          updates: [...u.params, ...u.globals, ...u.slots.flat(), ...fixed.map((v) => fixedUpdates.get(v) ?? null)],
        };
      },
    });
    const entry = { step, updated: [...params, ...globals, ...slots.flat(), ...fixed.filter((v) => fixedUpdates.has(v))] };
    this.trainSteps.set(batch, entry);
    return entry;
  }

  private async evalStep(batch: number): Promise<StepEntry> {
    this.checkSignature();
    const cached = this.evalSteps.get(batch);
    if (cached) return cached;
    const c = this.compiled!;
    const variables = this.weights;
    const step = await compileStep({
      name: `${this.name} evaluation step`,
      inputs: [{ shape: [batch, this.inputDim!], dtype: 'float32' }, this.ySpec(c, batch)],
      variables,
      build: ([x, y], vals) => {
        const lookup = new Map<Variable, Tensor>();
        variables.forEach((v, i) => lookup.set(v, vals[i]));
        const yPred = this.forward(x, stepContext(this.name, false, lookup, [], new Map()));
        const loss = c.loss.fn(y, yPred);
        return { outputs: [pack([loss, ...this.metricTensors(c, y, yPred)])], updates: variables.map(() => null) };
      },
    });
    const entry = { step, updated: [] };
    this.evalSteps.set(batch, entry);
    return entry;
  }

  // ---- data at the edge ----

  private async prepareXY(op: string, x: unknown, y: unknown, c: Compiled, names = ['x', 'y']): Promise<{ x: HostData; y: HostData }> {
    const units = this.unitsFor(op);
    const xh = shapeX(op, names[0], await toHost(op, names[0], x), this.inputDim);
    checkFinite(op, names[0], xh);
    if (this.inputDim === null) this.build(xh.shape[1]);
    const yh = targetsFor(op, names[1], await toHost(op, names[1], y), c.loss.kind === 'sparse', units);
    if (xh.shape[0] !== yh.shape[0]) {
      throw new WebgradError(`${op}: arguments '${names[0]}' and '${names[1]}' must have the same number of samples, but '${names[0]}' has ${xh.shape[0]} (shape ${shapeString(xh.shape)}) and '${names[1]}' has ${yh.shape[0]} (shape ${shapeString(yh.shape)}).`);
    }
    return { x: xh, y: yh };
  }

  // ---- fit ----

  /** fit's training data and validation data (validationData, or the last validationSplit of the samples). */
  private async fitData(op: string, x: unknown, y: unknown, args: ModelFitArgs, c: Compiled): Promise<{ x: HostData; y: HostData; val: { x: HostData; y: HostData } | null }> {
    const { x: xh, y: yh } = await this.prepareXY(op, x, y, c);
    if (xh.shape[0] === 0) throw new WebgradError(`${op}: argument 'x' has no samples.`);
    const vs = args.validationSplit;
    if (args.validationData !== undefined) {
      const vd = args.validationData;
      if (!Array.isArray(vd) || vd.length !== 2) throw argError(op, 'validationData', '[xVal, yVal]', vd);
      return { x: xh, y: yh, val: await this.prepareXY(op, vd[0], vd[1], c, ['validationData[0]', 'validationData[1]']) };
    }
    if (vs === undefined || vs === 0) return { x: xh, y: yh, val: null };
    const n = xh.shape[0];
    const at = Math.floor(n * (1 - vs));
    if (at <= 0 || at >= n) throw new WebgradError(`${op}: validationSplit ${vs} of ${n} samples leaves ${at === 0 ? 'no training' : 'no validation'} samples.`);
    return { x: sliceRows(xh, 0, at), y: sliceRows(yh, 0, at), val: { x: sliceRows(xh, at, n), y: sliceRows(yh, at, n) } };
  }

  /**
   * Trains for `epochs` over (x, y) in batches (TF.js: model.fit). Resolves
   * to the History of epoch logs: loss, metrics, and val_* with validation.
   */
  async fit(x: DataLike, y: DataLike, args: ModelFitArgs = {}): Promise<History> {
    const op = `${this.name}.fit`;
    const c = this.requireCompiled('fit');
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { epochs: 10, batchSize: 32 }', args);
    const epochs = args.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 0) throw argError(op, 'epochs', 'a non-negative integer', args.epochs);
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw argError(op, 'batchSize', 'a positive integer', args.batchSize);
    const initialEpoch = args.initialEpoch ?? 0;
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw argError(op, 'initialEpoch', 'a non-negative integer', args.initialEpoch);
    const shuffle = args.shuffle ?? true;
    if (typeof shuffle !== 'boolean') throw argError(op, 'shuffle', 'a boolean', args.shuffle);
    if (args.seed !== undefined && !Number.isFinite(args.seed)) throw argError(op, 'seed', 'a number', args.seed);
    const vs = args.validationSplit;
    if (vs !== undefined && !(typeof vs === 'number' && vs >= 0 && vs < 1)) throw argError(op, 'validationSplit', 'a number in [0, 1)', vs);
    const verbose = args.verbose ?? (isNode() ? 1 : 0);
    const yieldEvery = args.yieldEvery ?? 16;
    const userCallbacks = toCallbackList(op, args.callbacks);
    if (this.training) {
      throw new WebgradError(`${op}: another fit() on this model is still running; a model trains in one fit() at a time (two would interleave their steps). Await the first fit() before starting the next.`);
    }
    // Claimed before the first await, so that a second fit() started meanwhile is refused.
    this.training = true;
    let data: { x: HostData; y: HostData; val: { x: HostData; y: HostData } | null };
    try {
      data = await this.fitData(op, x, y, args, c);
    } catch (e) {
      this.training = false;
      throw e;
    }
    const { x: xh, y: yh, val } = data;
    const n = xh.shape[0];
    const steps = Math.ceil(n / batchSize);
    const metricKeys = this.metricsNames;
    const logKeys = val ? [...metricKeys, ...metricKeys.map((k) => `val_${k}`)] : metricKeys;
    const params: TrainParams = { epochs, initialEpoch, samples: n, steps, batchSize, verbose, doValidation: val !== null, metrics: logKeys };
    const cbs = new CallbackList([...(verbose > 0 ? [new ProgressLogger()] : []), ...userCallbacks]);
    const strictOrder = new CallbackList(userCallbacks).hasBatchHooks;
    const history: History = { epoch: [], history: {}, params };
    const rng = new Random(args.seed);
    const order = new Int32Array(n).map((_, i) => i);
    // Where training can resume if the GPU device is lost: the state after the
    // newest step whose loss was read, or the state before fit.
    const stateVars = (): Variable[] => {
      const opt = c.optimizer;
      const params = this.trainableWeights;
      return [...params, ...opt.globals(), ...params.flatMap((p) => opt.slotsFor(p)), ...this.nonTrainableWeights];
    };
    let failedOver = false;
    let resumePoint: { epoch: number; batch: number; values: TypedArray[]; sums: Float64Array; seen: number } | null = null;
    const onGpu = engine.host?.current()?.name === 'webgpu';
    // Until the first step's readback brings a resume point, hold (zero-copy)
    // the state from before fit: usable after a device loss if it still has a
    // host copy (fresh or set weights), at no readback cost.
    let initialState: Tensor[] | null = null;
    const dropInitial = (): void => {
      initialState?.forEach((t) => t.dispose());
      initialState = null;
    };

    this.stopTraining = false;
    try {
      if (onGpu) initialState = stateVars().map((v) => reshape(v.value, v.shape));
      cbs.setModel(this);
      cbs.setParams(params);
      await cbs.trainBegin();
      let lastYield = performance.now();
      for (let epoch = initialEpoch; epoch < epochs; epoch++) {
        await cbs.epochBegin(epoch);
        if (shuffle) rng.shuffle(order);
        const sums = new Float64Array(metricKeys.length);
        const inflight: { batch: number; size: number; out: Tensor; snapshot: Tensor[]; updated: Variable[]; step: CompiledStep; run: number }[] = [];
        const dropAll = (): void => {
          for (const f of inflight) {
            f.out.dispose();
            for (const s of f.snapshot) s.dispose();
          }
          inflight.length = 0;
        };
        let seen = 0;
        let settledSeen = 0;
        let first = true;
        const settle = async (): Promise<void> => {
          const f = inflight.shift()!;
          let vals: ArrayLike<number>;
          try {
            vals = await f.out.data();
          } finally {
            f.out.dispose();
          }
          if (!Number.isFinite(vals[0])) {
            // Roll back to the weights (and optimizer state) from before this step.
            f.updated.forEach((v, i) => v.assign(f.snapshot[i]));
            for (const s of f.snapshot) s.dispose();
            dropAll();
            throw new NonFiniteLossError(`${op}: the loss became ${vals[0]} at epoch ${epoch} batch ${f.batch} (both counted from 0); training stopped and the model keeps the weights from before that batch. Try a smaller learning rate, or check the data.`);
          }
          for (const s of f.snapshot) s.dispose();
          const logs: Logs = { batch: f.batch, size: f.size };
          metricKeys.forEach((k, i) => {
            logs[k] = vals[i];
            sums[i] += vals[i] * f.size;
          });
          settledSeen += f.size;
          if (onGpu && !failedOver) {
            const values = await f.step.snapshotAt(f.run);
            if (values) {
              resumePoint = { epoch, batch: f.batch, values, sums: sums.slice(), seen: settledSeen };
              dropInitial();
            }
          }
          await cbs.batchEnd(f.batch, logs);
        };
        /**
         * After the GPU device is lost (the backend has switched to the CPU):
         * put back the state of the resume point and return the batch to go
         * on from, so no step is lost or applied twice.
         */
        const recover = (err: unknown, step: CompiledStep | null): number => {
          // Training started on the GPU (there is a resume point) and the backend is not that GPU any more.
          const gone = onGpu && (engine.host?.current()?.name !== 'webgpu' || (step !== null && stepBackendGone(step)));
          if (err instanceof NonFiniteLossError || !gone || failedOver) throw err;
          failedOver = true;
          if (!resumePoint) {
            // Back to the state from before fit, if it survived on the host.
            const hosts = (initialState ?? []).map((t) => storageHostOf(t));
            if (!initialState || hosts.some((h) => h === null)) {
              throw new WebgradError(`${op}: the GPU device was lost before the first training step of this fit() completed, and the weights from before it were only on the GPU; set them again (setWeights) and call fit() again. (${(err as Error)?.message ?? err})`);
            }
            resumePoint = { epoch: initialEpoch, batch: -1, values: hosts as TypedArray[], sums: new Float64Array(metricKeys.length), seen: 0 };
          }
          dropInitial();
          dropAll();
          const vars = stateVars();
          const point = resumePoint!;
          point.values.forEach((values, i) => {
            const t = engine.fromHost(values, vars[i].shape, vars[i].dtype);
            vars[i].assign(t);
            t.dispose();
          });
          const sameEpoch = point.epoch === epoch && point.batch >= 0;
          sums.set(sameEpoch ? point.sums : new Float64Array(sums.length));
          seen = settledSeen = sameEpoch ? point.seen : 0;
          first = true;
          return sameEpoch ? point.batch + 1 : 0;
        };
        try {
          let b = 0;
          while (b < steps || inflight.length) {
            if (b >= steps) {
              // Drain: read the losses still in flight.
              const head = inflight[0];
              try {
                await settle();
              } catch (e) {
                b = recover(e, head.step);
              }
              continue;
            }
            const start = b * batchSize;
            const size = Math.min(batchSize, n - start);
            await cbs.batchBegin(b, { batch: b, size });
            let entry: StepEntry;
            try {
              entry = await this.trainStep(size);
              // First step of the epoch, or weights set since the last step
              // (setWeights in a callback): compute and upload them first.
              if (first || stateVars().some((v) => v.value.op !== null || !v.value.storage?.buffer)) {
                await entry.step.prepareVariables();
                first = false;
              }
            } catch (e) {
              b = recover(e, null);
              continue;
            }
            const xb = gatherRows(xh, order, start, size);
            const yb = gatherRows(yh, order, start, size);
            const snapshot = entry.updated.map((v) => reshape(v.value, v.shape));
            let out: Tensor;
            try {
              [out] = entry.step.run([xb, yb], { read: true });
            } catch (e) {
              for (const s of snapshot) s.dispose();
              b = recover(e, entry.step);
              continue;
            }
            inflight.push({ batch: b, size, out, snapshot, updated: entry.updated, step: entry.step, run: entry.step.runs });
            seen += size;
            b++;
            try {
              while (inflight.length > (strictOrder ? 0 : PIPELINE_DEPTH)) await settle();
            } catch (e) {
              b = recover(e, entry.step);
              continue;
            }
            if (performance.now() - lastYield >= yieldEvery) {
              await new Promise((r) => setTimeout(r, 0));
              lastYield = performance.now();
            }
            if (this.stopTraining) {
              while (inflight.length) await settle();
              break;
            }
          }
        } finally {
          dropAll();
        }
        const logs: Logs = {};
        metricKeys.forEach((k, i) => (logs[k] = sums[i] / seen));
        if (val) {
          const v = await this.evaluateHost(val.x, val.y, batchSize);
          metricKeys.forEach((k, i) => (logs[`val_${k}`] = v[i]));
        }
        history.epoch.push(epoch);
        for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
        await cbs.epochEnd(epoch, logs);
        if (this.stopTraining) break;
      }
      await cbs.trainEnd();
    } finally {
      this.training = false;
      dropInitial();
    }
    return history;
  }

  /** Mean loss and metrics over host data, in batches, with compiled evaluation steps. */
  private async evaluateHost(xh: HostData, yh: HostData, batchSize: number): Promise<number[]> {
    const n = xh.shape[0];
    const outs: { out: Tensor; size: number }[] = [];
    let prepared = false;
    try {
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const e = await this.evalStep(size);
        if (!prepared) {
          await e.step.prepareVariables();
          prepared = true;
        }
        const [out] = e.step.run([gatherRows(xh, null, start, size), gatherRows(yh, null, start, size)]);
        outs.push({ out, size });
      }
      const vals = await Promise.all(outs.map((o) => o.out.data()));
      const k = this.metricsNames.length;
      const sums = new Array<number>(k).fill(0);
      vals.forEach((v, j) => {
        for (let i = 0; i < k; i++) sums[i] += v[i] * outs[j].size;
      });
      return sums.map((s) => s / n);
    } finally {
      for (const o of outs) o.out.dispose();
    }
  }

  // ---- trainOnBatch / evaluate / predict ----

  /** One optimizer step on one batch (TF.js: model.trainOnBatch): loss, or [loss, ...metrics]. */
  async trainOnBatch(x: DataLike, y: DataLike): Promise<number | number[]> {
    const op = `${this.name}.trainOnBatch`;
    const c = this.requireCompiled('trainOnBatch');
    if (this.training) throw new WebgradError(`${op}: fit() is running on this model, and a step of trainOnBatch would interleave with its steps; await fit() first (evaluate and predict are allowed during fit).`);
    const { x: xh, y: yh } = await this.prepareXY(op, x, y, c);
    const entry = await this.trainStep(xh.shape[0]);
    await entry.step.prepareVariables();
    const [out] = entry.step.run([xh.data, yh.data]);
    try {
      const v = Array.from(await out.data());
      return c.metrics.length ? v : v[0];
    } finally {
      out.dispose();
    }
  }

  /**
   * Loss (and metrics) over (x, y) as scalar tensors (TF.js: model.evaluate).
   * Without batchSize the whole input is one graph; with a smaller batchSize
   * the batches are computed one after another (bounded memory) and the
   * results are the batch-size-weighted means. Values are ready when read.
   */
  evaluate(x: DataLike, y: DataLike, args: ModelEvaluateArgs = {}): Tensor | Tensor[] {
    const op = `${this.name}.evaluate`;
    const c = this.requireCompiled('evaluate');
    checkBatchArgs(op, args);
    const units = this.unitsFor('evaluate');
    const xr = inputRows(op, x, this.inputDim);
    const yr = targetRows(op, y, c.loss.kind === 'sparse', units);
    if (xr.n !== yr.n) {
      const shapeOf = (v: unknown, r: Rows): string => shapeString(v instanceof Tensor ? v.shape : [r.n, ...r.rowShape]);
      throw new WebgradError(`${op}: arguments 'x' and 'y' must have the same number of samples, but 'x' has ${xr.n} (shape ${shapeOf(x, xr)}) and 'y' has ${yr.n} (shape ${shapeOf(y, yr)}).`);
    }
    if (this.inputDim === null) this.build(xr.rowShape[0]);
    const build = (xb: Tensor, yb: Tensor, values: Map<Variable, Tensor> | null): Tensor[] => {
      const yPred = values ? this.forwardWith(xb, values) : this.forward(xb);
      return [c.loss.fn(yb, yPred), ...this.metricTensors(c, yb, yPred)];
    };
    const one = (r: Tensor[]): Tensor | Tensor[] => (r.length > 1 ? r : r[0]);
    const batchSize = args.batchSize ?? xr.n;
    if (batchSize >= xr.n && !yr.checkOnRead) return tidy(() => one(build(rowsTensor(xr), rowsTensor(yr), null)));
    const held = this.holdWeights();
    const k = this.metricsNames.length;
    return one(evaluateInBatches([xr, yr], Math.max(1, batchSize), k, ([xb, yb]) => pack(build(xb, yb, held)), [...held.values()]));
  }

  /**
   * The model's output for x (TF.js: model.predict). Without batchSize the
   * whole input is one graph; with a smaller batchSize the batches are
   * computed one after another, so memory stays bounded. Ready when read.
   */
  predict(x: DataLike, args: ModelPredictArgs = {}): Tensor {
    const op = `${this.name}.predict`;
    checkBatchArgs(op, args);
    const units = this.unitsFor('predict');
    const xr = inputRows(op, x, this.inputDim);
    if (this.inputDim === null) this.build(xr.rowShape[0]);
    if (args.batchSize === undefined || args.batchSize >= xr.n) return tidy(() => this.forward(rowsTensor(xr)));
    const held = this.holdWeights();
    return predictInBatches(xr, args.batchSize, units, (xb) => this.forwardWith(xb, held), [...held.values()]);
  }

  /** Handles on the weights' current values, for work that runs later (batched evaluate/predict). */
  private holdWeights(): Map<Variable, Tensor> {
    return new Map(this.weights.map((v) => [v, hold(v.value)]));
  }
}

/** Whether a layer that takes `takes` can follow one that outputs `out` (sizes not known match anything). */
function fits(takes: SymbolicShape, out: SymbolicShape): boolean {
  return takes.length === out.length && takes.every((d, i) => i === 0 || d === null || out[i] === null || d === out[i]);
}

/**
 * The context layers run in inside a compiled step: weights read from the
 * step's traced values; new values of non-trainable weights collected in
 * `updates` (only while training, and only for `updatable` weights).
 */
function stepContext(model: string, training: boolean, values: Map<Variable, Tensor>, updatable: readonly Variable[], updates: Map<Variable, Tensor>): CallContext {
  return {
    training,
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

function checkBatchArgs(op: string, args: { batchSize?: number }): void {
  if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { batchSize: 32 }', args);
  if (args.batchSize !== undefined && (!Number.isInteger(args.batchSize) || args.batchSize < 1)) throw argError(op, 'batchSize', 'a positive integer', args.batchSize);
}

/** Rows [start, start + size) of `h`, through the permutation `order` when given. */
function gatherRows(h: HostData, order: Int32Array | null, start: number, size: number): Float32Array | Int32Array {
  const row = h.shape.length > 1 ? h.shape[1] : 1;
  const src = h.data;
  const out = src instanceof Int32Array ? new Int32Array(size * row) : new Float32Array(size * row);
  if (!order) {
    out.set(src.subarray(start * row, (start + size) * row));
    return out;
  }
  for (let i = 0; i < size; i++) {
    const r = order[start + i];
    if (row === 1) out[i] = src[r];
    else out.set(src.subarray(r * row, (r + 1) * row), i * row);
  }
  return out;
}

/** webgrad.sequential(args) (TF.js: tf.sequential). */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}

/** Rebuilds a Sequential model (untrained weights) from getConfig()'s output. */
export function sequentialFromConfig(config: SequentialConfig): Sequential {
  if (typeof config !== 'object' || config === null || !Array.isArray(config.layers)) {
    throw argError('sequentialFromConfig', 'config', '{ name, layers: [{ className, config }] }', config);
  }
  const layers = config.layers.map((l, i) => {
    if (typeof l !== 'object' || l === null) throw argError('sequentialFromConfig', `config.layers[${i}]`, '{ className, config }', l);
    return layerFromConfig(`sequentialFromConfig: layer ${i}`, l.className, l.config as unknown as Record<string, unknown>);
  });
  return new Sequential({ name: config.name, layers });
}
