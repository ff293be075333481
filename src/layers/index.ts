// webgrad.layers (TensorFlow.js: tf.layers) and the model classes.
export { BaseLayer, type Layer, type CallContext, type LayerConfig, type WeightSpec, type SymbolicShape, type ApplyArgs, type BaseLayerArgs } from './layer.js';
export { Dense, dense, denseFromConfig, type DenseLayerArgs, type DenseConfig } from './dense.js';
export { Flatten, flatten } from './flatten.js';
export { Reshape, reshape, type ReshapeLayerArgs } from './reshape.js';
export { Activation, activation, type ActivationLayerArgs } from './activation_layer.js';
export { Embedding, embedding, type EmbeddingLayerArgs, type EmbeddingConfig } from './embedding.js';
export { LayerNormalization, layerNormalization, type LayerNormalizationLayerArgs, type LayerNormalizationConfig } from './layer_normalization.js';
export { Dropout, dropout, type DropoutLayerArgs, type DropoutConfig } from './dropout.js';
export { BatchNormalization, batchNormalization, type BatchNormalizationLayerArgs, type BatchNormalizationConfig } from './batch_normalization.js';
export { Conv2D, conv2d, conv2dFromConfig, type Conv2DLayerArgs, type Conv2DConfig } from './conv2d.js';
export {
  MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, maxPooling2d, averagePooling2d, globalAveragePooling2d,
  type Pooling2DLayerArgs, type Pooling2DConfig, type GlobalPooling2DConfig,
} from './pooling.js';
export { registerLayerClass, type LayerFactory } from './registry.js';
export { Sequential, sequential, sequentialFromConfig, type SequentialArgs, type SequentialConfig, type ModelCompileArgs, type ModelFitArgs, type ModelEvaluateArgs, type ModelPredictArgs, type History } from './sequential.js';
export { ACTIVATION_NAMES, type ActivationIdentifier } from './activations.js';
export { LOSS_NAMES, METRIC_NAMES, type LossFn, type MetricFn, type LossIdentifier, type MetricIdentifier } from './losses_metrics.js';
export type { DataLike } from './data.js';
