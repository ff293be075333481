// Kernel descriptors: for each kernel spec, the WGSL source (from shaders/),
// the `override` constants, the uniform values, the workgroup counts, and how
// many input bindings the shader declares. Pipelines are cached by
// (code, entry point, constants), so shape-independent kernels compile once.
import activationsWgsl from '../../../shaders/activations.wgsl?raw';
import oneHotWgsl from '../../../shaders/one_hot.wgsl?raw';
import reduceWgsl from '../../../shaders/reduce.wgsl?raw';
import softmaxWgsl from '../../../shaders/softmax.wgsl?raw';
import { ACTIVATION_CODES, type KernelSpec } from '../../kernels/kernel_spec.js';
import { elementwiseProgram } from './elementwise_program.js';
import { matmulProgram } from './matmul_program.js';

export interface GpuProgram {
  /** Cache key: equal keys mean equal code, entry point and constants. */
  key: string;
  code: string;
  entryPoint: string;
  constants: Record<string, number>;
  workgroups: [number, number, number];
  /** Input bindings the shader declares (missing ones get a dummy buffer). */
  inputBindings: number;
  /** Uniform block contents, bound after the output, or null. */
  uniform: ArrayBuffer | null;
}

const MAX_GROUPS = 65535;

/** Spreads `groups` workgroups over x and y so neither exceeds the per-dimension limit. */
export function spread(groups: number): [number, number, number] {
  if (groups <= MAX_GROUPS) return [Math.max(groups, 1), 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}

function u32s(...v: number[]): ArrayBuffer {
  return new Uint32Array(v).buffer;
}

export function programFor(spec: KernelSpec): GpuProgram {
  switch (spec.type) {
    case 'elementwise':
      return elementwiseProgram(spec);
    case 'matmul': {
      const p = matmulProgram({
        m: spec.m, n: spec.n, k: spec.k, transA: spec.transA, transB: spec.transB,
        hasBias: spec.hasBias, act: ACTIVATION_CODES[spec.act],
      });
      const dims = new ArrayBuffer(16);
      new Uint32Array(dims, 0, 3).set([spec.m, spec.n, spec.k]);
      new Float32Array(dims, 12, 1)[0] = spec.alpha;
      return { key: p.key, code: p.code, entryPoint: 'main', constants: p.constants, workgroups: p.workgroups, inputBindings: 3, uniform: dims };
    }
    case 'reduce': {
      const rows = spec.inner === 1;
      const outputs = spec.outer * spec.inner;
      return {
        key: `reduce:${rows ? 'rows' : 'cols'}:${spec.reducer}`,
        code: reduceWgsl,
        entryPoint: rows ? 'reduce_rows' : 'reduce_cols',
        constants: { REDUCER: ['sum', 'max', 'argmax'].indexOf(spec.reducer) },
        workgroups: spread(rows ? outputs : Math.ceil(outputs / 64)),
        inputBindings: 1,
        uniform: u32s(spec.outer, spec.size, spec.inner, 0),
      };
    }
    case 'softmax':
    case 'softmaxGrad':
    case 'softmaxXent': {
      const entryPoint = spec.type === 'softmax' ? 'softmax_fwd' : spec.type === 'softmaxGrad' ? 'softmax_bwd' : 'softmax_xent';
      const constants: Record<string, number> =
        spec.type === 'softmaxXent' ? { GRAD: spec.grad ? 1 : 0, CLIP: spec.clip ? 1 : 0 } : { LOG: spec.log ? 1 : 0 };
      const uniform = u32s(spec.rows, spec.cols, 0, 0);
      return {
        key: `softmax:${entryPoint}:${JSON.stringify(constants)}`,
        code: activationsWgsl + softmaxWgsl,
        entryPoint,
        constants,
        workgroups: spread(Math.ceil(spec.rows / 64)),
        inputBindings: 3,
        uniform,
      };
    }
    case 'oneHot':
      return {
        key: 'oneHot',
        code: oneHotWgsl,
        entryPoint: 'main',
        constants: {},
        workgroups: spread(Math.ceil((spec.n * spec.depth) / 256)),
        inputBindings: 1,
        uniform: u32s(spec.n, spec.depth, 0, 0),
      };
  }
}
