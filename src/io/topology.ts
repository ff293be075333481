// Model topology in the Keras / TensorFlow.js Layers JSON format:
//   { class_name: 'Sequential', config: { name, layers: [{ class_name, config }] },
//     keras_version, backend }
// with snake_case keys, as tfjs-layers' model.toJSON() writes it. This file
// turns a webgrad Sequential into that JSON and reads such JSON (written by
// TF.js, by Keras through tensorflowjs_converter, or by webgrad) into a list
// of layer classes and configs in webgrad's terms, checking everything
// webgrad cannot represent. Layers are written and read through their
// getConfig() and the layer registry (src/layers/registry.ts); what is
// specific here is Keras compatibility: ReLU, LeakyReLU and Softmax layers
// folded into the layer before them (an Activation layer is a layer of its
// own), Keras' names for activations and initializers.
import { WebgradError } from '../core/errors.js';
import { ELEMENTWISE_ACTIVATIONS, LEAKY_RELU_ALPHA, findOpDef, opDef } from '../kernels/elementwise_table.js';
import { isLayerClass, layerClassNames } from '../layers/registry.js';
import { MAX_JSON_DEPTH, preview } from './json_guard.js';

export const WEBGRAD_VERSION = '0.1.0';

// ---- name conversion (same rules as tfjs-layers' serialization utils) ----

export function toSnakeCase(name: string): string {
  const s = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return s.startsWith('_') ? `private${s}` : s;
}

export function toCamelCase(name: string): string {
  if (name.length <= 1 || !name.includes('_')) return name;
  return name.replace(/[_]+(\w|$)/g, (_m, c: string) => c.toUpperCase());
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** camelCase config → Keras (snake_case keys and string values; 'name'/'className' values kept). */
export function toPythonic(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return toSnakeCase(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => toPythonic(v));
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[toSnakeCase(k)] = (k === 'name' || k === 'className') && typeof v === 'string' ? v : toPythonic(v);
  }
  return out;
}

/**
 * Keras config → camelCase (keys and string values; 'name' values kept).
 * Loading checks nesting first (checkNesting); the depth bound here keeps
 * any other caller from overflowing the stack.
 */
export function fromPythonic(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return toCamelCase(value);
  if (typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) throw new WebgradError(`a Keras config is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  if (Array.isArray(value)) return value.map((v) => fromPythonic(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[toCamelCase(k)] = k === 'name' && typeof v === 'string' ? v : fromPythonic(v, depth + 1);
  }
  return out;
}

// ---- webgrad → JSON ----

/** What this module needs of a layer (src/layers/layer.ts' Layer). */
export interface TopologyLayer {
  name: string;
  className: string;
  getConfig(): object;
}


/** The Keras topology JSON for a Sequential model. */
export function sequentialTopology(name: string, layers: readonly TopologyLayer[]): Record<string, Json> {
  const out: Json[] = [];
  for (const l of layers) {
    const config = { ...l.getConfig() } as Record<string, unknown>;
    if (config.activation === 'leakyRelu') {
      // TF.js and Keras have no 'leakyRelu' activation string: write the
      // layer with a linear activation followed by a LeakyReLU layer with
      // webgrad's slope (folded back into one layer on load).
      config.activation = 'linear';
      out.push({ class_name: l.className, config: toPythonic(config) });
      out.push({
        class_name: 'LeakyReLU',
        config: { alpha: LEAKY_RELU_ALPHA, name: `${l.name}_leaky_relu`, trainable: config.trainable !== false, dtype: 'float32' },
      });
    } else {
      // The Keras name of a table activation (the first of its row's names).
      const row = typeof config.activation === 'string' ? findOpDef(config.activation) : undefined;
      if (row?.activation?.keras.length) config.activation = row.activation.keras[0];
      out.push({ class_name: l.className, config: toPythonic(config) });
    }
  }
  return {
    class_name: 'Sequential',
    config: { name, layers: out },
    keras_version: `webgrad ${WEBGRAD_VERSION}`,
    backend: 'webgrad',
  };
}

// ---- JSON → description ----

/** A layer as read from a topology: its class and its config in webgrad's terms (camelCase keys and names). */
export interface LayerSpec {
  className: string;
  config: Record<string, unknown> & { name: string; trainable: boolean };
  /** "<source>: layer <i> ('<name>', <class>)", for messages. */
  where: string;
}

export interface SequentialSpec {
  name?: string;
  layers: LayerSpec[];
  /** [batch or null, features] of the model's input, when the topology says. */
  inputShape: (number | null)[] | null;
}

/** Layer classes folded into the layer before them (webgrad has activations, not these layers). */
const FOLDED = ['ReLU', 'LeakyReLU', 'Softmax'];

function supported(): string {
  return `only ${layerClassNames().join(', ')} layers are supported (plus an InputLayer first, and ${FOLDED.slice(0, -1).join(', ')} or ${FOLDED[FOLDED.length - 1]} layers directly after a layer with a linear activation, which are folded into it)`;
}

/** Keras / TF.js activation names (snake_case) → webgrad's: from the elementwise table's activation rows. */
const ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  ...Object.fromEntries(ELEMENTWISE_ACTIVATIONS.flatMap((name) => (opDef(name).activation?.keras ?? []).map((k) => [k, name]))),
  softmax: 'softmax',
};

function activationName(raw: unknown, where: string): string {
  let a = raw;
  if (a === null || a === undefined) return 'linear';
  if (typeof a === 'object') {
    // { class_name: 'relu', config } (TF.js object form) or Keras 3's
    // { module: 'keras.activations', class_name: 'function', config: 'relu' }.
    const o = a as Record<string, unknown>;
    a = typeof o.config === 'string' ? o.config : (o.class_name ?? o.className);
  }
  if (typeof a !== 'string') throw new WebgradError(`${where}: activation ${preview(raw)} is not an activation name.`);
  const key = toSnakeCase(toCamelCase(a));
  const mapped = Object.hasOwn(ACTIVATIONS, key) ? ACTIVATIONS[key] : undefined;
  if (!mapped) {
    const hint = key === 'leaky_relu' ? " (webgrad's leakyRelu uses slope 0.01; Keras' leaky_relu activation uses 0.2)" : '';
    throw new WebgradError(`${where}: activation '${a}' is not supported${hint}; supported: ${Object.keys(ACTIVATIONS).join(', ')}.`);
  }
  return mapped;
}

function dtypeOf(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'object') {
    // Keras 3: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } }
    const c = (raw as Record<string, unknown>).config as Record<string, unknown> | undefined;
    if (c && typeof c.name === 'string') return c.name;
  }
  return preview(raw);
}

function checkDtype(raw: unknown, where: string): void {
  const d = dtypeOf(raw);
  if (d !== null && d !== 'float32') throw new WebgradError(`${where}: dtype '${d}' is not supported; webgrad layers compute in float32.`);
}

/** Keys through which Keras gives a layer its input shape. */
const INPUT_SHAPE_KEYS = ['batch_input_shape', 'batch_shape', 'batchInputShape', 'input_shape', 'input_dim'];
/** An Embedding's input_dim is its vocabulary size, not an input shape. */
const EMBEDDING_SHAPE_KEYS = INPUT_SHAPE_KEYS.filter((k) => k !== 'input_dim');

function shapeKeys(cls: string): string[] {
  return cls === 'Embedding' ? EMBEDDING_SHAPE_KEYS : INPUT_SHAPE_KEYS;
}

function inputShapeOf(c: Record<string, unknown>, cls = ''): unknown {
  return c.batch_input_shape ?? c.batch_shape ?? c.batchInputShape ?? (c.input_shape !== undefined && c.input_shape !== null ? (Array.isArray(c.input_shape) ? [null, ...(c.input_shape as unknown[])] : c.input_shape) : undefined) ?? (typeof c.input_dim === 'number' && cls !== 'Embedding' ? [null, c.input_dim] : undefined);
}

function checkInputShape(raw: unknown, where: string, cls = ''): (number | null)[] {
  // [batch or null, ...positive sizes]: 2-D for Dense models, 4-D [batch, h, w, c] for image models.
  const sizesOk = Array.isArray(raw) && raw.length >= 2 && raw.slice(1).every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1);
  if (!sizesOk || !(raw[0] === null || typeof raw[0] === 'number')) {
    // TF.js writes [null, null] for an Embedding made without inputLength.
    const hint = cls === 'Embedding' ? ' (an Embedding needs its sequence length: make it with inputLength)' : '';
    throw new WebgradError(`${where}: input shape ${preview(raw)} is not supported; models take [batch, features] or [batch, height, width, channels] with known sizes${hint}.`);
  }
  return raw as (number | null)[];
}

function initializerOf(raw: unknown): { className: string; config: Record<string, unknown> } | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'string') return { className: toCamelCase(raw).replace(/^./, (c) => c.toUpperCase()), config: {} };
  if (typeof raw !== 'object') return undefined;
  const o = raw as Record<string, unknown>;
  const className = o.class_name ?? o.className;
  if (typeof className !== 'string') return undefined;
  const config = (fromPythonic(o.config ?? {}) ?? {}) as Record<string, unknown>;
  // Keras spells the non-truncated normal 'untruncated_normal'.
  if (config.distribution === 'untruncatedNormal') config.distribution = 'normal';
  return { className, config };
}

/**
 * A Keras layer config in webgrad's terms: camelCase keys and values,
 * activations and initializers under webgrad's names; the input shape and
 * dtype are handled by the caller.
 */
function layerConfig(c: Record<string, unknown>, name: string, where: string, cls: string): LayerSpec['config'] {
  const out: LayerSpec['config'] = { name, trainable: c.trainable !== false };
  const skip = shapeKeys(cls);
  for (const [k, v] of Object.entries(c)) {
    if (skip.includes(k) || k === 'dtype' || k === 'name' || k === 'trainable') continue;
    const key = toCamelCase(k);
    if (key === 'activation') out.activation = activationName(v, where);
    else if (key.endsWith('Initializer')) out[key] = initializerOf(v);
    else out[key] = fromPythonic(v);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a Keras / TF.js topology into layer classes and configs. `source`
 * names the file or handler, for messages.
 */
export function parseTopology(topology: unknown, source: string): SequentialSpec {
  if (!isObject(topology)) {
    throw new WebgradError(`${source}: 'modelTopology' must be a JSON object ({ class_name: 'Sequential', config }), got ${topology instanceof ArrayBuffer ? 'binary data (a TF.js graph model? webgrad loads layers models)' : preview(topology)}.`);
  }
  let top = topology;
  // Keras HDF5 → tfjs_layers_model topologies wrap the model in 'model_config'.
  if (isObject(top.model_config)) top = top.model_config;
  const className = top.class_name ?? top.className;
  if (className !== 'Sequential') {
    throw new WebgradError(`${source}: the model has class '${String(className)}'; webgrad loads only Sequential models (${supported()}).`);
  }
  const cfg = top.config;
  let rawLayers: unknown;
  let name: string | undefined;
  if (Array.isArray(cfg)) rawLayers = cfg; // old Keras form: config is the list of layers
  else if (isObject(cfg)) {
    rawLayers = cfg.layers;
    if (typeof cfg.name === 'string' && cfg.name !== '') name = cfg.name;
  }
  if (!Array.isArray(rawLayers)) throw new WebgradError(`${source}: the Sequential topology has no 'config.layers' list.`);

  const layers: LayerSpec[] = [];
  let inputShape: (number | null)[] | null = null;
  const seen = new Set<string>();
  rawLayers.forEach((entry, i) => {
    if (!isObject(entry)) throw new WebgradError(`${source}: layer ${i} must be { class_name, config }, got ${preview(entry)}.`);
    const cls = entry.class_name ?? entry.className;
    const c = isObject(entry.config) ? entry.config : {};
    const lname = typeof c.name === 'string' ? c.name : `layer ${i}`;
    const where = `${source}: layer ${i} ('${lname}', ${String(cls)})`;
    if (c.name !== undefined && c.name !== null && (typeof c.name !== 'string' || c.name === '')) throw new WebgradError(`${source}: layer ${i} (${String(cls)}) has an invalid name ${preview(c.name)}; layer names must be non-empty strings.`);
    if (typeof c.name === 'string') {
      if (seen.has(c.name)) throw new WebgradError(`${source}: two layers are named '${c.name}'; layer names must be unique.`);
      seen.add(c.name);
    }
    const prev = layers[layers.length - 1];
    const fold = (act: string): void => {
      if (!prev || prev.config.activation !== 'linear') {
        throw new WebgradError(`${where}: an activation layer is supported only directly after a layer with a linear activation (such as a Dense layer).`);
      }
      prev.config.activation = act;
    };
    if (cls === 'InputLayer') {
      if (layers.length > 0) throw new WebgradError(`${where}: an InputLayer must come first.`);
      checkDtype(c.dtype, where);
      if (c.sparse === true || c.ragged === true) throw new WebgradError(`${where}: sparse or ragged inputs are not supported.`);
      inputShape = checkInputShape(inputShapeOf(c), where);
      return;
    }
    if (isLayerClass(cls)) {
      checkDtype(c.dtype, where);
      const spec: LayerSpec = { className: cls, config: layerConfig(c, typeof c.name === 'string' ? c.name : `${toSnakeCase(cls)}_${i}`, where, cls), where };
      const shape = inputShapeOf(c, cls);
      if (layers.length === 0) {
        if (shape !== undefined && shape !== null) {
          const s = checkInputShape(shape, where, cls);
          if (inputShape !== null && JSON.stringify(inputShape.slice(1)) !== JSON.stringify(s.slice(1))) throw new WebgradError(`${where}: batch_input_shape ${preview(s)} disagrees with the InputLayer's ${preview(inputShape)}.`);
          inputShape = s;
        }
        if (inputShape !== null) spec.config.batchInputShape = inputShape;
      } else if (shape !== undefined && shape !== null) {
        // Checked against the previous layer's output when the model is assembled.
        spec.config.batchInputShape = shape;
      }
      layers.push(spec);
      return;
    }
    switch (cls) {
      case 'ReLU': {
        const plain = (c.max_value ?? null) === null && !(Number(c.negative_slope ?? 0) !== 0) && !(Number(c.threshold ?? 0) !== 0);
        if (!plain) throw new WebgradError(`${where}: ReLU with max_value, negative_slope or threshold is not supported (only the plain max(x, 0)).`);
        fold('relu');
        return;
      }
      case 'LeakyReLU': {
        const alpha = Number(c.alpha ?? c.negative_slope ?? 0.3);
        if (Math.abs(alpha - LEAKY_RELU_ALPHA) > 1e-7) {
          throw new WebgradError(`${where}: LeakyReLU with alpha ${alpha} is not supported; webgrad's leakyRelu activation has alpha ${LEAKY_RELU_ALPHA}.`);
        }
        fold('leakyRelu');
        return;
      }
      case 'Softmax': {
        const axis = c.axis ?? -1;
        if (!(axis === -1 || axis === 1 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 1)))) {
          throw new WebgradError(`${where}: Softmax over axis ${preview(axis)} is not supported (only the last axis).`);
        }
        fold('softmax');
        return;
      }
      default:
        throw new WebgradError(`${where}: layer class '${String(cls)}' is not supported; ${supported()}.`);
    }
  });
  if (layers.length === 0) throw new WebgradError(`${source}: the model has no layers (an InputLayer alone computes nothing).`);
  return { name, layers, inputShape };
}
