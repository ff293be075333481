// jax-js adapter for the bench: devices `webgpu` and `wasm` (and `cpu`, which
// the unit test uses in Node). Training is jax-style: a jit-compiled step =
// valueAndGrad of the loss + an SGD or Adam update written with jax-js array
// ops (jax-js has no Keras-style fit).
// jax-js arrays are reference counted: every call consumes its array
// arguments, so anything used again is passed as `.ref`.
const JAX_URL = '/node_modules/@jax-js/jax/dist/index.js';
let jaxPromise;
const loadJax = (url) => (jaxPromise ??= import(url ?? JAX_URL));

export function makeJax(device, { url } = {}) {
  let jax;
  return {
    id: `jax/${device}`,
    async init() {
      jax = await loadJax(url);
      const ok = await jax.init(device);
      if (!ok.includes(device)) throw new Error(`jax-js device '${device}' unavailable (have: ${ok.join(', ') || 'none'})`);
      jax.defaultDevice(device);
      return `jax-js, device ${device}`;
    },
    activate() { jax.defaultDevice(device); },

    async matmul(n, a, b) {
      const { numpy: np } = jax;
      const A = np.array(a).reshape([n, n]), B = np.array(b).reshape([n, n]);
      return {
        run: () => np.matmul(A.ref, B.ref).data(),
        dispose() { A.dispose(); B.dispose(); },
      };
    },

    async mlp(spec, weights) {
      const { numpy: np, nn } = jax;
      const L = spec.sizes.length - 1;
      const params = weights.map((w, i) => {
        const l = i >> 1, shape = i % 2 ? [spec.sizes[l + 1]] : [spec.sizes[l], spec.sizes[l + 1]];
        return np.array(w).reshape(shape);
      });
      const act = (name, z) => (name === 'relu' ? nn.relu(z) : name === 'tanh' ? np.tanh(z) : z);
      const logits = (p, x) => {
        let h = x;
        for (let l = 0; l < L; l++) {
          const z = np.matmul(h, p[2 * l]).add(p[2 * l + 1]);
          h = l < L - 1 ? act(spec.acts[l], z) : z;
        }
        return h;
      };
      const outAct = spec.acts[L - 1];
      const lossFn = (p, x, y) => {
        const z = logits(p, x);
        if (outAct === 'softmax') return nn.logSoftmax(z, -1).mul(y).sum(-1).mean().mul(-1);
        // sigmoid + binary cross-entropy, stable form: y·logσ(z) + (1-y)·logσ(-z)
        const pos = nn.logSigmoid(z.ref).mul(y.ref), neg = nn.logSigmoid(z.mul(-1)).mul(y.mul(-1).add(1));
        return pos.add(neg).mean().mul(-1);
      };
      const probs = (p, x) => {
        const z = logits(p, x);
        return outAct === 'softmax' ? nn.softmax(z, -1) : nn.sigmoid(z);
      };
      const din = spec.sizes[0];
      return trainer(jax, { params, lossFn, probs, optimizer: spec.optimizer, toInput: (a, n) => a.reshape([n, din]), inSize: din, outDim: spec.sizes[L] });
    },

    /**
     * The bench CNN (spec.layers, see bench/workloads.mjs) with lax.conv and
     * lax.reduceWindow (max), whose gradients jax-js has. jax-js convolutions
     * are NCHW with OIHW kernels: the NHWC images are transposed once when a
     * batch is uploaded, the HWIO kernels once here, and the first dense
     * kernel's rows are permuted from (h, w, c) to (c, h, w) order so that
     * flattening the NCHW activations gives the same products as Keras's
     * NHWC flatten (the same function of the same weights, so the losses match).
     */
    async cnn(spec, weights) {
      const { numpy: np, nn, lax } = jax;
      const [c1, c2, d1, d2] = spec.layers, [H, W, C] = spec.input;
      // spatial size after each valid conv + 2x2 pool (floor, as Keras)
      const after = (n, k) => (n - k + 1) >> 1;
      const s2 = after(after(H, c1.conv[0]), c2.conv[0]), t2 = after(after(W, c1.conv[1]), c2.conv[1]);
      if (d1.dense[0] !== s2 * t2 * c2.conv[3]) throw new Error(`spec.layers[2].dense[0] is ${d1.dense[0]}, expected ${s2 * t2 * c2.conv[3]} (flattened conv output)`);
      const kernel = (w, [kh, kw, i, o]) => np.array(w).reshape([kh, kw, i, o]).transpose([3, 2, 0, 1]);
      const params = [
        kernel(weights[0], c1.conv), np.array(weights[1]).reshape([c1.conv[3], 1, 1]),
        kernel(weights[2], c2.conv), np.array(weights[3]).reshape([c2.conv[3], 1, 1]),
        np.array(weights[4]).reshape([s2, t2, c2.conv[3], d1.dense[1]]).transpose([2, 0, 1, 3]).reshape(d1.dense),
        np.array(weights[5]),
        np.array(weights[6]).reshape(d2.dense), np.array(weights[7]),
      ];
      const maxPool = (a) => lax.reduceWindow(a, (win) => np.max(win), [2, 2], [2, 2]);
      // relu with gradient 0 at 0, as Keras, TF.js and JAX's own relu (jax-js's nn.relu, maximum(x, 0), has 1
      // there): with zero initial biases, the digits' blank background is exactly 0 before the first update
      const relu = (z) => np.where(np.greater(z.ref, 0), z, 0);
      const convRelu = (a, k, b) => relu(lax.conv(a, k, [1, 1], 'VALID').add(b));
      const logits = (p, x) => {
        const a1 = maxPool(convRelu(x, p[0], p[1]));
        const a2 = maxPool(convRelu(a1, p[2], p[3]));
        const f = a2.reshape([a2.shape[0], d1.dense[0]]);
        const h = relu(np.matmul(f, p[4]).add(p[5]));
        return np.matmul(h, p[6]).add(p[7]);
      };
      const lossFn = (p, x, y) => nn.logSoftmax(logits(p, x), -1).mul(y).sum(-1).mean().mul(-1);
      const probs = (p, x) => nn.softmax(logits(p, x), -1);
      // back to the workload's layout (HWIO kernels, (h, w, c) rows), for tests
      const toWorkload = (p) => [
        p[0].transpose([2, 3, 1, 0]), p[1], p[2].transpose([2, 3, 1, 0]), p[3],
        p[4].reshape([c2.conv[3], s2, t2, d1.dense[1]]).transpose([1, 2, 0, 3]), p[5], p[6], p[7],
      ];
      return trainer(jax, {
        params, lossFn, probs, optimizer: spec.optimizer, toWorkload,
        toInput: (a, n) => a.reshape([n, H, W, C]).transpose([0, 3, 1, 2]), inSize: H * W * C, outDim: d2.dense[1],
      });
    },
  };
}

/**
 * The workloads' model interface (prepare / step / epoch / predict) around a
 * pure loss: `params` (consumed), `lossFn(p, x, y)`, `probs(p, x)`, and
 * `toInput(flat, n)` that shapes a flat batch as the model takes it, and
 * `toWorkload(p)` that turns the parameters back into the workload's layout.
 */
function trainer(jax, { params, lossFn, probs: probsFn, optimizer, toInput, inSize, outDim, toWorkload = (p) => p }) {
  const { numpy: np, jit, valueAndGrad } = jax;
  const { name: opt } = optimizer;
  let { lr } = optimizer; // setLearningRate changes it: the rate is an argument of the jitted step, so nothing recompiles
  let state = opt === 'adam' ? params.map((p) => [np.zerosLike(p.ref), np.zerosLike(p.ref)]).flat() : [];
  let t = 0;
  const b1 = 0.9, b2 = 0.999, eps = 1e-7; // Keras/TF.js Adam defaults
  // step(params, state, lrT, x, y) -> [loss, params', state']
  const step = jit((p, s, lrT, x, y) => {
    const [loss, g] = valueAndGrad(lossFn)(p.map((q) => q.ref), x, y);
    if (opt === 'sgd') return [loss, p.map((q, i) => q.sub(g[i].mul(lrT.ref))), s];
    const np2 = [], ns = [];
    p.forEach((q, i) => {
      const m = s[2 * i].mul(b1).add(g[i].ref.mul(1 - b1));
      const v = s[2 * i + 1].mul(b2).add(g[i].ref.mul(g[i]).mul(1 - b2));
      np2.push(q.sub(m.ref.div(np.sqrt(v.ref).add(eps)).mul(lrT.ref)));
      ns.push(m, v);
    });
    return [loss, np2, ns];
  });
  const probs = jit(probsFn);
  const doStep = (x, y) => {
    t += 1;
    const lrT = opt === 'adam' ? (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t) : lr;
    const [loss, p2, s2] = step(params, state, np.array(lrT), x.ref, y.ref);
    params = p2; state = s2;
    return loss;
  };
  const syncParams = async () => { await jax.blockUntilReady(params); };
  return {
    prepare(x, y, n, batchSize = n) {
      const batches = [];
      for (let s = 0; s < n; s += batchSize) {
        const e = Math.min(n, s + batchSize);
        batches.push({
          x: toInput(np.array(x.subarray(s * inSize, e * inSize)), e - s),
          y: y ? np.array(y.subarray(s * outDim, e * outDim)).reshape([e - s, outDim]) : null,
        });
      }
      return { batches };
    },
    async step(h) {
      const loss = await doStep(h.batches[0].x, h.batches[0].y).data();
      await syncParams();
      return loss[0];
    },
    async epoch(h) {
      let last;
      for (const b of h.batches) { last?.dispose(); last = doStep(b.x, b.y); }
      const loss = (await last.data())[0];
      await syncParams();
      return loss;
    },
    async predict(h) {
      const outs = [];
      for (const b of h.batches) outs.push(await probs(params.map((q) => q.ref), b.x.ref).data());
      if (outs.length === 1) return outs[0];
      const all = new Float32Array(outs.reduce((s, o) => s + o.length, 0));
      let off = 0; for (const o of outs) { all.set(o, off); off += o.length; }
      return all;
    },
    async predictArray(x, n) {
      return probs(params.map((q) => q.ref), toInput(np.array(x), n)).data();
    },
    setLearningRate(v) { lr = v; },
    /** The current parameters as flat Float32Arrays in the order and layout the workload passed them. */
    async weights() { return Promise.all(toWorkload(params.map((q) => q.ref)).map((q) => q.data())); },
    release(h) { for (const b of h.batches) { b.x.dispose(); b.y?.dispose(); } },
    dispose() { params.forEach((q) => q.dispose()); state.forEach((q) => q.dispose()); step.dispose?.(); probs.dispose?.(); },
  };
}
