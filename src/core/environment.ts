// Where webgrad runs: the one test every layer that behaves differently in
// Node (file paths, progress output, worker threads) asks.

/** True in Node.js (process.versions.node is set). */
export function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}
