// A canvas to draw a digit on with the mouse, a pen or a finger, and the
// preprocessing that makes the drawing look like an MNIST digit: crop to the
// ink, scale the longer side to 20 pixels (keeping the aspect ratio), and
// place it in a 28 × 28 field so its centre of mass is at the middle, as the
// MNIST digits were made.

export const SIDE = 28;
const BOX = 20;

export class DrawPad {
  private readonly ctx: CanvasRenderingContext2D;
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private inked = false;

  /** @param onChange called (at most once per frame) while the drawing changes. */
  constructor(readonly canvas: HTMLCanvasElement, private readonly onChange: () => void) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('demo: no 2-D canvas context');
    this.ctx = ctx;
    canvas.style.touchAction = 'none';
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.last = this.toCanvas(e);
      this.stroke(this.last, this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      const p = this.toCanvas(e);
      this.stroke(this.last ?? p, p);
      this.last = p;
    });
    const end = (): void => {
      this.drawing = false;
      this.last = null;
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    this.clear();
  }

  get isEmpty(): boolean {
    return !this.inked;
  }

  clear(): void {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.inked = false;
    this.changed();
  }

  private toCanvas(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * this.canvas.width, y: ((e.clientY - r.top) / r.height) * this.canvas.height };
  }

  private stroke(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const { ctx } = this;
    ctx.strokeStyle = '#111';
    ctx.lineWidth = this.canvas.width / 13;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    this.inked = true;
    this.changed();
  }

  private pending = false;
  private changed(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.onChange();
    });
  }

  /** The drawing as 784 values in [0, 1] (1 = ink), or null when nothing is drawn. */
  pixels(): Float32Array | null {
    const { width: w, height: h } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, w, h).data;
    const ink = new Float32Array(w * h);
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const a = rgba[4 * (y * w + x) + 3] / 255;
        ink[y * w + x] = a;
        if (a > 0.05) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    if (x1 < 0) return null;
    return toMnist(ink, w, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
  }
}

/**
 * The ink inside the box (bx, by, bw, bh) of a w-wide image, area-averaged
 * down so its longer side is 20 pixels, then placed in 28 × 28 with its
 * centre of mass at (14, 14).
 */
export function toMnist(ink: Float32Array, w: number, bx: number, by: number, bw: number, bh: number): Float32Array {
  const scale = BOX / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));
  // Area average: each small pixel is the mean of the source pixels it covers.
  const small = new Float32Array(tw * th);
  for (let ty = 0; ty < th; ty++) {
    const sy0 = by + Math.floor((ty * bh) / th);
    const sy1 = Math.max(sy0 + 1, by + Math.floor(((ty + 1) * bh) / th));
    for (let tx = 0; tx < tw; tx++) {
      const sx0 = bx + Math.floor((tx * bw) / tw);
      const sx1 = Math.max(sx0 + 1, bx + Math.floor(((tx + 1) * bw) / tw));
      let s = 0;
      for (let y = sy0; y < sy1; y++) for (let x = sx0; x < sx1; x++) s += ink[y * w + x];
      small[ty * tw + tx] = s / ((sy1 - sy0) * (sx1 - sx0));
    }
  }
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const ox = Math.round(SIDE / 2 - (mass > 0 ? mx / mass : tw / 2));
  const oy = Math.round(SIDE / 2 - (mass > 0 ? my / mass : th / 2));
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const X = x + ox;
      const Y = y + oy;
      if (X >= 0 && X < SIDE && Y >= 0 && Y < SIDE) out[Y * SIDE + X] = Math.min(1, small[y * tw + x]);
    }
  }
  return out;
}

/** Draws 784 values as a grey 28 × 28 image (ink dark) into a canvas. */
export function drawDigit(canvas: HTMLCanvasElement, pixels: ArrayLike<number> | null): void {
  canvas.width = SIDE;
  canvas.height = SIDE;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = 255 - Math.round(255 * Math.max(0, Math.min(1, pixels?.[i] ?? 0)));
    img.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}
