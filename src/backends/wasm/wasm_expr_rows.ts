// The elementwise rows (src/kernels/elementwise_table.ts) that compile to
// WebAssembly SIMD, each as the f32x4 code of one instruction. Each keeps its
// row's NaN rule. The IEEE arithmetic, comparison, min / max / clip and relu
// rows give the TypeScript kernel's bits (a float32 operation rounds like
// float64 then float32); the transcendental rows (wasm_math.ts) and those built
// on them, and the derivative rows of several operations (computed in float32
// where the TypeScript row rounds once from float64), are within a few ulp.
import type { ElementwiseFn } from '../../kernels/elementwise_table.js';
import type { ElementwiseInstr } from '../../kernels/strided_input.js';
import { type Code, SIMD, V128 } from './wasm_emitter.js';
import { emitExp, emitExpm1, emitLog, emitSigmoid, emitSigmoidParts, emitTanh } from './wasm_math.js';

type Emit = (f: Code, a: number, b: number, attrs: readonly number[], dst: number) => void;

const op2 = (code: number): Emit => (f, a, b) => void f.get(a).get(b).simd(code);
/** Comparisons give 1 or 0 (0 for NaN, as every IEEE comparison with NaN is false). */
const compare = (code: number): Emit => (f, a, b) => void f.get(a).get(b).simd(code).f32x4Const(1).simd(SIMD.v128And);

/** Pushes then / otherwise by the mask, each pushed by its callback. */
function select(f: Code, then: () => void, otherwise: () => void, mask: () => void): void {
  then();
  otherwise();
  mask();
  f.simd(SIMD.v128Bitselect);
}

/** Replaces the value in `dst` by NaN where a or b is NaN (the 'propagate' rule for rows built from comparisons). */
function nanWhereEither(f: Code, a: number, b: number, dst: number): void {
  f.set(dst);
  select(f, () => f.f32x4Const(NaN), () => f.get(dst), () => f.get(a).get(a).simd(SIMD.f32x4Ne).get(b).get(b).simd(SIMD.f32x4Ne).simd(SIMD.v128Or));
}

/** The float32 nearest a float64 attribute, and the bounds a float32 x compares with as it would with the float64 one. */
const f32 = Math.fround;
function f32AtLeast(v: number): number {
  const r = f32(v);
  if (r >= v) return r;
  const b = new Float32Array([r]);
  const i = new Int32Array(b.buffer);
  i[0] += r >= 0 ? 1 : -1;
  return b[0];
}
const f32AtMost = (v: number): number => -f32AtLeast(-v);

const EMIT: Partial<Record<ElementwiseFn, Emit>> = {
  identity: (f, a) => void f.get(a),
  add: op2(SIMD.f32x4Add),
  sub: op2(SIMD.f32x4Sub),
  mul: op2(SIMD.f32x4Mul),
  div: op2(SIMD.f32x4Div),
  // min / max: NaN propagates and -0 < 0, as Math.min / Math.max.
  minimum: op2(SIMD.f32x4Min),
  maximum: op2(SIMD.f32x4Max),
  neg: (f, a) => void f.get(a).simd(SIMD.f32x4Neg),
  abs: (f, a) => void f.get(a).simd(SIMD.f32x4Abs),
  sqrt: (f, a) => void f.get(a).simd(SIMD.f32x4Sqrt),
  square: (f, a) => void f.get(a).get(a).simd(SIMD.f32x4Mul),
  reciprocal: (f, a) => void f.f32x4Const(1).get(a).simd(SIMD.f32x4Div),
  equal: compare(SIMD.f32x4Eq),
  greater: compare(SIMD.f32x4Gt),
  greaterEqual: compare(SIMD.f32x4Ge),
  less: compare(SIMD.f32x4Lt),
  lessEqual: compare(SIMD.f32x4Le),
  // clip: bounds rounded to float32 give the same result as the float64 ones, NaN kept.
  clip: (f, a, _b, [lo, hi]) => void f.get(a).f32x4Const(f32(lo)).simd(SIMD.f32x4Max).f32x4Const(f32(hi)).simd(SIMD.f32x4Min),
  clipGrad: (f, a, b, [lo, hi], dst) => {
    f.get(b).f32x4Const(0);
    f.get(a).f32x4Const(f32AtLeast(lo)).simd(SIMD.f32x4Ge).get(a).f32x4Const(f32AtMost(hi)).simd(SIMD.f32x4Le).simd(SIMD.v128And);
    f.simd(SIMD.v128Bitselect);
    nanWhereEither(f, a, b, dst);
  },
  // relu: pmax(x, 0) is x < 0 ? 0 : x, the row's formula (NaN and -0 kept).
  relu: (f, a) => void f.get(a).f32x4Const(0).simd(SIMD.f32x4Pmax),
  // reluGrad(x, dy): x > 0 ? dy : 0, and NaN where x or dy is NaN.
  reluGrad: (f, a, b, _at, dst) => {
    f.get(b).f32x4Const(0).get(a).f32x4Const(0).simd(SIMD.f32x4Gt).simd(SIMD.v128Bitselect);
    nanWhereEither(f, a, b, dst);
  },
  leakyRelu: (f, a, _b, [alpha]) => select(f, () => f.get(a), () => f.get(a).f32x4Const(alpha).simd(SIMD.f32x4Mul), () => f.get(a).f32x4Const(0).simd(SIMD.f32x4Ge)),
  leakyReluGrad: (f, a, b, [alpha], dst) => {
    select(f, () => f.get(b), () => f.get(b).f32x4Const(alpha).simd(SIMD.f32x4Mul), () => f.get(a).f32x4Const(0).simd(SIMD.f32x4Gt));
    nanWhereEither(f, a, b, dst);
  },
  exp: (f, a) => emitExp(f, a),
  log: (f, a) => emitLog(f, a),
  tanh: (f, a) => emitTanh(f, a),
  sigmoid: (f, a) => emitSigmoid(f, a),
  // Derivatives from the forward output y: (y, dy).
  // 1 - y^2 as (1 - y)(1 + y): exact 1 - y where y is near 1, so no cancellation.
  tanhGrad: (f, a, b) => void f.f32x4Const(1).get(a).simd(SIMD.f32x4Sub).f32x4Const(1).get(a).simd(SIMD.f32x4Add).simd(SIMD.f32x4Mul).get(b).simd(SIMD.f32x4Mul),
  sigmoidGrad: (f, a, b) => void f.get(b).get(a).simd(SIMD.f32x4Mul).f32x4Const(1).get(a).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul),
  // elu: x >= 0 ? x : alpha (e^x - 1); NaN takes the second branch, which keeps it.
  elu: (f, a, _b, [alpha]) => select(f, () => f.get(a), () => {
    emitExpm1(f, a);
    f.f32x4Const(alpha).simd(SIMD.f32x4Mul);
  }, () => f.get(a).f32x4Const(0).simd(SIMD.f32x4Ge)),
  eluGrad: (f, a, b, [alpha]) => select(f, () => f.get(b), () => {
    f.get(b).f32x4Const(alpha).simd(SIMD.f32x4Mul);
    emitExp(f, a);
    f.simd(SIMD.f32x4Mul);
  }, () => f.get(a).f32x4Const(0).simd(SIMD.f32x4Gt)),
  // swish = x sigmoid(x), 0 where sigmoid is 0 (its limit at -inf, not -inf * 0).
  swish: (f, a) => {
    const { s } = emitSigmoidParts(f, a);
    select(f, () => f.f32x4Const(0), () => f.get(a).get(s).simd(SIMD.f32x4Mul), () => f.get(s).f32x4Const(0).simd(SIMD.f32x4Eq));
  },
  // swishGrad = dy (s + x s (1 - s)) with s (1 - s) = e / (1 + e)^2, e = exp(-|x|): 1 - s in float32
  // would cancel for large x. The second term is 0 where e is 0 (x * 0 would be NaN at +-inf).
  swishGrad: (f, a, b) => {
    const { s, e } = emitSigmoidParts(f, a);
    const d = f.local(V128);
    f.get(b).get(s);
    select(f, () => f.f32x4Const(0), () => {
      f.get(a).get(e).simd(SIMD.f32x4Mul).get(e).f32x4Const(1).simd(SIMD.f32x4Add).tee(d).simd(SIMD.f32x4Div).get(d).simd(SIMD.f32x4Div);
    }, () => f.get(e).f32x4Const(0).simd(SIMD.f32x4Eq));
    f.simd(SIMD.f32x4Add).simd(SIMD.f32x4Mul);
  },
};

/** The rows compiled to WebAssembly. */
export const WASM_ROWS: ReadonlySet<ElementwiseFn> = new Set(Object.keys(EMIT) as ElementwiseFn[]);

/** Emits one instruction over the v128 values `v` into `dst`. */
export function emitInstr(f: Code, ins: ElementwiseInstr, v: readonly number[], dst: number): void {
  const emit = EMIT[ins.fn];
  if (!emit) throw new Error(`wasm: no SIMD code for the elementwise row '${ins.fn}'`);
  emit(f, v[ins.args[0]], v[ins.args[1] ?? ins.args[0]], ins.attrs, dst);
  f.set(dst);
}
