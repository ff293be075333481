// The bench's host-side augmentation (bench/lib/common.mjs shiftImages): every
// output image must be its input moved by one whole-pixel (dx, dy) within the
// allowed range, with zeros where nothing moved in; the draws must be seeded
// (the same seed gives the same pixels for every system) and reach every shift.
import { expect, test } from 'vitest';
// @ts-expect-error: plain JavaScript module of the bench, without declarations
import { shiftImages, uniform } from '../../bench/lib/common.mjs';

const shift = shiftImages as (x: Float32Array, n: number, side: number, maxShift: number, seed: number) => Float32Array;
const SIDE = 7, N = 200, MAX = 2;

/** img moved by (dx, dy), written independently of shiftImages: out[y][x] = img[y - dy][x - dx] or 0. */
function moved(img: Float32Array, dx: number, dy: number): Float32Array {
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) {
    const sy = y - dy, sx = x - dx;
    out[y * SIDE + x] = sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE ? img[sy * SIDE + sx] : 0;
  }
  return out;
}

test('each image is its input moved by one (dx, dy) in [-max, max]², zero-filled; seeded; every shift drawn', () => {
  // random positive pixels: a moved image matches exactly one (dx, dy)
  const x = uniform(N * SIDE * SIDE, 4, 0.1, 1) as Float32Array;
  const out = shift(x, N, SIDE, MAX, 9);
  expect(out.length).toBe(x.length);
  const seen = new Set<string>();
  for (let i = 0; i < N; i++) {
    const img = x.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE), got = out.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE);
    const hits: string[] = [];
    for (let dy = -MAX; dy <= MAX; dy++) for (let dx = -MAX; dx <= MAX; dx++) {
      if (moved(img, dx, dy).every((v, k) => v === got[k])) hits.push(`${dx},${dy}`);
    }
    expect(hits, `image ${i}`).toHaveLength(1);
    seen.add(hits[0]);
  }
  expect(seen.size).toBe((2 * MAX + 1) ** 2);
  expect(shift(x, N, SIDE, MAX, 9)).toEqual(out);
  expect(shift(x, N, SIDE, MAX, 10)).not.toEqual(out);
  expect(shift(x, N, SIDE, 0, 9)).toEqual(x);
});
