// Activations by name, as Dense layers take them. Names follow TensorFlow.js
// layers ('linear', 'relu', 'softmax', ...). 'leakyRelu' is webgrad's own
// name (tfjs-layers has a LeakyReLU layer but no activation string): it uses
// the classic slope alpha = 0.01 (webgrad.leakyRelu's default), not the 0.3
// of tf.layers.leakyReLU.
import { WebgradError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import * as ew from '../ops/elementwise.js';
import { softmax } from '../ops/softmax.js';

export type ActivationIdentifier =
  | 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'softmax' | 'swish' | 'elu' | 'gelu';

const ACTIVATIONS: { [K in ActivationIdentifier]: (x: Tensor) => Tensor } = {
  // 'linear' records nothing: the pre-activation is the output.
  linear: (x) => x,
  sigmoid: (x) => ew.sigmoid(x),
  tanh: (x) => ew.tanh(x),
  relu: (x) => ew.relu(x),
  leakyRelu: (x) => ew.leakyRelu(x, ew.LEAKY_RELU_ALPHA),
  softmax: (x) => softmax(x),
  swish: (x) => ew.swish(x),
  elu: (x) => ew.elu(x, 1),
  gelu: (x) => ew.gelu(x),
};

/** Every activation name Dense accepts. */
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationIdentifier[];

/** Checks an activation name (null/undefined = 'linear') and returns it. */
export function checkActivation(op: string, name: unknown): ActivationIdentifier {
  if (name === undefined || name === null) return 'linear';
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(ACTIVATIONS, name)) return name as ActivationIdentifier;
  throw new WebgradError(`${op}: unknown activation ${JSON.stringify(name)}; valid activations are ${ACTIVATION_NAMES.map((n) => `'${n}'`).join(', ')}.`);
}

/** Applies the named activation to `x` (records graph nodes). */
export function applyActivation(name: ActivationIdentifier, x: Tensor): Tensor {
  return ACTIVATIONS[name](x);
}
