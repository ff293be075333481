// Kernel descriptors of convolution (shaders/conv2d.wgsl, an implicit GEMM
// with 64x64 workgroup tiles) and pooling (shaders/pool.wgsl). Geometry goes
// in the uniform, so each variant compiles once for every shape.
import conv2dWgsl from '../../../shaders/conv2d.wgsl?raw';
import poolWgsl from '../../../shaders/pool.wgsl?raw';
import type { ConvGeometry } from '../../kernels/conv_op.js';
import { convGemmSize, type ConvSpec, type PoolSpec } from '../../kernels/conv_spec.js';
import { epilogueFn } from './expr_codegen.js';
import { spread, type GpuProgram } from './gpu_program.js';
import { withFunctions } from './wgsl_library.js';

const CONV_TILE = 64;
const POOL_WG = 256;
const VARIANTS = { forward: 0, inputGrad: 1, filterGrad: 2 } as const;

/** The first 15 words of both shaders' Geom struct. */
function geomWords(g: ConvGeometry): number[] {
  return [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.dilH, g.dilW, g.padTop, g.padLeft];
}

export function convProgram(s: ConvSpec): GpuProgram {
  const [m, n, k] = convGemmSize(s.variant, s.geom);
  const tilesN = Math.ceil(n / CONV_TILE);
  const tiles = Math.ceil(m / CONV_TILE) * tilesN;
  const words = [...geomWords(s.geom), tilesN, m, n, k, tiles];
  // The epilogue's inputs are bound after the uniform (bindings 4, 5, ...).
  const ep = epilogueFn('wg_epilogue', s.epilogue, 4);
  const code = withFunctions([conv2dWgsl, ...ep.decls, ep.fn].join('\n'));
  const nEp = s.epilogue?.inputs.length ?? 0;
  return {
    key: s.epilogue ? `conv2d:${s.variant}|${code}` : `conv2d:${s.variant}`,
    code,
    entryPoint: 'main',
    constants: { VARIANT: VARIANTS[s.variant] },
    workgroups: spread(tiles),
    argBindings: [0, 1, ...Array.from({ length: nEp }, (_, j) => 4 + j)],
    dummyBindings: [],
    outBinding: 2,
    // 20 words, padded to a multiple of 16 bytes.
    uniform: new Uint32Array(words).buffer,
    uniformBinding: 3,
  };
}

export function poolProgram(s: PoolSpec): GpuProgram {
  const g = s.geom;
  const total = s.grad ? g.batch * g.inH * g.inW * g.inC : g.batch * g.outH * g.outW * g.outC;
  const twoInputs = s.grad && s.mode === 'max';
  return {
    key: `pool:${s.mode}:${s.grad}`,
    code: poolWgsl,
    entryPoint: s.grad ? 'pool_grad' : 'pool',
    constants: { MAX: s.mode === 'max' ? 1 : 0 },
    workgroups: spread(Math.ceil(total / POOL_WG)),
    argBindings: twoInputs ? [0, 1] : [0],
    dummyBindings: twoInputs ? [] : [1],
    outBinding: 2,
    uniform: new Uint32Array([...geomWords(g), total]).buffer,
    uniformBinding: 3,
  };
}
