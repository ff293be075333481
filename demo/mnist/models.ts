// The MNIST page's model menu. Each entry says how its model is built and
// what shape one digit has for it ([784] for a multilayer perceptron; a
// convolutional network takes [28, 28, 1]); the page reshapes the digits
// accordingly, so a new kind of model is one more entry here.
//
// The CNN takes each digit as a 28 x 28 x 1 image: two 3x3 convolutions
// (relu), each followed by 2x2 max pooling, then a softmax layer. Small
// enough to train at interactive speed on the wasm and CPU backends.
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

/** conv 3x3x8 relu -> maxPool 2 -> conv 3x3x16 relu -> maxPool 2 -> flatten -> dense 10 softmax. */
function cnn(): wg.Sequential {
  return wg.sequential({
    name: 'cnn_8_16',
    layers: [
      wg.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      wg.layers.maxPooling2d({ poolSize: 2 }),
      wg.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      wg.layers.maxPooling2d({ poolSize: 2 }),
      wg.layers.flatten(),
      wg.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

export const MODEL_CHOICES: readonly ModelChoice[] = [
  { id: 'mlp', label: 'MLP 784-128-10 (relu, softmax)', inputShape: [784], build: () => mlp([128]) },
  { id: 'mlp-wide', label: 'MLP 784-256-128-10 (relu, softmax)', inputShape: [784], build: () => mlp([256, 128]) },
  { id: 'cnn', label: 'CNN conv 8 - pool - conv 16 - pool - 10 (relu, softmax)', inputShape: [28, 28, 1], build: cnn },
];

/** The entry with this id, if it can be chosen. */
export function modelChoice(id: string): ModelChoice {
  const c = MODEL_CHOICES.find((m) => m.id === id);
  if (!c) throw new Error(`unknown model '${id}'; choose one of ${MODEL_CHOICES.map((m) => m.id).join(', ')}`);
  if (c.unavailable) throw new Error(`model '${id}' is not available: ${c.unavailable}`);
  return c;
}
