// Dense (fully connected) layer: y = activation(x W + b), kernel W
// [inputs, units], bias b [units] — tfjs-layers' Dense, for 2-D inputs
// [batch, features].
import { WebgradError, argError, shapeString } from '../core/errors.js';
import { checkSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import { add } from '../ops/elementwise.js';
import { matMul } from '../ops/matmul.js';
import { reshape } from '../ops/shape_ops.js';
import { applyActivation, checkActivation, type ActivationIdentifier } from './activations.js';
import { getInitializer, initializerName, type Initializer, type InitializerConfig, type InitializerIdentifier } from './initializers.js';

export interface DenseLayerArgs {
  /** Output width. */
  units: number;
  /** Activation name (default 'linear'). */
  activation?: ActivationIdentifier;
  useBias?: boolean;
  /** Shape of one sample, [features] (first layer only). */
  inputShape?: number[];
  /** [batch or null, features] (first layer only). */
  batchInputShape?: (number | null)[];
  /** Same as inputShape [inputDim]. */
  inputDim?: number;
  kernelInitializer?: InitializerIdentifier | Initializer;
  biasInitializer?: InitializerIdentifier | Initializer;
  name?: string;
  trainable?: boolean;
}

/** Dense config as tfjs-layers' Dense.getConfig() writes it. */
export interface DenseConfig {
  units: number;
  activation: string;
  useBias: boolean;
  kernelInitializer: InitializerConfig;
  biasInitializer: InitializerConfig;
  kernelRegularizer: null;
  biasRegularizer: null;
  activityRegularizer: null;
  kernelConstraint: null;
  biasConstraint: null;
  name: string;
  trainable: boolean;
  batchInputShape?: (number | null)[];
  dtype?: 'float32';
}

// tfjs-layers names layers <snake_case class>_<Class><n>: dense_Dense1, ...
const uids: Record<string, number> = {};
export function nextUid(prefix: string): number {
  uids[prefix] = (uids[prefix] ?? 0) + 1;
  return uids[prefix];
}

function positiveInt(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw argError(op, arg, 'a positive integer', v);
  return v;
}

export class Dense {
  readonly className = 'Dense';
  name: string;
  readonly units: number;
  readonly activation: ActivationIdentifier;
  readonly useBias: boolean;
  /** Input features; set once built. */
  inputDim: number | null = null;
  /** [null, features] when the layer was given its input shape. */
  batchInputShape?: (number | null)[];
  readonly kernelInitializerObj: Initializer;
  readonly biasInitializerObj: Initializer;
  /** Kernel [inputDim, units]; set once built. */
  kernel!: Variable;
  bias: Variable | null = null;
  private _trainable: boolean;

  constructor(args: DenseLayerArgs) {
    const op = 'dense';
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { units: 8 }', args);
    this.units = positiveInt(op, 'units', args.units);
    checkSize(op, "argument 'units' (the bias' shape)", [this.units]);
    this.activation = checkActivation(op, args.activation);
    if (args.useBias !== undefined && typeof args.useBias !== 'boolean') throw argError(op, 'useBias', 'a boolean', args.useBias);
    this.useBias = args.useBias ?? true;
    this.kernelInitializerObj = getInitializer(op, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializerObj = getInitializer(op, 'biasInitializer', args.biasInitializer ?? 'zeros');
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) throw argError(op, 'name', 'a non-empty string', args.name);
    this.name = args.name ?? `dense_Dense${nextUid('Dense')}`;
    this._trainable = args.trainable ?? true;
    let inDim: number | undefined;
    if (args.batchInputShape !== undefined) {
      const s = args.batchInputShape;
      if (!Array.isArray(s) || s.length !== 2) throw argError(op, 'batchInputShape', '[batchSize or null, features] (Dense takes 2-D inputs)', s);
      inDim = positiveInt(op, 'batchInputShape[1]', s[1]);
    } else if (args.inputShape !== undefined) {
      const s = args.inputShape;
      if (!Array.isArray(s) || s.length !== 1) throw argError(op, 'inputShape', '[features] (Dense takes 2-D inputs [batch, features])', s);
      inDim = positiveInt(op, 'inputShape[0]', s[0]);
    } else if (args.inputDim !== undefined) {
      inDim = positiveInt(op, 'inputDim', args.inputDim);
    }
    if (inDim !== undefined) {
      checkSize(op, 'the kernel of shape', [inDim, this.units]);
      const b = args.batchInputShape?.[0];
      this.batchInputShape = [typeof b === 'number' ? b : null, inDim];
    }
  }

  get kernelInitializer(): string {
    return initializerName(this.kernelInitializerObj);
  }
  get biasInitializer(): string {
    return initializerName(this.biasInitializerObj);
  }

  get built(): boolean {
    return this.inputDim !== null;
  }

  get trainable(): boolean {
    return this._trainable;
  }
  set trainable(t: boolean) {
    this._trainable = t;
    if (this.built) {
      this.kernel.trainable = t;
      if (this.bias) this.bias.trainable = t;
    }
  }

  /** Creates the weights for `inputDim` input features (no-op when built with the same width). */
  build(inputDim: number): void {
    if (this.built) {
      if (inputDim !== this.inputDim) throw new WebgradError(`${this.name}: built for ${this.inputDim} input features, cannot take ${inputDim}.`);
      return;
    }
    positiveInt(this.name, 'inputDim', inputDim);
    // Refused before the initializer allocates anything.
    checkSize(this.name, 'the kernel of shape', [inputDim, this.units]);
    const k = this.kernelInitializerObj.apply([inputDim, this.units]);
    this.kernel = new Variable(k, `${this.name}/kernel`, this._trainable);
    k.dispose();
    if (this.useBias) {
      const b = this.biasInitializerObj.apply([this.units]);
      this.bias = new Variable(b, `${this.name}/bias`, this._trainable);
      b.dispose();
    }
    this.inputDim = inputDim;
  }

  /** The weight variables: [kernel, bias?]. */
  get weights(): Variable[] {
    if (!this.built) return [];
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  countParams(): number {
    return this.built ? this.inputDim! * this.units + (this.useBias ? this.units : 0) : 0;
  }

  /** Records the layer on `x` with the given weight values (kernel, bias?). */
  callWith(x: Tensor, kernel: Tensor, bias: Tensor | null): Tensor {
    let z = matMul(x, kernel);
    if (bias) z = add(z, bias);
    return applyActivation(this.activation, z);
  }

  /** Records the layer on `x` with its current weights. */
  apply(x: Tensor): Tensor {
    if (x.rank !== 2) throw new WebgradError(`${this.name}: expected a 2-D input [batch, features], got shape ${shapeString(x.shape)}.`);
    this.build(x.shape[1]);
    if (x.shape[1] !== this.inputDim) throw new WebgradError(`${this.name}: expected ${this.inputDim} input features, got shape ${shapeString(x.shape)}.`);
    return this.callWith(x, this.kernel.value, this.bias ? this.bias.value : null);
  }

  /** Copies of the current weights: [kernel, bias?] (the caller owns them). */
  getWeights(): Tensor[] {
    return this.weights.map((v) => reshape(v.value, v.shape));
  }

  /** Replaces the weights with values of the same shapes: [kernel, bias?]. */
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

  getConfig(): DenseConfig {
    const config: DenseConfig = {
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializerObj.serialize(),
      biasInitializer: this.biasInitializerObj.serialize(),
      kernelRegularizer: null,
      biasRegularizer: null,
      activityRegularizer: null,
      kernelConstraint: null,
      biasConstraint: null,
      name: this.name,
      trainable: this._trainable,
    };
    if (this.batchInputShape) {
      config.batchInputShape = [...this.batchInputShape];
      config.dtype = 'float32';
    }
    return config;
  }

  dispose(): void {
    for (const v of this.weights) v.dispose();
  }
}

/** Checks each weight against its variable's shape and dtype; the error names the weight. */
export function checkWeightShapes(op: string, vars: readonly Variable[], weights: readonly unknown[], offset: number): void {
  vars.forEach((v, i) => {
    const w = weights[i] as Tensor;
    if (!w || typeof w !== 'object' || !Array.isArray((w as Tensor).shape)) throw argError(op, `weights[${offset + i}] (${v.name})`, 'a Tensor', w);
    w.assertAlive(op, `weights[${offset + i}]`);
    const same = w.shape.length === v.shape.length && w.shape.every((d, j) => d === v.shape[j]);
    if (!same || w.dtype !== v.dtype) {
      throw new WebgradError(`${op}: weight ${offset + i} ('${v.name}') must have shape ${shapeString(v.shape)} (${v.dtype}), got ${shapeString(w.shape)} (${w.dtype}).`);
    }
  });
}

/** webgrad.layers.dense(args) (TF.js: tf.layers.dense). */
export function dense(args: DenseLayerArgs): Dense {
  return new Dense(args);
}

/** Rebuilds a Dense layer from getConfig()'s output (TF.js layer config). */
export function denseFromConfig(config: Omit<Partial<DenseConfig>, 'activation'> & { units: number; activation?: string | { className?: string } | null }): Dense {
  if (typeof config !== 'object' || config === null) throw argError('denseFromConfig', 'config', 'a Dense config object', config);
  const a = config.activation;
  const act = typeof a === 'object' && a !== null ? a.className : a;
  return new Dense({
    units: config.units,
    activation: (act ?? 'linear') as ActivationIdentifier,
    useBias: config.useBias ?? true,
    kernelInitializer: (config.kernelInitializer ?? 'glorotUniform') as never,
    biasInitializer: (config.biasInitializer ?? 'zeros') as never,
    name: config.name,
    trainable: config.trainable ?? true,
    batchInputShape: config.batchInputShape ?? undefined,
  });
}
