// Fused elementwise expressions as WebAssembly SIMD, generated per
// expression: the elementwise kernels and the epilogues fused into matmuls
// and convolutions (bias adds, activation derivatives, optimizer updates).
// An expression is compiled when every instruction is a row of
// wasm_expr_rows.ts and every input is float32, read in order, as one
// repeated value (a scalar such as a learning rate), or as a vector repeated
// along the outer axes whose length is a multiple of 4 (a bias over channels);
// anything else runs the TypeScript kernel. Each instruction rounds to float32 as the TypeScript
// kernels do and keeps its row's NaN rule (wasm_expr_rows.ts says which rows
// give the same bits and which are within a few ulp).
import { readsInOrder, readsOneValue } from '../../core/shape.js';
import type { ElementwiseInput, ElementwiseInstr } from '../../kernels/strided_input.js';
import { Code, I32, ModuleBuilder, OP, SIMD, V128 } from './wasm_emitter.js';
import { emitInstr, WASM_ROWS } from './wasm_expr_rows.js';

/** `(out, n, ...inputs)`: byte offsets of the output and of each value's input; n elements. */
export type ExprFn = (out: number, n: number, ...inputs: number[]) => void;

/** 'vector': in order; 'scalar': one value; `cycle<L>`: L values in order, again and again. */
type Layout = 'vector' | 'scalar' | `cycle${number}`;

/**
 * The length of the vector an input repeats along the outer axes (strides 0
 * there, in order over the inner ones), when that length is a multiple of 4,
 * else null. E.g. a [C] bias added to an NHWC [N, H, W, C] result.
 */
function cycleLength(strides: readonly number[], shape: readonly number[]): number | null {
  let inner = 1;
  let d = shape.length - 1;
  for (; d >= 0 && (strides[d] === inner || shape[d] === 1); d--) inner *= shape[d];
  for (let e = d; e >= 0; e--) if (strides[e] !== 0 && shape[e] !== 1) return null;
  return inner % 4 === 0 ? inner : null;
}

/** How each input is read, or null when the expression stays in TypeScript. */
export function exprLayout(shape: readonly number[], inputs: readonly ElementwiseInput[], instrs: readonly ElementwiseInstr[]): Layout[] | null {
  if (instrs.length === 0 || instrs.some((i) => !WASM_ROWS.has(i.fn))) return null;
  const out: Layout[] = [];
  for (const inp of inputs) {
    if (inp.dtype !== 'float32') return null;
    if (readsInOrder(inp.strides, shape)) out.push('vector');
    else if (readsOneValue(inp.strides, shape)) out.push('scalar');
    else {
      const cycle = cycleLength(inp.strides, shape);
      if (cycle === null) return null;
      out.push(`cycle${cycle}`);
    }
  }
  return out;
}

/** The bytes a `cycle<L>` input repeats after, or 0 for the other layouts. */
function cycleBytes(l: Layout): number {
  return l.startsWith('cycle') ? 4 * Number(l.slice(5)) : 0;
}

/**
 * One compiled function per expression shape (instructions and layouts);
 * `shared` must match the memory the backend instantiates it on.
 */
export class ExprCompiler {
  private readonly cache = new Map<string, ExprFn>();

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly shared: boolean,
  ) {}

  /**
   * The function for an expression whose values are `leading` kernel results
   * (an epilogue's value 0, read from the output in place) followed by
   * `inputs`; null when it stays in TypeScript.
   */
  compile(shape: readonly number[], leading: number, inputs: readonly ElementwiseInput[], instrs: readonly ElementwiseInstr[]): ExprFn | null {
    const layout = exprLayout(shape, inputs, instrs);
    if (!layout) return null;
    const layouts: Layout[] = [...Array<Layout>(leading).fill('vector'), ...layout];
    const key = `${layouts.join(',')}|${instrs.map((i) => `${i.fn}(${i.args.join(',')})[${i.attrs.join(',')}]`).join(';')}`;
    let fn = this.cache.get(key);
    if (!fn) {
      const mb = new ModuleBuilder(this.shared);
      emitExpr(mb.func('expr', [I32, I32, ...layouts.map((): typeof I32 => I32)]), layouts, instrs);
      // Modules of a few hundred bytes compile synchronously everywhere (browsers limit only large ones).
      const instance = new WebAssembly.Instance(new WebAssembly.Module(mb.encode()), { env: { memory: this.memory } });
      fn = instance.exports.expr as ExprFn;
      this.cache.set(key, fn);
    }
    return fn;
  }
}

/**
 * The body: 4 elements at a time, then the last n % 4 one by one with the
 * same SIMD code on a splatted value (lane 0 stored), so both give the same bits.
 */
function emitExpr(f: Code, layouts: readonly Layout[], instrs: readonly ElementwiseInstr[]): void {
  const [out, n] = [0, 1];
  const param = (j: number): number => 2 + j;
  const i = f.local(I32), end4 = f.local(I32), end = f.local(I32);
  const values = layouts.length + instrs.length;
  const vec = Array.from({ length: values }, () => f.local(V128));
  // Repeated values are loaded once; a repeated vector is read at its own
  // byte position, which goes back to 0 after each repetition. A cycle's
  // length divides n and is a multiple of 4, so the 4-wide loop never
  // straddles its end (and the one-by-one tail does not run).
  const cyclePos = layouts.map((l) => (cycleBytes(l) ? f.local(I32) : -1));
  layouts.forEach((l, j) => {
    if (l === 'scalar') f.get(param(j)).load32Splat().set(vec[j]);
    if (cycleBytes(l)) f.i32(0).set(cyclePos[j]);
  });
  const advanceCycles = (step: number): void => {
    layouts.forEach((l, j) => {
      const bytes = cycleBytes(l);
      if (!bytes) return;
      // pos += step; pos = pos != bytes ? pos : 0 (select keeps its first operand when the condition holds)
      f.get(cyclePos[j]).i32(step).op(OP.i32Add).set(cyclePos[j]);
      f.get(cyclePos[j]).i32(0).get(cyclePos[j]).i32(bytes).op(OP.i32Ne).op(OP.select).set(cyclePos[j]);
    });
  };
  f.get(n).i32(2).op(OP.i32Shl).set(end);
  f.get(n).i32(-4).op(OP.i32And).i32(2).op(OP.i32Shl).set(end4);
  f.forRange(i, () => f.i32(0), end4, 16, () => {
    layouts.forEach((l, j) => {
      if (l === 'vector') f.get(param(j)).get(i).op(OP.i32Add).v128Load().set(vec[j]);
      else if (cycleBytes(l)) f.get(param(j)).get(cyclePos[j]).op(OP.i32Add).v128Load().set(vec[j]);
    });
    instrs.forEach((ins, k) => emitInstr(f, ins, vec, vec[layouts.length + k]));
    f.get(out).get(i).op(OP.i32Add).get(vec[values - 1]).v128Store();
    advanceCycles(16);
  });
  f.forRange(i, () => f.get(end4), end, 4, () => {
    layouts.forEach((l, j) => {
      if (l === 'vector') f.get(param(j)).get(i).op(OP.i32Add).load32Splat().set(vec[j]);
      else if (cycleBytes(l)) f.get(param(j)).get(cyclePos[j]).op(OP.i32Add).load32Splat().set(vec[j]);
    });
    instrs.forEach((ins, k) => emitInstr(f, ins, vec, vec[layouts.length + k]));
    f.get(out).get(i).op(OP.i32Add).get(vec[values - 1]).simd(SIMD.f32x4ExtractLane).op(0).f32Store();
    advanceCycles(4);
  });
}
