// Round trips to the GPU per read: data() of a tensor made from JavaScript
// values needs none, data() of a view of computed values (getWeights()
// returns such views) one, or none where a compiled step copies its
// variables to the host anyway (fit() does, to recover from a lost device),
// so a fit() step on tensors and reads of weights after it are one
// submission in all. Values read this way match the CPU backend's, step
// after step.
import { afterAll, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend, type TestBackend } from '../helpers/backends.js';
import { batch, mlpStep } from '../scheduler/mlp_fixture.js';

const submits = (): number => wg.stats().submits;

/** The bench's tiny model: 2-16-16-1, tanh/tanh/sigmoid, binary cross-entropy, SGD, with fixed weights. */
function tinyModel(): wg.Sequential {
  const sizes = [2, 16, 16, 1];
  const acts = ['tanh', 'tanh', 'sigmoid'] as const;
  const model = wg.sequential({
    layers: sizes.slice(1).map((units, l) => wg.layers.dense({ units, activation: acts[l], ...(l === 0 ? { inputShape: [2] } : {}) })),
  });
  const init = sizes.slice(1).flatMap((units, l) => [
    wg.tensor(Float32Array.from({ length: sizes[l] * units }, (_, k) => Math.sin(k * 1.3 + l) * 0.6), [sizes[l], units]),
    wg.tensor(Float32Array.from({ length: units }, (_, k) => Math.cos(k + l) * 0.1), [units]),
  ]);
  model.setWeights(init);
  init.forEach((t) => t.dispose());
  model.compile({ optimizer: wg.train.sgd(0.5), loss: 'binaryCrossentropy' });
  return model;
}

const xs = Float32Array.from({ length: 64 }, (_, k) => Math.sin(k * 7.1) * 2);
const ys = Float32Array.from({ length: 32 }, (_, k) => (xs[2 * k] * xs[2 * k + 1] > 0 ? 1 : 0));

/** Losses and every weight of the last layer after each of `steps` fit() calls, read as the bench reads them. */
async function train(backend: TestBackend, steps: number): Promise<{ losses: number[]; weights: number[][][]; submitsPerStep: number }> {
  await useBackend(backend);
  const model = tinyModel();
  const x = wg.tensor(xs, [32, 2]);
  const y = wg.tensor(ys, [32, 1]);
  const losses: number[] = [];
  const weights: number[][][] = [];
  let before = 0;
  for (let i = 0; i < steps; i++) {
    if (i === 2) before = submits(); // after the first fit (compiles and uploads)
    const h = await model.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    losses.push(h.history.loss[0]);
    const ws = model.layers.at(-1)!.getWeights();
    // Both copies read at once: each has its own values, however staging buffers are shared.
    weights.push((await Promise.all(ws.map((t) => t.data()))).map((d) => Array.from(d)));
    ws.forEach((t) => t.dispose());
  }
  const submitsPerStep = (submits() - before) / (steps - 2);
  x.dispose();
  y.dispose();
  model.dispose();
  return { losses, weights, submitsPerStep };
}

describe('read-backs', () => {
  afterAll(() => useBackend('cpu'));

  test('data() of a tensor made from values reads no GPU memory, before and after the tensor is used there', async () => {
    await useBackend('webgpu');
    const values = Float32Array.from([1.5, -2, 3.25, 4, 5, 6]);
    const t = wg.tensor(values, [2, 3]);
    const s0 = submits();
    const first = await t.data();
    expect(submits()).toBe(s0);
    expect(Array.from(first)).toEqual(Array.from(values));
    first[0] = 99; // a copy: changing it changes nothing
    const doubled = wg.mul(t, 2);
    expect(Array.from(await doubled.data())).toEqual(Array.from(values, (v) => v * 2));
    const s1 = submits();
    expect(Array.from(await t.data())).toEqual(Array.from(values));
    expect(submits()).toBe(s1);
    doubled.dispose();
    t.dispose();
  });

  test.each([
    ['one submission each', false, 1],
    ['none, with the step\'s host copy', true, 0],
  ])('data() of a view of a compiled step\'s result: %s, with the values of that moment', async (_, keepHostCopy, perRead) => {
    await useBackend('webgpu');
    const { step, vars } = await mlpStep(true, keepHostCopy);
    const reads: { view: number[]; direct: number[] }[] = [];
    for (let i = 0; i < 3; i++) {
      step.run(batch(i)).forEach((t) => t.dispose());
      // The weights now hold the step's buffers, with no copy on the host.
      const s0 = submits();
      const views = [wg.reshape(vars[2].value, [256]), wg.reshape(vars[3].value, [4, 4])];
      const [w, b] = await Promise.all(views.map((v) => v.data()));
      expect(submits() - s0).toBe(2 * perRead);
      views.forEach((v) => v.dispose());
      reads.push({ view: [...w, ...b], direct: [...(await vars[2].data()), ...(await vars[3].data())] });
    }
    for (const r of reads) expect(r.view).toEqual(r.direct);
    // Each read saw the weights after its own step.
    expect(reads[1].view).not.toEqual(reads[0].view);
    expect(reads[2].view).not.toEqual(reads[1].view);
    step.dispose();
    vars.forEach((v) => v.dispose());
  });

  test('a view read while its source\'s buffer goes back to the pool and is reused keeps its values', async () => {
    await useBackend('webgpu');
    const a = wg.tensor(Float32Array.from({ length: 12 }, (_, k) => k - 3), [3, 4]);
    const sq = wg.mul(a, a);
    const late = wg.reshape(sq, [2, 6]);
    sq.dispose();
    const reuse = wg.add(a, 100);
    const [l, r] = await Promise.all([late.data(), reuse.data()]);
    expect(Array.from(l)).toEqual(Array.from({ length: 12 }, (_, k) => (k - 3) ** 2));
    expect(Array.from(r)).toEqual(Array.from({ length: 12 }, (_, k) => k - 3 + 100));
    late.dispose();
    reuse.dispose();
    a.dispose();
  });

  test('fit() on tensors and a read of the last bias: one submission per step, weights read included, the CPU backend\'s values', async () => {
    const steps = 8;
    const gpu = await train('webgpu', steps);
    const cpu = await train('cpu', steps);
    expect(gpu.submitsPerStep).toBe(1);
    for (let i = 0; i < steps; i++) {
      expect(gpu.losses[i]).toBeCloseTo(cpu.losses[i], 5);
      gpu.weights[i].forEach((w, j) => w.forEach((v, k) => expect(v).toBeCloseTo(cpu.weights[i][j][k], 5)));
    }
    // Each step changed the bias: no read returned a stale value.
    for (let i = 1; i < steps; i++) expect(gpu.weights[i][1][0]).not.toBe(gpu.weights[i - 1][1][0]);
  });
});
