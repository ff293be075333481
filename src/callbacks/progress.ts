// The verbose: 1 progress output of fit(). On a terminal (Node, stdout a
// TTY): a bar per epoch, redrawn in place with \r (at most ~10 times a
// second), showing samples done, the running loss and metrics, and
// throughput in samples/s. When stdout is not a terminal (CI, a file, a
// pipe), \r redraws would pile up as garbage: one line per epoch instead,
// written when the epoch ends. In a browser (no process.stdout) one console
// line per epoch.
import { Callback, type Logs } from './base.js';

/** Where progress goes: process.stdout, or any stream with write() (isTTY decides the style). */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

function nodeStdout(): ProgressStream | null {
  const p = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  const out = p?.stdout;
  return out && typeof out.write === 'function' ? out : null;
}

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3));

export class ProgressLogger extends Callback {
  private start = 0;
  private lastDraw = 0;
  private seen = 0;
  private sums: Record<string, number> = {};
  private readonly out: ProgressStream | null;
  private readonly tty: boolean;
  private lastLen = 0;

  /** `out`: the stream to write to (default: process.stdout in Node, console.log elsewhere). */
  constructor(private readonly barWidth = 30, out: ProgressStream | null = nodeStdout()) {
    super();
    this.out = out;
    this.tty = !!out?.isTTY;
  }

  onEpochBegin(epoch: number): void {
    this.start = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
    this.sums = {};
    if (this.out && this.tty) this.out.write(`${this.epochText(epoch)}\n`);
  }

  onBatchEnd(_batch: number, logs: Logs = {}): void {
    const size = logs.size ?? 0;
    this.seen += size;
    for (const [k, v] of Object.entries(logs)) if (k !== 'batch' && k !== 'size') this.sums[k] = (this.sums[k] ?? 0) + v * size;
    const now = performance.now();
    if (this.out && this.tty && now - this.lastDraw > 100) {
      this.lastDraw = now;
      this.draw(false, {});
    }
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (!this.out) console.log(`${this.epochText(epoch)} ${this.metricsText(logs)}`);
    else if (this.tty) this.draw(true, logs);
    else this.out.write(`${this.epochText(epoch)} - ${this.statusText(true, logs)}\n`);
  }

  private epochText(epoch: number): string {
    return `Epoch ${epoch + 1}/${this.params?.epochs ?? '?'}`;
  }

  private metricsText(logs: Logs): string {
    return Object.entries(logs).map(([k, v]) => `${k}: ${fmt(v)}`).join(' - ');
  }

  /** "seen/total [bar] - time rate - metrics"; the bar only on a terminal. */
  private statusText(done: boolean, endLogs: Logs): string {
    const total = this.params?.samples ?? this.seen;
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = elapsed > 0 ? Math.round(this.seen / elapsed) : 0;
    const running: Logs = {};
    for (const [k, v] of Object.entries(this.sums)) running[k] = this.seen > 0 ? v / this.seen : 0;
    let bar = '';
    if (this.tty) {
      const frac = total > 0 ? Math.min(1, this.seen / total) : 1;
      const filled = Math.round(frac * this.barWidth);
      const inner = done || filled >= this.barWidth ? '='.repeat(this.barWidth) : `${'='.repeat(Math.max(0, filled - 1))}>${'.'.repeat(this.barWidth - Math.max(1, filled))}`;
      bar = ` [${inner}]`;
    }
    const w = this.tty ? String(total).length : 0;
    return `${String(this.seen).padStart(w)}/${total}${bar} - ${elapsed.toFixed(1)}s ${rate} samples/s - ${this.metricsText(done ? endLogs : running)}`;
  }

  private draw(done: boolean, endLogs: Logs): void {
    const line = this.statusText(done, endLogs);
    const pad = ' '.repeat(Math.max(0, this.lastLen - line.length));
    this.lastLen = done ? 0 : line.length;
    this.out!.write(`\r${line}${pad}${done ? '\n' : ''}`);
  }
}
