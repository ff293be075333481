// WGSL glue for elementwise expressions: index arithmetic with shapes baked
// in as literals, and a chain of calls to the functions of
// shaders/elementwise_ops.wgsl and shaders/activations.wgsl, each wrapped in
// its row's NaN rule. Used by the elementwise kernel and by matmul / reduce
// prologues and epilogues.
import { readsInOrder, readsOneValue, stridesOf } from '../../core/shape.js';
import { primitiveDef, type ElementwiseFn } from '../../kernels/elementwise_table.js';
import type { ElementwiseExpr, ElementwiseInput, ElementwiseInstr } from '../../kernels/kernel_spec.js';

/** WGSL float literal that round-trips exactly (attributes are checked finite at the API edge). */
export function f32Literal(v: number): string {
  const bits = new Uint32Array(Float32Array.of(v).buffer)[0];
  return `bitcast<f32>(0x${bits.toString(16)}u)`;
}


/**
 * Lines that load every input at flat index `idx` of `shape` into
 * `${p}v{j}` (j offset by `first`), computing coordinates once if needed.
 */
export function loadLines(p: string, idx: string, shape: readonly number[], inputs: readonly ElementwiseInput[], names: readonly string[], first: number): string[] {
  const lines: string[] = [];
  const outStrides = stridesOf(shape);
  const strided = inputs.filter((inp) => !readsInOrder(inp.strides, shape) && !readsOneValue(inp.strides, shape));
  if (strided.length) {
    // Only the axes from the first one a strided input moves along: a bias
    // over the last axis needs one modulo, not a division per axis (integer
    // division is slow where the GPU is emulated on a CPU).
    const first = shape.findIndex((n, d) => n !== 1 && strided.some((inp) => inp.strides[d] !== 0));
    lines.push(first > 0 ? `var ${p}r = ${idx} % ${outStrides[first] * shape[first]}u;` : `var ${p}r = ${idx};`);
    outStrides.forEach((s, d) => {
      if (d < first || shape[d] === 1) return;
      if (s === 1) lines.push(`let ${p}c${d} = ${p}r;`);
      else lines.push(`let ${p}c${d} = ${p}r / ${s}u;`, `${p}r = ${p}r - ${p}c${d} * ${s}u;`);
    });
  }
  inputs.forEach((inp, j) => {
    let index: string;
    if (readsInOrder(inp.strides, shape)) index = idx;
    else if (readsOneValue(inp.strides, shape)) index = '0u';
    else {
      const terms = inp.strides.map((s, d) => (s === 0 || shape[d] === 1 ? '' : s === 1 ? `${p}c${d}` : `${p}c${d} * ${s}u`)).filter(Boolean);
      index = terms.length ? terms.join(' + ') : '0u';
    }
    lines.push(`let ${p}v${first + j} = f32(${names[j]}[${index}]);`);
  });
  return lines;
}

/**
 * WGSL expression calling the table's function for `fn` on `args` (value
 * names) and `attrs`, wrapped in the row's NaN rule (shaders/nonfinite.wgsl):
 * the one place where generated code decides what NaN arguments give.
 */
function callExpr(fn: ElementwiseFn, args: readonly string[], attrs: readonly number[]): string {
  const def = primitiveDef(fn);
  const call = `${def.wgsl}(${[...args, ...attrs.map(f32Literal)].join(', ')})`;
  if (def.nan === 'arithmetic') return call;
  if (def.nan === 'false') return `wg_nan_false2(${args[0]}, ${args[1]}, ${call})`;
  return def.arity === 1 ? `wg_nan_rule1(${args[0]}, ${call})` : `wg_nan_rule2(${args[0]}, ${args[1]}, ${call})`;
}

/** Lines computing the instructions; returns them and the name of the result. */
export function instrLines(p: string, instrs: readonly ElementwiseInstr[], firstFree: number): { lines: string[]; result: string } {
  const lines = instrs.map((ins, k) => `let ${p}v${firstFree + k} = ${callExpr(ins.fn, ins.args.map((a) => `${p}v${a}`), ins.attrs)};`);
  return { lines, result: `${p}v${firstFree + instrs.length - 1}` };
}

export function bindingDecl(binding: number, name: string, dtype: 'float32' | 'int32' = 'float32'): string {
  return `@group(0) @binding(${binding}) var<storage, read> ${name}: array<${dtype === 'int32' ? 'i32' : 'f32'}>;`;
}

/** `fn name(v: f32, i: u32) -> f32` applying an epilogue; its inputs are bound from `firstBinding`. */
export function epilogueFn(name: string, ep: ElementwiseExpr | undefined, firstBinding: number): { decls: string[]; fn: string } {
  if (!ep) return { decls: [], fn: `fn ${name}(v: f32, i: u32) -> f32 { return v; }` };
  const names = ep.inputs.map((_, j) => `${name}_in${j}`);
  const decls = ep.inputs.map((inp, j) => bindingDecl(firstBinding + j, names[j], inp.dtype));
  const body = [`let ev0 = v;`, ...loadLines('e', 'i', ep.shape, ep.inputs, names, 1)];
  const { lines, result } = instrLines('e', ep.instrs, 1 + ep.inputs.length);
  return { decls, fn: `fn ${name}(v: f32, i: u32) -> f32 {\n  ${[...body, ...lines, `return ${result};`].join('\n  ')}\n}` };
}

/** `fn name(i: u32) -> f32` computing a prologue from inputs bound from `firstBinding`. */
export function prologueFn(name: string, pro: ElementwiseExpr, firstBinding: number): { decls: string[]; fn: string } {
  const names = pro.inputs.map((_, j) => `${name}_in${j}`);
  const decls = pro.inputs.map((inp, j) => bindingDecl(firstBinding + j, names[j], inp.dtype));
  const body = loadLines('p', 'i', pro.shape, pro.inputs, names, 0);
  const { lines, result } = instrLines('p', pro.instrs, pro.inputs.length);
  return { decls, fn: `fn ${name}(i: u32) -> f32 {\n  ${[...body, ...lines, `return ${result};`].join('\n  ')}\n}` };
}
