// Saving and loading the MNIST page's model in the TensorFlow.js Layers
// format: browser downloads, IndexedDB (the same database TensorFlow.js uses),
// and files picked by the visitor (model.json + weights), e.g. a model saved
// by TensorFlow.js.
import * as wg from 'webgradjs';

export const DOWNLOAD_NAME = 'webgrad-mnist';
export const IDB_URL = 'indexeddb://webgrad-mnist';

/** Loads model.json and its weight files from an <input type="file" multiple>. */
export async function loadFromFiles(files: readonly File[]): Promise<wg.Sequential> {
  const json = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  if (json.length !== 1) {
    throw new Error(`pick one model.json and its weight files together (got ${json.length} .json files among ${files.map((f) => `'${f.name}'`).join(', ') || 'none'})`);
  }
  const weights = files.filter((f) => f !== json[0]);
  return wg.loadLayersModel(wg.io.browserFiles([json[0], ...weights]));
}

/**
 * Throws unless the model maps one digit to 10 classes; returns the shape of
 * one digit for it: [784] (a Dense model) or [28, 28, 1] (a CNN).
 */
export function checkDigitModel(model: wg.Sequential, source: string): number[] {
  const input = model.inputShape;
  const outputs = model.outputShape.at(-1);
  const sample = input?.slice(1) ?? [];
  const known = ['784', '28,28,1'].includes(sample.join(','));
  if (!known || outputs !== 10) {
    throw new Error(`${source}: the model maps [${input?.join(', ') ?? '?'}] to ${outputs ?? '?'} outputs; this page needs 784 pixels (or a 28 x 28 x 1 image) in and 10 classes out`);
  }
  return sample as number[];
}

/** Probabilities from the model's outputs: as they are if they already are, else softmax (a model ending in logits). */
export function asProbabilities(out: Float32Array): { probs: Float32Array; softmaxed: boolean } {
  let sum = 0;
  let negative = false;
  for (const v of out) {
    sum += v;
    if (v < 0) negative = true;
  }
  if (!negative && Math.abs(sum - 1) < 1e-3) return { probs: out, softmaxed: false };
  const max = Math.max(...out);
  const e = out.map((v) => Math.exp(v - max));
  const z = e.reduce((a, b) => a + b, 0);
  return { probs: e.map((v) => v / z), softmaxed: true };
}
