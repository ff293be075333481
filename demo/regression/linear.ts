// Linear regression from the course notes: y = x1 - x2 + x3 - x4 (bias 0) on
// 256 samples with features uniform in [-1, 1]; one Dense unit trained with
// SGD on the mean squared error. The page shows the learned weights and bias
// converging to the true ones.
import * as wg from 'webgradjs';
import { LinePlot } from '../shared/chart.js';
import { byId, fillSelect, fmt, h } from '../shared/dom.js';
import { makeRng } from '../shared/random.js';
import { publish } from '../shared/state.js';
import { TrainLoop } from '../shared/train-loop.js';

export const TRUE_WEIGHTS = [1, -1, 1, -1];
export const TRUE_BIAS = 0;
const SAMPLES = 256;
const MAX_EPOCHS = 200;
const COLOURS = ['#2f6fd6', '#e07b39', '#23803c', '#9c27b0', '#5b6575'];

function makeData(): { x: { data: Float32Array; shape: number[] }; y: { data: Float32Array; shape: number[] } } {
  const rand = makeRng(12345);
  const x = new Float32Array(SAMPLES * 4).map(() => rand() * 2 - 1);
  const y = new Float32Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    let s = TRUE_BIAS;
    for (let j = 0; j < 4; j++) s += x[i * 4 + j] * TRUE_WEIGHTS[j];
    y[i] = s;
  }
  return { x: { data: x, shape: [SAMPLES, 4] }, y: { data: y, shape: [SAMPLES, 1] } };
}

/** Wires the section up and trains nothing yet; resolves once its first model is drawn. */
export async function setupLinear(): Promise<TrainLoop> {
  const lr = byId<HTMLSelectElement>('lin-lr');
  const speed = byId<HTMLSelectElement>('lin-speed');
  const params = new URLSearchParams(location.search);
  fillSelect(lr, ['0.01', '0.03', '0.1', '0.3'], params.get('linlr') ?? '0.1');
  fillSelect(speed, [{ value: '5', label: '5 epochs/s' }, { value: '20', label: '20 epochs/s' }, { value: '1000', label: 'as fast as it goes' }], params.get('speed') ?? '20');
  const weightPlot = new LinePlot(byId<HTMLCanvasElement>('lin-weights'), { height: 220, xLabel: 'epoch' });
  const lossPlot = new LinePlot(byId<HTMLCanvasElement>('lin-loss-chart'), { height: 220, xLabel: 'epoch', logY: true });
  const data = makeData();
  let model: wg.Sequential | null = null;
  let epoch = 0;
  const hist = { epoch: [] as number[], params: [[], [], [], [], []] as number[][], loss: [] as number[] };

  async function measure(loss: number): Promise<void> {
    const [kernel, bias] = model!.getWeights();
    const values = [...(await kernel.data()), ...(await bias.data())];
    wg.dispose([kernel, bias]);
    hist.epoch.push(epoch);
    values.forEach((v, i) => hist.params[i].push(v));
    if (Number.isFinite(loss)) hist.loss.push(loss);
    const truth = [...TRUE_WEIGHTS, TRUE_BIAS];
    const names = ['w₁', 'w₂', 'w₃', 'w₄', 'bias'];
    byId('lin-table').replaceChildren(
      h('tr', {}, h('th', {}, ''), h('th', {}, 'true'), h('th', {}, 'learned'), h('th', {}, 'error')),
      ...truth.map((t, i) => h('tr', {},
        h('td', { style: `color:${COLOURS[i]}` }, names[i]),
        h('td', { class: 'num' }, String(t)),
        h('td', { class: 'num' }, values[i].toFixed(4)),
        h('td', { class: 'num' }, fmt(Math.abs(values[i] - t), 4)))),
    );
    byId('lin-epoch').textContent = String(epoch);
    byId('lin-loss').textContent = Number.isFinite(loss) ? fmt(loss, 5) : '–';
    weightPlot.set([
      ...hist.params.map((p, i) => ({ name: names[i], color: COLOURS[i], x: hist.epoch, y: p })),
      ...truth.map((t, i) => ({ name: `${names[i]} true`, color: COLOURS[i], x: [0, Math.max(10, epoch)], y: [t, t], style: 'dashed' as const, width: 1, hideInLegend: true })),
    ]);
    lossPlot.set([{ name: 'training loss', color: '#1d2430', x: hist.epoch.slice(1), y: hist.loss }]);
    publish('linear', { epoch, weights: values.slice(0, 4), bias: values[4], loss: hist.loss.slice(), running: loop.busy });
  }

  async function reset(): Promise<void> {
    await loop.pause();
    model?.dispose();
    model = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [4] })] });
    model.compile({ optimizer: wg.train.sgd(Number(lr.value)), loss: 'meanSquaredError' });
    epoch = 0;
    hist.epoch.length = hist.loss.length = 0;
    for (const p of hist.params) p.length = 0;
    await measure(NaN);
  }

  const loop = new TrainLoop(async () => {
    if (!model) return false;
    const t0 = performance.now();
    const h = await model.fit(data.x, data.y, { epochs: 1, batchSize: 32, shuffle: true, verbose: 0 });
    epoch++;
    await measure(h.history.loss.at(-1) ?? NaN);
    const wait = 1000 / Number(speed.value) - (performance.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return epoch < MAX_EPOCHS;
  }, (running) => {
    byId('lin-play').textContent = running ? 'Pause' : 'Train';
    publish('linear', { ...(window.demo.linear as object), running });
    byId<HTMLButtonElement>('lin-step').disabled = running;
  });

  byId('lin-play').addEventListener('click', () => (loop.running ? void loop.pause() : loop.start()));
  byId('lin-step').addEventListener('click', () => void loop.step());
  byId('lin-reset').addEventListener('click', () => void reset());
  lr.addEventListener('change', () => void reset());
  await reset();
  return loop;
}
