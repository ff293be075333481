// The MNIST MLP training step the A/B scripts time (mlp-step-ab.mjs in Node,
// mlp-step-ab-chrome.mjs in the bench page, which imports this file from the
// bench server): 784-256-256-10, relu, relu, softmax, categorical
// cross-entropy, SGD 0.1, batch 128, seeded weights and a fixed batch, so that
// both sides of an A/B (and both scripts) train the same model on the same data.

/** `n` uniform values in [-scale, scale) from a seeded LCG. */
export function rand(n, seed, scale = 1) {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

const B = 128, SIZES = [784, 256, 256, 10];
const xData = rand(B * 784, 3).map((v) => (v + 1) / 2);
const yData = new Float32Array(B * 10);
for (let i = 0; i < B; i++) yData[i * 10 + (i * 7) % 10] = 1;

/**
 * Builds the model with library `wg` (already ready()), sets its weights,
 * compiles it and returns `step()`: one fit() on the batch, resolving to its loss.
 */
export function mnistMlpStep(wg) {
  const m = wg.sequential({
    layers: [
      wg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }),
      wg.layers.dense({ units: 256, activation: 'relu' }),
      wg.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const init = [];
  for (let l = 0; l < 3; l++) {
    init.push(wg.tensor(rand(SIZES[l] * SIZES[l + 1], 10 + l, Math.sqrt(6 / (SIZES[l] + SIZES[l + 1]))), [SIZES[l], SIZES[l + 1]]));
    init.push(wg.tensor(new Float32Array(SIZES[l + 1]), [SIZES[l + 1]]));
  }
  m.setWeights(init);
  m.compile({ optimizer: wg.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const x = wg.tensor(xData, [B, 784]), y = wg.tensor(yData, [B, 10]);
  return async () => (await m.fit(x, y, { epochs: 1, batchSize: B, shuffle: false, verbose: 0 })).history.loss.at(-1);
}
