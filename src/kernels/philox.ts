// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC 2011): a counter-based generator, random bits as a pure function of
// (counter, key). Dropout masks use it so that a kernel computes each
// element's bit from its index and the seed, with no random numbers uploaded,
// and the CPU gets the same bits: this is the CPU twin of
// shaders/random.wgsl, in 32-bit unsigned integer arithmetic that JavaScript
// numbers hold exactly (products are split into 16-bit halves, as the WGSL
// does, since WGSL has no 64-bit integers).

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product a * b (both u32). */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const cross = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (cross >>> 16)) >>> 0;
}

/** The four output words of Philox-4x32 with 10 rounds for counter c and key k. */
export function philox4x32(c: readonly [number, number, number, number], k: readonly [number, number]): [number, number, number, number] {
  let [c0, c1, c2, c3] = c.map((v) => v >>> 0);
  let [k0, k1] = k.map((v) => v >>> 0);
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/**
 * A float32 value used as a counter or key word: truncated and clamped to
 * [0, 2^24], the integers float32 holds exactly (the WGSL does the same).
 */
export function counterWord(x: number): number {
  return Math.trunc(Math.min(Math.max(x, 0), 16777216));
}

/**
 * Dropout's keep bit for element `index` under key (seed, step): 1 when the
 * uniform number in [0, 1) made of the first Philox word's top 24 bits is
 * >= rate (float32), as TF.js keeps an element when uniform + keepProb >= 1.
 */
export function dropoutKeep(index: number, step: number, rate: number, seed: number): number {
  const [w] = philox4x32([counterWord(index), 0, 0, 0], [counterWord(seed), counterWord(step)]);
  return (w >>> 8) / 16777216 >= Math.fround(rate) ? 1 : 0;
}
