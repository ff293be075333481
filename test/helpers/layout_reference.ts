// Float64 reference for the shape ops (slice, pad, tile, concat, gather,
// where) and batched matMul, with their vector-Jacobian products, written for
// the tests as plain index loops. Imports nothing from src/.
import { broadcastShape, matMul, matMulVjp, nd, ravel, sizeOf, unbroadcast, unravel, type ND } from './reference.js';

/** x[begin + c] for every coordinate c of `size` (size already resolved: no -1). */
export function slice(x: ND, begin: readonly number[], size: readonly number[]): ND {
  const out = nd(size);
  for (let i = 0; i < out.data.length; i++) {
    const c = unravel(i, size);
    out.data[i] = x.data[ravel(c.map((v, d) => v + begin[d]), x.shape)];
  }
  return out;
}

export function pad(x: ND, paddings: readonly (readonly [number, number])[], value = 0): ND {
  const shape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const out = nd(shape);
  out.data.fill(value);
  for (let i = 0; i < x.data.length; i++) {
    const c = unravel(i, x.shape);
    out.data[ravel(c.map((v, d) => v + paddings[d][0]), shape)] = x.data[i];
  }
  return out;
}

export function tile(x: ND, reps: readonly number[]): ND {
  const shape = x.shape.map((d, i) => d * reps[i]);
  const out = nd(shape);
  for (let i = 0; i < out.data.length; i++) {
    const c = unravel(i, shape);
    out.data[i] = x.data[ravel(c.map((v, d) => v % x.shape[d]), x.shape)];
  }
  return out;
}

/** Adjoint of tile: every element of x collects the gradient of each of its copies. */
export function tileVjp(x: ND, reps: readonly number[], dy: ND): ND {
  const g = nd(x.shape);
  for (let i = 0; i < dy.data.length; i++) {
    const c = unravel(i, dy.shape);
    g.data[ravel(c.map((v, d) => v % x.shape[d]), x.shape)] += dy.data[i];
  }
  return g;
}

export function concat(xs: readonly ND[], axis: number): ND {
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
  const out = nd(shape);
  let offset = 0;
  for (const x of xs) {
    for (let i = 0; i < x.data.length; i++) {
      const c = unravel(i, x.shape);
      c[axis] += offset;
      out.data[ravel(c, shape)] = x.data[i];
    }
    offset += x.shape[axis];
  }
  return out;
}

/** x.shape[:axis] + indexShape + x.shape[axis+1:], out[.., j.., ..] = x[.., indices[j], ..]. */
export function gather(x: ND, indices: readonly number[], indexShape: readonly number[], axis: number): ND {
  const shape = [...x.shape.slice(0, axis), ...indexShape, ...x.shape.slice(axis + 1)];
  const out = nd(shape);
  const r = indexShape.length;
  for (let i = 0; i < out.data.length; i++) {
    const c = unravel(i, shape);
    const j = ravel(c.slice(axis, axis + r), indexShape);
    const src = [...c.slice(0, axis), indices[j], ...c.slice(axis + r)];
    out.data[i] = x.data[ravel(src, x.shape)];
  }
  return out;
}

/** Adjoint of gather: dy scattered (added) back to the indexed positions. */
export function gatherVjp(x: ND, indices: readonly number[], indexShape: readonly number[], axis: number, dy: ND): ND {
  const g = nd(x.shape);
  const r = indexShape.length;
  for (let i = 0; i < dy.data.length; i++) {
    const c = unravel(i, dy.shape);
    const j = ravel(c.slice(axis, axis + r), indexShape);
    g.data[ravel([...c.slice(0, axis), indices[j], ...c.slice(axis + r)], x.shape)] += dy.data[i];
  }
  return g;
}

/** Index into a broadcast operand at output coordinate c. */
function at(x: ND, c: readonly number[]): number {
  const off = c.length - x.shape.length;
  return x.data[ravel(x.shape.map((d, k) => (d === 1 ? 0 : c[k + off])), x.shape)];
}

export function where(cond: ND, a: ND, b: ND): ND {
  const shape = broadcastShape(cond.shape, broadcastShape(a.shape, b.shape));
  const out = nd(shape);
  for (let i = 0; i < out.data.length; i++) {
    const c = unravel(i, shape);
    out.data[i] = at(cond, c) !== 0 ? at(a, c) : at(b, c);
  }
  return out;
}

export function whereVjp(cond: ND, a: ND, b: ND, dy: ND): [ND, ND] {
  const ga = nd(dy.shape);
  const gb = nd(dy.shape);
  for (let i = 0; i < dy.data.length; i++) {
    const taken = at(cond, unravel(i, dy.shape)) !== 0;
    (taken ? ga : gb).data[i] = dy.data[i];
  }
  return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)];
}

/** The m x n matrix of a [..., m, n] array at batch coordinate `bc` (broadcast: size-1 batch axes repeat). */
function matrixAt(x: ND, bc: readonly number[]): ND {
  const [r, c] = x.shape.slice(-2);
  const batch = x.shape.slice(0, -2);
  const off = bc.length - batch.length;
  const base = ravel(batch.map((d, k) => (d === 1 ? 0 : bc[k + off])), batch) * r * c;
  return nd([r, c], x.data.subarray(base, base + r * c));
}

function batchShapeOf(a: ND, b: ND): number[] {
  return broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
}

/** TF.js matMul of rank >= 2 arrays whose batch dimensions broadcast. */
export function batchMatMul(a: ND, b: ND, transA = false, transB = false): ND {
  const batch = batchShapeOf(a, b);
  const mats: ND[] = [];
  for (let i = 0; i < sizeOf(batch); i++) {
    const bc = unravel(i, batch);
    mats.push(matMul(matrixAt(a, bc), matrixAt(b, bc), transA, transB));
  }
  const [m, n] = mats.length ? mats[0].shape : [0, 0];
  const out = nd([...batch, m, n]);
  mats.forEach((mat, i) => out.data.set(mat.data, i * m * n));
  return out;
}

/** Gradients of sum(dy * batchMatMul(a, b)): per batch the 2-D rule, summed where an operand was broadcast. */
export function batchMatMulVjp(a: ND, b: ND, transA: boolean, transB: boolean, dy: ND): [ND, ND] {
  const batch = batchShapeOf(a, b);
  const ga = nd(a.shape);
  const gb = nd(b.shape);
  const [m, n] = dy.shape.slice(-2);
  const addInto = (g: ND, bc: readonly number[], v: ND): void => {
    const [r, c] = g.shape.slice(-2);
    const gb2 = g.shape.slice(0, -2);
    const off = bc.length - gb2.length;
    const base = ravel(gb2.map((d, k) => (d === 1 ? 0 : bc[k + off])), gb2) * r * c;
    for (let i = 0; i < r * c; i++) g.data[base + i] += v.data[i];
  };
  for (let i = 0; i < sizeOf(batch); i++) {
    const bc = unravel(i, batch);
    const dyi = nd([m, n], dy.data.subarray(i * m * n, (i + 1) * m * n));
    const [da, db] = matMulVjp(matrixAt(a, bc), matrixAt(b, bc), transA, transB, dyi);
    addInto(ga, bc, da);
    addInto(gb, bc, db);
  }
  return [ga, gb];
}
