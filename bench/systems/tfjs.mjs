// TensorFlow.js adapter for the bench: backends `webgpu`, `wasm`, `cpu`, from
// the dist bundles in node_modules (classic scripts defining the global `tf`),
// switched with tf.setBackend. Training goes through Keras-style layers:
// trainOnBatch for single steps, model.fit for epochs.
const NM = '/node_modules/@tensorflow';
let tfPromise;

function script(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`failed to load ${src}`));
    document.head.appendChild(s);
  });
}

function loadTf() {
  return (tfPromise ??= (async () => {
    await script(`${NM}/tfjs/dist/tf.min.js`);
    await script(`${NM}/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`);
    await script(`${NM}/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js`);
    globalThis.tf.wasm.setWasmPaths(`${NM}/tfjs-backend-wasm/dist/`);
    return globalThis.tf;
  })());
}

export function makeTfjs(backend) {
  let tf;
  const activate = async () => {
    if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
  };
  return {
    id: `tfjs/${backend}`,
    async init() {
      tf = await loadTf();
      await activate();
      const extra = backend === 'wasm' ? `, threads: ${globalThis.crossOriginIsolated ? 'yes' : 'no'}` : '';
      return `TF.js ${tf.version.tfjs}, backend ${tf.getBackend()}${extra}`;
    },
    activate,

    async matmul(n, a, b) {
      const A = tf.tensor2d(a, [n, n]), B = tf.tensor2d(b, [n, n]);
      return {
        async run() { const c = tf.matMul(A, B); const d = await c.data(); c.dispose(); return d; },
        dispose() { A.dispose(); B.dispose(); },
      };
    },

    async mlp(spec, weights) {
      const L = spec.sizes.length - 1;
      const model = tf.sequential();
      for (let l = 0; l < L; l++) {
        model.add(tf.layers.dense({
          units: spec.sizes[l + 1], activation: spec.acts[l], kernelInitializer: 'zeros',
          ...(l === 0 ? { inputShape: [spec.sizes[0]] } : {}),
        }));
      }
      const init = weights.map((w, i) => (i % 2 ? tf.tensor1d(w) : tf.tensor2d(w, [spec.sizes[i >> 1], spec.sizes[(i >> 1) + 1]])));
      return trainer(model, init, spec, [spec.sizes[0]], spec.sizes[L]);
    },

    /** The bench CNN (spec.layers: conv / dense shapes, see bench/workloads.mjs) as tf.layers. */
    async cnn(spec, weights) {
      const [c1, c2, d1, d2] = spec.layers;
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({ filters: c1.conv[3], kernelSize: 3, activation: 'relu', padding: 'valid', inputShape: spec.input, kernelInitializer: 'zeros' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: c2.conv[3], kernelSize: 3, activation: 'relu', padding: 'valid', kernelInitializer: 'zeros' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: d1.dense[1], activation: 'relu', kernelInitializer: 'zeros' }),
          tf.layers.dense({ units: d2.dense[1], activation: 'softmax', kernelInitializer: 'zeros' }),
        ],
      });
      const shapes = spec.layers.flatMap((l) => [l.conv ?? l.dense, [(l.conv ?? l.dense).at(-1)]]);
      const init = weights.map((w, i) => tf.tensor(w, shapes[i]));
      return trainer(model, init, spec, spec.input, d2.dense[1]);
    },
  };

  /** Sets the weights, compiles, and wraps `model` for the workloads (inputs [n, ...inShape], targets [n, outDim]). */
  function trainer(model, init, spec, inShape, outDim) {
    const inSize = inShape.reduce((a, b) => a * b, 1);
    model.setWeights(init);
    init.forEach((t) => t.dispose());
    const { name, lr } = spec.optimizer;
    model.compile({ optimizer: name === 'adam' ? tf.train.adam(lr) : tf.train.sgd(lr), loss: spec.loss });
    const lastBias = () => model.layers.at(-1).getWeights()[1];
    return {
      prepare(x, y, n, batchSize = n) {
        return {
          n, batchSize,
          x: tf.tensor(x.subarray(0, n * inSize), [n, ...inShape]),
          y: y ? tf.tensor2d(y.subarray(0, n * outDim), [n, outDim]) : null,
        };
      },
      async step(h) {
        const loss = await model.trainOnBatch(h.x, h.y);
        await lastBias().data(); // the update has run too
        return Array.isArray(loss) ? loss[0] : loss;
      },
      async epoch(h) {
        const hist = await model.fit(h.x, h.y, { epochs: 1, batchSize: h.batchSize, shuffle: false, verbose: 0, yieldEvery: 'never' });
        return hist.history.loss.at(-1);
      },
      async predict(h) {
        const out = model.predict(h.x, { batchSize: 500 });
        const d = await out.data(); out.dispose(); return d;
      },
      async predictArray(x, n) {
        const d = tf.tidy(() => model.predict(tf.tensor(x, [n, ...inShape])));
        const v = await d.data(); d.dispose(); return v;
      },
      /** A per-epoch learning-rate schedule: TF.js's SGD has setLearningRate; its Adam reads `learningRate` at every update. */
      setLearningRate(v) {
        const o = model.optimizer;
        if (typeof o.setLearningRate === 'function') o.setLearningRate(v); else o.learningRate = v;
      },
      release(h) { h.x.dispose(); h.y?.dispose(); },
      /**
       * tf.memory(): bytes of live tensors now (numBytes; on webgpu also numBytesInGPU /
       * numBytesInGPUAllocated where the backend reports them); with a batch `h`, one more
       * step under tf.profile gives its peakBytes (tensor bytes alive at once during the step).
       */
      async memory(h) {
        const m = tf.memory();
        const out = Object.fromEntries(['numBytes', 'numBytesInGPU', 'numBytesInGPUAllocated'].filter((k) => typeof m[k] === 'number').map((k) => [k, m[k]]));
        if (h) out.profilePeakBytes = (await tf.profile(() => model.trainOnBatch(h.x, h.y))).peakBytes;
        return out;
      },
      dispose() { model.optimizer?.dispose?.(); model.dispose(); },
    };
  }
}
