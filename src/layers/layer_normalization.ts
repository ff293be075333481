// LayerNormalization (TF.js: tf.layers.layerNormalization, Keras class
// 'LayerNormalization'): each sample is normalized over `axis` (default the
// last) to mean 0 and variance 1, then scaled by gamma and shifted by beta,
// weights with the sizes of the normalized axes:
//   y = (x - mean) / sqrt(variance + epsilon) * gamma + beta.
// Written with the mean reduction and elementwise ops, so its gradient comes
// from autodiff; the batch axis cannot be normalized over (per sample only).
import { argError, WebgradError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { add, div, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { reshape } from '../ops/shape_ops.js';
import { getInitializer, type Initializer, type InitializerConfig, type InitializerIdentifier } from './initializers.js';
import { BaseLayer, formatShape, type BaseLayerArgs, type CallContext, type LayerConfig, type SymbolicShape, type WeightSpec } from './layer.js';

export interface LayerNormalizationLayerArgs extends BaseLayerArgs {
  /** Axis or axes to normalize over (negative from the end; default -1). Not the batch axis 0. */
  axis?: number | number[];
  /** Added to the variance before the square root (default 1e-3, as TF.js). */
  epsilon?: number;
  /** Whether to add the learned offset beta (default true). */
  center?: boolean;
  /** Whether to multiply by the learned scale gamma (default true). */
  scale?: boolean;
  betaInitializer?: InitializerIdentifier | Initializer;
  gammaInitializer?: InitializerIdentifier | Initializer;
}

export interface LayerNormalizationConfig extends LayerConfig {
  axis: number | number[];
  epsilon: number;
  center: boolean;
  scale: boolean;
  betaInitializer: InitializerConfig;
  gammaInitializer: InitializerConfig;
  betaRegularizer: null;
  gammaRegularizer: null;
}

export class LayerNormalization extends BaseLayer {
  readonly className = 'LayerNormalization';
  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializerObj: Initializer;
  readonly gammaInitializerObj: Initializer;

  constructor(args: LayerNormalizationLayerArgs = {}) {
    const op = 'layerNormalization';
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { axis: -1 }', args);
    const axis = args.axis ?? -1;
    const axes = typeof axis === 'number' ? [axis] : axis;
    if (!Array.isArray(axes) || axes.length === 0 || !axes.every((a) => Number.isInteger(a)) || new Set(axes).size !== axes.length) {
      throw argError(op, 'axis', 'an integer or a non-empty array of distinct integers', axis);
    }
    const epsilon = args.epsilon ?? 1e-3;
    if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) throw argError(op, 'epsilon', 'a positive finite number', epsilon);
    for (const k of ['center', 'scale'] as const) {
      if (args[k] !== undefined && typeof args[k] !== 'boolean') throw argError(op, k, 'a boolean', args[k]);
    }
    const beta = getInitializer(op, 'betaInitializer', args.betaInitializer ?? 'zeros');
    const gamma = getInitializer(op, 'gammaInitializer', args.gammaInitializer ?? 'ones');
    super(op, 'layer_normalization_LayerNormalization', args);
    this.axis = typeof axis === 'number' ? axis : [...axis];
    this.epsilon = epsilon;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializerObj = beta;
    this.gammaInitializerObj = gamma;
  }

  /** The normalized axes for inputs of rank `rank`, non-negative and sorted. */
  private axesFor(rank: number, shape: SymbolicShape): number[] {
    const axes = (typeof this.axis === 'number' ? [this.axis] : this.axis).map((a) => (a < 0 ? a + rank : a));
    if (axes.some((a) => a < 1 || a >= rank) || new Set(axes).size !== axes.length) {
      throw new WebgradError(`${this.name}: axis ${JSON.stringify(this.axis)} does not name distinct axes of a sample of input shape ${formatShape(shape)} (the batch axis 0 cannot be normalized over).`);
    }
    return axes.sort((a, b) => a - b);
  }

  weightSpecs(inputShape: SymbolicShape): WeightSpec[] {
    const axes = this.axesFor(inputShape.length, inputShape);
    const shape = axes.map((a) => inputShape[a]);
    if (shape.some((d) => d === null)) throw new WebgradError(`${this.name}: the normalized axes of input shape ${formatShape(inputShape)} must have known sizes.`);
    const specs: WeightSpec[] = [];
    if (this.scale) specs.push({ name: 'gamma', shape: shape as number[], initializer: this.gammaInitializerObj });
    if (this.center) specs.push({ name: 'beta', shape: shape as number[], initializer: this.betaInitializerObj });
    return specs;
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    this.axesFor(inputShape.length, inputShape);
    return [...inputShape];
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    const axes = this.axesFor(x.rank, [null, ...x.shape.slice(1)]);
    const mu = mean(x, axes, true);
    const centered = sub(x, mu);
    const variance = mean(square(centered), axes, true);
    let y = div(centered, sqrt(add(variance, this.epsilon)));
    // gamma and beta have the normalized axes' sizes; size 1 elsewhere lines them up.
    const broadcast = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    const gamma = this.weight('gamma');
    const beta = this.weight('beta');
    if (gamma) y = mul(y, reshape(ctx.read(gamma), broadcast));
    if (beta) y = add(y, reshape(ctx.read(beta), broadcast));
    return y;
  }

  getConfig(): LayerNormalizationConfig {
    return {
      ...this.baseConfig(),
      axis: typeof this.axis === 'number' ? this.axis : [...this.axis],
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: this.betaInitializerObj.serialize(),
      gammaInitializer: this.gammaInitializerObj.serialize(),
      betaRegularizer: null,
      gammaRegularizer: null,
    };
  }
}

/** webgrad.layers.layerNormalization(args) (TF.js: tf.layers.layerNormalization). */
export const layerNormalization = (args: LayerNormalizationLayerArgs = {}): LayerNormalization => new LayerNormalization(args);

export const layerNormalizationFromConfig = (config: Record<string, unknown>): LayerNormalization => new LayerNormalization({
  axis: (config.axis ?? -1) as number | number[],
  epsilon: (config.epsilon ?? 1e-3) as number,
  center: (config.center ?? true) as boolean,
  scale: (config.scale ?? true) as boolean,
  betaInitializer: (config.betaInitializer ?? 'zeros') as never,
  gammaInitializer: (config.gammaInitializer ?? 'ones') as never,
  name: config.name as string | undefined,
  trainable: (config.trainable ?? true) as boolean,
  batchInputShape: (config.batchInputShape ?? undefined) as (number | null)[] | undefined,
});
