// Bench report: turns per-(workload, system) results into the results table and
// webgrad's speed-up table (ratio > 1 = webgrad faster), as plain text for the
// terminal and as row arrays the page renders into HTML. No DOM or Node APIs.

export const fmt = (v) => {
  if (v == null || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : a >= 0.01 ? v.toFixed(3) : v.toPrecision(2);
};

/** How many times faster webgrad row `w` is than peer row `p` (> 1 = webgrad faster). */
export function speedup(w, p) {
  if (!w?.ok || !p?.ok || !(w.median > 0) || !(p.median > 0)) return null;
  return w.better === 'higher' ? w.median / p.median : p.median / w.median;
}

/** Result table rows: [workload, system, median, spread, unit, n, note-or-error]. */
export function resultRows(results) {
  return results.map((r) => [
    r.workload, r.system,
    r.ok ? fmt(r.median) : '-',
    r.ok ? (r.n > 1 ? `${fmt(r.min)}–${fmt(r.max)} (IQR ${fmt(r.q1)}–${fmt(r.q3)})` : '') : '',
    r.unit ?? '', r.ok ? String(r.n) : '',
    r.ok ? (r.note ?? '') : `error: ${r.error}`,
  ]);
}
export const RESULT_HEAD = ['workload', 'system', 'median', 'spread: min–max (IQR)', 'unit', 'n', 'note'];

/** Speed-up rows: one per (workload, webgrad system), one column per peer system. */
export function speedupTable(results, webgradSystems) {
  const peers = [...new Set(results.map((r) => r.system))].filter((s) => !webgradSystems.includes(s));
  const rows = [];
  for (const wl of [...new Set(results.map((r) => r.workload))]) {
    for (const ws of webgradSystems) {
      const w = results.find((r) => r.workload === wl && r.system === ws);
      if (!w) continue;
      rows.push([wl, ws, ...peers.map((ps) => {
        const x = speedup(w, results.find((r) => r.workload === wl && r.system === ps));
        return x == null ? '-' : `${fmt(x)}×`;
      })]);
    }
  }
  return { head: ['workload', 'webgrad', ...peers.map((p) => `vs ${p}`)], rows };
}

function textGrid(head, rows, maxNote = 70) {
  const clip = (s) => (s.length > maxNote ? s.slice(0, maxNote - 1) + '…' : s);
  const all = [head, ...rows].map((r) => r.map((c) => clip(String(c))));
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i >= 2 && /^[-\d.×]+$/.test(c) ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [line(all[0]), w.map((n) => '-'.repeat(n)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function formatText(results, webgradSystems) {
  const sp = speedupTable(results, webgradSystems);
  return [
    textGrid(RESULT_HEAD, resultRows(results), 120),
    '',
    'webgrad speed-up: how many times faster webgrad is than each peer (> 1 = webgrad faster, < 1 = slower)',
    sp.rows.length ? textGrid(sp.head, sp.rows) : '(no webgrad rows)',
  ].join('\n');
}
