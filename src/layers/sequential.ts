// Sequential: a stack of layers (anything implementing Layer,
// src/layers/layer.ts) with TensorFlow.js' model API. This file is the
// container: layers and their shapes, weights, summary, config, save, and
// the entry points compile / fit / evaluate / predict / trainOnBatch. The
// training loop lives in src/layers/training.ts, compiled steps in
// src/layers/model_steps.ts, batched evaluate/predict in
// src/layers/inference.ts, and recovery from failed steps in
// src/graph/recovery.ts.
//
// Model inputs and targets are 2-D ([batch, features], [batch, units]);
// between layers, shapes may have any rank.
import { WebgradError, argError, shapeString } from '../core/errors.js';
import { tidy } from '../core/scope.js';
import { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { reshape } from '../ops/shape_ops.js';
import { getOptimizer, type Optimizer, type OptimizerIdentifier } from '../train/optimizers.js';
import type { DataLike } from './data.js';
import { evaluateInBatches, hold, inputRows, predictInBatches, rowsTensor, targetRows, type Rows } from './inference.js';
import { checkWeightShapes, eagerContext, formatShape, isLayer, nextUid, type CallContext, type Layer, type LayerConfig, type SymbolicShape } from './layer.js';
import { resolveLoss, resolveMetrics, type LossFn, type LossIdentifier, type MetricFn, type MetricIdentifier } from './losses_metrics.js';
import { forwardLayers, metricTensors, pack } from './model_steps.js';
import { layerFromConfig } from './registry.js';
import type { IOHandler, SaveConfig, SaveResult } from './saved_model.js';
import { Trainer, type History, type ModelFitArgs } from './training.js';

export type { History, ModelFitArgs } from './training.js';

/** Writes a model through an io handler: src/io/save.ts' saveModel. */
export type ModelSaver = (model: Sequential, handlerOrUrl: string | IOHandler, config?: SaveConfig) => Promise<SaveResult>;
let modelSaver: ModelSaver | null = null;

/**
 * Plugs in how models are saved. src/io/ sits above src/layers/ (it rebuilds
 * models from files), so save() reaches it through this, installed once at
 * start-up by installRuntime() (src/runtime.ts).
 */
export function installModelSaver(save: ModelSaver): void {
  modelSaver = save;
}

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

export interface ModelEvaluateArgs {
  /** Samples computed at a time (bounded memory); default: the whole input at once. */
  batchSize?: number;
}

export interface ModelPredictArgs {
  /** Samples computed at a time (bounded memory); default: the whole input at once. */
  batchSize?: number;
}

/** Model config as tfjs-layers' Sequential.getConfig() writes it. */
export interface SequentialConfig {
  name: string;
  layers: { className: string; config: LayerConfig }[];
}

let compileCounter = 0;

export class Sequential {
  readonly className = 'Sequential';
  name: string;
  readonly layers: Layer[] = [];
  /** Set by callbacks (e.g. earlyStopping) to end fit() after the current batch. */
  stopTraining = false;
  /** compile()'s result, the compiled steps, and the training loop. */
  private readonly trainer: Trainer = new Trainer(this);

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
    this.trainer.steps.invalidate();
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

  /** Input features per sample, once known, for models taking 2-D inputs [batch, features]. */
  get inputDim(): number | null {
    const s = this.inputShape;
    return s && s.length === 2 ? s[1] : null;
  }

  /** The shape of one input sample (the input shape without the batch), once known. */
  get sampleShape(): number[] | null {
    const s = this.inputShape?.slice(1);
    if (!s) return null;
    const known = s.filter((d): d is number => d !== null);
    return known.length === s.length ? known : null;
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

  /**
   * All weight variables in TF.js order: every layer's trainable weights (per
   * layer: kernel, then bias; gamma, beta), then every layer's non-trainable
   * ones (moving statistics, the weights of frozen layers), as tfjs-layers'
   * model.weights and getWeights() list them.
   */
  get weights(): Variable[] {
    return [...this.layers.flatMap((l) => l.trainableWeights), ...this.layers.flatMap((l) => l.nonTrainableWeights)];
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

  /** Copies of every weight in TF.js order (see `weights`: trainable ones first, per layer kernel [inputs, units] then bias [units]). */
  getWeights(): Tensor[] {
    return this.weights.map((v) => reshape(v.value, v.shape));
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
    if (!modelSaver) throw new WebgradError(`${this.name}.save: internal: no model saver installed (import webgrad from its entry point, src/index.ts)`);
    return modelSaver(this, handlerOrUrl, config);
  }

  dispose(): void {
    this.trainer.dispose();
    for (const l of this.layers) l.dispose();
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
    this.trainer.setCompiled({ optimizer, loss, metrics, version: ++compileCounter });
  }

  /** The compiled optimizer (TF.js: model.optimizer). */
  get optimizer(): Optimizer | null {
    return this.trainer.compiled?.optimizer ?? null;
  }

  /** Names of the logged quantities: ['loss', ...metric keys] (TF.js: model.metricsNames). */
  get metricsNames(): string[] {
    return this.trainer.metricsNames;
  }

  // ---- forward ----

  /** Records every layer on `x` (the model is built). */
  private forward(x: Tensor, ctx: CallContext = eagerContext(false)): Tensor {
    return forwardLayers(this.layers, x, ctx);
  }

  /** The forward pass with the given weight values (handles held for batched evaluate/predict). */
  private forwardWith(x: Tensor, values: Map<Variable, Tensor>): Tensor {
    return this.forward(x, eagerContext(false, values));
  }

  // ---- training ----

  /**
   * Trains for `epochs` over (x, y) in batches (TF.js: model.fit). Resolves
   * to the History of epoch logs: loss, metrics, and val_* with validation.
   */
  fit(x: DataLike, y: DataLike, args: ModelFitArgs = {}): Promise<History> {
    return this.trainer.fit(x, y, args);
  }

  /** One optimizer step on one batch (TF.js: model.trainOnBatch): loss, or [loss, ...metrics]. */
  trainOnBatch(x: DataLike, y: DataLike): Promise<number | number[]> {
    return this.trainer.trainOnBatch(x, y);
  }

  // ---- evaluate / predict ----

  /**
   * Loss (and metrics) over (x, y) as scalar tensors (TF.js: model.evaluate).
   * Without batchSize the whole input is one graph; with a smaller batchSize
   * the batches are computed one after another (bounded memory) and the
   * results are the batch-size-weighted means. Values are ready when read.
   */
  evaluate(x: DataLike, y: DataLike, args: ModelEvaluateArgs = {}): Tensor | Tensor[] {
    const op = `${this.name}.evaluate`;
    const c = this.trainer.requireCompiled('evaluate');
    checkBatchArgs(op, args);
    const units = this.unitsFor('evaluate');
    const xr = inputRows(op, x, this.sampleShape);
    const yr = targetRows(op, y, c.loss.kind === 'sparse', units);
    if (xr.n !== yr.n) {
      const shapeOf = (v: unknown, r: Rows): string => shapeString(v instanceof Tensor ? v.shape : [r.n, ...r.rowShape]);
      throw new WebgradError(`${op}: arguments 'x' and 'y' must have the same number of samples, but 'x' has ${xr.n} (shape ${shapeOf(x, xr)}) and 'y' has ${yr.n} (shape ${shapeOf(y, yr)}).`);
    }
    if (this.sampleShape === null) this.build([null, ...xr.rowShape]);
    const build = (xb: Tensor, yb: Tensor, values: Map<Variable, Tensor> | null): Tensor[] => {
      const yPred = values ? this.forwardWith(xb, values) : this.forward(xb);
      return [c.loss.fn(yb, yPred), ...metricTensors(c, yb, yPred)];
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
    const xr = inputRows(op, x, this.sampleShape);
    if (this.sampleShape === null) this.build([null, ...xr.rowShape]);
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

function checkBatchArgs(op: string, args: { batchSize?: number }): void {
  if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { batchSize: 32 }', args);
  if (args.batchSize !== undefined && (!Number.isInteger(args.batchSize) || args.batchSize < 1)) throw argError(op, 'batchSize', 'a positive integer', args.batchSize);
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
