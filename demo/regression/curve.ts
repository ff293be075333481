// Curve fit: a small network learns a 1-D function from noisy samples; the
// fitted curve is redrawn over the data as it trains.
import * as wg from 'webgradjs';
import { LinePlot } from '../shared/chart.js';
import { byId, fillSelect, fmt } from '../shared/dom.js';
import { makeGaussian, makeRng } from '../shared/random.js';
import { publish } from '../shared/state.js';
import { TrainLoop } from '../shared/train-loop.js';

const FUNCTIONS: Record<string, { label: string; f: (x: number) => number }> = {
  sine: { label: 'sin(4.5x)', f: (x) => Math.sin(4.5 * x) },
  cubic: { label: '4x³ − 3x', f: (x) => 4 * x ** 3 - 3 * x },
  abs: { label: '2|x| − 1', f: (x) => 2 * Math.abs(x) - 1 },
  step: { label: 'step at 0', f: (x) => (x < 0 ? -0.5 : 0.5) },
};
const POINTS = 120;
const CURVE_POINTS = 161;
const EPOCHS_PER_TICK = 5;

/** Wires the section up and trains nothing yet; resolves once its first model is drawn. */
export async function setupCurve(): Promise<TrainLoop> {
  const ui = {
    fn: byId<HTMLSelectElement>('fn'),
    noise: byId<HTMLInputElement>('fn-noise'),
    hidden: byId<HTMLInputElement>('fn-hidden'),
    activation: byId<HTMLSelectElement>('fn-activation'),
    lr: byId<HTMLSelectElement>('fn-lr'),
  };
  const params = new URLSearchParams(location.search);
  fillSelect(ui.fn, Object.entries(FUNCTIONS).map(([value, { label }]) => ({ value, label })), params.get('fn') ?? 'sine');
  fillSelect(ui.activation, wg.layers.ACTIVATION_NAMES.filter((a) => a !== 'softmax'), 'tanh');
  fillSelect(ui.lr, ['0.001', '0.003', '0.01', '0.03'], '0.01');
  const plot = new LinePlot(byId<HTMLCanvasElement>('fn-plot'), { height: 240, xRange: [-1, 1] });
  const lossPlot = new LinePlot(byId<HTMLCanvasElement>('fn-loss-chart'), { height: 240, xLabel: 'epoch', logY: true });
  const gridX = Float32Array.from({ length: CURVE_POINTS }, (_, i) => -1 + (2 * i) / (CURVE_POINTS - 1));

  let data = { x: new Float32Array(0), y: new Float32Array(0) };
  let model: wg.Sequential | null = null;
  let epoch = 0;
  const hist = { epoch: [] as number[], loss: [] as number[] };

  function makeData(): void {
    const rand = makeRng(777);
    const gauss = makeGaussian(rand);
    const f = FUNCTIONS[ui.fn.value].f;
    const sd = Number(ui.noise.value) / 100;
    const x = Float32Array.from({ length: POINTS }, () => rand() * 2 - 1);
    data = { x, y: x.map((v) => f(v) + sd * gauss()) };
  }

  async function draw(): Promise<void> {
    const out = model!.predict({ data: gridX, shape: [CURVE_POINTS, 1] });
    const fitted = Float32Array.from(await out.data());
    out.dispose();
    const f = FUNCTIONS[ui.fn.value].f;
    plot.set([
      { name: 'samples', color: '#9aa4b2', x: data.x, y: data.y, style: 'dots' },
      { name: 'truth', color: '#5b6575', x: gridX, y: gridX.map(f), style: 'dashed', width: 1.25 },
      { name: 'network', color: '#2f6fd6', x: gridX, y: fitted, width: 2.5 },
    ]);
    lossPlot.set([{ name: 'training loss', color: '#1d2430', x: hist.epoch, y: hist.loss }]);
    byId('fn-epoch').textContent = String(epoch);
    byId('fn-loss').textContent = hist.loss.length ? fmt(hist.loss.at(-1)!, 5) : '–';
    publish('curve', { epoch, loss: hist.loss.slice(), fitted: Array.from(fitted), running: loop.busy });
  }

  async function reset({ newData = false } = {}): Promise<void> {
    await loop.pause();
    const hidden = ui.hidden.value.split(/[\s,]+/).filter(Boolean).map(Number);
    if (hidden.length > 6 || !hidden.every((u) => Number.isInteger(u) && u >= 1 && u <= 128)) {
      ui.hidden.style.outline = '2px solid red';
      return;
    }
    ui.hidden.style.outline = '';
    if (newData || data.x.length === 0) makeData();
    model?.dispose();
    const act = ui.activation.value as wg.layers.ActivationIdentifier;
    const layers = hidden.map((units, i) => wg.layers.dense({ units, activation: act, ...(i === 0 ? { inputShape: [1] } : {}) }));
    layers.push(wg.layers.dense({ units: 1, ...(layers.length === 0 ? { inputShape: [1] } : {}) }));
    model = wg.sequential({ layers });
    model.compile({ optimizer: wg.train.adam(Number(ui.lr.value)), loss: 'meanSquaredError' });
    epoch = 0;
    hist.epoch.length = hist.loss.length = 0;
    await draw();
  }

  const loop = new TrainLoop(async () => {
    if (!model) return false;
    const h = await model.fit({ data: data.x, shape: [POINTS, 1] }, { data: data.y, shape: [POINTS, 1] }, { epochs: EPOCHS_PER_TICK, batchSize: 32, verbose: 0 });
    epoch += EPOCHS_PER_TICK;
    hist.epoch.push(epoch);
    hist.loss.push(h.history.loss.at(-1) ?? NaN);
    await draw();
    return true;
  }, (running) => {
    byId('fn-play').textContent = running ? 'Pause' : 'Train';
    publish('curve', { ...(window.demo.curve as object), running });
    byId<HTMLButtonElement>('fn-step').disabled = running;
  });

  byId('fn-play').addEventListener('click', () => (loop.running ? void loop.pause() : loop.start()));
  byId('fn-step').addEventListener('click', () => void loop.step());
  byId('fn-reset').addEventListener('click', () => void reset());
  for (const el of [ui.fn, ui.noise]) el.addEventListener('change', () => void reset({ newData: true }));
  for (const el of [ui.hidden, ui.activation, ui.lr]) el.addEventListener('change', () => void reset());
  await reset({ newData: true });
  return loop;
}
