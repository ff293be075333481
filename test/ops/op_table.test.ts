// Walks the elementwise table (src/kernels/elementwise_table.ts), so a new row
// is tested without a line here:
//  - every primitive's WGSL function exists in shaders/*.wgsl with one
//    parameter per argument and attribute;
//  - every row, primitive or composite, runs on the CPU and on WebGPU (which
//    compiles its kernel) and both agree with a float64 evaluation of the
//    same row: the rows' CPU functions composed in float64 by an op builder
//    on plain numbers, independent of both backends' kernels;
//  - every differentiable row's gradient matches float64 central differences
//    of that evaluation; comparisons and sign have zero gradient; derivative
//    kernels refuse a second-order gradient by name;
//  - every activation row is a layer activation: a Dense layer with it saves,
//    loads, and gives TensorFlow.js' result for the same weights.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import {
  ELEMENTWISE_ACTIVATIONS, ELEMENTWISE_OP_NAMES, findOpDef, opDef, PRIMITIVE_FNS, primitiveDef, type ElementwiseOpName, type OpBuilder, type OpDef,
} from '../../src/kernels/elementwise_table.js';
import { applyRow } from '../../src/ops/elementwise_builder.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import { describeEachBackend } from '../helpers/backends.js';

/** The table evaluated on plain float64 numbers: primitives by their CPU functions, composites through this builder. */
const scalarOps: OpBuilder<number> = {
  call(fn, args, attrs = []) {
    const def = findOpDef(fn);
    if (!def) throw new Error(`no row '${fn}'`);
    if (def.kind === 'composite') return def.compose(scalarOps, args, attrs);
    return def.cpu(args[0], args[1] ?? 0, attrs);
  },
  unbroadcast: (g) => g,
  isFloat: () => true,
};
const evalRow = (name: string, args: readonly number[], attrs: readonly number[]): number => scalarOps.call(name, args, attrs);

/** Attributes a row is tested with: its defaults, else values that suit any of the table's attributes. */
function attrsFor(def: OpDef): number[] {
  if (def.defaults) return [...def.defaults];
  return def.attrs.length === 2 ? [-0.5, 0.7] : def.attrs.map(() => 0.3);
}

const N = 24;
/**
 * Points where `name` is smooth: random values of both signs, the ones where
 * the row is undefined (log of a negative) replaced by their magnitude, and
 * the ones near a kink (where central differences at h and h/2 disagree) dropped.
 */
function smoothPoints(name: ElementwiseOpName, def: OpDef, attrs: number[], rng: Rng): number[][] {
  const points: number[][] = [];
  while (points.length < N) {
    let p = Array.from({ length: def.arity }, () => (rng.next() < 0.5 ? -1 : 1) * (0.15 + 1.85 * rng.next()));
    if (!Number.isFinite(evalRow(name, p, attrs))) p = p.map(Math.abs);
    const smooth = p.every((_, k) => {
      const d1 = centralDiff(name, p, k, attrs, 1e-4);
      const d2 = centralDiff(name, p, k, attrs, 5e-5);
      return Number.isFinite(d1) && Math.abs(d1 - d2) < 1e-5 * (1 + Math.abs(d1));
    });
    if (smooth && (def.arity === 1 || Math.abs(p[0] - p[1]) > 0.05)) points.push(p);
  }
  return points;
}

function centralDiff(name: string, p: readonly number[], k: number, attrs: readonly number[], h: number): number {
  const at = (d: number): number => evalRow(name, p.map((v, i) => (i === k ? v + d : v)), attrs);
  return (at(h) - at(-h)) / (2 * h);
}

type GradKind = 'differentiable' | 'none' | 'second-order';
/** What the row's derivative does, found by calling it on float64 numbers. */
function gradKind(name: ElementwiseOpName, def: OpDef): GradKind {
  if (def.kind === 'composite') return 'differentiable';
  try {
    const g = def.grad(scalarOps, def.arity === 1 ? [0.5] : [0.5, 0.25], evalRow(name, [0.5, 0.25], attrsFor(def)), 1, attrsFor(def));
    return g.every((x) => x === null) ? 'none' : 'differentiable';
  } catch (e) {
    if (e instanceof wg.WebgradError && /second-order/.test(e.message) && e.message.includes(`'${name}'`)) return 'second-order';
    throw e;
  }
}

const SHADERS = fileURLToPath(new URL('../../shaders/', import.meta.url));

test('every primitive names a WGSL function of shaders/ with one parameter per argument and attribute', () => {
  const source = readdirSync(SHADERS).filter((f) => f.endsWith('.wgsl')).map((f) => readFileSync(SHADERS + f, 'utf8')).join('\n');
  const params = new Map<string, number>();
  for (const m of source.matchAll(/\bfn\s+(\w+)\s*\(([^)]*)\)/g)) params.set(m[1], m[2].split(',').filter((s) => s.trim()).length);
  expect(PRIMITIVE_FNS.length).toBeGreaterThan(20);
  for (const fn of PRIMITIVE_FNS) {
    const def = primitiveDef(fn);
    expect(params.get(def.wgsl), `${fn}: ${def.wgsl}`).toBe(def.arity + def.attrs.length);
  }
});

test('the table is consistent: defaults match attributes, activations are unary, composites use only rows', () => {
  for (const name of ELEMENTWISE_OP_NAMES) {
    const def = opDef(name);
    if (def.defaults) expect(def.defaults.length, name).toBe(def.attrs.length);
    if (def.activation) expect([def.arity, def.attrs.length === 0 || !!def.defaults], name).toEqual([1, true]);
    // A composite evaluated on numbers throws for a name that is not a row.
    if (def.kind === 'composite') expect(Number.isNaN(evalRow(name, [0.5, 0.25].slice(0, def.arity), attrsFor(def))), name).toBe(false);
  }
});

describeEachBackend('every row of the elementwise table', () => {
  const rng = new Rng(20261124);
  for (const name of ELEMENTWISE_OP_NAMES) {
    const def = opDef(name);
    const attrs = attrsFor(def);
    const kind = gradKind(name, def);
    const points = smoothPoints(name, def, attrs, rng);
    const column = (k: number): wg.Tensor => wg.tensor(points.map((p) => p[k]), [N]);

    test(`${name} (${def.kind}): forward vs float64${kind === 'differentiable' ? ', gradient vs central differences' : ''}`, async () => {
      const args = Array.from({ length: def.arity }, (_, k) => column(k));
      const y = applyRow(name, args, attrs);
      expectAllClose(await y.data(), points.map((p) => evalRow(name, p, attrs)), { rtol: 2e-4, atol: 2e-5 }, `${name} forward`);
      y.dispose();

      if (kind === 'second-order') {
        const f = (...xs: wg.Tensor[]): wg.Tensor => wg.sum(applyRow(name, xs, attrs));
        expect(() => wg.grads(f)(args), name).toThrow(new RegExp(`'${name}'.*second-order`));
      } else {
        // Weights make each element's gradient distinct from the others'.
        const w = wg.tensor(points.map((_, i) => 0.5 + i / N), [N]);
        const f = (...xs: wg.Tensor[]): wg.Tensor => wg.sum(wg.mul(applyRow(name, xs, attrs), w));
        const gs = wg.grads(f)(args);
        for (let k = 0; k < def.arity; k++) {
          const want = points.map((p, i) => (kind === 'none' ? 0 : centralDiff(name, p, k, attrs, 1e-4) * (0.5 + i / N)));
          expectAllClose(await gs[k].data(), want, { rtol: 1e-3, atol: 1e-4 }, `${name} d/d arg ${k}`);
        }
        wg.dispose([...gs, w]);
      }
      wg.dispose(args);
    });
  }
});

describeEachBackend('every activation row is a layer activation with TensorFlow.js parity', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const rng = new Rng(7);
  const x = Array.from({ length: 5 * 4 }, () => 4 * rng.next() - 2);
  const kernel = Array.from({ length: 4 * 3 }, () => rng.next() - 0.5);
  const bias = [0.1, -0.2, 0.3];

  for (const name of ELEMENTWISE_ACTIVATIONS) {
    test(`'${name}': a Dense layer saves and loads; TF.js gives the same predictions from the saved model`, async () => {
      expect(wg.layers.ACTIVATION_NAMES).toContain(name);
      const model = wg.sequential({ layers: [wg.layers.dense({ units: 3, inputShape: [4], activation: name })] });
      model.setWeights([wg.tensor(kernel, [4, 3]), wg.tensor(bias, [3])]);
      const ours = await model.predict(wg.tensor(x, [5, 4])).data();
      let saved: wg.io.ModelArtifacts | undefined;
      await model.save(wg.io.withSaveHandler((a) => {
        saved = a;
      }));
      const reloaded = await wg.loadLayersModel(wg.io.fromMemory(saved!));
      expect((reloaded.layers[0].getConfig() as unknown as { activation: string }).activation).toBe(name);
      expectAllClose(await reloaded.predict(wg.tensor(x, [5, 4])).data(), ours, { rtol: 0, atol: 0 }, `${name} reloaded`);
      const theirs = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
      const want = await (theirs.predict(tf.tensor2d(x, [5, 4])) as tf.Tensor).data();
      expectAllClose(ours, want, { rtol: 1e-4, atol: 1e-5 }, `${name} vs TF.js`);
      theirs.dispose();
      model.dispose();
      reloaded.dispose();
    });
  }
});
