// Weight data in the TensorFlow.js format: one little-endian byte stream
// holding every weight in manifest order (row-major values), described by a
// list of { name, shape, dtype } entries. On disk the stream is cut into one
// or more shard files per manifest group.
import { WebgradError } from '../core/errors.js';
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
  if (typeof entry !== 'object' || entry === null) throw new WebgradError(`${where}: a weight entry must be an object { name, shape, dtype }, got ${JSON.stringify(e)}.`);
  if (typeof entry.name !== 'string' || entry.name === '') throw new WebgradError(`${where}: a weight entry has no name: ${JSON.stringify(e)}.`);
  if (!Array.isArray(entry.shape) || entry.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new WebgradError(`${where}: weight '${entry.name}' has an invalid shape ${JSON.stringify(entry.shape)} (expected an array of non-negative integers).`);
  }
  if (typeof entry.dtype !== 'string') throw new WebgradError(`${where}: weight '${entry.name}' has no dtype.`);
  return entry;
}

/** Bytes a weight takes in the stream (quantized weights take their stored size). */
export function weightByteLength(entry: WeightsManifestEntry): number {
  const n = elementCount(entry.shape);
  if (entry.quantization) {
    const q = QUANT_BYTES[entry.quantization.dtype];
    if (q === undefined) {
      throw new WebgradError(`weight '${entry.name}' is quantized as '${entry.quantization.dtype}', which is not supported (supported: uint8, uint16, float16).`);
    }
    return n * q;
  }
  const b = DTYPE_BYTES[entry.dtype];
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
  if (Array.isArray(data)) return concatBuffers(data);
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
    throw new WebgradError(`${source}: 'weightsManifest' must be an array of { paths, weights } groups, got ${JSON.stringify(manifest)?.slice(0, 80)}.`);
  }
  const specs: WeightsManifestEntry[] = [];
  manifest.forEach((entry: unknown, i) => {
    const g = (typeof entry === 'object' && entry !== null ? entry : {}) as { paths?: unknown; weights?: unknown };
    if (typeof entry !== 'object' || entry === null || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new WebgradError(`${source}: weightsManifest[${i}] must be { paths: [...], weights: [...] }, got ${JSON.stringify(g)?.slice(0, 120)}.`);
    }
    if (g.paths.some((p: unknown) => typeof p !== 'string' || p === '')) throw new WebgradError(`${source}: weightsManifest[${i}].paths must be file names, got ${JSON.stringify(g.paths)}.`);
    for (const w of g.weights) specs.push(checkWeightEntry(w, `${source} weightsManifest[${i}]`));
  });
  return { specs, groups: manifest as WeightsManifestConfig };
}

/**
 * Reads every shard named in the manifest with `read` (group by group, path
 * by path, as TF.js does), checks each group's byte count and returns the
 * joined stream.
 */
export async function readShards(
  groups: WeightsManifestConfig,
  source: string,
  read: (path: string) => Promise<ArrayBuffer>,
): Promise<ArrayBuffer> {
  const parts: ArrayBuffer[] = [];
  for (const [i, g] of groups.entries()) {
    const need = g.weights.reduce((n, w) => {
      if (w.dtype === 'string') throw new WebgradError(`${source}: weight '${w.name}' has dtype 'string', which is not supported (Dense weights are float32).`);
      return n + weightByteLength(w);
    }, 0);
    const bufs = await Promise.all(g.paths.map((p) => read(p)));
    const got = bufs.reduce((n, b) => n + b.byteLength, 0);
    if (got !== need) {
      const files = g.paths.map((p, k) => `'${p}' (${bufs[k].byteLength} bytes)`).join(', ');
      const what = g.paths.length === 1 ? `weight file ${files}` : `weight files ${files} of weightsManifest[${i}]`;
      throw new WebgradError(`${source}: ${what}: expected ${need} bytes for weights ${g.weights.map((w) => `'${w.name}'`).join(', ')}, got ${got}${got < need ? ' (the file is truncated)' : ''}.`);
    }
    parts.push(...bufs);
  }
  return concatBuffers(parts);
}

