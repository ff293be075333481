// The bench's jax-js trainer (bench/systems/jax.mjs) takes the learning rate
// as an argument of its jitted step, so setLearningRate (the per-epoch decay
// of cnn-mnist-to-98) must act on the next step without recompiling: a model
// built at one rate and set to another before a step must end where a model
// built at the other rate does, for SGD and Adam, and differ from one left at
// the first rate.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
// @ts-expect-error: plain JavaScript modules of the bench, without declarations
import { makeJax } from '../../bench/systems/jax.mjs';
// @ts-expect-error: plain JavaScript module of the bench, without declarations
import { mlpWeights, uniform } from '../../bench/lib/common.mjs';

type Model = {
  prepare(x: Float32Array, y: Float32Array, n: number): unknown;
  step(h: unknown): Promise<number>;
  setLearningRate(lr: number): void;
  weights(): Promise<Float32Array[]>;
  release(h: unknown): void;
  dispose(): void;
};

const JAX_URL = pathToFileURL(resolve(__dirname, '../../node_modules/@jax-js/jax/dist/index.js')).href;
const SIZES = [6, 8, 3], N = 5;

test('jax-js trainer: setLearningRate acts on the next step (SGD, Adam)', async () => {
  const sys = makeJax('wasm', { url: JAX_URL });
  await sys.init();
  const x = uniform(N * SIZES[0], 21) as Float32Array, y = new Float32Array(N * SIZES[2]);
  for (let i = 0; i < N; i++) y[i * SIZES[2] + (i % SIZES[2])] = 1;
  for (const name of ['sgd', 'adam']) {
    const [a, b] = [0.1, 0.02];
    const after = async (lr: number, setTo?: number): Promise<Float32Array[]> => {
      const m: Model = await sys.mlp({ sizes: SIZES, acts: ['relu', 'softmax'], loss: 'categoricalCrossentropy', optimizer: { name, lr } }, mlpWeights(SIZES, 3));
      const h = m.prepare(x, y, N);
      try {
        await m.step(h);
        if (setTo !== undefined) m.setLearningRate(setTo);
        await m.step(h);
        return await m.weights();
      } finally { m.release(h); m.dispose(); }
    };
    // b then b, vs b then a (set), vs a then a: the set model's second step is a step at a from b's first-step weights,
    // so it must differ from both uniform runs; and set to the same rate it must equal the uniform run exactly
    const bb = await after(b), bSetB = await after(b, b), bSetA = await after(b, a);
    bb.forEach((w, i) => expect(Array.from(bSetB[i])).toEqual(Array.from(w)));
    const dist = (p: Float32Array[], q: Float32Array[]) => p.reduce((s, w, i) => s + w.reduce((t, v, k) => t + Math.abs(v - q[i][k]), 0), 0);
    const w0 = mlpWeights(SIZES, 3) as Float32Array[];
    // the second step at a moves further than at b: total distance from the start grows
    expect(dist(bSetA, w0), name).toBeGreaterThan(dist(bb, w0) * 1.2);
  }
});
