// conv2d, maxPool and avgPool against a float64 reference written here (the
// definition, loop by loop), and their gradients wrt x and the filter against
// finite differences of that reference, on CPU, wasm and WebGPU (Dawn). On
// WebGPU the conv suite runs twice: with the register-blocked kernels that
// `auto` picks on SwiftShader, and with the workgroup-memory tiled kernels
// that real GPUs get, forced.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { nodeGpu } from '../helpers/gpu.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import { dot, nd, numericGrad, type ND } from '../helpers/reference.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

/** Output size and padding in front along one axis, as TensorFlow defines them. */
function axis(size: number, k: number, stride: number, dil: number, pad: Pad, which: 1 | 2): { out: number; before: number } {
  const span = (k - 1) * dil + 1;
  if (pad === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max(0, (out - 1) * stride + span - size);
    return { out, before: Math.floor(total / 2) };
  }
  const [b, a] = pad === 'valid' ? [0, 0] : pad[which];
  return { out: Math.floor((size + b + a - span) / stride) + 1, before: b };
}

interface Win { kh: number; kw: number; s: [number, number]; d: [number, number]; pad: Pad }

/** Visits every in-bounds tap: (b, oy, ox, iy, ix, ky, kx). */
function taps(xs: number[], w: Win, f: (b: number, oy: number, ox: number, iy: number, ix: number, ky: number, kx: number) => void): [number, number] {
  const [B, H, W] = xs;
  const h = axis(H, w.kh, w.s[0], w.d[0], w.pad, 1);
  const v = axis(W, w.kw, w.s[1], w.d[1], w.pad, 2);
  for (let b = 0; b < B; b++) for (let oy = 0; oy < h.out; oy++) for (let ox = 0; ox < v.out; ox++) {
    for (let ky = 0; ky < w.kh; ky++) for (let kx = 0; kx < w.kw; kx++) {
      const iy = oy * w.s[0] + ky * w.d[0] - h.before;
      const ix = ox * w.s[1] + kx * w.d[1] - v.before;
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) f(b, oy, ox, iy, ix, ky, kx);
    }
  }
  return [h.out, v.out];
}

function refConv(x: ND, f: ND, s: [number, number], pad: Pad, d: [number, number]): ND {
  const [B, H, W, C] = x.shape;
  const [kh, kw, , O] = f.shape;
  const win = { kh, kw, s, d, pad };
  const [oh, ow] = taps(x.shape, win, () => undefined);
  const y = nd([B, oh, ow, O]);
  taps(x.shape, win, (b, oy, ox, iy, ix, ky, kx) => {
    for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) {
      y.data[((b * oh + oy) * ow + ox) * O + o] += x.data[((b * H + iy) * W + ix) * C + c] * f.data[((ky * kw + kx) * C + c) * O + o];
    }
  });
  return y;
}

function refPool(x: ND, mode: 'max' | 'avg', k: [number, number], s: [number, number], pad: Pad): ND {
  const [B, H, W, C] = x.shape;
  const win = { kh: k[0], kw: k[1], s, d: [1, 1] as [number, number], pad };
  const [oh, ow] = taps(x.shape, win, () => undefined);
  const y = nd([B, oh, ow, C]).data.fill(mode === 'max' ? -Infinity : 0);
  const n = new Float64Array(B * oh * ow);
  taps(x.shape, win, (b, oy, ox, iy, ix) => {
    const p = (b * oh + oy) * ow + ox;
    n[p]++;
    for (let c = 0; c < C; c++) {
      const v = x.data[((b * H + iy) * W + ix) * C + c];
      y[p * C + c] = mode === 'max' ? Math.max(y[p * C + c], v) : y[p * C + c] + v;
    }
  });
  if (mode === 'avg') y.forEach((v, i) => (y[i] = v / n[Math.floor(i / C)]));
  return nd([B, oh, ow, C], y);
}

function randomND(rng: Rng, shape: number[]): ND {
  const t = nd(shape);
  t.data.forEach((_, i) => (t.data[i] = Math.fround(rng.uniform(-1, 1))));
  return t;
}
const toWg = (t: ND): wg.Tensor => wg.tensor(Float32Array.from(t.data), t.shape);

interface ConvCase { x: number[]; f: number[]; s: [number, number]; pad: Pad; d: [number, number] }

const CASES: ConvCase[] = [
  { x: [1, 5, 5, 1], f: [3, 3, 1, 1], s: [1, 1], pad: 'valid', d: [1, 1] },
  { x: [2, 7, 6, 3], f: [3, 2, 3, 5], s: [1, 1], pad: 'same', d: [1, 1] },
  { x: [3, 7, 9, 2], f: [3, 3, 2, 3], s: [2, 2], pad: 'same', d: [1, 1] },
  { x: [2, 8, 7, 3], f: [2, 3, 3, 2], s: [2, 1], pad: 'valid', d: [1, 1] },
  { x: [1, 9, 8, 2], f: [3, 3, 2, 3], s: [1, 1], pad: 'same', d: [2, 2] },
  { x: [2, 9, 9, 1], f: [3, 2, 1, 2], s: [1, 1], pad: 'valid', d: [2, 3] },
  { x: [1, 6, 5, 2], f: [3, 3, 2, 2], s: [2, 2], pad: [[0, 0], [2, 0], [1, 3], [0, 0]], d: [1, 1] },
  { x: [2, 4, 4, 2], f: [4, 4, 2, 3], s: [3, 3], pad: 'same', d: [1, 1] },
  // Channel counts that are multiples of 4 (WebGPU's register kernels then read 4 channels per load).
  { x: [2, 6, 7, 4], f: [3, 3, 4, 8], s: [1, 1], pad: 'same', d: [1, 1] },
  { x: [1, 9, 8, 8], f: [3, 2, 8, 4], s: [2, 2], pad: 'valid', d: [1, 1] },
  { x: [1, 9, 9, 4], f: [2, 2, 4, 4], s: [1, 1], pad: 'same', d: [2, 2] },
  { x: [2, 5, 5, 4], f: [3, 3, 4, 3], s: [1, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]], d: [1, 1] },
  { x: [1, 6, 6, 3], f: [3, 3, 3, 4], s: [2, 1], pad: 'same', d: [1, 1] },
  // Every window inside x (unpadded), dilated: the register filter gradient's path without bounds checks.
  { x: [2, 9, 8, 4], f: [2, 3, 4, 8], s: [1, 1], pad: 'valid', d: [2, 2] },
  // One or three input channels and 8 or 12 filters (a first layer: single channels feeding 8 columns).
  { x: [2, 5, 6, 1], f: [3, 3, 1, 8], s: [1, 1], pad: 'valid', d: [1, 1] },
  { x: [1, 7, 6, 3], f: [2, 3, 3, 12], s: [2, 1], pad: 'same', d: [1, 2] },
];
const label = (c: ConvCase): string => `x ${c.x.join('x')} f ${c.f.join('x')} s ${c.s.join(',')} ${typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad)} d ${c.d.join(',')}`;

/** Finite-difference gradients of the 'big gradients' case (the same seeded data on every backend). */
let bigGradRef: [ND, ND] | null = null;

function convSuite(): void {
  test('forward matches the float64 reference', async () => {
    const rng = new Rng(1101);
    for (const c of CASES) {
      const x = randomND(rng, c.x);
      const f = randomND(rng, c.f);
      const want = refConv(x, f, c.s, c.pad, c.d);
      const y = wg.conv2d(toWg(x), toWg(f), c.s, c.pad, 'NHWC', c.d);
      expect(y.shape, label(c)).toEqual(want.shape);
      expectAllClose(await y.data(), want, { rtol: 1e-5, atol: 1e-5 }, label(c));
    }
  });

  test('several 64x64 tiles of the implicit GEMM (M, N, K past one tile, not multiples of 4)', async () => {
    const rng = new Rng(1102);
    const x = randomND(rng, [2, 13, 11, 7]);
    const f = randomND(rng, [3, 3, 7, 70]);
    const want = refConv(x, f, [1, 1], 'same', [1, 1]);
    expectAllClose(await wg.conv2d(toWg(x), toWg(f), 1, 'same').data(), want, { rtol: 1e-4, atol: 1e-4 }, 'big');
  });

  test('gradients wrt x and filter match finite differences of the reference', async () => {
    const rng = new Rng(1103);
    for (const c of CASES) {
      const x = randomND(rng, c.x);
      const f = randomND(rng, c.f);
      const y0 = refConv(x, f, c.s, c.pad, c.d);
      const dy = randomND(rng, y0.shape);
      const [gx, gf] = wg.grads((a, b) => wg.conv2d(a, b, c.s, c.pad, 'NHWC', c.d))([toWg(x), toWg(f)], toWg(dy));
      const loss = ([a, b]: ND[]): number => dot(refConv(a, b, c.s, c.pad, c.d), dy);
      expectAllClose(await gx.data(), numericGrad(loss, [x, f], 0), { rtol: 1e-4, atol: 1e-5 }, `dx ${label(c)}`);
      expectAllClose(await gf.data(), numericGrad(loss, [x, f], 1), { rtol: 1e-4, atol: 1e-5 }, `dfilter ${label(c)}`);
    }
  });

  test('big gradients (several tiles of each backward GEMM)', async () => {
    const rng = new Rng(1104);
    const x = randomND(rng, [3, 10, 9, 5]);
    const f = randomND(rng, [3, 3, 5, 67]);
    const dy = randomND(rng, [3, 5, 5, 67]);
    const [gx, gf] = wg.grads((a, b) => wg.conv2d(a, b, 2, 'same'))([toWg(x), toWg(f)], toWg(dy));
    const loss = ([a, b]: ND[]): number => dot(refConv(a, b, [2, 2], 'same', [1, 1]), dy);
    // The reference is bilinear, so a wide step is exact. Its finite
    // differences take seconds; every backend's run has the same seeded data.
    bigGradRef ??= [numericGrad(loss, [x, f], 0, 1e-2), numericGrad(loss, [x, f], 1, 1e-2)];
    expectAllClose(await gx.data(), bigGradRef[0], { rtol: 1e-4, atol: 1e-4 }, 'dx');
    expectAllClose(await gf.data(), bigGradRef[1], { rtol: 1e-4, atol: 1e-4 }, 'dfilter');
  });

  test('conv2dTranspose is the adjoint of conv2d, and has gradients', async () => {
    const rng = new Rng(1105);
    const xs = [2, 7, 8, 3];
    const f = randomND(rng, [3, 3, 3, 4]);
    const x = randomND(rng, xs);
    const dy = randomND(rng, refConv(x, f, [2, 2], 'same', [1, 1]).shape);
    const t = wg.conv2dTranspose(toWg(dy), toWg(f), xs, 2, 'same');
    expect(t.shape).toEqual(xs);
    // <conv2dTranspose(dy, f), x> = <dy, conv2d(x, f)>, element by element of x.
    const want = numericGrad(([a]: ND[]) => dot(refConv(a, f, [2, 2], 'same', [1, 1]), dy), [x], 0, 1e-2);
    expectAllClose(await t.data(), want, { rtol: 1e-4, atol: 1e-5 }, 'transpose');
    const g = randomND(rng, xs);
    const [gdy, gf] = wg.grads((a, b) => wg.conv2dTranspose(a, b, xs, 2, 'same'))([toWg(dy), toWg(f)], toWg(g));
    // <conv2dTranspose(dy, f), g> = <dy, conv2d(g, f)>: its gradients.
    const loss = ([a, b]: ND[]): number => dot(refConv(g, b, [2, 2], 'same', [1, 1]), a);
    expectAllClose(await gdy.data(), numericGrad(loss, [dy, f], 0, 1e-2), { rtol: 1e-4, atol: 1e-5 }, 'd dy');
    expectAllClose(await gf.data(), numericGrad(loss, [dy, f], 1, 1e-2), { rtol: 1e-4, atol: 1e-5 }, 'd filter');
  });
}

describeEachBackend('conv2d', (backend) => {
  if (backend === 'webgpu') {
    test('on SwiftShader, auto runs the register-blocked kernels', () => {
      expect(wg.getBackend()).toMatchObject({ name: 'webgpu', matmul: 'registers' });
    });
  }
  convSuite();
});

describe('conv2d [webgpu, tiled kernels forced]', () => {
  beforeAll(async () => {
    const info = await wg.ready({ backend: 'webgpu', gpu: await nodeGpu(), webgpuMatmul: 'tiled' });
    expect(info.matmul).toBe('tiled');
  });
  afterAll(async () => {
    await wg.ready({ backend: 'cpu' });
  });
  convSuite();
});

const POOLS: { x: number[]; k: [number, number]; s: [number, number]; pad: Pad }[] = [
  { x: [1, 4, 4, 1], k: [2, 2], s: [2, 2], pad: 'valid' },
  { x: [2, 7, 5, 3], k: [3, 3], s: [2, 2], pad: 'same' },
  { x: [3, 6, 7, 5], k: [2, 3], s: [1, 2], pad: 'valid' },
  { x: [1, 5, 5, 2], k: [3, 3], s: [1, 1], pad: 'same' },
  // Windows that cannot overlap (the gradient runs per window on WebGPU):
  // padding in front, a row and a column no window reads, gaps between windows.
  { x: [2, 7, 5, 3], k: [2, 2], s: [2, 2], pad: 'same' },
  { x: [2, 11, 11, 4], k: [2, 2], s: [2, 2], pad: 'valid' },
  { x: [1, 8, 9, 2], k: [2, 2], s: [3, 3], pad: 'valid' },
  { x: [1, 7, 7, 1], k: [1, 2], s: [2, 3], pad: 'same' },
  // Channel counts that are multiples of 4 (WebGPU pools 4 channels per invocation): overlapping windows with
  // padding (forward only per window), padding in front with gaps, and a 2x3 window with padding.
  { x: [2, 7, 5, 8], k: [3, 3], s: [2, 2], pad: 'same' },
  { x: [1, 7, 9, 4], k: [2, 2], s: [3, 3], pad: 'same' },
  { x: [2, 5, 6, 12], k: [2, 3], s: [2, 3], pad: 'same' },
];

describeEachBackend('maxPool / avgPool', () => {
  for (const mode of ['max', 'avg'] as const) {
    test(`${mode}Pool forward and gradient against the reference`, async () => {
      const rng = new Rng(mode === 'max' ? 1201 : 1202);
      for (const c of POOLS) {
        const name = `${mode} x ${c.x.join('x')} k ${c.k.join('x')} s ${c.s.join(',')} ${String(c.pad)}`;
        const x = randomND(rng, c.x);
        const want = refPool(x, mode, c.k, c.s, c.pad);
        const op = (t: wg.Tensor): wg.Tensor => (mode === 'max' ? wg.maxPool(t, c.k, c.s, c.pad) : wg.avgPool(t, c.k, c.s, c.pad));
        const y = op(toWg(x));
        expect(y.shape, name).toEqual(want.shape);
        expectAllClose(await y.data(), want, { rtol: 1e-6, atol: 1e-6 }, name);
        const dy = randomND(rng, want.shape);
        const gx = wg.grad(op)(toWg(x), toWg(dy));
        const num = numericGrad(([a]: ND[]) => dot(refPool(a, mode, c.k, c.s, c.pad), dy), [x], 0);
        expectAllClose(await gx.data(), num, { rtol: 1e-4, atol: 1e-5 }, `grad ${name}`);
      }
    });
  }

  test('maxPool gradient goes to the first maximum of a window (ties)', async () => {
    const x = wg.tensor([1, 3, 3, 0], [1, 2, 2, 1]);
    const g = wg.grad((t) => wg.maxPool(t, 2, 2, 'valid'))(x);
    expect(Array.from(await g.data())).toEqual([0, 1, 0, 0]);
    // Four channels (WebGPU then pools 4 channels per invocation), each with
    // its own tie pattern; as for max, a NaN makes the window NaN and takes
    // its gradient (the first NaN), wherever it lies in the window.
    // Pixel-major: [p0 c0..c3, p1 c0..c3, ...].
    const x4 = wg.tensor([1, 5, NaN, 2, 3, 5, 1, 2, 3, 0, 9, NaN, 0, 5, 9, 2], [1, 2, 2, 4]);
    const y4 = await wg.maxPool(x4, 2, 2, 'valid').data();
    expect(Array.from(y4)).toEqual([3, 5, NaN, NaN]);
    const g4 = wg.grad((t) => wg.maxPool(t, 2, 2, 'valid'))(x4, wg.tensor([10, 20, 30, 40], [1, 1, 1, 4]));
    expect(Array.from(await g4.data())).toEqual([0, 20, 30, 0, 10, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0, 0]);
    // The same with overlapping windows (the per-pixel gradient kernels).
    const g5 = wg.grad((t) => wg.maxPool(t, 2, 1, 'same'))(x4);
    const want5 = new Float32Array(16);
    // Windows (stride 1, 'same' pads after): p0 sees p0..p3, p1 sees p1 and p3, p2 sees p2 and p3, p3 itself.
    const win = [[0, 1, 2, 3], [1, 3], [2, 3], [3]];
    for (let c = 0; c < 4; c++) {
      for (const w of win) {
        const vals = w.map((p) => [1, 5, NaN, 2, 3, 5, 1, 2, 3, 0, 9, NaN, 0, 5, 9, 2][p * 4 + c]);
        const nan = vals.findIndex((v) => Number.isNaN(v));
        const at = nan >= 0 ? nan : vals.indexOf(Math.max(...vals));
        want5[w[at] * 4 + c] += 1;
      }
    }
    expect(Array.from(await g5.data())).toEqual(Array.from(want5));
  });
});

describeEachBackend('conv bad input', () => {
  test('named errors', () => {
    const x = wg.zeros([1, 5, 5, 3]);
    expect(() => wg.conv2d(x, wg.zeros([3, 3, 2, 4]), 1, 'same')).toThrow(/conv2d: 'x' \[1, 5, 5, 3\] has 3 channels but 'filter'/);
    expect(() => wg.conv2d(x, wg.zeros([6, 3, 3, 4]), 1, 'valid')).toThrow(/conv2d: the filter \(6\) is larger than the height of 'x' \(5\)/);
    expect(() => wg.conv2d(x, wg.zeros([3, 3, 3, 4]), 0, 'same')).toThrow(/conv2d: argument 'strides'/);
    expect(() => wg.conv2d(x, wg.zeros([3, 3, 3, 4]), [1, -2], 'same')).toThrow(/conv2d: argument 'strides'/);
    expect(() => wg.conv2d(x, wg.zeros([3, 3, 3, 4]), 1, 'same', 'NHWC', 0)).toThrow(/conv2d: argument 'dilations'/);
    expect(() => wg.conv2d(x, wg.zeros([3, 3, 3]), 1, 'same')).toThrow(/conv2d: argument 'filter'/);
    expect(() => wg.conv2d(wg.zeros([5, 5]), wg.zeros([3, 3, 3, 4]), 1, 'same')).toThrow(/conv2d: argument 'x' must have rank 4/);
    expect(() => wg.conv2d(x, wg.zeros([3, 3, 3, 4]), 1, 'full' as 'same')).toThrow(/conv2d: argument 'pad'/);
    expect(() => wg.maxPool(x, 6, 1, 'valid')).toThrow(/maxPool: the pool window \(filterSize\) \(6\) is larger than the height of 'x'/);
    expect(() => wg.avgPool(x, 2, 0, 'valid')).toThrow(/avgPool: argument 'strides'/);
    expect(() => wg.conv2dTranspose(x, wg.zeros([3, 3, 2, 3]), [1, 9, 9, 2], 1, 'same')).toThrow(/conv2dTranspose: 'outputShape' \[1, 9, 9, 2\] does not match 'x'/);
  });
});

describeEachBackend('conv in wg.profile', () => {
  test('the conv kernel is named with its shapes and counts 2 x outputs x taps x inC FLOPs', async () => {
    const x = wg.randomNormal([2, 6, 5, 3], 0, 1, 1);
    const f = wg.randomNormal([3, 3, 3, 4], 0, 1, 2);
    const p = await wg.profile(() => wg.conv2d(x, f, 1, 'valid'));
    const conv = p.kernels.filter((k) => k.kind === 'conv2d');
    expect(conv.length).toBe(1);
    expect(conv[0].name).toBe('conv2d [2x6x5x3 * 3x3 -> 4x3x4]');
    // Independent count: each of the 2*4*3*4 outputs sums 3*3*3 products.
    expect(conv[0].flops).toBe(2 * (2 * 4 * 3 * 4) * (3 * 3 * 3));
  });
});
