// The README's "In Node" example, run against the built package exactly as a
// user runs it: the fenced block is copied out of README.md (so the README
// cannot drift from what is tested) into a folder inside the repository, where
// `import ... from 'webgradjs'` resolves to dist/ through package.json's
// "exports" (Node's package self-reference), and run in a child `node` with
// `--expose-gc` and a timer calling gc() every few milliseconds. The GPU object
// is passed inline (`ready({ gpu: create([]) })`), so only webgrad holds it:
// if webgrad let it be collected, Dawn crashes or hangs the child. A crash, a
// hang (timeout) or a non-zero exit fails the test; so do wrong predictions,
// checked against a float64 forward pass over the weights the child saved.
import { execSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { expectAllClose } from '../helpers/allclose.js';

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'dist', 'webgrad.js');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CHILD_TIMEOUT_MS = 90_000;
const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_Y = [0, 1, 1, 0];

/** The first ```js block after the "### In Node" heading of README.md. */
function readmeNodeSnippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^### In Node\s*$/m)[1];
  if (section === undefined) throw new Error('README.md has no "### In Node" section');
  const block = /```js\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('the "### In Node" section of README.md has no ```js block');
  return block[1];
}

// Calls gc() every 2 ms while the script runs (the timer does not keep the
// process alive), and reports how many times it did on exit.
const GC_DRIVER = `let calls = 0;
setInterval(() => { globalThis.gc(); calls++; }, 2).unref();
process.on('exit', () => process.stderr.write('[gc-driver] ' + calls + ' gc() calls\\n'));
`;

let work = '';

beforeAll(() => {
  if (!existsSync(BUNDLE)) execSync('npx vite build', { cwd: ROOT, stdio: 'inherit' });
  expect(existsSync(BUNDLE), `${BUNDLE} must exist (npm run build)`).toBe(true);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string };
  expect(pkg.name, 'the package name the README imports').toBe('webgradjs');
  // Inside the repository so that 'webgradjs' (self-reference) and 'webgpu'
  // (node_modules) resolve; the folder ignores itself for git.
  work = mkdtempSync(join(ROOT, '.tmp-node-readme-'));
  writeFileSync(join(work, '.gitignore'), '*\n');
  writeFileSync(join(work, 'gc-driver.mjs'), GC_DRIVER);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface ChildResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

function runNode(script: string, cwd: string): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.VITEST;
  delete env.NODE_OPTIONS;
  if (!env.WEBGRAD_REAL_GPU && !env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  env.XDG_RUNTIME_DIR ??= tmpdir(); // as the README advises; only silences libwayland
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', './gc-driver.mjs', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_MS);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, timedOut, stdout, stderr });
    });
  });
}

/** float64 forward pass of the saved Sequential of Dense layers, from model.json and its weight file. */
function referencePredict(modelDir: string, x: number[][]): number[] {
  const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as {
    modelTopology: { config: { layers: { class_name: string; config: { units: number; activation: string; use_bias: boolean } }[] } };
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  };
  const values: Float32Array[] = [];
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((p) => readFileSync(join(modelDir, p))));
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    let at = 0;
    for (const w of group.weights) {
      expect(w.dtype).toBe('float32');
      const n = w.shape.reduce((a, b) => a * b, 1);
      values.push(all.slice(at, at + n));
      at += n;
    }
  }
  const act: Record<string, (v: number) => number> = { tanh: Math.tanh, sigmoid: (v) => 1 / (1 + Math.exp(-v)), linear: (v) => v, relu: (v) => Math.max(0, v) };
  let rows = x.map((r) => r.slice());
  let w = 0;
  for (const layer of json.modelTopology.config.layers) {
    expect(layer.class_name).toBe('Dense');
    const kernel = values[w++];
    const bias = layer.config.use_bias ? values[w++] : null;
    const units = layer.config.units;
    const f = act[layer.config.activation];
    expect(f, `activation ${layer.config.activation}`).toBeDefined();
    rows = rows.map((r) =>
      Array.from({ length: units }, (_, j) => f(r.reduce((s, v, i) => s + v * kernel[i * units + j], bias ? bias[j] : 0))),
    );
  }
  return rows.map((r) => r[0]);
}

/** Runs `source` as xor.mjs in a fresh folder and checks it the way a user would see it. */
async function runSnippet(name: string, source: string): Promise<string> {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'xor.mjs'), source);
  writeFileSync(join(dir, 'gc-driver.mjs'), GC_DRIVER);
  const r = await runNode('xor.mjs', dir);
  const report = `child exit ${r.code}, signal ${r.signal}${r.timedOut ? `, killed after ${CHILD_TIMEOUT_MS} ms` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  expect(r.timedOut, report).toBe(false);
  expect(r.signal, report).toBeNull();
  expect(r.code, report).toBe(0);
  const gcCalls = Number(/\[gc-driver\] (\d+) gc\(\) calls/.exec(r.stderr)?.[1] ?? 0);
  expect(gcCalls, `the gc() timer ran during the script\n${report}`).toBeGreaterThan(10);

  const printed = r.stdout.split('predictions:')[1];
  expect(printed, report).toBeDefined();
  const predictions = (printed.match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/g) ?? []).map(Number);
  expect(predictions).toHaveLength(4);
  predictions.forEach((p, i) => (XOR_Y[i] === 1 ? expect(p).toBeGreaterThan(0.5) : expect(p).toBeLessThan(0.5)));
  // The model was saved and loaded: the loaded model's predictions are those
  // of the saved weights.
  expectAllClose(predictions, referencePredict(join(dir, 'xor-model'), XOR_X), { rtol: 1e-4, atol: 1e-5 }, `${name}: loaded model vs float64 forward pass of the saved weights`);
  return r.stdout;
}

/** Whether the child will see SwiftShader (the emulated adapter) rather than a real GPU. */
const onSwiftShader = (): boolean => !process.env.WEBGRAD_REAL_GPU && (process.env.VK_ICD_FILENAMES ?? (existsSync(SWIFTSHADER_ICD) ? SWIFTSHADER_ICD : '')).includes('swiftshader');

test('the README Node example, as written (backend auto), trains, saves, loads and exits by itself', async () => {
  const stdout = await runSnippet('auto', readmeNodeSnippet());
  const backendLine = stdout.split('\n').find((l) => l.startsWith('backend:')) ?? '';
  if (onSwiftShader()) {
    // auto passes the emulated adapter over, and says which one and why.
    expect(backendLine).toMatch(/^backend: wasm /);
    expect(backendLine).toMatch(/swiftshader/i);
    expect(backendLine).toMatch(/backend: 'webgpu'/);
  } else {
    expect(backendLine).toMatch(/^backend: webgpu/);
  }
}, 120_000);

test('the README Node example with backend "webgpu": Dawn, the GPU object passed inline, gc() throughout, clean exit', async () => {
  const snippet = readmeNodeSnippet();
  const inline = 'wg.ready({ gpu: create([]) })';
  expect(snippet.split(inline).length - 1, `the README passes the GPU object inline: ${inline}`).toBe(1);
  expect(snippet).toMatch(/^import \* as wg from 'webgradjs';$/m);
  const stdout = await runSnippet('webgpu', snippet.replace(inline, "wg.ready({ gpu: create([]), backend: 'webgpu' })"));
  expect(stdout.split('\n').find((l) => l.startsWith('backend:'))).toMatch(/^backend: webgpu/);
}, 120_000);
