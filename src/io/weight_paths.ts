// Weight file paths come from model.json, which is untrusted: a model must
// not make the loader read or fetch anything outside its own folder. These
// are the rules every handler applies to a path before it touches a file
// system or a network, plus the URL join TensorFlow.js uses (folder prefix +
// path, never URL resolution, which would follow '//host' or 'http://...').
import { WebgradError } from '../core/errors.js';

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Checks that `path` names a file inside the model's folder: relative, no
 * scheme, no '\' (a separator on Windows and in URLs), no control characters,
 * and no '..' segment that climbs above the folder ('%2e%2e' counts, as URL
 * parsers read it so). Returns the path's segments without '.' and '' (of
 * a URL: of the part before '?' or '#').
 */
export function checkWeightPath(path: unknown, source: string, folder: string, kind: 'file' | 'url'): string[] {
  const bad = (why: string): WebgradError =>
    new WebgradError(`${source}: weight file path ${JSON.stringify(path)} ${why}; weight files must be inside the model's folder '${folder}' (paths relative to it, without '..' leaving it).`);
  if (typeof path !== 'string' || path === '') throw bad('is not a file name');
  if (path.length > 4096) throw bad('is too long');
  if (/[\u0000-\u001f\u007f]/.test(path)) throw bad('has control characters');
  if (path.includes('\\')) throw bad("has a '\\'");
  // Servers may decode these into separators after the URL check.
  if (/%(2f|5c)/i.test(path)) throw bad('has an encoded slash');
  if (SCHEME.test(path)) throw bad('has a scheme (a URL or drive letter)');
  if (path.startsWith('/')) throw bad('is absolute');
  // In a URL, query and fragment do not name folders; only the part before them can climb.
  const file = kind === 'url' ? path.split(/[?#]/, 1)[0] : path;
  const segments: string[] = [];
  for (const raw of file.split('/')) {
    const seg = raw.replace(/%2e/gi, '.');
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (segments.length === 0) throw bad("leaves the folder with '..'");
      segments.pop();
    } else segments.push(raw);
  }
  if (segments.length === 0) throw bad('names the folder, not a file');
  return segments;
}

/** The folder of a model.json URL: everything up to its last '/' (query and fragment dropped). */
export function urlFolder(modelUrl: string): string {
  const noQuery = modelUrl.split(/[?#]/, 1)[0];
  return noQuery.slice(0, noQuery.lastIndexOf('/') + 1);
}

/** A base for resolving relative URLs only to compare them (the page in a browser). */
function compareBase(): string {
  const href = (globalThis as { location?: { href?: unknown } }).location?.href;
  return typeof href === 'string' && /^https?:/.test(href) ? href : 'http://webgrad.invalid/a/b/c/d/e/f/g/h/';
}

/**
 * `folder` + `path`, after checkWeightPath; the joined URL is also resolved
 * the way fetch will, and must still lie under the folder.
 */
export function joinWeightUrl(folder: string, path: string, source: string): string {
  checkWeightPath(path, source, folder, 'url');
  const url = folder + path;
  let inside = false;
  try {
    const base = compareBase();
    const f = new URL(folder, base);
    const u = new URL(url, base);
    inside = u.origin === f.origin && u.href.startsWith(f.href.split(/[?#]/, 1)[0]);
  } catch {
    inside = false;
  }
  if (!inside) throw new WebgradError(`${source}: weight file path ${JSON.stringify(path)} does not stay inside the model's folder '${folder}'.`);
  return url;
}
