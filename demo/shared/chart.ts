// Charts on a plain <canvas>: line/dot plots (loss curves, fitted curves,
// weights converging) and bar charts (class probabilities, benchmark
// results). No chart library: the demo needs a handful of simple, fast,
// often-redrawn plots, and this keeps the site free of dependencies.

export interface Series {
  name: string;
  color: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** 'line' (default), 'dashed', or 'dots'. */
  style?: 'line' | 'dashed' | 'dots';
  width?: number;
  /** Leave it out of the legend. */
  hideInLegend?: boolean;
}

export interface PlotOptions {
  /** CSS height in pixels (the width follows the container). */
  height?: number;
  xLabel?: string;
  yLabel?: string;
  /** Logarithmic y axis (non-positive values are skipped). */
  logY?: boolean;
  /** Fixed axis ranges; otherwise fitted to the data. */
  xRange?: [number, number];
  yRange?: [number, number];
}

const FONT = '11px system-ui, sans-serif';
const AXIS = '#5b6575';
const GRID = '#e6e9ef';

/** A canvas that keeps its backing store matched to its CSS size and the screen's pixel ratio. */
abstract class CanvasChart {
  protected readonly ctx: CanvasRenderingContext2D;
  protected w = 0;
  protected h = 0;

  constructor(readonly canvas: HTMLCanvasElement, height: number) {
    canvas.classList.add('chart');
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('demo: no 2-D canvas context');
    this.ctx = ctx;
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** Resizes the backing store if needed and clears; false when the canvas is not laid out. */
  protected begin(): boolean {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    if (w === 0 || h === 0) return false;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
    }
    this.w = w;
    this.h = h;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.ctx.clearRect(0, 0, w, h);
    this.ctx.font = FONT;
    return true;
  }

  abstract draw(): void;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

export class LinePlot extends CanvasChart {
  private series: Series[] = [];

  constructor(canvas: HTMLCanvasElement, private readonly options: PlotOptions = {}) {
    super(canvas, options.height ?? 200);
  }

  /** Replaces the plotted series and redraws. */
  set(series: Series[]): void {
    this.series = series;
    this.draw();
  }

  draw(): void {
    if (!this.begin()) return;
    const { ctx, w, h, options: o } = this;
    const logY = o.logY ?? false;
    const ty = (v: number): number => (logY ? Math.log10(v) : v);
    // Data ranges (in transformed y).
    let [x0, x1] = o.xRange ?? [Infinity, -Infinity];
    let [y0, y1] = o.yRange ? [ty(o.yRange[0]), ty(o.yRange[1])] : [Infinity, -Infinity];
    for (const s of this.series) {
      for (let i = 0; i < s.x.length; i++) {
        const x = s.x[i];
        const y = s.y[i];
        if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0)) continue;
        if (!o.xRange) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); }
        if (!o.yRange) { y0 = Math.min(y0, ty(y)); y1 = Math.max(y1, ty(y)); }
      }
    }
    if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
    if (!Number.isFinite(y0)) [y0, y1] = logY ? [-1, 0] : [0, 1];
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
    if (!o.yRange) {
      const pad = (y1 - y0) * 0.05;
      y0 -= pad;
      y1 += pad;
    }
    const legend = this.series.filter((s) => !s.hideInLegend);
    const m = { l: 46, r: 10, t: legend.length ? 20 : 8, b: o.xLabel ? 32 : 20 };
    const pw = Math.max(10, w - m.l - m.r);
    const ph = Math.max(10, h - m.t - m.b);
    const px = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * pw;
    const py = (y: number): number => m.t + ph - ((y - y0) / (y1 - y0)) * ph;

    // Grid and tick labels.
    ctx.strokeStyle = GRID;
    ctx.fillStyle = AXIS;
    ctx.lineWidth = 1;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of niceTicks(x0, x1, Math.max(2, Math.floor(pw / 70)))) {
      ctx.beginPath();
      ctx.moveTo(px(t), m.t);
      ctx.lineTo(px(t), m.t + ph);
      ctx.stroke();
      ctx.fillText(tickLabel(t), px(t), m.t + ph + 3);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const yTicks = logY ? logTicks(y0, y1) : niceTicks(y0, y1, Math.max(2, Math.floor(ph / 40))).map((v) => [v, v] as [number, number]);
    for (const [pos, value] of yTicks) {
      ctx.beginPath();
      ctx.moveTo(m.l, py(pos));
      ctx.lineTo(m.l + pw, py(pos));
      ctx.stroke();
      ctx.fillText(tickLabel(value), m.l - 4, py(pos));
    }
    ctx.strokeStyle = AXIS;
    ctx.strokeRect(m.l, m.t, pw, ph);
    if (o.xLabel) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(o.xLabel, m.l + pw / 2, h - 1);
    }
    if (o.yLabel) {
      ctx.save();
      ctx.translate(10, m.t + ph / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(o.yLabel, 0, 0);
      ctx.restore();
    }

    // Series, clipped to the plot area.
    ctx.save();
    ctx.beginPath();
    ctx.rect(m.l, m.t, pw, ph);
    ctx.clip();
    for (const s of this.series) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = s.width ?? 1.75;
      ctx.setLineDash(s.style === 'dashed' ? [5, 4] : []);
      if (s.style === 'dots') {
        const r = s.width ?? 2.5;
        for (let i = 0; i < s.x.length; i++) {
          if (logY && s.y[i] <= 0) continue;
          ctx.beginPath();
          ctx.arc(px(s.x[i]), py(ty(s.y[i])), r, 0, 2 * Math.PI);
          ctx.fill();
        }
        continue;
      }
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < s.x.length; i++) {
        const y = s.y[i];
        if (!Number.isFinite(y) || (logY && y <= 0)) { pen = false; continue; }
        const X = px(s.x[i]);
        const Y = py(ty(y));
        if (pen) ctx.lineTo(X, Y);
        else ctx.moveTo(X, Y);
        pen = true;
      }
      ctx.stroke();
    }
    ctx.restore();
    ctx.setLineDash([]);

    // Legend, along the top.
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    let lx = m.l;
    for (const s of legend) {
      ctx.fillStyle = s.color;
      ctx.fillRect(lx, 6, 12, 4);
      ctx.fillStyle = AXIS;
      ctx.fillText(s.name, lx + 16, 8);
      lx += 24 + ctx.measureText(s.name).width;
    }
  }
}

/** Ticks for a log axis whose range is [lo, hi] in log10 units: [position, value] pairs. */
function logTicks(lo: number, hi: number): [number, number][] {
  const out: [number, number][] = [];
  const decades = hi - lo;
  const mults = decades < 1.5 ? [1, 2, 5] : decades < 4 ? [1, 3] : [1];
  const every = Math.max(1, Math.ceil(decades / 6)); // at most about six labelled decades
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    if (e % every !== 0) continue;
    for (const k of mults) {
      const pos = e + Math.log10(k);
      if (pos >= lo && pos <= hi) out.push([pos, k * 10 ** e]);
    }
  }
  if (out.length < 2) out.push([lo, 10 ** lo], [hi, 10 ** hi]);
  return out;
}

export interface Bar {
  label: string;
  value: number;
  color?: string;
  /** Shown next to the bar (default: the value). */
  text?: string;
}

export interface BarOptions {
  height?: number;
  /** 'vertical': bars rise from a baseline, labels below; 'horizontal': labels on the left. */
  orientation?: 'vertical' | 'horizontal';
  /** Axis maximum (default: the largest value). */
  max?: number;
  color?: string;
}

export class BarChart extends CanvasChart {
  private bars: Bar[] = [];

  constructor(canvas: HTMLCanvasElement, private readonly options: BarOptions = {}) {
    super(canvas, options.height ?? 160);
  }

  set(bars: Bar[]): void {
    this.bars = bars;
    this.draw();
  }

  draw(): void {
    if (!this.begin()) return;
    const { ctx, w, h, bars, options: o } = this;
    const max = o.max ?? Math.max(1e-12, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
    const color = o.color ?? '#2f6fd6';
    const text = (b: Bar): string => b.text ?? tickLabel(b.value);
    ctx.fillStyle = AXIS;
    if ((o.orientation ?? 'vertical') === 'vertical') {
      const m = { l: 4, r: 4, t: 16, b: 18 };
      const slot = (w - m.l - m.r) / Math.max(1, bars.length);
      const ph = h - m.t - m.b;
      ctx.textAlign = 'center';
      bars.forEach((b, i) => {
        const v = Math.max(0, Math.min(1, b.value / max));
        const x = m.l + i * slot + slot * 0.15;
        ctx.fillStyle = b.color ?? color;
        ctx.fillRect(x, m.t + ph * (1 - v), slot * 0.7, ph * v);
        ctx.fillStyle = AXIS;
        ctx.textBaseline = 'top';
        ctx.fillText(b.label, x + slot * 0.35, m.t + ph + 3);
        ctx.textBaseline = 'bottom';
        ctx.fillText(text(b), x + slot * 0.35, m.t + ph * (1 - v) - 1);
      });
      ctx.strokeStyle = AXIS;
      ctx.beginPath();
      ctx.moveTo(m.l, m.t + ph + 0.5);
      ctx.lineTo(w - m.r, m.t + ph + 0.5);
      ctx.stroke();
    } else {
      const labelW = Math.min(w * 0.4, Math.max(0, ...bars.map((b) => ctx.measureText(b.label).width)) + 8);
      const textW = Math.max(0, ...bars.map((b) => ctx.measureText(text(b)).width)) + 8;
      const slot = h / Math.max(1, bars.length);
      const pw = Math.max(10, w - labelW - textW);
      ctx.textBaseline = 'middle';
      bars.forEach((b, i) => {
        const v = Number.isFinite(b.value) ? Math.max(0, Math.min(1, b.value / max)) : 0;
        const y = i * slot;
        ctx.fillStyle = AXIS;
        ctx.textAlign = 'right';
        ctx.fillText(b.label, labelW - 6, y + slot / 2);
        ctx.fillStyle = b.color ?? color;
        ctx.fillRect(labelW, y + slot * 0.15, pw * v, slot * 0.7);
        ctx.fillStyle = AXIS;
        ctx.textAlign = 'left';
        ctx.fillText(text(b), labelW + pw * v + 4, y + slot / 2);
      });
    }
  }
}
