// Layer classes by Keras class name: how a model's layers are rebuilt from
// their configs (loadLayersModel, sequentialFromConfig). One line per layer
// class. The table imports each layer file, rather than each file
// registering itself when loaded, so that a bundler cannot drop a layer
// class that only a saved model names (the package is marked free of side
// effects).
import { WebgradError } from '../core/errors.js';
import { activationFromConfig } from './activation_layer.js';
import { batchNormalizationFromConfig } from './batch_normalization.js';
import { conv2dFromConfig } from './conv2d.js';
import { denseFromConfig } from './dense.js';
import { dropoutFromConfig } from './dropout.js';
import { embeddingFromConfig } from './embedding.js';
import { flattenFromConfig } from './flatten.js';
import { layerNormalizationFromConfig } from './layer_normalization.js';
import { averagePooling2dFromConfig, globalAveragePooling2dFromConfig, maxPooling2dFromConfig } from './pooling.js';
import type { Layer } from './layer.js';
import { reshapeFromConfig } from './reshape.js';

/** Rebuilds a layer from its config as getConfig() writes it (camelCase keys, webgrad's names). */
export type LayerFactory = (config: Record<string, unknown>) => Layer;

const LAYER_CLASSES: Record<string, LayerFactory> = {
  Dense: (config) => denseFromConfig(config as Parameters<typeof denseFromConfig>[0]),
  Conv2D: conv2dFromConfig,
  MaxPooling2D: maxPooling2dFromConfig,
  AveragePooling2D: averagePooling2dFromConfig,
  GlobalAveragePooling2D: globalAveragePooling2dFromConfig,
  Flatten: flattenFromConfig,
  Reshape: reshapeFromConfig,
  Activation: activationFromConfig,
  Embedding: embeddingFromConfig,
  LayerNormalization: layerNormalizationFromConfig,
  Dropout: dropoutFromConfig,
  BatchNormalization: batchNormalizationFromConfig,
};

/**
 * Adds a layer class defined outside webgrad (a custom layer), so models
 * holding it save and load; webgrad's own layers are the lines above.
 */
export function registerLayerClass(className: string, fromConfig: LayerFactory): void {
  if (typeof className !== 'string' || className === '') throw new WebgradError(`registerLayerClass: argument 'className' must be a non-empty string, but got ${JSON.stringify(className)}.`);
  if (typeof fromConfig !== 'function') throw new WebgradError(`registerLayerClass: argument 'fromConfig' must be a function (config) => Layer, but got ${typeof fromConfig}.`);
  if (isLayerClass(className)) throw new WebgradError(`registerLayerClass: a layer class named '${className}' is already registered.`);
  LAYER_CLASSES[className] = fromConfig;
}

/** Class names of every layer a model can hold ('Dense', ...). */
export function layerClassNames(): string[] {
  return Object.keys(LAYER_CLASSES);
}

export function isLayerClass(className: unknown): className is string {
  return typeof className === 'string' && Object.prototype.hasOwnProperty.call(LAYER_CLASSES, className);
}

/** The layer of class `className` built from `config`; `op` names the caller in messages. */
export function layerFromConfig(op: string, className: unknown, config: Record<string, unknown>): Layer {
  if (!isLayerClass(className)) {
    throw new WebgradError(`${op}: layer class '${String(className)}' is not supported; supported classes: ${layerClassNames().map((n) => `'${n}'`).join(', ')}.`);
  }
  return LAYER_CLASSES[className](config);
}
