// BatchNormalization (TF.js: tf.layers.batchNormalization): normalizes each
// feature along `axis`. While training, with the batch's mean and (biased)
// variance over every other axis, and moves the moving statistics towards
// them: moving - (moving - batch) * (1 - momentum), as TF.js does, through
// CallContext.update (applied when the compiled step completes). Otherwise,
// with the moving statistics. Weights, in TF.js' order: gamma and beta
// (trainable, when scale / center), moving_mean and moving_variance.
import { WebgradError, argError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { batchNorm } from '../ops/batch_norm.js';
import { mul, square, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { reshape } from '../ops/shape_ops.js';
import { getInitializer, type Initializer, type InitializerConfig, type InitializerIdentifier } from './initializers.js';
import { BaseLayer, formatShape, type BaseLayerArgs, type CallContext, type LayerConfig, type SymbolicShape, type WeightSpec } from './layer.js';

export interface BatchNormalizationLayerArgs extends BaseLayerArgs {
  /** The feature axis, normalized on its own (default -1, the last; not the batch axis 0). */
  axis?: number;
  /** Weight of the old value in the moving averages (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Learn an offset beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  betaInitializer?: InitializerIdentifier | Initializer;
  gammaInitializer?: InitializerIdentifier | Initializer;
  movingMeanInitializer?: InitializerIdentifier | Initializer;
  movingVarianceInitializer?: InitializerIdentifier | Initializer;
}

/** BatchNormalization config as tfjs-layers' getConfig() writes it. */
export interface BatchNormalizationConfig extends LayerConfig {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  betaInitializer: InitializerConfig;
  gammaInitializer: InitializerConfig;
  movingMeanInitializer: InitializerConfig;
  movingVarianceInitializer: InitializerConfig;
  betaRegularizer: null;
  gammaRegularizer: null;
  betaConstraint: null;
  gammaConstraint: null;
}

function finite(op: string, arg: string, v: unknown, dflt: number, ok: (x: number) => boolean, expected: string): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw argError(op, arg, expected, v);
  return v;
}

function flag(op: string, arg: string, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v !== 'boolean') throw argError(op, arg, 'a boolean', v);
  return v;
}

export class BatchNormalization extends BaseLayer {
  readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;

  constructor(args: BatchNormalizationLayerArgs = {}) {
    const op = 'batchNormalization';
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { axis: -1 }', args);
    const axis = args.axis ?? -1;
    if (typeof axis !== 'number' || !Number.isInteger(axis) || axis === 0) throw argError(op, 'axis', 'a non-zero integer (a feature axis; -1 is the last, 0 is the batch)', axis);
    const momentum = finite(op, 'momentum', args.momentum, 0.99, (m) => m >= 0 && m <= 1, 'a number in [0, 1]');
    const epsilon = finite(op, 'epsilon', args.epsilon, 1e-3, (e) => e >= 0, 'a number >= 0');
    const center = flag(op, 'center', args.center);
    const scale = flag(op, 'scale', args.scale);
    const beta = getInitializer(op, 'betaInitializer', args.betaInitializer ?? 'zeros');
    const gamma = getInitializer(op, 'gammaInitializer', args.gammaInitializer ?? 'ones');
    const movingMean = getInitializer(op, 'movingMeanInitializer', args.movingMeanInitializer ?? 'zeros');
    const movingVariance = getInitializer(op, 'movingVarianceInitializer', args.movingVarianceInitializer ?? 'ones');
    super(op, 'batch_normalization_BatchNormalization', args);
    this.axis = axis;
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
    this.betaInitializer = beta;
    this.gammaInitializer = gamma;
    this.movingMeanInitializer = movingMean;
    this.movingVarianceInitializer = movingVariance;
  }

  /** The axis as a non-negative index into a shape of `rank`, checked. */
  private resolvedAxis(shape: Readonly<SymbolicShape>): number {
    const a = this.axis < 0 ? this.axis + shape.length : this.axis;
    if (a < 1 || a >= shape.length) {
      throw argError(this.name, 'axis', `a feature axis of inputs of shape ${formatShape([...shape])} (in [1, ${shape.length - 1}] or [-${shape.length - 1}, -1])`, this.axis);
    }
    return a;
  }

  weightSpecs(inputShape: SymbolicShape): WeightSpec[] {
    const dim = inputShape[this.resolvedAxis(inputShape)];
    if (dim === null) throw new WebgradError(`${this.name}: axis ${this.axis} of the input shape ${formatShape(inputShape)} must have a known size.`);
    const shape = [dim];
    const specs: WeightSpec[] = [];
    // Creation order is TF.js' weight order: trainable (gamma, beta), then the moving statistics.
    if (this.scale) specs.push({ name: 'gamma', shape, initializer: this.gammaInitializer });
    if (this.center) specs.push({ name: 'beta', shape, initializer: this.betaInitializer });
    specs.push({ name: 'moving_mean', shape, initializer: this.movingMeanInitializer, trainable: false });
    specs.push({ name: 'moving_variance', shape, initializer: this.movingVarianceInitializer, trainable: false });
    return specs;
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    this.resolvedAxis(inputShape);
    return [...inputShape];
  }

  private need(name: string): Variable {
    const v = this.weight(name);
    if (!v) throw new WebgradError(`${this.name}: the layer has no weight '${name}' yet (it is built when it first sees an input).`);
    return v;
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    const axis = this.resolvedAxis(x.shape);
    const dim = x.shape[axis];
    // [1, ..., dim, ..., 1]: the per-feature vectors broadcast along `axis`.
    const along = x.shape.map((_, i) => (i === axis ? dim : 1));
    const bcast = (v: Tensor): Tensor => reshape(v, along);
    const gamma = this.scale ? bcast(ctx.read(this.need('gamma'))) : undefined;
    const beta = this.center ? bcast(ctx.read(this.need('beta'))) : undefined;
    const movingMean = this.need('moving_mean');
    const movingVariance = this.need('moving_variance');
    if (!ctx.training) {
      return batchNorm(x, bcast(ctx.read(movingMean)), bcast(ctx.read(movingVariance)), beta, gamma, this.epsilon);
    }
    const axes = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const m = mean(x, axes, true);
    const v = mean(square(sub(x, m)), axes, true);
    const decay = 1 - this.momentum;
    const moved = (w: Variable, batch: Tensor): Tensor => {
      const old = ctx.read(w);
      return sub(old, mul(sub(old, reshape(batch, [dim])), decay));
    };
    ctx.update(movingMean, moved(movingMean, m));
    ctx.update(movingVariance, moved(movingVariance, v));
    return batchNorm(x, m, v, beta, gamma, this.epsilon);
  }

  getConfig(): BatchNormalizationConfig {
    return {
      ...this.baseConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: this.betaInitializer.serialize(),
      gammaInitializer: this.gammaInitializer.serialize(),
      movingMeanInitializer: this.movingMeanInitializer.serialize(),
      movingVarianceInitializer: this.movingVarianceInitializer.serialize(),
      betaRegularizer: null,
      gammaRegularizer: null,
      betaConstraint: null,
      gammaConstraint: null,
    };
  }
}

/** webgrad.layers.batchNormalization(args) (TF.js: tf.layers.batchNormalization). */
export const batchNormalization = (args: BatchNormalizationLayerArgs = {}): BatchNormalization => new BatchNormalization(args);

export function batchNormalizationFromConfig(config: Record<string, unknown>): BatchNormalization {
  for (const k of ['betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint']) {
    if (config[k] !== undefined && config[k] !== null) throw new WebgradError(`BatchNormalization layer '${String(config.name)}': ${k} is not supported by webgrad.`);
  }
  const init = (k: string, dflt: string): InitializerIdentifier | Initializer => (config[k] ?? dflt) as InitializerIdentifier;
  return new BatchNormalization({
    axis: (config.axis ?? undefined) as number | undefined,
    momentum: (config.momentum ?? undefined) as number | undefined,
    epsilon: (config.epsilon ?? undefined) as number | undefined,
    center: (config.center ?? undefined) as boolean | undefined,
    scale: (config.scale ?? undefined) as boolean | undefined,
    betaInitializer: init('betaInitializer', 'zeros'),
    gammaInitializer: init('gammaInitializer', 'ones'),
    movingMeanInitializer: init('movingMeanInitializer', 'zeros'),
    movingVarianceInitializer: init('movingVarianceInitializer', 'ones'),
    name: config.name as string | undefined,
    trainable: (config.trainable ?? true) as boolean,
    batchInputShape: (config.batchInputShape ?? undefined) as (number | null)[] | undefined,
  });
}
