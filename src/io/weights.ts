// Weight data in the TensorFlow.js format: one little-endian byte stream
// holding every weight in manifest order (row-major values), described by a
// list of { name, shape, dtype } entries. On disk the stream is cut into one
// or more shard files per manifest group.
import { isArray, WebgradError } from '../core/errors.js';
import { preview } from './json_guard.js';
import type { ModelArtifacts, WeightsManifestConfig, WeightsManifestEntry } from './types.js';

/** Bytes per element of each weight dtype TF.js writes (strings have no fixed size). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Checks a manifest entry's form; `where` says where it came from, for the message. */
export function checkWeightEntry(e: unknown, where: string): WeightsManifestEntry {
  const entry = e as WeightsManifestEntry;
  if (typeof entry !== 'object' || entry === null) throw new WebgradError(`${where}: a weight entry must be an object { name, shape, dtype }, got ${preview(e)}.`);
  if (typeof entry.name !== 'string' || entry.name === '') throw new WebgradError(`${where}: a weight entry has no name: ${preview(e)}.`);
  if (!Array.isArray(entry.shape) || entry.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new WebgradError(`${where}: weight '${entry.name}' has an invalid shape ${preview(entry.shape)} (expected an array of non-negative integers).`);
  }
  if (typeof entry.dtype !== 'string') throw new WebgradError(`${where}: weight '${entry.name}' has no dtype.`);
  const q = entry.quantization as unknown;
  if (q !== undefined && q !== null) {
    const o = q as Record<string, unknown>;
    const finite = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v));
    if (typeof q !== 'object' || Array.isArray(q) || typeof o.dtype !== 'string' || !finite(o.scale) || !finite(o.min)) {
      throw new WebgradError(`${where}: weight '${entry.name}' has an invalid quantization ${preview(q)} (expected { dtype, scale?, min? } with finite numbers).`);
    }
  }
  return entry;
}

/** Bytes a weight takes in the stream (quantized weights take their stored size). */
export function weightByteLength(entry: WeightsManifestEntry): number {
  const n = elementCount(entry.shape);
  if (entry.quantization) {
    const q = Object.hasOwn(QUANT_BYTES, entry.quantization.dtype) ? QUANT_BYTES[entry.quantization.dtype] : undefined;
    if (q === undefined) {
      throw new WebgradError(`weight '${entry.name}' is quantized as '${entry.quantization.dtype}', which is not supported (supported: uint8, uint16, float16).`);
    }
    return n * q;
  }
  const b = Object.hasOwn(DTYPE_BYTES, entry.dtype) ? DTYPE_BYTES[entry.dtype] : undefined;
  if (b === undefined) {
    throw new WebgradError(`weight '${entry.name}' has dtype '${entry.dtype}', which webgrad cannot read (model weights must be float32).`);
  }
  return n * b;
}

/** Joins buffers into one ArrayBuffer (no copy when there is only one whole buffer). */
export function concatBuffers(parts: readonly (ArrayBuffer | ArrayBufferView)[]): ArrayBuffer {
  const views = parts.map((p) => (p instanceof ArrayBuffer ? new Uint8Array(p) : new Uint8Array(p.buffer, p.byteOffset, p.byteLength)));
  if (views.length === 1 && parts[0] instanceof ArrayBuffer) return parts[0];
  const total = views.reduce((n, v) => n + v.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const v of views) {
    out.set(v, off);
    off += v.byteLength;
  }
  return out.buffer;
}

/** ModelArtifacts.weightData as one ArrayBuffer (TF.js may hand an array of them). */
export function joinWeightData(data: ModelArtifacts['weightData']): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  if (Array.isArray(data)) {
    const parts = data as unknown[];
    const bad = parts.findIndex((d) => !(d instanceof ArrayBuffer || ArrayBuffer.isView(d)));
    if (bad >= 0) throw new WebgradError(`weightData must be an ArrayBuffer or an array of ArrayBuffers, but weightData[${bad}] is ${preview(parts[bad])}.`);
    return concatBuffers(data);
  }
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) return concatBuffers([data]);
  throw new WebgradError(`weightData must be an ArrayBuffer or an array of ArrayBuffers, got ${Object.prototype.toString.call(data)}.`);
}

/** Float32 values in little-endian byte order. */
function float32Bytes(values: Float32Array): Uint8Array {
  const copy = new Float32Array(values);
  const bytes = new Uint8Array(copy.buffer);
  if (!isLittleEndian) {
    for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  }
  return bytes;
}

export interface NamedWeight {
  name: string;
  shape: readonly number[];
  values: Float32Array;
}

/** Encodes float32 weights as TF.js does (tf.io.encodeWeights): specs in order and one buffer. */
export function encodeWeights(weights: readonly NamedWeight[]): { specs: WeightsManifestEntry[]; data: ArrayBuffer } {
  const specs: WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const w of weights) {
    const n = elementCount(w.shape);
    if (w.values.length !== n) throw new WebgradError(`weight '${w.name}': ${w.values.length} values do not fill shape [${w.shape.join(', ')}].`);
    specs.push({ name: w.name, shape: [...w.shape], dtype: 'float32' });
    parts.push(float32Bytes(w.values));
  }
  return { specs, data: concatBuffers(parts) };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Decodes the weights named in `wanted` (all float32 weights when omitted)
 * from the stream; other entries are only skipped over. Checks that the
 * stream holds exactly the bytes the entries need.
 */
export function decodeWeights(
  specs: readonly WeightsManifestEntry[],
  buffer: ArrayBuffer,
  source: string,
  wanted?: (entry: WeightsManifestEntry) => boolean,
): Map<string, { shape: number[]; values: Float32Array }> {
  const sizes = specs.map((s) => {
    checkWeightEntry(s, source);
    if (s.dtype === 'string') {
      throw new WebgradError(`${source}: weight '${s.name}' has dtype 'string', which is not supported (Dense weights are float32).`);
    }
    return weightByteLength(s);
  });
  const need = sizes.reduce((a, b) => a + b, 0);
  if (buffer.byteLength !== need) {
    throw new WebgradError(`${source}: the weight data holds ${buffer.byteLength} bytes, but the weights manifest (${specs.length} weights) needs ${need} bytes${buffer.byteLength < need ? ' (missing or truncated weight file?)' : ''}.`);
  }
  const view = new DataView(buffer);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  let off = 0;
  specs.forEach((s, i) => {
    const start = off;
    off += sizes[i];
    if (wanted ? !wanted(s) : s.group === 'optimizer') return;
    const n = elementCount(s.shape);
    const values = new Float32Array(n);
    const q = s.quantization;
    if (q) {
      if (s.dtype !== 'float32') throw new WebgradError(`${source}: weight '${s.name}' has dtype '${s.dtype}' (quantized); only float32 weights are supported.`);
      if (q.dtype === 'float16') {
        for (let k = 0; k < n; k++) values[k] = halfToFloat(view.getUint16(start + 2 * k, true));
      } else {
        const scale = q.scale ?? 1;
        const min = q.min ?? 0;
        for (let k = 0; k < n; k++) {
          const v = q.dtype === 'uint8' ? view.getUint8(start + k) : view.getUint16(start + 2 * k, true);
          values[k] = v * scale + min;
        }
      }
    } else if (s.dtype === 'float32') {
      for (let k = 0; k < n; k++) values[k] = view.getFloat32(start + 4 * k, true);
    } else {
      throw new WebgradError(`${source}: weight '${s.name}' has dtype '${s.dtype}'; only float32 weights are supported.`);
    }
    if (out.has(s.name)) throw new WebgradError(`${source}: the weights manifest names '${s.name}' twice.`);
    out.set(s.name, { shape: [...s.shape], values });
  });
  return out;
}

/** Validates a model.json weightsManifest and returns its entries in stream order. */
export function manifestEntries(manifest: unknown, source: string): { specs: WeightsManifestEntry[]; groups: WeightsManifestConfig } {
  if (!Array.isArray(manifest)) {
    throw new WebgradError(`${source}: 'weightsManifest' must be an array of { paths, weights } groups, got ${preview(manifest)}.`);
  }
  const specs: WeightsManifestEntry[] = [];
  (manifest as readonly unknown[]).forEach((entry, i) => {
    const g = (typeof entry === 'object' && entry !== null ? entry : {}) as { paths?: unknown; weights?: unknown };
    if (typeof entry !== 'object' || entry === null || !isArray(g.paths) || !isArray(g.weights)) {
      throw new WebgradError(`${source}: weightsManifest[${i}] must be { paths: [...], weights: [...] }, got ${preview(entry, 120)}.`);
    }
    if (g.paths.some((p: unknown) => typeof p !== 'string' || p === '')) throw new WebgradError(`${source}: weightsManifest[${i}].paths must be file names, got ${preview(g.paths)}.`);
    for (const w of g.weights) specs.push(checkWeightEntry(w, `${source} weightsManifest[${i}]`));
  });
  return { specs, groups: manifest as WeightsManifestConfig };
}

/** Most weight bytes one load reads (they are joined into one ArrayBuffer). */
const MAX_WEIGHT_BYTES = 2 ** 32;

/**
 * One weight file, opened by a handler: its size when known before reading
 * (a file's stat, an honest Content-Length), and a read of its bytes.
 */
export interface WeightFile {
  size: number | null;
  read(): Promise<ArrayBuffer>;
  /** Releases the file (closes it, cancels an unread body); called once, read or not. */
  close?(): Promise<void> | void;
}

/**
 * Opens weight file `path` of the manifest; `maxBytes` is what its whole
 * group needs, so a reader must never return (or buffer) more than that.
 */
export type OpenWeightFile = (path: string, maxBytes: number) => Promise<WeightFile>;

async function closeAll(files: readonly WeightFile[]): Promise<void> {
  await Promise.all(files.map(async (f) => {
    try {
      await f.close?.();
    } catch {
      // Closing is best effort; the load's own outcome is what matters.
    }
  }));
}

/**
 * Reads every shard named in the manifest (group by group, as TF.js does):
 * opens a group's files, checks their sizes against what the group's
 * weights need before reading any of them, reads them and checks the byte
 * counts again. Returns the joined stream.
 */
export async function readShards(groups: WeightsManifestConfig, source: string, open: OpenWeightFile): Promise<ArrayBuffer> {
  // Every group's size from the manifest first: a hostile one must not set
  // the bound a reader reads up to before anything is fetched.
  const needs = groups.map((g) => g.weights.reduce((n, w) => {
    if (w.dtype === 'string') throw new WebgradError(`${source}: weight '${w.name}' has dtype 'string', which is not supported (Dense weights are float32).`);
    return n + weightByteLength(w);
  }, 0));
  const total = needs.reduce((a, b) => a + b, 0);
  if (!(total <= MAX_WEIGHT_BYTES)) {
    throw new WebgradError(`${source}: the weights manifest needs ${total} bytes of weights, more than the ${MAX_WEIGHT_BYTES} webgrad loads into memory at once (a wrong shape?).`);
  }
  const parts: ArrayBuffer[] = [];
  for (const [i, g] of groups.entries()) {
    const need = needs[i];
    const sizeError = (sizes: readonly (number | null)[]): WebgradError => {
      const got = sizes.reduce<number>((n, b) => n + (b ?? 0), 0);
      const files = g.paths.map((p, k) => `'${p}' (${sizes[k] ?? '?'} bytes)`).join(', ');
      const what = g.paths.length === 1 ? `weight file ${files}` : `weight files ${files} of weightsManifest[${i}]`;
      return new WebgradError(`${source}: ${what}: expected ${need} bytes for weights ${g.weights.map((w) => `'${w.name}'`).join(', ')}, got ${got}${got < need ? ' (the file is truncated)' : ''}.`);
    };
    const settled = await Promise.allSettled(g.paths.map((p) => open(p, need)));
    const files = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const sizes = files.map((f) => f.size);
      if (sizes.every((s) => s !== null) && sizes.reduce<number>((n, s) => n + s, 0) !== need) throw sizeError(sizes);
      const bufs = await Promise.all(files.map((f) => f.read()));
      if (bufs.some((b, k) => sizes[k] !== null && b.byteLength !== sizes[k]) || bufs.reduce((n, b) => n + b.byteLength, 0) !== need) {
        throw sizeError(bufs.map((b) => b.byteLength));
      }
      parts.push(...bufs);
    } finally {
      await closeAll(files);
    }
  }
  return concatBuffers(parts);
}
