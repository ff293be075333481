// Independent references for the demo tests: the MNIST digits in the order
// the site bundles them (bench/data.mjs), a float64 forward pass of a Dense
// model read from TensorFlow.js Layers files, and a small model trained with
// TensorFlow.js itself and saved as model.json + weights.bin.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
// @ts-expect-error: a plain JavaScript module without type declarations
import { ensureMnist } from '../../bench/data.mjs';

export interface NodeDigits {
  n: number;
  x: Float32Array;
  labels: Uint8Array;
}

/** The 10,000 digits in the site's order (the demo's encoding is lossless). */
export function nodeDigits(): NodeDigits {
  const buf = readFileSync((ensureMnist as () => string)());
  const n = buf.readUInt32LE(0);
  const p = buf.readUInt32LE(4);
  const x = new Float32Array(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + 8 + n * p * 4));
  const labels = new Uint8Array(buf.subarray(8 + n * p * 4, 8 + n * p * 4 + n));
  return { n, x, labels };
}

interface ModelJson {
  modelTopology: { config: { layers: { class_name?: string; className?: string; config: { units: number; activation: string } }[] } };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}

/**
 * Probabilities of a Dense stack (relu hidden layers, softmax output) saved
 * as model.json + one weights file, computed in float64.
 */
export function forwardFromFiles(jsonPath: string, weightsPath: string, input: ArrayLike<number>): number[] {
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  const bin = readFileSync(weightsPath);
  const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length));
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  let off = 0;
  const tensors = specs.map((s) => {
    if (s.dtype !== 'float32') throw new Error(`weight ${s.name}: dtype ${s.dtype}`);
    const size = s.shape.reduce((a, b) => a * b, 1);
    const t = { shape: s.shape, data: floats.subarray(off, off + size) };
    off += size;
    return t;
  });
  const acts = json.modelTopology.config.layers.filter((l) => (l.class_name ?? l.className) === 'Dense').map((l) => l.config.activation);
  let h = Array.from(input);
  for (let l = 0; l < acts.length; l++) {
    const k = tensors[2 * l];
    const b = tensors[2 * l + 1];
    const [rows, cols] = k.shape;
    const z = Array.from({ length: cols }, (_, j) => {
      let s = b.data[j];
      for (let i = 0; i < rows; i++) s += h[i] * k.data[i * cols + j];
      return s;
    });
    if (acts[l] === 'relu') h = z.map((v) => Math.max(0, v));
    else if (acts[l] === 'softmax') {
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, c) => a + c, 0);
      h = e.map((v) => v / sum);
    } else throw new Error(`activation ${acts[l]} not handled by this reference`);
  }
  return h;
}

/**
 * Trains a 784-32-10 model with TensorFlow.js on the first 2,000 digits,
 * saves it as dir/tfjs-digits.json + dir/tfjs-digits.weights.bin (the layout
 * tf.io.browserDownloads writes) and returns it with its held-out accuracy.
 */
export async function tfjsDigitModel(dir: string, digits: NodeDigits, heldOut: { from: number; count: number }): Promise<{ model: tf.LayersModel; json: string; weights: string; accuracy: number }> {
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: [
    tf.layers.dense({ units: 32, activation: 'relu', inputShape: [784], kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
  ] });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const n = 2000;
  const x = tf.tensor2d(digits.x.subarray(0, n * 784), [n, 784]);
  const y = tf.oneHot(tf.tensor1d(Array.from(digits.labels.subarray(0, n)), 'int32'), 10);
  await model.fit(x, y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  const json = join(dir, 'tfjs-digits.json');
  const weights = join(dir, 'tfjs-digits.weights.bin');
  await model.save(tf.io.withSaveHandler(async (a) => {
    writeFileSync(json, JSON.stringify({
      modelTopology: a.modelTopology,
      format: a.format,
      generatedBy: a.generatedBy,
      convertedBy: a.convertedBy ?? null,
      weightsManifest: [{ paths: ['./tfjs-digits.weights.bin'], weights: a.weightSpecs }],
    }));
    writeFileSync(weights, Buffer.from(a.weightData as ArrayBuffer));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const xt = tf.tensor2d(digits.x.subarray(heldOut.from * 784, (heldOut.from + heldOut.count) * 784), [heldOut.count, 784]);
  const pred = tf.tidy(() => (model.predict(xt) as tf.Tensor).argMax(-1).dataSync());
  xt.dispose();
  let correct = 0;
  for (let i = 0; i < heldOut.count; i++) if (pred[i] === digits.labels[heldOut.from + i]) correct++;
  return { model, json, weights, accuracy: correct / heldOut.count };
}
