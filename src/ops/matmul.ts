// Matrix product of two 2-D tensors, with either operand transposed.
import { argError, shapeString, WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { checkSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { asFloat } from './convert.js';

/** C = op(a) · op(b) where op transposes when the flag is set. */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const ta = asFloat('matMul', 'a', a);
  const tb = asFloat('matMul', 'b', b);
  if (ta.rank !== 2) throw argError('matMul', 'a', 'a 2-D tensor', ta);
  if (tb.rank !== 2) throw argError('matMul', 'b', 'a 2-D tensor', tb);
  const [m, ka] = transposeA ? [ta.shape[1], ta.shape[0]] : [ta.shape[0], ta.shape[1]];
  const [kb, n] = transposeB ? [tb.shape[1], tb.shape[0]] : [tb.shape[0], tb.shape[1]];
  if (ka !== kb) {
    throw new WebgradError(
      `matMul: inner dimensions must agree: 'a' ${shapeString(ta.shape)}${transposeA ? ' (transposed)' : ''} has ${ka} columns but 'b' ${shapeString(tb.shape)}${transposeB ? ' (transposed)' : ''} has ${kb} rows.`,
    );
  }
  checkSize('matMul', 'the result of shape', [m, n]);
  return engine.make({ kind: 'matmul', transA: !!transposeA, transB: !!transposeB }, [ta, tb], [m, n], 'float32');
}
