// where(condition, a, b): a where the condition holds, else b, with the three
// broadcast together (TensorFlow.js semantics). The condition is float 0/1
// (as comparisons return) or int32; any non-zero value counts as true. A
// select, not arithmetic: an infinity or NaN in the branch not taken never
// leaks into the result or its gradient.
import { shapeString, WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { broadcastShapes } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { composite } from '../core/scope.js';
import { asTensor } from './convert.js';

/**
 * `a` where `condition` is non-zero, else `b`, elementwise; the three are
 * broadcast together and `a`, `b` must share a dtype (the result's).
 */
export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => {
    const c = asTensor('where', 'condition', condition);
    const ta = asTensor('where', 'a', a);
    const tb = asTensor('where', 'b', b);
    if (ta.dtype !== tb.dtype) {
      throw new WebgradError(`where: arguments 'a' (${ta.dtype}, shape ${shapeString(ta.shape)}) and 'b' (${tb.dtype}, shape ${shapeString(tb.shape)}) must have the same dtype.`);
    }
    const ab = broadcastShapes('where', ta.shape, tb.shape, ['a', 'b']);
    const shape = broadcastShapes('where', c.shape, ab, ['condition', 'a and b']);
    return engine.make({ kind: 'where' }, [c, ta, tb], shape, ta.dtype);
  });
}
