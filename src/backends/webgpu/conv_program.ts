// Kernel descriptors of convolution and pooling (shaders/pool.wgsl).
// Convolution is an implicit GEMM in one of two shapes, chosen like the
// matmul's (MatmulKernel): 64x64 workgroup-memory tiles (conv2d.wgsl) on real
// GPUs, 4x4 register blocks without barriers (conv2d_registers.wgsl) on
// emulated adapters (with subgroup load sharing, conv2d_quad.wgsl, where
// 4-wide subgroups were found). Geometry goes in the uniform, so each variant
// compiles once for every shape.
import conv2dWgsl from '../../../shaders/conv2d.wgsl?raw';
import conv2dBindingsWgsl from '../../../shaders/conv2d_bindings.wgsl?raw';
import conv2dQuadWgsl from '../../../shaders/conv2d_quad.wgsl?raw';
import quadBlocksWgsl from '../../../shaders/quad_blocks.wgsl?raw';
import conv2dRegistersWgsl from '../../../shaders/conv2d_registers.wgsl?raw';
import conv2dTapsWgsl from '../../../shaders/conv2d_taps.wgsl?raw';
import poolWgsl from '../../../shaders/pool.wgsl?raw';
import poolVec4Wgsl from '../../../shaders/pool_vec4.wgsl?raw';
import type { ConvGeometry } from '../../kernels/conv_op.js';
import { convGemmSize, poolWindowsDisjoint, type ConvSpec, type PoolSpec } from '../../kernels/conv_spec.js';
import { epilogueFn } from './expr_codegen.js';
import { spread, type GpuProgram } from './gpu_program.js';
import type { MatmulKernel } from './matmul_program.js';
import { withFunctions } from './wgsl_library.js';

const CONV_TILE = 64;
/** Rows and columns of C each invocation of the register kernel computes (4, or 8 where WIDE), and its workgroup size. */
const REG_BLOCK = 4;
const REG_BLOCK_WIDE = 8;
const REG_WG = 64;

/** Switches for A/B timing (bench/kernels/cnn-step-ab.mjs); program keys name them. */
export const convTuning = { quads: true, filterGrad: true };

/**
 * Workgroup size of the register kernel: 64, or smaller for a C of few
 * blocks so that there are at least ~16 workgroups. SwiftShader runs each
 * workgroup on one CPU thread, so the 24 blocks of a first layer's filter
 * gradient (9 x 32) in one workgroup of 64 used one core for all 43k pixels;
 * and the 288 of the MNIST CNN's second filter gradient made 9 workgroups of
 * 32, 5 for one of two cores and 4 for the other (now 18 of 16).
 */
function registerWorkgroup(blocks: number): number {
  if (blocks >= REG_WG * 16) return REG_WG;
  return Math.max(4, 1 << Math.floor(Math.log2(Math.max(1, blocks / 16))));
}
const POOL_WG = 256;
const VARIANTS = { forward: 0, inputGrad: 1, filterGrad: 2 } as const;

/** The first 15 words of both shaders' Geom struct. */
function geomWords(g: ConvGeometry): number[] {
  return [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.dilH, g.dilW, g.padTop, g.padLeft];
}

/**
 * `quads`: the device has 4-wide subgroups with the lane layout quad_probe.wgsl
 * checks; the register kernels then share loads across each subgroup
 * (conv2d_quad.wgsl) where both operands are read 4 channels at a time.
 */
export function convProgram(s: ConvSpec, kernel: MatmulKernel = 'tiled', quads = false): GpuProgram {
  const [m, n, k] = convGemmSize(s.variant, s.geom);
  // Tiled: 64x64 tiles, one per workgroup. Registers: 4x4 blocks (8x8 for a
  // filter gradient read 4 channels per load), one per invocation.
  const vec4Loads = kernel === 'tiled' ? null : registerLoads(s);
  const quad = quads && convTuning.quads && (s.variant !== 'filterGrad' || convTuning.filterGrad) && vec4Loads?.a4 === true && vec4Loads.b4;
  const wide = !quad && s.variant === 'filterGrad' && vec4Loads?.a4 === true;
  // Forward and input gradient read 4 channels per load: 4 rows x 8 columns.
  // With the filter gradient's WIDE, every A4 case has its own block shape.
  const cols8 = !wide && !quad && vec4Loads?.a4 === true;
  const edgeM = kernel === 'tiled' ? CONV_TILE : wide ? REG_BLOCK_WIDE : REG_BLOCK;
  const edgeN = kernel === 'tiled' ? CONV_TILE : wide || cols8 ? REG_BLOCK_WIDE : REG_BLOCK;
  const g = s.geom;
  // conv2d_quad.wgsl: 16 columns and 4 pixel groups of 4 images (the filter
  // gradient: 16 rows) per subgroup.
  const pixels = s.variant === 'inputGrad' ? g.inH * g.inW : g.outH * g.outW;
  const rowGroups = Math.ceil(pixels / 4);
  const blocksN = quad ? Math.ceil(n / 16) : Math.ceil(n / edgeN);
  const quadRows = s.variant === 'filterGrad' ? Math.ceil(m / 16) : Math.ceil(g.batch / 4) * rowGroups;
  const blocks = quad ? 4 * quadRows * blocksN : Math.ceil(m / edgeM) * blocksN;
  const wgSize = registerWorkgroup(blocks);
  const words = [...geomWords(g), blocksN, m, n, k, blocks, +windowsInside(g), rowGroups, 0, 0];
  // The epilogue's inputs are bound after the uniform (bindings 4, 5, ...).
  const ep = epilogueFn('wg_epilogue', s.epilogue, 4);
  // The quad kernel's directives open the module, before the loaders.
  const body = !vec4Loads
    ? 'alias ConvIn0 = f32;\nalias ConvIn1 = f32;\n' + conv2dBindingsWgsl + conv2dWgsl
    : (quad ? QUAD_ENABLE : '') + registerLoaders(vec4Loads) + conv2dBindingsWgsl + conv2dTapsWgsl + (quad ? conv2dQuadWgsl : conv2dRegistersWgsl);
  // Only the library functions the epilogue calls.
  const code = withFunctions([body, ...ep.decls, ep.fn].join('\n'));
  const nEp = s.epilogue?.inputs.length ?? 0;
  const base = `conv2d:${kernel}:${s.variant}${vec4Loads ? `:${+vec4Loads.a4}${+vec4Loads.b4}${quad ? ':quad' : ''}` : ''}`;
  const constants: Record<string, number> = kernel === 'tiled' ? {} : quad ? { WG: wgSize } : { WG: wgSize, WIDE: wide ? 1 : 0, COLS8: cols8 ? 1 : 0 };
  return {
    key: s.epilogue ? `${base}|${code}` : base,
    code,
    entryPoint: 'main',
    constants: { VARIANT: VARIANTS[s.variant], ...constants },
    workgroups: spread(kernel === 'tiled' ? blocks : Math.ceil(blocks / wgSize)),
    argBindings: [0, 1, ...Array.from({ length: nEp }, (_, j) => 4 + j)],
    dummyBindings: [],
    outBinding: 2,
    // 22 words, padded to a multiple of 16 bytes.
    uniform: new Uint32Array(words).buffer,
    uniformBinding: 3,
  };
}

// Directives must open the module (withFunctions keeps them there). The
// uniformity analysis cannot see that the input gradient's skipped taps are
// the same in the 4 lanes of a subgroup (conv2d_quad.wgsl says why they are);
// the row groups' layout, not the analysis, keeps the quad swaps whole.
const QUAD_ENABLE = 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);\n' + quadBlocksWgsl;

/** Whether every window of the convolution lies inside x (no tap reads padding). */
function windowsInside(g: ConvGeometry): boolean {
  return g.padTop === 0 && g.padLeft === 0 && (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilH < g.inH && (g.outW - 1) * g.strideW + (g.kW - 1) * g.dilW < g.inW;
}

/** Which operands of the register kernel are read 4 channels at a time (see conv2d_registers.wgsl). */
function registerLoads(s: ConvSpec): { a4: boolean; b4: boolean } {
  const g = s.geom;
  const a4 = s.variant === 'inputGrad' ? g.outC % 4 === 0 : g.inC % 4 === 0;
  return { a4, b4: g.outC % 4 === 0 };
}

/** One operand's element type, flag and loaders: `ld(i)` reads float i, `ldv(i)` floats i .. i+3 (i a multiple of 4). */
function loaders(binding: 'in0' | 'in1', vec4: boolean): string {
  const n = binding.slice(2);
  const alias = `alias ConvIn${n} = ${vec4 ? 'vec4<f32>' : 'f32'};`;
  const flag = `const ${n === '0' ? 'A4' : 'B4'} = ${vec4};`;
  if (vec4) {
    return `${alias}\n${flag}\nfn ld${n}(i: u32) -> f32 { return ${binding}[i >> 2u][i & 3u]; }\nfn ld${n}v(i: u32) -> vec4<f32> { return ${binding}[i >> 2u]; }\n`;
  }
  return `${alias}\n${flag}\nfn ld${n}(i: u32) -> f32 { return ${binding}[i]; }\nfn ld${n}v(i: u32) -> vec4<f32> { return vec4<f32>(${binding}[i], ${binding}[i + 1u], ${binding}[i + 2u], ${binding}[i + 3u]); }\n`;
}

function registerLoaders({ a4, b4 }: { a4: boolean; b4: boolean }): string {
  return loaders('in0', a4) + loaders('in1', b4);
}

export function poolProgram(s: PoolSpec): GpuProgram {
  const g = s.geom;
  const cells = s.grad && poolWindowsDisjoint(g);
  // 4 channels per invocation where the channels allow and the kernel is per window.
  const vec4 = g.inC % 4 === 0 && (!s.grad || cells);
  const total = (s.grad && !cells ? g.batch * g.inH * g.inW * g.inC : g.batch * g.outH * g.outW * g.outC) / (vec4 ? 4 : 1);
  const twoInputs = s.grad && s.mode === 'max';
  // The relu derivative is applied where the kernels go window by window (fusion.ts fuses only there).
  if (s.reluGrad && !cells) throw new Error('pool gradient: reluGrad needs windows that do not overlap');
  const entryPoint = vec4 ? (s.grad ? 'pool_grad_cells4' : 'pool4') : cells ? 'pool_grad_cells' : s.grad ? 'pool_grad' : 'pool';
  return {
    key: `pool:${s.mode}:${entryPoint}${s.reluGrad ? ':relu' : ''}`,
    code: vec4 ? poolVec4Wgsl : withFunctions(poolWgsl),
    entryPoint,
    constants: { MAX: s.mode === 'max' ? 1 : 0, ...(s.grad ? { RELU: s.reluGrad ? 1 : 0 } : {}) },
    workgroups: spread(Math.ceil(total / POOL_WG)),
    argBindings: twoInputs ? [0, 1] : [0],
    dummyBindings: twoInputs ? [] : [1],
    outBinding: 2,
    uniform: new Uint32Array([...geomWords(g), total]).buffer,
    uniformBinding: 3,
  };
}
