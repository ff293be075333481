// Pooling layers over NHWC inputs — tfjs-layers' MaxPooling2D,
// AveragePooling2D (poolSize, strides defaulting to poolSize, padding) and
// GlobalAveragePooling2D (mean over height and width). No weights.
import { argError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { avgPool, maxPool } from '../ops/pool.js';
import { mean } from '../ops/reduce.js';
import { checkChannelsLast, imageShape, layerPadding, outSize, sizePair, type LayerPadding } from './conv_args.js';
import { BaseLayer, type BaseLayerArgs, type LayerConfig, type SymbolicShape, type WeightSpec } from './layer.js';

export interface Pooling2DLayerArgs extends BaseLayerArgs {
  /** Default 2. */
  poolSize?: number | [number, number];
  /** Default: poolSize. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: LayerPadding;
  dataFormat?: 'channelsLast';
}

export interface Pooling2DConfig extends LayerConfig {
  poolSize: [number, number];
  padding: LayerPadding;
  strides: [number, number];
  dataFormat: 'channelsLast';
}

abstract class Pooling2D extends BaseLayer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: LayerPadding;

  protected constructor(op: string, prefix: string, args: Pooling2DLayerArgs) {
    const a = args ?? {};
    if (typeof a !== 'object') throw argError(op, 'args', 'an object like { poolSize: 2 }', args);
    super(op, prefix, a);
    this.poolSize = sizePair(op, 'poolSize', a.poolSize ?? 2);
    this.strides = a.strides === undefined || a.strides === null ? [...this.poolSize] : sizePair(op, 'strides', a.strides);
    this.padding = layerPadding(op, a.padding);
    checkChannelsLast(op, a.dataFormat);
  }

  weightSpecs(inputShape: SymbolicShape): WeightSpec[] {
    this.computeOutputShape(inputShape);
    return [];
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const [h, w, c] = imageShape(this.name, inputShape);
    const oh = outSize(h, this.poolSize[0], this.strides[0], 1, this.padding);
    const ow = outSize(w, this.poolSize[1], this.strides[1], 1, this.padding);
    if (oh < 1 || ow < 1) throw argError(this.name, 'poolSize', `a window that fits the ${h}x${w} input (or padding 'same')`, this.poolSize);
    return [inputShape[0], oh, ow, c];
  }

  getConfig(): Pooling2DConfig {
    return { ...this.baseConfig(), poolSize: [...this.poolSize], padding: this.padding, strides: [...this.strides], dataFormat: 'channelsLast' };
  }
}

export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  constructor(args: Pooling2DLayerArgs = {}) {
    super('maxPooling2d', 'max_pooling2d_MaxPooling2D', args);
  }
  call(x: Tensor): Tensor {
    return maxPool(x, this.poolSize, this.strides, this.padding);
  }
}

export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  constructor(args: Pooling2DLayerArgs = {}) {
    super('averagePooling2d', 'average_pooling2d_AveragePooling2D', args);
  }
  call(x: Tensor): Tensor {
    return avgPool(x, this.poolSize, this.strides, this.padding);
  }
}

export interface GlobalPooling2DConfig extends LayerConfig {
  dataFormat: 'channelsLast';
}

export class GlobalAveragePooling2D extends BaseLayer {
  readonly className = 'GlobalAveragePooling2D';
  constructor(args: BaseLayerArgs & { dataFormat?: 'channelsLast'; keepDims?: boolean } = {}) {
    const op = 'globalAveragePooling2d';
    super(op, 'global_average_pooling2d_GlobalAveragePooling2D', args ?? {});
    checkChannelsLast(op, args?.dataFormat);
    if (args?.keepDims !== undefined && args.keepDims !== false) throw argError(op, 'keepDims', 'false (the result is [batch, channels])', args.keepDims);
  }
  weightSpecs(inputShape: SymbolicShape): WeightSpec[] {
    imageShape(this.name, inputShape);
    return [];
  }
  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const [, , c] = imageShape(this.name, inputShape);
    return [inputShape[0], c];
  }
  call(x: Tensor): Tensor {
    return mean(x, [1, 2]);
  }
  getConfig(): GlobalPooling2DConfig {
    return { ...this.baseConfig(), dataFormat: 'channelsLast' };
  }
}

/** webgrad.layers.maxPooling2d(args) (TF.js: tf.layers.maxPooling2d). */
export const maxPooling2d = (args: Pooling2DLayerArgs = {}): MaxPooling2D => new MaxPooling2D(args);
/** webgrad.layers.averagePooling2d(args) (TF.js: tf.layers.averagePooling2d). */
export const averagePooling2d = (args: Pooling2DLayerArgs = {}): AveragePooling2D => new AveragePooling2D(args);
/** webgrad.layers.globalAveragePooling2d(args) (TF.js: tf.layers.globalAveragePooling2d). */
export const globalAveragePooling2d = (args: BaseLayerArgs = {}): GlobalAveragePooling2D => new GlobalAveragePooling2D(args);

function poolArgs(config: Record<string, unknown>): Pooling2DLayerArgs {
  return {
    poolSize: (config.poolSize ?? 2) as [number, number],
    strides: (config.strides ?? undefined) as [number, number] | undefined,
    padding: (config.padding ?? 'valid') as LayerPadding,
    dataFormat: (config.dataFormat ?? undefined) as 'channelsLast' | undefined,
    name: config.name as string | undefined,
    trainable: (config.trainable ?? true) as boolean,
    batchInputShape: (config.batchInputShape ?? undefined) as (number | null)[] | undefined,
  };
}

export const maxPooling2dFromConfig = (config: Record<string, unknown>): MaxPooling2D => new MaxPooling2D(poolArgs(config));
export const averagePooling2dFromConfig = (config: Record<string, unknown>): AveragePooling2D => new AveragePooling2D(poolArgs(config));
export const globalAveragePooling2dFromConfig = (config: Record<string, unknown>): GlobalAveragePooling2D => new GlobalAveragePooling2D({
  dataFormat: (config.dataFormat ?? undefined) as 'channelsLast' | undefined,
  keepDims: (config.keepdims ?? config.keepDims ?? undefined) as boolean | undefined,
  name: config.name as string | undefined,
  trainable: (config.trainable ?? true) as boolean,
  batchInputShape: (config.batchInputShape ?? undefined) as (number | null)[] | undefined,
});
