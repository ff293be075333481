// The Layer interface carries what layers beyond Dense need, checked with
// small layers defined here against float64 references: a training flag
// and a non-trainable weight updated by training steps (a centering layer
// with a moving mean, as batch normalization keeps), outputs of rank 3
// between layers, rollback of that weight with the rest when a loss turns
// NaN, and saving / loading a layer class through the layer registry.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

type Shape = wg.layers.SymbolicShape;

/** y = x - batch mean while training (updating a moving mean), x - moving mean otherwise. */
class Center extends wg.layers.BaseLayer {
  readonly className = 'Center';
  readonly momentum: number;
  constructor(args: wg.layers.BaseLayerArgs & { momentum?: number } = {}) {
    super('center', 'center_Center', args);
    this.momentum = args.momentum ?? 0.9;
  }
  get movingMean(): wg.Variable {
    return this.weights[0];
  }
  weightSpecs(s: Shape): wg.layers.WeightSpec[] {
    return [{ name: 'moving_mean', shape: [s[s.length - 1] as number], initializer: wg.initializers.zeros(), trainable: false }];
  }
  computeOutputShape(s: Shape): Shape {
    return s;
  }
  call(x: wg.Tensor, ctx: wg.layers.CallContext): wg.Tensor {
    const mm = ctx.read(this.movingMean);
    if (!ctx.training) return wg.sub(x, mm);
    const m = wg.mean(x, 0);
    ctx.update(this.movingMean, wg.add(wg.mul(mm, this.momentum), wg.mul(m, 1 - this.momentum)));
    return wg.sub(x, m);
  }
  getConfig(): wg.layers.LayerConfig & { momentum: number } {
    return { ...this.baseConfig(), momentum: this.momentum };
  }
}

/** [batch, f] → [batch, 2, f]: rows x and 2x. */
class Stack2 extends wg.layers.BaseLayer {
  readonly className = 'Stack2';
  constructor() {
    super('stack2', 'stack2_Stack2', {});
  }
  weightSpecs(): wg.layers.WeightSpec[] {
    return [];
  }
  computeOutputShape(s: Shape): Shape {
    return [s[0], 2, ...s.slice(1)];
  }
  call(x: wg.Tensor): wg.Tensor {
    const [b, f] = x.shape;
    return wg.mul(wg.broadcastTo(wg.reshape(x, [b, 1, f]), [b, 2, f]), wg.tensor([[1], [2]]));
  }
  getConfig(): wg.layers.LayerConfig {
    return this.baseConfig();
  }
}

/** [batch, ...] → [batch, product]. */
class Flatten extends wg.layers.BaseLayer {
  readonly className = 'Flatten';
  constructor() {
    super('flatten', 'flatten_Flatten', {});
  }
  weightSpecs(): wg.layers.WeightSpec[] {
    return [];
  }
  computeOutputShape(s: Shape): Shape {
    const rest = s.slice(1);
    return [s[0], rest.every((d) => d !== null) ? (rest as number[]).reduce((a, b) => a * b, 1) : null];
  }
  call(x: wg.Tensor): wg.Tensor {
    return wg.reshape(x, [x.shape[0], -1]);
  }
  getConfig(): wg.layers.LayerConfig {
    return this.baseConfig();
  }
}

wg.layers.registerLayerClass('Center', (config) => new Center(config));

const X = [[1, 2, 3], [2, -1, 0.5], [0, 4, -2], [3, 3, 1], [-1, 0, 2], [5, 1, -1], [2, 2, 2], [0.5, -3, 4]];
const Y = X.map(([a, b, c]) => [a - b + 0.5 * c]);

async function values(t: wg.Tensor | wg.Variable): Promise<number[]> {
  return Array.from(await t.data());
}

/** Dense output (x - center) K + b in float64. */
function denseRef(x: number[][], center: number[], k: number[], b: number[]): number[] {
  return x.map((r) => r.reduce((s, v, i) => s + (v - center[i]) * k[i], b[0]));
}

function centered(): wg.Sequential {
  return wg.sequential({ layers: [new Center({ inputShape: [3], name: 'center' }), wg.layers.dense({ units: 1, name: 'out', kernelInitializer: wg.initializers.glorotUniform({ seed: 4 }) })] });
}

describeEachBackend('Layer interface', () => {
  test('training steps update non-trainable weights; predict and evaluate run with training false', async () => {
    const m = centered();
    const center = m.layers[0] as Center;
    expect(m.nonTrainableWeights.map((v) => v.name)).toEqual(['center/moving_mean']);
    expect(m.trainableWeights.map((v) => v.name)).toEqual(['out/kernel', 'out/bias']);
    const text = m.summary(undefined, undefined, () => {});
    expect(text).toMatch(/center \(Center\)\s+\[null,3\]\s+3/);
    expect(text).toContain('Non-trainable params: 3');
    m.compile({ optimizer: wg.train.sgd(0.01), loss: 'meanSquaredError' });
    await m.fit(X, Y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
    // Reference: four steps over the batches rows 0-3, 4-7, 0-3, 4-7.
    let mm = [0, 0, 0];
    for (const start of [0, 4, 0, 4]) {
      const rows = X.slice(start, start + 4);
      mm = mm.map((v, i) => 0.9 * v + 0.1 * rows.reduce((s, r) => s + r[i], 0) / 4);
    }
    const got = await values(center.movingMean);
    got.forEach((v, i) => expect(v).toBeCloseTo(mm[i], 5));
    // TF.js order: the trainable weights (out/kernel, out/bias) first, then center/moving_mean.
    const [k, b] = await Promise.all(m.getWeights().slice(0, 2).map(values));
    const expected = denseRef(X, got, k, b);
    const pred = await values(m.predict(X));
    pred.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    const mse = expected.reduce((s, v, i) => s + (v - Y[i][0]) ** 2, 0) / X.length;
    expect((await values(m.evaluate(X, Y) as wg.Tensor))[0]).toBeCloseTo(mse, 4);
    expect((await values(m.evaluate(X, Y, { batchSize: 3 }) as wg.Tensor))[0]).toBeCloseTo(mse, 4);
    // Evaluation does not move the statistics.
    expect(await values(center.movingMean)).toEqual(got);
    m.dispose();
  });

  test('a NaN loss rolls back the non-trainable weights with the rest', async () => {
    const m = wg.sequential({ layers: [new Center({ inputShape: [3] }), wg.layers.dense({ units: 1, kernelInitializer: 'ones' })] });
    m.compile({ optimizer: wg.train.sgd(50), loss: 'meanSquaredError' });
    const x = Array.from({ length: 64 }, (_, i) => [1 + (i % 3), 2 - (i % 5) / 2, (i % 7) - 3]);
    const y = x.map(([a, b]) => [30 * a - b]);
    const before: number[][] = [];
    const err = await m.fit(x, y, {
      epochs: 20, batchSize: 8, shuffle: false, verbose: 0,
      callbacks: { onBatchBegin: async () => void before.push(await values((m.layers[0] as Center).movingMean)) },
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/the loss became/);
    // The failing step is the last one begun; its update of the moving mean is undone.
    expect(before.length).toBeGreaterThan(1);
    expect(await values((m.layers[0] as Center).movingMean)).toEqual(before[before.length - 1]);
    expect(before[before.length - 1]).not.toEqual(before[0]);
    m.dispose();
  });

  test('outputs of rank 3 between layers: shapes, summary, predict and a training step', async () => {
    const m = wg.sequential({ layers: [new Stack2(), new Flatten(), wg.layers.dense({ units: 2, kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }), biasInitializer: 'ones' })] });
    m.build(3);
    expect(m.outputShape).toEqual([null, 2]);
    const text = m.summary(undefined, undefined, () => {});
    expect(text).toMatch(/\(Stack2\)\s+\[null,2,3\]\s+0/);
    expect(text).toMatch(/\(Flatten\)\s+\[null,6\]\s+0/);
    const [k, b] = await Promise.all(m.getWeights().map(values));
    // Reference: h = [x, 2x] flattened, out = h K + b.
    const ref = X.map((r) => {
      const h = [...r, ...r.map((v) => 2 * v)];
      return [0, 1].map((u) => h.reduce((s, v, i) => s + v * k[i * 2 + u], b[u]));
    });
    const pred = await values(m.predict(X));
    pred.forEach((v, i) => expect(v).toBeCloseTo(ref[Math.floor(i / 2)][i % 2], 4));
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const y = X.map(([a, c]) => [a, c]);
    const loss = await m.trainOnBatch(X, y);
    const mse = ref.reduce((s, r, i) => s + (r[0] - y[i][0]) ** 2 + (r[1] - y[i][1]) ** 2, 0) / (2 * X.length);
    expect(loss).toBeCloseTo(mse, 4);
    m.dispose();
  });
});

test('a registered layer class saves and loads, with its non-trainable weights and config', async () => {
  await wg.ready({ backend: 'cpu' });
  const m = centered();
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  await m.fit(X, Y, { epochs: 1, batchSize: 8, verbose: 0 });
  let artifacts: wg.io.ModelArtifacts | null = null;
  await m.save(wg.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const topo = artifacts!.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  expect(topo.config.layers.map((l) => l.class_name)).toEqual(['Center', 'Dense']);
  expect(topo.config.layers[0].config.momentum).toBe(0.9);
  expect(artifacts!.weightSpecs!.map((s) => s.name)).toEqual(['center/moving_mean', 'out/kernel', 'out/bias']);
  const loaded = await wg.loadLayersModel(wg.io.fromMemory(artifacts!));
  expect(loaded.layers.map((l) => l.className)).toEqual(['Center', 'Dense']);
  expect(loaded.layers[0].getConfig()).toEqual(m.layers[0].getConfig());
  expect(await values((loaded.layers[0] as Center).movingMean)).toEqual(await values((m.layers[0] as Center).movingMean));
  expect(await values(loaded.predict(X))).toEqual(await values(m.predict(X)));
  // Through getConfig() too (fresh weights).
  const again = wg.sequentialFromConfig(m.getConfig());
  expect(again.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
  // A class nobody registered is named, with the classes that are.
  expect(() => wg.sequentialFromConfig({ name: 's', layers: [{ className: 'Conv9D', config: { name: 'c', trainable: true } }] })).toThrow(/layer class 'Conv9D' is not supported; supported classes: 'Dense', 'Conv2D', .*'Center'/);
  expect(() => wg.layers.registerLayerClass('Dense', () => new Center())).toThrow(/already registered/);
  for (const model of [m, loaded, again]) model.dispose();
});
