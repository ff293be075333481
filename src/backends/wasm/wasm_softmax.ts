// Softmax, log-softmax and the fused softmax + categorical cross-entropy
// (loss and gradient) over the rows of a [rows, cols] float32 matrix in
// WebAssembly SIMD, with exp and log from wasm_math.ts. Same formulas and
// special cases as the TypeScript kernels (src/backends/cpu/cpu_kernels.ts):
// the row's max is subtracted first, sums accumulate in float64, a NaN logit
// makes its row NaN, classes labelled 0 add nothing to the loss. Values are
// within a few float32 ulp of the TypeScript kernels, which round float64
// results once.
import { CLIP_EPSILON } from '../../kernels/kernel_spec.js';
import { F64, I32, OP, SIMD, V128, type Code, type ModuleBuilder } from './wasm_emitter.js';
import { emitExp, emitLog } from './wasm_math.js';

/** `(x, out, rows, cols)`: byte offsets of the input and output matrices. */
export type SoftmaxFn = (x: number, out: number, rows: number, cols: number) => void;
/** `(logits, labels, dy, out, rows, cols)`: dy (one per row) is read by the gradient only. */
export type XentFn = (logits: number, labels: number, dy: number, out: number, rows: number, cols: number) => void;

export const softmaxName = (log: boolean): string => (log ? 'log_softmax' : 'softmax');
/** The loss with or without Keras' clipping, or the gradient (which never clips). */
export const xentName = (grad: boolean, clip: boolean): string => (grad ? 'softmax_xent_grad' : `softmax_xent${clip ? '_clip' : ''}`);

/** Adds the softmax and cross-entropy functions to the module. */
export function emitSoftmaxKernels(mb: ModuleBuilder): void {
  for (const log of [false, true]) emitSoftmax(mb.func(softmaxName(log), [I32, I32, I32, I32]), log);
  emitXent(mb.func(xentName(true, false), [I32, I32, I32, I32, I32, I32]), true, false);
  for (const clip of [false, true]) emitXent(mb.func(xentName(false, clip), [I32, I32, I32, I32, I32, I32]), false, clip);
}

/**
 * Which values a column step covers: four ('vec'); the row's last four,
 * overlapping the previous step, of which `Row.fresh` marks the lanes not
 * seen before ('last'); or one, in lane 0 of a splat ('one', rows under 4).
 * Stores of overlapping lanes write the same values again.
 */
type Part = 'vec' | 'last' | 'one';

/** The column loops of one row. */
class Row {
  private readonly j: number;
  private readonly end4: number;
  readonly bytes: number;
  /** In 'last' steps: all ones in the lanes past the previous step. */
  readonly fresh: number;

  constructor(private readonly f: Code, cols: number) {
    this.j = f.local(I32);
    this.end4 = f.local(I32);
    this.bytes = f.local(I32);
    this.fresh = f.local(V128);
    f.get(cols).i32(2).op(OP.i32Shl).set(this.bytes);
    f.get(cols).i32(-4).op(OP.i32And).i32(2).op(OP.i32Shl).set(this.end4);
    // Lane i is fresh when i > 3 - cols % 4.
    f.i32x4Lanes([0, 1, 2, 3]).i32(3).get(cols).i32(3).op(OP.i32And).op(OP.i32Sub).simd(SIMD.i32x4Splat).simd(SIMD.i32x4GtS).set(this.fresh);
  }

  each(body: (part: Part) => void): void {
    const f = this.f;
    f.forRange(this.j, () => f.i32(0), this.end4, 16, () => body('vec'));
    // cols >= 4 with a remainder: one overlapping step; under 4: one value at a time.
    f.get(this.end4).get(this.bytes).op(OP.i32Ne).get(this.end4).op(OP.i32Eqz, OP.i32Eqz, OP.i32And).ifThen(() => {
      f.get(this.bytes).i32(16).op(OP.i32Sub).set(this.j);
      body('last');
    });
    f.get(this.end4).op(OP.i32Eqz).ifThen(() => f.forRange(this.j, () => f.i32(0), this.bytes, 4, () => body('one')));
  }

  /** Pushes the current 4 values of the row at `ptr` (or the current one, splatted). */
  load(ptr: number, part: Part): void {
    this.f.get(ptr).get(this.j).op(OP.i32Add);
    if (part === 'one') this.f.load32Splat();
    else this.f.v128Load();
  }

  /** Stores what `value` pushes at the current place of the row at `ptr`. */
  store(ptr: number, part: Part, value: () => void): void {
    this.f.get(ptr).get(this.j).op(OP.i32Add);
    value();
    if (part === 'one') this.f.simd(SIMD.f32x4ExtractLane).op(0).f32Store();
    else this.f.v128Store();
  }
}

/** acc (float64x2) += the lanes of the v128 in `v` that `part` covers first. */
function addF64(f: Code, row: Row, acc: number, v: number, part: Part): void {
  if (part === 'last') f.get(v).get(row.fresh).simd(SIMD.v128And).set(v);
  f.get(acc).get(v);
  if (part === 'one') f.i32x4Lanes([-1, 0, 0, 0]).simd(SIMD.v128And);
  f.simd(SIMD.f64x2PromoteLowF32x4).simd(SIMD.f64x2Add);
  if (part !== 'one') f.get(v).get(v).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]).simd(SIMD.f64x2PromoteLowF32x4).simd(SIMD.f64x2Add);
  f.set(acc);
}

/** Pushes the float64 sum of the two lanes of `acc`. */
function lanesSum(f: Code, acc: number): void {
  f.get(acc).simd(SIMD.f64x2ExtractLane).op(0).get(acc).simd(SIMD.f64x2ExtractLane).op(1).op(OP.f64Add);
}

/** Locals and steps shared by the row kernels: the max, the sum of exp(x - max) and its log. */
function rowStats(f: Code, row: Row, x: number): { mx: number; sum: number; ls: number } {
  const mx = f.local(V128), acc = f.local(V128), t = f.local(V128), sum = f.local(F64), ls = f.local(V128);
  // The max, NaN if any value is NaN (f32x4.max and f32.max propagate it).
  f.f32x4Const(-Infinity).set(mx);
  row.each((part) => {
    f.get(mx);
    row.load(x, part);
    f.simd(SIMD.f32x4Max).set(mx);
  });
  f.get(mx).simd(SIMD.f32x4ExtractLane).op(0).get(mx).simd(SIMD.f32x4ExtractLane).op(1).op(OP.f32Max);
  f.get(mx).simd(SIMD.f32x4ExtractLane).op(2).op(OP.f32Max).get(mx).simd(SIMD.f32x4ExtractLane).op(3).op(OP.f32Max);
  f.simd(SIMD.f32x4Splat).set(mx);
  // The sum of exp(x - max) in float64.
  f.f32x4Const(0).set(acc);
  row.each((part) => {
    row.load(x, part);
    f.get(mx).simd(SIMD.f32x4Sub).set(t);
    emitExp(f, t);
    f.set(t);
    addF64(f, row, acc, t, part);
  });
  lanesSum(f, acc);
  f.set(sum);
  f.get(sum).op(OP.f32DemoteF64).simd(SIMD.f32x4Splat).set(t);
  emitLog(f, t);
  f.set(ls);
  return { mx, sum, ls };
}

/**
 * s = a - b rounded and err with a - b = s + err exactly (Knuth's two-sum):
 * exp(a - b) is then exp(s) (1 + err), as accurate as exp of the exact
 * difference, which the TypeScript kernels take in float64. Without it a
 * class 20 below the max would be off by ulp(20) / 1, some 16 ulp.
 */
function twoDiff(f: Code, a: number, b: number, s: number, err: number): void {
  const bb = f.local(V128);
  f.get(a).get(b).simd(SIMD.f32x4Sub).set(s);
  f.get(s).get(a).simd(SIMD.f32x4Sub).set(bb);
  f.get(a).get(s).get(bb).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Sub);
  f.get(b).get(bb).simd(SIMD.f32x4Add).simd(SIMD.f32x4Sub).set(err);
}

/** Pushes exp(s) (1 + err), 0 where exp(s) is 0 (err is NaN there when s is -inf). */
function expCorrected(f: Code, s: number, err: number): void {
  const e = f.local(V128);
  emitExp(f, s);
  f.tee(e).get(e).get(err).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
  // e != 0 (NaN included) ? corrected : 0.
  f.f32x4Const(0).get(e).f32x4Const(0).simd(SIMD.f32x4Ne).simd(SIMD.v128Bitselect);
}

/** For each row: the row's pointers advance by its bytes after `body`. */
function eachRow(f: Code, rows: number, row: Row, pointers: number[], body: (r: number) => void): void {
  const r = f.local(I32);
  f.forRange(r, () => f.i32(0), rows, 1, () => {
    body(r);
    for (const p of pointers) f.get(p).get(row.bytes).op(OP.i32Add).set(p);
  });
}

function emitSoftmax(f: Code, log: boolean): void {
  const [x, out, rows, cols] = [0, 1, 2, 3];
  const row = new Row(f, cols);
  const xv = f.local(V128), t = f.local(V128), err = f.local(V128), sv = f.local(V128);
  eachRow(f, rows, row, [x, out], () => {
    const { mx, sum, ls } = rowStats(f, row, x);
    if (log) {
      // x - max - ln(sum).
      row.each((part) => row.store(out, part, () => {
        row.load(x, part);
        f.get(mx).simd(SIMD.f32x4Sub).get(ls).simd(SIMD.f32x4Sub);
      }));
      return;
    }
    // exp(x - max) / sum.
    f.get(sum).op(OP.f32DemoteF64).simd(SIMD.f32x4Splat).set(sv);
    row.each((part) => row.store(out, part, () => {
      row.load(x, part);
      f.set(xv);
      twoDiff(f, xv, mx, t, err);
      expCorrected(f, t, err);
      f.get(sv).simd(SIMD.f32x4Div);
    }));
  });
}

function emitXent(f: Code, grad: boolean, clip: boolean): void {
  const [logits, labels, dy, out, rows, cols] = [0, 1, 2, 3, 4, 5];
  const row = new Row(f, cols);
  const lp = f.local(V128), v = f.local(V128), dyv = f.local(V128), acc = f.local(V128), at = f.local(I32);
  const xv = f.local(V128), s1 = f.local(V128), e1 = f.local(V128), s2 = f.local(V128), e2 = f.local(V128);
  f.get(dy).set(at);
  if (!grad) f.get(out).set(at);
  eachRow(f, rows, row, grad ? [logits, labels, out] : [logits, labels], () => {
    const { mx, ls } = rowStats(f, row, logits);
    /** Pushes log p = logit - max - ln(sum) into lp. */
    const logp = (part: Part): void => {
      row.load(logits, part);
      f.get(mx).simd(SIMD.f32x4Sub).get(ls).simd(SIMD.f32x4Sub).set(lp);
    };
    if (grad) {
      // (p - label) dy[row], p = exp(logit - max - ln(sum)) with both differences' rounding errors put back.
      f.get(at).load32Splat().set(dyv);
      row.each((part) => row.store(out, part, () => {
        row.load(logits, part);
        f.set(xv);
        twoDiff(f, xv, mx, s1, e1);
        twoDiff(f, s1, ls, s2, e2);
        f.get(e1).get(e2).simd(SIMD.f32x4Add).set(e1);
        expCorrected(f, s2, e1);
        row.load(labels, part);
        f.simd(SIMD.f32x4Sub).get(dyv).simd(SIMD.f32x4Mul);
      }));
      f.get(at).i32(4).op(OP.i32Add).set(at);
      return;
    }
    // loss = -sum(label log p), log p taken of p clipped to [eps, 1 - eps] when clipping; label 0 adds 0.
    f.f32x4Const(0).set(acc);
    row.each((part) => {
      logp(part);
      if (clip) {
        emitExp(f, lp);
        f.f32x4Const(Math.fround(CLIP_EPSILON)).simd(SIMD.f32x4Max).f32x4Const(Math.fround(1 - CLIP_EPSILON)).simd(SIMD.f32x4Min).set(lp);
        emitLog(f, lp);
        f.set(lp);
      }
      f.f32x4Const(0);
      row.load(labels, part);
      f.get(lp).simd(SIMD.f32x4Mul);
      row.load(labels, part);
      f.f32x4Const(0).simd(SIMD.f32x4Eq).simd(SIMD.v128Bitselect).set(v);
      addF64(f, row, acc, v, part);
    });
    f.get(at);
    lanesSum(f, acc);
    f.op(OP.f32DemoteF64, OP.f32Neg).f32Store();
    f.get(at).i32(4).op(OP.i32Add).set(at);
  });
}
