// conv2d, conv2dTranspose, maxPool and avgPool take TensorFlow.js' arguments
// and compute what TensorFlow.js (cpu backend) computes, values and
// gradients, on odd sizes, strides 1 and 2, same / valid, dilations, batch > 1
// and channel counts that are not multiples of 4.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';

function pair(rng: Rng, shape: number[]): [wg.Tensor, tf.Tensor] {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, () => Math.fround(rng.uniform(-1, 1)));
  return [wg.tensor(v, shape), tf.tensor(v, shape)];
}

async function same(label: string, ours: wg.Tensor, theirs: tf.Tensor): Promise<void> {
  expect(ours.shape, `${label} shape`).toEqual(theirs.shape);
  expectAllClose(await ours.data(), await theirs.data(), { rtol: 1e-4, atol: 1e-5 }, label);
}

type Pad = 'same' | 'valid';
const CONVS: { x: number[]; f: number[]; s: number; pad: Pad; d: number }[] = [
  { x: [2, 9, 7, 3], f: [3, 3, 3, 5], s: 1, pad: 'same', d: 1 },
  { x: [3, 9, 7, 3], f: [3, 3, 3, 5], s: 2, pad: 'same', d: 1 },
  { x: [2, 8, 11, 5], f: [2, 4, 5, 3], s: 2, pad: 'valid', d: 1 },
  { x: [1, 10, 9, 2], f: [3, 3, 2, 7], s: 1, pad: 'same', d: 2 },
  { x: [2, 10, 9, 6], f: [3, 2, 6, 1], s: 1, pad: 'valid', d: 2 },
  { x: [4, 28, 28, 1], f: [3, 3, 1, 8], s: 1, pad: 'valid', d: 1 },
];

describeEachBackend('conv ops match TensorFlow.js', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  test('conv2d and its gradients', async () => {
    const rng = new Rng(1301);
    for (const c of CONVS) {
      const name = `x ${c.x.join('x')} f ${c.f.join('x')} s${c.s} ${c.pad} d${c.d}`;
      const [x, tx] = pair(rng, c.x);
      const [f, tfl] = pair(rng, c.f);
      const ty = tf.conv2d(tx as tf.Tensor4D, tfl as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d);
      await same(name, wg.conv2d(x, f, c.s, c.pad, 'NHWC', c.d), ty);
      // TensorFlow.js has no conv2d gradient with dilations (conv.test.ts checks those by finite differences).
      if (c.d > 1) continue;
      const [dy, tdy] = pair(rng, ty.shape);
      const [gx, gf] = wg.grads((a, b) => wg.conv2d(a, b, c.s, c.pad, 'NHWC', c.d))([x, f], dy);
      const [tgx, tgf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d))([tx, tfl], tdy);
      await same(`dx ${name}`, gx, tgx);
      await same(`dfilter ${name}`, gf, tgf);
    }
  });

  test('conv2d as a method and on one image (rank 3)', async () => {
    const rng = new Rng(1302);
    const [x, tx] = pair(rng, [7, 6, 3]);
    const [f, tfl] = pair(rng, [3, 3, 3, 2]);
    await same('rank 3', x.conv2d(f, 1, 'same'), tf.conv2d(tx as tf.Tensor3D, tfl as tf.Tensor4D, 1, 'same'));
  });

  test('conv2dTranspose', async () => {
    const rng = new Rng(1303);
    for (const [s, pad] of [[2, 'same'], [1, 'valid'], [2, 'valid']] as const) {
      const outShape: [number, number, number, number] = [2, 9, 8, 3];
      const oh = pad === 'same' ? Math.ceil(9 / s) : Math.floor((9 - 3) / s) + 1;
      const ow = pad === 'same' ? Math.ceil(8 / s) : Math.floor((8 - 3) / s) + 1;
      const [x, tx] = pair(rng, [2, oh, ow, 5]);
      const [f, tfl] = pair(rng, [3, 3, 3, 5]);
      await same(`s${s} ${pad}`, wg.conv2dTranspose(x, f, outShape, s, pad), tf.conv2dTranspose(tx as tf.Tensor4D, tfl as tf.Tensor4D, outShape, s, pad));
    }
  });

  test('maxPool and avgPool and their gradients', async () => {
    const rng = new Rng(1304);
    const cases: { x: number[]; k: number | [number, number]; s: number | [number, number]; pad: Pad }[] = [
      { x: [2, 9, 7, 3], k: 2, s: 2, pad: 'valid' },
      { x: [2, 9, 7, 3], k: 3, s: 2, pad: 'same' },
      { x: [3, 8, 8, 5], k: [2, 3], s: [1, 2], pad: 'same' },
      { x: [1, 6, 5, 1], k: 3, s: 1, pad: 'valid' },
    ];
    for (const c of cases) {
      const [x, tx] = pair(rng, c.x);
      for (const mode of ['max', 'avg'] as const) {
        const name = `${mode} x ${c.x.join('x')} k ${String(c.k)} s ${String(c.s)} ${c.pad}`;
        const ours = (t: wg.Tensor): wg.Tensor => (mode === 'max' ? wg.maxPool(t, c.k, c.s, c.pad) : wg.avgPool(t, c.k, c.s, c.pad));
        const theirs = (t: tf.Tensor): tf.Tensor => (mode === 'max' ? tf.maxPool(t as tf.Tensor4D, c.k, c.s, c.pad) : tf.avgPool(t as tf.Tensor4D, c.k, c.s, c.pad));
        const ty = theirs(tx);
        await same(name, ours(x), ty);
        // TensorFlow.js' avgPool gradient divides by the whole window even where
        // its forward pass divided by the taps inside x ('same' borders); ours
        // is the forward's derivative (conv.test.ts checks it by finite
        // differences), so the two agree only without padding.
        if (mode === 'avg' && c.pad === 'same') continue;
        const [dy, tdy] = pair(rng, ty.shape);
        await same(`grad ${name}`, wg.grad(ours)(x, dy), tf.grad(theirs)(tx, tdy));
      }
    }
  });
});
