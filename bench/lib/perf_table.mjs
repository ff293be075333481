// The README's performance section, generated from bench JSON files (one per
// full `npm run bench` run) so that no figure is copied by hand: the machine
// and adapter each run saw, one table of medians with the runs side by side,
// and each target checked in every run. Pure: JSON in, markdown out.
import { fmt, speedup } from './report.mjs';

/** Column order and names; systems a run lacks are left out. */
const SYSTEM_NAMES = {
  'webgrad/webgpu': 'webgrad webgpu', 'webgrad/wasm': 'webgrad wasm', 'webgrad/wasm-1t': 'webgrad wasm 1 thread', 'webgrad/cpu': 'webgrad cpu',
  'tfjs/webgpu': 'TF.js webgpu', 'tfjs/wasm': 'TF.js wasm', 'tfjs/cpu': 'TF.js cpu',
  'jax/webgpu': 'jax-js webgpu', 'jax/wasm': 'jax-js wasm',
};

/**
 * The targets of the open issues: webgrad `system` at least `factor` times as
 * fast as `peer` on `workload` (factor 1 = no slower), or, with `atLeast`, a
 * median of at least that many units.
 */
export const TARGETS = [
  { workload: 'mlp-mnist-step', system: 'webgrad/webgpu', peer: 'jax/webgpu', factor: 2, issue: 13 },
  { workload: 'mlp-mnist-step', system: 'webgrad/webgpu', peer: 'tfjs/webgpu', factor: 8, issue: 13 },
  { workload: 'mlp-tiny-step', system: 'webgrad/webgpu', peer: 'tfjs/webgpu', factor: 10, issue: 13 },
  { workload: 'first-mnist-step', system: 'webgrad/webgpu', peer: 'jax/webgpu', factor: 1, issue: 13 },
  { workload: 'cnn-mnist-step', system: 'webgrad/webgpu', peer: 'tfjs/webgpu', factor: 5, issue: 11 },
  { workload: 'cnn-mnist-step', system: 'webgrad/webgpu', peer: 'jax/webgpu', factor: 2, issue: 11 },
  { workload: 'matmul-1024', system: 'webgrad/wasm', atLeast: 25, issue: 14 },
  { workload: 'matmul-1024', system: 'webgrad/wasm', peer: 'tfjs/wasm', factor: 1, issue: 14 },
  { workload: 'mlp-mnist-step', system: 'webgrad/wasm', peer: 'tfjs/wasm', factor: 1, issue: 14 },
  { workload: 'mlp-mnist-step', system: 'webgrad/wasm', peer: 'jax/wasm', factor: 1, issue: 14, aim: true },
  { workload: 'mlp-tiny-step', system: 'webgrad/wasm', peer: 'webgrad/cpu', factor: 1, issue: 14 },
  { workload: 'predict-1', system: 'webgrad/wasm', peer: 'webgrad/cpu', factor: 1, issue: 14 },
];

/**
 * The results of a run, with two figures the rows of other workloads carry
 * added as workloads: "first-mnist-step" (time to the first MNIST training
 * step, from mlp-mnist-step) and "cnn-step-peak-memory" (from cnn-mnist-step:
 * webgrad's `wg.stats().peakBytes`, every buffer the backend has allocated,
 * pooled ones included; TF.js's `tf.profile` peakBytes of one step; jax-js
 * reports none).
 */
export function resultsOf(run) {
  const out = [...run.results];
  for (const r of run.results) {
    if (r.workload === 'mlp-mnist-step' && r.ok && Number.isFinite(r.extra?.firstStepMs)) {
      out.push({ workload: 'first-mnist-step', system: r.system, unit: 'ms', better: 'lower', ok: true, median: r.extra.firstStepMs });
    }
    const peak = r.extra?.memory?.peakBytes ?? r.extra?.memory?.profilePeakBytes;
    if (r.workload === 'cnn-mnist-step' && r.ok && Number.isFinite(peak)) {
      out.push({ workload: 'cnn-step-peak-memory', system: r.system, unit: 'MiB', better: 'lower', ok: true, median: peak / 2 ** 20 });
    }
  }
  return out;
}

function machineLine(run, label) {
  const a = run.env?.adapter;
  const adapter = a ? `${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}${a.isFallbackAdapter ? ' (isFallbackAdapter: a GPU emulated on the CPU)' : ''}` : 'none';
  return `- Run ${label}: ${run.date}, ${run.browser ?? 'browser unknown'}, ${run.env?.hardwareConcurrency ?? '?'} logical CPUs, ` +
    `cross-origin isolated: ${run.env?.crossOriginIsolated ? 'yes' : 'no'}, WebGPU adapter: ${adapter}, ${Math.round(run.durationSec)} s.`;
}

const cell = (r) => (r?.ok ? fmt(r.median) : r ? 'error' : '-');

function targetLine(t, runs, labels) {
  const per = runs.map((results) => {
    const w = results.find((r) => r.workload === t.workload && r.system === t.system);
    if (t.atLeast !== undefined) return w?.ok ? { text: `${fmt(w.median)} ${w.unit}`, met: w.median >= t.atLeast } : null;
    const x = speedup(w, results.find((r) => r.workload === t.workload && r.system === t.peer));
    return x == null ? null : { text: `${fmt(x)}x`, met: x >= t.factor };
  });
  const goal = t.atLeast !== undefined ? `at least ${t.atLeast}` : t.factor === 1 ? `no slower than ${SYSTEM_NAMES[t.peer]}` : `at least ${t.factor}x ${SYSTEM_NAMES[t.peer]}`;
  const got = per.map((p, i) => `${labels[i]} ${p ? p.text : 'not measured'}`).join(', ');
  const verdict = per.every((p) => p?.met) ? 'met in every run' : per.some((p) => p?.met) ? 'met in some runs' : 'not met';
  return `- ${t.workload}, ${SYSTEM_NAMES[t.system]}: ${goal}${t.aim ? ' (an aim)' : ''} (issue ${t.issue}): ${got}: **${verdict}**.`;
}

const PEAK_MEMORY_NOTE = 'cnn-step-peak-memory: for webgrad, `wg.stats().peakBytes` after the timed CNN steps (every buffer the ' +
  'backend has allocated in the page, pooled ones included); for TF.js, the peakBytes `tf.profile` reports for one more step; ' +
  'jax-js reports none.';

/** The markdown for `runs` (parsed bench JSON, in order), labelled A, B, ... */
export function perfTableMarkdown(runs) {
  if (runs.length === 0) throw new Error('perfTableMarkdown: no runs given');
  const labels = runs.map((_, i) => String.fromCharCode(65 + i));
  const all = runs.map(resultsOf);
  const systems = Object.keys(SYSTEM_NAMES).filter((s) => all.some((rs) => rs.some((r) => r.system === s)));
  const workloads = [...new Set(all.flatMap((rs) => rs.map((r) => r.workload)))];
  const unitOf = (wl) => all.flatMap((rs) => rs).find((r) => r.workload === wl && r.unit)?.unit ?? '';
  const head = `| workload (run ${labels.join(' / ')}) | ${systems.map((s) => SYSTEM_NAMES[s]).join(' | ')} |`;
  const rows = workloads.map((wl) => {
    const cells = systems.map((s) => all.map((rs) => cell(rs.find((r) => r.workload === wl && r.system === s))).join(' / '));
    return `| ${wl} (${unitOf(wl)}) | ${cells.join(' | ')} |`;
  });
  return [
    'Generated by `npm run bench:table` from the bench JSON in `bench/results/readme/`; do not edit by hand.',
    '',
    ...runs.map((r, i) => machineLine(r, labels[i])),
    '',
    head,
    `|---|${systems.map(() => '---').join('|')}|`,
    ...rows,
    ...(workloads.includes('cnn-step-peak-memory') ? ['', PEAK_MEMORY_NOTE] : []),
    '',
    'Targets, checked in each run:',
    ...TARGETS.map((t) => targetLine(t, all, labels)),
  ].join('\n');
}

export const TABLE_START = '<!-- perf-table:start -->';
export const TABLE_END = '<!-- perf-table:end -->';

/** `readme` with the text between the markers replaced by `markdown`. */
export function replaceTable(readme, markdown) {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${TABLE_START} ... ${TABLE_END} section`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${markdown}\n${readme.slice(end)}`;
}
