// The MNIST page's model menu. Each entry says how its model is built and
// what shape one digit has for it ([784] for a multilayer perceptron; a
// convolutional network takes [28, 28, 1]); the page reshapes the digits
// accordingly, so a new kind of model is one more entry here.
//
// The CNN entry is the slot for convolution layers: it shows (disabled) until
// the library has them, detected by the layer factory's name, as in
// TensorFlow.js (`layers.conv2d`). When they land, give it a `build` that
// stacks conv2d / pooling / flatten / dense, and it becomes selectable.
import * as wg from 'webgradjs';

export interface ModelChoice {
  id: string;
  label: string;
  /** Shape of one digit as the model's input. */
  inputShape: number[];
  /** Why it cannot be chosen, when it cannot. */
  unavailable?: string;
  build(): wg.Sequential;
}

/** A Dense stack 784 -> hidden (relu) -> 10 (softmax). */
function mlp(hidden: number[]): wg.Sequential {
  const layers = hidden.map((units, i) => wg.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
  layers.push(wg.layers.dense({ units: 10, activation: 'softmax' }));
  return wg.sequential({ layers, name: `mlp_${hidden.join('_')}` });
}

const hasConvLayers = 'conv2d' in wg.layers;

export const MODEL_CHOICES: readonly ModelChoice[] = [
  { id: 'mlp', label: 'MLP 784-128-10 (relu, softmax)', inputShape: [784], build: () => mlp([128]) },
  { id: 'mlp-wide', label: 'MLP 784-256-128-10 (relu, softmax)', inputShape: [784], build: () => mlp([256, 128]) },
  {
    id: 'cnn',
    label: hasConvLayers ? 'CNN (to be written in demo/mnist/models.ts)' : 'CNN (needs convolution layers; not in webgrad yet)',
    inputShape: [28, 28, 1],
    unavailable: hasConvLayers
      ? 'webgrad has convolution layers now, but this demo has no CNN builder yet (demo/mnist/models.ts)'
      : 'webgrad has no convolution layers yet (webgrad.layers.conv2d)',
    build: () => {
      throw new Error('The CNN needs convolution layers (webgrad.layers.conv2d), which this webgrad does not have yet.');
    },
  },
];

/** The entry with this id, if it can be chosen. */
export function modelChoice(id: string): ModelChoice {
  const c = MODEL_CHOICES.find((m) => m.id === id);
  if (!c) throw new Error(`unknown model '${id}'; choose one of ${MODEL_CHOICES.map((m) => m.id).join(', ')}`);
  if (c.unavailable) throw new Error(`model '${id}' is not available: ${c.unavailable}`);
  return c;
}
