// Where webgrad runs: the one test every layer that behaves differently in
// Node (file paths, progress output, worker threads) asks.

/** True in Node.js (process.versions.node is set). */
export function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

/**
 * The debug level: `WEBGRAD_DEBUG` in Node's environment, or
 * `globalThis.WEBGRAD_DEBUG` (which wins, and is how a page sets it). 1 logs
 * compile timings (kernel pipelines, compiled steps), 2 also each kernel's WGSL.
 */
export function debugLevel(): number {
  const g = (globalThis as { WEBGRAD_DEBUG?: unknown }).WEBGRAD_DEBUG;
  if (g !== undefined) return Number(g);
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WEBGRAD_DEBUG;
  return Number(env ?? 0);
}
