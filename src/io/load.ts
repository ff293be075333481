// webgrad.loadLayersModel(): TensorFlow.js Layers artifacts (from TF.js, from
// Keras through tensorflowjs_converter, or from webgrad) → a Sequential
// model with the saved weights. Layers are rebuilt through the layer
// registry (src/layers/registry.ts) and matched to the saved weights through
// their weightSpecs(); everything is checked before any weight is allocated,
// and if building fails the partial model is disposed.
import { WebgradError, shapeString } from '../core/errors.js';
import { shapesEqual, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/convert.js';
import type { Layer } from '../layers/layer.js';
import { layerFromConfig } from '../layers/registry.js';
import { Sequential } from '../layers/sequential.js';
import { loadHandlerFor, type HTTPOptions } from './handlers.js';
import { checkNesting } from './json_guard.js';
import { parseTopology, type LayerSpec } from './topology.js';
import type { IOHandler, ModelArtifacts } from './types.js';
import { decodeWeights, joinWeightData } from './weights.js';

/**
 * Options of loadLayersModel. A model.json is untrusted input: its weight
 * files must lie inside its folder (file://: after following symbolic links;
 * http(s): joined to the folder's URL, never to another origin or path).
 * For http(s) models whose weights live elsewhere, the caller says where with
 * weightPathPrefix (another folder) or weightUrlConverter (any URL per path);
 * requestInit, fetchFunc, weightPathPrefix and weightUrlConverter apply to
 * http(s) URLs only.
 */
export interface LoadOptions extends HTTPOptions {
  /**
   * Every weight of the model must be in the file and every weight in the
   * file must belong to the model (default true). With false, extra weights
   * are ignored and missing ones keep their initial values.
   */
  strict?: boolean;
}

/** Weight names as Keras 3 / TF 2.x converters may write them, reduced to layer/weight. */
function normalizeName(name: string): string {
  return name
    .replace(/:\d+$/, '')
    .split('/')
    .map((s) => (s.startsWith('_') ? s.slice(1) : s))
    .filter((s) => s !== 'vars' && s !== 'layer_checkpoint_dependencies')
    .join('/');
}

/**
 * The manifest's weight names, indexed once (each name normalized once), so
 * that matching every layer costs time linear in the model's size:
 *   exact:    normalized name → names
 *   tail:     last two segments of a normalized name with three or more
 *             (candidates for "ends with '/' + target")
 *   cellless: the name without its cell segment (a/cell/b → a/b) → names
 * Each name adds a constant number of keys, whatever a hostile file puts in it.
 */
class WeightIndex {
  private readonly normalized: string[];
  private readonly exact = new Map<string, number[]>();
  private readonly tail = new Map<string, number[]>();
  private readonly cellless = new Map<string, number[]>();

  constructor(readonly names: readonly string[]) {
    this.normalized = names.map(normalizeName);
    this.normalized.forEach((n, i) => {
      add(this.exact, n, i);
      const t = n.split('/');
      if (t.length > 2) add(this.tail, t.slice(-2).join('/'), i);
      add(this.cellless, t.length > 2 ? [...t.slice(0, -2), t[t.length - 1]].join('/') : n, i);
    });
  }

  /** Names whose normalized form ends with '/' + one of `targets`, or whose cellless form is one. */
  private loose(targets: readonly string[]): string[] {
    const hits = new Set<number>();
    for (const x of targets) {
      const tail = x.split('/').slice(-2).join('/');
      for (const i of this.tail.get(tail) ?? []) if (this.normalized[i].endsWith(`/${x}`)) hits.add(i);
      for (const i of this.cellless.get(x) ?? []) hits.add(i);
    }
    return this.inOrder(hits);
  }

  private inOrder(hits: Set<number>): string[] {
    return [...hits].sort((x, y) => x - y).map((i) => this.names[i]);
  }

  /** The manifest entry for weight `kind` (index `idx`) of layer `layer`, or null. */
  find(layer: string, kind: string, idx: number, source: string): string | null {
    const targets = [`${layer}/${kind}`, `${layer}/${idx}`];
    const exact = this.inOrder(new Set(targets.flatMap((x) => this.exact.get(x) ?? [])));
    if (exact.length === 1) return exact[0];
    if (exact.length > 1) throw new WebgradError(`${source}: weights ${exact.map((n) => `'${n}'`).join(' and ')} both name ${layer}'s ${kind}.`);
    const loose = this.loose(targets);
    if (loose.length > 1) throw new WebgradError(`${source}: weights ${loose.map((n) => `'${n}'`).join(' and ')} all could be ${layer}'s ${kind}.`);
    return loose[0] ?? null;
  }
}

function add(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}

/** Most values a layer without saved weights may start with (strict: false); beyond, it is a hostile file, not a model. */
const MAX_INITIAL_VALUES = 2 ** 28;

/** A shape for a message (a hostile one may have a million dimensions). */
function shapeText(shape: readonly number[]): string {
  return shape.length > 8 ? `${shapeString(shape.slice(0, 8)).slice(0, -1)}, … (${shape.length} dimensions)]` : shapeString(shape);
}

/** A list of names for a message, cut short when long. */
function nameList(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`).join(', ');
  return names.length > max ? `${shown}, … (${names.length} in all)` : shown;
}

interface Plan {
  name?: string;
  inputShape: (number | null)[];
  /** The layers, not built yet (construction allocates nothing). */
  layers: Layer[];
  /** Per layer, the saved values for each of its weights (null: keep the initial value). */
  values: (Float32Array | null)[][];
}

/** Rebuilds a layer from its spec; an initializer webgrad does not know falls back to the layer's default. */
function layerFromSpec(spec: LayerSpec): Layer {
  try {
    return layerFromConfig(spec.where, spec.className, spec.config);
  } catch (e) {
    const inits = Object.keys(spec.config).filter((k) => k.endsWith('Initializer'));
    if (inits.length === 0) throw rethrowAt(spec.where, e);
    // E.g. Orthogonal: the saved weights replace the initial values anyway.
    const config: Record<string, unknown> = { ...spec.config };
    for (const k of inits) delete config[k];
    try {
      return layerFromConfig(spec.where, spec.className, config);
    } catch (e2) {
      throw rethrowAt(spec.where, e2);
    }
  }
}

/** A layer's own error, prefixed with where in the file the layer is. */
function rethrowAt(where: string, e: unknown): unknown {
  return e instanceof WebgradError && !e.message.startsWith(where) ? new WebgradError(`${where}: ${e.message}`) : e;
}

/**
 * Checks artifacts and matches weights to layers: every check runs before
 * any weight is allocated (exported for tests). On failure nothing is left to dispose (layers not
 * built yet own nothing).
 */
export function plan(artifacts: ModelArtifacts, source: string, strict: boolean): Plan {
  if (typeof artifacts !== 'object' || artifacts === null) throw new WebgradError(`${source}: the io handler's load() returned ${String(artifacts)}, not model artifacts.`);
  if (artifacts.format === 'graph-model' || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new WebgradError(`${source}: this is a TensorFlow.js graph model (format '${artifacts.format ?? 'GraphDef'}'); webgrad loads layers models (format 'layers-model').`);
  }
  if (artifacts.modelTopology === undefined || artifacts.modelTopology === null) throw new WebgradError(`${source}: the model has no 'modelTopology'.`);
  // Before any recursive walker (fromPythonic, messages) sees them.
  checkNesting(artifacts.modelTopology, 'modelTopology', source);
  checkNesting(artifacts.weightSpecs, 'weightSpecs', source);
  const topo = parseTopology(artifacts.modelTopology, source);
  if (!Array.isArray(artifacts.weightSpecs) || artifacts.weightData === undefined || artifacts.weightData === null) {
    throw new WebgradError(`${source}: the model has no weights (${!Array.isArray(artifacts.weightSpecs) ? "no 'weightSpecs' / 'weightsManifest'" : "no 'weightData'"}).`);
  }
  const weights = decodeWeights(artifacts.weightSpecs, joinWeightData(artifacts.weightData), source, (s) => s.group !== 'optimizer');
  const names = [...weights.keys()];
  const index = new WeightIndex(names);
  const has = (): string => nameList(names) || 'none';
  const layers = topo.layers.map(layerFromSpec);
  let inputShape = topo.inputShape;
  if (inputShape === null) {
    // Keras compatibility: without an input shape in the topology, the first
    // layer's kernel [inputs, ...] gives the input width.
    const kName = index.find(layers[0].name, 'kernel', 0, source);
    const k = kName !== null ? weights.get(kName)! : null;
    if (k === null || k.shape.length < 1) {
      if (strict && k === null) throw new WebgradError(`${source}: no weight for '${layers[0].name}/kernel' in the weights manifest (it has ${has()}).`);
      throw new WebgradError(`${source}: the input width is unknown (no batch_input_shape and no kernel for the first layer).`);
    }
    inputShape = [null, k.shape[0]];
  }
  const used = new Set<string>();
  const values: (Float32Array | null)[][] = [];
  const expected: string[] = [];
  let shape: (number | null)[] = inputShape;
  layers.forEach((layer, i) => {
    let specs;
    try {
      specs = layer.weightSpecs(shape);
    } catch (e) {
      throw rethrowAt(topo.layers[i].where, e);
    }
    values.push(specs.map((spec, idx) => {
      const full = `${layer.name}/${spec.name}`;
      expected.push(full);
      const n = index.find(layer.name, spec.name, idx, source);
      if (n === null) {
        if (strict) throw new WebgradError(`${source}: no weight for '${full}' in the weights manifest (it has ${has()}).`);
        if (sizeOf(spec.shape) > MAX_INITIAL_VALUES) {
          throw new WebgradError(`${source}: layer '${layer.name}' has no saved ${spec.name} and would start with ${sizeOf(spec.shape)} values (at most ${MAX_INITIAL_VALUES} without saved weights).`);
        }
        return null;
      }
      if (used.has(n)) throw new WebgradError(`${source}: weight '${n}' matches more than one layer.`);
      used.add(n);
      const w = weights.get(n)!;
      if (!shapesEqual(w.shape, spec.shape)) {
        throw new WebgradError(`${source}: weight '${n}' has shape ${shapeText(w.shape)}, but layer '${layer.name}' needs a ${spec.name} of shape ${shapeString(spec.shape)}.`);
      }
      return w.values;
    }));
    shape = layer.computeOutputShape(shape);
  });
  const extra = names.filter((n) => !used.has(n));
  if (extra.length && strict) {
    throw new WebgradError(`${source}: weight${extra.length > 1 ? 's' : ''} ${nameList(extra)} in the weights manifest match${extra.length > 1 ? '' : 'es'} no weight of the model (expected ${nameList(expected)}).`);
  }
  return { name: topo.name, inputShape, layers, values };
}

/** Builds the model from a checked plan; disposes everything on failure. */
function build(p: Plan, source: string): Sequential {
  const temps: Tensor[] = [];
  let model: Sequential | null = null;
  try {
    model = new Sequential({ name: p.name, layers: p.layers });
    if (!model.built) model.build(p.inputShape);
    p.layers.forEach((layer, i) => {
      layer.weights.forEach((v, j) => {
        const saved = p.values[i][j];
        if (!saved) return;
        const t = tensor(saved, [...v.shape]);
        temps.push(t);
        v.assign(t);
      });
    });
    return model;
  } catch (e) {
    if (model) model.dispose();
    else for (const l of p.layers) l.dispose();
    throw rethrowAt(source, e);
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** The artifacts' model as a webgrad Sequential (no I/O). */
export function modelFromArtifacts(artifacts: ModelArtifacts, options: { strict?: boolean } = {}, source = 'model artifacts'): Sequential {
  return build(plan(artifacts, source, options.strict ?? true), source);
}

/**
 * Loads a TensorFlow.js Layers model (TF.js: tf.loadLayersModel): a
 * model.json URL (http(s), or relative to the page), 'file://path/model.json'
 * in Node, 'indexeddb://name', or an IOHandler with a load method. Only
 * Sequential models of the layers webgrad has are supported.
 */
export async function loadLayersModel(pathOrHandler: string | IOHandler, options: LoadOptions = {}): Promise<Sequential> {
  const op = 'loadLayersModel';
  if (typeof options !== 'object' || options === null) throw new WebgradError(`${op}: options must be an object, got ${String(options)}.`);
  if (options.strict !== undefined && typeof options.strict !== 'boolean') throw new WebgradError(`${op}: options.strict must be true or false, got ${typeof options.strict}.`);
  let handler: IOHandler;
  let source: string;
  if (typeof pathOrHandler === 'string') {
    handler = loadHandlerFor(pathOrHandler, op, options);
    source = `${op}('${pathOrHandler}')`;
  } else if (typeof pathOrHandler === 'object' && pathOrHandler !== null && typeof pathOrHandler.load === 'function') {
    handler = pathOrHandler;
    source = `${op}(handler)`;
  } else {
    throw new WebgradError(`${op}: expected a model.json URL ('file://path/model.json', 'indexeddb://name', http(s)://...) or an IOHandler with a load method, got ${pathOrHandler === null ? 'null' : typeof pathOrHandler}.`);
  }
  const artifacts = await handler.load!();
  return modelFromArtifacts(artifacts, options, source);
}
