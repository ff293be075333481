// Matrix product with either operand transposed: 2-D, or batched over
// leading dimensions that broadcast (TensorFlow.js semantics:
// [..., m, k] x [..., k, n] -> [...batch, m, n]).
import { argError, shapeString, WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { broadcastShapes, checkSize, shapesEqual, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { composite } from '../core/scope.js';
import { asFloat } from './convert.js';
import { broadcastTo, reshape } from './shape_ops.js';

/** C = op(a) · op(b) where op transposes the last two axes when the flag is set. */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const ta = asFloat('matMul', 'a', a);
  const tb = asFloat('matMul', 'b', b);
  if (ta.rank < 2) throw argError('matMul', 'a', 'a tensor of rank >= 2', ta);
  if (tb.rank < 2) throw argError('matMul', 'b', 'a tensor of rank >= 2', tb);
  const [ra, ca] = ta.shape.slice(-2);
  const [rb, cb] = tb.shape.slice(-2);
  const [m, ka] = transposeA ? [ca, ra] : [ra, ca];
  const [kb, n] = transposeB ? [cb, rb] : [rb, cb];
  if (ka !== kb) {
    throw new WebgradError(
      `matMul: inner dimensions must agree: 'a' ${shapeString(ta.shape)}${transposeA ? ' (transposed)' : ''} has ${ka} columns but 'b' ${shapeString(tb.shape)}${transposeB ? ' (transposed)' : ''} has ${kb} rows.`,
    );
  }
  if (ta.rank === 2 && tb.rank === 2) {
    checkSize('matMul', 'the result of shape', [m, n]);
    return engine.make({ kind: 'matmul', transA: !!transposeA, transB: !!transposeB }, [ta, tb], [m, n], 'float32');
  }
  return composite(() => batchedMatMul(ta, tb, !!transposeA, !!transposeB, m, n, ka));
}

function batchedMatMul(a: Tensor, b: Tensor, transA: boolean, transB: boolean, m: number, n: number, k: number): Tensor {
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  let batchShape: number[];
  try {
    batchShape = broadcastShapes('matMul', batchA, batchB);
  } catch {
    throw new WebgradError(`matMul: the batch dimensions of 'a' ${shapeString(a.shape)} and 'b' ${shapeString(b.shape)} (all but the last two) cannot be broadcast together: ${shapeString(batchA)} vs ${shapeString(batchB)}.`);
  }
  checkSize('matMul', 'the result of shape', [...batchShape, m, n]);
  if (b.rank === 2 && !transA) {
    // Rows of every batch times one matrix: one 2-D product, which the
    // scheduler can fuse with a following bias and activation.
    const rows = reshape(a, [sizeOf(batchA) * m, k]);
    return reshape(matMul(rows, b, false, transB), [...batchShape, m, n]);
  }
  const a3 = batchOperand(a, batchShape);
  const b3 = batchOperand(b, batchShape);
  const out = engine.make({ kind: 'batchMatmul', transA, transB }, [a3, b3], [sizeOf(batchShape), m, n], 'float32');
  return reshape(out, [...batchShape, m, n]);
}

/** x as [batch, rows, cols]: one matrix when its batch has one, else broadcast to the full batch. */
function batchOperand(x: Tensor, batchShape: readonly number[]): Tensor {
  const [r, c] = x.shape.slice(-2);
  const xBatch = x.shape.slice(0, -2);
  if (sizeOf(xBatch) === 1) return reshape(x, [1, r, c]);
  const padded = [...new Array<number>(batchShape.length - xBatch.length).fill(1), ...xBatch];
  const full = shapesEqual(padded, batchShape) ? x : broadcastTo(x, [...batchShape, r, c]);
  return reshape(full, [sizeOf(batchShape), r, c]);
}
