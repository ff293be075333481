// The autodiff API (grad, grads, valueAndGrad, valueAndGrads), gradient
// accumulation, inputs the output does not depend on, and a 2-layer MLP
// checked against finite differences (float64 reference and float32 through
// webgrad itself).
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectAllClose, expectNDClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);

describeEachBackend('autodiff API', () => {
  test('grad(f)(x) returns df/dx with the shape of x; default dy is ones', async () => {
    const rng = new Rng(301);
    const x = rng.nd([3, 4], -1, 1);
    const g = wg.grad((v) => wg.square(v))(T(x));
    expect(g).toBeInstanceOf(wg.Tensor);
    expectNDClose(g.shape, await g.data(), ref.map(x, (v) => 2 * v), { rtol: 1e-6, atol: 0 });
    // scalar output
    const gs = wg.grad((v) => wg.sum(wg.mul(v, v)))(T(x));
    expectNDClose(gs.shape, await gs.data(), ref.map(x, (v) => 2 * v), { rtol: 1e-6, atol: 0 });
  });

  test('grad with an explicit dy', async () => {
    const rng = new Rng(302);
    const x = rng.nd([5], 0.5, 2);
    const dy = rng.nd([5], -1, 1);
    const g = wg.grad((v) => wg.log(v))(T(x), T(dy));
    expectAllClose(await g.data(), ref.div(dy, x).data, { rtol: 1e-6, atol: 0 });
  });

  test('grads(f)(xs) returns one gradient per input, in order', async () => {
    const rng = new Rng(303);
    const a = rng.nd([2, 3]);
    const b = rng.nd([3]);
    const c = rng.nd([]);
    const gs = wg.grads((p, q, r) => wg.sum(wg.mul(wg.add(p, q), r)))([T(a), T(b), T(c)]);
    expect(Array.isArray(gs)).toBe(true);
    expect(gs.map((g) => g.shape)).toEqual([[2, 3], [3], []]);
    expectAllClose(await gs[0].data(), ref.fullND([2, 3], c.data[0]).data, { rtol: 1e-6, atol: 0 });
    expectAllClose(await gs[1].data(), ref.fullND([3], 2 * c.data[0]).data, { rtol: 1e-6, atol: 0 });
    expectAllClose(await gs[2].data(), [ref.sum(ref.add(a, b)).data[0]], { rtol: 1e-5, atol: 1e-6 });
  });

  test('valueAndGrad returns { value, grad }', async () => {
    const rng = new Rng(304);
    const x = rng.nd([4], -1, 1);
    const r = wg.valueAndGrad((v) => wg.sum(wg.exp(v)))(T(x));
    expect(Object.keys(r).sort()).toEqual(['grad', 'value']);
    expect(r.value.shape).toEqual([]);
    expect(r.grad.shape).toEqual([4]);
    expectAllClose(await r.value.data(), ref.sum(ref.unary('exp', x)).data, { rtol: 1e-6, atol: 0 });
    expectAllClose(await r.grad.data(), ref.unary('exp', x).data, { rtol: 1e-6, atol: 0 });
  });

  test('valueAndGrads returns { value, grads }', async () => {
    const rng = new Rng(305);
    const a = rng.nd([3, 2]);
    const b = rng.nd([2, 4]);
    const dy = rng.nd([3, 4]);
    const r = wg.valueAndGrads((p, q) => wg.matMul(p, q))([T(a), T(b)], T(dy));
    expect(Object.keys(r).sort()).toEqual(['grads', 'value']);
    expect(r.grads.length).toBe(2);
    expectNDClose(r.value.shape, await r.value.data(), ref.matMul(a, b), { rtol: 1e-5, atol: 1e-6 });
    const [ga, gb] = ref.matMulVjp(a, b, false, false, dy);
    expectNDClose(r.grads[0].shape, await r.grads[0].data(), ga, { rtol: 1e-5, atol: 1e-6 });
    expectNDClose(r.grads[1].shape, await r.grads[1].data(), gb, { rtol: 1e-5, atol: 1e-6 });
  });

  test('gradient contributions accumulate when a tensor is used twice (x * x, x + x, f(x, x))', async () => {
    const rng = new Rng(306);
    const x = rng.nd([7], -2, 2);
    expectAllClose(await wg.grad((v) => wg.mul(v, v))(T(x)).data(), ref.map(x, (v) => 2 * v).data, { rtol: 1e-6, atol: 0 });
    expectAllClose(await wg.grad((v) => wg.add(v, v))(T(x)).data(), ref.fullND([7], 2).data, { rtol: 0, atol: 0 });
    // x used by three paths: x*x + exp(x) - x
    const g = await wg.grad((v) => wg.sub(wg.add(wg.mul(v, v), wg.exp(v)), v))(T(x)).data();
    expectAllClose(g, ref.map(x, (v) => 2 * v + Math.exp(v) - 1).data, { rtol: 1e-5, atol: 1e-6 });
    // the same tensor passed twice to grads: each slot gets the full gradient
    const [g1, g2] = wg.grads((p, q) => wg.mul(p, q))([T(x), T(x)]);
    expectAllClose(await g1.data(), x.data, { rtol: 0, atol: 0 });
    expectAllClose(await g2.data(), x.data, { rtol: 0, atol: 0 });
  });

  test('inputs the output does not depend on get zeros of their shape', async () => {
    const rng = new Rng(307);
    const a = rng.nd([2, 3]);
    const b = rng.nd([4, 1]);
    const gs = wg.grads((p, _q) => wg.sum(wg.square(p)))([T(a), T(b)]);
    expect(gs[1].shape).toEqual([4, 1]);
    expectAllClose(await gs[1].data(), ref.fullND([4, 1], 0).data, { rtol: 0, atol: 0 });
    // an output that is constant in x
    const g = wg.grad((_v) => wg.tensor([1, 2, 3]))(T(rng.nd([3])));
    expectAllClose(await g.data(), [0, 0, 0], { rtol: 0, atol: 0 });
    // an argMax path carries no gradient
    const g2 = wg.grad((v) => wg.cast(wg.argMax(v), 'float32'))(T(rng.nd([2, 5])));
    expectAllClose(await g2.data(), ref.fullND([2, 5], 0).data, { rtol: 0, atol: 0 });
  });

  test('grad of grad: either the right second derivative or an error that says second order is unsupported', async () => {
    const x = wg.tensor([1, 2]);
    for (const [label, inner, expected] of [
      ['square', (u: wg.Tensor) => wg.sum(wg.square(u)), [2, 2]],
      ['x*x', (u: wg.Tensor) => wg.sum(wg.mul(u, u)), [2, 2]],
      ['sigmoid', (u: wg.Tensor) => wg.sum(wg.sigmoid(u)), [1, 2].map((v) => { const s = ref.sigmoidS(v); return s * (1 - s) * (1 - 2 * s); })],
    ] as [string, (u: wg.Tensor) => wg.Tensor, number[]][]) {
      let values: number[] | null = null;
      let message = '';
      try {
        values = Array.from(await wg.grad((v) => wg.sum(wg.grad(inner)(v)))(x).data());
      } catch (e) {
        message = (e as Error).message;
      }
      if (values) expectAllClose(values, expected, { rtol: 1e-4, atol: 1e-6 }, label);
      else expect(message, `${label}: a second-order grad should work or say it is not supported`).toMatch(/second-order|second order|higher-order/i);
    }
  });

  test('comparisons and sign have zero gradient', async () => {
    const rng = new Rng(308);
    const x = rng.nd([6], -1, 1);
    for (const f of [(v: wg.Tensor) => wg.greater(v, 0), (v: wg.Tensor) => wg.equal(v, v), (v: wg.Tensor) => wg.sign(v)]) {
      expectAllClose(await wg.grad(f)(T(x)).data(), ref.fullND([6], 0).data, { rtol: 0, atol: 0 });
    }
  });
});

// ---------------------------------------------------------------- 2-layer MLP

interface Mlp {
  x: ND;
  w1: ND;
  b1: ND;
  w2: ND;
  b2: ND;
}

function refMlpLoss(p: ND[], x: ND, labels: number[], act: 'tanh' | 'relu'): number {
  const [w1, b1, w2, b2] = p;
  const h = ref.unary(act, ref.add(ref.matMul(x, w1), b1));
  const logits = ref.add(ref.matMul(h, w2), b2);
  return ref.sparseCategoricalCrossentropy(labels, logits, true);
}

function wgMlpLoss(xs: wg.Tensor[], x: wg.Tensor, labels: wg.Tensor, act: 'tanh' | 'relu'): wg.Tensor {
  const [w1, b1, w2, b2] = xs;
  const h = wg[act](wg.add(wg.matMul(x, w1), b1));
  const logits = wg.add(wg.matMul(h, w2), b2);
  return wg.sparseCategoricalCrossentropy(labels, logits, { fromLogits: true });
}

function makeMlp(rng: Rng, n: number, d: number, hid: number, k: number): Mlp {
  return { x: rng.nd([n, d], -1, 1), w1: rng.nd([d, hid], -0.7, 0.7), b1: rng.nd([hid], -0.2, 0.2), w2: rng.nd([hid, k], -0.7, 0.7), b2: rng.nd([k], -0.2, 0.2) };
}

describeEachBackend('2-layer MLP gradients', () => {
  for (const act of ['tanh', 'relu'] as const) {
    test(`${act} MLP: all parameter gradients vs float64 finite differences`, async () => {
      const rng = new Rng(act === 'tanh' ? 401 : 402);
      const m = makeMlp(rng, 8, 5, 7, 3);
      const labels = rng.ints(8, 0, 3);
      const params = [m.w1, m.b1, m.w2, m.b2];
      const X = T(m.x);
      const L = wg.tensor(labels, [8], 'int32');
      const { value, grads } = wg.valueAndGrads((...ps) => wgMlpLoss(ps, X, L, act))(params.map(T));
      expectAllClose(await value.data(), [refMlpLoss(params, m.x, labels, act)], { rtol: 1e-5, atol: 1e-6 }, 'loss');
      for (let i = 0; i < params.length; i++) {
        const fd = ref.numericGrad((ps) => refMlpLoss(ps, m.x, labels, act), params, i);
        expectNDClose(grads[i].shape, await grads[i].data(), fd, { rtol: 1e-4, atol: 1e-6 }, `${act} param ${i}`);
      }
    });
  }

  test('tanh MLP: gradients vs float32 finite differences through webgrad itself', async () => {
    const rng = new Rng(403);
    const m = makeMlp(rng, 6, 4, 5, 3);
    const labels = rng.ints(6, 0, 3);
    const X = T(m.x);
    const L = wg.tensor(labels, [6], 'int32');
    const params = [m.w1, m.b1, m.w2, m.b2];
    const grads = wg.grads((...ps) => wgMlpLoss(ps, X, L, 'tanh'))(params.map(T));
    const eps = 1e-2;
    // a few coordinates of every parameter
    for (let i = 0; i < params.length; i++) {
      const g = await grads[i].data();
      const coords = [0, params[i].data.length - 1, Math.floor(params[i].data.length / 2)];
      for (const c of coords) {
        const loss = async (delta: number): Promise<number> => {
          const ps = params.map((p) => ref.nd(p.shape, p.data));
          ps[i].data[c] += delta;
          const t = wg.tidy(() => wgMlpLoss(ps.map(T), X, L, 'tanh'));
          const v = (await t.data())[0];
          t.dispose();
          return v;
        };
        const fd = ((await loss(eps)) - (await loss(-eps))) / (2 * eps);
        expectAllClose([g[c]], [fd], { rtol: 2e-2, atol: 2e-4 }, `param ${i} coord ${c}`);
      }
    }
  });
});
