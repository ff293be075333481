// sum / mean / max / argMax over single, several, negative and non-contiguous
// axes, with and without keepDims, against the float64 reference.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectAllClose, expectTensorClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);

const CASES: { shape: number[]; axis: number | number[] | undefined }[] = [
  { shape: [], axis: undefined },
  { shape: [1], axis: 0 },
  { shape: [7], axis: undefined },
  { shape: [7, 13], axis: 0 },
  { shape: [7, 13], axis: 1 },
  { shape: [7, 13], axis: -1 },
  { shape: [7, 13], axis: -2 },
  { shape: [7, 13], axis: [0, 1] },
  { shape: [3, 1, 5], axis: 1 },
  { shape: [2, 3, 4, 5], axis: [1, 2] },
  { shape: [2, 3, 4, 5], axis: [0, 2] }, // non-contiguous: transposed inside
  { shape: [2, 3, 4, 5], axis: [-1, 0] },
  { shape: [2, 3, 4, 5], axis: [3, 1, -1] }, // duplicates after normalisation
  { shape: [2, 3, 4, 5], axis: undefined },
  { shape: [1, 1, 1], axis: [0, 2] },
  { shape: [3, 2053], axis: 1 }, // long rows
  { shape: [1000, 3], axis: 0 }, // long strided columns
  // Few long columns (WebGPU: a workgroup per column, reduce_rows with a stride), one and two outer blocks.
  { shape: [2100, 3], axis: 0 },
  { shape: [2, 2100, 5], axis: 1 },
];

const label = (c: { shape: number[]; axis: unknown }, keep: boolean): string => `[${c.shape}] axis=${JSON.stringify(c.axis)} keepDims=${keep}`;

describeEachBackend('reductions', () => {
  for (const op of ['sum', 'mean', 'max'] as const) {
    test(`${op} over axes (keepDims false/true)`, async () => {
      const rng = new Rng(31);
      for (const c of CASES) {
        for (const keep of [false, true]) {
          const x = rng.nd(c.shape, -2, 2);
          const out = wg[op](T(x), c.axis, keep);
          const n = ref.sizeOf(c.shape);
          const tol = op === 'sum' ? { rtol: 1e-5, atol: 2e-6 * Math.sqrt(n) * 4 } : { rtol: 1e-5, atol: 1e-6 };
          await expectTensorClose(out, ref[op](x, c.axis, keep), tol, `${op} ${label(c, keep)}`);
        }
      }
    });
  }

  test('sum/mean/max default to all axes and return a scalar', async () => {
    const rng = new Rng(37);
    const x = rng.nd([4, 5, 6], -1, 1);
    for (const op of ['sum', 'mean', 'max'] as const) {
      const out = wg[op](T(x));
      expect(out.shape).toEqual([]);
      await expectTensorClose(out, ref[op](x), { rtol: 1e-5, atol: 1e-5 }, op);
    }
  });

  test('sum of a long vector (65537) stays accurate', async () => {
    const rng = new Rng(41);
    const x = rng.nd([65537], 0, 1);
    await expectTensorClose(wg.sum(T(x)), ref.sum(x), { rtol: 1e-5, atol: 0 });
    await expectTensorClose(wg.mean(T(x)), ref.mean(x), { rtol: 1e-5, atol: 0 });
  });

  test('max of all-negative rows is not clamped at 0', async () => {
    const rng = new Rng(43);
    const x = rng.nd([5, 9], -10, -1);
    await expectTensorClose(wg.max(T(x), -1), ref.max(x, -1), { rtol: 0, atol: 0 });
  });

  test('an explicit axis on a rank-0 tensor: an axis error, or the value itself (never NaN)', async () => {
    // normalizeAxes accepts axis 0 for rank 0 (and rejects -1 with the range
    // "[0, -1]"); mean then divides by the size of a non-existent dimension.
    for (const op of ['sum', 'mean', 'max'] as const) {
      for (const axis of [0, -1]) {
        let value: number | null = null;
        let message = '';
        try {
          value = (await wg[op](wg.scalar(3), axis).data())[0];
        } catch (e) {
          message = (e as Error).message;
        }
        if (value === null) expect(message, `${op} axis ${axis}`).toMatch(new RegExp(`^${op}: argument 'axis'`));
        else expect(value, `${op}(scalar 3, axis ${axis})`).toBe(3);
      }
    }
  });

  test('argMax along every axis returns int32 indices', async () => {
    const rng = new Rng(47);
    for (const [shape, axes] of [
      [[7], [0, -1]],
      [[7, 13], [0, 1, -1, -2]],
      [[2, 3, 4], [0, 1, 2, -1]],
      [[1, 5], [0, 1]],
      [[4, 1031], [1]],
      [[2, 2100, 5], [1]],
    ] as [number[], number[]][]) {
      const x = rng.nd(shape, -5, 5);
      for (const axis of axes) {
        const out = wg.argMax(T(x), axis);
        expect(out.dtype).toBe('int32');
        await expectTensorClose(out, ref.argMax(x, axis), { rtol: 0, atol: 0 }, `argMax [${shape}] axis ${axis}`);
      }
    }
  });

  test('argMax defaults to the last axis; ties give the first index', async () => {
    const x = ref.nd([3, 4], [1, 3, 3, 0, 5, 5, 5, 5, -1, -2, -1, -3]);
    const out = wg.argMax(T(x));
    expect(out.shape).toEqual([3]);
    expectAllClose(await out.data(), ref.argMax(x, -1).data, { rtol: 0, atol: 0 });
  });
});
