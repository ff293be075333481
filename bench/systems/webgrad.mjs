// webgrad adapter for the bench: backends `webgpu`, `wasm` and `cpu` of the built
// library (dist/webgrad.js), coded against its public Keras-style contract.
// Anything missing from the API surfaces as an error in that row.
const WG_URL = '/dist/webgrad.js';
let wgPromise;
const loadWg = (url) => (wgPromise ??= import(url ?? WG_URL).catch((e) => {
  wgPromise = undefined;
  throw new Error(`cannot import ${url ?? WG_URL} (run npm run build): ${e.message}`);
}));

const need = (obj, path) => {
  const v = path.split('.').reduce((o, k) => o?.[k], obj);
  if (v === undefined) throw new Error(`webgrad has no ${path}`);
  return v;
};

/** The backend and thread count the last activate() asked for (systems share one library instance). */
let activeConfig = null;

/** `threads`: for wasm, a thread count to ask for (its id gets a `-1t` suffix etc.); default: the library's. */
export function makeWebgrad(backend, { url, threads } = {}) {
  let wg;
  const config = `${backend}:${threads ?? 'default'}`;
  const activate = async () => {
    const cur = wg.getBackend?.();
    if (cur?.name !== backend || activeConfig !== config) {
      await need(wg, 'ready')({ backend, ...(threads ? { threads } : {}) });
      activeConfig = config;
    }
    const got = wg.getBackend();
    if (got?.name !== backend) throw new Error(`asked for backend ${backend}, got ${got?.name}${got?.reason ? ` (${got.reason})` : ''}`);
    return got;
  };
  return {
    id: `webgrad/${backend}${threads ? `-${threads}t` : ''}`,
    async init() {
      wg = await loadWg(url);
      const got = await activate();
      return `webgrad, backend ${got.name}${got.adapter ? ` on ${[got.adapter.vendor, got.adapter.architecture, got.adapter.description].filter(Boolean).join(' / ')}` : ''}${got.threads ? `, ${got.threads} thread${got.threads > 1 ? 's' : ''}` : ''}${got.reason ? ` (${got.reason})` : ''}`;
    },
    activate,

    /** --profile: runs `fn` under wg.profile and keeps the table and the top kernels. */
    async profile(fn) {
      const p = await need(wg, 'profile')(fn);
      const top = p.summary.slice(0, 10).map(({ name, calls, totalMs, flops, bytes, gflops, gbps }) => ({ name, calls, totalMs, flops, bytes, gflops, gbps }));
      return { table: p.table({ top: 10 }), timing: p.timing, wallMs: p.wallMs, kernelMs: p.kernelMs, runs: p.runs, dispatches: p.dispatches, top };
    },

    async matmul(n, a, b) {
      const A = wg.tensor(a, [n, n]), B = wg.tensor(b, [n, n]);
      return {
        async run() { const c = wg.matMul(A, B); const d = await c.data(); c.dispose(); return d; },
        dispose() { A.dispose(); B.dispose(); },
      };
    },

    async mlp(spec, weights) {
      const L = spec.sizes.length - 1;
      const layers = [];
      for (let l = 0; l < L; l++) {
        layers.push(need(wg, 'layers.dense')({
          units: spec.sizes[l + 1], activation: spec.acts[l], kernelInitializer: 'glorotUniform', seed: 1 + l,
          ...(l === 0 ? { inputShape: [spec.sizes[0]] } : {}),
        }));
      }
      const model = need(wg, 'sequential')({ layers });
      const init = weights.map((w, i) => (i % 2 ? wg.tensor(w, [w.length]) : wg.tensor(w, [spec.sizes[i >> 1], spec.sizes[(i >> 1) + 1]])));
      return trainer(model, init, spec, [spec.sizes[0]], spec.sizes[L]);
    },

    /** The bench CNN (spec.layers: conv / dense shapes, see bench/workloads.mjs) as Keras-style layers. */
    async cnn(spec, weights) {
      const L = need(wg, 'layers');
      const [c1, c2, d1, d2] = spec.layers;
      const layers = [
        L.conv2d({ filters: c1.conv[3], kernelSize: 3, activation: 'relu', padding: 'valid', inputShape: spec.input }),
        L.maxPooling2d({ poolSize: 2 }),
        L.conv2d({ filters: c2.conv[3], kernelSize: 3, activation: 'relu', padding: 'valid' }),
        L.maxPooling2d({ poolSize: 2 }),
        L.flatten(),
        L.dense({ units: d1.dense[1], activation: 'relu' }),
        L.dense({ units: d2.dense[1], activation: 'softmax' }),
      ];
      const model = need(wg, 'sequential')({ layers });
      const shapes = spec.layers.flatMap((l) => [l.conv ?? l.dense, [(l.conv ?? l.dense).at(-1)]]);
      const init = weights.map((w, i) => wg.tensor(w, shapes[i]));
      return trainer(model, init, spec, spec.input, d2.dense[1]);
    },
  };

  /** Sets the weights, compiles, and wraps `model` for the workloads (inputs [n, ...inShape], targets [n, outDim]). */
  function trainer(model, init, spec, inShape, outDim) {
    const inSize = inShape.reduce((a, b) => a * b, 1);
    const peakBefore = wg.stats?.().peakBytes; // peakBytes has no reset: it counts from the backend's start
    model.setWeights(init);
    init.forEach((t) => t.dispose?.());
    const { name, lr } = spec.optimizer;
    const optimizer = need(wg, `train.${name}`)(lr);
    model.compile({ optimizer, loss: spec.loss });
    const lossOf = (hist) => {
      const l = hist?.history?.loss ?? hist?.loss;
      const v = Array.isArray(l) ? l.at(-1) : l;
      if (typeof v !== 'number') throw new Error(`fit returned no loss (got ${JSON.stringify(hist)?.slice(0, 80)})`);
      return v;
    };
    // getWeights() returns copies: read the last layer's bias, then free the copies
    const readLastBias = async () => {
      const ws = model.layers?.at(-1)?.getWeights?.() ?? model.getWeights();
      try { await ws.at(-1).data(); } finally { ws.forEach((t) => t.dispose?.()); }
    };
    const fit = async (h) => {
      const hist = await model.fit(h.x, h.y, { epochs: 1, batchSize: h.batchSize, shuffle: false, verbose: 0 });
      await readLastBias(); // the update has run too
      return lossOf(hist);
    };
    const read = async (t) => { const d = await t.data(); t.dispose(); return d; };
    return {
      prepare(x, y, n, batchSize = n) {
        return {
          n, batchSize,
          x: wg.tensor(x.subarray(0, n * inSize), [n, ...inShape]),
          y: y ? wg.tensor(y.subarray(0, n * outDim), [n, outDim]) : null,
        };
      },
      step: fit,
      epoch: fit,
      /** A per-epoch learning-rate schedule sets the next epoch's rate here (webgrad rebuilds its compiled step). */
      setLearningRate: (v) => need(optimizer, 'setLearningRate').call(optimizer, v),
      predict: (h) => read(model.predict(h.x)),
      async predictArray(x, n) {
        const t = wg.tensor(x, [n, ...inShape]);
        try { return await read(model.predict(t)); } finally { t.dispose(); }
      },
      release(h) { h.x.dispose(); h.y?.dispose(); },
      /** Bytes webgrad's backend holds now and at most since it started (pooled buffers included), and that peak before this model. */
      memory() { const st = need(wg, 'stats')(); return { peakBytes: st.peakBytes, bytes: st.bytes, peakBytesBeforeModel: peakBefore }; },
      dispose() { model.dispose?.(); },
    };
  }
}
