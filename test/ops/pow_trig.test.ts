// pow, sin and cos beyond the op table's walk (test/ops/op_table.test.ts tests
// them near zero): sin and cos over the whole trusted range |x| <= 1e5, where
// the GPU reduces the argument in float32, against float64; pow's TF.js
// semantics (negative bases, zeros, its gradient at base <= 0) against
// TensorFlow.js itself; the Tensor methods.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { TRIG_LIMIT } from '../../src/kernels/elementwise_table.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import { describeEachBackend } from '../helpers/backends.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describeEachBackend('sin and cos', () => {
  test('match float64 for |x| up to 1e4 and up to the limit 1e5 (float32 inputs), NaN beyond', async () => {
    const rng = new Rng(11);
    const xs: number[] = [];
    for (const scale of [1, 10, 100, 1e3, 1e4, TRIG_LIMIT]) {
      for (let i = 0; i < 200; i++) xs.push(Math.fround((2 * rng.next() - 1) * scale));
    }
    // Near multiples of pi/2, where the reduction cancels most.
    for (const k of [1, 2, 3, 100, 6366, 63661]) xs.push(Math.fround((k * Math.PI) / 2), -Math.fround((k * Math.PI) / 2));
    xs.push(TRIG_LIMIT, -TRIG_LIMIT);
    const x = wg.tensor(xs);
    // Absolute tolerance: float32 rounding of the result (6e-8) plus the
    // polynomial (2e-9) and reduction error; 1e-6 leaves room for the GPU's.
    expectAllClose(await wg.sin(x).data(), xs.map(Math.sin), { rtol: 0, atol: 1e-6 }, 'sin');
    expectAllClose(await x.cos().data(), xs.map(Math.cos), { rtol: 0, atol: 1e-6 }, 'cos');
    const beyond = wg.tensor([1.0001e5, -2e5, 1e30, Infinity]);
    expect(Array.from(await wg.sin(beyond).data()).every(Number.isNaN)).toBe(true);
    expect(Array.from(await wg.cos(beyond).data()).every(Number.isNaN)).toBe(true);
    wg.dispose([x, beyond]);
  });

  test('gradients are cos and -sin', async () => {
    const xs = [-9000.5, -3, -0.2, 0, 1.5, 40, 12345.25];
    const [gs] = wg.grads((x: wg.Tensor) => wg.sum(wg.sin(x)))([wg.tensor(xs)]);
    const [gc] = wg.grads((x: wg.Tensor) => wg.sum(wg.cos(x)))([wg.tensor(xs)]);
    expectAllClose(await gs.data(), xs.map(Math.cos), { rtol: 0, atol: 1e-6 }, 'd sin');
    expectAllClose(await gc.data(), xs.map((v) => -Math.sin(v)), { rtol: 0, atol: 1e-6 }, 'd cos');
  });
});

describeEachBackend('pow', () => {
  const bases = [-2, -2, -2, -1.5, -0, 0, 0, 0, 2, 0.5, 3, -3, 1, 10];
  const exps = [3, 0.5, -2, 2, 3, 0, -1, 2.5, 10, -3, 0.5, 0, 1e-3, -2.5];

  test('values as TensorFlow.js: negative base with integer exponent, NaN for fractional ones, pow(0, 0) = 1', async () => {
    const ours = await wg.pow(wg.tensor(bases), wg.tensor(exps)).data();
    const theirs = await tf.pow(tf.tensor1d(bases), tf.tensor1d(exps)).data();
    expect(ours[0]).toBe(-8);
    expect(Number.isNaN(ours[1])).toBe(true);
    expect(ours[5]).toBe(1);
    expectAllClose(ours, theirs, { rtol: 1e-6, atol: 0 }, 'pow vs TF.js');
    // Broadcasting and the method form, with a number exponent.
    expectAllClose(await wg.tensor([[1, 2], [3, 4]]).pow(2).data(), [1, 4, 9, 16], { rtol: 0, atol: 0 }, 'x.pow(2)');
  });

  test("gradients as TensorFlow.js' (d/dexp is 0 where base <= 0), with broadcasting", async () => {
    const rng = new Rng(5);
    const a = [0.5, 2, -2, -1.5, 3, 1.25];
    const b = [2, 3, -1];
    const dy = Array.from({ length: 6 }, () => rng.next() + 0.5);
    const f = (x: wg.Tensor, y: wg.Tensor): wg.Tensor => wg.sum(wg.mul(wg.pow(x, y), wg.tensor(dy, [2, 3])));
    const [ga, gb] = wg.grads(f)([wg.tensor(a, [2, 3]), wg.tensor(b, [3])]);
    const tg = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.pow(x, y), tf.tensor2d(dy, [2, 3]))));
    const [ta, tb] = tg([tf.tensor2d(a, [2, 3]), tf.tensor1d(b)]);
    expectAllClose(await ga.data(), await ta.data(), { rtol: 1e-5, atol: 1e-6 }, 'd/dbase');
    expectAllClose(await gb.data(), await tb.data(), { rtol: 1e-5, atol: 1e-6 }, 'd/dexp');
    expect(gb.shape).toEqual([3]);
  });
});
