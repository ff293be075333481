// A model.json is untrusted input. file://: weight paths must resolve (links
// followed) to regular files inside the model's folder, of the size the
// manifest implies, and errors tell nothing about files outside it. Plus:
// hostile nesting ends in a WebgradError naming the key, and loading time
// grows linearly with the number of layers.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import * as wg from '../../src/index.js';
import { plan } from '../../src/io/load.js';
import { callsOutside, fsCalls } from './fs_recorder.js';
import { WEIGHT_FILE, baseWeights, loadedWeights, modelJSON, sameValues, weightBytes } from './fixture_model.js';

vi.mock('node:fs/promises', async (original) => (await import('./fs_recorder.js')).recordingFs(await original()));

const weights = baseWeights();
const bin = weightBytes(weights);
/** Outside the model folder; a different size, so no size check could pass on it by luck. */
const SECRET_BYTES = 1234;
let root = '';
let modelDir = '';
let secret = '';

beforeAll(async () => {
  await wg.ready({ backend: 'cpu' });
  root = realpathSync(mkdtempSync(join(tmpdir(), 'webgrad-untrusted-')));
  modelDir = join(root, 'model');
  mkdirSync(modelDir);
  secret = join(root, 'secret.bin');
  writeFileSync(secret, new Uint8Array(SECRET_BYTES).fill(7));
  writeFileSync(join(modelDir, WEIGHT_FILE), bin);
  mkdirSync(join(modelDir, 'shards'));
  writeFileSync(join(modelDir, 'shards', 'w.bin'), bin);
  mkdirSync(join(modelDir, 'a-folder.bin'));
  symlinkSync('../secret.bin', join(modelDir, 'link-out.bin'));
  symlinkSync('../missing.bin', join(modelDir, 'dangling.bin'));
  symlinkSync(WEIGHT_FILE, join(modelDir, 'link-in.bin'));
  symlinkSync('..', join(modelDir, 'up'));
  symlinkSync('/dev/zero', join(modelDir, 'zero.bin'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Writes model.json with `paths` and loads it; returns the error (or the model), and the fs calls it made. */
async function load(paths: string[], options: wg.LoadOptions = {}): Promise<{ model?: wg.Sequential; error?: unknown; outside: string[] }> {
  writeFileSync(join(modelDir, 'model.json'), JSON.stringify(modelJSON(paths)));
  const from = fsCalls.length;
  try {
    const model = await wg.loadLayersModel(`file://${join(modelDir, 'model.json')}`, options);
    return { model, outside: callsOutside(modelDir, from) };
  } catch (error) {
    return { error, outside: callsOutside(modelDir, from) };
  }
}

test('weight files inside the folder load: plain, in a subfolder, through an inside link, with ./ and ..', async () => {
  for (const p of [WEIGHT_FILE, './weights.bin', 'shards/w.bin', 'shards/../weights.bin', 'link-in.bin']) {
    const r = await load([p]);
    expect(r.error, p).toBeUndefined();
    const got = await loadedWeights(r.model!);
    expect(got.every((w, i) => sameValues(w.values, weights[i])), p).toBe(true);
    expect(r.outside).toEqual([]);
    r.model!.dispose();
  }
});

test('paths that leave the folder are errors, with strict or not, and nothing outside is touched', async () => {
  const hostile = [
    '../secret.bin', '../../../../../../../../../../etc/passwd', 'shards/../../secret.bin', '%2e%2e/secret.bin', '..\\secret.bin',
    'up/secret.bin', 'link-out.bin', 'dangling.bin', 'zero.bin', 'a-folder.bin', '.', 'shards/..', '/dev/zero', '/etc/passwd',
    'file:///etc/passwd', 'http://127.0.0.1:9/w.bin', '//127.0.0.1/w.bin', 'C:/Windows/win.ini', 'weights.bin\u0000',
  ];
  for (const p of [...hostile, `/${secret}`, secret]) {
    for (const strict of [true, false]) {
      const r = await load([p], { strict });
      expect(r.model, p).toBeUndefined();
      expect(r.error, p).toBeInstanceOf(wg.WebgradError);
      const msg = (r.error as Error).message;
      expect(msg).toMatch(/not a regular file inside the model's folder|weight files must be inside the model's folder/);
      // Nothing about the outside file: not its size, not whether it exists.
      expect(msg).not.toMatch(new RegExp(`${SECRET_BYTES}|ENOENT|EACCES|does not exist|bytes`));
      expect(r.outside, p).toEqual([]);
    }
  }
  // /dev/zero is refused by name; a link to it inside the folder is refused before any read.
  const r = await load(['zero.bin']);
  expect(r.error).toBeInstanceOf(wg.WebgradError);
  expect(fsCalls.some((c) => c.fn === 'open' && c.path.includes('zero'))).toBe(false);
});

test('a link to an existing outside file and a dangling link get the same message', async () => {
  const a = await load(['link-out.bin']);
  const b = await load(['dangling.bin']);
  expect((a.error as Error).message.replace('link-out.bin', 'X')).toBe((b.error as Error).message.replace('dangling.bin', 'X'));
});

test('a FIFO in the folder is refused without blocking', async () => {
  const fifo = join(modelDir, 'fifo.bin');
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    return; // no mkfifo here; the stat check is the same one a-folder.bin passes through
  }
  const r = await load(['fifo.bin']);
  expect((r.error as Error).message).toMatch(/'fifo\.bin' is not a regular file inside the model's folder/);
  rmSync(fifo);
});

test('a missing file inside the folder is named; sizes of inside files are checked before reading', async () => {
  const missing = await load(['nowhere.bin']);
  expect((missing.error as Error).message).toMatch(/weight file 'nowhere\.bin' does not exist in the model's folder/);
  writeFileSync(join(modelDir, 'long.bin'), new Uint8Array(bin.length + 4));
  const from = fsCalls.length;
  const long = await load(['long.bin']);
  expect((long.error as Error).message).toMatch(/weight file 'long\.bin' \(192 bytes\): expected 188 bytes/);
  // Opened (to fstat it) but never read.
  const calls = fsCalls.slice(from).filter((c) => c.path.endsWith('long.bin')).map((c) => c.fn);
  expect(calls).toContain('open');
  expect(calls.filter((fn) => fn === 'handle.read' || fn === 'readFile')).toEqual([]);
  // The right size is read.
  writeFileSync(join(modelDir, 'long.bin'), bin);
  const ok = await load(['long.bin']);
  expect(ok.error).toBeUndefined();
  expect(fsCalls.some((c) => c.fn === 'handle.read' && c.path.endsWith('long.bin'))).toBe(true);
  ok.model!.dispose();
});

// ---- nesting ----

function nest(depth: number, leaf: unknown, key = 'a'): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { [key]: v };
  return v;
}

test('deeply nested JSON is a WebgradError naming the key (file:// and in memory)', async () => {
  // (Written as text: JSON.stringify itself would overflow the stack.)
  const deepLayer = modelJSON();
  deepLayer.modelTopology.config.layers[1].config.activation = 'DEEP';
  writeFileSync(join(modelDir, 'model.json'), JSON.stringify(deepLayer).replace('"DEEP"', `${'{"a":'.repeat(100_000)}"relu"${'}'.repeat(100_000)}`));
  await expect(wg.loadLayersModel(`file://${join(modelDir, 'model.json')}`)).rejects.toThrow(/'model\.json\.modelTopology\.config\.layers\[1\]\.config\.activation\.a\.a.*' is nested more than 100 levels deep/);

  const deepInit = modelJSON();
  deepInit.modelTopology.config.layers[2].config.kernel_initializer.config = nest(5_000, 1, 'seed');
  const artifacts = { modelTopology: deepInit.modelTopology, weightSpecs: deepInit.weightsManifest[0].weights, weightData: bin.slice().buffer };
  await expect(wg.loadLayersModel(wg.io.fromMemory(artifacts))).rejects.toThrow(/'modelTopology\.config\.layers\[2\]\.config\.kernel_initializer\.config\.seed\.seed.*' is nested more than 100 levels deep/);

  const deepShape = modelJSON();
  deepShape.weightsManifest[0].weights[0].shape = [nest(10_000, 1)];
  await expect(wg.loadLayersModel(wg.io.fromMemory({ modelTopology: deepShape.modelTopology, weightSpecs: deepShape.weightsManifest[0].weights, weightData: bin.slice().buffer })))
    .rejects.toThrow(/'weightSpecs\[0\]\.shape\[0\]\.a.*' is nested more than 100 levels deep/);

  // In memory: a cycle, and shared members that would make a naive walk exponential.
  const cyclic = modelJSON();
  cyclic.modelTopology.config.layers[1].config.kernel_initializer.config.self = cyclic.modelTopology;
  await expect(wg.loadLayersModel(wg.io.fromMemory({ modelTopology: cyclic.modelTopology, weightSpecs: cyclic.weightsManifest[0].weights, weightData: bin.slice().buffer }))).rejects.toThrow(wg.WebgradError);
  let shared: unknown = 0;
  for (let i = 0; i < 60; i++) shared = { l: shared, r: shared };
  const dag = modelJSON();
  dag.modelTopology.config.layers[1].config.kernel_initializer.config.seed = shared;
  const t = performance.now();
  await expect(wg.loadLayersModel(wg.io.fromMemory({ modelTopology: dag.modelTopology, weightSpecs: dag.weightsManifest[0].weights, weightData: bin.slice().buffer }))).rejects.toThrow(/holds more than \d+ values/);
  expect(performance.now() - t).toBeLessThan(20_000);
});

// ---- linear time in the number of layers ----

function wideModel(layers: number): wg.io.ModelArtifacts {
  const topo: unknown[] = [];
  const specs: wg.io.WeightsManifestEntry[] = [];
  for (let i = 0; i < layers; i++) {
    topo.push({ class_name: 'Dense', config: { name: `dense_${i}`, units: 2, activation: 'linear', use_bias: true, ...(i === 0 ? { batch_input_shape: [null, 2] } : {}) } });
    // Keras 3 style names, which go through normalization.
    specs.push({ name: `sequential/dense_${i}/kernel:0`, shape: [2, 2], dtype: 'float32' }, { name: `sequential/dense_${i}/bias:0`, shape: [2], dtype: 'float32' });
  }
  const data = new Float32Array(layers * 6);
  for (let i = 0; i < data.length; i++) data[i] = i;
  return { modelTopology: { class_name: 'Sequential', config: { name: 'wide', layers: topo } }, format: 'layers-model', weightSpecs: specs, weightData: data.buffer };
}

/**
 * String work done by `fn`: calls of the string methods a name lookup is built
 * from. Counted rather than timed, so the check is the same on a busy machine.
 */
function stringWork(fn: () => void): number {
  const methods = ['endsWith', 'startsWith', 'split', 'slice', 'replace', 'indexOf', 'includes', 'localeCompare'] as const;
  const proto = String.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = methods.map((m) => proto[m]);
  let calls = 0;
  methods.forEach((m, k) => {
    const original = originals[k];
    proto[m] = function (this: string, ...args: unknown[]): unknown {
      calls++;
      return original.apply(this, args);
    };
  });
  try {
    fn();
    return calls;
  } finally {
    methods.forEach((m, k) => (proto[m] = originals[k]));
  }
}

test('matching weights to layers does work linear in the number of layers', async () => {
  // The io part (checking, matching weights to layers): a scan of every name
  // per layer would make the count per layer grow with the model.
  const work = (layers: number): number => {
    const a = wideModel(layers);
    return stringWork(() => void plan(a, 'test', true));
  };
  const w1000 = work(1000);
  const w4000 = work(4000);
  expect(w1000).toBeGreaterThan(1000);
  expect(w4000 / w1000, `${w1000} string operations for 1000 layers, ${w4000} for 4000`).toBeLessThan(4.4);
  // The whole load of a wide model goes through, and the weights go where they belong.
  const wide = await wg.loadLayersModel(wg.io.fromMemory(wideModel(2000)));
  expect(wide.layers).toHaveLength(2000);
  wide.dispose();
  const m = await wg.loadLayersModel(wg.io.fromMemory(wideModel(3)));
  const got = await loadedWeights(m);
  expect(Array.from(got[4].values)).toEqual([12, 13, 14, 15]);
  m.dispose();
}, 60_000);
