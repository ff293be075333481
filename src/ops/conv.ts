// 2-D convolution and its transpose (NHWC, TensorFlow.js names and argument
// order). Each records one node computed by the implicit-GEMM kernel
// (src/kernels/conv_spec.ts); a rank-3 input is one image.
import { argError, isArray, shapeString, WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { checkSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { asFloat } from './convert.js';
import { batchShape, checkDataFormat, checkPadding, pairOf, windowGeometry, type PaddingArg } from './conv_geometry.js';
import { reshape } from './shape_ops.js';

function checkFilter(op: string, filter: Tensor): void {
  if (filter.rank !== 4) throw argError(op, 'filter', 'a rank-4 filter [filterHeight, filterWidth, inChannels, outChannels]', filter);
}

/**
 * Convolves x [batch, height, width, inChannels] (or one image, rank 3) with
 * filter [filterHeight, filterWidth, inChannels, outChannels]. `pad` is
 * 'same', 'valid' or explicit [[0, 0], [top, bottom], [left, right], [0, 0]].
 */
export function conv2d(
  x: Tensor, filter: Tensor, strides: number | [number, number] = 1, pad: PaddingArg = 'valid',
  dataFormat: 'NHWC' = 'NHWC', dilations: number | [number, number] = 1,
): Tensor {
  const op = 'conv2d';
  const tx = asFloat(op, 'x', x);
  const tf = asFloat(op, 'filter', filter);
  const shape = batchShape(op, 'x', tx.shape);
  checkFilter(op, tf);
  checkDataFormat(op, dataFormat);
  const [kH, kW, inC, outC] = tf.shape;
  if (inC !== shape[3]) {
    throw new WebgradError(`${op}: 'x' ${shapeString(tx.shape)} has ${shape[3]} channels but 'filter' ${shapeString(tf.shape)} expects ${inC} (its third dimension).`);
  }
  const geom = windowGeometry(op, shape, outC, kH, kW, pairOf(op, 'strides', strides), checkPadding(op, pad), pairOf(op, 'dilations', dilations), ['x', 'filter']);
  const outShape = [geom.batch, geom.outH, geom.outW, outC];
  checkSize(op, 'the result of shape', outShape);
  const y = engine.make({ kind: 'conv2d', geom }, [reshape(tx, shape), tf], outShape, 'float32');
  return tx.rank === 3 ? reshape(y, outShape.slice(1)) : y;
}

/**
 * The transpose of conv2d (its gradient wrt x): x [batch, height, width,
 * inChannels] and filter [filterHeight, filterWidth, outChannels, inChannels]
 * give a tensor of `outputShape` [batch, outHeight, outWidth, outChannels]
 * (rank 3 without the batch), as TensorFlow.js' conv2dTranspose.
 */
export function conv2dTranspose(
  x: Tensor, filter: Tensor, outputShape: readonly number[], strides: number | [number, number], pad: PaddingArg,
): Tensor {
  const op = 'conv2dTranspose';
  const tx = asFloat(op, 'x', x);
  const tf = asFloat(op, 'filter', filter);
  const shape = batchShape(op, 'x', tx.shape);
  checkFilter(op, tf);
  const outRank = tx.rank;
  const given: readonly unknown[] = isArray(outputShape) ? outputShape : [];
  const isDim = (d: unknown): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 1;
  if (given.length !== outRank || !given.every(isDim)) {
    throw argError(op, 'outputShape', `a list of ${outRank} positive integers (the shape of the result, rank of 'x')`, outputShape);
  }
  const dims = given as number[];
  const full = outRank === 3 ? [1, ...dims] : [...dims];
  if (full[0] !== shape[0]) throw argError(op, 'outputShape', `a batch of ${shape[0]} (that of 'x')`, outputShape);
  const [kH, kW, outC, inC] = tf.shape;
  if (inC !== shape[3]) {
    throw new WebgradError(`${op}: 'x' ${shapeString(tx.shape)} has ${shape[3]} channels but 'filter' ${shapeString(tf.shape)} expects ${inC} (its fourth dimension).`);
  }
  if (outC !== full[3]) throw argError(op, 'outputShape', `${outC} channels (the third dimension of 'filter')`, outputShape);
  // The geometry of the forward conv2d whose gradient this is: from the result (its input) to x (its output).
  const geom = windowGeometry(op, full, inC, kH, kW, pairOf(op, 'strides', strides), checkPadding(op, pad), [1, 1], ['outputShape', 'filter']);
  if (geom.outH !== shape[1] || geom.outW !== shape[2]) {
    throw new WebgradError(
      `${op}: 'outputShape' ${shapeString(outputShape)} does not match 'x' ${shapeString(tx.shape)}: a conv2d of that shape with these strides and padding gives ${geom.outH}x${geom.outW}, not ${shape[1]}x${shape[2]}.`,
    );
  }
  checkSize(op, 'the result of shape', full);
  const y = engine.make({ kind: 'conv2dInputGrad', geom }, [reshape(tx, shape), tf], full, 'float32');
  return outRank === 3 ? reshape(y, outputShape) : y;
}
