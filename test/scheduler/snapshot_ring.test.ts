// The memory a compiled step copies its variables into on every run
// (keepHostCopy): a few slots reused run after run, never one whose values
// may still be needed (in flight, the newest arrived, pinned).
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { SnapshotRing } from '../../src/graph/snapshot_ring.js';
import { useBackend } from '../helpers/backends.js';

const layout = [{ dtype: 'float32' as const, size: 3 }, { dtype: 'int32' as const, size: 2 }];

/** Claims run `run`'s slot and lands `v` in it, as a backend's copy would. */
function land(ring: SnapshotRing, run: number, v: number): void {
  const [f, i] = ring.claim(run);
  f.fill(v);
  i.fill(-v);
  ring.arrived(run);
}

test('one run at a time: two slots, the newest kept, older ones reused', () => {
  const ring = new SnapshotRing(layout);
  for (let r = 1; r <= 50; r++) land(ring, r, r);
  expect(ring.size).toBe(2);
  expect(ring.latest()?.run).toBe(50);
  expect(Array.from(ring.latest()!.values[0])).toEqual([50, 50, 50]);
  expect(Array.from(ring.latest()!.values[1])).toEqual([-50, -50]);
  expect(ring.latest()!.values[1]).toBeInstanceOf(Int32Array);
  expect(Array.from(ring.peek(49)![0])).toEqual([49, 49, 49]);
  expect(ring.peek(48)).toBeNull(); // its slot went to run 50
});

test('runs in flight and pinned runs are never overwritten', () => {
  const ring = new SnapshotRing(layout);
  land(ring, 1, 1);
  const held = ring.hold(1)!;
  // Three runs in flight at once (a training loop a few steps ahead of its reads).
  const pending = [2, 3, 4].map((r) => ({ r, into: ring.claim(r) }));
  expect(ring.size).toBe(4);
  expect(ring.peek(2)).toBeNull(); // not arrived yet
  for (const { r, into } of pending) {
    into[0].fill(r);
    ring.arrived(r);
  }
  // Runs 5..20, one at a time: run 1 stays (pinned), the rest cycle through the free slots.
  for (let r = 5; r <= 20; r++) land(ring, r, r);
  expect(ring.size).toBe(4);
  expect(Array.from(held.values[0])).toEqual([1, 1, 1]);
  expect(Array.from(ring.peek(1)![0])).toEqual([1, 1, 1]);
  held.release();
  held.release(); // twice is harmless
  land(ring, 21, 21);
  land(ring, 22, 22);
  expect(ring.peek(1)).toBeNull(); // unpinned: reused
  expect(ring.size).toBe(4);
});

test('a failed copy frees its slot and leaves the newest snapshot standing', () => {
  const ring = new SnapshotRing(layout);
  land(ring, 1, 1);
  ring.claim(2);
  ring.failed(2);
  expect(ring.latest()?.run).toBe(1);
  expect(ring.hold(2)).toBeNull();
  land(ring, 3, 3);
  expect(ring.size).toBe(2);
  expect(ring.latest()?.run).toBe(3);
});

// On the GPU: a compiled step copies its variables into the ring, reads of the
// newest values come from it, and a value whose slot was reused is read from
// its buffer instead (the same numbers).
test('compiled step: snapshots reuse their memory, reads stay right [webgpu]', async () => {
  await useBackend('webgpu');
  const w = wg.variable(wg.tensor([1, 2, 3]));
  const step = await wg.compileStep({
    keepHostCopy: true,
    inputs: [{ shape: [3], dtype: 'float32' }],
    variables: [w],
    build: ([x], [wv]) => ({ outputs: [wg.sum(wv)], updates: [wg.add(wv, x)] }),
  });
  await step.prepareVariables();
  expect(step.keepsHostCopy).toBe(true);
  const x = Float32Array.of(1, 0, -1);
  step.run([x])[0].dispose();
  // A view of the values after run 1, read only after many more runs.
  const afterFirst = wg.reshape(w.value, [3]);
  for (let i = 2; i <= 12; i++) {
    const [loss] = step.run([x]);
    // Reading right after the run: values from the run's own copy.
    expect(Array.from(await w.value.data())).toEqual([1 + i, 2, 3 - i]);
    loss.dispose();
  }
  await step.snapshotsSettled();
  expect(Array.from(await afterFirst.data())).toEqual([2, 2, 2]);
  const held = await step.snapshotAt(12);
  expect(held?.run).toBe(12);
  expect(Array.from(held!.values[0])).toEqual([13, 2, -9]);
  held!.release();
  // Run 5's slot has been reused since (one run at a time needs two slots).
  expect(await step.snapshotAt(5)).toBeNull();
  expect(step.lastSnapshot()?.run).toBe(12);
  afterFirst.dispose();
  step.dispose();
  w.dispose();
});
