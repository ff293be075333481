// An independent float64 reference for webgrad's ops, written for the tests:
// it imports nothing from src/. Arrays are { shape, data: Float64Array } in
// row-major order. Every function here is a plain, slow, obvious loop.

export interface ND {
  shape: number[];
  data: Float64Array;
}

// ---------------------------------------------------------------- basics

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function nd(shape: readonly number[], data?: ArrayLike<number>): ND {
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  if (data) {
    if (data.length !== n) throw new Error(`reference nd: shape [${shape}] needs ${n} values, got ${data.length}`);
    out.set(Array.from(data));
  }
  return { shape: [...shape], data: out };
}

export const scalarND = (v: number): ND => nd([], [v]);
export const fullND = (shape: readonly number[], v: number): ND => ({ shape: [...shape], data: new Float64Array(sizeOf(shape)).fill(v) });

/** Multi-index of flat position `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}

/** Nested JS arrays of an ND (for building tensors from nested data). */
export function toNested(x: ND): unknown {
  if (x.shape.length === 0) return x.data[0];
  const rec = (off: number, d: number): unknown[] => {
    const n = x.shape[d];
    const stride = sizeOf(x.shape.slice(d + 1));
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(d === x.shape.length - 1 ? x.data[off + i] : rec(off + i * stride, d + 1));
    return out;
  };
  return rec(0, 0);
}

// ---------------------------------------------------------------- elementwise

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`reference: [${a}] and [${b}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Value of `x` read at output multi-index `idx` under broadcasting. */
function bcastIndex(x: ND, idx: readonly number[]): number {
  const off = idx.length - x.shape.length;
  let f = 0;
  for (let d = 0; d < x.shape.length; d++) f = f * x.shape[d] + (x.shape[d] === 1 ? 0 : idx[d + off]);
  return f;
}

export function map(x: ND, f: (v: number, i: number) => number): ND {
  const out = nd(x.shape);
  for (let i = 0; i < x.data.length; i++) out.data[i] = f(x.data[i], i);
  return out;
}

export function zip(a: ND, b: ND, f: (x: number, y: number) => number): ND {
  const shape = broadcastShape(a.shape, b.shape);
  const out = nd(shape);
  for (let i = 0; i < out.data.length; i++) {
    const idx = unravel(i, shape);
    out.data[i] = f(a.data[bcastIndex(a, idx)], b.data[bcastIndex(b, idx)]);
  }
  return out;
}

export function broadcastTo(x: ND, shape: readonly number[]): ND {
  const s = broadcastShape(x.shape, shape);
  if (s.join() !== shape.join()) throw new Error(`reference: [${x.shape}] does not broadcast to [${shape}]`);
  return zip(x, fullND(shape, 0), (v) => v);
}

/** Sums a broadcast array back down to `shape` (the adjoint of broadcastTo). */
export function unbroadcast(g: ND, shape: readonly number[]): ND {
  const out = nd(shape);
  for (let i = 0; i < g.data.length; i++) out.data[bcastIndex(out, unravel(i, g.shape))] += g.data[i];
  return out;
}

export const add = (a: ND, b: ND): ND => zip(a, b, (x, y) => x + y);
export const sub = (a: ND, b: ND): ND => zip(a, b, (x, y) => x - y);
export const mul = (a: ND, b: ND): ND => zip(a, b, (x, y) => x * y);
export const div = (a: ND, b: ND): ND => zip(a, b, (x, y) => x / y);
export const maximum = (a: ND, b: ND): ND => zip(a, b, (x, y) => (x >= y ? x : y));
export const minimum = (a: ND, b: ND): ND => zip(a, b, (x, y) => (x <= y ? x : y));
export const equal = (a: ND, b: ND): ND => zip(a, b, (x, y) => (x === y ? 1 : 0));
export const greater = (a: ND, b: ND): ND => zip(a, b, (x, y) => (x > y ? 1 : 0));
export const greaterEqual = (a: ND, b: ND): ND => zip(a, b, (x, y) => (x >= y ? 1 : 0));
export const less = (a: ND, b: ND): ND => zip(a, b, (x, y) => (x < y ? 1 : 0));
export const lessEqual = (a: ND, b: ND): ND => zip(a, b, (x, y) => (x <= y ? 1 : 0));

// ---------------------------------------------------------------- scalar functions

/** erf in float64: Maclaurin series for |x| < 2.5, continued fraction for erfc beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  const s = x < 0 ? -1 : 1;
  if (a < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = a; // x^(2n+1)/n!
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (-a * a) / n;
      const c = term / (2 * n + 1);
      sum += c;
      if (Math.abs(c) < 1e-17 * Math.abs(sum)) break;
    }
    return (s * 2 * sum) / Math.sqrt(Math.PI);
  }
  if (a > 27) return s;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))) (modified Lentz)
  const tiny = 1e-300;
  let f = a;
  let C = f;
  let D = 0;
  for (let k = 1; k < 500; k++) {
    const an = k / 2;
    D = a + an * D;
    D = D === 0 ? tiny : D;
    C = a + an / C;
    C = C === 0 ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return s * (1 - erfc);
}

export const normalCdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
export const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
export const sigmoidS = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** A unary scalar function and its derivative, by name. */
export interface UnaryDef {
  f: (x: number, alpha: number) => number;
  df: (x: number, alpha: number) => number;
}

export const UNARY: Record<string, UnaryDef> = {
  neg: { f: (x) => -x, df: () => -1 },
  exp: { f: Math.exp, df: Math.exp },
  log: { f: Math.log, df: (x) => 1 / x },
  sqrt: { f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x) },
  square: { f: (x) => x * x, df: (x) => 2 * x },
  abs: { f: Math.abs, df: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0) },
  sign: { f: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), df: () => 0 },
  reciprocal: { f: (x) => 1 / x, df: (x) => -1 / (x * x) },
  linear: { f: (x) => x, df: () => 1 },
  sigmoid: { f: sigmoidS, df: (x) => sigmoidS(x) * (1 - sigmoidS(x)) },
  tanh: { f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2 },
  relu: { f: (x) => (x > 0 ? x : 0), df: (x) => (x > 0 ? 1 : 0) },
  leakyRelu: { f: (x, a) => (x >= 0 ? x : a * x), df: (x, a) => (x > 0 ? 1 : a) },
  swish: { f: (x) => x * sigmoidS(x), df: (x) => sigmoidS(x) * (1 + x * (1 - sigmoidS(x))) },
  elu: { f: (x, a) => (x >= 0 ? x : a * (Math.exp(x) - 1)), df: (x, a) => (x > 0 ? 1 : a * Math.exp(x)) },
  gelu: { f: (x) => x * normalCdf(x), df: (x) => normalCdf(x) + x * normalPdf(x) },
};

export function unary(name: string, x: ND, alpha = 0): ND {
  const d = UNARY[name];
  if (!d) throw new Error(`reference: no unary ${name}`);
  return map(x, (v) => d.f(v, alpha));
}

export const clip = (x: ND, lo: number, hi: number): ND => map(x, (v) => Math.min(Math.max(v, lo), hi));

// ---------------------------------------------------------------- shape ops

export function reshape(x: ND, shape: readonly number[]): ND {
  const s = [...shape];
  const u = s.indexOf(-1);
  if (u >= 0) s[u] = sizeOf(x.shape) / sizeOf(s.filter((_, i) => i !== u));
  if (sizeOf(s) !== x.data.length) throw new Error('reference reshape: size mismatch');
  return { shape: s, data: x.data.slice() };
}

export function transpose(x: ND, perm?: readonly number[]): ND {
  const p = perm ? [...perm] : x.shape.map((_, i) => x.shape.length - 1 - i);
  const shape = p.map((i) => x.shape[i]);
  const out = nd(shape);
  for (let i = 0; i < out.data.length; i++) {
    const oi = unravel(i, shape);
    const ii = new Array<number>(p.length);
    p.forEach((src, d) => (ii[src] = oi[d]));
    out.data[i] = x.data[ravel(ii, x.shape)];
  }
  return out;
}

export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export function oneHot(labels: ArrayLike<number>, depth: number): ND {
  const out = nd([labels.length, depth]);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l >= 0 && l < depth) out.data[i * depth + l] = 1;
  }
  return out;
}

// ---------------------------------------------------------------- matmul

/** op(a) · op(b) where op transposes a 2-D array when its flag is set. */
export function matMul(a: ND, b: ND, transA = false, transB = false): ND {
  const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [k2, n] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (k !== k2) throw new Error('reference matMul: inner dims');
  const out = nd([m, n]);
  const A = (i: number, p: number): number => (transA ? a.data[p * a.shape[1] + i] : a.data[i * a.shape[1] + p]);
  const B = (p: number, j: number): number => (transB ? b.data[j * b.shape[1] + p] : b.data[p * b.shape[1] + j]);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
      out.data[i * n + j] = s;
    }
  }
  return out;
}

/** Gradients of sum(dy * op(a)op(b)) with respect to a and b. */
export function matMulVjp(a: ND, b: ND, transA: boolean, transB: boolean, dy: ND): [ND, ND] {
  // C = A' B' with A' = op(a), B' = op(b): dA' = dy B'^T, dB' = A'^T dy.
  const dAp = matMul(dy, b, false, !transB);
  const dBp = matMul(a, dy, !transA, false);
  return [transA ? transpose(dAp) : dAp, transB ? transpose(dBp) : dBp];
}

// ---------------------------------------------------------------- reductions

export function normAxes(axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((x, y) => x - y);
}

function reduceWith(
  x: ND,
  axis: number | readonly number[] | undefined,
  keepDims: boolean,
  init: () => { acc: number; arg: number },
  step: (s: { acc: number; arg: number }, v: number, pos: number) => void,
  fin: (s: { acc: number; arg: number }, count: number) => number,
): ND {
  const axes = normAxes(axis, x.shape.length);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  const redShape = axes.map((a) => x.shape[a]);
  const count = sizeOf(redShape);
  const out = nd(outShape);
  for (let o = 0; o < out.data.length; o++) {
    const kidx = unravel(o, kept);
    const s = init();
    for (let r = 0; r < count; r++) {
      const ridx = unravel(r, redShape);
      const idx = [...kidx];
      axes.forEach((a, j) => (idx[a] = ridx[j]));
      step(s, x.data[ravel(idx, x.shape)], r);
    }
    out.data[o] = fin(s, count);
  }
  return out;
}

export const sum = (x: ND, axis?: number | readonly number[], keepDims = false): ND =>
  reduceWith(x, axis, keepDims, () => ({ acc: 0, arg: 0 }), (s, v) => (s.acc += v), (s) => s.acc);

export const mean = (x: ND, axis?: number | readonly number[], keepDims = false): ND =>
  reduceWith(x, axis, keepDims, () => ({ acc: 0, arg: 0 }), (s, v) => (s.acc += v), (s, n) => s.acc / n);

/** NaN wins over every number (and the first NaN over later ones), then the larger value. */
const beats = (v: number, best: number): boolean => !Number.isNaN(best) && (Number.isNaN(v) || v > best);

export const max = (x: ND, axis?: number | readonly number[], keepDims = false): ND =>
  reduceWith(x, axis, keepDims, () => ({ acc: -Infinity, arg: 0 }), (s, v) => (s.acc = beats(v, s.acc) ? v : s.acc), (s) => s.acc);

/** Index of the first largest value along one axis (of the first NaN, if any). */
export function argMax(x: ND, axis = -1): ND {
  return reduceWith(
    x,
    axis,
    false,
    () => ({ acc: -Infinity, arg: 0 }),
    (s, v, pos) => {
      if (beats(v, s.acc)) {
        s.acc = v;
        s.arg = pos;
      }
    },
    (s) => s.arg,
  );
}

/** Gradient of sum(dy * reduce(x)) for sum / mean / max (max: to the argmax positions; ties share). */
export function reduceVjp(kind: 'sum' | 'mean' | 'max', x: ND, axis: number | readonly number[] | undefined, keepDims: boolean, dy: ND): ND {
  const axes = normAxes(axis, x.shape.length);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const g = broadcastTo(reshape(dy, kept), x.shape);
  if (kind === 'sum') return g;
  if (kind === 'mean') return map(g, (v) => v / sizeOf(axes.map((a) => x.shape[a])));
  const m = broadcastTo(reshape(max(x, axis, keepDims), kept), x.shape);
  return map(g, (v, i) => (x.data[i] === m.data[i] ? v : 0));
}

// ---------------------------------------------------------------- softmax

function rows(x: ND): { rows: number; cols: number } {
  const cols = x.shape[x.shape.length - 1];
  return { rows: x.data.length / cols, cols };
}

export function softmax(x: ND): ND {
  const { rows: R, cols: C } = rows(x);
  const out = nd(x.shape);
  for (let r = 0; r < R; r++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x.data[r * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x.data[r * C + c] - m);
    for (let c = 0; c < C; c++) out.data[r * C + c] = Math.exp(x.data[r * C + c] - m) / s;
  }
  return out;
}

export function logSoftmax(x: ND): ND {
  const { rows: R, cols: C } = rows(x);
  const out = nd(x.shape);
  for (let r = 0; r < R; r++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x.data[r * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x.data[r * C + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < C; c++) out.data[r * C + c] = x.data[r * C + c] - lse;
  }
  return out;
}

/** Gradient of sum(dy * softmax(x)): y * (dy - sum_row(dy * y)). */
export function softmaxVjp(x: ND, dy: ND): ND {
  const y = softmax(x);
  const { rows: R, cols: C } = rows(x);
  const out = nd(x.shape);
  for (let r = 0; r < R; r++) {
    let d = 0;
    for (let c = 0; c < C; c++) d += dy.data[r * C + c] * y.data[r * C + c];
    for (let c = 0; c < C; c++) out.data[r * C + c] = y.data[r * C + c] * (dy.data[r * C + c] - d);
  }
  return out;
}

/** Gradient of sum(dy * logSoftmax(x)): dy - softmax(x) * sum_row(dy). */
export function logSoftmaxVjp(x: ND, dy: ND): ND {
  const y = softmax(x);
  const { rows: R, cols: C } = rows(x);
  const out = nd(x.shape);
  for (let r = 0; r < R; r++) {
    let d = 0;
    for (let c = 0; c < C; c++) d += dy.data[r * C + c];
    for (let c = 0; c < C; c++) out.data[r * C + c] = dy.data[r * C + c] - y.data[r * C + c] * d;
  }
  return out;
}

// ---------------------------------------------------------------- losses (Keras definitions)

export const EPSILON = 1e-7;
const clipP = (p: number): number => Math.min(Math.max(p, EPSILON), 1 - EPSILON);
const inClip = (p: number): number => (p >= EPSILON && p <= 1 - EPSILON ? 1 : 0);

export function meanSquaredError(yTrue: ND, yPred: ND): number {
  let s = 0;
  for (let i = 0; i < yTrue.data.length; i++) s += (yPred.data[i] - yTrue.data[i]) ** 2;
  return s / yTrue.data.length;
}

export function meanSquaredErrorGrad(yTrue: ND, yPred: ND): ND {
  return map(yPred, (p, i) => (2 * (p - yTrue.data[i])) / yTrue.data.length);
}

export function meanAbsoluteError(yTrue: ND, yPred: ND): number {
  let s = 0;
  for (let i = 0; i < yTrue.data.length; i++) s += Math.abs(yPred.data[i] - yTrue.data[i]);
  return s / yTrue.data.length;
}

export function meanAbsoluteErrorGrad(yTrue: ND, yPred: ND): ND {
  return map(yPred, (p, i) => Math.sign(p - yTrue.data[i]) / yTrue.data.length);
}

/** -mean(y log q + (1-y) log(1-q)), q = clip(p, eps, 1-eps); from logits: mean(softplus(x) - x y). */
export function binaryCrossentropy(yTrue: ND, yPred: ND, fromLogits = false): number {
  let s = 0;
  const n = yTrue.data.length;
  for (let i = 0; i < n; i++) {
    const y = yTrue.data[i];
    const v = yPred.data[i];
    if (fromLogits) s += Math.max(v, 0) - v * y + Math.log1p(Math.exp(-Math.abs(v)));
    else {
      const q = clipP(v);
      s -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
    }
  }
  return s / n;
}

export function binaryCrossentropyGrad(yTrue: ND, yPred: ND, fromLogits = false): ND {
  const n = yTrue.data.length;
  return map(yPred, (v, i) => {
    const y = yTrue.data[i];
    if (fromLogits) return (sigmoidS(v) - y) / n;
    const q = clipP(v);
    return (inClip(v) * -(y / q - (1 - y) / (1 - q))) / n;
  });
}

/**
 * Categorical cross-entropy over the last axis, averaged over rows. From
 * probabilities: each row is divided by its sum, then clipped; from logits:
 * log-softmax.
 */
export function categoricalCrossentropy(yTrue: ND, yPred: ND, fromLogits = false): number {
  const { rows: R, cols: C } = rows(yPred);
  const lp = fromLogits ? logSoftmax(yPred) : null;
  let s = 0;
  for (let r = 0; r < R; r++) {
    let tot = 0;
    for (let c = 0; c < C; c++) tot += yPred.data[r * C + c];
    for (let c = 0; c < C; c++) {
      const l = lp ? lp.data[r * C + c] : Math.log(clipP(yPred.data[r * C + c] / tot));
      s -= yTrue.data[r * C + c] * l;
    }
  }
  return s / R;
}

export function categoricalCrossentropyGrad(yTrue: ND, yPred: ND, fromLogits = false): ND {
  const { rows: R, cols: C } = rows(yPred);
  const out = nd(yPred.shape);
  if (fromLogits) {
    const p = softmax(yPred);
    for (let r = 0; r < R; r++) {
      let tsum = 0;
      for (let c = 0; c < C; c++) tsum += yTrue.data[r * C + c];
      for (let c = 0; c < C; c++) out.data[r * C + c] = (p.data[r * C + c] * tsum - yTrue.data[r * C + c]) / R;
    }
    return out;
  }
  for (let r = 0; r < R; r++) {
    let S = 0;
    for (let c = 0; c < C; c++) S += yPred.data[r * C + c];
    // L_r = -sum_j t_j log(clip(p_j / S)); w_j = t_j / q_j on the unclipped region.
    let cross = 0;
    const w = new Float64Array(C);
    for (let j = 0; j < C; j++) {
      const u = yPred.data[r * C + j] / S;
      w[j] = inClip(u) * (yTrue.data[r * C + j] / clipP(u));
      cross += (w[j] * yPred.data[r * C + j]) / (S * S);
    }
    for (let k = 0; k < C; k++) out.data[r * C + k] = -(w[k] / S - cross) / R;
  }
  return out;
}

export function sparseCategoricalCrossentropy(labels: ArrayLike<number>, yPred: ND, fromLogits = false): number {
  const C = yPred.shape[yPred.shape.length - 1];
  return categoricalCrossentropy(reshape(oneHot(labels, C), yPred.shape), yPred, fromLogits);
}

// ---------------------------------------------------------------- finite differences

/**
 * Central finite-difference gradient of the scalar function `f` with respect
 * to `inputs[which]`, in float64.
 */
export function numericGrad(f: (xs: ND[]) => number, inputs: ND[], which: number, eps = 1e-6): ND {
  const x = inputs[which];
  const g = nd(x.shape);
  for (let i = 0; i < x.data.length; i++) {
    const orig = x.data[i];
    const h = eps * Math.max(1, Math.abs(orig));
    x.data[i] = orig + h;
    const fp = f(inputs);
    x.data[i] = orig - h;
    const fm = f(inputs);
    x.data[i] = orig;
    g.data[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** sum(dy * y): turns a tensor function into a scalar one for finite differences. */
export function dot(a: ND, b: ND): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i] * b.data[i];
  return s;
}
