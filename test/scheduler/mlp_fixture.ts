// A 3-layer MLP (2-16-16-1, tanh/relu/sigmoid, binary cross-entropy, SGD)
// as a compiled step, shared by the scheduler tests.
import * as wg from '../../src/index.js';

export const BATCH = 32;

export async function mlpStep(fuse = true, keepHostCopy = false): Promise<{ step: wg.CompiledStep; vars: wg.Variable[] }> {
  const vars = [
    wg.variable(wg.randomNormal([2, 16], 0, 0.5, 1)), wg.variable(wg.zeros([16])),
    wg.variable(wg.randomNormal([16, 16], 0, 0.5, 2)), wg.variable(wg.zeros([16])),
    wg.variable(wg.randomNormal([16, 1], 0, 0.5, 3)), wg.variable(wg.zeros([1])),
  ];
  const step = await wg.compileStep({
    fuse,
    keepHostCopy,
    inputs: [{ shape: [BATCH, 2], dtype: 'float32' }, { shape: [BATCH, 1], dtype: 'float32' }],
    variables: vars,
    build: ([x, y], v) => {
      const f = (...p: wg.Tensor[]) => {
        const h1 = wg.tanh(wg.add(wg.matMul(x, p[0]), p[1]));
        const h2 = wg.relu(wg.add(wg.matMul(h1, p[2]), p[3]));
        const o = wg.sigmoid(wg.add(wg.matMul(h2, p[4]), p[5]));
        return wg.binaryCrossentropy(y, o);
      };
      const { value, grads } = wg.valueAndGrads(f)(v);
      return { outputs: [value], updates: v.map((p, i) => wg.sub(p, wg.mul(grads[i], 0.5))) };
    },
  });
  await step.prepareVariables();
  return { step, vars };
}

/** Deterministic batch i of a two-moons-like problem: label = sign(x0 * x1). */
export function batch(i: number): [Float32Array, Float32Array] {
  const x = Float32Array.from({ length: BATCH * 2 }, (_, k) => Math.sin(k * 7.1 + i * 1.7));
  const y = Float32Array.from({ length: BATCH }, (_, k) => (x[2 * k] * x[2 * k + 1] > 0 ? 1 : 0));
  return [x, y];
}
