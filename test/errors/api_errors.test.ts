// Bad input is refused at the API edge with an Error whose message names the
// op and the argument, says what was expected and what came.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

/** Runs f, expects a WebgradError (an Error), and returns its message. */
function thrown(f: () => unknown): string {
  let err: unknown = null;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error to be thrown').toBeInstanceOf(Error);
  expect(err).toBeInstanceOf(wg.WebgradError);
  return (err as Error).message;
}

async function rejected(p: () => Promise<unknown>): Promise<string> {
  let err: unknown = null;
  try {
    await p();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a rejection').toBeInstanceOf(Error);
  return (err as Error).message;
}

/** All patterns must match (order-independent). */
function expectMessage(msg: string, ...patterns: RegExp[]): void {
  for (const p of patterns) expect(msg, `message ${JSON.stringify(msg)} should match ${p}`).toMatch(p);
}

describeEachBackend('argument errors', () => {
  test('add of [2, 3] and [4]: names the op, both arguments and their shapes', () => {
    const msg = thrown(() => wg.add(wg.zeros([2, 3]), wg.zeros([4])));
    expectMessage(msg, /^add\b/, /broadcast/, /\[2, 3\]/, /\[4\]/, /3 vs 4|3 and 4/);
    // the argument names: which input is which
    expectMessage(msg, /'a'/, /'b'/);
  });

  test('other binary ops and broadcastTo report shape mismatches with their own name', () => {
    for (const [name, f] of [
      ['sub', () => wg.sub(wg.zeros([3]), wg.zeros([2]))],
      ['mul', () => wg.mul(wg.zeros([3, 2]), wg.zeros([3]))],
      ['maximum', () => wg.maximum(wg.zeros([5]), wg.zeros([4, 3]))],
    ] as [string, () => unknown][]) {
      expectMessage(thrown(f), new RegExp(`^${name}\\b`), /broadcast/);
    }
    expectMessage(thrown(() => wg.broadcastTo(wg.zeros([2, 3]), [3, 3])), /^broadcastTo\b/, /\[2, 3\]/, /\[3, 3\]/);
    expectMessage(thrown(() => wg.broadcastTo(wg.zeros([3, 1]), [3])), /^broadcastTo\b/, /'shape'/, /\[3\]/);
  });

  test('matMul with disagreeing inner dimensions', () => {
    expectMessage(thrown(() => wg.matMul(wg.zeros([2, 3]), wg.zeros([4, 5]))), /^matMul\b/, /inner dimensions/, /'a' \[2, 3\]/, /'b' \[4, 5\]/, /3 columns/, /4 rows/);
    expectMessage(thrown(() => wg.matMul(wg.zeros([2, 3]), wg.zeros([2, 3]), true, true)), /^matMul\b/, /'a' \[2, 3\] \(transposed\)/, /'b' \[2, 3\] \(transposed\)/);
    // Rank 3 and more is batched (batch dimensions broadcast); rank 1 is refused.
    expectMessage(thrown(() => wg.matMul(wg.zeros([2, 3, 4]), wg.zeros([3, 4, 5]))), /^matMul\b/, /batch dimensions/, /'a' \[2, 3, 4\]/, /'b' \[3, 4, 5\]/);
    expectMessage(thrown(() => wg.matMul(wg.zeros([2, 3]), wg.zeros([3]))), /^matMul\b/, /'b'/, /rank >= 2/, /\[3\]/);
  });

  test('wrong dtypes: matMul of int32, oneHot of float labels, exp of int32', () => {
    expectMessage(thrown(() => wg.matMul(wg.zeros([2, 3], 'int32'), wg.zeros([3, 2]))), /^matMul\b/, /'a'/, /float32/, /int32/, /\[2, 3\]/);
    expectMessage(thrown(() => wg.matMul(wg.zeros([2, 3]), wg.ones([3, 2], 'int32'))), /^matMul\b/, /'b'/, /float32/, /int32/);
    expectMessage(thrown(() => wg.oneHot(wg.tensor([1, 2]), 3)), /^oneHot\b/, /'labels'/, /int32/, /float32/);
    expectMessage(thrown(() => wg.oneHot(wg.tensor([1, 2], [2], 'int32'), 0)), /^oneHot\b/, /'depth'/, /positive integer/, /got 0/);
    expectMessage(thrown(() => wg.exp(wg.zeros([2], 'int32'))), /^exp\b/, /'x'/, /float32/, /int32/);
    expectMessage(thrown(() => wg.sparseCategoricalCrossentropy(wg.tensor([1, 2]), wg.zeros([2, 3]))), /^sparseCategoricalCrossentropy\b/, /'labels'/, /int32/, /float32/);
    expectMessage(thrown(() => wg.grad((x) => x)(wg.zeros([2], 'int32'))), /^grad\b/, /'x\[0\]'/, /float32/, /int32/);
  });

  test('a disposed tensor used again', async () => {
    const t = wg.tensor([1, 2, 3]);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expectMessage(thrown(() => wg.add(t, 1)), /^add\b/, /'a'/, /disposed/, /\[3\]/);
    expectMessage(thrown(() => wg.matMul(wg.zeros([1, 3]), wg.reshape(t, [3, 1]))), /^reshape\b/, /'x'/, /disposed/);
    expectMessage(await rejected(() => t.data()), /^data\b/, /disposed/);
    expect(() => t.dispose()).not.toThrow(); // disposing twice is allowed
    // an intermediate of a tidy() used after it
    let inner: wg.Tensor | null = null;
    wg.tidy(() => {
      inner = wg.exp(wg.zeros([2]));
      return wg.sum(inner);
    });
    expectMessage(thrown(() => wg.neg(inner!)), /^neg\b/, /'x'/, /disposed/, /tidy/);
  });

  test("ready({ gpu: {} }) and other non-GPU objects are refused; the backend is unchanged", async () => {
    const before = wg.getBackend()?.name;
    for (const bad of [{}, 5, null, 'gpu', { requestAdapter: 1 }]) {
      expectMessage(await rejected(() => wg.ready({ gpu: bad as unknown as GPU })), /^ready\b/, /'options\.gpu'/, /GPU object|requestAdapter/, /got/);
    }
    expectMessage(await rejected(() => wg.ready({ backend: 'metal' as never })), /^ready\b/, /'options\.backend'/, /'auto', 'webgpu', 'wasm' or 'cpu'/, /"metal"/);
    expectMessage(await rejected(() => wg.ready(5 as never)), /^ready\b/, /'options'/, /object/);
    expect(wg.getBackend()?.name).toBe(before);
    expect(Array.from(await wg.add(wg.tensor([1]), 1).data())).toEqual([2]);
  });

  test('bad axis for reductions, argMax, softmax, expandDims', () => {
    expectMessage(thrown(() => wg.sum(wg.zeros([2, 3]), 2)), /^sum\b/, /'axis'/, /\[-2, 1\]/, /got 2/);
    expectMessage(thrown(() => wg.mean(wg.zeros([2, 3]), -3)), /^mean\b/, /'axis'/, /got -3/);
    expectMessage(thrown(() => wg.max(wg.zeros([2, 3]), [0, 1.5])), /^max\b/, /'axis'/, /got 1\.5/);
    expectMessage(thrown(() => wg.argMax(wg.zeros([2, 3]), 5)), /^argMax\b/, /'axis'/, /got 5/);
    expectMessage(thrown(() => wg.argMax(wg.zeros([2, 3]), [0, 1] as never)), /^argMax\b/, /'axis'/, /single integer/);
    expectMessage(thrown(() => wg.softmax(wg.zeros([2, 3]), 0)), /^softmax\b/, /'dim'/, /last axis/, /got 0/);
    expectMessage(thrown(() => wg.logSoftmax(wg.scalar(1))), /^logSoftmax\b/, /'logits'/, /rank >= 1/);
    expectMessage(thrown(() => wg.expandDims(wg.zeros([2]), 3)), /^expandDims\b/, /'axis'/, /got 3/);
    expectMessage(thrown(() => wg.transpose(wg.zeros([2, 3]), [0, 0])), /^transpose\b/, /'perm'/, /permutation/, /\[0, 0\]/);
  });

  test('reshape to a wrong size', () => {
    expectMessage(thrown(() => wg.reshape(wg.zeros([2, 3]), [4, 2])), /^reshape\b/, /'shape'/, /\[4, 2\]/, /6 values/, /\[2, 3\]/);
    expectMessage(thrown(() => wg.reshape(wg.zeros([2, 3]), [5])), /^reshape\b/, /'shape'/, /\[5\]/, /6/);
  });

  test('reshape with -1 that does not divide the size names the shape as given', () => {
    // [4, -1] for 6 values: the message should show what was passed ([4, -1])
    // and the size, not an inferred non-integer dimension.
    expectMessage(thrown(() => wg.reshape(wg.zeros([2, 3]), [4, -1])), /^reshape\b/, /'shape'/, /\[4, -1\]/, /6/);
    // two unknown dimensions: the message should name the shape as given
    expectMessage(thrown(() => wg.reshape(wg.zeros([2, 3]), [-1, -1])), /^reshape\b/, /'shape'/, /\[-1, -1\]/);
  });

  test('ragged nested arrays in tensor()', () => {
    expectMessage(thrown(() => wg.tensor([[1, 2], [3]])), /^tensor\b/, /'values'/, /ragged/, /expected length 2/, /depth 1/, /\[3\]/);
    expectMessage(thrown(() => wg.tensor([[1, 2], 3] as never)), /^tensor\b/, /'values'/, /ragged/);
    expectMessage(thrown(() => wg.tensor([[[1], [2]], [[3], [4, 5]]])), /^tensor\b/, /'values'/, /ragged/, /depth 2/);
    expectMessage(thrown(() => wg.tensor([1, 2, 3], [2, 2])), /^tensor\b/, /'shape'/, /\[2, 2\]/, /4 values/, /3/);
    expectMessage(thrown(() => wg.tensor(['a', 'b'] as never)), /^tensor\b/, /'values'/, /number/);
    expectMessage(thrown(() => wg.tensor([1], [1], 'float64' as never)), /^tensor\b/, /'dtype'/, /'float32' or 'int32'/, /"float64"/);
  });

  test('tidy with an async function', async () => {
    const before = wg.tensor([1]);
    const msg = thrown(() => wg.tidy((async () => wg.zeros([1])) as never));
    expectMessage(msg, /^tidy\b/, /'fn'/, /synchronous/, /Promise/);
    expectMessage(thrown(() => wg.tidy(5 as never)), /^tidy\b/, /'fn'/, /function/);
    // the scope was closed: later tidies work and outer tensors are untouched
    expect(before.isDisposed).toBe(false);
    const r = wg.tidy(() => wg.add(before, 1));
    expect(Array.from(await r.data())).toEqual([2]);
  });

  test('losses: mismatched shapes, bad labels', () => {
    expectMessage(thrown(() => wg.meanSquaredError(wg.zeros([2, 3]), wg.zeros([3, 2]))), /^meanSquaredError\b/, /'yTrue' \[2, 3\]/, /'yPred' \[3, 2\]/, /same shape/);
    expectMessage(thrown(() => wg.categoricalCrossentropy(wg.zeros([2, 3]), wg.zeros([2, 4]))), /^categoricalCrossentropy\b/, /'yTrue'/, /'yPred'/);
    expectMessage(thrown(() => wg.sparseCategoricalCrossentropy(wg.tensor([1, 2, 0], [3], 'int32'), wg.zeros([2, 3]))), /^sparseCategoricalCrossentropy\b/, /'labels' \[3\]/, /\[2\]/);
  });

  test('autodiff misuse', () => {
    expectMessage(thrown(() => wg.grad((() => 3) as never)(wg.zeros([2]))), /^grad\b/, /must return a Tensor/, /3/);
    expectMessage(thrown(() => wg.grad((x) => x)(wg.zeros([2]), wg.zeros([3]))), /^grad\b/, /'dy'/, /\[2\]/, /\[3\]/);
    expectMessage(thrown(() => wg.grads((x) => x)([[1, 2] as never])), /^grads\b/, /'x\[0\]'/, /Tensor/);
    const disposed = wg.zeros([2]);
    disposed.dispose();
    expectMessage(thrown(() => wg.valueAndGrad((x) => x)(disposed)), /^valueAndGrad\b/, /'x\[0\]'/, /disposed/);
  });

  test('scalar attributes: clip bounds, alphas', () => {
    expectMessage(thrown(() => wg.clip(wg.zeros([2]), 1, 0)), /^clip\b/, /'max'/, /got 0/);
    expectMessage(thrown(() => wg.clip(wg.zeros([2]), NaN, 1)), /^clip\b/, /'min'/, /finite/, /NaN/);
    expectMessage(thrown(() => wg.leakyRelu(wg.zeros([2]), NaN)), /^leakyRelu\b/, /'alpha'/, /finite/, /NaN/);
    expectMessage(thrown(() => wg.elu(wg.zeros([2]), Infinity)), /^elu\b/, /'alpha'/, /finite/, /Infinity/);
  });
});
