// The MNIST page: train on bundled digits with live charts, draw a digit to
// classify, save and load models (downloads, IndexedDB, TensorFlow.js files).
import * as wg from 'webgradjs';
import { BarChart, LinePlot } from '../shared/chart.js';
import { byId, fillSelect, fmt, h, showError } from '../shared/dom.js';
import { mountLayout } from '../shared/layout.js';
import { loadDigits, type Digits } from '../shared/mnist-data.js';
import { makeRng, shuffleInPlace } from '../shared/random.js';
import { OPTIMIZERS } from '../shared/optimizers.js';
import { publish } from '../shared/state.js';
import { nextFrame, TrainLoop } from '../shared/train-loop.js';
import { drawDigit, DrawPad } from './draw-pad.js';
import { asProbabilities, checkDigitModel, DOWNLOAD_NAME, IDB_URL, loadFromFiles } from './model-io.js';
import { MODEL_CHOICES, modelChoice } from './models.js';

/** The held-out digits: the last 1,000 of the 10,000 (training uses at most the first 8,000). */
const TEST_FROM = 9000;
const TEST_N = 1000;
/** Digits per tick of the training loop (charts update after each). */
const CHUNK = 512;
/** Held-out accuracy is measured after about this many training digits. */
const EVAL_EVERY = 1000;
const GALLERY = 24;

const picker = mountLayout('mnist');
const params = new URLSearchParams(location.search);
const ui = {
  model: byId<HTMLSelectElement>('model'),
  trainSize: byId<HTMLSelectElement>('train-size'),
  epochs: byId<HTMLSelectElement>('epochs'),
  batch: byId<HTMLSelectElement>('batch'),
  optimizer: byId<HTMLSelectElement>('optimizer'),
  lr: byId<HTMLSelectElement>('lr'),
  play: byId<HTMLButtonElement>('play'),
  reset: byId<HTMLButtonElement>('reset'),
  download: byId<HTMLButtonElement>('download'),
  saveIdb: byId<HTMLButtonElement>('save-idb'),
  loadIdb: byId<HTMLButtonElement>('load-idb'),
  files: byId<HTMLInputElement>('files'),
  ioStatus: byId('io-status'),
  modelInfo: byId('model-info'),
};
fillSelect(ui.model, MODEL_CHOICES.map((m) => ({ value: m.id, label: m.label, disabled: m.unavailable !== undefined })), params.get('model') ?? 'mlp');
fillSelect(ui.trainSize, ['1000', '2000', '4000', '8000'], params.get('train') ?? '8000');
fillSelect(ui.epochs, ['1', '2', '3', '5', '10', '20'], params.get('epochs') ?? '5');
fillSelect(ui.batch, ['16', '32', '64', '128'], params.get('batch') ?? '32');
// Plain SGD by default: it gets past 90% within about 1.5 epochs and, having no
// per-weight state, its step is the cheapest on the CPU backend.
fillSelect(ui.optimizer, Object.keys(OPTIMIZERS), params.get('optimizer') ?? 'sgd');
fillSelect(ui.lr, ['0.0003', '0.001', '0.003', '0.01', '0.03', '0.1', '0.3'], params.get('lr') ?? '0.1');

const lossPlot = new LinePlot(byId<HTMLCanvasElement>('loss-chart'), { height: 170, xLabel: 'epoch', logY: true });
const accPlot = new LinePlot(byId<HTMLCanvasElement>('acc-chart'), { height: 170, xLabel: 'epoch', yRange: [0, 1] });
const probChart = new BarChart(byId<HTMLCanvasElement>('probs'), { height: 150, max: 1 });
const pad = new DrawPad(byId<HTMLCanvasElement>('pad'), () => void predictDrawing());
const preview = byId<HTMLCanvasElement>('preview');

let digits: Digits | null = null;
let model: wg.Sequential | null = null;
let modelLabel = '';
/** Shape of one digit for the current model ([784] for an MLP). */
let inputShape = [784];
let compiled = false;
const progress = { epoch: 0, seen: 0, pos: 0, lastEval: 0, rate: NaN, loss: NaN, accuracy: NaN };
let order: number[] = [];
const curves = { lossX: [] as number[], loss: [] as number[], trainAccX: [] as number[], trainAcc: [] as number[], testX: [] as number[], test: [] as number[] };
let drawingState: { input: number[]; probs: number[]; predicted: number; softmaxed: boolean } | null = null;

const trainSize = (): number => Number(ui.trainSize.value);

/** Rows `idx` of the digits as model input and class labels. */
function batchOf(idx: ArrayLike<number>): { x: { data: Float32Array; shape: number[] }; y: { data: Int32Array; shape: number[] } } {
  const d = digits!;
  const x = new Float32Array(idx.length * d.pixels);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    x.set(d.x.subarray(idx[i] * d.pixels, (idx[i] + 1) * d.pixels), i * d.pixels);
    y[i] = d.labels[idx[i]];
  }
  return { x: { data: x, shape: [idx.length, ...inputShape] }, y: { data: y, shape: [idx.length] } };
}

function reshuffle(): void {
  order = shuffleInPlace(Array.from({ length: trainSize() }, (_, i) => i), makeRng(1000 + progress.epoch));
}

function ensureCompiled(m: wg.Sequential): void {
  if (compiled) return;
  m.compile({ optimizer: OPTIMIZERS[ui.optimizer.value](Number(ui.lr.value)), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  compiled = true;
}

/** Accuracy on the held-out digits; fills the gallery with the first of them. */
async function evaluate(): Promise<void> {
  const m = model;
  if (!m) return;
  let correct = 0;
  const predicted = new Int32Array(TEST_N);
  for (let start = 0; start < TEST_N; start += 250) {
    const idx = Array.from({ length: Math.min(250, TEST_N - start) }, (_, i) => TEST_FROM + start + i);
    const out = m.predict(batchOf(idx).x);
    const p = await out.data();
    out.dispose();
    for (let i = 0; i < idx.length; i++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (p[i * 10 + k] > p[i * 10 + best]) best = k;
      predicted[start + i] = best;
      if (best === digits!.labels[idx[i]]) correct++;
    }
    await nextFrame();
  }
  progress.accuracy = correct / TEST_N;
  progress.lastEval = progress.seen;
  curves.testX.push(progress.seen / trainSize());
  curves.test.push(progress.accuracy);
  renderGallery(predicted);
}

function renderGallery(predicted: Int32Array | null): void {
  const d = digits!;
  const cells = Array.from({ length: GALLERY }, (_, i) => {
    const c = h('canvas', { style: 'width:42px;height:42px;image-rendering:pixelated;display:block' });
    drawDigit(c, d.x.subarray((TEST_FROM + i) * d.pixels, (TEST_FROM + i + 1) * d.pixels));
    const label = d.labels[TEST_FROM + i];
    const guess = predicted ? predicted[i] : null;
    const caption = h('div', { class: 'note', style: `text-align:center;color:${guess === null ? 'inherit' : guess === label ? 'var(--good)' : 'var(--bad)'}` },
      guess === null ? `${label}` : `${guess}${guess === label ? '' : ` (${label})`}`);
    return h('div', {}, c, caption);
  });
  byId('gallery').replaceChildren(...cells);
}

function render(): void {
  byId('epoch').textContent = (progress.seen / trainSize()).toFixed(2);
  byId('seen').textContent = progress.seen.toLocaleString('en-US');
  byId('rate').textContent = Number.isFinite(progress.rate) ? Math.round(progress.rate).toLocaleString('en-US') : '–';
  byId('loss').textContent = Number.isFinite(progress.loss) ? fmt(progress.loss, 4) : '–';
  byId('accuracy').textContent = Number.isFinite(progress.accuracy) ? `${(progress.accuracy * 100).toFixed(1)}%` : '–';
  lossPlot.set([{ name: 'training loss', color: '#1d2430', x: curves.lossX, y: curves.loss }]);
  accPlot.set([
    { name: 'training batches', color: '#9aa4b2', x: curves.trainAccX, y: curves.trainAcc },
    { name: 'held-out (1,000 digits)', color: '#2f6fd6', x: curves.testX, y: curves.test, width: 2.5 },
    { name: 'held-out points', color: '#2f6fd6', x: curves.testX, y: curves.test, style: 'dots', width: 3, hideInLegend: true },
  ]);
  publishState();
}

function publishState(): void {
  publish('mnist', {
    model: modelLabel,
    running: loop.busy,
    trainSize: trainSize(),
    epochs: Number(ui.epochs.value),
    seen: progress.seen,
    samplesPerSec: progress.rate,
    loss: curves.loss.slice(),
    heldOutAccuracy: curves.test.slice(),
    accuracy: progress.accuracy,
    /** Digits trained on when `accuracy` was measured (equal to `seen` once stopped). */
    evaluatedAt: progress.lastEval,
    drawing: drawingState,
  });
}

const loop = new TrainLoop(async () => {
  const m = model;
  if (!m || !digits) return false;
  const epochs = Number(ui.epochs.value);
  if (progress.seen >= epochs * trainSize()) return false;
  ensureCompiled(m);
  const idx = order.slice(progress.pos, progress.pos + CHUNK);
  const { x, y } = batchOf(idx);
  const t0 = performance.now();
  const hist = await m.fit(x, y, { epochs: 1, batchSize: Number(ui.batch.value), shuffle: false, verbose: 0 });
  const dt = performance.now() - t0;
  const rate = (idx.length * 1000) / dt;
  progress.rate = Number.isFinite(progress.rate) ? 0.7 * progress.rate + 0.3 * rate : rate;
  progress.loss = hist.history.loss.at(-1) ?? NaN;
  progress.seen += idx.length;
  progress.pos += idx.length;
  curves.lossX.push(progress.seen / trainSize());
  curves.loss.push(progress.loss);
  curves.trainAccX.push(progress.seen / trainSize());
  curves.trainAcc.push(hist.history.acc?.at(-1) ?? NaN);
  const epochDone = progress.pos >= trainSize();
  if (epochDone) {
    progress.epoch++;
    progress.pos = 0;
    reshuffle();
  }
  // Measure after each epoch and every EVAL_EVERY digits; the loop's settle
  // (below) measures the model where training stops.
  if (epochDone || progress.seen - progress.lastEval >= EVAL_EVERY) await evaluate();
  render();
  await predictDrawing();
  return progress.seen < epochs * trainSize();
}, (running) => {
  ui.play.textContent = running ? 'Pause' : 'Train';
  for (const b of [ui.reset, ui.loadIdb, ui.files]) b.disabled = running;
  publishState();
}, async () => {
  // Stopped (paused or finished): the accuracy shown and published is the
  // stopped model's, the one that a download saves.
  if (progress.lastEval === progress.seen) return;
  await evaluate();
  render();
});

/** Makes `m` the page's model (fresh or loaded) and starts its counters at zero. */
async function useModel(m: wg.Sequential, label: string, shape: number[]): Promise<void> {
  await loop.pause();
  model?.dispose();
  model = m;
  modelLabel = label;
  inputShape = shape;
  compiled = false;
  Object.assign(progress, { epoch: 0, seen: 0, pos: 0, lastEval: 0, rate: NaN, loss: NaN, accuracy: NaN });
  for (const c of Object.values(curves)) c.length = 0;
  reshuffle();
  ui.modelInfo.textContent = `${label}: ${m.countParams().toLocaleString('en-US')} parameters`;
  for (const b of [ui.play, ui.reset, ui.download, ui.saveIdb]) b.disabled = false;
  await evaluate();
  render();
  await predictDrawing();
}

async function resetModel(): Promise<void> {
  const choice = modelChoice(ui.model.value);
  await useModel(choice.build(), choice.label, choice.inputShape);
}

// ---- drawing ----

let predicting: Promise<void> | null = null;
let again = false;

/** Classifies the drawing (one prediction at a time; the latest drawing wins). */
async function predictDrawing(): Promise<void> {
  if (predicting) {
    again = true;
    return predicting;
  }
  predicting = (async () => {
    do {
      again = false;
      const px = pad.pixels();
      drawDigit(preview, px);
      if (!px || !model) {
        drawingState = null;
        probChart.set(Array.from({ length: 10 }, (_, k) => ({ label: String(k), value: 0, text: '' })));
        byId('prediction').textContent = '–';
        continue;
      }
      const out = model.predict({ data: px, shape: [1, ...inputShape] });
      const raw = (await out.data()) as Float32Array;
      out.dispose();
      const { probs, softmaxed } = asProbabilities(raw);
      let best = 0;
      for (let k = 1; k < 10; k++) if (probs[k] > probs[best]) best = k;
      drawingState = { input: Array.from(px), probs: Array.from(probs), predicted: best, softmaxed };
      byId('prediction').textContent = `${best} (${(probs[best] * 100).toFixed(0)}%)${softmaxed ? ' · softmax applied to the model\'s outputs' : ''}`;
      probChart.set(Array.from(probs, (p, k) => ({ label: String(k), value: p, text: `${Math.round(p * 100)}`, color: k === best ? '#2f6fd6' : '#9ab8e8' })));
    } while (again);
    publishState();
  })().finally(() => {
    predicting = null;
  });
  return predicting;
}

byId('clear').addEventListener('click', () => pad.clear());

// ---- controls ----

ui.play.addEventListener('click', () => {
  if (loop.running) {
    void loop.pause();
    return;
  }
  if (progress.seen >= Number(ui.epochs.value) * trainSize()) ui.epochs.value = String(Math.ceil(progress.seen / trainSize()) + 1);
  loop.start();
});
ui.reset.addEventListener('click', () => void resetModel().catch((e) => showError('reset', e)));
ui.model.addEventListener('change', () => void resetModel().catch((e) => showError('model', e)));
ui.trainSize.addEventListener('change', () => {
  progress.pos = 0;
  reshuffle();
});
for (const el of [ui.optimizer, ui.lr]) {
  el.addEventListener('change', () => {
    compiled = false; // the next tick compiles with the new optimizer (its state starts fresh)
  });
}

async function io(what: string, fn: () => Promise<string>): Promise<void> {
  ui.ioStatus.textContent = `${what}…`;
  try {
    ui.ioStatus.textContent = await fn();
  } catch (e) {
    ui.ioStatus.textContent = `${what} failed: ${e instanceof Error ? e.message : String(e)}`;
    console.warn(`${what}:`, e);
  }
  publish('io', { status: ui.ioStatus.textContent });
}

ui.download.addEventListener('click', () => void io('downloading', async () => {
  await loop.pause();
  await model!.save(`downloads://${DOWNLOAD_NAME}`);
  return `downloaded ${DOWNLOAD_NAME}.json and ${DOWNLOAD_NAME}.weights.bin`;
}));
ui.saveIdb.addEventListener('click', () => void io('saving', async () => {
  await loop.pause();
  await model!.save(IDB_URL);
  return `saved as ${IDB_URL}`;
}));
ui.loadIdb.addEventListener('click', () => void io('loading', async () => {
  const m = await wg.loadLayersModel(IDB_URL);
  await useModel(m, `loaded from ${IDB_URL}`, checkDigitModel(m, IDB_URL));
  return `loaded ${IDB_URL}: held-out accuracy ${(progress.accuracy * 100).toFixed(1)}%`;
}));
ui.files.addEventListener('change', () => void io('opening files', async () => {
  const files = Array.from(ui.files.files ?? []);
  ui.files.value = '';
  const m = await loadFromFiles(files);
  const name = files.find((f) => f.name.endsWith('.json'))?.name ?? 'model.json';
  await useModel(m, `loaded from ${files.map((f) => f.name).join(' + ')}`, checkDigitModel(m, name));
  return `opened ${name}: held-out accuracy ${(progress.accuracy * 100).toFixed(1)}%`;
}));

let resumeAfterSwitch = false;
picker.onSwitch({
  beforeSwitch: async () => {
    resumeAfterSwitch = loop.running;
    await loop.pause();
  },
  afterSwitch: () => {
    if (resumeAfterSwitch) loop.start();
  },
});

try {
  const [, d] = await Promise.all([picker.start(), loadDigits()]);
  digits = d;
  await resetModel();
  publish('ready', true);
} catch (e) {
  showError('start', e);
}
