// Generates a (possibly fused) elementwise kernel from shaders/elementwise.wgsl:
// input bindings, index arithmetic with the shape baked in as literals, and a
// chain of calls to the WGSL functions named in the elementwise table.
import elementwiseWgsl from '../../../shaders/elementwise.wgsl?raw';
import type { ElementwiseSpec } from '../../kernels/kernel_spec.js';
import { bindingDecl, instrLines, loadLines } from './expr_codegen.js';
import { spread, type GpuProgram } from './gpu_program.js';
import { withFunctions } from './wgsl_library.js';

/** Invocations per workgroup, and elements each invocation computes (the shader's WG and PER_THREAD). */
const WORKGROUP_SIZE = 256;
const PER_THREAD = 4;

export function elementwiseProgram(spec: ElementwiseSpec): GpuProgram {
  const total = spec.outShape.reduce((a, b) => a * b, 1);
  const n = spec.inputs.length;
  const names = spec.inputs.map((_, j) => `in${j}`);
  const bindings = spec.inputs.map((inp, j) => bindingDecl(j, names[j], inp.dtype));
  bindings.push(`@group(0) @binding(${n}) var<storage, read_write> out: array<${spec.outDtype === 'int32' ? 'i32' : 'f32'}>;`);
  const { lines, result } = instrLines('', spec.instrs, n);
  const body = [
    `if (i >= ${total}u) { return; }`,
    ...loadLines('', 'i', spec.outShape, spec.inputs, names, 0),
    ...lines,
    spec.outDtype === 'int32' ? `out[i] = wg_to_i32(${result});` : `out[i] = ${result};`,
  ];
  const code = withFunctions(elementwiseWgsl.replace('//@BINDINGS', bindings.join('\n')).replace('//@BODY', body.join('\n  ')));
  return {
    key: code,
    code,
    entryPoint: 'main',
    constants: { WG: WORKGROUP_SIZE, PER_THREAD },
    workgroups: spread(Math.ceil(total / (WORKGROUP_SIZE * PER_THREAD))),
    argBindings: spec.inputs.map((_, j) => j),
    dummyBindings: [],
    outBinding: n,
    uniform: null,
    uniformBinding: -1,
  };
}
