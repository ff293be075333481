// Fuzzing the loader with thousands of seeded mutations of a valid
// model.json and weights.bin: bit flips, truncations, swapped values, type
// changes, deleted and duplicated keys, huge numbers, negative shapes, wrong
// dtypes, hostile paths (../, absolute, URLs, links), deep nesting. Each
// case must either load with exactly the right weights or throw a
// WebgradError — never hang, crash, throw anything else, touch a file
// outside the model's folder or return a half-built model.
//
// The right weights: when neither the manifest nor the weight file changed,
// the original ones; when only the weight file's bytes changed, those bytes
// decoded by the original layout (computed here, independently); otherwise
// every loaded weight must be a run of float32 values of the weight file
// (a loader that read anything else, e.g. the sentinel outside the folder,
// fails this).
//
// Most cases load through in-memory handlers (browserFiles, fromMemory);
// every eighth through file:// in a temp folder, with a sentinel file of the
// same size as weights.bin outside it and every fs call recorded.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import * as wg from '../../src/index.js';
import { WEIGHT_FILE, SPECS, baseWeights, loadedWeights, modelJSON, sameValues, weightBytes } from './fixture_model.js';
import { callsOutside, fsCalls } from './fs_recorder.js';
import { Rng as SeededRng } from '../helpers/allclose.js';

vi.mock('node:fs/promises', async (original) => (await import('./fs_recorder.js')).recordingFs(await original()));

const SEED = 20240611;
const CASES = 4000;
const FILE_EVERY = 8;

const WEIGHTS = baseWeights();
const BIN = weightBytes(WEIGHTS);
const ORIGINAL = modelJSON();
const ORIGINAL_TEXT = JSON.stringify(ORIGINAL);

type Rng = () => number;
/** The test helpers' seeded generator as a function. */
const seeded = (seed: number): Rng => {
  const g = new SeededRng(seed);
  return () => g.next();
};
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)];

/** Sorted-key JSON, to tell whether a mutation changed the manifest. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}
const ORIGINAL_MANIFEST = canonical(ORIGINAL.weightsManifest);

interface Slot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  path: string;
}

/** Every value below the root, with where it sits (down to 200 levels: paths of deeper ones would fill memory). */
function slots(root: unknown): Slot[] {
  const out: Slot[] = [];
  const stack: [unknown, string, number][] = [[root, '', 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null || depth > 200) continue;
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, x] of entries) {
      const p = `${path}/${k}`;
      out.push({ parent: v as Slot['parent'], key: k, path: p });
      stack.push([x, p, depth + 1]);
    }
  }
  return out;
}
const get = (s: Slot): unknown => (s.parent as Record<string | number, unknown>)[s.key];
const set = (s: Slot, v: unknown): void => {
  (s.parent as Record<string | number, unknown>)[s.key] = v;
};

const VALUES: unknown[] = [
  null, true, false, 0, -1, 1, 2, 2.5, 3, 4, 5, -0.5, 1e308, -1e308, 2 ** 31, 2 ** 32 + 1, 2 ** 53, '', 'x', 'relu', 'linear', 'tanh',
  'float32', 'int32', 'Dense', 'Sequential', 'InputLayer', '__proto__', 'constructor', 'toString', [], [null, 5], [5, 4], [4], {}, { class_name: 'Dense', config: {} }, WEIGHT_FILE,
];
const HUGE = ['1e400', '-1e400', '1e308', '9007199254740993', '4294967296', '-0', '1e-400', '123456789012345678901234567890', '-1', '-4', '0.5'];
const DTYPES = ['int32', 'float16', 'float64', 'string', 'bool', 'complex64', 'uint8', '', 'FLOAT32', '__proto__', 'constructor', 'toString'];
/** Paths that name the same file: loads must give the original weights. */
const SAME_FILE = ['./weights.bin', 'sub/../weights.bin', './/weights.bin', 'weights.bin'];
let HOSTILE: string[] = [];

interface Case {
  text: string;
  bin: Uint8Array;
  labels: string[];
}

type Mutation = (rng: Rng, c: Case) => void;

function onJSON(edit: (rng: Rng, json: Record<string, any>, c: Case) => string | void): Mutation {
  return (rng, c) => {
    let json: Record<string, any>;
    try {
      json = JSON.parse(c.text);
    } catch {
      return; // already broken text: JSON-level edits do not apply
    }
    if (typeof json !== 'object' || json === null) return;
    try {
      const text = edit(rng, json, c);
      c.text = text ?? JSON.stringify(json);
    } catch (e) {
      // JSON.stringify (this test's own walker) overflows on a text made very deep before.
      if (!(e instanceof RangeError)) throw e;
    }
  };
}

function randomSlot(rng: Rng, json: unknown, under?: RegExp): Slot | null {
  const all = slots(json).filter((s) => !under || under.test(s.path));
  return all.length ? pick(rng, all) : null;
}

/** Replaces slot `s` with raw JSON text `raw`. */
function withRaw(json: Record<string, any>, s: Slot, raw: string): string {
  const marker = `__RAW_${Math.random().toString(36).slice(2)}__`;
  set(s, marker);
  return JSON.stringify(json).replace(`"${marker}"`, raw);
}

const MUTATIONS: [string, number, Mutation][] = [
  ['bit flips in model.json', 6, (rng, c) => {
    const chars = [...c.text];
    for (let k = 1 + int(rng, 3); k > 0; k--) {
      const i = int(rng, chars.length);
      chars[i] = String.fromCharCode(chars[i].charCodeAt(0) ^ (1 << int(rng, 7)));
    }
    c.text = chars.join('');
  }],
  ['truncated model.json', 2, (rng, c) => {
    c.text = c.text.slice(0, int(rng, c.text.length));
  }],
  ['junk in model.json', 2, (rng, c) => {
    const i = int(rng, c.text.length);
    const junk = Array.from({ length: 1 + int(rng, 4) }, () => pick(rng, [...'{}[],:"0123456789-eE.tfn \\'])).join('');
    c.text = rng() < 0.5 ? c.text.slice(0, i) + junk + c.text.slice(i) : c.text.slice(0, i) + c.text.slice(i + junk.length);
  }],
  ['swapped values', 6, onJSON((rng, json) => {
    const a = randomSlot(rng, json);
    const b = randomSlot(rng, json);
    if (!a || !b || a.path.startsWith(b.path) || b.path.startsWith(a.path)) return;
    const va = get(a);
    set(a, get(b));
    set(b, va);
  })],
  ['type change', 8, onJSON((rng, json) => {
    const s = randomSlot(rng, json, rng() < 0.5 ? /weightsManifest|layers\/\d+\/config\/(units|batch_input_shape|name|activation|use_bias)/ : undefined);
    if (s) set(s, structuredClone(pick(rng, VALUES)));
  })],
  ['deleted key or element', 5, onJSON((rng, json) => {
    const s = randomSlot(rng, json);
    if (!s) return;
    if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
    else delete s.parent[s.key as string];
  })],
  ['duplicated element', 3, onJSON((rng, json) => {
    const arrays = slots(json).filter((s) => Array.isArray(get(s)) && (get(s) as unknown[]).length > 0);
    if (!arrays.length) return;
    const arr = get(pick(rng, arrays)) as unknown[];
    const i = int(rng, arr.length);
    arr.splice(i, 0, structuredClone(arr[i]));
  })],
  ['duplicated key', 3, onJSON((rng, json) => {
    const s = randomSlot(rng, json);
    if (!s || Array.isArray(s.parent)) return;
    const same = rng() < 0.5;
    const first = JSON.stringify(same ? get(s) : pick(rng, VALUES));
    const last = JSON.stringify(get(s));
    // JSON.parse keeps the last: with `same`, nothing changes.
    return withRaw(json, s, `${first},${JSON.stringify(s.key)}:${last}`);
  })],
  ['huge or odd number', 5, onJSON((rng, json) => {
    const nums = slots(json).filter((s) => typeof get(s) === 'number');
    if (nums.length) return withRaw(json, pick(rng, nums), pick(rng, HUGE));
  })],
  ['bad shape', 4, onJSON((rng, json) => {
    const ws = json.weightsManifest?.[0]?.weights;
    if (!Array.isArray(ws) || !ws.length) return;
    const w = pick(rng, ws);
    if (!Array.isArray(w?.shape) || !w.shape.length) return;
    w.shape[int(rng, w.shape.length)] = pick(rng, [-1, -4, 0, 2.5, 1e9, 2 ** 40, -0, 20]);
  })],
  ['wrong dtype', 3, onJSON((rng, json) => {
    const ws = json.weightsManifest?.[0]?.weights;
    if (Array.isArray(ws) && ws.length) {
      const w = pick(rng, ws);
      if (typeof w === 'object' && w) w.dtype = pick(rng, DTYPES);
    }
  })],
  ['hostile path', 8, onJSON((rng, json) => {
    const g = json.weightsManifest?.[0];
    if (!g || !Array.isArray(g.paths)) return;
    const p = pick(rng, HOSTILE);
    if (rng() < 0.7) g.paths[0] = p;
    else g.paths.push(p);
  })],
  ['same file, other spelling', 3, onJSON((rng, json) => {
    const g = json.weightsManifest?.[0];
    if (g && Array.isArray(g.paths)) g.paths[0] = pick(rng, SAME_FILE);
  })],
  ['reformatted', 2, onJSON((rng, json) => JSON.stringify(json, null, pick(rng, [1, 2, '\t'])))],
  ['nested deep', 1, onJSON((rng, json) => {
    const s = randomSlot(rng, json);
    if (!s) return;
    let v = get(s);
    for (let k = 0; k < 150; k++) v = rng() < 0.5 ? [v] : { x: v };
    set(s, v);
  })],
  ['nested very deep (text)', 1, onJSON((rng, json) => {
    const s = randomSlot(rng, json);
    const n = 10_000 + int(rng, 90_000);
    if (s) return withRaw(json, s, rng() < 0.5 ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"k":'.repeat(n)}1${'}'.repeat(n)}`);
  })],
  ['bit flips in weights.bin', 5, (rng, c) => {
    for (let k = 1 + int(rng, 4); k > 0; k--) c.bin[int(rng, c.bin.length)] ^= 1 << int(rng, 8);
  }],
  ['truncated weights.bin', 2, (rng, c) => {
    c.bin = c.bin.slice(0, int(rng, c.bin.length));
  }],
  ['longer weights.bin', 1, (rng, c) => {
    const longer = new Uint8Array(c.bin.length + 1 + int(rng, 16));
    longer.set(c.bin);
    c.bin = longer;
  }],
];
const TOTAL_WEIGHT = MUTATIONS.reduce((n, m) => n + m[1], 0);

function mutate(rng: Rng): Case {
  const c: Case = { text: ORIGINAL_TEXT, bin: BIN.slice(), labels: [] };
  for (let k = rng() < 0.8 ? 1 : 2 + int(rng, 2); k > 0; k--) {
    let r = rng() * TOTAL_WEIGHT;
    const m = MUTATIONS.find(([, w]) => (r -= w) < 0) ?? MUTATIONS[0];
    m[2](rng, c);
    c.labels.push(m[0]);
  }
  return c;
}

/** The weights the loaded model must have, or null where only the weaker check applies. */
function expectedWeights(c: Case): Float32Array[] | null {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(c.text);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || c.bin.length !== BIN.length) return null;
  try {
    if (canonical(json.weightsManifest) !== ORIGINAL_MANIFEST) return null;
  } catch {
    return null; // too deep for this test's canonical(): certainly not the original manifest
  }
  // The original layout, decoded here: little-endian float32s back to back.
  const view = new DataView(c.bin.buffer, c.bin.byteOffset, c.bin.byteLength);
  let off = 0;
  return SPECS.map((s) => {
    const v = new Float32Array(s.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < v.length; i++, off += 4) v[i] = view.getFloat32(off, true);
    return v;
  });
}

/** Whether `values` is a run of float32s of `bin` at some 4-byte-aligned offset. */
function isRunOf(values: Float32Array, bin: Uint8Array): boolean {
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  for (let off = 0; off + 4 * values.length <= bin.length; off += 4) {
    let all = true;
    for (let i = 0; i < values.length && all; i++) all = Object.is(view.getFloat32(off + 4 * i, true), values[i]);
    if (all) return true;
  }
  return false;
}

let root = '';
let modelDir = '';

beforeAll(async () => {
  await wg.ready({ backend: 'cpu' });
  root = realpathSync(mkdtempSync(join(tmpdir(), 'webgrad-fuzz-')));
  modelDir = join(root, 'model');
  mkdirSync(modelDir);
  // The sentinel: outside the folder, the size of weights.bin, values found nowhere in it.
  const sentinel = join(root, 'secret.bin');
  writeFileSync(sentinel, weightBytes(WEIGHTS.map((w) => w.map((_, i) => 1000 + i))));
  symlinkSync('../secret.bin', join(modelDir, 'link-out.bin'));
  symlinkSync('..', join(modelDir, 'up'));
  symlinkSync('/dev/zero', join(modelDir, 'zero.bin'));
  mkdirSync(join(modelDir, 'folder.bin'));
  HOSTILE = [
    '../secret.bin', '../../secret.bin', 'sub/../../secret.bin', '%2e%2e/secret.bin', '..\\secret.bin', 'up/secret.bin', 'link-out.bin', 'zero.bin',
    'folder.bin', '.', '..', '', sentinel, `file://${sentinel}`, '/dev/zero', '/etc/passwd', 'http://127.0.0.1:9/weights.bin', '//127.0.0.1:9/w.bin',
    'C:\\secret.bin', 'weights.bin\u0000', 'missing.bin',
  ];
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const HANG_MS = 10_000;

async function loadCase(c: Case, mode: 'file' | 'files' | 'memory'): Promise<wg.Sequential> {
  if (mode === 'file') {
    writeFileSync(join(modelDir, 'model.json'), c.text);
    writeFileSync(join(modelDir, WEIGHT_FILE), c.bin);
    return wg.loadLayersModel(`file://${join(modelDir, 'model.json')}`);
  }
  if (mode === 'files') {
    return wg.loadLayersModel(wg.io.browserFiles([new File([c.text], 'model.json'), new File([c.bin.slice()], WEIGHT_FILE)]));
  }
  const json = JSON.parse(c.text);
  return wg.loadLayersModel(wg.io.fromMemory({
    modelTopology: json?.modelTopology,
    format: json?.format,
    weightSpecs: json?.weightsManifest?.[0]?.weights,
    weightData: c.bin.slice().buffer,
  }));
}

test(`${CASES} seeded mutations load right or throw a WebgradError`, async () => {
  const rng = seeded(SEED);
  const failures: string[] = [];
  const outcome = { loaded: 0, refused: 0, exact: 0 };
  const realFetch = globalThis.fetch;
  const fetched: string[] = [];
  globalThis.fetch = (async (u: unknown) => {
    fetched.push(String(u));
    throw new Error('no network in this test');
  }) as typeof fetch;
  try {
    for (let n = 0; n < CASES; n++) {
      const c = mutate(rng);
      let mode: 'file' | 'files' | 'memory' = n % FILE_EVERY === 0 ? 'file' : n % 3 === 0 ? 'memory' : 'files';
      if (mode === 'memory') {
        try {
          JSON.parse(c.text);
        } catch {
          mode = 'files'; // fromMemory needs parsed JSON
        }
      }
      const what = `case ${n} (${mode}: ${c.labels.join(' + ')})`;
      const from = fsCalls.length;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('HANG')), HANG_MS);
      });
      let model: wg.Sequential | null = null;
      try {
        model = await Promise.race([loadCase(c, mode), hang]);
      } catch (e) {
        if (!(e instanceof wg.WebgradError)) failures.push(`${what}: threw ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 300)}`);
        else outcome.refused++;
      } finally {
        clearTimeout(timer);
      }
      if (mode === 'file') {
        const outside = callsOutside(modelDir, from);
        if (outside.length) failures.push(`${what}: touched ${outside.join(', ')}`);
      }
      if (!model) continue;
      outcome.loaded++;
      try {
        // The fixture's Activation layer has no weights; every other layer has some.
        const built = model.built && model.layers.every((l) => l.built && (l.weights.length > 0 || l.className === 'Activation'));
        const got = await loadedWeights(model);
        const expected = expectedWeights(c);
        if (!built) failures.push(`${what}: returned a model that is not built`);
        else if (expected) {
          outcome.exact++;
          const ok = got.length === expected.length && got.every((w, i) => sameValues(w.values, expected[i]));
          if (!ok) failures.push(`${what}: loaded weights differ from the file's`);
        } else if (!got.length || !got.every((w) => isRunOf(w.values, c.bin))) {
          failures.push(`${what}: a loaded weight is not in the weight file`);
        }
      } finally {
        model.dispose();
      }
    }
  } finally {
    globalThis.fetch = realFetch;
  }
  console.log(`fuzz: ${CASES} cases, ${outcome.loaded} loaded (${outcome.exact} compared exactly), ${outcome.refused} refused with a WebgradError`);
  expect(fetched).toEqual([]);
  expect(failures.slice(0, 20)).toEqual([]);
  // The mutations must reach both outcomes, or the fuzz tests little.
  expect(outcome.loaded).toBeGreaterThan(CASES / 20);
  expect(outcome.exact).toBeGreaterThan(CASES / 40);
  expect(outcome.refused).toBeGreaterThan(CASES / 2);
}, 120_000);
