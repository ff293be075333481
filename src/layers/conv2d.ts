// Conv2D layer: y = activation(conv2d(x, kernel) + bias) over NHWC inputs,
// kernel [kernelH, kernelW, inChannels, filters], bias [filters] —
// tfjs-layers' Conv2D (channels last). Implements Layer (layer.ts).
import { argError, WebgradError } from '../core/errors.js';
import { checkSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { conv2d as conv2dOp } from '../ops/conv.js';
import { add } from '../ops/elementwise.js';
import { applyActivation, checkActivation, type ActivationIdentifier } from './activations.js';
import { checkChannelsLast, imageShape, layerPadding, outSize, sizePair, type LayerPadding } from './conv_args.js';
import { getInitializer, type Initializer, type InitializerConfig, type InitializerIdentifier } from './initializers.js';
import { BaseLayer, formatShape, type BaseLayerArgs, type CallContext, type LayerConfig, type SymbolicShape, type WeightSpec } from './layer.js';

export interface Conv2DLayerArgs extends BaseLayerArgs {
  /** Output channels. */
  filters: number;
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: LayerPadding;
  /** Only 'channelsLast' (NHWC). */
  dataFormat?: 'channelsLast';
  /** Default 1. */
  dilationRate?: number | [number, number];
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier | Initializer;
  biasInitializer?: InitializerIdentifier | Initializer;
}

/** Conv2D config as tfjs-layers' Conv2D.getConfig() writes it. */
export interface Conv2DConfig extends LayerConfig {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: LayerPadding;
  dataFormat: 'channelsLast';
  dilationRate: [number, number];
  activation: string;
  useBias: boolean;
  kernelInitializer: InitializerConfig;
  biasInitializer: InitializerConfig;
  kernelRegularizer: null;
  biasRegularizer: null;
  activityRegularizer: null;
  kernelConstraint: null;
  biasConstraint: null;
}

export class Conv2D extends BaseLayer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: LayerPadding;
  readonly dilationRate: [number, number];
  readonly activation: ActivationIdentifier;
  readonly useBias: boolean;
  readonly kernelInitializerObj: Initializer;
  readonly biasInitializerObj: Initializer;

  constructor(args: Conv2DLayerArgs) {
    const op = 'conv2d';
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { filters: 8, kernelSize: 3 }', args);
    super(op, 'conv2d_Conv2D', args);
    const filters = args.filters;
    if (typeof filters !== 'number' || !Number.isInteger(filters) || filters < 1) throw argError(op, 'filters', 'a positive integer', filters);
    this.filters = filters;
    this.kernelSize = sizePair(op, 'kernelSize', args.kernelSize);
    this.strides = sizePair(op, 'strides', args.strides ?? 1);
    this.padding = layerPadding(op, args.padding);
    this.dilationRate = sizePair(op, 'dilationRate', args.dilationRate ?? 1);
    checkChannelsLast(op, args.dataFormat);
    this.activation = checkActivation(op, args.activation);
    if (args.useBias !== undefined && typeof args.useBias !== 'boolean') throw argError(op, 'useBias', 'a boolean', args.useBias);
    this.useBias = args.useBias ?? true;
    this.kernelInitializerObj = getInitializer(op, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializerObj = getInitializer(op, 'biasInitializer', args.biasInitializer ?? 'zeros');
  }

  private get kernel(): Variable {
    const k = this.weight('kernel');
    if (!k) throw new WebgradError(`${this.name}: the layer is not built yet.`);
    return k;
  }

  weightSpecs(inputShape: SymbolicShape): WeightSpec[] {
    const [h, w, c] = imageShape(this.name, inputShape);
    const [kh, kw] = this.kernelSize;
    if (this.padding === 'valid' && ((kh - 1) * this.dilationRate[0] + 1 > h || (kw - 1) * this.dilationRate[1] + 1 > w)) {
      throw new WebgradError(`${this.name}: the kernel ${kh}x${kw} is larger than the input ${h}x${w} (input shape ${formatShape(inputShape)}); use padding 'same'.`);
    }
    checkSize(this.name, 'the kernel of shape', [kh, kw, c, this.filters]);
    const specs: WeightSpec[] = [{ name: 'kernel', shape: [kh, kw, c, this.filters], initializer: this.kernelInitializerObj }];
    if (this.useBias) specs.push({ name: 'bias', shape: [this.filters], initializer: this.biasInitializerObj });
    return specs;
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const [h, w] = imageShape(this.name, inputShape);
    const oh = outSize(h, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding);
    const ow = outSize(w, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding);
    return [inputShape[0], oh, ow, this.filters];
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    let z = conv2dOp(x, ctx.read(this.kernel), this.strides, this.padding, 'NHWC', this.dilationRate);
    const bias = this.weight('bias');
    if (bias) z = add(z, ctx.read(bias));
    return applyActivation(this.activation, z);
  }

  getConfig(): Conv2DConfig {
    return {
      ...this.baseConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: [...this.dilationRate],
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializerObj.serialize(),
      biasInitializer: this.biasInitializerObj.serialize(),
      kernelRegularizer: null,
      biasRegularizer: null,
      activityRegularizer: null,
      kernelConstraint: null,
      biasConstraint: null,
    };
  }
}

/** webgrad.layers.conv2d(args) (TF.js: tf.layers.conv2d). */
export function conv2d(args: Conv2DLayerArgs): Conv2D {
  return new Conv2D(args);
}

/** Rebuilds a Conv2D layer from its config (TF.js layer config, camelCase). */
export function conv2dFromConfig(config: Record<string, unknown>): Conv2D {
  const a = config.activation;
  const act = typeof a === 'object' && a !== null ? (a as { className?: string }).className : a;
  return new Conv2D({
    filters: config.filters as number,
    kernelSize: config.kernelSize as [number, number],
    strides: (config.strides ?? 1) as [number, number],
    padding: (config.padding ?? 'valid') as LayerPadding,
    dataFormat: (config.dataFormat ?? undefined) as 'channelsLast' | undefined,
    dilationRate: (config.dilationRate ?? 1) as [number, number],
    activation: (act ?? 'linear') as ActivationIdentifier,
    useBias: (config.useBias ?? true) as boolean,
    kernelInitializer: (config.kernelInitializer ?? 'glorotUniform') as never,
    biasInitializer: (config.biasInitializer ?? 'zeros') as never,
    name: config.name as string | undefined,
    trainable: (config.trainable ?? true) as boolean,
    batchInputShape: (config.batchInputShape ?? undefined) as (number | null)[] | undefined,
  });
}
