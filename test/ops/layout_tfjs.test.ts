// The shape ops take TensorFlow.js' arguments and mean what they mean there:
// the same calls, written once for each library, give the same shapes and
// values (TensorFlow.js on its CPU backend is the reference).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend } from '../helpers/backends.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';

/** Two tensors of the same values, one per library. */
function pair(rng: Rng, shape: number[]): [wg.Tensor, tf.Tensor] {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, () => Math.fround(rng.uniform(-2, 2)));
  return [wg.tensor(v, shape), tf.tensor(v, shape)];
}

async function same(label: string, ours: wg.Tensor | wg.Tensor[], theirs: tf.Tensor | tf.Tensor[]): Promise<void> {
  const a = Array.isArray(ours) ? ours : [ours];
  const b = Array.isArray(theirs) ? theirs : [theirs];
  expect(a.length, label).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    expect(a[i].shape, `${label} [${i}] shape`).toEqual(b[i].shape);
    expectAllClose(await a[i].data(), await b[i].data(), { rtol: 1e-5, atol: 1e-6 }, `${label} [${i}]`);
  }
}

describe('shape ops match TensorFlow.js', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    await tf.setBackend('cpu');
  });

  test('slice, split, pad, tile', async () => {
    const rng = new Rng(501);
    const [x, tx] = pair(rng, [4, 5, 3]);
    await same('slice(x, 1)', wg.slice(x, 1), tf.slice(tx, 1));
    await same('slice(x, 1, 2)', wg.slice(x, 1, 2), tf.slice(tx, 1, 2));
    await same('slice(x, [1, 2], [-1, 2])', wg.slice(x, [1, 2], [-1, 2]), tf.slice(tx, [1, 2], [-1, 2]));
    await same('slice(x, [0, 1, 1], [2, 3, -1])', wg.slice(x, [0, 1, 1], [2, 3, -1]), tf.slice(tx, [0, 1, 1], [2, 3, -1]));
    await same('split(x, 2)', wg.split(x, 2), tf.split(tx, 2));
    await same('split(x, [1, -1, 2], 1)', wg.split(x, [1, -1, 2], 1), tf.split(tx, [1, -1, 2], 1));
    await same('split(x, 3, -1)', wg.split(x, 3, -1), tf.split(tx, 3, -1));
    await same('pad', wg.pad(x, [[1, 2], [0, 1], [3, 0]], 1.5), tf.pad(tx, [[1, 2], [0, 1], [3, 0]], 1.5));
    await same('tile', wg.tile(x, [2, 1, 3]), tf.tile(tx, [2, 1, 3]));
  });

  test('concat, stack, gather, where', async () => {
    const rng = new Rng(502);
    const [a, ta] = pair(rng, [2, 3]);
    const [b, tb] = pair(rng, [2, 4]);
    const [c, tc] = pair(rng, [2, 3]);
    await same('concat axis -1', wg.concat([a, b, c], -1), tf.concat([ta, tb, tc], -1));
    await same('stack axis 1', wg.stack([a, c], 1), tf.stack([ta, tc], 1));
    await same('stack axis -1', wg.stack([a, c], -1), tf.stack([ta, tc], -1));
    const [x, tx] = pair(rng, [5, 4, 3]);
    const idx = [[3, 0, 3], [1, 2, 0]];
    await same('gather axis 1, 2-D indices', wg.gather(x, wg.tensor(idx, undefined, 'int32'), 1), tf.gather(tx, tf.tensor(idx, undefined, 'int32'), 1));
    await same('gather axis -1', wg.gather(x, [2, 2, 0], -1), tf.gather(tx, [2, 2, 0], -1));
    const cond = [[1, 0, 0, 1]];
    const [p, tp] = pair(rng, [3, 1]);
    const [q, tq] = pair(rng, [3, 4]);
    await same('where, broadcast', wg.where(wg.tensor(cond), p, q), tf.where(tf.tensor(cond, undefined, 'bool'), tp, tq));
  });

  test('batched matMul with broadcast batch dimensions and transposes; chaining', async () => {
    const rng = new Rng(503);
    // (TensorFlow.js 4.22's CPU backend miscomputes batches broadcast along
    // two axes, e.g. [2, 1, 3, 4] x [5, 4, 2]: it fills 30 of the 60 values.
    // batch_matmul.test.ts checks those against the float64 reference.)
    const [a, ta] = pair(rng, [3, 3, 4]);
    const [b, tb] = pair(rng, [1, 4, 2]);
    await same('matMul broadcast', wg.matMul(a, b), tf.matMul(ta, tb));
    const [b2, tb2] = pair(rng, [4, 2]);
    await same('matMul rank 3 by 2', wg.matMul(a, b2), tf.matMul(ta, tb2));
    const [c, tc] = pair(rng, [3, 4, 3]);
    const [d, td] = pair(rng, [3, 5, 4]);
    await same('matMul transposes', wg.matMul(c, d, true, true), tf.matMul(tc, td, true, true));
    const [x, tx] = pair(rng, [6, 4]);
    const [w, tw] = pair(rng, [4, 3]);
    const [bias, tbias] = pair(rng, [3]);
    await same('x.matMul(w).add(b).relu().sum(1)', x.matMul(w).add(bias).relu().sum(1), tx.matMul(tw).add(tbias).relu().sum(1));
    await same('x.where(cond, 0)', x.where(x.greater(0), 0), tx.where(tx.greater(0), tf.zerosLike(tx)));
    await same('x.concat(x, 1).transpose().reshape([-1])', x.concat(x, 1).transpose().reshape([-1]), tx.concat(tx, 1).transpose().reshape([-1]));
  });
});
