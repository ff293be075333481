// The Layer interface: what a model (src/layers/sequential.ts), its compiled
// training steps and the model format (src/io/) need of a layer, and
// BaseLayer, which implements the parts every layer shares (naming, weights,
// trainable, get/setWeights, parameter count, eager apply).
//
// A new layer is one file: a class extending BaseLayer (className,
// weightSpecs, computeOutputShape, call, getConfig) and a fromConfig
// factory, plus one line in src/layers/registry.ts so saved models load it.
//
// Shapes of any rank are allowed between layers ([null, h, w, c] for an
// image layer); null stands for the batch and for sizes not known yet.
// Layers compute through a CallContext, so the same call() serves eager use
// (current weight values) and compiled steps (traced values), and a layer can
// behave differently while training (dropout) and give new values to
// non-trainable weights (moving statistics of a normalization layer).
import { WebgradError, argError, shapeString } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import { reshape } from '../ops/shape_ops.js';
import type { Initializer } from './initializers.js';

/** A shape with null where the size is not fixed (the batch, or not known yet). */
export type SymbolicShape = (number | null)[];

/** How a layer is being run: the values its weights have in this run, and whether it trains. */
export interface CallContext {
  /** True inside a training step (fit, trainOnBatch); false for evaluate and predict. */
  readonly training: boolean;
  /** The value to compute with for one of the layer's weights (a traced value inside a compiled step). */
  read(weight: Variable): Tensor;
  /**
   * Gives a non-trainable weight (e.g. a moving mean) a new value, applied
   * when the training step completes. Ignored outside training steps.
   */
  update(weight: Variable, value: Tensor): void;
  /**
   * A float32 scalar that differs at every training step: a counter the
   * compiled training step advances on the device, given to layers that
   * declare `stochastic` so their random masks change from step to step with
   * no random numbers uploaded. Undefined outside compiled training steps.
   */
  readonly step?: Tensor;
}

/** A weight a layer creates when it is built (allocates nothing by itself). */
export interface WeightSpec {
  /** Short name: the variable is named `<layer name>/<name>` (as TF.js names weights in saved models). */
  name: string;
  shape: number[];
  initializer: Initializer;
  /** False for state the optimizer must not touch (moving statistics); default true. */
  trainable?: boolean;
}

/** The part of a layer's config every layer has (tfjs-layers' getConfig()). */
export interface LayerConfig {
  name: string;
  trainable: boolean;
  batchInputShape?: (number | null)[];
  dtype?: 'float32';
}

/** Arguments of layer.apply(). */
export interface ApplyArgs {
  /** Run as in training (default false). */
  training?: boolean;
}

/** A layer of a model (TensorFlow.js: tf.layers.Layer). */
export interface Layer {
  /** Keras class name, written to and read from the model format ('Dense'). */
  readonly className: string;
  name: string;
  /** False freezes the layer's trainable weights. */
  trainable: boolean;
  /** Whether the weights exist (the input shape is known). */
  readonly built: boolean;
  /** [batch or null, ...] given at construction (a model's first layer), if any. */
  readonly batchInputShape?: SymbolicShape;
  /** The input shape the layer was built for ([null, ...]), or null before build. */
  readonly builtInputShape: SymbolicShape | null;
  /** The weights build(inputShape) would create, checking the shape; allocates nothing. */
  weightSpecs(inputShape: SymbolicShape): WeightSpec[];
  /** Creates the weights for inputs of `inputShape`; a no-op when already built for it. */
  build(inputShape: SymbolicShape): void;
  /** The output shape for inputs of `inputShape` (null where not known). */
  computeOutputShape(inputShape: SymbolicShape): SymbolicShape;
  /** Records the layer on `x` (the layer is built). */
  call(x: Tensor, ctx: CallContext): Tensor;
  /** Builds if needed and records the layer on `x` with its current weights. */
  apply(x: Tensor, args?: ApplyArgs): Tensor;
  /**
   * True for a layer that draws random numbers while training (dropout):
   * compiled training steps then give it CallContext.step.
   */
  readonly stochastic?: boolean;
  /** Every weight, in creation order (the order of getWeights and of saved models). */
  readonly weights: Variable[];
  readonly trainableWeights: Variable[];
  readonly nonTrainableWeights: Variable[];
  countParams(): number;
  /** Copies of the current weights (the caller owns them). */
  getWeights(): Tensor[];
  /** Replaces the weights with values of the same shapes. */
  setWeights(weights: Tensor[]): void;
  /** Config as tfjs-layers writes it; the registry's fromConfig rebuilds the layer from it. */
  getConfig(): LayerConfig;
  dispose(): void;
}

/** Arguments every layer takes. */
export interface BaseLayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample (a model's first layer only). */
  inputShape?: number[];
  /** [batch or null, ...shape of one sample] (a model's first layer only); wins over inputShape. */
  batchInputShape?: (number | null)[];
}

// tfjs-layers names layers <snake_case class>_<Class><n>: dense_Dense1, ...
const uids: Record<string, number> = {};
export function nextUid(prefix: string): number {
  uids[prefix] = (uids[prefix] ?? 0) + 1;
  return uids[prefix];
}

/** Whether `x` looks like a Layer (an object with the methods a model calls). */
export function isLayer(x: unknown): x is Layer {
  if (typeof x !== 'object' || x === null) return false;
  const l = x as Record<string, unknown>;
  return typeof l.className === 'string' && typeof l.name === 'string'
    && ['weightSpecs', 'build', 'computeOutputShape', 'call', 'apply', 'getConfig', 'getWeights', 'setWeights', 'dispose'].every((m) => typeof l[m] === 'function');
}

/** `[null,8]`: a shape as Keras summaries print it. */
export function formatShape(shape: SymbolicShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

/** A context for eager use: weights read from `values` when given, else their current values. */
export function eagerContext(training: boolean, values?: ReadonlyMap<Variable, Tensor>): CallContext {
  return {
    training,
    read: (v) => values?.get(v) ?? v.value,
    update: () => {},
  };
}

/** Checks each weight against its variable's shape and dtype; the error names the weight. */
export function checkWeightShapes(op: string, vars: readonly Variable[], weights: readonly unknown[], offset: number): void {
  vars.forEach((v, i) => {
    const w = weights[i] as Tensor;
    if (!w || typeof w !== 'object' || !Array.isArray((w as { shape?: unknown }).shape)) throw argError(op, `weights[${offset + i}] (${v.name})`, 'a Tensor', w);
    w.assertAlive(op, `weights[${offset + i}]`);
    const same = w.shape.length === v.shape.length && w.shape.every((d, j) => d === v.shape[j]);
    if (!same || w.dtype !== v.dtype) {
      throw new WebgradError(`${op}: weight ${offset + i} ('${v.name}') must have shape ${shapeString(v.shape)} (${v.dtype}), got ${shapeString(w.shape)} (${w.dtype}).`);
    }
  });
}

function sameSizes(a: SymbolicShape, b: SymbolicShape): boolean {
  return a.length === b.length && a.every((d, i) => i === 0 || d === b[i]);
}

/** The parts every layer shares; a layer adds its shapes, its computation and its config. */
export abstract class BaseLayer implements Layer {
  abstract readonly className: string;
  name: string;
  batchInputShape?: SymbolicShape;
  private _trainable: boolean;
  private inputShapeBuilt: SymbolicShape | null = null;
  /** Weights in creation order, with their short names and whether they are trainable by declaration. */
  private created: { variable: Variable; short: string; trainable: boolean }[] = [];

  /** `op` names the layer factory in messages; `prefix` the default name (dense_Dense1). */
  protected constructor(op: string, prefix: string, args: BaseLayerArgs) {
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) throw argError(op, 'name', 'a non-empty string', args.name);
    if (args.trainable !== undefined && typeof args.trainable !== 'boolean') throw argError(op, 'trainable', 'a boolean', args.trainable);
    this.name = args.name ?? `${prefix}${nextUid(prefix)}`;
    this._trainable = args.trainable ?? true;
    const dims = (arg: string, s: readonly unknown[], from: number): number[] => s.slice(from).map((d, i) => {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw argError(op, `${arg}[${from + i}]`, 'a positive integer', d);
      return d;
    });
    if (args.batchInputShape !== undefined) {
      const s = args.batchInputShape;
      if (!Array.isArray(s) || s.length < 2) throw argError(op, 'batchInputShape', '[batchSize or null, ...shape of one sample]', s);
      const b = s[0];
      if (b !== null && (typeof b !== 'number' || !Number.isInteger(b) || b < 1)) throw argError(op, 'batchInputShape[0]', 'null or a positive integer', b);
      this.batchInputShape = [b, ...dims('batchInputShape', s, 1)];
    } else if (args.inputShape !== undefined) {
      const s = args.inputShape;
      if (!Array.isArray(s) || s.length < 1) throw argError(op, 'inputShape', 'the shape of one sample, e.g. [features]', s);
      this.batchInputShape = [null, ...dims('inputShape', s, 0)];
    }
  }

  abstract weightSpecs(inputShape: SymbolicShape): WeightSpec[];
  abstract computeOutputShape(inputShape: SymbolicShape): SymbolicShape;
  abstract call(x: Tensor, ctx: CallContext): Tensor;
  abstract getConfig(): LayerConfig;

  get built(): boolean {
    return this.inputShapeBuilt !== null;
  }

  get builtInputShape(): SymbolicShape | null {
    return this.inputShapeBuilt ? [...this.inputShapeBuilt] : null;
  }

  get trainable(): boolean {
    return this._trainable;
  }
  set trainable(t: boolean) {
    this._trainable = t;
    for (const w of this.created) if (w.trainable) w.variable.trainable = t;
  }

  /** The part of getConfig() every layer writes. */
  protected baseConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, trainable: this._trainable };
    if (this.batchInputShape) {
      config.batchInputShape = [...this.batchInputShape];
      config.dtype = 'float32';
    }
    return config;
  }

  /** How an input shape reads in messages ('5 input features' for [null, 5]). */
  protected describeInput(shape: SymbolicShape): string {
    return shape.length === 2 ? `${shape[1]} input features` : `input shape ${formatShape(shape)}`;
  }

  build(inputShape: SymbolicShape): void {
    const shape: SymbolicShape = [null, ...inputShape.slice(1)];
    if (this.inputShapeBuilt) {
      if (!sameSizes(this.inputShapeBuilt, shape)) {
        throw new WebgradError(`${this.name}: built for ${this.describeInput(this.inputShapeBuilt)}, cannot take ${this.describeInput(shape)}.`);
      }
      return;
    }
    // Checks the shape (and refuses too large weights) before anything is allocated.
    const specs = this.weightSpecs(shape);
    const made: { variable: Variable; short: string; trainable: boolean }[] = [];
    try {
      for (const s of specs) {
        const trainable = s.trainable ?? true;
        const init = s.initializer.apply(s.shape);
        made.push({ variable: new Variable(init, `${this.name}/${s.name}`, trainable && this._trainable), short: s.name, trainable });
        init.dispose();
      }
    } catch (e) {
      for (const m of made) m.variable.dispose();
      throw e;
    }
    this.created = made;
    this.inputShapeBuilt = shape;
  }

  /** The weight created from the spec named `name` (after build). */
  protected weight(name: string): Variable | null {
    return this.created.find((w) => w.short === name)?.variable ?? null;
  }

  apply(x: Tensor, args: ApplyArgs = {}): Tensor {
    this.build([null, ...x.shape.slice(1)]);
    return this.call(x, eagerContext(args.training ?? false));
  }

  get weights(): Variable[] {
    return this.created.map((w) => w.variable);
  }

  get trainableWeights(): Variable[] {
    return this.weights.filter((v) => v.trainable);
  }

  get nonTrainableWeights(): Variable[] {
    return this.weights.filter((v) => !v.trainable);
  }

  countParams(): number {
    return this.created.reduce((n, w) => n + w.variable.shape.reduce((a, b) => a * b, 1), 0);
  }

  getWeights(): Tensor[] {
    return this.weights.map((v) => reshape(v.value, v.shape));
  }

  setWeights(weights: Tensor[]): void {
    const vars = this.weights;
    if (!Array.isArray(weights)) throw argError(`${this.name}.setWeights`, 'weights', 'an array of tensors', weights);
    if (!this.built) throw new WebgradError(`${this.name}.setWeights: the layer has no weights yet (it is built when it first sees an input; give it an inputShape).`);
    if (weights.length !== vars.length) {
      throw new WebgradError(`${this.name}.setWeights: expected ${vars.length} weights (${vars.map((v) => `${v.name} ${shapeString(v.shape)}`).join(', ')}), got ${weights.length}.`);
    }
    checkWeightShapes(`${this.name}.setWeights`, vars, weights, 0);
    vars.forEach((v, i) => v.assign(weights[i]));
  }

  dispose(): void {
    for (const v of this.weights) v.dispose();
  }
}
