// The register convolution's subgroup kernel (shaders/conv2d_quad.wgsl), which
// the forward, input gradient and filter gradient take on SwiftShader (4-wide
// subgroups) where both operands are read 4 channels per load: against float64
// references for shapes that reach its edges (a batch that is no multiple of
// 4, images whose pixel count is no multiple of 4, N that is no multiple of
// 16, filter-gradient rows that are no multiple of 16, padding, strides,
// dilation, taps that the input gradient skips, windows all inside x) and with
// a fused bias + relu epilogue. Each result is also computed with the subgroup
// kernel switched off (conv2d_registers.wgsl's cols8 and filter_grad8) and must
// agree with it exactly, since both sum in the same order.
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { convProgram } from '../../src/backends/webgpu/conv_program.js';
import type { ConvGeometry } from '../../src/kernels/conv_op.js';
import { useRegisterKernels } from '../helpers/quad_kernels.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import { nd, type ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);

interface Case { x: [number, number, number, number]; f: [number, number, number, number]; s: number; pad: 'same' | 'valid'; d: number }

/** Output size and padding in front along one axis (TensorFlow's rule). */
function axis(size: number, k: number, s: number, d: number, pad: 'same' | 'valid'): { out: number; before: number } {
  const span = (k - 1) * d + 1;
  if (pad === 'valid') return { out: Math.floor((size - span) / s) + 1, before: 0 };
  const out = Math.ceil(size / s);
  return { out, before: Math.floor(Math.max(0, (out - 1) * s + span - size) / 2) };
}

/** Calls f(xIndex, yPixel, filterTapBase) for every in-bounds tap; returns y's shape. */
function eachTap(c: Case, f: (xi: number, yp: number, fk: number) => void): number[] {
  const [B, H, W, C] = c.x;
  const [kh, kw, , O] = c.f;
  const h = axis(H, kh, c.s, c.d, c.pad), w = axis(W, kw, c.s, c.d, c.pad);
  for (let b = 0; b < B; b++) for (let oy = 0; oy < h.out; oy++) for (let ox = 0; ox < w.out; ox++) {
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * c.s + ky * c.d - h.before, ix = ox * c.s + kx * c.d - w.before;
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) f(((b * H + iy) * W + ix) * C, (b * h.out + oy) * w.out + ox, (ky * kw + kx) * C * O);
    }
  }
  return [B, h.out, w.out, O];
}

/** float64 y = conv2d(x, f) and dx = the gradient of <y, dy> wrt x. */
function refConv(c: Case, x: ND, f: ND): ND {
  const [C, O] = [c.f[2], c.f[3]];
  const y = nd(eachTap(c, () => undefined));
  eachTap(c, (xi, yp, fk) => {
    for (let ci = 0; ci < C; ci++) for (let o = 0; o < O; o++) y.data[yp * O + o] += x.data[xi + ci] * f.data[fk + ci * O + o];
  });
  return y;
}
function refFilterGrad(c: Case, x: ND, dy: ND): ND {
  const [C, O] = [c.f[2], c.f[3]];
  const df = nd(c.f);
  eachTap(c, (xi, yp, fk) => {
    for (let ci = 0; ci < C; ci++) for (let o = 0; o < O; o++) df.data[fk + ci * O + o] += x.data[xi + ci] * dy.data[yp * O + o];
  });
  return df;
}
function refInputGrad(c: Case, dy: ND, f: ND): ND {
  const [C, O] = [c.f[2], c.f[3]];
  const dx = nd(c.x);
  eachTap(c, (xi, yp, fk) => {
    for (let ci = 0; ci < C; ci++) for (let o = 0; o < O; o++) dx.data[xi + ci] += dy.data[yp * O + o] * f.data[fk + ci * O + o];
  });
  return dx;
}

const CASES: Case[] = [
  // The MNIST CNN's second convolution, 5 images (no multiple of 4): 121 and
  // 169 pixels per image (no multiples of 4), 64 and 32 columns; the input
  // gradient skips the taps that reach past dy for a whole pixel group.
  { x: [5, 13, 13, 32], f: [3, 3, 32, 64], s: 1, pad: 'valid', d: 1 },
  // Padding, stride 2, 20 filters (N no multiple of 16, a partial column octet) and 12 input channels.
  { x: [3, 9, 7, 12], f: [3, 3, 12, 20], s: 2, pad: 'same', d: 1 },
  // One image, 4 channels each way (a single column group), dilated (no input gradient: conv2dTranspose has no dilation).
  { x: [1, 8, 9, 4], f: [2, 3, 4, 4], s: 1, pad: 'same', d: 2 },
  // Every window inside x with stride 2 (the filter gradient's path without bounds checks), 108 filter taps.
  { x: [6, 11, 10, 12], f: [3, 3, 12, 8], s: 2, pad: 'valid', d: 1 },
];
const label = (c: Case): string => `x ${c.x.join('x')} f ${c.f.join('x')} s ${c.s} ${c.pad} d ${c.d}`;

describe('subgroup convolution kernel on WebGPU', () => {
  const gpu = useRegisterKernels();

  test('the descriptor picks it for the forward and input gradient with 4-channel loads, only when asked', () => {
    expect(gpu.backend().quads).toBe(!process.env.WEBGRAD_REAL_GPU);
    const geom: ConvGeometry = { batch: 64, inH: 13, inW: 13, inC: 32, outH: 11, outW: 11, outC: 64, kH: 3, kW: 3, strideH: 1, strideW: 1, dilH: 1, dilW: 1, padTop: 0, padLeft: 0 };
    const spec = (variant: 'forward' | 'inputGrad' | 'filterGrad', g = geom) => ({ type: 'conv2d' as const, variant, geom: g });
    expect(convProgram(spec('forward'), 'registers', true).key).toBe('conv2d:registers:forward:11:quad');
    expect(convProgram(spec('inputGrad'), 'registers', true).code).toMatch(/^enable subgroups;\ndiagnostic\(off, subgroup_uniformity\);/);
    expect(convProgram(spec('forward'), 'registers', false).key).toBe('conv2d:registers:forward:11');
    expect(convProgram(spec('forward'), 'registers', false).code).not.toMatch(/^enable|quadSwap/);
    // 16 images x 31 pixel groups x 4 column pairs, 4 lanes each; 64 lanes per workgroup.
    expect(convProgram(spec('forward'), 'registers', true).workgroups).toEqual([16 * 31 * 4 * 4 / 64, 1, 1]);
    // 288 filter taps in 18 groups of 16 rows x 4 column pairs, 4 lanes each; 16 lanes per workgroup.
    expect(convProgram(spec('filterGrad'), 'registers', true).key).toBe('conv2d:registers:filterGrad:11:quad');
    expect(convProgram(spec('filterGrad'), 'registers', true).workgroups).toEqual([18 * 4 * 4 / 16, 1, 1]);
    // One input channel (no 4-channel loads of x), N % 4 != 0 and the tiled kernel keep theirs.
    expect(convProgram(spec('filterGrad', { ...geom, inC: 1 }), 'registers', true).key).not.toContain('quad');
    expect(convProgram(spec('forward', { ...geom, inC: 1 }), 'registers', true).key).not.toContain('quad');
    expect(convProgram(spec('inputGrad', { ...geom, outC: 30 }), 'registers', true).key).not.toContain('quad');
    expect(convProgram(spec('forward'), 'tiled', true).key).not.toContain('quad');
  });

  for (const c of CASES) {
    test(`${label(c)}: forward with bias + relu, input gradient, filter gradient`, async () => {
      const rng = new Rng(c.x[0] * 31 + c.f[3]);
      const x = rng.nd(c.x, -1, 1), f = rng.nd(c.f, -1, 1), bias = rng.nd([c.f[3]], -1, 1);
      const y = refConv(c, x, f);
      const act = nd(y.shape, y.data.map((v, i) => Math.max(v + bias.data[i % c.f[3]], 0)));
      const dy = rng.nd(y.shape, -1, 1);
      const dx = refInputGrad(c, dy, f);
      const df = refFilterGrad(c, x, dy);
      const tol = { rtol: 1e-4, atol: 1e-4 };
      const run = (quads: boolean): Promise<Float32Array[]> =>
        gpu.withQuads(quads, async () => {
          const fy = wg.relu(wg.add(wg.conv2d(T(x), T(f), c.s, c.pad, 'NHWC', c.d), T(bias)));
          const out = [(await fy.data()) as Float32Array];
          expectAllClose(out[0], act, tol, `forward, quads=${quads}`);
          if (c.d === 1) {
            const gx = wg.conv2dTranspose(T(dy), T(f), c.x, c.s, c.pad);
            out.push((await gx.data()) as Float32Array);
            expectAllClose(out[1], dx, tol, `input gradient, quads=${quads}`);
          }
          const [gf] = wg.grads((b) => wg.conv2d(T(x), b, c.s, c.pad, 'NHWC', c.d))([T(f)], T(dy));
          out.push((await gf.data()) as Float32Array);
          expectAllClose(out.at(-1) as Float32Array, df, { rtol: 1e-4, atol: 1e-3 }, `filter gradient, quads=${quads}`);
          return out;
        });
      const withQuads = await run(true);
      const without = await run(false);
      withQuads.forEach((v, i) => expect(v).toEqual(without[i]));
    });
  }
});
