// The README's performance table is generated, never hand-edited: it must be
// what `npm run bench:table` makes of the runs kept in bench/results/readme/,
// and the generator must put each median in its cell and judge each target
// from the ratio of the same run.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
// @ts-expect-error: plain JavaScript module of the bench, without declarations
import { perfTableMarkdown, replaceTable } from '../../bench/lib/perf_table.mjs';

const ROOT = resolve(__dirname, '../..');
const render = perfTableMarkdown as (runs: unknown[]) => string;

function run(date: string, medians: Record<string, number>, firstStepMs = 100): unknown {
  const results = Object.entries(medians).map(([key, median]) => {
    const [workload, system] = key.split(' ');
    const ms = workload.includes('step') || workload.startsWith('predict');
    return {
      workload, system, ok: true, median, unit: ms ? 'ms/step' : 'GFLOP/s', better: ms ? 'lower' : 'higher',
      ...(workload === 'mlp-mnist-step' ? { extra: { firstStepMs } } : {}),
    };
  });
  return { date, durationSec: 600, browser: 'Chrome/1', env: { hardwareConcurrency: 2, crossOriginIsolated: true, adapter: { vendor: 'v', architecture: 'a', isFallbackAdapter: true } }, results };
}

test('the README table is the one the kept bench runs give (npm run bench:table -- --check)', () => {
  const out = execFileSync('node', ['scripts/perf-table.mjs', '--check'], { cwd: ROOT, encoding: 'utf8' });
  expect(out).toMatch(/matches [1-9]\d* run\(s\)/);
});

test('cells hold each run\'s median; targets are judged per run from that run\'s ratio', () => {
  const a = run('A-date', { 'matmul-1024 webgrad/wasm': 30, 'matmul-1024 tfjs/wasm': 20, 'mlp-mnist-step webgrad/wasm': 10, 'mlp-mnist-step tfjs/wasm': 40, 'mlp-mnist-step jax/wasm': 12 });
  const b = run('B-date', { 'matmul-1024 webgrad/wasm': 24, 'matmul-1024 tfjs/wasm': 26, 'mlp-mnist-step webgrad/wasm': 11, 'mlp-mnist-step tfjs/wasm': 44, 'mlp-mnist-step jax/wasm': 10 });
  const md = render([a, b]);
  expect(md).toContain('| workload (run A / B) | webgrad wasm | TF.js wasm | jax-js wasm |');
  expect(md).toContain('| matmul-1024 (GFLOP/s) | 30.00 / 24.00 | 20.00 / 26.00 | - / - |');
  expect(md).toContain('| mlp-mnist-step (ms/step) | 10.00 / 11.00 | 40.00 / 44.00 | 12.00 / 10.00 |');
  // 30 and 24 GFLOP/s against "at least 25": met in run A only.
  expect(md).toMatch(/matmul-1024, webgrad wasm: at least 25 .*A 30\.00 GFLOP\/s, B 24\.00 GFLOP\/s: \*\*met in some runs\*\*/);
  // 4x TF.js in both runs: met in every run.
  expect(md).toMatch(/mlp-mnist-step, webgrad wasm: no slower than TF\.js wasm .*A 4\.00x, B 4\.00x: \*\*met in every run\*\*/);
  // 1.2x then 0.909x jax-js.
  expect(md).toMatch(/mlp-mnist-step, webgrad wasm: no slower than jax-js wasm \(an aim\) .*A 1\.20x, B 0\.909x: \*\*met in some runs\*\*/);
  // Systems no run measured are not columns; targets about them say so.
  expect(md).not.toContain('webgrad webgpu |');
  expect(md).toMatch(/mlp-tiny-step, webgrad webgpu: .*A not measured, B not measured: \*\*not met\*\*/);
  expect(md).toContain('- Run A: A-date, Chrome/1, 2 logical CPUs, cross-origin isolated: yes, WebGPU adapter: v / a (isFallbackAdapter');
});

test('the CNN step\'s peak memory becomes a row: webgrad\'s peakBytes, TF.js\'s tf.profile peakBytes, in MiB', () => {
  const cnn = (system: string, memory: Record<string, number> | undefined) => ({ workload: 'cnn-mnist-step', system, ok: true, median: 400, unit: 'ms/step', better: 'lower', extra: { memory } });
  const withMemory = (date: string, webgradBytes: number) => {
    const r = run(date, {}) as { results: unknown[] };
    r.results.push(cnn('webgrad/webgpu', { peakBytes: webgradBytes, bytes: 1 }), cnn('tfjs/webgpu', { numBytes: 1, profilePeakBytes: 3 * 2 ** 20 }), cnn('jax/webgpu', undefined));
    return r;
  };
  const md = render([withMemory('A', 2 * 2 ** 20), withMemory('B', 2.5 * 2 ** 20)]);
  expect(md).toContain('| cnn-step-peak-memory (MiB) | 2.00 / 2.50 | 3.00 / 3.00 | - / - |');
  expect(md).toMatch(/cnn-step-peak-memory: for webgrad, `wg.stats\(\).peakBytes`/);
});

test('replaceTable swaps only the text between the markers, and refuses a README without them', () => {
  const readme = 'intro\n<!-- perf-table:start -->\nold\n<!-- perf-table:end -->\noutro\n';
  expect(replaceTable(readme, 'new')).toBe('intro\n<!-- perf-table:start -->\nnew\n<!-- perf-table:end -->\noutro\n');
  expect(() => replaceTable('no markers', 'x')).toThrow(/perf-table:start/);
});
