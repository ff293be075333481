// Logistic regression: pass (1) or fail (0) from hours studied. Students who
// studied more than about 5 hours passed, with a few exceptions near the
// boundary. One sigmoid unit trained on binary cross-entropy learns
// p(pass | hours) = sigmoid(w * hours + b), with its decision boundary
// (p = 0.5, at hours = -b / w) near 5 hours.
//
// Run from the repository root:  npx vite-node examples/logistic_regression.ts
import * as wg from 'webgradjs';
import { initBackend, runDirectly } from './setup.js';

export const HOURS = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.25, 4.5, 4.75, 5, 5.25, 5.5, 5.75, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10];
// Failed below ~5 hours, passed above, except 4.5 (passed) and 5.5 (failed).
export const PASSED = HOURS.map((h) => (h === 4.5 ? 1 : h === 5.5 ? 0 : h > 5 ? 1 : 0));

export async function run({ verbose = 1 } = {}): Promise<{ boundary: number; probabilities: Record<number, number>; accuracy: number }> {
  const model = wg.sequential();
  model.add(wg.layers.dense({ units: 1, inputShape: [1], activation: 'sigmoid', kernelInitializer: 'zeros' }));
  model.compile({ optimizer: wg.train.adam(0.1), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(HOURS, PASSED, { epochs: 300, batchSize: HOURS.length, verbose: verbose ? 1 : 0, callbacks: [] });

  const [w, b] = await Promise.all(model.getWeights().map((t) => t.data()));
  const probe = [1, 2, 3, 7, 8, 9];
  const p = await model.predict(probe).data();
  const probabilities: Record<number, number> = {};
  probe.forEach((h, i) => (probabilities[h] = p[i]));
  const result = { boundary: -b[0] / w[0], probabilities, accuracy: history.history.acc[history.history.acc.length - 1] };
  model.dispose();
  return result;
}

if (runDirectly) {
  await initBackend();
  const r = await run({ verbose: 0 });
  console.log(`decision boundary at ${r.boundary.toFixed(2)} hours; training accuracy ${r.accuracy}`);
  for (const [h, p] of Object.entries(r.probabilities)) console.log(`  ${h} h: p(pass) = ${p.toFixed(3)} -> ${p > 0.5 ? 'pass' : 'fail'}`);
}
