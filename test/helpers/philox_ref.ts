// Philox-4x32-10 written independently of src/kernels/philox.ts and
// shaders/random.wgsl: the products in BigInt (exact 64 bits) rather than
// 16-bit halves. Test reference for dropout masks.
const MASK = 0xffffffffn;

export function philoxRef(counter: readonly number[], key: readonly number[]): number[] {
  let c = counter.map((v) => BigInt(v >>> 0));
  let k = key.map((v) => BigInt(v >>> 0));
  for (let round = 0; round < 10; round++) {
    if (round > 0) k = [(k[0] + 0x9e3779b9n) & MASK, (k[1] + 0xbb67ae85n) & MASK];
    const p0 = 0xd2511f53n * c[0];
    const p1 = 0xcd9e8d57n * c[2];
    c = [(p1 >> 32n) ^ c[1] ^ k[0], p1 & MASK, (p0 >> 32n) ^ c[3] ^ k[1], p0 & MASK];
  }
  return c.map((v) => Number(v));
}

/** A float32 value as a counter word: truncated, clamped to [0, 2^24]. */
const word = (x: number): number => (x <= 0 ? 0 : x >= 2 ** 24 ? 2 ** 24 : Math.floor(x));

/** Dropout's keep bit for element `index` under key (seed, step), from the first word's top 24 bits. */
export function keepRef(index: number, step: number, rate: number, seed: number): number {
  const w = philoxRef([word(index), 0, 0, 0], [word(seed), word(step)])[0];
  return Math.floor(w / 256) / 2 ** 24 >= Math.fround(rate) ? 1 : 0;
}
