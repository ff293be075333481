// Recipe search for the bench's cnn-mnist-to-98 workload, in Node on webgrad's
// wasm backend (the built dist/webgrad.js: run `npm run build` first). Trains
// the bench CNN on the bench's 8,000 training digits and prints the accuracy on
// the 2,000 held-out digits after every epoch, for each seed (the seed picks
// the Glorot weights as bench/lib/common.mjs cnnWeights does; --augseed the
// shifted digits, shiftImages seeded by augseed + epoch as in the workload).
//
//   node bench/kernels/cnn-recipe.mjs --lr=2e-3 --decay=0.7 --batch=16 --shift=1 --epochs=7 --seeds=11,12,13
//
// --decay: learning rate times this factor before each epoch after the first;
// --shift: each epoch's digits moved by up to this many pixels (0: none);
// --dropA / --dropB: dropout rates after the flatten / after the dense 128 (0: no layer).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { cnnWeights, accuracy, shiftImages } from '../lib/common.mjs';
import { ensureMnist } from '../data.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const wg = await import(`${root}dist/webgrad.js`);
await wg.ready({ backend: 'wasm' });
const arg = (k, d) => process.argv.find((s) => s.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const lr = +arg('lr', 2e-3), batch = +arg('batch', 16), epochs = +arg('epochs', 7), decay = +arg('decay', 0.7);
const dropA = +arg('dropA', 0), dropB = +arg('dropB', 0), shift = +arg('shift', 1), augSeed = +arg('augseed', 5);
const seeds = arg('seeds', '11').split(',').map(Number);

const buf = readFileSync(ensureMnist());
const n = buf.readUInt32LE(0), TR = 8000, TE = 2000;
const X = new Float32Array(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + 8 + n * 784 * 4));
const labels = buf.subarray(8 + n * 784 * 4, 8 + n * 784 * 4 + n);
const xTr = X.subarray(0, TR * 784), yTr = new Float32Array(TR * 10);
for (let i = 0; i < TR; i++) yTr[i * 10 + labels[i]] = 1;
const lTe = labels.subarray(TR, TR + TE);
const LAYERS = [{ conv: [3, 3, 1, 32] }, { conv: [3, 3, 32, 64] }, { dense: [1600, 128] }, { dense: [128, 10] }];
const shapes = LAYERS.flatMap((l) => [l.conv ?? l.dense, [(l.conv ?? l.dense).at(-1)]]);
const xTe = wg.tensor(X.subarray(TR * 784, (TR + TE) * 784), [TE, 28, 28, 1]);
const yT = wg.tensor(yTr, [TR, 10]);

for (const seed of seeds) {
  const L = wg.layers;
  const layers = [L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), L.maxPooling2d({ poolSize: 2 }),
    L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), L.maxPooling2d({ poolSize: 2 }), L.flatten()];
  if (dropA) layers.push(L.dropout({ rate: dropA, seed: seed + 1 }));
  layers.push(L.dense({ units: 128, activation: 'relu' }));
  if (dropB) layers.push(L.dropout({ rate: dropB, seed: seed + 2 }));
  layers.push(L.dense({ units: 10, activation: 'softmax' }));
  const m = wg.sequential({ layers });
  const init = cnnWeights(LAYERS, seed).map((w, i) => wg.tensor(w, shapes[i]));
  m.setWeights(init);
  init.forEach((t) => t.dispose());
  const opt = wg.train.adam(lr);
  m.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
  const accs = [], secs = [], t0 = performance.now();
  for (let e = 1; e <= epochs; e++) {
    if (e > 1 && decay !== 1) opt.setLearningRate(lr * decay ** (e - 1));
    const xT = wg.tensor(shift ? shiftImages(xTr, TR, 28, shift, augSeed + e) : xTr, [TR, 28, 28, 1]);
    await m.fit(xT, yT, { epochs: 1, batchSize: batch, shuffle: false, verbose: 0 });
    xT.dispose();
    const p = m.predict(xTe), d = await p.data();
    p.dispose();
    accs.push((100 * accuracy(d, lTe, 10)).toFixed(2));
    secs.push(((performance.now() - t0) / 1000).toFixed(0));
  }
  console.log(`lr ${lr} decay ${decay} batch ${batch} shift ${shift} (augseed ${augSeed}) dropout ${dropA}/${dropB} seed ${seed}: accuracy % per epoch ${accs.join(' ')}; s at each epoch's end ${secs.join(' ')}`);
  m.dispose();
}
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
process.exit(0);
