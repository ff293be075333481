// http(s) handler. Loading fetches model.json, then the weight files it
// names, joined to model.json's folder as TensorFlow.js does (folder prefix
// + path). A path that would leave the folder (absolute, '//host', a scheme,
// '..' above the folder) is an error, so a model served from one origin
// cannot make the loader fetch from another; callers who want weights from
// elsewhere say so with weightPathPrefix or weightUrlConverter. Saving POSTs
// a multipart form, as TF.js' http handler does.
import { WebgradError } from '../core/errors.js';
import { isNode } from '../core/environment.js';
import { artifactsInfo, loadFromModelJSON, modelJSONFor } from './model_json.js';
import type { IOHandler } from './types.js';
import { joinWeightUrl, urlFolder } from './weight_paths.js';
import { joinWeightData, type WeightFile } from './weights.js';

export interface HTTPOptions {
  /** Passed to fetch for every request (headers, credentials, ...). */
  requestInit?: RequestInit;
  /** Replaces the global fetch. */
  fetchFunc?: typeof fetch;
  /**
   * Folder (URL prefix) the weight paths of model.json are joined to, in
   * place of model.json's own folder; paths still may not leave it.
   * Weight paths are appended as they are, so end a folder with '/'.
   */
  weightPathPrefix?: string;
  /**
   * Maps each weight path of model.json to the URL to fetch it from. The
   * caller vouches for the URLs it returns; they are not checked. Takes
   * precedence over weightPathPrefix (as in TensorFlow.js).
   */
  weightUrlConverter?: (weightFileName: string) => Promise<string>;
}

function checkOptions(options: HTTPOptions, op: string): void {
  if (typeof options !== 'object' || options === null) throw new WebgradError(`${op}: options must be an object, got ${String(options)}.`);
  const { weightPathPrefix: prefix, weightUrlConverter: converter, fetchFunc } = options;
  if (prefix !== undefined && (typeof prefix !== 'string' || prefix === '')) throw new WebgradError(`${op}: options.weightPathPrefix must be a non-empty string (a URL folder), got ${typeof prefix === 'string' ? "''" : typeof prefix}.`);
  if (converter !== undefined && typeof converter !== 'function') throw new WebgradError(`${op}: options.weightUrlConverter must be a function (path) => Promise<string>, got ${typeof converter}.`);
  if (fetchFunc !== undefined && typeof fetchFunc !== 'function') throw new WebgradError(`${op}: options.fetchFunc must be a fetch function, got ${typeof fetchFunc}.`);
}

/** The body of `res`, failing as soon as it passes `maxBytes` (an endless body must not fill memory). */
async function boundedBody(res: Response, maxBytes: number, tooBig: () => WebgradError): Promise<ArrayBuffer> {
  if (!res.body) {
    const b = await res.arrayBuffer();
    if (b.byteLength > maxBytes) throw tooBig();
    return b;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out.buffer;
}

/** Content-Length when it is the body's length (not when the body is compressed). */
function declaredLength(res: Response): number | null {
  const enc = res.headers?.get('content-encoding');
  if (enc && enc.toLowerCase() !== 'identity') return null;
  const len = res.headers?.get('content-length');
  if (len === null || len === undefined || !/^\d+$/.test(len.trim())) return null;
  return Number(len);
}

/**
 * http(s) handler: load fetches model.json and then its weight files (inside
 * its folder, or as options.weightPathPrefix / weightUrlConverter say); save
 * POSTs a multipart form with 'model.json' and 'model.weights.bin', as TF.js'
 * http handler does.
 */
export function http(url: string, options: HTTPOptions = {}): IOHandler {
  if (typeof url !== 'string' || url === '') throw new WebgradError(`http: the URL must be a non-empty string, got ${typeof url === 'string' ? "''" : typeof url}.`);
  checkOptions(options, `http('${url}')`);
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
      throw new WebgradError(`${what} '${u}' could not be fetched: ${(e as Error)?.message ?? String(e)}${hint}.`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new WebgradError(`${what} '${u}' could not be fetched: HTTP ${res.status} ${res.statusText}.`);
    }
    return res;
  };
  return {
    async load() {
      const res = await get(url, 'model.json');
      const text = await res.text();
      const source = `model.json '${url}'`;
      // res.url: where model.json was found after redirects (the server vouched for them).
      const folder = options.weightPathPrefix ?? urlFolder(res.url || url);
      const weightUrl = async (p: string): Promise<string> => {
        if (!options.weightUrlConverter) return joinWeightUrl(folder, p, source);
        let u: unknown;
        try {
          u = await options.weightUrlConverter(p);
        } catch (e) {
          throw new WebgradError(`${source}: options.weightUrlConverter('${p}') failed: ${(e as Error)?.message ?? String(e)}.`);
        }
        if (typeof u !== 'string' || u === '') throw new WebgradError(`${source}: options.weightUrlConverter('${p}') must give a URL string, got ${typeof u === 'string' ? "''" : typeof u}.`);
        return u;
      };
      return loadFromModelJSON(text, source, async (p, maxBytes): Promise<WeightFile> => {
        const u = await weightUrl(p);
        const r = await get(u, 'weight file');
        const size = declaredLength(r);
        let read = false;
        return {
          size,
          read: () => {
            read = true;
            const limit = Math.min(size ?? maxBytes, maxBytes);
            return boundedBody(r, limit, () => new WebgradError(`${source}: weight file '${u}' holds more than the ${limit} bytes ${limit === size ? 'its Content-Length says' : 'its weights need'}.`));
          },
          close: async () => {
            if (!read) await r.body?.cancel().catch(() => undefined);
          },
        };
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
