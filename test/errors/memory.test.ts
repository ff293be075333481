// Memory: tidy() disposes the tensors made inside it except those it returns
// (or keep()s); dispose() of containers; no growth of backend buffers over
// repeated tidy() iterations.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';

describeEachBackend('memory', (backend) => {
  test('tidy disposes intermediates; the returned tensor survives and is correct', async () => {
    const rng = new Rng(1);
    const xv = rng.nd([5, 7]);
    const x = wg.tensor(Float32Array.from(xv.data), [5, 7]);
    const made: wg.Tensor[] = [];
    const r = wg.tidy(() => {
      const a = wg.exp(x);
      const b = wg.mul(a, 2);
      const c = wg.sum(b, -1);
      made.push(a, b);
      return c;
    });
    for (const t of made) expect(t.isDisposed).toBe(true);
    expect(r.isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false); // created outside
    expectAllClose(await r.data(), ref.sum(ref.map(xv, (v) => 2 * Math.exp(v)), -1).data, { rtol: 1e-5, atol: 1e-6 });
  });

  test('tidy returning arrays/objects keeps every tensor in them; keep() exempts one', async () => {
    let tmp: wg.Tensor | null = null;
    let kept: wg.Tensor | null = null;
    const out = wg.tidy(() => {
      const a = wg.tensor([1, 2]);
      tmp = wg.add(a, 1);
      kept = wg.keep(wg.mul(a, 3));
      return { list: [wg.neg(a), wg.square(a)], single: wg.sqrt(a), n: 3 };
    });
    expect(tmp!.isDisposed).toBe(true);
    expect(kept!.isDisposed).toBe(false);
    expect(Array.from(await kept!.data())).toEqual([3, 6]);
    expect(Array.from(await out.list[0].data())).toEqual([-1, -2]);
    expect(Array.from(await out.list[1].data())).toEqual([1, 4]);
    expectAllClose(await out.single.data(), [1, Math.SQRT2], { rtol: 1e-6, atol: 0 });
    wg.dispose([out.list, out.single, kept]);
    expect(out.list[0].isDisposed && out.list[1].isDisposed && out.single.isDisposed && kept!.isDisposed).toBe(true);
  });

  test('nested tidy: the inner result belongs to the outer scope', async () => {
    let inner: wg.Tensor | null = null;
    const r = wg.tidy(() => {
      inner = wg.tidy(() => wg.exp(wg.tensor([0, 1])));
      expect(inner.isDisposed).toBe(false);
      return wg.add(inner, 1);
    });
    expect(inner!.isDisposed).toBe(true);
    expectAllClose(await r.data(), [2, 1 + Math.E], { rtol: 1e-6, atol: 0 });
  });

  test('a tidy that throws still disposes what it made', () => {
    let made: wg.Tensor | null = null;
    expect(() =>
      wg.tidy(() => {
        made = wg.ones([3]);
        return wg.add(made, wg.ones([4]));
      }),
    ).toThrow(/^add\b/);
    expect(made!.isDisposed).toBe(true);
  });

  test('grad() disposes its internal tensors; results survive', async () => {
    const x = wg.tensor([1, 2, 3]);
    const before = wg.stats();
    let warm = before;
    for (let i = 0; i < 4; i++) {
      const { value, grad } = wg.valueAndGrad((v) => wg.sum(wg.exp(v)))(x);
      expectAllClose(await grad.data(), [Math.E, Math.E ** 2, Math.E ** 3], { rtol: 1e-5, atol: 0 });
      expectAllClose(await value.data(), [Math.E + Math.E ** 2 + Math.E ** 3], { rtol: 1e-5, atol: 0 });
      wg.dispose([value, grad]);
      if (i === 0) warm = wg.stats();
    }
    const after = wg.stats();
    // Both backends: later iterations reuse what the first freed (WebGPU's pool keeps it counted).
    expect(after.buffers).toBe(warm.buffers);
    expect(after.bytes).toBe(warm.bytes);
    if (backend !== 'webgpu') expect(after.buffers - before.buffers).toBe(1); // x itself, uploaded once
  });

  test('repeated tidy iterations do not grow backend memory (stats buffers/bytes)', async () => {
    const base = wg.stats();
    const rng = new Rng(2);
    const xv = rng.nd([64, 64]);
    const x = wg.tensor(Float32Array.from(xv.data), [64, 64]);
    await x.data();
    const step = async (): Promise<void> => {
      const r = wg.tidy(() => wg.sum(wg.exp(wg.mul(wg.relu(wg.matMul(x, x)), 0.01)), 0));
      await r.data();
      r.dispose();
    };
    await step();
    await step();
    const warm = wg.stats();
    for (let i = 0; i < 6; i++) await step();
    const after = wg.stats();
    expect(after.buffers).toBe(warm.buffers);
    expect(after.bytes).toBe(warm.bytes);
    if (backend !== 'webgpu') {
      // the CPU backend frees at once: only x's buffer is left
      expect(after.buffers).toBe(base.buffers + 1);
      expect(after.bytes).toBe(base.bytes + 64 * 64 * 4);
    }
  });

  test('without tidy/dispose, results do hold memory (the counters can see a leak)', async () => {
    const x = wg.ones([256]);
    await x.data();
    const base = wg.stats();
    const leaked: wg.Tensor[] = [];
    for (let i = 0; i < 4; i++) {
      const r = wg.add(x, i);
      await r.data();
      leaked.push(r);
    }
    const grown = wg.stats();
    expect(grown.buffers).toBeGreaterThan(base.buffers);
    expect(grown.bytes).toBeGreaterThanOrEqual(base.bytes + 4 * 256 * 4);
    wg.dispose(leaked);
    const back = wg.stats();
    if (backend !== 'webgpu') expect(back.buffers).toBe(grown.buffers - 4);
    // Both backends: the 4 disposed results' memory is reused by 4 new ones (on
    // WebGPU freed buffers stay counted in the pool, so this is how a free shows).
    const again: wg.Tensor[] = [];
    for (let i = 0; i < 4; i++) {
      const r = wg.add(x, i);
      await r.data();
      again.push(r);
    }
    expect(wg.stats().buffers).toBe(grown.buffers);
    expect(wg.stats().bytes).toBe(grown.bytes);
    wg.dispose(again);
  });

  test('eager ops outside tidy() do not leak once their results are disposed (numbers as operands, composite ops)', async () => {
    // Everything the caller owns is disposed each iteration. Implicit tensors
    // (the number 2, mean's element count) and a composite op's internal
    // nodes (mean = sum / count) are not the caller's to dispose: the library
    // must release them, or every call leaks a buffer for good.
    const x = wg.ones([256]);
    await x.data();
    const y = wg.zeros([256]);
    await y.data();
    const step = async (): Promise<void> => {
      const a = wg.add(x, 2);
      const m = wg.mean(a);
      const l = wg.meanSquaredError(y, x);
      await m.data();
      await l.data();
      wg.dispose([a, m, l]);
    };
    await step();
    await step();
    const warm = wg.stats();
    for (let i = 0; i < 5; i++) await step();
    const after = wg.stats();
    expect(after.buffers, `buffers grew from ${warm.buffers} to ${after.buffers} over 5 iterations`).toBe(warm.buffers);
    expect(after.bytes).toBe(warm.bytes);
  });

  test('disposing an input after a composite op outside tidy() frees its memory', async () => {
    // The WebGPU pool keeps freed buffers counted, so there the check is that
    // repeating the work reuses them (a leaked buffer would force a new one);
    // the CPU frees at once, so there the counts also return to the baseline.
    const base = wg.stats();
    const cycle = async (): Promise<void> => {
      const x = wg.ones([1024]);
      // Reading a view of x puts x on the backend (data() of x itself reads its host copy).
      const view = wg.reshape(x, [1024]);
      await view.data();
      view.dispose();
      if (backend !== 'webgpu') expect(wg.stats().buffers).toBe(base.buffers + 1);
      const m = wg.mean(x);
      expect(Array.from(await m.data())).toEqual([1]);
      m.dispose();
      x.dispose();
    };
    await cycle();
    const warm = wg.stats();
    if (backend !== 'webgpu') expect(warm.buffers, 'x (and any constants) should be freed').toBe(base.buffers);
    await cycle();
    await cycle();
    expect(wg.stats().buffers, 'x (and any constants) should be freed and reused').toBe(warm.buffers);
    expect(wg.stats().bytes).toBe(warm.bytes);
  });

  test('data() requested before dispose() still resolves', async () => {
    // The read is a pending use: dispose() releases the handle, and the memory
    // should go once the read is done (as README's memory model says).
    const a = wg.exp(wg.tensor([0, 1]));
    const p = a.data();
    a.dispose();
    expectAllClose(await p, [1, Math.E], { rtol: 1e-6, atol: 0 });
  });

  test('disposing an input while a pending result needs it is safe', async () => {
    const a = wg.tensor([1, 2, 3]);
    const b = wg.exp(a);
    a.dispose();
    expectAllClose(await b.data(), [Math.E, Math.E ** 2, Math.E ** 3], { rtol: 1e-6, atol: 0 });
  });
});
