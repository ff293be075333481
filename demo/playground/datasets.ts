// The playground's 2-D data sets: two classes of points in [-1, 1]², with
// positional noise, split into training and test points.
import { makeGaussian, makeRng, shuffleInPlace } from '../shared/random.js';

export const DATASETS = ['circle', 'xor', 'gaussians', 'spiral'] as const;
export type DatasetName = (typeof DATASETS)[number];
export const DATASET_LABELS: Record<DatasetName, string> = {
  circle: 'circle (inside vs around)',
  xor: 'XOR (quadrants)',
  gaussians: 'two Gaussians',
  spiral: 'spiral (two arms)',
};

export interface Point {
  x: number;
  y: number;
  label: 0 | 1;
}

export interface Split {
  train: Point[];
  test: Point[];
}

/**
 * `n` points of data set `name`; `noise` in [0, 1] moves each point by a
 * Gaussian offset (and widens the Gaussians), so the classes start to overlap.
 */
export function makePoints(name: DatasetName, n: number, noise: number, seed: number): Point[] {
  const rand = makeRng(seed);
  const gauss = makeGaussian(rand);
  const jitter = 0.25 * noise;
  const pts: Point[] = [];
  const push = (x: number, y: number, label: 0 | 1): void => {
    pts.push({ x: x + jitter * gauss(), y: y + jitter * gauss(), label });
  };
  for (let i = 0; i < n; i++) {
    const label: 0 | 1 = i % 2 === 0 ? 1 : 0;
    switch (name) {
      case 'circle': {
        // class 1 inside radius 0.45, class 0 in the ring 0.65-0.95
        const r = label === 1 ? 0.45 * Math.sqrt(rand()) : 0.65 + 0.3 * rand();
        const a = 2 * Math.PI * rand();
        push(r * Math.cos(a), r * Math.sin(a), label);
        break;
      }
      case 'xor': {
        // a margin of 0.05 around the axes keeps the classes apart without noise
        const side = (): number => (rand() < 0.5 ? -1 : 1) * (0.05 + 0.9 * rand());
        const x = side();
        const y = side();
        push(x, y, x * y > 0 ? 1 : 0);
        break;
      }
      case 'gaussians': {
        const c = label === 1 ? 0.45 : -0.45;
        const sd = 0.18 + 0.25 * noise;
        pts.push({ x: c + sd * gauss(), y: c + sd * gauss(), label });
        break;
      }
      case 'spiral': {
        // two arms, half a turn apart, from the centre out to radius 0.9
        const t = (Math.floor(i / 2) / Math.ceil(n / 2)) * 1.75 * 2 * Math.PI;
        const r = 0.9 * (t / (3.5 * Math.PI)) + 0.03;
        const a = t + (label === 1 ? 0 : Math.PI);
        push(r * Math.sin(a), r * Math.cos(a), label);
        break;
      }
    }
  }
  return pts;
}

/** Shuffles the points (seeded) and puts `trainShare` of them in the training set. */
export function splitPoints(points: Point[], trainShare: number, seed: number): Split {
  const order = shuffleInPlace(points.slice(), makeRng(seed ^ 0x9e3779b9));
  const k = Math.max(1, Math.min(order.length - 1, Math.round(order.length * trainShare)));
  return { train: order.slice(0, k), test: order.slice(k) };
}
