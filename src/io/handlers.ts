// Where models are saved to and loaded from, as TensorFlow.js io handlers:
//   file://path        Node: a folder with model.json + weights.bin (load: the model.json, or its folder)
//   downloads://name   browser: downloads name.json + name.weights.bin
//   indexeddb://name   browser: IndexedDB, in the same database TF.js uses (models are interchangeable)
//   http(s)://...      load: fetch model.json, then the weight files named in it (relative to it);
//                      save: POST a multipart form (model.json, model.weights.bin), as TF.js does
// plus any { save(artifacts) } / { load() } object.
import { WebgradError } from '../core/errors.js';
import type { IOHandler, ModelArtifacts, ModelArtifactsInfo, SaveResult, WeightsManifestConfig } from './types.js';
import { joinWeightData, manifestEntries, readShards } from './weights.js';

// ---- artifacts <-> model.json ----

/** The model.json object for artifacts whose weights go to `paths`. */
export function modelJSONFor(artifacts: ModelArtifacts, paths: string[]): Record<string, unknown> {
  const manifest: WeightsManifestConfig = [{ paths, weights: artifacts.weightSpecs ?? [] }];
  const json: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: manifest,
  };
  for (const k of ['signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature', 'trainingConfig'] as const) {
    if (artifacts[k] !== undefined && artifacts[k] !== null) json[k] = artifacts[k];
  }
  return json;
}

/** Parses model.json text, checking the fields a layers model needs. */
export function parseModelJSON(text: string, source: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WebgradError(`${source} is not valid JSON (${(e as Error).message}); expected a TensorFlow.js model.json.`);
  }
  return checkModelJSON(json, source);
}

export function checkModelJSON(json: unknown, source: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new WebgradError(`${source} must hold a JSON object { modelTopology, weightsManifest, ... }, got ${JSON.stringify(json)?.slice(0, 80)}.`);
  }
  const o = json as Record<string, unknown>;
  if (o.modelTopology === undefined || o.modelTopology === null) {
    throw new WebgradError(`${source} has no 'modelTopology' (keys: ${Object.keys(o).join(', ') || 'none'}); it is not a TensorFlow.js layers model.json.`);
  }
  if (o.weightsManifest === undefined || o.weightsManifest === null) {
    throw new WebgradError(`${source} has no 'weightsManifest', so the model's weights cannot be found (keys: ${Object.keys(o).join(', ')}).`);
  }
  return o;
}

/** Artifacts from a parsed model.json and its weight stream. */
function artifactsFromJSON(json: Record<string, unknown>, weightSpecs: ModelArtifacts['weightSpecs'], weightData: ArrayBuffer): ModelArtifacts {
  const a: ModelArtifacts = {
    modelTopology: json.modelTopology as ModelArtifacts['modelTopology'],
    format: json.format as string | undefined,
    generatedBy: json.generatedBy as string | undefined,
    convertedBy: json.convertedBy as string | null | undefined,
    weightSpecs,
    weightData,
  };
  for (const k of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const) {
    if (json[k] !== undefined && json[k] !== null) (a as Record<string, unknown>)[k] = json[k];
  }
  return a;
}

/** Loads model.json text plus the weight files it names, read by `read(path)`. */
export async function loadFromModelJSON(text: string, source: string, read: (path: string) => Promise<ArrayBuffer>): Promise<ModelArtifacts> {
  const json = parseModelJSON(text, source);
  const { specs, groups } = manifestEntries(json.weightsManifest, source);
  const data = await readShards(groups, source, read);
  return artifactsFromJSON(json, specs, data);
}

export function artifactsInfo(a: ModelArtifacts): ModelArtifactsInfo {
  const bytes = (s: string): number => new TextEncoder().encode(s).length;
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: a.modelTopology === undefined ? 0 : bytes(JSON.stringify(a.modelTopology)),
    weightSpecsBytes: a.weightSpecs === undefined ? 0 : bytes(JSON.stringify(a.weightSpecs)),
    weightDataBytes: a.weightData === undefined ? 0 : joinWeightData(a.weightData).byteLength,
  };
}

// ---- in memory ----

/** A handler that saves by calling `fn(artifacts)` (TF.js: tf.io.withSaveHandler). */
export function withSaveHandler(fn: (artifacts: ModelArtifacts) => Promise<SaveResult> | SaveResult | void): IOHandler {
  if (typeof fn !== 'function') throw new WebgradError(`withSaveHandler: expected a function (artifacts) => SaveResult, got ${typeof fn}.`);
  return {
    save: async (a) => (await fn(a)) ?? { modelArtifactsInfo: artifactsInfo(a) },
  };
}

/** A handler that loads the given artifacts (TF.js: tf.io.fromMemory), e.g. from tf.io.withSaveHandler. */
export function fromMemory(artifacts: ModelArtifacts): IOHandler {
  if (typeof artifacts !== 'object' || artifacts === null) throw new WebgradError(`fromMemory: expected ModelArtifacts { modelTopology, weightSpecs, weightData }, got ${String(artifacts)}.`);
  return { load: () => Promise.resolve(artifacts) };
}

// ---- Node file system ----

const isNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

async function nodeModules(scheme: string): Promise<{ fs: typeof import('node:fs/promises'); path: typeof import('node:path') }> {
  if (!isNode()) throw new WebgradError(`'${scheme}' paths work only in Node.js; in a browser use 'indexeddb://name', 'downloads://name' or an http(s) URL.`);
  const [fs, path] = await Promise.all([import(/* @vite-ignore */ 'node:fs/promises'), import(/* @vite-ignore */ 'node:path')]);
  return { fs, path };
}

function stripFileScheme(url: string): string {
  return url.startsWith('file://') ? url.slice('file://'.length) : url;
}

/**
 * file:// handler: save writes <dir>/model.json and <dir>/weights.bin
 * (creating the folder); load reads a model.json (or <dir>/model.json) and
 * the weight files it lists, relative to it.
 */
export function fileSystem(pathOrUrl: string): IOHandler {
  const target = stripFileScheme(pathOrUrl);
  if (!target) throw new WebgradError(`fileSystem: the path is empty ('${pathOrUrl}').`);
  return {
    async save(artifacts) {
      const { fs, path } = await nodeModules('file://');
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new WebgradError('fileSystem.save: binary (GraphDef) topologies are not supported.');
      const dir = target;
      try {
        const st = await fs.stat(dir);
        if (!st.isDirectory()) throw new WebgradError(`save('file://${dir}'): '${dir}' exists and is not a folder; give the folder to write model.json and weights.bin into.`);
      } catch (e) {
        if (e instanceof WebgradError) throw e;
        await fs.mkdir(dir, { recursive: true });
      }
      const weightsName = 'weights.bin';
      const data = joinWeightData(artifacts.weightData);
      const json = modelJSONFor(artifacts, [weightsName]);
      await fs.writeFile(path.join(dir, weightsName), new Uint8Array(data));
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
    async load() {
      const { fs, path } = await nodeModules('file://');
      let file = target;
      try {
        if ((await fs.stat(file)).isDirectory()) file = path.join(file, 'model.json');
      } catch {
        throw new WebgradError(`loadLayersModel('${pathOrUrl}'): '${file}' does not exist.`);
      }
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (e) {
        throw new WebgradError(`loadLayersModel('${pathOrUrl}'): cannot read '${file}' (${(e as Error).message}).`);
      }
      const dir = path.dirname(file);
      return loadFromModelJSON(text, `model.json '${file}'`, async (p) => {
        const wf = path.resolve(dir, p);
        try {
          const b = await fs.readFile(wf);
          return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
        } catch (e) {
          throw new WebgradError(`model.json '${file}': weight file '${p}' (${wf}) cannot be read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}.`);
        }
      });
    },
  };
}

// ---- HTTP ----

export interface HTTPOptions {
  /** Passed to fetch for every request (headers, credentials, ...). */
  requestInit?: RequestInit;
  /** Replaces the global fetch. */
  fetchFunc?: typeof fetch;
  /** Prefix for the weight file paths (default: the folder of model.json). */
  weightPathPrefix?: string;
}

function resolveWeightUrl(modelUrl: string, path: string, prefix?: string): string {
  if (prefix !== undefined) return prefix + path;
  try {
    return new URL(path, modelUrl).toString();
  } catch {
    const cut = modelUrl.lastIndexOf('/');
    return (cut >= 0 ? modelUrl.slice(0, cut + 1) : '') + path;
  }
}

/**
 * http(s) handler: load fetches model.json and then its weight files
 * (relative to it); save POSTs a multipart form with 'model.json' and
 * 'model.weights.bin', as TF.js' http handler does.
 */
export function http(url: string, options: HTTPOptions = {}): IOHandler {
  if (typeof url !== 'string' || url === '') throw new WebgradError(`http: the URL must be a non-empty string, got ${JSON.stringify(url)}.`);
  const f = (): typeof fetch => {
    const fn = options.fetchFunc ?? (globalThis as { fetch?: typeof fetch }).fetch;
    if (!fn) throw new WebgradError(`http('${url}'): no fetch function here; pass options.fetchFunc.`);
    return fn;
  };
  const get = async (u: string, what: string): Promise<Response> => {
    let res: Response;
    try {
      res = await f()(u, options.requestInit);
    } catch (e) {
      const hint = isNode() && !/^https?:/.test(u) ? " (in Node, load files with 'file://path/model.json')" : '';
      throw new WebgradError(`${what} '${u}' could not be fetched: ${(e as Error).message}${hint}.`);
    }
    if (!res.ok) throw new WebgradError(`${what} '${u}' could not be fetched: HTTP ${res.status} ${res.statusText}.`);
    return res;
  };
  return {
    async load() {
      const res = await get(url, 'model.json');
      const text = await res.text();
      const modelUrl = res.url || url;
      return loadFromModelJSON(text, `model.json '${url}'`, async (p) => {
        const r = await get(resolveWeightUrl(modelUrl, p, options.weightPathPrefix), 'weight file');
        return r.arrayBuffer();
      });
    },
    async save(artifacts) {
      if (typeof FormData === 'undefined' || typeof Blob === 'undefined') throw new WebgradError(`http('${url}').save needs FormData and Blob.`);
      const weightsName = 'model.weights.bin';
      const form = new FormData();
      form.append('model.json', new Blob([JSON.stringify(modelJSONFor(artifacts, [`./${weightsName}`]))], { type: 'application/json' }), 'model.json');
      const data = joinWeightData(artifacts.weightData);
      if (data.byteLength) form.append('model.weights.bin', new Blob([data], { type: 'application/octet-stream' }), weightsName);
      const res = await f()(url, { method: 'POST', ...options.requestInit, body: form });
      if (!res.ok) throw new WebgradError(`saving to '${url}' failed: HTTP ${res.status} ${res.statusText}.`);
      return { modelArtifactsInfo: artifactsInfo(artifacts), responses: [res] };
    },
  };
}

// ---- browser downloads ----

/** downloads:// handler: the browser downloads <name>.json and <name>.weights.bin. */
export function browserDownloads(name = 'model'): IOHandler {
  const prefix = name.startsWith('downloads://') ? name.slice('downloads://'.length) : name;
  const base = prefix || 'model';
  return {
    async save(artifacts) {
      const doc = (globalThis as { document?: Document }).document;
      if (!doc || typeof URL.createObjectURL !== 'function') {
        throw new WebgradError(`save('downloads://${base}') works only in a browser page; in Node use 'file://folder'.`);
      }
      const weightsName = `${base}.weights.bin`;
      const json = modelJSONFor(artifacts, [`./${weightsName}`]);
      const files: [string, Blob][] = [[`${base}.json`, new Blob([JSON.stringify(json)], { type: 'application/json' })]];
      const data = joinWeightData(artifacts.weightData);
      if (artifacts.weightData !== undefined) files.push([weightsName, new Blob([data], { type: 'application/octet-stream' })]);
      for (const [file, blob] of files) {
        const a = doc.createElement('a');
        const href = URL.createObjectURL(blob);
        a.download = file;
        a.href = href;
        // Defer each click so browsers do not drop the second download.
        await new Promise<void>((ok) => setTimeout(() => {
          a.dispatchEvent(new MouseEvent('click'));
          ok();
        }, 0));
        setTimeout(() => URL.revokeObjectURL(href), 60_000);
      }
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
  };
}

// ---- IndexedDB (same layout as TF.js, so either library reads the other's models) ----

const DB_NAME = 'tensorflowjs';
const DB_VERSION = 1;
const MODEL_STORE = 'models_store';
const INFO_STORE = 'model_info_store';

function idbFactory(): IDBFactory {
  const f = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!f) throw new WebgradError("'indexeddb://' needs IndexedDB (a browser); in Node use 'file://folder'.");
  return f;
}

function openDB(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = idbFactory().open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(MODEL_STORE)) db.createObjectStore(MODEL_STORE, { keyPath: 'modelPath' });
      if (!db.objectStoreNames.contains(INFO_STORE)) db.createObjectStore(INFO_STORE, { keyPath: 'modelPath' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new WebgradError(`IndexedDB: cannot open database '${DB_NAME}': ${req.error?.message}`));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

/** indexeddb:// handler. */
export function browserIndexedDB(name: string): IOHandler {
  const modelPath = name.startsWith('indexeddb://') ? name.slice('indexeddb://'.length) : name;
  if (!modelPath) throw new WebgradError("indexeddb://: the model name is empty; use 'indexeddb://my-model'.");
  return {
    async save(artifacts) {
      const stored: ModelArtifacts = { ...artifacts, weightData: joinWeightData(artifacts.weightData) };
      const info = artifactsInfo(stored);
      const db = await openDB();
      try {
        const tx = db.transaction([INFO_STORE, MODEL_STORE], 'readwrite');
        tx.objectStore(INFO_STORE).put({ modelPath, modelArtifactsInfo: info });
        tx.objectStore(MODEL_STORE).put({ modelPath, modelArtifacts: stored, modelArtifactsInfo: info });
        await done(tx);
      } catch (e) {
        throw new WebgradError(`save('indexeddb://${modelPath}') failed: ${(e as Error)?.message ?? e}`);
      } finally {
        db.close();
      }
      return { modelArtifactsInfo: info };
    },
    async load() {
      const db = await openDB();
      try {
        const tx = db.transaction(MODEL_STORE, 'readonly');
        const req = tx.objectStore(MODEL_STORE).get(modelPath);
        const record = await new Promise<{ modelArtifacts?: ModelArtifacts } | undefined>((resolve, reject) => {
          req.onsuccess = () => resolve(req.result as { modelArtifacts?: ModelArtifacts } | undefined);
          req.onerror = () => reject(req.error ?? new Error('read failed'));
        });
        if (!record?.modelArtifacts) throw new WebgradError(`loadLayersModel('indexeddb://${modelPath}'): no model named '${modelPath}' in IndexedDB.`);
        return record.modelArtifacts;
      } finally {
        db.close();
      }
    },
  };
}

// ---- routing ----

const SCHEMES = "'file://folder' (Node), 'indexeddb://name', 'downloads://name', an http(s) URL, or an IOHandler { save(artifacts) }";

/** The save handler for a URL string. */
export function saveHandlerFor(url: string, op: string): IOHandler {
  if (url.startsWith('file://')) return fileSystem(url);
  if (url.startsWith('indexeddb://')) return browserIndexedDB(url);
  if (url.startsWith('downloads://')) return browserDownloads(url);
  if (/^https?:\/\//.test(url)) return http(url);
  throw new WebgradError(`${op}: cannot save to '${url}'; use ${SCHEMES}.`);
}

/** The load handler for a URL string (no scheme: fetched over HTTP, relative to the page). */
export function loadHandlerFor(url: string, op: string, options?: HTTPOptions): IOHandler {
  if (url.startsWith('file://')) return fileSystem(url);
  if (url.startsWith('indexeddb://')) return browserIndexedDB(url);
  if (url.startsWith('downloads://')) throw new WebgradError(`${op}: 'downloads://' is for saving only; load the downloaded files with webgrad.io.browserFiles or from a URL.`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (scheme && !/^https?$/i.test(scheme[1])) throw new WebgradError(`${op}: cannot load from '${url}' (scheme '${scheme[1]}://'); use 'file://path/model.json' (Node), 'indexeddb://name', an http(s) URL or an IOHandler { load() }.`);
  return http(url, options);
}

// ---- browser files (<input type="file">) ----

/**
 * Loads from user-picked files (TF.js: tf.io.browserFiles): the model.json
 * File first, then its weight files (matched by file name).
 */
export function browserFiles(files: Blob[]): IOHandler {
  if (!Array.isArray(files) || files.length < 1) throw new WebgradError('browserFiles: expected [model.json file, ...weight files].');
  const [jsonFile, ...weightFiles] = files as (Blob & { name?: string })[];
  const source = `model.json '${jsonFile.name ?? 'file 0'}'`;
  return {
    async load() {
      const text = await jsonFile.text();
      const byName = new Map(weightFiles.map((f) => [f.name ?? '', f]));
      return loadFromModelJSON(text, source, async (p) => {
        const base = p.split('/').pop() ?? p;
        const f = byName.get(base);
        if (!f) throw new WebgradError(`${source}: weight file '${base}' was not among the files given (${[...byName.keys()].map((n) => `'${n}'`).join(', ') || 'none'}).`);
        return f.arrayBuffer();
      });
    },
  };
}
