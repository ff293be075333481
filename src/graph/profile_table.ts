// The text table of a profile (Profile.table()): a header line with the
// backend, how times were measured and where the wall time went, then the
// kernels with the most total time.
import type { Profile } from './profile_types.js';

const TIMING_WORDS = {
  'timestamp-query': 'GPU timestamps',
  isolated: 'each kernel re-timed alone (no timestamp-query)',
  'cpu-wall': 'wall time per kernel',
  mixed: 'mixed timing sources',
  none: 'no kernels ran',
} as const;

function fixed(v: number, digits: number, width: number): string {
  return v.toFixed(digits).padStart(width);
}

export function formatProfile(p: Profile, top: number): string {
  const head = `${p.backend || 'no backend'} (${TIMING_WORDS[p.timing]}): ${p.runs} run${p.runs === 1 ? '' : 's'}, ${p.dispatches} kernel launches, `
    + `kernels ${p.kernelMs.toFixed(2)} ms of ${p.wallMs.toFixed(2)} ms wall`;
  const cols = `${'total ms'.padStart(9)} ${'share'.padStart(6)} ${'calls'.padStart(5)} ${'ms/call'.padStart(8)} ${'MFLOP'.padStart(8)} ${'GFLOP/s'.padStart(8)} ${'GB/s'.padStart(7)}  kernel`;
  const rows = p.summary.slice(0, Math.max(0, top)).map((s) =>
    `${fixed(s.totalMs, 2, 9)} ${fixed(100 * s.share, 1, 5)}% ${String(s.calls).padStart(5)} ${fixed(s.meanMs, 3, 8)} `
    + `${fixed(s.flops / 1e6, 2, 8)} ${fixed(s.gflops, 2, 8)} ${fixed(s.gbps, 2, 7)}  ${s.name}`);
  const rest = p.summary.length - rows.length;
  if (rest > 0) rows.push(`${' '.repeat(9)} (${rest} more kernel${rest === 1 ? '' : 's'}: ${p.summary.slice(top).reduce((a, s) => a + s.totalMs, 0).toFixed(2)} ms)`);
  return [head, cols, ...rows].join('\n');
}
