// Generates a reduce kernel from shaders/reduce.wgsl: a plain reduction, or
// one whose input is a fused elementwise prologue and whose results pass
// through a fused epilogue (e.g. a loss: square -> sum -> divide -> negate,
// or a bias gradient summed and applied as an SGD update, in one kernel).
import reduceWgsl from '../../../shaders/reduce.wgsl?raw';
import type { ReduceSpec } from '../../kernels/kernel_spec.js';
import { bindingDecl, epilogueFn, prologueFn } from './expr_codegen.js';
import { spread, type GpuProgram } from './gpu_program.js';
import { withFunctions } from './wgsl_library.js';

/** Invocations per workgroup (the shader's WG; a power of two, for its tree reduction). */
const WORKGROUP_SIZE = 64;
/** Columns this long, this few of them, are reduced a workgroup each. */
const FEW_OUTPUTS = 256;
const LONG_COLUMN = 2048;

export function reduceProgram(spec: ReduceSpec): GpuProgram {
  // A workgroup per output (reduce_rows) for rows, and for a few long
  // columns; else a thread per output (reduce_cols).
  const rows = spec.inner === 1 || (spec.outer * spec.inner <= FEW_OUTPUTS && spec.size >= LONG_COLUMN);
  const outputs = spec.outer * spec.inner;
  const nIn = spec.prologue ? spec.prologue.inputs.length : 1;
  const decls: string[] = [];
  let load: string;
  if (spec.prologue) {
    const p = prologueFn('wg_reduce_load', spec.prologue, 0);
    decls.push(...p.decls);
    load = p.fn;
  } else {
    decls.push(bindingDecl(0, 'x'));
    load = 'fn wg_reduce_load(i: u32) -> f32 { return x[i]; }';
  }
  decls.push(`@group(0) @binding(${nIn}) var<storage, read_write> out: array<u32>;`);
  decls.push(`@group(0) @binding(${nIn + 1}) var<uniform> dims: ReduceDims;`);
  const ep = epilogueFn('wg_reduce_store', spec.epilogue, nIn + 2);
  decls.push(...ep.decls);
  const code = withFunctions(reduceWgsl.replace('//@BINDINGS', decls.join('\n')).replace('//@FUNCTIONS', `${load}\n${ep.fn}`));
  const nEp = spec.epilogue?.inputs.length ?? 0;
  return {
    key: code,
    code,
    entryPoint: rows ? 'reduce_rows' : 'reduce_cols',
    constants: { REDUCER: ['sum', 'max', 'argmax'].indexOf(spec.reducer), WG: WORKGROUP_SIZE },
    workgroups: spread(rows ? outputs : Math.ceil(outputs / WORKGROUP_SIZE)),
    argBindings: [...Array.from({ length: nIn }, (_, j) => j), ...Array.from({ length: nEp }, (_, j) => nIn + 2 + j)],
    dummyBindings: [],
    outBinding: nIn,
    uniform: new Uint32Array([spec.outer, spec.size, spec.inner, 0]).buffer,
    uniformBinding: nIn + 1,
  };
}
