// matMul against the float64 reference: tiny, odd, degenerate (K=1, M=1),
// every transpose combination, and big odd sizes that take the tiled kernel.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectAllClose, expectTensorClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);

/** Operands for op(a) [m,k] and op(b) [k,n] stored as given by the transpose flags. */
function operands(rng: Rng, m: number, k: number, n: number, ta: boolean, tb: boolean): [ND, ND] {
  return [rng.nd(ta ? [k, m] : [m, k], -1, 1), rng.nd(tb ? [n, k] : [k, n], -1, 1)];
}

/** float32 products summed over K: the error grows like sqrt(K) * eps. */
const tolFor = (k: number) => ({ rtol: 1e-4, atol: 2e-6 * Math.sqrt(k) * 4 });

const COMBOS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

describeEachBackend('matMul', (backend) => {
  const SIZES: [number, number, number][] = [
    [1, 1, 1],
    [7, 13, 5],
    [33, 65, 17],
    [9, 1, 11], // K = 1
    [1, 40, 23], // M = 1
    [23, 40, 1], // N = 1
    [64, 64, 64],
  ];
  for (const [m, k, n] of SIZES) {
    for (const [ta, tb] of COMBOS) {
      test(`${m}x${k}x${n} transposeA=${ta} transposeB=${tb}`, async () => {
        const rng = new Rng(m * 1000 + k * 10 + n);
        const [a, b] = operands(rng, m, k, n, ta, tb);
        const c = wg.matMul(T(a), T(b), ta, tb);
        expect(c.shape).toEqual([m, n]);
        await expectTensorClose(c, ref.matMul(a, b, ta, tb), tolFor(k));
      });
    }
  }

  test('odd large sizes 257x300x129, all transposes (register-blocked kernel)', async () => {
    const [m, k, n] = [257, 300, 129];
    const rng = new Rng(257);
    for (const [ta, tb] of COMBOS) {
      const [a, b] = operands(rng, m, k, n, ta, tb);
      await expectTensorClose(wg.matMul(T(a), T(b), ta, tb), ref.matMul(a, b, ta, tb), tolFor(k), `ta=${ta} tb=${tb}`);
    }
  });

  // Multiples of 4 in every row length (the WebGPU vec4 loaders) and large
  // enough for the register-blocked kernel; K % 8 == 4 and the epilogue
  // (bias, activation, a fused elementwise op) on rows and columns that only
  // partly fill a 64x64 tile.
  test('132x260x136 (vec4 loaders), every transpose, with bias + relu and a fused multiply', async () => {
    const [m, k, n] = [132, 260, 136];
    const rng = new Rng(132);
    const bias = rng.nd([n], -1, 1);
    const scale = rng.nd([m, n], -1, 1);
    for (const [ta, tb] of COMBOS) {
      const [a, b] = operands(rng, m, k, n, ta, tb);
      const out = wg.mul(wg.relu(wg.add(wg.matMul(T(a), T(b), ta, tb), T(bias))), T(scale));
      const want = ref.mul(ref.unary('relu', ref.add(ref.matMul(a, b, ta, tb), bias)), scale);
      await expectTensorClose(out, want, tolFor(k), `ta=${ta} tb=${tb}`);
    }
  });

  test('matMul of integer-valued inputs is exact', async () => {
    const rng = new Rng(99);
    const a = ref.map(ref.nd([19, 31]), () => rng.int(-3, 4));
    const b = ref.map(ref.nd([31, 21]), () => rng.int(-3, 4));
    await expectTensorClose(wg.matMul(T(a), T(b)), ref.matMul(a, b), { rtol: 0, atol: 0 });
  });

  test('matMul result feeds further ops (fused epilogue)', async () => {
    const rng = new Rng(7);
    const x = rng.nd([37, 29], -1, 1);
    const w = rng.nd([29, 19], -1, 1);
    const bias = rng.nd([19], -1, 1);
    const out = wg.relu(wg.add(wg.matMul(T(x), T(w)), T(bias)));
    await expectTensorClose(out, ref.unary('relu', ref.add(ref.matMul(x, w), bias)), tolFor(29));
  });

  // One big case with dimensions beyond 2048. On SwiftShader (software Vulkan,
  // ~1 GFLOP/s) 2050x67x2053 is ~0.56 GFLOP: about a second on both backends.
  test('2050x67x2053 (odd, beyond 2048 in both output dims) against a sampled reference', async () => {
    const [m, k, n] = [2050, 67, 2053];
    const rng = new Rng(2048);
    const a = rng.nd([m, k], -1, 1);
    const bT = rng.nd([n, k], -1, 1);
    const c = await wg.matMul(T(a), T(bT), false, true).data();
    expect(c.length).toBe(m * n);
    // check 4096 sampled entries (and the four corners) in float64
    const idx = [0, n - 1, (m - 1) * n, m * n - 1, ...Array.from({ length: 4096 }, () => rng.int(0, m * n))];
    const got: number[] = [];
    const want: number[] = [];
    for (const f of idx) {
      const i = Math.floor(f / n);
      const j = f % n;
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[i * k + p] * bT.data[j * k + p];
      got.push(c[f]);
      want.push(s);
    }
    expectAllClose(got, want, tolFor(k), `${backend} 2050x67x2053`);
  });
});
