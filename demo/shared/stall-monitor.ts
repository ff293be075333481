// Measures how responsive the page is: a timer that should fire every 50 ms
// notes how late it fires. The lateness is time the main thread could not
// handle input or paint. Pages reset it when training starts, show it, and
// publish it (window.demo.maxStallMs) so a test can check the UI never froze.
import { publish } from './state.js';

const PERIOD_MS = 50;
let last = performance.now();
let maxStall = 0;
let listener: ((ms: number) => void) | null = null;

/** Starts measuring (once per page). `onChange` hears the new maximum. */
export function startStallMonitor(onChange?: (ms: number) => void): void {
  listener = onChange ?? null;
  last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const stall = now - last - PERIOD_MS;
    last = now;
    if (stall > maxStall) {
      maxStall = stall;
      publish('maxStallMs', Math.round(maxStall));
      listener?.(maxStall);
    }
  }, PERIOD_MS);
  publish('maxStallMs', 0);
}

/** Forgets the maximum (e.g. when training starts, so page load does not count). */
export function resetStallMonitor(): void {
  maxStall = 0;
  last = performance.now();
  publish('maxStallMs', 0);
  listener?.(0);
}
