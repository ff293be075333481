// Dropout (TF.js: tf.layers.dropout): while training, sets inputs to 0 with
// probability `rate` and scales the rest by 1 / (1 - rate); otherwise the
// identity. The mask is computed in the kernel from the element index, the
// layer's seed and a step counter (CallContext.step) that compiled training
// steps advance on the device, so every step draws a new mask with nothing
// uploaded, and a fixed seed makes training reproducible.
import { argError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { checkRate, dropoutWithStep, resolveNoiseShape, seedWord } from '../ops/dropout.js';
import { reshape } from '../ops/shape_ops.js';
import { BaseLayer, formatShape, type BaseLayerArgs, type CallContext, type LayerConfig, type SymbolicShape, type WeightSpec } from './layer.js';

export interface DropoutLayerArgs extends BaseLayerArgs {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
  /**
   * The mask's shape, broadcast over the input ([batch, ...]): each size the
   * input's or 1; null takes the input's size (e.g. [null, 1, 1, c] drops
   * whole channels of an image). Default: the input's shape.
   */
  noiseShape?: (number | null)[];
  /** Seed of the masks (integers modulo 2^24); default a random one per layer. */
  seed?: number;
}

/** Dropout config as tfjs-layers' Dropout.getConfig() writes it. */
export interface DropoutConfig extends LayerConfig {
  rate: number;
  noiseShape: (number | null)[] | null;
  seed: number | null;
}

export class Dropout extends BaseLayer {
  readonly className = 'Dropout';
  readonly stochastic = true;
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  /** The generator's key word: the seed, or a random one drawn once for the layer. */
  private readonly key: number;
  /** Eager training calls so far (apply({ training: true })): their step number. */
  private eagerCalls = 0;

  constructor(args: DropoutLayerArgs) {
    const op = 'dropout';
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { rate: 0.5 }', args);
    const rate = checkRate(op, args.rate);
    const ns: unknown = args.noiseShape;
    if (ns !== undefined && ns !== null && (!Array.isArray(ns) || !ns.every((d) => d === null || (Number.isInteger(d) && (d as number) >= 1)))) {
      throw argError(op, 'noiseShape', 'an array of positive integers or null (null: the input\'s size)', ns);
    }
    if (args.seed !== undefined && args.seed !== null && (typeof args.seed !== 'number' || !Number.isFinite(args.seed))) throw argError(op, 'seed', 'a finite number', args.seed);
    super(op, 'dropout_Dropout', args);
    this.rate = rate;
    this.noiseShape = Array.isArray(ns) ? [...(ns as (number | null)[])] : null;
    this.seed = args.seed ?? null;
    this.key = seedWord(op, this.seed ?? undefined);
  }

  weightSpecs(inputShape: SymbolicShape): WeightSpec[] {
    this.computeOutputShape(inputShape);
    return [];
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const ns = this.noiseShape;
    if (ns && (ns.length !== inputShape.length || ns.some((d, i) => d !== null && d !== 1 && inputShape[i] !== null && d !== inputShape[i]))) {
      throw argError(this.name, 'noiseShape', `sizes that broadcast over the input shape ${formatShape(inputShape)}`, ns);
    }
    return [...inputShape];
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    if (!ctx.training || this.rate === 0) return reshape(x, x.shape);
    const noise = resolveNoiseShape(this.name, x.shape, this.noiseShape?.map((d) => d ?? -1));
    const step = ctx.step ?? this.eagerCalls++;
    return dropoutWithStep(this.name, x, this.rate, noise, this.key, step);
  }

  getConfig(): DropoutConfig {
    return { ...this.baseConfig(), rate: this.rate, noiseShape: this.noiseShape ? [...this.noiseShape] : null, seed: this.seed };
  }
}

/** webgrad.layers.dropout({ rate, noiseShape?, seed? }) (TF.js: tf.layers.dropout). */
export const dropout = (args: DropoutLayerArgs): Dropout => new Dropout(args);

export const dropoutFromConfig = (config: Record<string, unknown>): Dropout => new Dropout({
  rate: config.rate as number,
  noiseShape: (config.noiseShape ?? undefined) as (number | null)[] | undefined,
  seed: (config.seed ?? undefined) as number | undefined,
  name: config.name as string | undefined,
  trainable: (config.trainable ?? true) as boolean,
  batchInputShape: (config.batchInputShape ?? undefined) as (number | null)[] | undefined,
});
