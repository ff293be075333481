// The playground page: pick a data set and a network, train it live, watch the
// decision boundary, the loss curves and the weights.
import type * as wg from 'webgradjs';
import { LinePlot } from '../shared/chart.js';
import { byId, fillSelect, fmt, showError } from '../shared/dom.js';
import { mountLayout } from '../shared/layout.js';
import { publish } from '../shared/state.js';
import { TrainLoop } from '../shared/train-loop.js';
import { DATASET_LABELS, DATASETS, makePoints, splitPoints, type DatasetName, type Split } from './datasets.js';
import { OPTIMIZERS } from '../shared/optimizers.js';
import { ACTIVATIONS, LOSSES, Net, parseHidden, type NetConfig } from './network.js';
import { BoundaryView, drawNetwork, gridInputs } from './views.js';

const picker = mountLayout('playground');

const ui = {
  dataset: byId<HTMLSelectElement>('dataset'),
  noise: byId<HTMLInputElement>('noise'),
  split: byId<HTMLInputElement>('split'),
  points: byId<HTMLSelectElement>('points'),
  showTest: byId<HTMLInputElement>('show-test'),
  hidden: byId<HTMLInputElement>('hidden'),
  activation: byId<HTMLSelectElement>('activation'),
  loss: byId<HTMLSelectElement>('loss'),
  optimizer: byId<HTMLSelectElement>('optimizer'),
  lr: byId<HTMLSelectElement>('lr'),
  batch: byId<HTMLSelectElement>('batch'),
  play: byId<HTMLButtonElement>('play'),
  step: byId<HTMLButtonElement>('step'),
  reset: byId<HTMLButtonElement>('reset'),
};

// Defaults can come from the URL too (?dataset=spiral&activation=relu ...), for links and tests.
const params = new URLSearchParams(location.search);
fillSelect(ui.dataset, DATASETS.map((d) => ({ value: d, label: DATASET_LABELS[d] })), params.get('dataset') ?? 'circle');
fillSelect(ui.activation, ACTIVATIONS, params.get('activation') ?? 'tanh');
fillSelect(ui.loss, LOSSES, params.get('loss') ?? 'binaryCrossentropy');
fillSelect(ui.optimizer, Object.keys(OPTIMIZERS), params.get('optimizer') ?? 'adam');
fillSelect(ui.lr, ['0.001', '0.003', '0.01', '0.03', '0.1', '0.3', '1'], params.get('lr') ?? '0.03');
fillSelect(ui.batch, ['1', '4', '10', '16', '32', '64'], params.get('batch') ?? '16');
if (params.get('hidden') !== null) ui.hidden.value = params.get('hidden')!;

const boundary = new BoundaryView(byId<HTMLCanvasElement>('boundary'));
const lossPlot = new LinePlot(byId<HTMLCanvasElement>('loss-chart'), { height: 180, xLabel: 'epoch', logY: true });
const networkCanvas = byId<HTMLCanvasElement>('network');
networkCanvas.style.height = '220px';
networkCanvas.style.width = '100%';
const grid = gridInputs();

let data: Split = { train: [], test: [] };
let net: Net | null = null;
let epoch = 0;
const curve = { epoch: [] as number[], train: [] as number[], test: [] as number[] };
let probs: Float32Array | null = null;
let testAccuracy = NaN;

function readConfig(): NetConfig | null {
  const hidden = parseHidden(ui.hidden.value);
  ui.hidden.style.outlineColor = hidden ? '' : 'red';
  ui.hidden.style.outline = hidden ? '' : '2px solid red';
  if (!hidden) return null;
  return { hidden, activation: ui.activation.value, loss: ui.loss.value as wg.layers.LossIdentifier, optimizer: ui.optimizer.value, learningRate: Number(ui.lr.value) };
}

function makeData(): void {
  const pts = makePoints(ui.dataset.value as DatasetName, Number(ui.points.value), Number(ui.noise.value) / 100, 1234);
  data = splitPoints(pts, Number(ui.split.value) / 100, 99);
}

function drawBoundary(): void {
  boundary.draw(probs, data.train, data.test, ui.showTest.checked);
}

/** Measures the current model (losses, boundary, weights) and shows and publishes it. */
async function measure(): Promise<void> {
  if (!net) return;
  const [[trainLoss], [testLoss, acc], p, weights] = await Promise.all([
    net.evaluate(data.train), net.evaluate(data.test), net.probabilities(grid), net.weights(),
  ]);
  probs = p;
  testAccuracy = acc;
  curve.epoch.push(epoch);
  curve.train.push(trainLoss);
  curve.test.push(testLoss);
  byId('epoch').textContent = String(epoch);
  byId('train-loss').textContent = fmt(trainLoss, 4);
  byId('test-loss').textContent = fmt(testLoss, 4);
  byId('test-acc').textContent = `${(acc * 100).toFixed(1)}%`;
  drawBoundary();
  lossPlot.set([
    { name: 'train', color: '#1d2430', x: curve.epoch, y: curve.train },
    { name: 'test', color: '#2f6fd6', x: curve.epoch, y: curve.test, style: 'dashed' },
  ]);
  drawNetwork(networkCanvas, weights);
  publishState();
}

function publishState(): void {
  publish('playground', {
    epoch,
    running: loop.busy,
    config: net?.config ?? null,
    trainPoints: data.train.length,
    testPoints: data.test.length,
    trainLoss: curve.train.slice(),
    testLoss: curve.test.slice(),
    testAccuracy,
    grid: probs ? Array.from(probs) : null,
  });
}

const loop = new TrainLoop(async () => {
  if (!net) return false;
  await net.epoch(data.train, Number(ui.batch.value));
  epoch++;
  await measure();
  return true;
}, (running) => {
  ui.play.textContent = running ? 'Pause' : 'Train';
  ui.step.disabled = running;
  publishState();
});

/** Starts over: new data if asked, fresh weights, epoch 0. */
async function reset({ newData = false } = {}): Promise<void> {
  await loop.pause();
  const config = readConfig();
  if (!config) return;
  if (newData || data.train.length === 0) makeData();
  net?.dispose();
  net = new Net(config);
  epoch = 0;
  curve.epoch.length = curve.train.length = curve.test.length = 0;
  await measure();
}

ui.play.addEventListener('click', () => (loop.running ? void loop.pause() : loop.start()));
ui.step.addEventListener('click', () => void loop.step());
ui.reset.addEventListener('click', () => void reset().catch((e) => showError('reset', e)));
for (const el of [ui.dataset, ui.noise, ui.split, ui.points]) el.addEventListener('change', () => void reset({ newData: true }).catch((e) => showError('reset', e)));
for (const el of [ui.hidden, ui.activation, ui.loss, ui.optimizer, ui.lr]) el.addEventListener('change', () => void reset().catch((e) => showError('reset', e)));
ui.showTest.addEventListener('change', drawBoundary);

let resumeAfterSwitch = false;
picker.onSwitch({
  beforeSwitch: async () => {
    resumeAfterSwitch = loop.running;
    await loop.pause();
  },
  afterSwitch: () => {
    // The model and its optimizer state move to the new backend with it.
    if (resumeAfterSwitch) loop.start();
  },
});

try {
  await picker.start();
  await reset({ newData: true });
  publish('ready', true);
} catch (e) {
  showError('start', e);
}
