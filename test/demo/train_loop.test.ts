// The demos' play / pause loop, in Node with the few browser globals it
// touches stubbed: a page's settle hook must see the model as training left
// it, wherever the pause lands (in a tick, or in the frame between ticks).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

type Globals = Record<string, unknown>;
const g = globalThis as unknown as Globals;
const stubbed = ['window', 'document', 'requestAnimationFrame'] as const;
const saved: Globals = {};

beforeAll(() => {
  for (const k of stubbed) saved[k] = g[k];
  g.window = {};
  g.document = { body: { dataset: { page: 'test' } }, getElementById: () => null };
  // A frame 20 ms after it is asked for (nextFrame's fallback timer is 50 ms).
  g.requestAnimationFrame = (cb: () => void) => setTimeout(cb, 20);
});
afterAll(() => {
  for (const k of stubbed) g[k] = saved[k];
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A page in miniature: ticks count steps, settle records the step it measured at, as the MNIST page evaluates. */
async function page(pauseIn: 'tick' | 'frame') {
  const { TrainLoop } = await import('../../demo/shared/train-loop.js');
  const state = { steps: 0, measuredAt: -1, busyAtSettle: false };
  let pauseNow: (() => void) | null = null;
  const loop: InstanceType<typeof TrainLoop> = new TrainLoop(async () => {
    await sleep(5);
    state.steps++;
    if (state.steps === 3 && pauseIn === 'tick') void loop.pause();
    // The frame the loop waits for after this tick starts now; pause 5 ms into it.
    if (state.steps === 3 && pauseIn === 'frame') setTimeout(() => pauseNow?.(), 5);
    return true;
  }, () => {}, async () => {
    await sleep(1);
    state.measuredAt = state.steps;
    state.busyAtSettle = loop.busy;
  });
  let paused: Promise<void> = Promise.resolve();
  pauseNow = () => {
    paused = loop.pause();
  };
  return { loop, state, stopped: async () => {
    while (loop.busy) await sleep(5);
    await paused;
  } };
}

describe('TrainLoop', () => {
  for (const where of ['tick', 'frame'] as const) {
    test(`a pause in the ${where} after a step: settle measures after the last step, before the loop counts as stopped`, async () => {
      const { loop, state, stopped } = await page(where);
      loop.start();
      await stopped();
      expect(state.steps).toBe(3);
      expect(state.measuredAt).toBe(3);
      expect(state.busyAtSettle).toBe(true);
      expect(loop.busy).toBe(false);
    });
  }

  test('step() settles too', async () => {
    const { loop, state } = await page('tick');
    await loop.step();
    expect(state.steps).toBe(1);
    expect(state.measuredAt).toBe(1);
  });
});
