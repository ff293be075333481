// The course examples in examples/, run as tests on both backends.
import { expect, test } from 'vitest';
import * as demand from '../../examples/demand_prediction.js';
import * as linear from '../../examples/linear_regression.js';
import * as logistic from '../../examples/logistic_regression.js';
import * as xor from '../../examples/xor.js';
import { describeEachBackend } from '../helpers/backends.js';

describeEachBackend('examples', () => {
  test('linear regression recovers weights [1, -1, 1, -1] and bias 0', async () => {
    const r = await linear.run({ verbose: 0 });
    r.weights.forEach((w, i) => expect(w).toBeCloseTo(linear.TRUE_WEIGHTS[i], 3));
    expect(Math.abs(r.bias)).toBeLessThan(1e-3);
    expect(r.loss).toBeLessThan(1e-6);
  });

  test('logistic regression: pass for many hours, fail for few, boundary near 5 hours', async () => {
    const r = await logistic.run({ verbose: 0 });
    for (const h of [1, 2, 3]) expect(r.probabilities[h]).toBeLessThan(0.5);
    for (const h of [7, 8, 9]) expect(r.probabilities[h]).toBeGreaterThan(0.5);
    expect(r.probabilities[1]).toBeLessThan(0.05);
    expect(r.probabilities[9]).toBeGreaterThan(0.95);
    expect(r.boundary).toBeGreaterThan(4.5);
    expect(r.boundary).toBeLessThan(5.5);
    expect(r.accuracy).toBeGreaterThanOrEqual(22 / 24 - 1e-6);
  });

  test('XOR with a hidden layer gets all four points right', async () => {
    const r = await xor.run({ verbose: 0 });
    r.predictions.forEach((p, i) => {
      if (xor.Y[i] === 1) expect(p).toBeGreaterThan(0.9);
      else expect(p).toBeLessThan(0.1);
    });
  });

  test('demand prediction with ReLU hidden units: MSE falls below threshold', async () => {
    const r = await demand.run({ verbose: 0 });
    expect(r.firstLoss).toBeGreaterThan(r.targetVariance * 0.5);
    expect(r.finalLoss).toBeLessThan(5e-3);
    expect(r.finalLoss).toBeLessThan(r.targetVariance / 10);
    expect(r.valLoss).toBeLessThan(5e-3);
  });
});
