// Flatten: [batch, d1, d2, ...] -> [batch, d1 * d2 * ...], the bridge from
// convolution and pooling layers to Dense ones (TF.js: tf.layers.flatten).
// Row-major, as channels-last data is laid out, so the weights of a Dense
// layer after it line up with TensorFlow.js'.
import { WebgradError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { reshape } from '../ops/shape_ops.js';
import { BaseLayer, type BaseLayerArgs, type LayerConfig, type SymbolicShape, type WeightSpec } from './layer.js';

export class Flatten extends BaseLayer {
  readonly className = 'Flatten';
  constructor(args: BaseLayerArgs = {}) {
    super('flatten', 'flatten_Flatten', args ?? {});
  }
  weightSpecs(inputShape: SymbolicShape): WeightSpec[] {
    this.computeOutputShape(inputShape);
    return [];
  }
  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const rest = inputShape.slice(1);
    if (rest.length === 0) throw new WebgradError(`${this.name}: a Flatten layer needs inputs with at least one dimension after the batch, got shape [${inputShape.join(', ')}].`);
    if (rest.some((d) => d === null)) return [inputShape[0], null];
    return [inputShape[0], rest.reduce<number>((a, d) => a * (d as number), 1)];
  }
  call(x: Tensor): Tensor {
    return reshape(x, [x.shape[0], -1]);
  }
  getConfig(): LayerConfig & { dataFormat: 'channelsLast' } {
    return { ...this.baseConfig(), dataFormat: 'channelsLast' };
  }
}

/** webgrad.layers.flatten(args) (TF.js: tf.layers.flatten). */
export const flatten = (args: BaseLayerArgs = {}): Flatten => new Flatten(args);

export const flattenFromConfig = (config: Record<string, unknown>): Flatten => {
  if (config.dataFormat !== undefined && config.dataFormat !== null && config.dataFormat !== 'channelsLast') {
    throw new WebgradError(`Flatten layer '${String(config.name)}': dataFormat ${JSON.stringify(config.dataFormat)} is not supported; webgrad is channels last.`);
  }
  return new Flatten({
    name: config.name as string | undefined,
    trainable: (config.trainable ?? true) as boolean,
    batchInputShape: (config.batchInputShape ?? undefined) as (number | null)[] | undefined,
  });
};
