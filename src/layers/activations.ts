// Activations by name, as layers take them. Names follow TensorFlow.js layers
// ('linear', 'relu', 'softmax', ...). Besides 'linear' and 'softmax' (which is
// not elementwise), they are the rows of the elementwise table marked as
// activations (src/kernels/elementwise_table.ts): a new row there is a new
// activation here, in the model format and in the messages, with no line
// added. 'leakyRelu' is webgrad's own name (tfjs-layers has a LeakyReLU layer
// but no activation string): it uses the classic slope alpha = 0.01
// (webgrad.leakyRelu's default), not the 0.3 of tf.layers.leakyReLU.
import { WebgradError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { ELEMENTWISE_ACTIVATIONS, opDef, type ElementwiseActivation } from '../kernels/elementwise_table.js';
import { applyRow } from '../ops/elementwise_builder.js';
import { softmax } from '../ops/softmax.js';

/** An activation name a layer accepts. */
export type ActivationIdentifier = 'linear' | 'softmax' | ElementwiseActivation;

/** Every activation name layers accept. */
export const ACTIVATION_NAMES: readonly ActivationIdentifier[] = ['linear', ...ELEMENTWISE_ACTIVATIONS, 'softmax'];

const NAMES = new Set<string>(ACTIVATION_NAMES);

/** Checks an activation name (null/undefined = 'linear') and returns it. */
export function checkActivation(op: string, name: unknown): ActivationIdentifier {
  if (name === undefined || name === null) return 'linear';
  if (typeof name === 'string' && NAMES.has(name)) return name as ActivationIdentifier;
  throw new WebgradError(`${op}: unknown activation ${JSON.stringify(name)}; valid activations are ${ACTIVATION_NAMES.map((n) => `'${n}'`).join(', ')}.`);
}

/** Applies the named activation to `x` (records graph nodes). */
export function applyActivation(name: ActivationIdentifier, x: Tensor): Tensor {
  // 'linear' records nothing: the pre-activation is the output.
  if (name === 'linear') return x;
  if (name === 'softmax') return softmax(x);
  return applyRow(name, [x], opDef(name).defaults ?? []);
}
