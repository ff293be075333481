// What the playground draws: the decision boundary as a heat map with the
// points on top, and the network as a graph whose edges are its weights.
import type { Point } from './datasets.js';

/** Grid cells per side of the heat map (predictions per frame = GRID²). */
export const GRID = 48;
/** The plane shown: [-EXTENT, EXTENT]². */
export const EXTENT = 1.2;

const C0: [number, number, number] = [224, 123, 57]; // class 0, orange
const C1: [number, number, number] = [47, 111, 214]; // class 1, blue
const MID: [number, number, number] = [250, 250, 250];

/** Cell centres of the heat map, row by row from the top: inputs [GRID², 2]. */
export function gridInputs(): { data: Float32Array; shape: number[] } {
  const data = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      const i = r * GRID + c;
      data[2 * i] = -EXTENT + ((c + 0.5) / GRID) * 2 * EXTENT;
      data[2 * i + 1] = EXTENT - ((r + 0.5) / GRID) * 2 * EXTENT;
    }
  }
  return { data, shape: [GRID * GRID, 2] };
}

/** Colour for P(class 1) = p: orange through white to blue. */
function colour(p: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, p));
  const [a, b, s] = t < 0.5 ? [C0, MID, t * 2] : [MID, C1, (t - 0.5) * 2];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * s)) as [number, number, number];
}

export class BoundaryView {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly cells = document.createElement('canvas');

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d')!;
    this.cells.width = GRID;
    this.cells.height = GRID;
  }

  /** Draws probabilities (GRID² values, null = untrained) and the points. */
  draw(probs: Float32Array | null, train: readonly Point[], test: readonly Point[], showTest: boolean): void {
    const size = this.canvas.clientWidth;
    if (size === 0) return;
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(size * dpr)) {
      this.canvas.width = Math.round(size * dpr);
      this.canvas.height = Math.round(size * dpr);
    }
    const { ctx } = this;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fafafa';
    ctx.fillRect(0, 0, size, size);
    if (probs) {
      const cctx = this.cells.getContext('2d')!;
      const img = cctx.createImageData(GRID, GRID);
      for (let i = 0; i < GRID * GRID; i++) {
        const [r, g, b] = colour(0.5 + (probs[i] - 0.5) * 0.7); // keep the colours light under the points
        img.data.set([r, g, b, 255], 4 * i);
      }
      cctx.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.cells, 0, 0, size, size);
    }
    const toPx = (v: number): number => ((v + EXTENT) / (2 * EXTENT)) * size;
    const dot = (p: Point, ring: string): void => {
      ctx.beginPath();
      ctx.arc(toPx(p.x), size - toPx(p.y), 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = p.label === 1 ? 'rgb(47,111,214)' : 'rgb(224,123,57)';
      ctx.fill();
      ctx.strokeStyle = ring;
      ctx.lineWidth = 1;
      ctx.stroke();
    };
    for (const p of train) dot(p, '#fff');
    if (showTest) for (const p of test) dot(p, '#000');
  }
}

/** The network: inputs, hidden layers and output as columns of nodes, weights as edges. */
export function drawNetwork(canvas: HTMLCanvasElement, layers: { kernel: number[][]; bias: number[] }[]): void {
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (w === 0) return;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const sizes = [layers[0]?.kernel.length ?? 2, ...layers.map((l) => l.bias.length)];
  const maxAbs = Math.max(1e-6, ...layers.flatMap((l) => l.kernel.flat().map(Math.abs)));
  const x = (col: number): number => 24 + (col / Math.max(1, sizes.length - 1)) * (w - 48);
  const y = (col: number, i: number): number => {
    const n = sizes[col];
    const gap = Math.min(22, (h - 24) / Math.max(1, n));
    return h / 2 + (i - (n - 1) / 2) * gap;
  };
  const signColour = (v: number, alpha: number): string => (v >= 0 ? `rgba(47,111,214,${alpha})` : `rgba(224,123,57,${alpha})`);
  layers.forEach((l, li) => {
    l.kernel.forEach((row, i) => row.forEach((v, j) => {
      const s = Math.abs(v) / maxAbs;
      ctx.strokeStyle = signColour(v, 0.15 + 0.75 * s);
      ctx.lineWidth = 0.5 + 3.5 * s;
      ctx.beginPath();
      ctx.moveTo(x(li), y(li, i));
      ctx.lineTo(x(li + 1), y(li + 1, j));
      ctx.stroke();
    }));
  });
  const maxBias = Math.max(1e-6, ...layers.flatMap((l) => l.bias.map(Math.abs)));
  sizes.forEach((n, col) => {
    for (let i = 0; i < n; i++) {
      const b = col === 0 ? 0 : layers[col - 1].bias[i];
      ctx.beginPath();
      ctx.arc(x(col), y(col, i), 6, 0, 2 * Math.PI);
      ctx.fillStyle = col === 0 ? '#fff' : signColour(b, 0.15 + 0.85 * (Math.abs(b) / maxBias));
      ctx.fill();
      ctx.strokeStyle = '#5b6575';
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  });
  ctx.fillStyle = '#5b6575';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText('x, y', x(0), h - 2);
  ctx.fillText('output', x(sizes.length - 1), h - 2);
}
