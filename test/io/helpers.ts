// Shared pieces of the io tests: temp folders, TF.js artifacts → files, and
// deterministic inputs.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, expect } from 'vitest';

const dirs: string[] = [];

export function tempDir(tag = 'io'): string {
  const d = mkdtempSync(join(tmpdir(), `webgrad-${tag}-`));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Saves a TF.js model through tf.io.withSaveHandler and returns its artifacts. */
export async function tfArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return captured!;
}

function bytesOf(data: tf.io.ModelArtifacts['weightData']): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), off);
    off += p.byteLength;
  }
  return out;
}

/**
 * Writes artifacts as TF.js' file handlers do: model.json (with a
 * weightsManifest naming `weightFile`) and the weight file. Returns the
 * model.json path.
 */
export function writeArtifacts(dir: string, a: tf.io.ModelArtifacts, weightFile = 'group1-shard1of1.bin', extra: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  const json = {
    modelTopology: a.modelTopology,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy,
    weightsManifest: [{ paths: [weightFile], weights: a.weightSpecs }],
    ...extra,
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  writeFileSync(join(dir, weightFile), bytesOf(a.weightData));
  return join(dir, 'model.json');
}

/** Deterministic values in [-2, 2). */
export function inputs(rows: number, cols: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2;
  }
  return out;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `largest difference at ${at}: ${actual[at]} vs ${expected[at]}`).toBeLessThanOrEqual(tol);
}
