// Training is reproducible: the same initial weights, the same data and the
// same shuffling seed give bit-identical weights on every backend, a model
// predicts bit-identically across calls, and the weights getWeights() reports
// after fit() are the ones that predicted (what the MNIST demo checks when it
// reopens a downloaded model). Without a seed, fit() shuffles each epoch
// differently: the rows of a batch then come in another order, and the
// backends that sum in float32 (wasm, webgpu) give weights that differ in the
// last bits. The wasm backend is checked with worker threads as well, on a
// model whose matmuls are large enough to be split across them.
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { Rng } from '../helpers/allclose.js';
import { THREADED_GEMM_WORK } from '../../src/backends/wasm/wasm_gemm.js';

type Spec = { image: number; filters: [number, number]; dense: number };
const SMALL: Spec = { image: 10, filters: [4, 6], dense: 12 };
// The bench CNN: its second convolution is a 64*11*11 x 288 x 64 matmul per batch of 64.
const BENCH: Spec = { image: 28, filters: [32, 64], dense: 128 };

function cnn(s: Spec): wg.Sequential {
  return wg.sequential({
    layers: [
      wg.layers.conv2d({ filters: s.filters[0], kernelSize: 3, activation: 'relu', inputShape: [s.image, s.image, 1] }),
      wg.layers.maxPooling2d({ poolSize: 2 }),
      wg.layers.conv2d({ filters: s.filters[1], kernelSize: 3, activation: 'relu' }),
      ...(s.image >= 28 ? [wg.layers.maxPooling2d({ poolSize: 2 })] : []),
      wg.layers.flatten(),
      wg.layers.dense({ units: s.dense, activation: 'relu' }),
      wg.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

function data(s: Spec, n: number, seed: number): { x: wg.Tensor; y: wg.Tensor } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * s.image * s.image }, () => rng.uniform(0, 1));
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + Math.floor(rng.uniform(0, 10))] = 1;
  return { x: wg.tensor(x, [n, s.image, s.image, 1]), y: wg.tensor(y, [n, 10]) };
}

async function weightsOf(m: wg.Sequential): Promise<Float32Array[]> {
  return Promise.all(m.getWeights().map(async (t) => (await t.data()) as Float32Array));
}

/** Trains a fresh model from `init` (its own initial weights when null); returns the model and its initial weights. */
async function train(s: Spec, init: Float32Array[] | null, fits: number, batch: number, args: wg.ModelFitArgs): Promise<{ model: wg.Sequential; init: Float32Array[] }> {
  const model = cnn(s);
  model.compile({ optimizer: wg.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  if (init) model.setWeights(init.map((w, i) => wg.tensor(w, model.getWeights()[i].shape)));
  const start = await weightsOf(model);
  for (let f = 0; f < fits; f++) {
    const { x, y } = data(s, batch * 2, 100 + f);
    await model.fit(x, y, { batchSize: batch, verbose: 0, ...args });
    x.dispose();
    y.dispose();
  }
  return { model, init: start };
}

/** Indices of the first element that differs, per weight (-1: bit-identical). */
function firstDifference(a: Float32Array[], b: Float32Array[]): number[] {
  return a.map((w, i) => w.findIndex((v, j) => !Object.is(v, b[i][j])));
}

async function expectIdenticalTrainings(s: Spec, fits: number, batch: number, args: wg.ModelFitArgs): Promise<wg.Sequential> {
  const a = await train(s, null, fits, batch, args);
  const b = await train(s, a.init, fits, batch, args);
  const [wa, wb] = [await weightsOf(a.model), await weightsOf(b.model)];
  expect(firstDifference(wa, a.init).every((d) => d >= 0)).toBe(true); // every weight moved
  expect(firstDifference(wa, wb)).toEqual(wa.map(() => -1));
  b.model.dispose();
  return a.model;
}

describeEachBackend('reproducible training', () => {
  test('the same seed, the same weights: two trainings with shuffling end bit-identical; predictions repeat; getWeights() is what predicted', async () => {
    const model = await expectIdenticalTrainings(SMALL, 2, 16, { epochs: 2, shuffle: true, seed: 3 });
    const { x } = data(SMALL, 40, 7);
    const p1 = (await (model.predict(x) as wg.Tensor).data()) as Float32Array;
    const p2 = (await (model.predict(x) as wg.Tensor).data()) as Float32Array;
    expect(firstDifference([p1], [p2])).toEqual([-1]);
    // A model given the trained model's weights (as a download and reopen does) predicts the same bits.
    const reopened = cnn(SMALL);
    reopened.setWeights((await weightsOf(model)).map((w, i) => wg.tensor(w, reopened.getWeights()[i].shape)));
    const p3 = (await (reopened.predict(x) as wg.Tensor).data()) as Float32Array;
    expect(firstDifference([p1], [p3])).toEqual([-1]);
    model.dispose();
    reopened.dispose();
  });
});

describe('reproducible training on wasm worker threads', () => {
  test('the bench CNN: matmuls split across threads, and two trainings end bit-identical, also equal to one thread', async () => {
    expect(64 * 11 * 11 * 288 * 64).toBeGreaterThan(THREADED_GEMM_WORK);
    const threaded = await wg.ready({ backend: 'wasm', threads: 3 });
    expect(threaded.threads).toBe(3);
    const args = { epochs: 1, shuffle: false } as const;
    const a = await expectIdenticalTrainings(BENCH, 3, 64, args);
    const init = await Promise.all(a.getWeights().map(async (t) => (await t.data()) as Float32Array));
    a.dispose();
    // One thread from the same weights: the same bits as three.
    const more = await train(BENCH, init, 2, 64, args);
    const threadedResult = await weightsOf(more.model);
    more.model.dispose();
    await wg.ready({ backend: 'wasm', threads: 1 });
    const single = await train(BENCH, init, 2, 64, args);
    expect(firstDifference(await weightsOf(single.model), threadedResult)).toEqual(threadedResult.map(() => -1));
    single.model.dispose();
    await wg.ready({ backend: 'cpu' });
  }, 300_000);
});
