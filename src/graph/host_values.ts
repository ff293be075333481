// The values behind a tensor that are already on the host, if any: a tensor
// made from JavaScript values keeps them there, and a reshape (pending or
// not) has the same values. Tensors never change, so callers may read these
// arrays in place; they must not write into them.
import type { TypedArray } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';

/** Host values behind a tensor that is stored data or a (pending) reshape of it, or null. */
export function hostValuesOf(t: Tensor): TypedArray | null {
  let x: Tensor = t;
  while (x.op?.kind === 'reshape') x = x.inputs[0];
  return x.storage?.host ?? null;
}
