// webgrad.loadLayersModel(): TensorFlow.js Layers artifacts (from TF.js, from
// Keras through tensorflowjs_converter, or from webgrad) → a Sequential of
// Dense layers with the saved weights. Everything is checked before any
// layer is built; if building fails the partial model is disposed.
import { WebgradError, shapeString } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/convert.js';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../layers/sequential.js';
import { loadHandlerFor, type HTTPOptions } from './handlers.js';
import { checkNesting } from './json_guard.js';
import { parseTopology, type DenseSpec } from './topology.js';
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
  spec: DenseSpec;
  inputDim: number;
  kernel: Float32Array | null;
  bias: Float32Array | null;
}

/** Checks artifacts and matches weights to layers; builds nothing. (Exported for tests.) */
export function plan(artifacts: ModelArtifacts, source: string, strict: boolean): { name?: string; inputDim: number; layers: Plan[] } {
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
  const used = new Set<string>();
  let inputDim = topo.inputDim;
  const layers: Plan[] = [];
  for (const spec of topo.layers) {
    const kName = index.find(spec.name, 'kernel', 0, source);
    const bName = spec.useBias ? index.find(spec.name, 'bias', 1, source) : null;
    for (const n of [kName, bName]) {
      if (n !== null) {
        if (used.has(n)) throw new WebgradError(`${source}: weight '${n}' matches more than one layer.`);
        used.add(n);
      }
    }
    const prevUnits = layers.length ? layers[layers.length - 1].spec.units : inputDim;
    const k = kName !== null ? weights.get(kName)! : null;
    if (k === null) {
      if (strict) throw new WebgradError(`${source}: no weight for '${spec.name}/kernel' in the weights manifest (it has ${nameList(names) || 'none'}).`);
    } else {
      if (k.shape.length !== 2 || k.shape[1] !== spec.units || (prevUnits !== null && k.shape[0] !== prevUnits)) {
        throw new WebgradError(`${source}: weight '${kName}' has shape ${shapeText(k.shape)}, but layer '${spec.name}' needs a kernel of shape [${prevUnits ?? 'inputs'}, ${spec.units}].`);
      }
      if (inputDim === null) {
        if (k.shape[0] < 1) throw new WebgradError(`${source}: weight '${kName}' has shape ${shapeText(k.shape)}; a kernel needs at least one input.`);
        inputDim = k.shape[0];
      }
    }
    if (inputDim === null) throw new WebgradError(`${source}: the input width is unknown (no batch_input_shape and no kernel for the first layer).`);
    if (k === null && (prevUnits ?? inputDim) * spec.units > MAX_INITIAL_VALUES) {
      throw new WebgradError(`${source}: layer '${spec.name}' has no saved kernel and would start with ${(prevUnits ?? inputDim) * spec.units} values (at most ${MAX_INITIAL_VALUES} without saved weights).`);
    }
    const b = bName !== null ? weights.get(bName)! : null;
    if (spec.useBias && b === null && strict) throw new WebgradError(`${source}: no weight for '${spec.name}/bias' in the weights manifest (it has ${nameList(names)}).`);
    if (b !== null && (b.shape.length !== 1 || b.shape[0] !== spec.units)) {
      throw new WebgradError(`${source}: weight '${bName}' has shape ${shapeText(b.shape)}, but layer '${spec.name}' needs a bias of shape [${spec.units}].`);
    }
    layers.push({ spec, inputDim: layers.length ? layers[layers.length - 1].spec.units : inputDim, kernel: k?.values ?? null, bias: b?.values ?? null });
  }
  const extra = names.filter((n) => !used.has(n));
  if (extra.length && strict) {
    const expected = topo.layers.flatMap((l) => (l.useBias ? [`${l.name}/kernel`, `${l.name}/bias`] : [`${l.name}/kernel`]));
    throw new WebgradError(`${source}: weight${extra.length > 1 ? 's' : ''} ${nameList(extra)} in the weights manifest match${extra.length > 1 ? '' : 'es'} no weight of the model (expected ${nameList(expected)}).`);
  }
  return { name: topo.name, inputDim: inputDim!, layers };
}

function initializerFor(init: DenseSpec['kernelInitializer'], fallback: string): unknown {
  return init ?? fallback;
}

function buildDense(spec: DenseSpec): Dense {
  const args = {
    units: spec.units,
    activation: spec.activation as never,
    useBias: spec.useBias,
    name: spec.name,
    trainable: spec.trainable,
    batchInputShape: spec.batchInputShape,
  };
  try {
    return new Dense({ ...args, kernelInitializer: initializerFor(spec.kernelInitializer, 'glorotUniform') as never, biasInitializer: initializerFor(spec.biasInitializer, 'zeros') as never });
  } catch {
    // An initializer webgrad does not know (e.g. Orthogonal): the saved weights
    // replace the initial values anyway, so fall back to the defaults.
    return new Dense(args);
  }
}

/** Builds the model from a checked plan; disposes everything on failure. */
function build(p: ReturnType<typeof plan>): Sequential {
  const layers: Dense[] = [];
  const temps: Tensor[] = [];
  let model: Sequential | null = null;
  try {
    for (const l of p.layers) layers.push(buildDense(l.spec));
    model = new Sequential({ name: p.name, layers });
    if (!model.built) model.build(p.inputDim);
    p.layers.forEach((l, i) => {
      const d = layers[i];
      if (l.kernel) {
        const t = tensor(l.kernel, [l.inputDim, l.spec.units]);
        temps.push(t);
        d.kernel.assign(t);
      }
      if (l.bias && d.bias) {
        const t = tensor(l.bias, [l.spec.units]);
        temps.push(t);
        d.bias.assign(t);
      }
    });
    return model;
  } catch (e) {
    if (model) model.dispose();
    else for (const l of layers) l.dispose();
    throw e;
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** The artifacts' model as a webgrad Sequential (no I/O). */
export function modelFromArtifacts(artifacts: ModelArtifacts, options: { strict?: boolean } = {}, source = 'model artifacts'): Sequential {
  return build(plan(artifacts, source, options.strict ?? true));
}

/**
 * Loads a TensorFlow.js Layers model (TF.js: tf.loadLayersModel): a
 * model.json URL (http(s), or relative to the page), 'file://path/model.json'
 * in Node, 'indexeddb://name', or an IOHandler with a load method. Only
 * Sequential models of Dense layers are supported.
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
