// What each page publishes about itself on `window.demo`: its backend, its
// training progress, its latest predictions. The page shows the same numbers;
// this copy is for scripts (the end-to-end tests in test/demo/ read it) and
// for visitors poking around in the console.

export interface DemoState {
  /** Which page this is. */
  page: string;
  /** The backend picker: the choice, what runs, and a failure to get the choice. */
  backend?: { choice: string; name: string | null; description: string; error: string | null; switching: boolean };
  /** The longest time the main thread was blocked since the last reset (ms). */
  maxStallMs?: number;
  [section: string]: unknown;
}

declare global {
  interface Window {
    demo: DemoState;
  }
}

/** The page's state object (created on first use). */
export function demoState(): DemoState {
  window.demo ??= { page: document.body.dataset.page ?? 'unknown' };
  return window.demo;
}

/** Replaces one section of the published state. */
export function publish(section: string, value: unknown): void {
  demoState()[section] = value;
}
