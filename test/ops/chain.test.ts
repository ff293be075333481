// Tensor methods (x.matMul(w).add(b).relu()) and dataSync / arraySync.
// The list of ops that must have a method is derived from the sources: every
// function src/index.ts exports from src/ops/ whose first parameter is a
// tensor (Tensor, or Tensor | number), read with the TypeScript compiler, so a
// new op without a method fails here. Losses stay functions, as in TensorFlow.js.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend, useBackend } from '../helpers/backends.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);
const EXACT = { rtol: 0, atol: 0 };

/** Names of the public ops whose first argument is a tensor, from the type checker. */
function tensorFirstOps(): string[] {
  const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
  const program = ts.createProgram([index], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, strict: true, noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  const names: string[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.valueDeclaration;
    if (!decl) continue;
    const file = decl.getSourceFile().fileName.replace(/\\/g, '/');
    if (!file.includes('/src/ops/') || file.endsWith('/losses.ts')) continue;
    const [signature] = checker.getTypeOfSymbolAtLocation(symbol, decl).getCallSignatures();
    const first = signature?.getParameters()[0];
    if (!first) continue;
    const type = checker.getTypeOfSymbolAtLocation(first, decl);
    const parts = type.isUnion() ? type.types : [type];
    const isTensor = (t: ts.Type): boolean => t.getSymbol()?.getName() === 'Tensor';
    const isNumber = (t: ts.Type): boolean => (t.getFlags() & ts.TypeFlags.NumberLike) !== 0;
    if (parts.some(isTensor) && parts.every((t) => isTensor(t) || isNumber(t))) names.push(exported.getName());
  }
  return names.sort();
}

describe('every public op with a tensor first argument is a Tensor method', () => {
  test('derived from src/index.ts: each has a method, and the list is not trivially short', () => {
    const names = tensorFirstOps();
    // Spot checks that the derivation sees the ops at all (not a hand-kept list: a floor).
    for (const n of ['add', 'relu', 'matMul', 'sum', 'softmax', 'reshape', 'slice', 'gather', 'pad', 'tile', 'split', 'where', 'clone']) expect(names).toContain(n);
    expect(names).not.toContain('meanSquaredError');
    const proto = wg.Tensor.prototype as unknown as Record<string, unknown>;
    const missing = names.filter((n) => typeof proto[n] !== 'function');
    expect(missing, `ops without a Tensor method: ${missing.join(', ')}`).toEqual([]);
    for (const n of ['concat', 'stack', 'asType', 'dataSync', 'arraySync']) expect(typeof proto[n]).toBe('function');
    // Methods do not show up when a tensor's properties are enumerated.
    expect(Object.keys(wg.tensor([1]))).not.toContain('add');
  });
});

describeEachBackend('chaining', () => {
  test('x.matMul(w).add(b).relu() equals the function calls', async () => {
    const rng = new Rng(301);
    const x = T(rng.nd([5, 4]));
    const w = T(rng.nd([4, 3]));
    const b = T(rng.nd([3]));
    const chained = await x.matMul(w).add(b).relu().data();
    const direct = await wg.relu(wg.add(wg.matMul(x, w), b)).data();
    expectAllClose(chained, direct, EXACT);
  });

  test('methods pass the tensor as the first argument and the rest in order', async () => {
    const rng = new Rng(302);
    const xn = rng.nd([3, 4]);
    const x = T(xn);
    const same = async (a: wg.Tensor, b: wg.Tensor, label: string): Promise<void> => {
      expect(a.shape, label).toEqual(b.shape);
      expect(a.dtype, label).toBe(b.dtype);
      expectAllClose(await a.data(), await b.data(), EXACT, label);
    };
    await same(x.sub(2), wg.sub(x, 2), 'sub');
    await same(x.div(x.abs().add(1)), wg.div(x, wg.add(wg.abs(x), 1)), 'div');
    await same(x.leakyRelu(0.3), wg.leakyRelu(x, 0.3), 'leakyRelu');
    await same(x.clipByValue(-0.2, 0.4), wg.clip(x, -0.2, 0.4), 'clipByValue');
    await same(x.sum(1, true), wg.sum(x, 1, true), 'sum');
    await same(x.mean(), wg.mean(x), 'mean');
    await same(x.max(0), wg.max(x, 0), 'max');
    await same(x.argMax(), wg.argMax(x), 'argMax');
    await same(x.softmax().logSoftmax(), wg.logSoftmax(wg.softmax(x)), 'softmax');
    await same(x.reshape([2, 6]), wg.reshape(x, [2, 6]), 'reshape');
    await same(x.transpose(), wg.transpose(x), 'transpose');
    await same(x.expandDims(1), wg.expandDims(x, 1), 'expandDims');
    await same(x.asType('int32'), wg.cast(x, 'int32'), 'asType');
    await same(x.cast('int32').oneHot(3), wg.oneHot(wg.cast(x, 'int32'), 3), 'oneHot');
    await same(x.slice([1, 1], [2, -1]), wg.slice(x, [1, 1], [2, -1]), 'slice');
    await same(x.pad([[1, 0], [0, 2]], 3), wg.pad(x, [[1, 0], [0, 2]], 3), 'pad');
    await same(x.tile([2, 1]), wg.tile(x, [2, 1]), 'tile');
    await same(x.gather([2, 0], 1), wg.gather(x, [2, 0], 1), 'gather');
    await same(x.concat([x, x], 1), wg.concat([x, x, x], 1), 'concat');
    await same(x.concat(x), wg.concat([x, x]), 'concat one');
    await same(x.stack(x, 2), wg.stack([x, x], 2), 'stack');
    await same(x.clone(), x, 'clone');
    const parts = x.split([1, 3], 1);
    await same(parts[1], wg.slice(x, [0, 1], [3, 3]), 'split');
    // TensorFlow.js' x.where(condition, b) is where(condition, x, b).
    const cond = x.greater(0);
    await same(x.where(cond, 0), wg.where(cond, x, 0), 'where');
  });

  test('clone() is a new tensor: disposing it keeps the original', async () => {
    const x = wg.tensor([1, 2, 3]);
    const c = x.clone();
    expect(c).not.toBe(x);
    c.dispose();
    expect(Array.from(await x.data())).toEqual([1, 2, 3]);
  });
});

describe('dataSync and arraySync', () => {
  test('CPU: synchronous values of host, pending and computed tensors; int32 too', async () => {
    await useBackend('cpu');
    const x = wg.tensor([[1, -2], [3, 4]]);
    expect(Array.from(x.dataSync())).toEqual([1, -2, 3, 4]);
    const y = x.matMul(x).relu();
    expect(y.arraySync()).toEqual([[0, 0], [15, 10]]);
    expect(Array.from(y.dataSync())).toEqual([0, 0, 15, 10]);
    const i = x.asType('int32').slice([1, 0]);
    const v = i.dataSync();
    expect(v).toBeInstanceOf(Int32Array);
    expect(Array.from(v)).toEqual([3, 4]);
    // The same values as the asynchronous read.
    const z = x.tile([2, 3]).sum(0);
    expect(Array.from(z.dataSync())).toEqual(Array.from(await x.tile([2, 3]).sum(0).data()));
  });

  test('CPU: refused while an asynchronous computation is queued, fine once it is done', async () => {
    await useBackend('cpu');
    const x = wg.tensor([1, 2, 3]);
    const pending = x.add(1).data();
    expect(() => x.mul(2).dataSync()).toThrow(/dataSync\(\): other computations are still queued.*await t\.data\(\)/);
    await pending;
    expect(Array.from(x.mul(2).dataSync())).toEqual([2, 4, 6]);
  });

  test('WebGPU: a WebgradError that says to use await data() / await array()', async () => {
    await useBackend('webgpu');
    try {
      const y = wg.tensor([1, 2]).add(1);
      expect(() => y.dataSync()).toThrow(wg.WebgradError);
      expect(() => y.dataSync()).toThrow(/dataSync\(\): the webgpu backend reads data asynchronously; use await t\.data\(\)/);
      expect(() => y.arraySync()).toThrow(/arraySync\(\): the webgpu backend reads data asynchronously; use await t\.array\(\)/);
      expect(Array.from(await y.data())).toEqual([2, 3]);
    } finally {
      await useBackend('cpu');
    }
  });
});
