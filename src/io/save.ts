// model.save(): a Sequential model → TensorFlow.js Layers artifacts (Keras
// topology JSON + float32 weights) → an io handler. Layers are read through
// the Layer interface: their class, config and weights.
import { WebgradError, argError, isArray } from '../core/errors.js';
import type { Layer } from '../layers/layer.js';
import { saveHandlerFor } from './handlers.js';
import { WEBGRAD_VERSION, sequentialTopology } from './topology.js';
import type { IOHandler, ModelArtifacts, SaveConfig, SaveResult } from './types.js';
import { encodeWeights, type NamedWeight } from './weights.js';

/** What saving needs of a model (src/layers/sequential.ts' Sequential). */
export interface SaveableModel {
  name: string;
  layers: readonly Layer[];
}

export const LAYERS_MODEL_FORMAT = 'layers-model';

function checkConfig(op: string, config: unknown): SaveConfig {
  if (config === undefined || config === null) return {};
  if (typeof config !== 'object' || Array.isArray(config)) throw argError(op, 'config', 'an object like { trainableOnly: true }', config);
  const c = config as SaveConfig;
  for (const k of Object.keys(c)) {
    if (k !== 'trainableOnly' && k !== 'includeOptimizer') throw new WebgradError(`${op}: unknown option '${k}' in config (known: trainableOnly, includeOptimizer).`);
  }
  if (c.includeOptimizer) throw new WebgradError(`${op}: includeOptimizer is not supported; webgrad saves the topology and weights only.`);
  return c;
}

/** The artifacts model.save() hands to an io handler. */
export async function modelArtifacts(model: SaveableModel, config: SaveConfig = {}, op = `${model.name}.save`): Promise<ModelArtifacts> {
  if (!model || !isArray(model.layers)) throw argError(op, 'model', 'a webgrad Sequential model', model);
  if (model.layers.length === 0) throw new WebgradError(`${op}: the model has no layers.`);
  const unbuilt = model.layers.find((l) => !l.built);
  if (unbuilt) {
    throw new WebgradError(`${op}: layer '${unbuilt.name}' has no weights yet; give the first layer an inputShape (or fit/predict once) before saving.`);
  }
  const named: NamedWeight[] = [];
  for (const l of model.layers) {
    for (const v of l.weights) {
      if (config.trainableOnly && !v.trainable) continue;
      // TF.js names saved weights <layer name>/<weight name> (dense_1/kernel).
      const name = `${l.name}/${v.name.slice(v.name.lastIndexOf('/') + 1)}`;
      const values = await v.data();
      named.push({ name, shape: v.shape, values: values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>) });
    }
  }
  const { specs, data } = encodeWeights(named);
  return {
    modelTopology: sequentialTopology(model.name, model.layers),
    format: LAYERS_MODEL_FORMAT,
    generatedBy: `webgrad v${WEBGRAD_VERSION}`,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  };
}

/**
 * Saves `model` (TF.js: model.save): to 'file://folder' in Node,
 * 'downloads://name' or 'indexeddb://name' in a browser, an http(s) URL, or
 * any { save(artifacts) } handler.
 */
export async function saveModel(model: SaveableModel, handlerOrUrl: string | IOHandler, config?: unknown): Promise<SaveResult> {
  const op = `${model?.name ?? 'model'}.save`;
  let handler: IOHandler;
  if (typeof handlerOrUrl === 'string') handler = saveHandlerFor(handlerOrUrl, op);
  else if (typeof handlerOrUrl === 'object' && handlerOrUrl !== null && typeof handlerOrUrl.save === 'function') handler = handlerOrUrl;
  else throw argError(op, 'handlerOrURL', "a URL ('file://folder', 'indexeddb://name', 'downloads://name', http(s)://...) or an IOHandler with a save method", handlerOrUrl);
  const artifacts = await modelArtifacts(model, checkConfig(op, config), op);
  return handler.save!(artifacts);
}
