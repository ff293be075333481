// Losses as compositions of primitives, each returning the scalar mean over
// samples, with Keras' definitions (and its epsilon for clipping, CLIP_EPSILON).
// yTrue comes first, as in TensorFlow.js (tf.losses.*, tf.metrics.*).
import { argError, shapeString, WebgradError } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { engine } from '../core/engine.js';
import { composite } from '../core/scope.js';
import { asFloat, asTensor } from './convert.js';
import * as ew from './elementwise.js';
import { mean, sum } from './reduce.js';
import { oneHot, reshape } from './shape_ops.js';
import { CLIP_EPSILON } from '../kernels/kernel_spec.js';

/** Keras' fuzz factor: probabilities are clipped to [EPSILON, 1 - EPSILON] before log (kernels/kernel_spec.ts' CLIP_EPSILON). */
export const EPSILON = CLIP_EPSILON;

export interface CrossentropyOptions {
  /** yPred holds logits (pre-sigmoid / pre-softmax) rather than probabilities. */
  fromLogits?: boolean;
}

function sameShape(op: string, yTrue: Tensor, yPred: Tensor): void {
  if (!shapesEqual(yTrue.shape, yPred.shape)) {
    throw new WebgradError(`${op}: 'yTrue' ${shapeString(yTrue.shape)} and 'yPred' ${shapeString(yPred.shape)} must have the same shape.`);
  }
}

/** mean((yPred - yTrue)^2) over all elements. */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  return composite(() => {
    const t = asFloat('meanSquaredError', 'yTrue', yTrue);
    const p = asFloat('meanSquaredError', 'yPred', yPred);
    sameShape('meanSquaredError', t, p);
    return mean(ew.square(ew.sub(p, t)));
  });
}

/** mean(|yPred - yTrue|) over all elements. */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  return composite(() => {
    const t = asFloat('meanAbsoluteError', 'yTrue', yTrue);
    const p = asFloat('meanAbsoluteError', 'yPred', yPred);
    sameShape('meanAbsoluteError', t, p);
    return mean(ew.abs(ew.sub(p, t)));
  });
}

/**
 * Binary cross-entropy, -mean(y log p + (1 - y) log(1 - p)). From
 * probabilities, p is clipped to [EPSILON, 1 - EPSILON] first, like Keras; from
 * logits, the stable form max(x, 0) - x y + log(1 + exp(-|x|)) is used.
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  return composite(() => {
    const t = asFloat('binaryCrossentropy', 'yTrue', yTrue);
    const p = asFloat('binaryCrossentropy', 'yPred', yPred);
    sameShape('binaryCrossentropy', t, p);
    if (options.fromLogits) {
      const softplusNegAbs = ew.log(ew.add(ew.exp(ew.neg(ew.abs(p))), 1));
      return mean(ew.add(ew.sub(ew.relu(p), ew.mul(p, t)), softplusNegAbs));
    }
    const q = ew.clip(p, EPSILON, 1 - EPSILON);
    const ll = ew.add(ew.mul(t, ew.log(q)), ew.mul(ew.sub(1, t), ew.log(ew.sub(1, q))));
    return ew.neg(mean(ll));
  });
}

/**
 * Categorical cross-entropy against one-hot (or soft) labels over the last
 * axis, averaged over samples. From probabilities, rows are renormalised to
 * sum to 1 and clipped to [EPSILON, 1 - EPSILON], as Keras does.
 */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  return composite(() => {
    const t = asFloat('categoricalCrossentropy', 'yTrue', yTrue);
    const p = asFloat('categoricalCrossentropy', 'yPred', yPred);
    sameShape('categoricalCrossentropy', t, p);
    if (p.rank === 0) throw argError('categoricalCrossentropy', 'yPred', 'a tensor of rank >= 1 (classes on the last axis)', p);
    // softmax followed by cross-entropy (or logits given) runs as one fused
    // kernel whose gradient is simply softmax - labels.
    const fusedLogits = options.fromLogits ? p : p.op?.kind === 'softmax' && !p.op.log ? p.inputs[0] : null;
    if (fusedLogits) {
      const rows = engine.make({ kind: 'softmaxXent', clip: !options.fromLogits }, [fusedLogits, t], p.shape.slice(0, -1), 'float32');
      return mean(rows);
    }
    // Probabilities (logits always take the fused path above).
    const logp = ew.log(ew.clip(ew.div(p, sum(p, -1, true)), EPSILON, 1 - EPSILON));
    return ew.neg(mean(sum(ew.mul(t, logp), -1)));
  });
}

/**
 * Cross-entropy against integer class labels: labels [n] (int32) are turned into one-hot rows of yPred's width inside.
 */
export function sparseCategoricalCrossentropy(labels: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  return composite(() => {
    const l = asTensor('sparseCategoricalCrossentropy', 'labels', labels);
    const p = asFloat('sparseCategoricalCrossentropy', 'yPred', yPred);
    if (p.rank < 1) throw argError('sparseCategoricalCrossentropy', 'yPred', 'a tensor of rank >= 1', p);
    const expected = p.shape.slice(0, -1);
    const lshape = l.shape.length === p.rank && l.shape[l.rank - 1] === 1 ? l.shape.slice(0, -1) : l.shape;
    if (!shapesEqual(lshape, expected)) {
      throw new WebgradError(`sparseCategoricalCrossentropy: 'labels' ${shapeString(l.shape)} must have shape ${shapeString(expected)} (one class index per row of 'yPred' ${shapeString(p.shape)}).`);
    }
    if (l.dtype !== 'int32') throw argError('sparseCategoricalCrossentropy', 'labels', 'an int32 tensor of class indices', l);
    const depth = p.shape[p.rank - 1];
    const onehot = oneHot(reshape(l, lshape), depth);
    return categoricalCrossentropy(onehot, p, options);
  });
}
