// Fused elementwise expressions as WebAssembly SIMD, generated per
// expression: the elementwise kernels and the epilogues fused into matmuls
// and convolutions (bias adds, activation derivatives, optimizer updates).
// An expression is compiled when every instruction is one of ROWS below and
// every input is float32, read either in order or as one repeated value (a
// scalar such as a learning rate); anything else runs the TypeScript kernel.
// Each instruction rounds to float32 as the TypeScript kernels do, and each
// row keeps its NaN rule, so both give the same bits.
import { readsInOrder, readsOneValue } from '../../core/shape.js';
import type { ElementwiseFn } from '../../kernels/elementwise_table.js';
import type { ElementwiseInput, ElementwiseInstr } from '../../kernels/strided_input.js';
import { Code, F32, I32, ModuleBuilder, OP, SIMD, V128 } from './wasm_emitter.js';

/** `(out, n, ...inputs)`: byte offsets of the output and of each value's input; n elements. */
export type ExprFn = (out: number, n: number, ...inputs: number[]) => void;

type Layout = 'vector' | 'scalar';

/** The rows compiled to WebAssembly: IEEE arithmetic, and relu with its derivative. */
const ROWS: ReadonlySet<ElementwiseFn> = new Set<ElementwiseFn>(['identity', 'add', 'sub', 'mul', 'div', 'neg', 'sqrt', 'relu', 'reluGrad']);

/** How each input is read, or null when the expression stays in TypeScript. */
export function exprLayout(shape: readonly number[], inputs: readonly ElementwiseInput[], instrs: readonly ElementwiseInstr[]): Layout[] | null {
  if (instrs.length === 0 || instrs.some((i) => !ROWS.has(i.fn))) return null;
  const out: Layout[] = [];
  for (const inp of inputs) {
    if (inp.dtype !== 'float32') return null;
    if (readsInOrder(inp.strides, shape)) out.push('vector');
    else if (readsOneValue(inp.strides, shape)) out.push('scalar');
    else return null;
  }
  return out;
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
    const key = `${layouts.join(',')}|${instrs.map((i) => `${i.fn}(${i.args.join(',')})`).join(';')}`;
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

/** The body: 4 elements at a time with v128 values, then the last n % 4 with f32 values. */
function emitExpr(f: Code, layouts: readonly Layout[], instrs: readonly ElementwiseInstr[]): void {
  const [out, n] = [0, 1];
  const param = (j: number): number => 2 + j;
  const i = f.local(I32), end4 = f.local(I32), end = f.local(I32);
  const values = layouts.length + instrs.length;
  const vec = Array.from({ length: values }, () => f.local(V128));
  const sca = Array.from({ length: values }, () => f.local(F32));
  // Repeated values are loaded once.
  layouts.forEach((l, j) => {
    if (l !== 'scalar') return;
    f.get(param(j)).load32Splat().set(vec[j]);
    f.get(param(j)).f32Load().set(sca[j]);
  });
  f.get(n).i32(2).op(OP.i32Shl).set(end);
  f.get(n).i32(-4).op(OP.i32And).i32(2).op(OP.i32Shl).set(end4);
  f.forRange(i, () => f.i32(0), end4, 16, () => {
    layouts.forEach((l, j) => {
      if (l === 'vector') f.get(param(j)).get(i).op(OP.i32Add).v128Load().set(vec[j]);
    });
    instrs.forEach((ins, k) => emitSimd(f, ins, vec, vec[layouts.length + k]));
    f.get(out).get(i).op(OP.i32Add).get(vec[values - 1]).v128Store();
  });
  f.forRange(i, () => f.get(end4), end, 4, () => {
    layouts.forEach((l, j) => {
      if (l === 'vector') f.get(param(j)).get(i).op(OP.i32Add).f32Load().set(sca[j]);
    });
    instrs.forEach((ins, k) => emitScalar(f, ins, sca, sca[layouts.length + k]));
    f.get(out).get(i).op(OP.i32Add).get(sca[values - 1]).f32Store();
  });
}

const SIMD_BINARY: Partial<Record<ElementwiseFn, number>> = { add: SIMD.f32x4Add, sub: SIMD.f32x4Sub, mul: SIMD.f32x4Mul, div: SIMD.f32x4Div };
const SCALAR_BINARY: Partial<Record<ElementwiseFn, number>> = { add: OP.f32Add, sub: OP.f32Sub, mul: OP.f32Mul, div: OP.f32Div };

function emitSimd(f: Code, ins: ElementwiseInstr, v: readonly number[], dst: number): void {
  const a = v[ins.args[0]];
  const b = v[ins.args[1] ?? ins.args[0]];
  const binary = SIMD_BINARY[ins.fn];
  if (binary !== undefined) f.get(a).get(b).simd(binary);
  else if (ins.fn === 'identity') f.get(a);
  else if (ins.fn === 'neg') f.get(a).simd(SIMD.f32x4Neg);
  else if (ins.fn === 'sqrt') f.get(a).simd(SIMD.f32x4Sqrt);
  // relu: pmax(x, 0) is x < 0 ? 0 : x, the row's formula (NaN and -0 kept).
  else if (ins.fn === 'relu') f.get(a).f32x4Const(0).simd(SIMD.f32x4Pmax);
  else {
    // reluGrad(x, dy): x > 0 ? dy : 0, and NaN where x or dy is NaN.
    f.get(b).f32x4Const(0).get(a).f32x4Const(0).simd(SIMD.f32x4Gt).simd(SIMD.v128Bitselect);
    f.set(dst);
    f.f32x4Const(NaN).get(dst);
    f.get(a).get(a).simd(SIMD.f32x4Ne).get(b).get(b).simd(SIMD.f32x4Ne).simd(SIMD.v128Or);
    f.simd(SIMD.v128Bitselect);
  }
  f.set(dst);
}

function emitScalar(f: Code, ins: ElementwiseInstr, s: readonly number[], dst: number): void {
  const a = s[ins.args[0]];
  const b = s[ins.args[1] ?? ins.args[0]];
  const binary = SCALAR_BINARY[ins.fn];
  if (binary !== undefined) f.get(a).get(b).op(binary);
  else if (ins.fn === 'identity') f.get(a);
  else if (ins.fn === 'neg') f.get(a).op(OP.f32Neg);
  else if (ins.fn === 'sqrt') f.get(a).op(OP.f32Sqrt);
  else if (ins.fn === 'relu') f.f32(0).get(a).get(a).f32(0).op(OP.f32Lt, OP.select);
  else {
    f.get(b).f32(0).get(a).f32(0).op(OP.f32Gt, OP.select).set(dst);
    f.f32(NaN).get(dst);
    f.get(a).get(a).op(OP.f32Ne).get(b).get(b).op(OP.f32Ne).op(OP.i32Or);
    f.op(OP.select);
  }
  f.set(dst);
}
