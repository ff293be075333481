// Dense (fully connected) layer: y = activation(x W + b), kernel W
// [inputs, units], bias b [units] — tfjs-layers' Dense, for 2-D inputs
// [batch, features]. Implements Layer (src/layers/layer.ts).
import { WebgradError, argError, shapeString } from '../core/errors.js';
import { checkSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { add } from '../ops/elementwise.js';
import { matMul } from '../ops/matmul.js';
import { applyActivation, checkActivation, type ActivationIdentifier } from './activations.js';
import { getInitializer, initializerName, type Initializer, type InitializerConfig, type InitializerIdentifier } from './initializers.js';
import { BaseLayer, formatShape, type ApplyArgs, type CallContext, type LayerConfig, type SymbolicShape, type WeightSpec } from './layer.js';

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
export interface DenseConfig extends LayerConfig {
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

function positiveInt(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw argError(op, arg, 'a positive integer', v);
  return v;
}

export class Dense extends BaseLayer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationIdentifier;
  readonly useBias: boolean;
  readonly kernelInitializerObj: Initializer;
  readonly biasInitializerObj: Initializer;

  constructor(args: DenseLayerArgs) {
    const op = 'dense';
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { units: 8 }', args);
    const units = positiveInt(op, 'units', args.units);
    checkSize(op, "argument 'units' (the bias' shape)", [units]);
    const activation = checkActivation(op, args.activation);
    if (args.useBias !== undefined && typeof args.useBias !== 'boolean') throw argError(op, 'useBias', 'a boolean', args.useBias);
    const kernelInitializer = getInitializer(op, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
    const biasInitializer = getInitializer(op, 'biasInitializer', args.biasInitializer ?? 'zeros');
    // Dense checks its input shape arguments itself (2-D inputs only).
    super(op, 'dense_Dense', { name: args.name, trainable: args.trainable });
    this.units = units;
    this.activation = activation;
    this.useBias = args.useBias ?? true;
    this.kernelInitializerObj = kernelInitializer;
    this.biasInitializerObj = biasInitializer;
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

  /** Input features; null until built. */
  get inputDim(): number | null {
    return (this.builtInputShape?.[1] as number | undefined) ?? null;
  }

  /** Kernel [inputDim, units]; set once built. */
  get kernel(): Variable {
    const k = this.weight('kernel');
    if (!k) throw new WebgradError(`${this.name}: the layer has no kernel yet (it is built when it first sees an input; give it an inputShape).`);
    return k;
  }

  /** Bias [units], or null without one (or before build). */
  get bias(): Variable | null {
    return this.weight('bias');
  }

  /** Kernel [features, units] and bias [units] for 2-D inputs [batch, features]. */
  weightSpecs(inputShape: SymbolicShape): WeightSpec[] {
    if (inputShape.length !== 2) throw new WebgradError(`${this.name}: expected a 2-D input [batch, features], got shape ${formatShape(inputShape)}.`);
    const inputDim = positiveInt(this.name, 'inputDim', inputShape[1]);
    // Refused before the initializer allocates anything.
    checkSize(this.name, 'the kernel of shape', [inputDim, this.units]);
    const specs: WeightSpec[] = [{ name: 'kernel', shape: [inputDim, this.units], initializer: this.kernelInitializerObj }];
    if (this.useBias) specs.push({ name: 'bias', shape: [this.units], initializer: this.biasInitializerObj });
    return specs;
  }

  /** Creates the weights for `input` features (a number, or a shape [null, features]); a no-op when built for that width. */
  override build(input: number | SymbolicShape): void {
    super.build(typeof input === 'number' ? [null, input] : input);
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    return this.callWith(x, ctx.read(this.kernel), this.bias ? ctx.read(this.bias) : null);
  }

  /** Records the layer on `x` with the given weight values (kernel, bias?). */
  callWith(x: Tensor, kernel: Tensor, bias: Tensor | null): Tensor {
    let z = matMul(x, kernel);
    if (bias) z = add(z, bias);
    return applyActivation(this.activation, z);
  }

  /** Records the layer on `x` with its current weights (built on first use). */
  override apply(x: Tensor, args: ApplyArgs = {}): Tensor {
    if (x.rank !== 2) throw new WebgradError(`${this.name}: expected a 2-D input [batch, features], got shape ${shapeString(x.shape)}.`);
    return super.apply(x, args);
  }

  getConfig(): DenseConfig {
    const { name, trainable, batchInputShape, dtype } = this.baseConfig();
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
      name,
      trainable,
    };
    if (batchInputShape) {
      config.batchInputShape = batchInputShape;
      config.dtype = dtype;
    }
    return config;
  }
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
