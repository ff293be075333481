// Where models are saved to and loaded from, as TensorFlow.js io handlers:
//   file://path        Node: a folder with model.json + weights.bin (load: the model.json, or its folder;
//                      weight files must lie inside that folder)
//   downloads://name   browser: downloads name.json + name.weights.bin
//   indexeddb://name   browser: IndexedDB, in the same database TF.js uses (models are interchangeable)
//   http(s)://...      load: fetch model.json, then the weight files named in it (inside its folder);
//                      save: POST a multipart form (model.json, model.weights.bin), as TF.js does
// plus any { save(artifacts) } / { load() } object.
import { WebgradError } from '../core/errors.js';
import { fileSystem } from './file_handler.js';
import { http, type HTTPOptions } from './http_handler.js';
import { artifactsInfo, loadFromModelJSON, modelJSONFor } from './model_json.js';
import type { IOHandler, ModelArtifacts, SaveResult } from './types.js';
import { joinWeightData } from './weights.js';

export { fileSystem, http, modelJSONFor, type HTTPOptions };

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
          req.onerror = () => reject(req.error ?? new Error('IndexedDB read failed'));
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
      return loadFromModelJSON(text, source, (p) => {
        const base = p.split('/').pop() ?? p;
        const f = byName.get(base);
        if (!f) return Promise.reject(new WebgradError(`${source}: weight file '${base}' was not among the files given (${[...byName.keys()].map((n) => `'${n}'`).join(', ') || 'none'}).`));
        return Promise.resolve({ size: f.size, read: () => f.arrayBuffer() });
      });
    },
  };
}
