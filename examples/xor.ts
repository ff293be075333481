// XOR: not linearly separable, so one hidden layer is needed. 2 -> 8 (tanh)
// -> 1 (sigmoid), Adam on binary cross-entropy; all four points end up on
// the right side of 0.5.
//
// Run from the repository root:  npx vite-node examples/xor.ts
import * as wg from 'webgradjs';
import { initBackend, runDirectly } from './setup.js';

export const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
export const Y = [0, 1, 1, 0];

export async function run({ verbose = 1 } = {}): Promise<{ predictions: number[]; loss: number }> {
  const model = wg.sequential({
    layers: [
      wg.layers.dense({ units: 8, activation: 'tanh', inputShape: [2], kernelInitializer: wg.initializers.glorotUniform({ seed: 3 }) }),
      wg.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: wg.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
  model.compile({ optimizer: wg.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(X, Y, { epochs: 300, batchSize: 4, verbose: verbose ? 1 : 0 });
  const predictions = Array.from(await model.predict(X).data());
  model.dispose();
  return { predictions, loss: history.history.loss[history.history.loss.length - 1] };
}

if (runDirectly) {
  await initBackend();
  const r = await run({ verbose: 0 });
  X.forEach((x, i) => console.log(`${x[0]} xor ${x[1]} = ${Y[i]}: predicted ${r.predictions[i].toFixed(3)}`));
  console.log(`final loss ${r.loss.toFixed(4)}`);
}
