// Bad input is refused at the API edge, before any step runs, with an Error
// naming what was wrong.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

function model(loss: wg.layers.LossIdentifier = 'meanSquaredError', units = 2, activation: 'linear' | 'softmax' = 'linear'): wg.Sequential {
  const m = wg.sequential({
    layers: [
      wg.layers.dense({ units: 5, inputShape: [3], activation: 'relu', kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) }),
      wg.layers.dense({ units, activation, kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  m.compile({ optimizer: 'sgd', loss });
  return m;
}

const X = (n: number): number[][] => Array.from({ length: n }, (_, i) => [i / n, 1 - i / n, 0.5]);
const Y = (n: number): number[][] => Array.from({ length: n }, (_, i) => [i / n, -i / n]);

async function weightsOf(m: wg.Sequential): Promise<number[][]> {
  const ws = m.getWeights();
  const out = await Promise.all(ws.map(async (w) => Array.from(await w.data())));
  wg.dispose(ws);
  return out;
}

describeEachBackend('bad input', () => {
  test('x and y with different sample counts', async () => {
    const m = model();
    const before = await weightsOf(m);
    await expect(m.fit(X(10), Y(8), { verbose: 0 })).rejects.toThrow(/'x' and 'y' must have the same number of samples, but 'x' has 10 .* and 'y' has 8/);
    expect(await weightsOf(m)).toEqual(before);
    expect(() => m.evaluate(X(10), Y(8))).toThrow(/same number of samples/);
    await expect(m.trainOnBatch(X(3), Y(4))).rejects.toThrow(/same number of samples/);
  });

  test('input width different from inputShape', async () => {
    const m = model();
    const x4 = [[1, 2, 3, 4], [5, 6, 7, 8]];
    await expect(m.fit(x4, Y(2), { verbose: 0 })).rejects.toThrow(/'x' has 4 features per sample \(shape \[2, 4\]\), but the model's input expects 3/);
    expect(() => m.predict(x4)).toThrow(/'x' has 4 features per sample/);
    expect(() => m.predict(wg.tensor(x4))).toThrow(/'x' has 4 features per sample/);
    expect(() => m.predict(wg.tensor([[[1, 2, 3]]]))).toThrow(/must be 2-D/);
  });

  test('y width different from the output units', async () => {
    const m = model();
    await expect(m.fit(X(2), [[1, 2, 3], [4, 5, 6]], { verbose: 0 })).rejects.toThrow(/'y' must have shape \[samples, 2\].*got shape \[2, 3\]/);
  });

  test('fit, evaluate and trainOnBatch before compile', async () => {
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [3] })] });
    await expect(m.fit(X(2), [1, 2], { verbose: 0 })).rejects.toThrow(/must be compiled first; call model.compile\(\{ optimizer, loss \}\) before fit\(\)/);
    expect(() => m.evaluate(X(2), [1, 2])).toThrow(/compiled first/);
    await expect(m.trainOnBatch(X(2), [1, 2])).rejects.toThrow(/compiled first/);
    const empty = wg.sequential();
    expect(() => empty.compile({ optimizer: 'sgd', loss: 'mse' })).toThrow(/no layers/);
  });

  test('unknown activation, loss, optimizer, initializer and metric names list the valid ones', () => {
    expect(wg.layers.ACTIVATION_NAMES).toEqual(expect.arrayContaining(['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax', 'swish', 'elu', 'gelu']));
    expect(() => wg.layers.dense({ units: 2, activation: 'rellu' as never })).toThrow(`unknown activation "rellu"; valid activations are ${wg.layers.ACTIVATION_NAMES.map((n) => `'${n}'`).join(', ')}.`);
    expect(() => wg.layers.dense({ units: 2, kernelInitializer: 'xavier' as never })).toThrow(/unknown kernelInitializer "xavier"; valid initializers are 'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal'/);
    expect(() => wg.layers.dense({ units: 2, biasInitializer: 'one' as never })).toThrow(/unknown biasInitializer "one".*'ones'/);
    expect(() => wg.layers.dense({ units: 0 })).toThrow(/'units' must be a positive integer/);
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [3] })] });
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquareError' as never })).toThrow(/unknown loss "meanSquareError"; valid losses are 'meanSquaredError', 'mse'.*'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy'/);
    expect(() => m.compile({ optimizer: 'adamw' as never, loss: 'mse' })).toThrow(/unknown optimizer "adamw"; valid names are 'sgd', 'adam', 'rmsprop'/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['acuracy' as never] })).toThrow(/unknown metric "acuracy"; valid metrics are 'accuracy'/);
  });

  test('sparse class labels out of range or not integers', async () => {
    const m = model('sparseCategoricalCrossentropy', 3, 'softmax');
    const before = await weightsOf(m);
    await expect(m.fit(X(4), [0, 1, 3, 2], { verbose: 0 })).rejects.toThrow(/class label 3 at sample 2 is out of range; the model has 3 outputs, so labels must be in \[0, 2\]/);
    await expect(m.fit(X(4), [0, 0.5, 1, 2], { verbose: 0 })).rejects.toThrow(/sample 1 is 0.5, not an integer/);
    await expect(m.fit(X(4), [0, -1, 1, 2], { verbose: 0 })).rejects.toThrow(/class label -1 at sample 1 is out of range/);
    await expect(m.fit(X(2), [[1, 0, 0], [0, 1, 0]], { verbose: 0 })).rejects.toThrow(/one class index per sample/);
    expect(() => m.evaluate(X(2), [0, 7])).toThrow(/class label 7 at sample 1 is out of range/);
    expect(await weightsOf(m)).toEqual(before);
  });

  test('NaN or Infinity in x or y names the argument and the first sample', async () => {
    const m = model();
    const x = X(4);
    x[2][1] = NaN;
    await expect(m.fit(x, Y(4), { verbose: 0 })).rejects.toThrow(/argument 'x' contains NaN at sample 2, column 1 \(flat index 7\)/);
    const y = Y(4);
    y[3][0] = Infinity;
    await expect(m.fit(X(4), y, { verbose: 0 })).rejects.toThrow(/argument 'y' contains Infinity at sample 3, column 0/);
    await expect(m.fit(wg.tensor([[1, 2, 3], [1, -Infinity, 3]]), Y(2), { verbose: 0 })).rejects.toThrow(/'x' contains -Infinity at sample 1, column 1/);
    await expect(m.fit(X(4), Y(4), { verbose: 0, validationData: [x, Y(4)] })).rejects.toThrow(/'validationData\[0\]' contains NaN at sample 2/);
    expect(() => m.predict(x)).toThrow(/'x' contains NaN at sample 2/);
  });

  test('setWeights with the wrong count or shapes names the weight', async () => {
    const m = model();
    const ws = m.getWeights();
    expect(() => m.setWeights(ws.slice(0, 3))).toThrow(/expected 4 weights \(dense_Dense\d+\/kernel \[3, 5\], dense_Dense\d+\/bias \[5\], dense_Dense\d+\/kernel \[5, 2\], dense_Dense\d+\/bias \[2\]\), got 3/);
    const bad = [ws[0], ws[1], wg.zeros([2, 5]), ws[3]];
    expect(() => m.setWeights(bad)).toThrow(/weight 2 \('dense_Dense\d+\/kernel'\) must have shape \[5, 2\] \(float32\), got \[2, 5\]/);
    expect(() => m.layers[1].setWeights([wg.zeros([5, 2])])).toThrow(/expected 2 weights/);
    expect(() => m.layers[1].setWeights([wg.zeros([5, 2]), wg.zeros([3])])).toThrow(/weight 1 \('dense_Dense\d+\/bias'\) must have shape \[2\]/);
    wg.dispose(ws);
  });

  test('bad fit options', async () => {
    const m = model();
    await expect(m.fit(X(4), Y(4), { batchSize: 0, verbose: 0 })).rejects.toThrow(/'batchSize' must be a positive integer/);
    await expect(m.fit(X(4), Y(4), { epochs: 1.5, verbose: 0 })).rejects.toThrow(/'epochs' must be a non-negative integer/);
    await expect(m.fit(X(4), Y(4), { validationSplit: 1, verbose: 0 })).rejects.toThrow(/'validationSplit' must be a number in \[0, 1\)/);
    await expect(m.fit(X(4), Y(4), { callbacks: [{ onEpochEnd: 3 as never }], verbose: 0 })).rejects.toThrow(/callbacks\[0\].onEpochEnd' must be a function/);
  });
});

test('a layer added with the wrong input width is refused', () => {
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 4, inputShape: [3] })] });
  expect(() => m.add(wg.layers.dense({ units: 2, inputShape: [5] }))).toThrow(/has inputShape \[5\], but the previous layer 'dense_Dense\d+' has 4 units/);
  const l = wg.layers.dense({ units: 2, name: 'same' });
  m.add(l);
  expect(() => m.add(wg.layers.dense({ units: 2, name: 'same' }))).toThrow(/a layer named 'same' is already in the model/);
});
