// Counter-based random bits: Philox-4x32-10 (Salmon et al., SC 2011). A
// kernel computes the bits of element i from (i, key) alone, so dropout
// needs no uploaded random numbers, and the CPU twin
// (src/kernels/philox.ts) gives the same bits. WGSL has no 64-bit integers:
// the high half of a 32x32 product is assembled from 16-bit halves.

fn wg_mulhi(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let cross = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return ah * bh + (lh >> 16u) + (hl >> 16u) + (cross >> 16u);
}

fn wg_philox4x32(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    if (round > 0u) {
      k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
    }
    let hi0 = wg_mulhi(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = wg_mulhi(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}

// A float32 counter or key word: truncated and clamped to [0, 2^24], the
// integers float32 holds exactly (NaN never gets here: the op's NaN rule).
fn wg_counter_word(x: f32) -> u32 {
  return u32(clamp(x, 0.0, 16777216.0));
}

// Dropout's keep bit (1 or 0) for element `index` under key (seed, step): the
// first word's top 24 bits as a uniform number in [0, 1), kept when >= rate.
fn wg_dropout_keep(index: f32, step: f32, rate: f32, seed: f32) -> f32 {
  let bits = wg_philox4x32(vec4<u32>(wg_counter_word(index), 0u, 0u, 0u), vec2<u32>(wg_counter_word(seed), wg_counter_word(step))).x;
  return select(0.0, 1.0, f32(bits >> 8u) * (1.0 / 16777216.0) >= rate);
}
