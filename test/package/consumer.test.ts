// The published package as a user gets it. A copy of the working tree as a
// fresh clone has it (the files git tracks or would track, no dist/) is packed
// with `npm pack`, so prepack must build dist/; the tarball is installed into
// a new project offline (with its one dependency, @webgpu/types, packed from
// node_modules). There a sample is type-checked with --strict
// and skipLibCheck false (the declarations must compile on their own, and a
// misspelled loss name must not), then run by Node as an ES module and as
// CommonJS: each trains a tiny model on the CPU backend and prints its losses.
// Building in a copy leaves the repository's dist/ alone for the other tests.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const VITE = join(ROOT, 'node_modules', '.bin', 'vite');

let work = '';
let consumer = '';
let tarballFiles: string[] = [];

/** Runs a command; on failure the error carries its output. */
function run(cmd: string, args: string[], cwd: string): string {
  // Under `npm test` the environment names the repository as npm's local
  // prefix; the child commands must act on `cwd` only.
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_(config_local_prefix|config_prefix|package_|lifecycle_)/i.test(k)) delete env[k];
  try {
    return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

// The same program in both module formats; FORMAT tells the outputs apart.
const SAMPLE = (format: string): string => `import * as wg from 'webgradjs';

const FORMAT = '${format}';

async function main(): Promise<void> {
  const info = await wg.ready({ backend: 'cpu' });
  const model = wg.sequential({
    layers: [
      wg.layers.dense({ units: 8, activation: 'tanh', inputShape: [2], kernelInitializer: wg.initializers.glorotUniform({ seed: 7 }) }),
      wg.layers.dense({ units: 1, kernelInitializer: wg.initializers.glorotUniform({ seed: 8 }) }),
    ],
  });
  model.compile({ optimizer: wg.train.adam(0.05), loss: 'meanSquaredError', metrics: ['mae'] });
  const history = await model.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 60, batchSize: 4, seed: 1, verbose: 0 });
  const loss: number[] = history.history.loss;
  console.log(JSON.stringify({ format: FORMAT, backend: info.name, loss }));
  model.dispose();
}

// Never called: only the type checker looks at it.
export function misspelled(): wg.ModelCompileArgs {
  // @ts-expect-error a misspelled loss name must not compile
  return { optimizer: 'adam', loss: 'meanSquareError' };
}

void main();
`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'webgradjs-pack-'));

  // A clean clone's files: tracked plus untracked-but-not-ignored, no dist/.
  const clone = join(work, 'clone');
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT).split('\0').filter(Boolean);
  for (const f of files) {
    const from = join(ROOT, f);
    if (f === 'node_modules' || f.startsWith('dist/') || !existsSync(from)) continue;
    mkdirSync(dirname(join(clone, f)), { recursive: true });
    cpSync(from, join(clone, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  expect(existsSync(join(clone, 'dist')), 'the copy starts without dist/').toBe(false);

  run('npm', ['pack', '--pack-destination', work], clone);
  const tgz = readdirSync(work).filter((f) => f.endsWith('.tgz'));
  expect(tgz).toHaveLength(1);
  const tarball = join(work, tgz[0]);
  tarballFiles = run('tar', ['-tzf', tarball], work).split('\n').filter(Boolean);

  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  // The registry's copy of the dependency, offline: npm's cache holds the
  // tarballs `npm ci` fetched but not the registry index a fresh install
  // reads, so @webgpu/types is packed from node_modules and installed with it.
  run('npm', ['pack', '--ignore-scripts', '--pack-destination', work, join(ROOT, 'node_modules', '@webgpu', 'types')], work);
  const typesTgz = readdirSync(work).find((f) => f.startsWith('webgpu-types-') && f.endsWith('.tgz'));
  expect(typesTgz, '@webgpu/types packed').toBeDefined();
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--prefix', consumer, join(work, typesTgz!), tarball], consumer);
  writeFileSync(join(consumer, 'sample.mts'), SAMPLE('esm'));
  writeFileSync(join(consumer, 'sample.cts'), SAMPLE('cjs'));
  // No "types": the declarations must pull in @webgpu/types themselves.
  // node16 is the strict reading of exports: require() may not load ES module types.
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, skipLibCheck: false, module: 'node16', moduleResolution: 'node16', target: 'es2022',
      lib: ['es2022', 'dom'], outDir: 'out', rootDir: '.',
    },
    files: ['sample.mts', 'sample.cts'],
  }));
}, 180_000);

// README, "In the browser": the snippet an app bundles with Vite.
const BROWSER_MAIN = `import * as wg from 'webgradjs';

const info = await wg.ready();
document.body.textContent = \`webgrad runs on \${info.name}\`;
`;

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the built ES module, the CommonJS twin, declarations for both, README and LICENSE, no sources', () => {
  for (const f of ['dist/webgrad.js', 'dist/webgrad.cjs', 'dist/index.d.ts', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'README.md', 'LICENSE', 'package.json']) {
    expect(tarballFiles, f).toContain(`package/${f}`);
  }
  expect(tarballFiles.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
  const pkg = JSON.parse(readFileSync(join(consumer, 'node_modules', 'webgradjs', 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
  expect(pkg.name).toBe('webgradjs');
  expect(Object.keys(pkg.dependencies ?? {})).toContain('@webgpu/types');
});

test('a consumer type-checks with --strict and skipLibCheck false; a misspelled loss name is an error', () => {
  // tsc fails on any error, and on the @ts-expect-error line if the typo compiled.
  run(TSC, ['-p', 'tsconfig.json'], consumer);
  expect(readFileSync(join(consumer, 'out', 'sample.cjs'), 'utf8')).toMatch(/require\("webgradjs"\)/);
  expect(readFileSync(join(consumer, 'out', 'sample.mjs'), 'utf8')).toMatch(/from 'webgradjs'/);
});

test('import and require resolve to the ES module and the CommonJS build', () => {
  expect(run('node', ['-p', "require.resolve('webgradjs')"], consumer).trim()).toBe(join(consumer, 'node_modules', 'webgradjs', 'dist', 'webgrad.cjs'));
  const esm = run('node', ['--input-type=module', '-e', "console.log(import.meta.resolve('webgradjs'))"], consumer).trim();
  expect(esm).toBe(`file://${join(consumer, 'node_modules', 'webgradjs', 'dist', 'webgrad.js')}`);
});

test('the sample trains in Node as ESM and as CommonJS: finite, falling, identical losses', () => {
  const results = ['sample.mjs', 'sample.cjs'].map((f) => {
    const lines = run('node', [join('out', f)], consumer).trim().split('\n');
    return JSON.parse(lines[lines.length - 1]) as { format: string; backend: string; loss: number[] };
  });
  expect(results.map((r) => r.format)).toEqual(['esm', 'cjs']);
  for (const r of results) {
    expect(r.backend).toBe('cpu');
    expect(r.loss).toHaveLength(60);
    expect(r.loss.every(Number.isFinite), `${r.format} losses finite`).toBe(true);
    expect(r.loss[59], `${r.format}: final loss well below the first`).toBeLessThan(r.loss[0] * 0.5);
  }
  // Same seeds, same code: the two builds must train identically.
  expect(results[1].loss).toEqual(results[0].loss);
});

test("the README's browser snippet bundles with Vite", () => {
  const app = join(consumer, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  writeFileSync(join(app, 'index.html'), '<!doctype html><html><body><script type="module" src="/src/main.ts"></script></body></html>\n');
  writeFileSync(join(app, 'src', 'main.ts'), BROWSER_MAIN);
  run(VITE, ['build', '--logLevel', 'error'], app); // resolves 'webgradjs' from ../node_modules
  const assets = readdirSync(join(app, 'dist', 'assets')).filter((f) => f.endsWith('.js'));
  expect(assets).toHaveLength(1);
  const bundle = readFileSync(join(app, 'dist', 'assets', assets[0]), 'utf8');
  expect(bundle).toContain('webgrad runs on');
  expect(bundle, 'the WGSL shaders come inlined').toMatch(/@compute\s+@workgroup_size/);
});
