// The bench's jax-js CNN (bench/systems/jax.mjs) runs in Node on jax-js's
// wasm device, without a browser: its first loss must be the float64 forward
// pass of the same weights (bench/lib/common.mjs cnnLoss), the weights after
// one SGD step must give the loss the next step reports, and the update
// divided by the learning rate must be the gradient: per parameter tensor,
// its dot product with a random direction equals a float64 central
// difference of cnnLoss along that direction. This covers the NCHW/OIHW
// transposes and the permuted first dense kernel the adapter uses.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
// @ts-expect-error: plain JavaScript modules of the bench, without declarations
import { makeJax } from '../../bench/systems/jax.mjs';
// @ts-expect-error: plain JavaScript module of the bench, without declarations
import { cnnWeights, cnnLoss, uniform } from '../../bench/lib/common.mjs';
// @ts-expect-error: plain JavaScript module of the bench, without declarations
import { ensureMnist } from '../../bench/data.mjs';

type Model = {
  prepare(x: Float32Array, y: Float32Array, n: number): unknown;
  step(h: unknown): Promise<number>;
  weights(): Promise<Float32Array[]>;
  release(h: unknown): void;
  dispose(): void;
};
type Loss = (w: ArrayLike<number>[], x: Float32Array, y: Float32Array, n: number, input: number[]) => number;

const ROOT = resolve(__dirname, '../..');
const JAX_URL = pathToFileURL(resolve(ROOT, 'node_modules/@jax-js/jax/dist/index.js')).href;
const LAYERS = [{ conv: [3, 3, 1, 32] }, { conv: [3, 3, 32, 64] }, { dense: [5 * 5 * 64, 128] }, { dense: [128, 10] }];
const INPUT = [28, 28, 1];
const N = 8, LR = 0.05;

function digits(n: number): { x: Float32Array; y: Float32Array } {
  const buf = readFileSync(ensureMnist() as string);
  const count = buf.readUInt32LE(0);
  // plus a little noise: no pixel is exactly 0, so no pre-activation sits on relu's or max-pool's kink,
  // where a finite difference and a gradient may rightly differ
  const noise = uniform(n * 784, 3, 0.01, 0.05) as Float32Array;
  const x = new Float32Array(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + 8 + n * 784 * 4)).map((v, i) => v + noise[i]);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + buf[8 + count * 784 * 4 + i]] = 1;
  return { x, y };
}

test('jax-js CNN: first loss = float64 forward pass, SGD update = float64 gradient (finite differences)', async () => {
  const sys = makeJax('wasm', { url: JAX_URL });
  await sys.init();
  const { x, y } = digits(N);
  const w0 = (cnnWeights as (l: unknown, s: number) => Float32Array[])(LAYERS, 7);
  const loss = cnnLoss as Loss;
  const m: Model = await sys.cnn({ input: INPUT, layers: LAYERS, loss: 'categoricalCrossentropy', optimizer: { name: 'sgd', lr: LR } }, w0);
  const h = m.prepare(x, y, N);
  try {
    const l0 = await m.step(h);
    expect(Math.abs(l0 - loss(w0, x, y, N, INPUT))).toBeLessThan(1e-5 * l0);
    const w1 = await m.weights();
    expect(w1.map((w) => w.length)).toEqual(w0.map((w) => w.length));
    const l1 = await m.step(h);
    expect(l1).toBeLessThan(l0);
    expect(Math.abs(l1 - loss(w1, x, y, N, INPUT))).toBeLessThan(1e-5 * l1);
    // gradient of each parameter tensor along a random direction d: update·d / lr vs (L(w0 + e·d) - L(w0 - e·d)) / 2e
    // e small enough that no relu or max-pool switches inside [w0 - e·d, w0 + e·d] (1e-4 crossed some in conv 2)
    const e = 1e-6;
    for (let t = 0; t < w0.length; t++) {
      const d = uniform(w0[t].length, 100 + t) as Float32Array;
      let fromUpdate = 0, scale = 0;
      for (let i = 0; i < d.length; i++) { fromUpdate += ((w0[t][i] - w1[t][i]) / LR) * d[i]; scale += Math.abs(w0[t][i] - w1[t][i]) / LR; }
      const shifted = (s: number) => w0.map((w, k) => (k === t ? Float64Array.from(w, (v, i) => v + s * e * d[i]) : w));
      const fd = (loss(shifted(1), x, y, N, INPUT) - loss(shifted(-1), x, y, N, INPUT)) / (2 * e);
      expect(scale, `tensor ${t} was not updated`).toBeGreaterThan(0);
      expect(Math.abs(fromUpdate - fd), `tensor ${t}: update/lr·d ${fromUpdate}, finite difference ${fd}`).toBeLessThan(1e-3 * Math.abs(fd) + 1e-5 * scale);
    }
  } finally {
    m.release(h);
    m.dispose();
  }
});
