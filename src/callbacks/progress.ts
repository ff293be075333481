// The verbose: 1 progress bar of fit() in Node: one line per epoch, updated
// in place with \r (at most ~10 times a second), showing samples done, the
// running loss and metrics, and throughput in samples/s. In a browser (no
// process.stdout) it prints one console line per epoch instead.
import { Callback, type Logs } from './base.js';

type Writer = (s: string) => void;

function nodeStdout(): { write: Writer; tty: boolean } | null {
  const p = (globalThis as { process?: { stdout?: { write?: Writer; isTTY?: boolean } } }).process;
  const out = p?.stdout;
  if (out && typeof out.write === 'function') return { write: (s) => out.write!(s), tty: !!out.isTTY };
  return null;
}

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3));

export class ProgressLogger extends Callback {
  private start = 0;
  private lastDraw = 0;
  private seen = 0;
  private sums: Record<string, number> = {};
  private readonly out = nodeStdout();
  private epoch = 0;
  private lastLen = 0;

  constructor(private readonly barWidth = 30) {
    super();
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.start = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
    this.sums = {};
    if (this.out) this.out.write(`Epoch ${epoch + 1}/${this.params?.epochs ?? '?'}\n`);
  }

  onBatchEnd(_batch: number, logs: Logs = {}): void {
    const size = logs.size ?? 0;
    this.seen += size;
    for (const [k, v] of Object.entries(logs)) if (k !== 'batch' && k !== 'size') this.sums[k] = (this.sums[k] ?? 0) + v * size;
    const now = performance.now();
    if (this.out && now - this.lastDraw > 100) {
      this.lastDraw = now;
      this.draw(false, {});
    }
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.out) this.draw(true, logs);
    else console.log(`Epoch ${epoch + 1}/${this.params?.epochs ?? '?'} ${this.metricsText(logs)}`);
  }

  private metricsText(logs: Logs): string {
    return Object.entries(logs).map(([k, v]) => `${k}: ${fmt(v)}`).join(' - ');
  }

  private draw(done: boolean, endLogs: Logs): void {
    const total = this.params?.samples ?? this.seen;
    const elapsed = (performance.now() - this.start) / 1000;
    const frac = total > 0 ? Math.min(1, this.seen / total) : 1;
    const filled = Math.round(frac * this.barWidth);
    const bar = done || filled >= this.barWidth ? '='.repeat(this.barWidth) : `${'='.repeat(Math.max(0, filled - 1))}>${'.'.repeat(this.barWidth - Math.max(1, filled))}`;
    const rate = elapsed > 0 ? Math.round(this.seen / elapsed) : 0;
    const running: Logs = {};
    for (const [k, v] of Object.entries(this.sums)) running[k] = this.seen > 0 ? v / this.seen : 0;
    const logs = done ? endLogs : running;
    const w = String(total).length;
    const line = `${String(this.seen).padStart(w)}/${total} [${bar}] - ${elapsed.toFixed(1)}s ${rate} samples/s - ${this.metricsText(logs)}`;
    const pad = ' '.repeat(Math.max(0, this.lastLen - line.length));
    this.lastLen = done ? 0 : line.length;
    this.out!.write(`\r${line}${pad}${done ? '\n' : ''}`);
    void this.epoch;
  }
}
