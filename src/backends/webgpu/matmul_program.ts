// Descriptor of the matmul kernel (shaders/matmul.wgsl): picks the loader
// source (vec4 when the row lengths allow 16-byte loads, scalar otherwise),
// the override constants and the workgroup grid. Shapes travel in the uniform,
// so one pipeline per (loaders, transposes, bias, activation, and for the
// scalar loaders whether K % 4 != 0) serves every size. Variants and
// timings: bench/kernels/matmul-variants.mjs.
import matmulWgsl from '../../../shaders/matmul.wgsl?raw';
import bindingsWgsl from '../../../shaders/matmul_bindings.wgsl?raw';
import scalarLoadersWgsl from '../../../shaders/matmul_scalar.wgsl?raw';
import vec4LoadersWgsl from '../../../shaders/matmul_vec4.wgsl?raw';
import quadWgsl from '../../../shaders/matmul_quad.wgsl?raw';
import quadBlocksWgsl from '../../../shaders/quad_blocks.wgsl?raw';
import commonWgsl from '../../../shaders/matmul_common.wgsl?raw';
import smallWgsl from '../../../shaders/matmul_small.wgsl?raw';
import tiledWgsl from '../../../shaders/matmul_tiled.wgsl?raw';
import { isSmallMatmul } from '../../kernels/kernel_spec.js';
import { MAX_GROUPS } from './gpu_program.js';

/**
 * Which kernel large matmuls use: 'tiled' (workgroup-memory tiles,
 * matmul_tiled.wgsl, for real GPUs) or 'registers' (register blocking
 * without workgroup memory, matmul.wgsl, faster on emulated adapters).
 */
export type MatmulKernel = 'tiled' | 'registers';

export interface MatmulConfig {
  m: number; n: number; k: number; transA: boolean; transB: boolean; hasBias: boolean; act: number; kernel: MatmulKernel;
  /**
   * The device has subgroups of exactly 4 invocations ('subgroups' enabled;
   * SwiftShader): the register kernel then shares loads across each subgroup
   * (matmul_quad.wgsl).
   */
  quads?: boolean;
}
export interface MatmulProgram {
  /** Key under which the pipeline is cached (same key => same code + constants). */
  key: string;
  /** WGSL source of the chosen matmul; the caller appends the epilogue and puts the library functions it uses in front (withFunctions). */
  code: string;
  /** Values for the `override` constants. */
  constants: Record<string, number>;
  /** Workgroup counts for dispatchWorkgroups. */
  workgroups: [number, number, number];
}

/** Threads per workgroup (x along N, y along M); each thread computes 8x8 outputs. */
const WG_X = 8;
const WG_Y = 8;
const OUT_PER_THREAD = 8;

const VEC4_CODE = bindingsWgsl + vec4LoadersWgsl + commonWgsl + matmulWgsl;
const SCALAR_CODE = bindingsWgsl + scalarLoadersWgsl + commonWgsl + matmulWgsl;
// `enable` must open the module; withFunctions keeps it there.
const QUAD_ENABLE = 'enable subgroups;\n' + quadBlocksWgsl;
const VEC4_QUAD_CODE = QUAD_ENABLE + bindingsWgsl + vec4LoadersWgsl + commonWgsl + quadWgsl;
const SCALAR_QUAD_CODE = QUAD_ENABLE + bindingsWgsl + scalarLoadersWgsl + commonWgsl + quadWgsl;
const SMALL_CODE = bindingsWgsl + smallWgsl;
const TILED_CODE = bindingsWgsl + tiledWgsl;
/** Edge of the C tile a workgroup of the tiled kernel computes (TILE in the shader). */
const TILED_TILE = 64;

/** Linear tile numbering spread over x and y (at most MAX_GROUPS per dimension). */
function tileGrid(tiles: number): [number, number, number] {
  const y = Math.ceil(Math.max(tiles, 1) / MAX_GROUPS);
  return [Math.ceil(Math.max(tiles, 1) / y), y, 1];
}

/**
 * The vec4 loaders read A along K (or along M when transposed), B along N (or
 * along K when transposed) and store C along N, 4 floats at a time; each of
 * those row lengths must be a multiple of 4 so no vec4 straddles two rows.
 */
export function fitsVec4(cfg: MatmulConfig): boolean {
  return cfg.k % 4 === 0 && cfg.n % 4 === 0 && (!cfg.transA || cfg.m % 4 === 0);
}

export function matmulProgram(cfg: MatmulConfig): MatmulProgram {
  if (isSmallMatmul(cfg.m, cfg.n, cfg.k)) {
    // One invocation per ROWS x 4 block of C. A few rows (one sample) get one
    // row per invocation, and few invocations get small workgroups, so the
    // work still spreads over several workgroups (cores, on an emulated GPU).
    const rows = cfg.m < 8 ? 1 : 4;
    const invocations = Math.ceil(cfg.m / rows) * Math.ceil(cfg.n / 4);
    const wg = invocations >= 512 ? 64 : 16;
    const groups = Math.max(1, Math.ceil(invocations / wg));
    const y = Math.ceil(groups / MAX_GROUPS);
    return {
      key: `matmul:small:${+cfg.transA}${+cfg.transB}${+cfg.hasBias}${cfg.act}`,
      code: SMALL_CODE,
      constants: { TRANS_A: +cfg.transA, TRANS_B: +cfg.transB, HAS_BIAS: +cfg.hasBias, ACT: cfg.act, ROWS: rows, WG: wg },
      workgroups: [Math.ceil(groups / y), y, 1],
    };
  }
  if (cfg.kernel === 'tiled') {
    return {
      key: `matmul:tiled:${+cfg.transA}${+cfg.transB}${+cfg.hasBias}${cfg.act}`,
      code: TILED_CODE,
      constants: { TRANS_A: +cfg.transA, TRANS_B: +cfg.transB, HAS_BIAS: +cfg.hasBias, ACT: cfg.act },
      workgroups: tileGrid(Math.ceil(cfg.m / TILED_TILE) * Math.ceil(cfg.n / TILED_TILE)),
    };
  }
  const vec4 = fitsVec4(cfg);
  // The shader numbers tiles linearly (x + y * groupsX) and retires the excess,
  // so the grid only has to cover the tiles within 65535 per dimension.
  const tiles = Math.ceil(cfg.m / (WG_Y * OUT_PER_THREAD)) * Math.ceil(cfg.n / (WG_X * OUT_PER_THREAD));
  const quads = cfg.quads === true;
  return {
    key: `matmul:${vec4 ? 'vec4' : 'scalar'}${quads ? ':quad' : ''}:${+cfg.transA}${+cfg.transB}${+cfg.hasBias}${cfg.act}`,
    code: quads ? (vec4 ? VEC4_QUAD_CODE : SCALAR_QUAD_CODE) : vec4 ? VEC4_CODE : SCALAR_CODE,
    constants: { TRANS_A: +cfg.transA, TRANS_B: +cfg.transB, HAS_BIAS: +cfg.hasBias, ACT: cfg.act, K_TAIL: +(cfg.k % 4 !== 0), WG_X, WG_Y },
    workgroups: tileGrid(tiles),
  };
}
