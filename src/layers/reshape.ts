// Reshape: [batch, ...] -> [batch, ...targetShape] (TF.js: tf.layers.reshape).
// One size of targetShape may be -1, inferred from the others; row-major, so
// it matches TensorFlow.js' layer value for value.
import { argError, WebgradError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { reshape as reshapeOp } from '../ops/shape_ops.js';
import { BaseLayer, type BaseLayerArgs, type LayerConfig, type SymbolicShape, type WeightSpec } from './layer.js';

export interface ReshapeLayerArgs extends BaseLayerArgs {
  /** The shape of one sample after the layer; one entry may be -1. */
  targetShape: number[];
}

export class Reshape extends BaseLayer {
  readonly className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: ReshapeLayerArgs) {
    const op = 'reshape';
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { targetShape: [4, 4] }', args);
    super(op, 'reshape_Reshape', args);
    const t: unknown = args.targetShape;
    if (!Array.isArray(t) || t.length === 0 || !t.every((d) => Number.isInteger(d) && ((d as number) > 0 || d === -1)) || t.filter((d) => d === -1).length > 1) {
      throw argError(op, 'targetShape', 'a non-empty array of positive integers with at most one -1', t);
    }
    this.targetShape = [...(t as number[])];
  }
  weightSpecs(inputShape: SymbolicShape): WeightSpec[] {
    this.computeOutputShape(inputShape);
    return [];
  }
  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const rest = inputShape.slice(1);
    if (rest.some((d) => d === null)) return [inputShape[0], ...this.targetShape.map((d) => (d === -1 ? null : d))];
    const size = (rest as number[]).reduce((a, d) => a * d, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
    const free = this.targetShape.includes(-1);
    if (free ? size % known !== 0 : size !== known) {
      throw new WebgradError(`${this.name}: cannot reshape a sample of shape [${rest.join(', ')}] (${size} values) to targetShape [${this.targetShape.join(', ')}].`);
    }
    return [inputShape[0], ...this.targetShape.map((d) => (d === -1 ? size / known : d))];
  }
  call(x: Tensor): Tensor {
    return reshapeOp(x, [x.shape[0], ...this.targetShape]);
  }
  getConfig(): LayerConfig & { targetShape: number[] } {
    return { ...this.baseConfig(), targetShape: [...this.targetShape] };
  }
}

/** webgrad.layers.reshape({ targetShape }) (TF.js: tf.layers.reshape). */
export const reshape = (args: ReshapeLayerArgs): Reshape => new Reshape(args);

export const reshapeFromConfig = (config: Record<string, unknown>): Reshape => new Reshape({
  targetShape: config.targetShape as number[],
  name: config.name as string | undefined,
  trainable: (config.trainable ?? true) as boolean,
  batchInputShape: (config.batchInputShape ?? undefined) as (number | null)[] | undefined,
});
