// Bench workloads: what is measured and how each result is checked. Every
// workload takes a system adapter (bench/systems/*.mjs), checks its result
// against a float64 CPU reference before timing it, runs warm-ups, then timed
// repetitions that each end with the result read back to JavaScript.
import { uniform, mlpWeights, cnnWeights, cnnLoss, checkMatmul, mlpForward, mlpSgdLosses, accuracy, shiftImages, now } from './lib/common.mjs';

const refCache = {}; // float64 reference losses per workload (same data and weights for every system)

const MNIST_MLP = { sizes: [784, 256, 256, 10], acts: ['relu', 'relu', 'softmax'], loss: 'categoricalCrossentropy', optimizer: { name: 'sgd', lr: 0.1 } };
const TINY_MLP = { sizes: [2, 16, 16, 1], acts: ['tanh', 'tanh', 'sigmoid'], loss: 'binaryCrossentropy', optimizer: { name: 'sgd', lr: 0.1 } };
const TO93_MLP = { sizes: [784, 128, 10], acts: ['relu', 'softmax'], loss: 'categoricalCrossentropy', optimizer: { name: 'adam', lr: 3e-3 } };
// conv 3x3x32 relu -> maxpool 2 -> conv 3x3x64 relu -> maxpool 2 -> flatten -> dense 128 relu -> dense 10 softmax
const CNN_LAYERS = [{ conv: [3, 3, 1, 32] }, { conv: [3, 3, 32, 64] }, { dense: [5 * 5 * 64, 128] }, { dense: [128, 10] }];
const MNIST_CNN = { input: [28, 28, 1], layers: CNN_LAYERS, loss: 'categoricalCrossentropy', optimizer: { name: 'sgd', lr: 0.01 } };
// cnn-mnist-to-98: that CNN to 98% on the 2,000 held-out digits after training on the other 8,000. Without help it tops
// out near 97.4% (Adam 1e-3 batch 64: 93.6, 95.6, 96.4, 96.5, 97.0, 97.4% over six epochs; 2e-3 / 3e-3 or batch 32
// stayed under 97%). The recipe, the same for every system: each epoch trains on the digits moved by up to one pixel
// (shiftImages, seeded; computed by the harness), Adam 2e-3 times 0.7 per epoch, batch 16. webgrad wasm, six weight /
// shift seeds: 98% by the fifth epoch in all, 98.5% or more after the sixth; these seeds reach exactly 98.00% after the
// second (bench/README.md has the tables and what did not help).
const CNN_TO98_SPEC = { ...MNIST_CNN, optimizer: { name: 'adam', lr: 2e-3 } };
export const CNN_TO98 = { target: 0.98, batch: 16, maxEpochs: 7, train: 8000, test: 2000, shift: 1, augSeed: 100, lrDecay: 0.7 };
export const TO93 = { target: 0.93, batch: 32, maxEpochs: 6, train: 8000, test: 2000 };

/**
 * Runs `fn` repeatedly: at least minReps, at most reps, stopping early once `budgetMs` is spent.
 * `warmupReps` untimed runs come first (at most a fifth of the budget): a sub-millisecond step
 * is otherwise timed while the JavaScript engine is still optimising the code it runs, and the
 * first few dozen samples measure that rather than the library (seen on mlp-tiny-step: the
 * medians of 30 reps varied 2x with the order in which systems ran; with 400 reps they agreed).
 */
async function timeReps(ctx, fn, { minReps = 2 } = {}) {
  const warm0 = now();
  for (let i = 0; i < (ctx.warmupReps ?? 0) && now() - warm0 < ctx.budgetMs / 5; i++) await fn(-1);
  const out = [], t0 = now();
  for (let i = 0; i < ctx.reps; i++) {
    if (i >= minReps && now() - t0 > ctx.budgetMs) break;
    out.push(await fn(i));
  }
  return out;
}

/**
 * With --profile: one more repetition of `fn` under the system's profiler
 * (webgrad only), after the timed ones, so the profile never slows a timed rep.
 */
async function profileRep(sys, ctx, fn) {
  if (!ctx.profile || !sys.profile) return undefined;
  try { return await sys.profile(fn); } catch (e) { return { error: String(e?.message ?? e).split('\n')[0] }; }
}

const oneHot = (labels, k) => {
  const y = new Float32Array(labels.length * k);
  labels.forEach((c, i) => { y[i * k + c] = 1; });
  return y;
};

function matmul(n, reps, budgetMs) {
  return {
    name: `matmul-${n}`, unit: 'GFLOP/s', better: 'higher', reps, budgetMs,
    async run(sys, ctx) {
      const a = uniform(n * n, 1), b = uniform(n * n, 2);
      const h = await sys.matmul(n, a, b);
      try {
        const err = checkMatmul(a, b, await h.run(), n);
        if (err) throw new Error(`check failed: ${err}`);
        if (n <= 512) await h.run(); // second warm-up for the small sizes
        const samples = await timeReps(ctx, async () => { const t = now(); await h.run(); return (2 * n ** 3) / ((now() - t) * 1e6); });
        return { samples, profile: await profileRep(sys, ctx, () => h.run()) };
      } finally { h.dispose(); }
    },
  };
}

/** One SGD step through the system's training API on a fixed batch; loss checked vs the CPU reference. */
function trainStep(name, spec, n, makeData, reps, budgetMs) {
  return {
    name, unit: 'ms/step', better: 'lower', reps, budgetMs,
    async run(sys, ctx) {
      const { x, y } = makeData(ctx, n);
      const w = mlpWeights(spec.sizes, 7);
      const ref = (refCache[name] ??= mlpSgdLosses(spec, w, x, y, n, 3));
      const m = await sys.mlp(spec, w);
      const h = await m.prepare(x, y, n);
      try {
        // losses of the first three steps vs the float64 SGD reference (the first one is before any update)
        // The first step includes building and compiling everything it needs: time to first step.
        const t0 = now();
        const first = await m.step(h);
        const firstStepMs = now() - t0;
        const got = [first, await m.step(h), await m.step(h)];
        const bad = got.findIndex((l, i) => !(Math.abs(l - ref[i]) <= 2e-3 * Math.abs(ref[i]) + 1e-4));
        if (bad >= 0) throw new Error(`check failed: loss of step ${bad + 1} is ${got[bad].toFixed(5)}, reference ${ref[bad].toFixed(5)} (losses ${got.map((l) => l.toFixed(4)).join(', ')})`);
        const l0 = got[0];
        let last = got[2];
        const samples = await timeReps(ctx, async () => { const t = now(); last = await m.step(h); return now() - t; });
        if (!Number.isFinite(last)) throw new Error(`loss became ${last}`);
        const profile = await profileRep(sys, ctx, () => m.step(h));
        const ms = samples.slice().sort((p, q) => p - q)[samples.length >> 1];
        return { samples, profile, note: `${Math.round((n * 1000) / ms)} samples/s; first step ${Math.round(firstStepMs)} ms; loss ${l0.toFixed(4)}→${last.toFixed(4)}`, extra: { samplesPerSec: (n * 1000) / ms, firstStepMs, checkLosses: got, refLosses: ref, lastLoss: last } };
      } finally { m.release?.(h); m.dispose(); }
    },
  };
}

/** Peak/current memory as each library reports it (webgrad: wg.stats(); TF.js: tf.memory()). */
const memNote = (m) => (m ? Object.entries(m).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(1)} MiB`).join(', ') : '');

/**
 * One SGD step of the MNIST CNN through the system's training API on a fixed
 * batch. Check: the first loss (before any update) vs a float64 forward pass
 * within 0.2%, and the second step's loss is lower (each step costs seconds on
 * slow backends, so the check is kept to two). After the timed
 * steps, the library's own memory figures go into the note.
 */
function cnnStep(name, spec, n, reps, budgetMs, limitMs) {
  return {
    name, unit: 'ms/step', better: 'lower', reps, budgetMs,
    // the pair's time limit: the first steps alone take a minute on SwiftShader, whatever the timing budget
    limitMs,
    async run(sys, ctx) {
      if (!sys.cnn) throw new Error(`no CNN in the bench's ${sys.id.split('/')[0]} adapter (see bench/README.md)`);
      const { x, y } = mnistBatch(ctx, n);
      const w = cnnWeights(spec.layers, 7);
      const ref = (refCache[name] ??= cnnLoss(w, x, y, n, spec.input));
      const m = await sys.cnn(spec, w);
      const h = await m.prepare(x, y, n);
      try {
        const t0 = now();
        const first = await m.step(h);
        const firstStepMs = now() - t0;
        const got = [first, await m.step(h)];
        if (!(Math.abs(got[0] - ref) <= 2e-3 * Math.abs(ref) + 1e-4)) throw new Error(`check failed: first loss ${got[0].toFixed(5)}, float64 reference ${ref.toFixed(5)}`);
        if (!(got[1] < got[0])) throw new Error(`check failed: loss did not fall (${got.map((l) => l.toFixed(4)).join(', ')})`);
        let last = got[1];
        const samples = await timeReps(ctx, async () => { const t = now(); last = await m.step(h); return now() - t; }, { minReps: 1 });
        if (!Number.isFinite(last)) throw new Error(`loss became ${last}`);
        const memory = await m.memory?.(h);
        const profile = await profileRep(sys, ctx, () => m.step(h));
        const ms = samples.slice().sort((p, q) => p - q)[samples.length >> 1];
        return { samples, profile, note: `${Math.round((n * 1000) / ms)} samples/s; first step ${Math.round(firstStepMs)} ms; loss ${got[0].toFixed(4)}→${last.toFixed(4)}${memory ? `; ${memNote(memory)}` : ''}`, extra: { samplesPerSec: (n * 1000) / ms, firstStepMs, checkLosses: got, refLoss: ref, lastLoss: last, memory } };
      } finally { m.release?.(h); m.dispose(); }
    },
  };
}

const mnistBatch = (ctx, n) => ({ x: ctx.mnist.x.subarray(0, n * 784), y: oneHot(ctx.mnist.labels.subarray(0, n), 10) });
const tinyBatch = (_ctx, n) => {
  const x = uniform(2 * n, 5), y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = x[2 * i] * x[2 * i + 1] > 0 ? 1 : 0; // XOR-like quadrants
  return { x, y };
};

const predict1 = {
  name: 'predict-1', unit: 'ms', better: 'lower', reps: { full: 200, quick: 60 }, warmupReps: { full: 100, quick: 40 }, budgetMs: 20000,
  async run(sys, ctx) {
    const spec = MNIST_MLP, w = mlpWeights(spec.sizes, 7), x = ctx.mnist.x.slice(0, 784);
    const ref = mlpForward(spec, w, x, 1);
    const m = await sys.mlp(spec, w);
    try {
      const p = await m.predictArray(x, 1);
      const diff = Math.max(...Array.from(ref, (r, i) => Math.abs(r - p[i])));
      if (!(p.length === 10 && diff < 1e-4)) throw new Error(`check failed: max |diff| vs reference ${diff}`);
      await m.predictArray(x, 1);
      const samples = await timeReps(ctx, async () => { const t = now(); await m.predictArray(x, 1); return now() - t; });
      return { samples, profile: await profileRep(sys, ctx, () => m.predictArray(x, 1)) };
    } finally { m.dispose(); }
  },
};

/**
 * Wall time to `cfg.target` test accuracy: `make(sys, spec, weights)` builds the model (sys.mlp or sys.cnn).
 * Optional, the same for every system: `cfg.shift` trains each epoch on the digits moved by up to that many pixels
 * (shiftImages, seeded by `cfg.augSeed` and the epoch; computed here on the host, its time taken off the clock,
 * the upload of each epoch's digits left on it), and `cfg.lrDecay` multiplies the learning rate by that factor
 * before every epoch after the first (the adapter's setLearningRate).
 */
const toAccuracy = (name, cfg, spec, weights, make, budgetMs) => ({
  name, unit: 's', better: 'lower', reps: { full: 1, quick: 1 }, budgetMs,
  async run(sys, ctx) {
    const { train, test, batch, target, maxEpochs, shift = 0, augSeed = 0, lrDecay = 1 } = cfg, d = ctx.mnist;
    const xTr = d.x.subarray(0, train * 784), yTr = oneHot(d.labels.subarray(0, train), 10);
    const xTe = d.x.subarray(train * 784, (train + test) * 784), lTe = d.labels.subarray(train, train + test);
    // warm-up: a throwaway model runs one step and one prediction (compiles kernels)
    const wu = await make(sys, spec, weights(3));
    // a schedule the adapter or library cannot follow fails here, before any timing
    if (lrDecay !== 1) {
      try {
        if (typeof wu.setLearningRate !== 'function') throw new Error(`no learning-rate schedule in the bench's ${sys.id.split('/')[0]} adapter`);
        wu.setLearningRate(spec.optimizer.lr * lrDecay);
      } catch (e) { wu.dispose(); throw e; }
    }
    const wh = await wu.prepare(xTr, yTr, batch, batch);
    if (!Number.isFinite(await wu.epoch(wh))) throw new Error('check failed: warm-up loss not finite');
    await wu.predictArray(xTe.subarray(0, 784), 1);
    // A second (warm) step estimates an epoch: if one epoch alone would pass the budget, say so now instead of
    // spending minutes on it (the CNN on SwiftShader or a slow CPU backend).
    const ts = now();
    await wu.epoch(wh);
    const stepMs = now() - ts, epochEstMs = stepMs * Math.ceil(train / batch);
    if (epochEstMs > ctx.budgetMs) {
      wu.release?.(wh); wu.dispose();
      throw new Error(`timeout: one epoch would take about ${(epochEstMs / 1000).toFixed(0)} s (${Math.ceil(train / batch)} steps of ${(stepMs / 1000).toFixed(2)} s; budget ${(ctx.budgetMs / 1000).toFixed(0)} s)`);
    }
    // --profile: a second warm-up epoch (not timed) shows where an epoch's time goes.
    const profile = await profileRep(sys, ctx, () => wu.epoch(wh));
    wu.release?.(wh); wu.dispose();

    const m = await make(sys, spec, weights(11));
    let hostMs = 0; // the harness's own work inside the timed span (the shifted digits), taken off the clock
    const epochDigits = (e) => {
      if (!shift) return xTr;
      const t = now(), x = shiftImages(xTr, train, 28, shift, augSeed + e);
      hostMs += now() - t;
      return x;
    };
    const t0 = now(), elapsed = () => now() - t0 - hostMs;
    let htr = shift ? null : await m.prepare(xTr, yTr, train, batch);
    const hte = await m.prepare(xTe, null, test, 500);
    const accs = [];
    try {
      for (let e = 1; e <= maxEpochs; e++) {
        if (shift) {
          const x = epochDigits(e);
          if (htr) m.release?.(htr);
          htr = null; // not released twice if the upload below throws
          htr = await m.prepare(x, yTr, train, batch);
        }
        if (e > 1 && lrDecay !== 1) m.setLearningRate(spec.optimizer.lr * lrDecay ** (e - 1));
        const loss = await m.epoch(htr);
        const acc = accuracy(await m.predict(hte), lTe, 10);
        accs.push(acc);
        ctx.log?.(`    epoch ${e}: loss ${loss.toFixed(4)}, test accuracy ${(100 * acc).toFixed(1)}%, ${(elapsed() / 1000).toFixed(1)} s`);
        if (acc >= target) {
          const s = elapsed() / 1000;
          const host = shift ? `; shifting the digits took ${Math.round(hostMs)} ms, not counted` : '';
          return { samples: [s], profile, note: `${e} epoch${e > 1 ? 's' : ''}, ${(100 * acc).toFixed(1)}%${host}`, extra: { epochs: e, accuracies: accs, hostMs } };
        }
        // stop when another epoch would likely end past the budget
        const spent = elapsed();
        if (e < maxEpochs && spent + spent / e > ctx.budgetMs) throw new Error(`timeout: ${(100 * acc).toFixed(1)}% after ${e} epoch${e > 1 ? 's' : ''} (${(spent / 1000).toFixed(0)} s; budget ${ctx.budgetMs / 1000} s)`);
      }
      throw new Error(`did not reach ${+(100 * target).toFixed(2)}% in ${maxEpochs} epochs (${accs.map((a) => (100 * a).toFixed(1)).join(', ')})`);
    } finally { if (htr) m.release?.(htr); m.release?.(hte); m.dispose(); }
  },
});
const mnistTo93 = toAccuracy('mnist-to-93', TO93, TO93_MLP, (seed) => mlpWeights(TO93_MLP.sizes, seed), (sys, spec, w) => sys.mlp(spec, w), 155000);
const cnnTo98 = toAccuracy('cnn-mnist-to-98', CNN_TO98, CNN_TO98_SPEC, (seed) => cnnWeights(CNN_TO98_SPEC.layers, seed), (sys, spec, w) => {
  if (!sys.cnn) throw new Error(`no CNN in the bench's ${sys.id.split('/')[0]} adapter (see bench/README.md)`);
  return sys.cnn(spec, w);
}, 150000);

export const WORKLOADS = [
  matmul(256, { full: 10, quick: 5 }, 15000),
  matmul(512, { full: 6, quick: 3 }, 20000),
  matmul(1024, { full: 3, quick: 2 }, 15000),
  trainStep('mlp-mnist-step', MNIST_MLP, 128, mnistBatch, { full: 10, quick: 4 }, 15000),
  { ...trainStep('mlp-tiny-step', TINY_MLP, 32, tinyBatch, { full: 200, quick: 60 }, 10000), warmupReps: { full: 100, quick: 40 } },
  predict1,
  mnistTo93,
  cnnStep('cnn-mnist-step', MNIST_CNN, 64, { full: 5, quick: 2 }, 6000, 150000),
  cnnTo98,
];
export const QUICK_WORKLOADS = ['matmul-256', 'matmul-512', 'mlp-mnist-step', 'mlp-tiny-step', 'predict-1'];
export const SYSTEMS = ['webgrad/webgpu', 'webgrad/wasm', 'webgrad/wasm-1t', 'webgrad/cpu', 'tfjs/webgpu', 'tfjs/wasm', 'tfjs/cpu', 'jax/webgpu', 'jax/wasm'];
export const WEBGRAD = ['webgrad/webgpu', 'webgrad/wasm', 'webgrad/wasm-1t', 'webgrad/cpu'];
