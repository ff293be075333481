// The README's "Ten lines" example, run as a user runs it: the fenced block
// is copied out of README.md into an .mjs file inside the repository (where
// `import ... from 'webgradjs'` resolves to the built dist/ through Node's
// package self-reference) and run in a child `node`. With no GPU given, Node
// has no WebGPU, so `ready()` picks the WebAssembly SIMD backend. The test checks what the
// snippet prints: the last XOR loss is small and the prediction for [1, 0]
// is on the right side of 0.5. The snippet's initialisation is not seeded, so
// its configuration must learn XOR from any start: 16 relu units with adam(0.01)
// stalled at loss 0.35 in 4 of 300 runs; 16 tanh units with adam(0.05) in
// none of 1,500 (measured with the snippet's own model in a loop).
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'dist', 'webgrad.js');

/** The first ```ts block after the "## Ten lines" heading of README.md. */
function tenLinesSnippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Ten lines\s*$/m)[1];
  if (section === undefined) throw new Error('README.md has no "## Ten lines" section');
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('the "## Ten lines" section of README.md has no ```ts block');
  return block[1];
}

let work = '';

beforeAll(() => {
  if (!existsSync(BUNDLE)) execSync('npx vite build', { cwd: ROOT, stdio: 'inherit' });
  work = mkdtempSync(join(ROOT, '.tmp-ten-lines-'));
  writeFileSync(join(work, '.gitignore'), '*\n');
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the README "Ten lines" example runs from the built package and learns XOR', () => {
  const snippet = tenLinesSnippet();
  expect(snippet).toMatch(/^import \* as wg from 'webgradjs';$/m);
  expect(snippet.trim().split('\n').length, 'ten lines, give or take').toBeLessThanOrEqual(12);
  writeFileSync(join(work, 'ten.mjs'), snippet);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.VITEST;
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, ['ten.mjs'], { cwd: work, env, encoding: 'utf8', timeout: 90_000 });
  const report = `exit ${r.status}, signal ${r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  expect(r.status, report).toBe(0);
  // console.log(loss, Float32Array [p]) prints e.g. "0.0123 Float32Array(1) [ 0.98 ]".
  const m = /^(\S+) Float32Array\(1\) \[ (\S+) \]$/m.exec(r.stdout);
  expect(m, report).not.toBeNull();
  const loss = Number(m![1]);
  const p = Number(m![2]);
  expect(Number.isFinite(loss), report).toBe(true);
  expect(loss, `final XOR loss\n${report}`).toBeLessThan(0.1);
  expect(p, `prediction for [1, 0] (XOR = 1)\n${report}`).toBeGreaterThan(0.5);
}, 120_000);
