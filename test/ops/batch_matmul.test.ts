// matMul of rank >= 3 (TensorFlow.js semantics: [..., m, k] x [..., k, n],
// batch dimensions broadcast) on both backends, against the float64 reference.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectTensorClose, Rng } from '../helpers/allclose.js';
import * as lref from '../helpers/layout_reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);

/** Stored shape of an operand [...batch, rows, cols], swapped when transposed. */
const stored = (batch: number[], rows: number, cols: number, trans: boolean): number[] => [...batch, ...(trans ? [cols, rows] : [rows, cols])];

describeEachBackend('batched matMul', () => {
  // [batch of a, batch of b, m, k, n]
  const CASES: [number[], number[], number, number, number][] = [
    [[2], [2], 3, 4, 5],
    [[3], [], 17, 33, 9],
    [[], [4], 5, 6, 7],
    [[3, 1], [4], 5, 7, 2],
    [[2, 1, 3], [1, 4, 1], 2, 3, 4],
    [[1], [5], 1, 1, 1],
    [[2], [2], 40, 37, 19],
    [[4], [1], 16, 16, 16],
  ];
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    test(`broadcast batches, odd sizes, transposeA=${ta} transposeB=${tb}`, async () => {
      const rng = new Rng(ta ? (tb ? 4 : 3) : tb ? 2 : 1);
      for (const [ba, bb, m, k, n] of CASES) {
        const a = rng.nd(stored(ba, m, k, ta));
        const b = rng.nd(stored(bb, k, n, tb));
        const y = wg.matMul(T(a), T(b), ta, tb);
        await expectTensorClose(y, lref.batchMatMul(a, b, ta, tb), { rtol: 1e-4, atol: 1e-5 * Math.sqrt(k) }, `[${a.shape}] x [${b.shape}]`);
      }
    });
  }

  test('rank 4 by rank 2 (one product over all rows) and empty batches', async () => {
    const rng = new Rng(5);
    const a = rng.nd([2, 3, 5, 6]);
    const w = rng.nd([6, 4]);
    await expectTensorClose(wg.matMul(T(a), T(w)), lref.batchMatMul(a, w), { rtol: 1e-4, atol: 1e-5 }, 'rank 4 x matrix');
    const e = wg.matMul(wg.zeros([0, 3, 4]), wg.zeros([4, 5]));
    expect(e.shape).toEqual([0, 3, 5]);
    const e2 = wg.matMul(wg.zeros([2, 0, 3, 4]), wg.zeros([1, 4, 5]));
    expect(e2.shape).toEqual([2, 0, 3, 5]);
    expect((await e2.data()).length).toBe(0);
  });

  test('x[batch, seq, k] · w + b then relu fuses into one matmul kernel', async () => {
    const rng = new Rng(6);
    const x = T(rng.nd([4, 3, 8]));
    const w = T(rng.nd([8, 5]));
    const b = T(rng.nd([5]));
    await x.data();
    await w.data();
    await b.data();
    const y = x.matMul(w).add(b).relu();
    const before = wg.stats().dispatches;
    const values = await y.data();
    expect(wg.stats().dispatches - before).toBe(1);
    expect(y.shape).toEqual([4, 3, 5]);
    const xs = await x.data();
    const ws = await w.data();
    const bs = await b.data();
    // The float64 value of relu(x · w + b), row by row of the [12, 8] rows of x.
    for (let r = 0; r < 12; r++) {
      for (let j = 0; j < 5; j++) {
        let s = bs[j];
        for (let p = 0; p < 8; p++) s += xs[r * 8 + p] * ws[p * 5 + j];
        expect(values[r * 5 + j]).toBeCloseTo(Math.max(s, 0), 5);
      }
    }
  });
});
