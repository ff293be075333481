// Gradients of the shape ops and batched matMul on both backends, against
// the analytic float64 vector-Jacobian products of layout_reference.ts and
// central finite differences of the float64 forward functions (checkGradients
// also checks those two against each other), with a random upstream gradient.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { checkGradients, Rng, type Tol } from '../helpers/allclose.js';
import * as lref from '../helpers/layout_reference.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);

async function check(
  rng: Rng,
  label: string,
  inputs: ND[],
  refF: (xs: ND[]) => ND,
  vjp: (xs: ND[], dy: ND) => (ND | null)[],
  wgF: (...ts: wg.Tensor[]) => wg.Tensor,
  tol?: Tol,
): Promise<void> {
  const y = refF(inputs);
  const dy = rng.nd(y.shape, -1, 1);
  const gs = wg.grads(wgF)(inputs.map(T), T(dy));
  expect(gs.length).toBe(inputs.length);
  const computed = await Promise.all(gs.map(async (g) => ({ shape: g.shape, values: await g.data() })));
  checkGradients({ label, inputs, f: refF, dy, vjp, computed, tol });
}

describeEachBackend('gradients of slice, split, pad, tile', () => {
  test('d slice (odd sizes, every axis cut on either side)', async () => {
    const rng = new Rng(201);
    const cases: [number[], number[], number[]][] = [
      [[7], [2], [3]],
      [[5, 13], [1, 3], [3, 9]],
      [[5, 13], [0, 0], [5, 1]],
      [[3, 4, 5], [1, 0, 2], [2, 4, 3]],
      [[2, 3, 4, 5], [1, 1, 1, 1], [1, 2, 3, 4]],
    ];
    for (const [shape, begin, size] of cases) {
      const x = rng.nd(shape);
      const vjp = ([v]: ND[], dy: ND) => [lref.pad(dy, v.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]))];
      await check(rng, `slice [${shape}] ${begin} ${size}`, [x], ([v]) => lref.slice(v, begin, size), vjp, (v) => wg.slice(v, begin, size));
    }
  });

  test('d split: every part used, negative axis', async () => {
    const rng = new Rng(202);
    const x = rng.nd([4, 7]);
    // y = concat of the parts weighted differently, so each part's gradient differs.
    const f = (v: ND): ND => {
      const parts = [lref.slice(v, [0, 0], [4, 2]), lref.slice(v, [0, 2], [4, 4]), lref.slice(v, [0, 6], [4, 1])];
      return lref.concat(parts.map((p, i) => ref.map(p, (q) => q * (i + 1))), 1);
    };
    const vjp = (_xs: ND[], dy: ND) => [ref.map(dy, (q, i) => q * ((i % 7) < 2 ? 1 : (i % 7) < 6 ? 2 : 3))];
    await check(rng, 'split', [x], ([v]) => f(v), vjp, (v) => wg.concat(wg.split(v, [2, -1, 1], -1).map((p, i) => wg.mul(p, i + 1)), 1));
  });

  test('d pad: padding on every side, alone and together', async () => {
    const rng = new Rng(203);
    const cases: [number[], [number, number][]][] = [
      [[5], [[2, 0]]],
      [[5], [[0, 3]]],
      [[3, 4], [[1, 0], [0, 2]]],
      [[3, 4], [[0, 2], [3, 0]]],
      [[2, 3, 5], [[1, 1], [0, 2], [3, 1]]],
    ];
    for (const [shape, paddings] of cases) {
      const x = rng.nd(shape);
      const vjp = ([v]: ND[], dy: ND) => [lref.slice(dy, paddings.map((p) => p[0]), v.shape)];
      await check(rng, `pad [${shape}] ${JSON.stringify(paddings)}`, [x], ([v]) => lref.pad(v, paddings, 0.5), vjp, (v) => wg.pad(v, paddings, 0.5));
    }
  });

  test('d tile: the gradient sums over every copy', async () => {
    const rng = new Rng(204);
    for (const [shape, reps] of [[[5], [3]], [[3, 4], [2, 3]], [[1, 4], [3, 1]], [[2, 3, 2], [2, 1, 3]]] as [number[], number[]][]) {
      const x = rng.nd(shape);
      await check(rng, `tile [${shape}] x [${reps}]`, [x], ([v]) => lref.tile(v, reps), ([v], dy) => [lref.tileVjp(v, reps, dy)], (v) => wg.tile(v, reps));
    }
  });
});

describeEachBackend('gradients of concat, stack, gather, where', () => {
  test('d concat: three inputs along each axis (negative included), and nine inputs (two kernels)', async () => {
    const rng = new Rng(205);
    for (const axis of [0, 1, -1]) {
      const a = ((axis % 2) + 2) % 2;
      const xs = [2, 3, 1].map((n) => rng.nd(a === 0 ? [n, 3] : [3, n]));
      const vjp = (inputs: ND[], dy: ND) => {
        let start = 0;
        return inputs.map((x) => {
          const begin = a === 0 ? [start, 0] : [0, start];
          start += x.shape[a];
          return lref.slice(dy, begin, x.shape);
        });
      };
      await check(rng, `concat axis ${axis}`, xs, (vs) => lref.concat(vs, a), vjp, (...ts) => wg.concat(ts, axis));
    }
    const nine = Array.from({ length: 9 }, (_, i) => rng.nd([2, 1 + (i % 2)]));
    const vjp9 = (inputs: ND[], dy: ND) => {
      let start = 0;
      return inputs.map((x) => lref.slice(dy, [0, (start += x.shape[1]) - x.shape[1]], x.shape));
    };
    await check(rng, 'concat of 9', nine, (vs) => lref.concat(vs, 1), vjp9, (...ts) => wg.concat(ts, 1));
  });

  test('d stack along a middle axis', async () => {
    const rng = new Rng(206);
    const xs = [rng.nd([3, 2]), rng.nd([3, 2])];
    const expand = (v: ND) => ref.reshape(v, [3, 1, 2]);
    const vjp = (_inputs: ND[], dy: ND) => [0, 1].map((i) => ref.reshape(lref.slice(dy, [0, i, 0], [3, 1, 2]), [3, 2]));
    await check(rng, 'stack axis 1', xs, (vs) => lref.concat(vs.map(expand), 1), vjp, (a, b) => wg.stack([a, b], 1));
  });

  test('d gather: repeated indices accumulate, every axis, 2-D indices', async () => {
    const rng = new Rng(207);
    const x = rng.nd([5, 4, 3]);
    const cases: [number, number[], number[]][] = [
      [0, [4, 0, 0, 2, 4, 4], [6]],
      [1, [3, 1, 3], [3]],
      [-1, [2, 2, 0, 1, 0, 2], [2, 3]],
    ];
    for (const [axis, idx, idxShape] of cases) {
      const a = (axis + 3) % 3;
      const indices = wg.tensor(idx, idxShape, 'int32');
      await check(
        rng,
        `gather axis ${axis}`,
        [x],
        ([v]) => lref.gather(v, idx, idxShape, a),
        ([v], dy) => [lref.gatherVjp(v, idx, idxShape, a, dy)],
        (v) => wg.gather(v, indices, axis),
      );
    }
  });

  test('d where: broadcast condition, a and b; gradient only through the branch taken', async () => {
    const rng = new Rng(208);
    const cases: [number[], number[], number[]][] = [
      [[3, 4], [3, 4], [3, 4]],
      [[4], [3, 1], [1, 4]],
      [[2, 1, 3], [3], []],
    ];
    for (const [sc, sa, sb] of cases) {
      const c = ref.map(rng.nd(sc), (v) => (v > 0 ? 1 : 0));
      const cond = wg.tensor(Float32Array.from(c.data), c.shape);
      await check(
        rng,
        `where [${sc}] [${sa}] [${sb}]`,
        [rng.nd(sa), rng.nd(sb)],
        ([a, b]) => lref.where(c, a, b),
        ([a, b], dy) => lref.whereVjp(c, a, b, dy),
        (a, b) => wg.where(cond, a, b),
      );
    }
    // An infinite value in the branch not taken leaves the gradient finite.
    const g = wg.grad((b) => wg.sum(wg.where(wg.tensor([1, 0]), wg.tensor([Infinity, 1]), wg.mul(b, 3))))(wg.tensor([5, 5]));
    expect(Array.from(await g.data())).toEqual([0, 3]);
  });

  test('d gather of gather gradient (the scatter-add is linear: its own gradient is a gather)', async () => {
    const rng = new Rng(209);
    const x = rng.nd([4, 3]);
    const idx = [3, 1, 3];
    const indices = wg.tensor(idx, [3], 'int32');
    const w = rng.nd([3, 3]);
    // y = gatherVjp(x-shaped zeros, idx, dy = x_g) as a function of dy = v: the adjoint of gather.
    const refF = ([v]: ND[]) => lref.gatherVjp(x, idx, [3], 0, ref.mul(v, w));
    const vjp = (_xs: ND[], dy: ND) => [ref.mul(lref.gather(dy, idx, [3], 0), w)];
    await check(rng, 'grad of gather as a function of dy', [rng.nd([3, 3])], refF, vjp, (v) => wg.grad((z) => wg.sum(wg.mul(wg.gather(z, indices), wg.mul(v, T(w)))))(T(x)));
  });
});

describeEachBackend('gradients of batched matMul', () => {
  test('d matMul with broadcast batches, all four transposes, odd sizes', async () => {
    const rng = new Rng(210);
    const cases: [number[], number[], number, number, number][] = [
      [[2], [2], 3, 4, 5],
      [[3, 1], [4], 5, 7, 2],
      [[], [3], 4, 5, 3],
      [[2], [], 3, 2, 6],
      [[2, 1], [1, 3], 17, 3, 18],
    ];
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      for (const [ba, bb, m, k, n] of cases) {
        const a = rng.nd([...ba, ...(ta ? [k, m] : [m, k])]);
        const b = rng.nd([...bb, ...(tb ? [n, k] : [k, n])]);
        await check(
          rng,
          `matMul [${a.shape}] x [${b.shape}] ta=${ta} tb=${tb}`,
          [a, b],
          ([p, q]) => lref.batchMatMul(p, q, ta, tb),
          ([p, q], dy) => lref.batchMatMulVjp(p, q, ta, tb, dy),
          (p, q) => wg.matMul(p, q, ta, tb),
          { rtol: 1e-4, atol: 2e-5 * Math.sqrt(Math.max(m, n, k)) },
        );
      }
    }
  });
});
