// Kernel descriptors: for each kernel spec, the WGSL source (from shaders/),
// the `override` constants, the uniform values, the workgroup counts, and how
// many input bindings the shader declares (a GpuProgram, gpu_program.ts).
// Pipelines are cached by (code, entry point, constants), so shape-independent
// kernels compile once.
import oneHotWgsl from '../../../shaders/one_hot.wgsl?raw';
import softmaxWgsl from '../../../shaders/softmax.wgsl?raw';
import { activationCode, CLIP_EPSILON, type KernelSpec } from '../../kernels/kernel_spec.js';
import { convProgram, poolProgram } from './conv_program.js';
import { elementwiseProgram } from './elementwise_program.js';
import { layoutProgram } from './layout_program.js';
import { matmulProgram, type MatmulKernel } from './matmul_program.js';
import { epilogueFn } from './expr_codegen.js';
import { reduceProgram } from './reduce_program.js';
import { spread, type GpuProgram } from './gpu_program.js';
import { withFunctions } from './wgsl_library.js';

/** Invocations per workgroup of the softmax family (one row each) and of one-hot (the shaders' WG). */
const SOFTMAX_WORKGROUP_SIZE = 64;
const ONE_HOT_WORKGROUP_SIZE = 256;

/** The softmax family's source, with the library functions it calls. */
const SOFTMAX_CODE = withFunctions(softmaxWgsl);

function u32s(...v: number[]): ArrayBuffer {
  return new Uint32Array(v).buffer;
}

/**
 * `matmulKernel`: the kernel large matmuls use on this adapter (see
 * MatmulKernel); `quads`: the device has 4-wide subgroups (MatmulConfig.quads).
 */
export function programFor(spec: KernelSpec, matmulKernel: MatmulKernel = 'registers', quads = false): GpuProgram {
  switch (spec.type) {
    case 'elementwise':
      return elementwiseProgram(spec);
    case 'matmul': {
      const p = matmulProgram({
        m: spec.m, n: spec.n, k: spec.k, transA: spec.transA, transB: spec.transB,
        hasBias: spec.hasBias, act: activationCode(spec.act), kernel: matmulKernel, quads,
      });
      const dims = new ArrayBuffer(16);
      new Uint32Array(dims, 0, 3).set([spec.m, spec.n, spec.k]);
      new Float32Array(dims, 12, 1)[0] = spec.alpha;
      // The epilogue's inputs are bound after the uniform (bindings 5, 6, ...).
      const ep = epilogueFn('wg_epilogue', spec.epilogue, 5);
      const code = withFunctions([p.code, ...ep.decls, ep.fn].join('\n'));
      const nEp = spec.epilogue?.inputs.length ?? 0;
      return {
        key: spec.epilogue ? `${p.key}|${code}` : p.key,
        code,
        entryPoint: 'main',
        constants: p.constants,
        workgroups: p.workgroups,
        argBindings: [0, 1, ...(spec.hasBias ? [2] : []), ...Array.from({ length: nEp }, (_, j) => 5 + j)],
        dummyBindings: spec.hasBias ? [] : [2],
        outBinding: 3,
        uniform: dims,
        uniformBinding: 4,
      };
    }
    case 'reduce':
      return reduceProgram(spec);
    case 'softmax':
    case 'softmaxGrad':
    case 'softmaxXent': {
      const entryPoint = spec.type === 'softmax' ? 'softmax_fwd' : spec.type === 'softmaxGrad' ? 'softmax_bwd' : 'softmax_xent';
      const constants: Record<string, number> = {
        ...(spec.type === 'softmaxXent' ? { GRAD: spec.grad ? 1 : 0, CLIP: spec.clip ? 1 : 0 } : { LOG: spec.log ? 1 : 0 }),
        WG: SOFTMAX_WORKGROUP_SIZE,
        EPS: CLIP_EPSILON,
      };
      const uniform = u32s(spec.rows, spec.cols, 0, 0);
      return {
        key: `softmax:${entryPoint}:${JSON.stringify(constants)}`,
        code: SOFTMAX_CODE,
        entryPoint,
        constants,
        workgroups: spread(Math.ceil(spec.rows / SOFTMAX_WORKGROUP_SIZE)),
        argBindings: spec.type === 'softmaxXent' && spec.grad ? [0, 1, 2] : spec.type === 'softmax' ? [0] : [0, 1],
        dummyBindings: spec.type === 'softmaxXent' && spec.grad ? [] : spec.type === 'softmax' ? [1, 2] : [2],
        outBinding: 3,
        uniform,
        uniformBinding: 4,
      };
    }
    case 'oneHot':
      return {
        key: 'oneHot',
        code: oneHotWgsl,
        entryPoint: 'main',
        constants: { WG: ONE_HOT_WORKGROUP_SIZE },
        workgroups: spread(Math.ceil((spec.n * spec.depth) / ONE_HOT_WORKGROUP_SIZE)),
        argBindings: [0],
        dummyBindings: [],
        outBinding: 1,
        uniform: u32s(spec.n, spec.depth, 0, 0),
        uniformBinding: 2,
      };
    case 'window': case 'concat': case 'gather': case 'where': case 'batchMatmul':
      return layoutProgram(spec);
    case 'conv2d':
      return convProgram(spec, matmulKernel, quads);
    case 'pool':
      return poolProgram(spec);
  }
}
