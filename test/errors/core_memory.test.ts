// Memory accounting of the core: optimizers, refused allocations and disposed
// variables must leave stats() where it was. On the CPU backend a freed buffer
// leaves the counters at once; WebGPU keeps freed buffers in its pool (they
// stay counted), so there a leak shows as growth when the same work is
// repeated: a freed buffer is reused, a leaked one forces a new allocation.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { backendHost } from '../../src/backends/select.js';
import type { Backend } from '../../src/backends/backend.js';
import { describeEachBackend, type TestBackend } from '../helpers/backends.js';

function counts(): { buffers: number; bytes: number } {
  const s = wg.stats();
  return { buffers: s.buffers, bytes: s.bytes };
}

/**
 * Runs `cycle` three times; buffers and bytes must not grow after the first
 * run (both backends), and on the CPU must be back at the baseline after it.
 */
async function expectNoLeak(backend: TestBackend, cycle: () => Promise<void>): Promise<void> {
  const base = counts();
  await cycle();
  const warm = counts();
  if (backend !== 'webgpu') expect(warm, 'the CPU backend frees at once: back to the baseline after one run').toEqual(base);
  await cycle();
  await cycle();
  expect(counts(), 'repeating the work must reuse what the first run freed').toEqual(warm);
}

function activeBackend(): Backend {
  const b = backendHost.current();
  if (!b) throw new Error('no active backend');
  return b;
}

describeEachBackend('core memory accounting', (backend) => {
  test('an Adam optimizer frees all its state (its beta scalars included) on dispose', async () => {
    await expectNoLeak(backend, async () => {
      const opt = wg.train.adam(0.01);
      const weights = opt.getWeights();
      expect(weights.map((v) => v.name)).toEqual(['Adam/accBeta1', 'Adam/accBeta2']);
      // Reading puts the state on the backend, as a training step would.
      expect(Array.from(await weights[0].data())[0]).toBeCloseTo(0.9, 6);
      expect(Array.from(await weights[1].data())[0]).toBeCloseTo(0.999, 6);
      opt.dispose();
    });
  });

  test('an allocation the backend refuses leaves the counters alone', () => {
    const b = activeBackend();
    const before = counts();
    expect(() => b.alloc(4e12)).toThrow(wg.WebgradError);
    expect(() => b.alloc(4e12)).toThrow(/4000000000000 bytes/);
    expect(counts()).toEqual(before);
  });

  test('a realization whose allocation fails frees the buffers it took before it', async () => {
    const x = wg.tensor(Float32Array.from({ length: 64 }, (_, i) => (i % 7) - 3), [8, 8]);
    // Put x on the backend before counting allocations: reading a view of x
    // uploads it (data() of x itself reads its host copy).
    const view = wg.reshape(x, [64]);
    await view.data();
    view.dispose();
    // matMul then sum: two kernels, so the plan allocates an intermediate and an output.
    const compute = (): wg.Tensor => wg.sum(wg.relu(wg.matMul(x, x)), 0);
    const b = activeBackend();
    const realAlloc = b.alloc;
    let calls = 0;
    b.alloc = (bytes: number) => {
      calls++;
      return realAlloc.call(b, bytes);
    };
    let first: wg.Tensor | null = compute();
    const expected = Array.from(await first.data());
    first.dispose();
    first = null;
    const allocsPerRun = calls;
    expect(allocsPerRun, 'the plan should allocate at least two buffers').toBeGreaterThanOrEqual(2);
    try {
      await expectNoLeak(backend, async () => {
        // Fault injection: the last allocation of the run is refused, as an
        // out-of-memory would be.
        calls = 0;
        b.alloc = (bytes: number) => {
          if (++calls === allocsPerRun) throw new wg.WebgradError('injected: out of memory');
          return realAlloc.call(b, bytes);
        };
        const failing = compute();
        await expect(failing.data()).rejects.toThrow(/injected/);
        failing.dispose();
        b.alloc = realAlloc;
        // The engine still works afterwards and gives the same values.
        const again = compute();
        expect(Array.from(await again.data())).toEqual(expected);
        again.dispose();
      });
    } finally {
      b.alloc = realAlloc;
    }
    x.dispose();
  });

  test.skipIf(backend !== 'webgpu')(
    // Only WebGPU refuses this real allocation (over maxStorageBufferBindingSize);
    // the CPU backends would allocate and fill 1.6 GB, too much for the test machines.
    'WebGPU: an output over the device limit is refused and the intermediate before it is freed',
    async () => {
      const x = wg.ones([16]);
      await x.data();
      const max = wg.getWebGPUDevice()!.limits.maxStorageBufferBindingSize;
      const n = Math.floor(max / 4) + 1024;
      await expectNoLeak(backend, async () => {
        const big = wg.broadcastTo(wg.sum(x), [n]);
        await expect(big.data()).rejects.toThrow(/maxStorageBufferBindingSize/);
        big.dispose();
        const small = wg.sum(x);
        expect(Array.from(await small.data())).toEqual([16]);
        small.dispose();
      });
      x.dispose();
    },
  );

  test('assign() to a disposed variable is refused and does not hold the value', async () => {
    await expectNoLeak(backend, async () => {
      const init = wg.zeros([32]);
      const v = wg.variable(init, true, 'gone');
      init.dispose(); // the variable holds its own handle
      await v.data();
      v.dispose();
      const value = wg.ones([32]);
      await value.data();
      let err: unknown = null;
      try {
        v.assign(value);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(wg.WebgradError);
      expect((err as Error).message).toMatch(/^assign\b.*'gone'.*disposed/);
      value.dispose();
    });
  });

  test('assign() to a live variable frees the value it replaces', async () => {
    const init = wg.zeros([32]);
    const v = wg.variable(init);
    init.dispose();
    await v.data();
    await expectNoLeak(backend, async () => {
      const value = wg.fill([32], 2);
      v.assign(value);
      value.dispose();
      expect(Array.from(await v.data())).toEqual(new Array(32).fill(2));
    });
    v.dispose();
  });
});
