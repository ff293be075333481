// CPU kernels: plain TypeScript loops over typed arrays, one per kernel
// family of kernel_spec.ts. They are the numerical reference the WebGPU
// kernels are tested against, so they favour clarity, with cheap fast paths
// where they matter (contiguous elementwise, cache-friendly matmul).
import type { TypedArray } from '../../core/dtype.js';
import { readsInOrder, readsOneValue } from '../../core/shape.js';
import { scratch32, scratch64 } from './scratch.js';
import { primitiveDef } from '../../kernels/elementwise_table.js';
import {
  CLIP_EPSILON, type ElementwiseExpr, type ElementwiseInstr, type ElementwiseSpec, type MatmulSpec, type OneHotSpec, type ReduceSpec,
  type SoftmaxGradSpec, type SoftmaxSpec, type SoftmaxXentSpec,
} from '../../kernels/kernel_spec.js';

/** Reads an input of an expression at every element of `shape` (broadcasts and transposes resolved) into register `reg`. */
function gather(src: TypedArray, strides: readonly number[], shape: readonly number[], reg: number): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = scratch64(reg, n);
  if (readsInOrder(strides, shape)) {
    for (let i = 0; i < n; i++) v[i] = src[i];
  } else if (readsOneValue(strides, shape)) {
    v.fill(src[0]);
  } else {
    gatherStrided(src, strides, shape, v);
  }
  return v;
}

/**
 * The general case: a broadcast (stride 0) or transposed read. The last
 * dimension is a plain strided loop; the others advance like an odometer,
 * so no element needs a division.
 */
function gatherStrided(src: TypedArray, strides: readonly number[], shape: readonly number[], v: Float64Array): void {
  const rank = shape.length;
  const inner = shape[rank - 1];
  const step = strides[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let base = 0;
  for (let o = 0; o < v.length; o += inner) {
    for (let j = 0, s = base; j < inner; j++, s += step) v[o + j] = src[s];
    // Next position of the outer dimensions.
    for (let d = rank - 2; d >= 0; d--) {
      base += strides[d];
      if (++index[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

/**
 * Evaluates an instruction list over whole arrays. `first` are values that
 * precede the inputs (an epilogue's kernel result); the result is rounded to
 * float32 after every instruction, as the GPU computes in float32.
 */
function evalExpr(shape: readonly number[], first: Float64Array[], inputs: { data: TypedArray; strides: readonly number[] }[], instrs: readonly ElementwiseInstr[]): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const regs: Float64Array[] = [...first, ...inputs.map((x, j) => gather(x.data, x.strides, shape, first.length + j))];
  for (const ins of instrs) {
    const def = primitiveDef(ins.fn);
    const a = regs[ins.args[0]];
    const b = def.arity === 2 ? regs[ins.args[1]] : a;
    const r = scratch64(regs.length, n);
    if (!runArithmetic(ins.fn, a, b, r, n)) {
      const f = def.cpu;
      const attrs = ins.attrs;
      for (let i = 0; i < n; i++) r[i] = Math.fround(f(a[i], b[i], attrs));
    }
    regs.push(r);
  }
  return regs[regs.length - 1];
}

/**
 * The four arithmetic rows, relu and reluGrad as plain loops: the generic loop calls a
 * different function per instruction, which the JavaScript engine cannot
 * inline, and these are most of what optimizer updates and gradients fuse.
 * Same values as their rows' CPU functions (IEEE arithmetic, then float32).
 */
function runArithmetic(fn: string, a: Float64Array, b: Float64Array, r: Float64Array, n: number): boolean {
  switch (fn) {
    case 'add': for (let i = 0; i < n; i++) r[i] = Math.fround(a[i] + b[i]); return true;
    case 'sub': for (let i = 0; i < n; i++) r[i] = Math.fround(a[i] - b[i]); return true;
    case 'mul': for (let i = 0; i < n; i++) r[i] = Math.fround(a[i] * b[i]); return true;
    case 'div': for (let i = 0; i < n; i++) r[i] = Math.fround(a[i] / b[i]); return true;
    // The layer activation of most models and its derivative, with their rows' NaN rule (propagate).
    case 'relu': for (let i = 0; i < n; i++) r[i] = Math.fround(a[i] < 0 ? 0 : a[i]); return true;
    case 'reluGrad':
      for (let i = 0; i < n; i++) {
        const x = a[i];
        const dy = b[i];
        r[i] = x !== x || dy !== dy ? NaN : Math.fround(x > 0 ? dy : 0);
      }
      return true;
    default: return false;
  }
}

function store(res: Float64Array, out: TypedArray): void {
  // float -> int32 truncates and saturates; NaN gives 0 (wg_to_i32 in shaders/nonfinite.wgsl does the same).
  if (out instanceof Int32Array) for (let i = 0; i < res.length; i++) out[i] = Number.isNaN(res[i]) ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(res[i])));
  else for (let i = 0; i < res.length; i++) out[i] = res[i];
}

export function runElementwise(spec: ElementwiseSpec, ins: TypedArray[], out: TypedArray): void {
  const inputs = spec.inputs.map((inp, j) => ({ data: ins[j], strides: inp.strides }));
  store(evalExpr(spec.outShape, [], inputs, spec.instrs), out);
}

/**
 * A max-pool gradient g through the derivative of the relu whose output x
 * the pool read (PoolSpec.reluGrad), in place: reluGrad(x, g) as its row
 * computes it, NaN where either is NaN.
 */
export function reluMask(x: TypedArray, g: TypedArray): void {
  for (let i = 0; i < g.length; i++) {
    const xi = x[i];
    const gi = g[i];
    g[i] = xi !== xi || gi !== gi ? NaN : xi > 0 ? gi : 0;
  }
}

/** Applies an epilogue in place to a kernel's float32 result. */
export function applyEpilogue(ep: ElementwiseExpr, result: TypedArray, extra: TypedArray[]): void {
  const first = scratch64(0, result.length);
  first.set(result);
  const inputs = ep.inputs.map((inp, j) => ({ data: extra[j], strides: inp.strides }));
  store(evalExpr(ep.shape, [first], inputs, ep.instrs), result);
}

/** Computes a prologue's values (the data a fused reduce reduces). */
export function evalPrologue(pro: ElementwiseExpr, ins: TypedArray[]): Float32Array {
  const inputs = pro.inputs.map((inp, j) => ({ data: ins[j], strides: inp.strides }));
  const values = evalExpr(pro.shape, [], inputs, pro.instrs);
  const out = scratch32(0, values.length);
  out.set(values);
  return out;
}

export function runMatmul(spec: MatmulSpec, a: TypedArray, b: TypedArray, bias: TypedArray | null, out: TypedArray): void {
  const { m, n, k, transA, transB } = spec;
  // A as row-major [m, k]; transposed operands are copied into that layout.
  const A = transA ? transpose(a, k, m, 1) : a;
  if (m * n * k >= TILED_MATMUL_WORK) {
    // B as [n, k] (B transposed), so both operands stream along k.
    const BT = transB ? b : transpose(b, k, n, 2);
    matmulTiles(A, BT, m, n, k, out);
  } else {
    matmulRows(A, transB ? transpose(b, n, k, 2) : b, m, n, k, out);
  }
  const act = spec.act;
  if (!bias && act === 'linear') return;
  const f = act === 'linear' ? null : primitiveDef(act).cpu;
  const attrs = [spec.alpha];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const o = i * n + j;
      const v = bias ? out[o] + bias[j] : out[o];
      out[o] = f ? f(v, 0, attrs) : v;
    }
  }
}

/** Multiply-adds from which the register-tiled CPU matmul beats the row-blocked one. */
const TILED_MATMUL_WORK = 1 << 16;

/** Small products: four rows of C per pass, each row of B loaded once for all four. */
function matmulRows(A: TypedArray, B: TypedArray, m: number, n: number, k: number, out: TypedArray): void {
  const acc = new Float32Array(4 * n);
  for (let i0 = 0; i0 < m; i0 += 4) {
    const rows = Math.min(4, m - i0);
    acc.fill(0);
    for (let p = 0; p < k; p++) {
      const bOff = p * n;
      const a0 = A[i0 * k + p];
      const a1 = rows > 1 ? A[(i0 + 1) * k + p] : 0;
      const a2 = rows > 2 ? A[(i0 + 2) * k + p] : 0;
      const a3 = rows > 3 ? A[(i0 + 3) * k + p] : 0;
      for (let j = 0; j < n; j++) {
        const bv = B[bOff + j];
        acc[j] += a0 * bv;
        acc[n + j] += a1 * bv;
        acc[2 * n + j] += a2 * bv;
        acc[3 * n + j] += a3 * bv;
      }
    }
    for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) out[(i0 + r) * n + j] = acc[r * n + j];
  }
}

/**
 * Larger products: 4x4 blocks of C held in 16 local variables (registers)
 * while both operands stream along k; about 1.7x the row-blocked loop.
 */
function matmulTiles(A: TypedArray, BT: TypedArray, m: number, n: number, k: number, out: TypedArray): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    for (let j = 0; j < n4; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
        const y0 = BT[b0 + p], y1 = BT[b1 + p], y2 = BT[b2 + p], y3 = BT[b3 + p];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let o = i * n + j;
      out[o] = c00; out[o + 1] = c01; out[o + 2] = c02; out[o + 3] = c03; o += n;
      out[o] = c10; out[o + 1] = c11; out[o + 2] = c12; out[o + 3] = c13; o += n;
      out[o] = c20; out[o + 1] = c21; out[o + 2] = c22; out[o + 3] = c23; o += n;
      out[o] = c30; out[o + 1] = c31; out[o + 2] = c32; out[o + 3] = c33;
    }
  }
  // The ragged right columns of the tiled rows, then the leftover rows.
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += A[i * k + p] * BT[j * k + p];
      out[i * n + j] = sum;
    }
  }
}

/** x [rows, cols] transposed, into float32 scratch register `reg`. */
function transpose(x: TypedArray, rows: number, cols: number, reg: number): Float32Array {
  const t = scratch32(reg, rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c];
  return t;
}

export function runReduce(spec: ReduceSpec, x: TypedArray, out: TypedArray): void {
  const { outer, size, inner, reducer } = spec;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let acc = reducer === 'sum' ? 0 : -Infinity;
      let arg = 0;
      for (let r = 0; r < size; r++) {
        const v = x[base + r * inner];
        if (reducer === 'sum') acc += v;
        else if (v > acc || Number.isNaN(v)) {
          if (Number.isNaN(acc)) continue;
          acc = v;
          arg = r;
        }
      }
      out[o * inner + i] = reducer === 'argmax' ? arg : acc;
    }
  }
}

export function runSoftmax(spec: SoftmaxSpec, x: TypedArray, out: TypedArray): void {
  const { rows, cols, log } = spec;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mx = -Infinity;
    for (let c = 0; c < cols; c++) mx = Math.max(mx, x[o + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[o + c] - mx);
    const ls = Math.log(sum);
    for (let c = 0; c < cols; c++) out[o + c] = log ? x[o + c] - mx - ls : Math.exp(x[o + c] - mx) / sum;
  }
}

export function runSoftmaxGrad(spec: SoftmaxGradSpec, y: TypedArray, dy: TypedArray, out: TypedArray): void {
  const { rows, cols, log } = spec;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    // softmax: dx = y * (dy - sum(dy * y)); log-softmax: dx = dy - exp(y) * sum(dy).
    for (let c = 0; c < cols; c++) dot += log ? dy[o + c] : dy[o + c] * y[o + c];
    for (let c = 0; c < cols; c++) out[o + c] = log ? dy[o + c] - Math.exp(y[o + c]) * dot : y[o + c] * (dy[o + c] - dot);
  }
}

export function runOneHot(spec: OneHotSpec, labels: TypedArray, out: TypedArray): void {
  out.fill(0);
  for (let i = 0; i < spec.n; i++) {
    const l = labels[i];
    if (l >= 0 && l < spec.depth) out[i * spec.depth + l] = 1;
  }
}

export function runSoftmaxXent(spec: SoftmaxXentSpec, logits: TypedArray, labels: TypedArray, dy: TypedArray | null, out: TypedArray): void {
  const { rows, cols, grad, clip } = spec;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mx = -Infinity;
    for (let c = 0; c < cols; c++) mx = Math.max(mx, logits[o + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(logits[o + c] - mx);
    const ls = Math.log(sum);
    if (grad) {
      for (let c = 0; c < cols; c++) out[o + c] = (Math.exp(logits[o + c] - mx - ls) - labels[o + c]) * dy![r];
    } else {
      let loss = 0;
      for (let c = 0; c < cols; c++) {
        // A class labelled 0 adds nothing (not 0 * -inf), as in softmax.wgsl.
        if (labels[o + c] === 0) continue;
        const logp = logits[o + c] - mx - ls;
        loss -= labels[o + c] * (clip ? Math.log(Math.min(Math.max(Math.exp(logp), CLIP_EPSILON), 1 - CLIP_EPSILON)) : logp);
      }
      out[r] = loss;
    }
  }
}
