// Bench helpers shared by the page and every system adapter: seeded random
// data, Glorot init, float64 CPU references (matmul spot checks, MLP forward
// and loss) and summary statistics. No DOM or Node APIs: runs anywhere.

/** mulberry32: small seeded PRNG returning floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n, seed, lo = -1, hi = 1) {
  const r = rng(seed), out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** Glorot-uniform kernels (row-major [in, out]) and zero biases for layer sizes. */
export function mlpWeights(sizes, seed) {
  const w = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const lim = Math.sqrt(6 / (sizes[l] + sizes[l + 1]));
    w.push(uniform(sizes[l] * sizes[l + 1], seed + 17 * l, -lim, lim));
    w.push(new Float32Array(sizes[l + 1]));
  }
  return w;
}

/** Checks `samples` random entries of C = A·B (all n×n) against float64 dot products. */
export function checkMatmul(a, b, c, n, samples = 256) {
  if (!c || c.length !== n * n) return `result has ${c?.length} values, expected ${n * n}`;
  const r = rng(99);
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(r() * n), j = Math.floor(r() * n);
    let ref = 0, mag = 0;
    for (let k = 0; k < n; k++) { const p = a[i * n + k] * b[k * n + j]; ref += p; mag += Math.abs(p); }
    const err = Math.abs(c[i * n + j] - ref);
    if (!(err <= 1e-4 * mag + 1e-5)) return `C[${i},${j}] = ${c[i * n + j]}, reference ${ref.toFixed(6)}`;
  }
  return null;
}

const ACT = {
  relu: (v) => (v > 0 ? v : 0), tanh: Math.tanh, sigmoid: (v) => 1 / (1 + Math.exp(-v)), linear: (v) => v,
};

/** float64 forward pass: x [n, sizes[0]] -> outputs [n, last]; softmax is applied per row. */
export function mlpForward(spec, weights, x, n) {
  let h = Float64Array.from(x.subarray(0, n * spec.sizes[0]));
  for (let l = 0; l + 1 < spec.sizes.length; l++) {
    const din = spec.sizes[l], dout = spec.sizes[l + 1], W = weights[2 * l], b = weights[2 * l + 1];
    const z = new Float64Array(n * dout);
    for (let i = 0; i < n; i++) for (let j = 0; j < dout; j++) {
      let s = b[j];
      for (let k = 0; k < din; k++) s += h[i * din + k] * W[k * dout + j];
      z[i * dout + j] = s;
    }
    const act = spec.acts[l];
    if (act === 'softmax') {
      for (let i = 0; i < n; i++) {
        let m = -Infinity, t = 0;
        for (let j = 0; j < dout; j++) m = Math.max(m, z[i * dout + j]);
        for (let j = 0; j < dout; j++) t += (z[i * dout + j] = Math.exp(z[i * dout + j] - m));
        for (let j = 0; j < dout; j++) z[i * dout + j] /= t;
      }
    } else for (let i = 0; i < z.length; i++) z[i] = ACT[act](z[i]);
    h = z;
  }
  return h;
}

/**
 * float64 reference of `steps` plain-SGD steps on one batch (softmax + categorical or sigmoid + binary
 * cross-entropy): returns the loss before each update, as a Keras trainOnBatch/fit step reports it.
 */
export function mlpSgdLosses(spec, weights, x, y, n, steps) {
  const S = spec.sizes, L = S.length - 1, lr = spec.optimizer.lr;
  const W = weights.map((w) => Float64Array.from(w));
  const losses = [];
  for (let s = 0; s < steps; s++) {
    const a = [Float64Array.from(x.subarray(0, n * S[0]))];
    for (let l = 0; l < L; l++) {
      const z = new Float64Array(n * S[l + 1]);
      for (let i = 0; i < n; i++) for (let j = 0; j < S[l + 1]; j++) {
        let t = W[2 * l + 1][j];
        for (let k = 0; k < S[l]; k++) t += a[l][i * S[l] + k] * W[2 * l][k * S[l + 1] + j];
        z[i * S[l + 1] + j] = t;
      }
      const act = spec.acts[l];
      if (act === 'softmax') {
        const d = S[l + 1];
        for (let i = 0; i < n; i++) {
          let m = -Infinity, t = 0;
          for (let j = 0; j < d; j++) m = Math.max(m, z[i * d + j]);
          for (let j = 0; j < d; j++) t += (z[i * d + j] = Math.exp(z[i * d + j] - m));
          for (let j = 0; j < d; j++) z[i * d + j] /= t;
        }
      } else for (let i = 0; i < z.length; i++) z[i] = ACT[act](z[i]);
      a.push(z);
    }
    const p = a[L];
    losses.push(lossOf(spec.loss, p, y, n));
    // output layer: d(loss)/d(logits) = (p - y) / count for both softmax+CCE and sigmoid+BCE
    const count = spec.loss === 'binaryCrossentropy' ? p.length : n;
    let dz = p.map((v, i) => (v - y[i]) / count);
    for (let l = L - 1; l >= 0; l--) {
      const din = S[l], dout = S[l + 1], Wl = W[2 * l];
      let da = null;
      if (l > 0) {
        da = new Float64Array(n * din);
        for (let i = 0; i < n; i++) for (let k = 0; k < din; k++) {
          let t = 0;
          for (let j = 0; j < dout; j++) t += dz[i * dout + j] * Wl[k * dout + j];
          da[i * din + k] = t;
        }
      }
      for (let k = 0; k < din; k++) for (let j = 0; j < dout; j++) {
        let t = 0;
        for (let i = 0; i < n; i++) t += a[l][i * din + k] * dz[i * dout + j];
        Wl[k * dout + j] -= lr * t;
      }
      for (let j = 0; j < dout; j++) {
        let t = 0;
        for (let i = 0; i < n; i++) t += dz[i * dout + j];
        W[2 * l + 1][j] -= lr * t;
      }
      if (l > 0) {
        const act = spec.acts[l - 1], h = a[l];
        dz = da.map((g, i) => g * (act === 'relu' ? (h[i] > 0 ? 1 : 0) : act === 'tanh' ? 1 - h[i] * h[i] : act === 'sigmoid' ? h[i] * (1 - h[i]) : 1));
      }
    }
  }
  return losses;
}

/** Mean loss of predictions p vs targets y (float64, same epsilon clipping as Keras). */
export function lossOf(kind, p, y, n) {
  const eps = 1e-7, d = p.length / n;
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(Math.max(p[i], eps), 1 - eps);
    s -= kind === 'binaryCrossentropy' ? y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q) : y[i] * Math.log(q);
  }
  return kind === 'binaryCrossentropy' ? s / (n * d) : s / n;
}

export function accuracy(pred, labels, classes) {
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (pred[i * classes + j] > pred[i * classes + best]) best = j;
    if (best === labels[i]) ok++;
  }
  return ok / labels.length;
}

export function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** { median, min, max, q1, q3, n } of an array of numbers. */
export function summarize(xs) {
  const s = [...xs].sort((p, q) => p - q);
  return { median: quantile(s, 0.5), min: s[0], max: s[s.length - 1], q1: quantile(s, 0.25), q3: quantile(s, 0.75), n: s.length };
}

export const now = () => performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Host-side augmentation for the to-accuracy workloads: each of the `n` square
 * single-channel images in `x` (side `side`) moved by a whole number of pixels,
 * dx and dy each uniform in [-maxShift, maxShift] (a seeded draw per image, so
 * every system trains on the same pixels), the uncovered border filled with 0
 * (MNIST's background). Returns a new array; `x` is untouched.
 */
export function shiftImages(x, n, side, maxShift, seed) {
  const r = rng(seed), px = side * side, out = new Float32Array(n * px);
  for (let i = 0; i < n; i++) {
    const dx = Math.floor(r() * (2 * maxShift + 1)) - maxShift, dy = Math.floor(r() * (2 * maxShift + 1)) - maxShift;
    const base = i * px;
    // destination row y takes source row y - dy; columns likewise
    for (let y = Math.max(0, dy); y < Math.min(side, side + dy); y++) {
      const d = base + y * side, s = base + (y - dy) * side;
      for (let c = Math.max(0, dx); c < Math.min(side, side + dx); c++) out[d + c] = x[s + c - dx];
    }
  }
  return out;
}

/**
 * Glorot-uniform weights for the bench CNN: conv kernels in HWIO order
 * ([kh, kw, in, out], as Keras and TF.js keep them), dense kernels [in, out],
 * zero biases. `layers`: [{ conv: [kh, kw, in, out] } | { dense: [in, out] }].
 */
export function cnnWeights(layers, seed) {
  return layers.flatMap((l, i) => {
    const s = l.conv ?? l.dense;
    const rf = l.conv ? s[0] * s[1] : 1, fanIn = rf * s.at(-2), fanOut = rf * s.at(-1);
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    return [uniform(s.reduce((a, b) => a * b, 1), seed + 17 * i, -lim, lim), new Float32Array(s.at(-1))];
  });
}

/**
 * Float64 mean categorical cross-entropy of the bench CNN (conv 3x3 valid +
 * relu, maxpool 2, conv 3x3 valid + relu, maxpool 2, flatten, dense relu,
 * dense softmax) on n NHWC images: the loss a training step reports before
 * its update.
 */
export function cnnLoss(w, x, y, n, [h0, w0, c0]) {
  const conv = (inp, H, W, C, k, b, O) => {
    const oh = H - 2, ow = W - 2, out = new Float64Array(oh * ow * O);
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < O; o++) {
      let s = b[o];
      for (let di = 0; di < 3; di++) for (let dj = 0; dj < 3; dj++) {
        const ib = ((i + di) * W + j + dj) * C, kb = (di * 3 + dj) * C * O + o;
        for (let c = 0; c < C; c++) s += inp[ib + c] * k[kb + c * O];
      }
      out[(i * ow + j) * O + o] = s > 0 ? s : 0;
    }
    return [out, oh, ow];
  };
  const pool = (inp, H, W, C) => {
    const oh = H >> 1, ow = W >> 1, out = new Float64Array(oh * ow * C);
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let c = 0; c < C; c++) {
      let m = -Infinity;
      for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) m = Math.max(m, inp[((2 * i + di) * W + 2 * j + dj) * C + c]);
      out[(i * ow + j) * C + c] = m;
    }
    return [out, oh, ow];
  };
  const dense = (inp, k, b, I, O, relu) => {
    const out = new Float64Array(O);
    for (let o = 0; o < O; o++) { let s = b[o]; for (let i = 0; i < I; i++) s += inp[i] * k[i * O + o]; out[o] = relu && s < 0 ? 0 : s; }
    return out;
  };
  const c1 = w[1].length, c2 = w[3].length, d1 = w[5].length, k = w[7].length;
  let loss = 0;
  for (let s = 0; s < n; s++) {
    const img = x.subarray(s * h0 * w0 * c0, (s + 1) * h0 * w0 * c0);
    let [a, H, W] = conv(img, h0, w0, c0, w[0], w[1], c1);
    [a, H, W] = pool(a, H, W, c1);
    [a, H, W] = conv(a, H, W, c1, w[2], w[3], c2);
    [a, H, W] = pool(a, H, W, c2);
    const hid = dense(a, w[4], w[5], H * W * c2, d1, true), z = dense(hid, w[6], w[7], d1, k, false);
    const mx = Math.max(...z), lse = mx + Math.log(z.reduce((acc, v) => acc + Math.exp(v - mx), 0));
    for (let c = 0; c < k; c++) loss -= y[s * k + c] * (z[c] - lse);
  }
  return loss / n;
}
