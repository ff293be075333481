// Limits and validation at the API edge: shapes the kernels cannot index
// (element counts over 2^31 - 1, which WGSL's u32 index arithmetic would wrap)
// are refused when the op is recorded, with one named "too large" error and
// before anything is allocated or compiled; unknown dtypes and arguments of
// the wrong kind get WebgradErrors naming the argument, never raw TypeErrors
// or RangeErrors.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

const LIMIT = 2 ** 31 - 1;

/** Runs f, expects a WebgradError, and returns its message. */
function thrown(f: () => unknown): string {
  let err: unknown = null;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error to be thrown').toBeInstanceOf(wg.WebgradError);
  return (err as Error).message;
}

function expectMessage(msg: string, ...patterns: RegExp[]): void {
  for (const p of patterns) expect(msg, `message ${JSON.stringify(msg)} should match ${p}`).toMatch(p);
}

/** The "too large" error: names the function, the shape and the limit. */
function expectTooLarge(f: () => unknown, op: string, shape: string): void {
  const before = wg.stats();
  const msg = thrown(f);
  expectMessage(msg, new RegExp(`^${op}\\b`), /too large/, new RegExp(shape.replace(/[[\]]/g, '\\$&')), new RegExp(String(LIMIT)));
  // Refused before any allocation: nothing moved on the backend.
  const after = wg.stats();
  expect(after.buffers).toBe(before.buffers);
  expect(after.bytes).toBe(before.bytes);
  expect(after.dispatches).toBe(before.dispatches);
}

describeEachBackend('size limits', () => {
  test('sum(broadcastTo(scalar(1), [1e5, 1e5])) is refused at broadcastTo, at once, instead of returning a wrapped sum', () => {
    const one = wg.scalar(1);
    const t0 = performance.now();
    expectTooLarge(() => wg.sum(wg.broadcastTo(one, [1e5, 1e5])), 'broadcastTo', '[100000, 100000]');
    expect(performance.now() - t0, 'refused when recorded, not after running').toBeLessThan(1000);
    one.dispose();
  });

  test('the limit is 2^31 - 1 elements: the first shape over it is refused, the largest one under it is recorded', () => {
    const one = wg.scalar(1);
    expectTooLarge(() => wg.broadcastTo(one, [2 ** 31]), 'broadcastTo', '[2147483648]');
    // 46341^2 = 2147488281 is just over the limit: the product, not one dimension, counts.
    expectTooLarge(() => wg.broadcastTo(one, [46341, 46341]), 'broadcastTo', '[46341, 46341]');
    // Recording is lazy: the largest allowed shape allocates nothing until read.
    const ok = wg.broadcastTo(one, [LIMIT]);
    expect(ok.shape).toEqual([LIMIT]);
    ok.dispose();
    one.dispose();
  });

  test('creation functions at [1e6, 1e6] give the named error, not a bare RangeError', () => {
    const shape = [1e6, 1e6];
    const s = '[1000000, 1000000]';
    expectTooLarge(() => wg.zeros(shape), 'zeros', s);
    expectTooLarge(() => wg.ones(shape), 'ones', s);
    expectTooLarge(() => wg.fill(shape, 3), 'fill', s);
    expectTooLarge(() => wg.zeros(shape, 'int32'), 'zeros', s);
    expectTooLarge(() => wg.randomUniform(shape), 'randomUniform', s);
    expectTooLarge(() => wg.randomNormal(shape), 'randomNormal', s);
    expectTooLarge(() => wg.truncatedNormal(shape), 'truncatedNormal', s);
    expectTooLarge(() => wg.tensor([1], shape), 'tensor', s);
  });

  test('ops whose result would be too large: broadcasting binary ops, matMul, oneHot', () => {
    const col = wg.zeros([1e5, 1]);
    const row = wg.zeros([1, 1e5]);
    expectTooLarge(() => wg.add(col, row), 'add', '[100000, 100000]');
    expectTooLarge(() => wg.mul(col, row), 'mul', '[100000, 100000]');
    expectTooLarge(() => wg.matMul(col, row), 'matMul', '[100000, 100000]');
    const labels = wg.zeros([1e5], 'int32');
    expectTooLarge(() => wg.oneHot(labels, 1e5), 'oneHot', '[100000, 100000]');
    wg.dispose([col, row, labels]);
  });

  test('dense layers: units or a kernel over the limit are refused when the layer is made or built', () => {
    expectTooLarge(() => wg.layers.dense({ units: 1e12 }), 'dense', '[1000000000000]');
    expectTooLarge(() => wg.layers.dense({ units: 1e5, inputShape: [1e5] }), 'dense', '[100000, 100000]');
    const layer = wg.layers.dense({ units: 1e5, name: 'wide' });
    expectTooLarge(() => layer.build(1e5), 'wide', '[100000, 100000]');
    expect(layer.built).toBe(false);
  });

  test('a shape within the limit still works (the check is not off by a factor)', async () => {
    const a = wg.broadcastTo(wg.scalar(2), [3, 4]);
    expect(Array.from(await wg.sum(a).data())).toEqual([24]);
  });
});

describeEachBackend('dtype validation', () => {
  test('creation functions, tensor and cast refuse dtypes other than float32/int32', () => {
    const cases: [string, () => unknown, string][] = [
      ['zeros', () => wg.zeros([2], 'bool' as never), 'bool'],
      ['ones', () => wg.ones([2], 'complex64' as never), 'complex64'],
      ['fill', () => wg.fill([2], 1, 'string' as never), 'string'],
      ['scalar', () => wg.scalar(1, 'foo' as never), 'foo'],
      ['tensor', () => wg.tensor([1, 2], [2], 'bool' as never), 'bool'],
      ['cast', () => wg.cast(wg.tensor([1, 2]), 'float16' as never), 'float16'],
    ];
    for (const [op, f, dtype] of cases) {
      expectMessage(thrown(f), new RegExp(`^${op}\\b`), /'dtype'/, /'float32' or 'int32'/, new RegExp(`"${dtype}"`));
    }
  });

  test('valid dtypes still make tensors of that dtype with the right values', async () => {
    const z = wg.zeros([2], 'int32');
    const f = wg.fill([3], 2.5, 'float32');
    const s = wg.scalar(7, 'int32');
    expect(z.dtype).toBe('int32');
    expect(s.dtype).toBe('int32');
    expect(Array.from(await z.data())).toEqual([0, 0]);
    expect(Array.from(await f.data())).toEqual([2.5, 2.5, 2.5]);
    expect(Array.from(await s.data())).toEqual([7]);
  });
});

describeEachBackend('arguments of the wrong kind', () => {
  test('transpose with a number as perm names the argument', () => {
    const x = wg.zeros([2, 3]);
    expectMessage(thrown(() => wg.transpose(x, 5 as never)), /^transpose\b/, /'perm'/, /5/);
  });

  test('grad & co. with a non-function f name the argument when made', () => {
    expectMessage(thrown(() => wg.grad(5 as never)), /^grad\b/, /'f'/, /function/, /but got 5/);
    expectMessage(thrown(() => wg.grads('f' as never)), /^grads\b/, /'f'/, /function/);
    expectMessage(thrown(() => wg.valueAndGrad(null as never)), /^valueAndGrad\b/, /'f'/, /null/);
    expectMessage(thrown(() => wg.valueAndGrads({} as never)), /^valueAndGrads\b/, /'f'/, /object/);
  });

  test('grads(f)(tensor) asks for an array of tensors', () => {
    const x = wg.tensor([1, 2]);
    expectMessage(thrown(() => wg.grads((a) => wg.sum(a))(x as never)), /^grads\b/, /'xs'/, /array/, /float32 tensor of shape \[2\]/);
    expectMessage(thrown(() => wg.valueAndGrads((a) => wg.sum(a))(x as never)), /^valueAndGrads\b/, /'xs'/, /array/);
  });

  test('a dy that is not a tensor of the output shape is named', () => {
    const x = wg.tensor([1, 2]);
    expectMessage(thrown(() => wg.grad((a) => wg.square(a))(x, 5 as never)), /^grad\b/, /'dy'/, /\[2\]/, /but got 5/);
    expectMessage(thrown(() => wg.grad((a) => wg.square(a))(x, wg.ones([3]))), /^grad\b/, /'dy'/, /\[2\]/, /\[3\]/);
  });
});
