// Demand prediction: quantity sold as a function of price and advertising,
// a kinked (piecewise linear) demand curve that ReLU hidden units can fit:
//   quantity = 20 max(0, 1 - price / 8) + 5 max(0, 1 - price / 4) + 4 ads
// Features are scaled to [0, 1] and quantity divided by 30. A 2 -> 16 (relu)
// -> 1 network trained with Adam on MSE brings the error well below the
// variance of the target.
//
// Run from the repository root:  npx vite-node examples/demand_prediction.ts
import * as wg from 'webgradjs';
import { initBackend, runDirectly } from './setup.js';

export function demand(price: number, ads: number): number {
  return 20 * Math.max(0, 1 - price / 8) + 5 * Math.max(0, 1 - price / 4) + 4 * ads;
}

export async function run({ verbose = 1 } = {}): Promise<{ firstLoss: number; finalLoss: number; valLoss: number; targetVariance: number }> {
  let s = 2024;
  const rand = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 320; i++) {
    const price = 1 + 9 * rand(); // $1 .. $10
    const ads = rand(); // advertising budget, 0 .. 1
    x.push([price / 10, ads]);
    y.push(demand(price, ads) / 30);
  }
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const targetVariance = y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length;

  const model = wg.sequential({
    layers: [
      wg.layers.dense({ units: 16, activation: 'relu', inputShape: [2], kernelInitializer: wg.initializers.heUniform({ seed: 5 }) }),
      wg.layers.dense({ units: 1, kernelInitializer: wg.initializers.glorotUniform({ seed: 6 }) }),
    ],
  });
  model.compile({ optimizer: wg.train.adam(0.01), loss: 'meanSquaredError', metrics: ['mae'] });
  const h = await model.fit(x, y, { epochs: 60, batchSize: 32, seed: 7, validationSplit: 0.2, verbose });
  model.dispose();
  const loss = h.history.loss;
  return { firstLoss: loss[0], finalLoss: loss[loss.length - 1], valLoss: h.history.val_loss[loss.length - 1], targetVariance };
}

if (runDirectly) {
  await initBackend();
  const r = await run();
  console.log(`MSE: first epoch ${r.firstLoss.toExponential(2)}, last ${r.finalLoss.toExponential(2)}, validation ${r.valLoss.toExponential(2)} (target variance ${r.targetVariance.toExponential(2)})`);
}
