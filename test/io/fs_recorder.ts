// Records every call the loader makes through node:fs/promises (installed
// with vi.mock in the test file), so tests can check that loading a hostile
// model.json touches nothing outside the model's folder. Calls that only
// look at names (realpath, lstat) may name any path lexically inside the
// folder; calls that follow links and read (stat, open, readFile, ...) must
// land, after following links, inside the folder. Reads through a file
// handle from open() are recorded too, as 'handle.read'.
import { realpathSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';

export interface FsCall {
  fn: string;
  path: string;
}

export const fsCalls: FsCall[] = [];

/** Wraps the real module: each function records its first argument when that is a path. */
export function recordingFs(real: Record<string, unknown>): Record<string, unknown> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(real)) {
    if (typeof value !== 'function' || name === 'default') {
      wrapped[name] = value;
      continue;
    }
    const fn = value as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      const p = args[0];
      if (typeof p === 'string' || p instanceof URL || Buffer.isBuffer(p)) fsCalls.push({ fn: name, path: String(p) });
      const result = fn(...args);
      if (name !== 'open') return result;
      // Reads through an opened file are recorded as 'handle.read'.
      return (result as Promise<{ read: (...a: unknown[]) => unknown }>).then((handle) => {
        const read = handle.read.bind(handle);
        handle.read = (...a: unknown[]) => {
          fsCalls.push({ fn: 'handle.read', path: String(p) });
          return read(...a);
        };
        return handle;
      });
    };
  }
  return { ...wrapped, default: wrapped };
}

function inside(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !rel.startsWith('/'));
}

const NAME_ONLY = new Set(['realpath', 'lstat']);

/** Calls since `from` that reach outside `dir` (a real path), described. */
export function callsOutside(dir: string, from = 0): string[] {
  const bad: string[] = [];
  for (const c of fsCalls.slice(from)) {
    const lexical = resolve(c.path);
    if (!inside(dir, lexical)) {
      bad.push(`${c.fn}(${c.path})`);
      continue;
    }
    if (NAME_ONLY.has(c.fn)) continue;
    let real: string | null;
    try {
      real = realpathSync(lexical);
    } catch {
      real = null;
    }
    if (real !== null && !inside(dir, real)) bad.push(`${c.fn}(${c.path} -> ${real})`);
  }
  return bad;
}
