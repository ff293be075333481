// Embedding: integer indices [batch, ...] -> vectors [batch, ..., outputDim],
// row i of the table `embeddings` [inputDim, outputDim] for index i (TF.js:
// tf.layers.embedding, Keras class 'Embedding'). Indices may come as int32 or
// as floats holding integers (what model inputs are); floats are truncated.
// Built on the gather op, whose gradient scatters into the table. An index
// outside [0, inputDim) is an error on the CPU backend; a WebGPU kernel
// clamps it into range (src/ops/gather.ts), as checking would need a read back.
import { argError, WebgradError } from '../core/errors.js';
import { checkSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { gather } from '../ops/gather.js';
import { cast } from '../ops/shape_ops.js';
import { getInitializer, type Initializer, type InitializerConfig, type InitializerIdentifier } from './initializers.js';
import { BaseLayer, type BaseLayerArgs, type CallContext, type LayerConfig, type SymbolicShape, type WeightSpec } from './layer.js';

export interface EmbeddingLayerArgs extends BaseLayerArgs {
  /** Number of distinct indices (the vocabulary size): indices are in [0, inputDim). */
  inputDim: number;
  /** Length of each vector. */
  outputDim: number;
  /** Initializer of the table (default 'randomUniform', in [-0.05, 0.05]). */
  embeddingsInitializer?: InitializerIdentifier | Initializer;
  /** Masking is not supported: only false (the default) is accepted. */
  maskZero?: boolean;
  /** Length of the index sequences, when fixed: the first layer's input shape [inputLength]. */
  inputLength?: number;
}

export interface EmbeddingConfig extends LayerConfig {
  inputDim: number;
  outputDim: number;
  embeddingsInitializer: InitializerConfig;
  embeddingsRegularizer: null;
  activityRegularizer: null;
  embeddingsConstraint: null;
  maskZero: boolean;
  inputLength: number | null;
}

function positiveInt(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw argError(op, arg, 'a positive integer', v);
  return v;
}

export class Embedding extends BaseLayer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly inputLength: number | null;
  readonly embeddingsInitializerObj: Initializer;

  constructor(args: EmbeddingLayerArgs) {
    const op = 'embedding';
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { inputDim: 1000, outputDim: 16 }', args);
    const inputDim = positiveInt(op, 'inputDim', args.inputDim);
    const outputDim = positiveInt(op, 'outputDim', args.outputDim);
    checkSize(op, 'the embeddings table of shape', [inputDim, outputDim]);
    if (args.maskZero !== undefined && args.maskZero !== false) {
      throw argError(op, 'maskZero', 'false (webgrad layers do not propagate masks; drop padding index 0 from the loss instead)', args.maskZero);
    }
    const inputLength = args.inputLength === undefined || args.inputLength === null ? null : positiveInt(op, 'inputLength', args.inputLength);
    const init = getInitializer(op, 'embeddingsInitializer', args.embeddingsInitializer ?? 'randomUniform');
    const shapeGiven = args.inputShape !== undefined || args.batchInputShape !== undefined;
    super(op, 'embedding_Embedding', shapeGiven || inputLength === null ? args : { ...args, batchInputShape: [null, inputLength] });
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.inputLength = inputLength;
    this.embeddingsInitializerObj = init;
  }

  /** The table [inputDim, outputDim]; set once built. */
  get embeddings(): Variable {
    const e = this.weight('embeddings');
    if (!e) throw new WebgradError(`${this.name}: the layer has no embeddings yet (it is built when it first sees an input; give it an inputShape or inputLength).`);
    return e;
  }

  weightSpecs(inputShape: SymbolicShape): WeightSpec[] {
    this.computeOutputShape(inputShape);
    return [{ name: 'embeddings', shape: [this.inputDim, this.outputDim], initializer: this.embeddingsInitializerObj }];
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (this.inputLength !== null && inputShape.length === 2 && inputShape[1] !== null && inputShape[1] !== this.inputLength) {
      throw new WebgradError(`${this.name}: inputLength is ${this.inputLength}, but the input has sequences of length ${inputShape[1]}.`);
    }
    return [...inputShape, this.outputDim];
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    const indices = x.dtype === 'int32' ? x : cast(x, 'int32');
    return gather(ctx.read(this.embeddings), indices, 0);
  }

  getConfig(): EmbeddingConfig {
    return {
      ...this.baseConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: this.embeddingsInitializerObj.serialize(),
      embeddingsRegularizer: null,
      activityRegularizer: null,
      embeddingsConstraint: null,
      maskZero: false,
      inputLength: this.inputLength,
    };
  }
}

/** webgrad.layers.embedding(args) (TF.js: tf.layers.embedding). */
export const embedding = (args: EmbeddingLayerArgs): Embedding => new Embedding(args);

export const embeddingFromConfig = (config: Record<string, unknown>): Embedding => new Embedding({
  inputDim: config.inputDim as number,
  outputDim: config.outputDim as number,
  embeddingsInitializer: (config.embeddingsInitializer ?? 'randomUniform') as never,
  maskZero: (config.maskZero ?? false) as boolean,
  inputLength: (config.inputLength ?? undefined) as number | undefined,
  name: config.name as string | undefined,
  trainable: (config.trainable ?? true) as boolean,
  batchInputShape: (config.batchInputShape ?? undefined) as (number | null)[] | undefined,
});
