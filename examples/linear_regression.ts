// Linear regression on 4 features: y = x1 - x2 + x3 - x4 (bias 0). A single
// Dense unit trained with SGD on mean squared error recovers the weights
// [1, -1, 1, -1] and the bias 0.
//
// Run from the repository root:  npx vite-node examples/linear_regression.ts
import * as wg from 'webgradjs';
import { initBackend, runDirectly } from './setup.js';

export const TRUE_WEIGHTS = [1, -1, 1, -1];

export async function run({ verbose = 1 } = {}): Promise<{ weights: number[]; bias: number; loss: number }> {
  // 256 samples with features uniform in [-1, 1] (a fixed-seed generator).
  let s = 12345;
  const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const x = Array.from({ length: 256 }, () => [rand(), rand(), rand(), rand()]);
  const y = x.map((r) => [r.reduce((acc, v, i) => acc + v * TRUE_WEIGHTS[i], 0)]);

  const model = wg.sequential({
    layers: [wg.layers.dense({ units: 1, inputShape: [4], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) })],
  });
  model.compile({ optimizer: wg.train.sgd(0.1), loss: 'meanSquaredError' });
  const history = await model.fit(x, y, { epochs: 40, batchSize: 32, seed: 1, verbose });

  const [kernel, bias] = model.getWeights();
  const result = {
    weights: Array.from(await kernel.data()),
    bias: (await bias.data())[0],
    loss: history.history.loss[history.history.loss.length - 1],
  };
  wg.dispose([kernel, bias]);
  model.dispose();
  return result;
}

if (runDirectly) {
  await initBackend();
  const r = await run();
  console.log(`weights ${r.weights.map((w) => w.toFixed(4)).join(', ')} (true ${TRUE_WEIGHTS.join(', ')}), bias ${r.bias.toFixed(4)}, final loss ${r.loss.toExponential(2)}`);
}
