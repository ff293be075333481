// Softmax and log-softmax along the last axis (numerically stable: the row
// maximum is subtracted inside the kernel).
import { argError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import { asFloat } from './convert.js';

function softmaxOp(name: string, logits: Tensor, log: boolean, dim: number): Tensor {
  const t = asFloat(name, 'logits', logits);
  if (t.rank === 0) throw argError(name, 'logits', 'a tensor of rank >= 1', t);
  if (dim !== -1 && dim !== t.rank - 1) throw argError(name, 'dim', `the last axis (-1 or ${t.rank - 1})`, dim);
  return engine.make({ kind: 'softmax', log }, [t], t.shape, 'float32');
}

export const softmax = (logits: Tensor, dim = -1): Tensor => softmaxOp('softmax', logits, false, dim);
export const logSoftmax = (logits: Tensor, dim = -1): Tensor => softmaxOp('logSoftmax', logits, true, dim);
