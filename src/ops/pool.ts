// Max and average pooling (NHWC, TensorFlow.js names and argument order).
// Padding never counts: a 'same' average divides by the taps inside x.
import { engine } from '../core/engine.js';
import { checkSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { PoolMode } from '../kernels/conv_op.js';
import { asFloat } from './convert.js';
import { batchShape, checkPadding, pairOf, windowGeometry, type PaddingArg } from './conv_geometry.js';
import { reshape } from './shape_ops.js';

function pool(op: string, mode: PoolMode, x: Tensor, filterSize: unknown, strides: unknown, pad: unknown): Tensor {
  const tx = asFloat(op, 'x', x);
  const shape = batchShape(op, 'x', tx.shape);
  const [kH, kW] = pairOf(op, 'filterSize', filterSize);
  const geom = windowGeometry(op, shape, shape[3], kH, kW, pairOf(op, 'strides', strides), checkPadding(op, pad), [1, 1], ['x', 'pool window (filterSize)']);
  const outShape = [geom.batch, geom.outH, geom.outW, geom.outC];
  checkSize(op, 'the result of shape', outShape);
  const y = engine.make({ kind: 'pool', mode, geom }, [reshape(tx, shape)], outShape, 'float32');
  return tx.rank === 3 ? reshape(y, outShape.slice(1)) : y;
}

/** The maximum of each filterSize window of x [batch, height, width, channels] (or rank 3). */
export function maxPool(x: Tensor, filterSize: number | [number, number], strides: number | [number, number], pad: PaddingArg): Tensor {
  return pool('maxPool', 'max', x, filterSize, strides, pad);
}

/** The mean of each filterSize window of x [batch, height, width, channels] (or rank 3). */
export function avgPool(x: Tensor, filterSize: number | [number, number], strides: number | [number, number], pad: PaddingArg): Tensor {
  return pool('avgPool', 'avg', x, filterSize, strides, pad);
}
