// The benchmark page: pick workloads and systems, run them one pair at a
// time, chart the medians, show the CLI's tables, and offer the JSON.
// URL parameters preselect (and ?autorun starts) a run:
//   benchmark.html?workloads=matmul-256&systems=webgrad/cpu,tfjs/wasm&quick&autorun
import { resultRows, RESULT_HEAD, speedupTable } from '../../bench/lib/report.mjs';
import { QUICK_WORKLOADS, SYSTEMS, WEBGRAD, WORKLOADS } from '../../bench/workloads.mjs';
import { BarChart } from '../shared/chart.js';
import { byId, downloadBlob, fmt, h, showError } from '../shared/dom.js';
import { mountLayout } from '../shared/layout.js';
import { publish } from '../shared/state.js';
import { environment, runPairWithLimit, type PairResult } from './runner.js';

const picker = mountLayout('benchmark');
const params = new URLSearchParams(location.search);
const list = (s: string | null): string[] | null => (s === null ? null : s.split(',').map((x) => x.trim()).filter(Boolean));
const quickBox = byId<HTMLInputElement>('quick');
const repsBox = byId<HTMLInputElement>('reps');
const runButton = byId<HTMLButtonElement>('run');
const stopButton = byId<HTMLButtonElement>('stop');
const downloadButton = byId<HTMLButtonElement>('download');

quickBox.checked = params.has('quick');
if (params.get('reps')) repsBox.value = params.get('reps')!;
const chosenWorkloads = list(params.get('workloads')) ?? (quickBox.checked ? QUICK_WORKLOADS : WORKLOADS.map((w): string => String(w.name)));
const chosenSystems = list(params.get('systems')) ?? SYSTEMS;

function checkboxes(container: HTMLElement, name: string, items: { value: string; label: string }[], checked: string[]): void {
  container.replaceChildren(...items.map((it) =>
    h('label', { style: 'display:block' }, h('input', { type: 'checkbox', name, value: it.value, checked: checked.includes(it.value) }), ` ${it.label}`)));
}
checkboxes(byId('workloads'), 'workload', WORKLOADS.map((w) => ({ value: String(w.name), label: `${w.name} (${w.unit}, ${w.better} is better)` })), chosenWorkloads);
checkboxes(byId('systems'), 'system', SYSTEMS.map((s) => ({ value: s, label: s })), chosenSystems);
const checked = (name: string): string[] => Array.from(document.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`), (i) => i.value);

function log(msg: string): void {
  const el = byId('log');
  el.textContent += `${msg}\n`;
  el.scrollTop = el.scrollHeight;
}

let env: Record<string, unknown> = {};
let results: PairResult[] = [];
let stopRequested = false;
let lastRun: { date: string; options: Record<string, unknown> } | null = null;

function table(head: string[], rows: string[][], cls: (cell: string, col: number) => string): HTMLTableElement {
  return h('table', { class: 'data' },
    h('tr', {}, ...head.map((c) => h('th', {}, c))),
    ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { class: cls(c, i) }, c)))));
}

function render(): void {
  const charts = byId('charts');
  charts.replaceChildren();
  for (const workload of [...new Set(results.map((r) => r.workload))]) {
    const rows = results.filter((r) => r.workload === workload);
    const first = rows[0];
    const canvas = h('canvas');
    charts.append(h('div', {}, h('h2', {}, `${workload} (${first.unit ?? ''}, ${first.better ?? '?'} is better)`), canvas));
    new BarChart(canvas, { orientation: 'horizontal', height: 26 * rows.length + 8 }).set(rows.map((r) => ({
      label: r.system,
      value: r.ok ? r.median! : 0,
      text: r.ok ? `${fmt(r.median!)} ${r.unit ?? ''}` : `error: ${(r.error ?? '').slice(0, 60)}`,
      color: WEBGRAD.includes(r.system) ? '#2f6fd6' : '#9aa4b2',
    })));
  }
  const sp = speedupTable(results, WEBGRAD);
  byId('tables').replaceChildren(
    h('h2', { style: 'margin-top:12px' }, 'All results'),
    table(RESULT_HEAD, resultRows(results) as string[][], (c, i) => (c.startsWith('error:') ? 'err' : i === 2 || i === 5 ? 'num' : '')),
    h('h2', { style: 'margin-top:12px' }, 'webgrad speed-up (how many times faster than each peer; > 1 = webgrad faster)'),
    table(sp.head, sp.rows as string[][], (c, i) => (i < 2 || c === '-' ? '' : parseFloat(c) >= 1 ? 'num fast' : 'num slow')),
  );
}

function report(): Record<string, unknown> {
  return { date: lastRun?.date, page: location.href, options: lastRun?.options, env, backend: window.demo.backend, results };
}

async function run(): Promise<void> {
  const workloads = checked('workload');
  const systems = checked('system');
  const quick = quickBox.checked;
  const reps = repsBox.value ? Number(repsBox.value) : undefined;
  results = [];
  stopRequested = false;
  lastRun = { date: new Date().toISOString(), options: { workloads, systems, quick, reps } };
  runButton.disabled = true;
  stopButton.disabled = false;
  byId<HTMLSelectElement>('backend-select').disabled = true;
  publish('benchmark', { running: true, done: false, results });
  byId('log').textContent = '';
  try {
    outer: for (const workload of workloads) {
      for (const system of systems) {
        if (stopRequested) break outer;
        log(`${workload} on ${system} …`);
        const r = await runPairWithLimit(workload, system, { quick, reps, log });
        log(r.ok ? `  -> ${fmt(r.median!)} ${r.unit} (${r.n} reps)${r.note ? `; ${r.note}` : ''}` : `  -> error: ${r.error}`);
        results.push(r);
        render();
        picker.render(); // webgrad's systems switch the backend as they go
        publish('benchmark', { running: true, done: false, results });
      }
    }
    log(stopRequested ? 'stopped' : 'done');
  } finally {
    runButton.disabled = false;
    stopButton.disabled = true;
    downloadButton.disabled = results.length === 0;
    byId<HTMLSelectElement>('backend-select').disabled = false;
    publish('benchmark', { running: false, done: true, results, report: report() });
  }
}

runButton.addEventListener('click', () => void run().catch((e) => showError('benchmark', e)));
stopButton.addEventListener('click', () => {
  stopRequested = true;
  stopButton.disabled = true;
});
downloadButton.addEventListener('click', () => {
  const stamp = (lastRun?.date ?? new Date().toISOString()).replace(/[:.]/g, '-');
  downloadBlob(`webgrad-bench-${stamp}.json`, new Blob([JSON.stringify(report(), null, 1)], { type: 'application/json' }));
});

try {
  await picker.start();
  env = await environment();
  const a = env.adapter as Record<string, unknown> | null | undefined;
  byId('env').textContent = `WebGPU adapter: ${a ? [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') + (a.isFallbackAdapter ? ' (fallback adapter)' : '') : 'none'} · ${navigator.hardwareConcurrency} cores · cross-origin isolated: ${String(globalThis.crossOriginIsolated)}`;
  publish('benchmark', { running: false, done: false, results, env });
  publish('ready', true);
  if (params.has('autorun')) await run();
} catch (e) {
  showError('start', e);
}
