// file:// handler (Node). Saving writes <dir>/model.json + <dir>/weights.bin.
// Loading treats model.json as untrusted: every weight file it names must
// resolve (symbolic links followed, with realpath) to a regular file inside
// the model's folder and have the size the manifest implies, checked on the
// open file before a byte is read. Errors say nothing about files outside
// the folder (not whether they exist, nor their size).
import { WebgradError } from '../core/errors.js';
import { artifactsInfo, loadFromModelJSON, modelJSONFor } from './model_json.js';
import type { IOHandler } from './types.js';
import { checkWeightPath } from './weight_paths.js';
import { joinWeightData, type WeightFile } from './weights.js';
import { isNode } from '../core/environment.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');


async function nodeModules(scheme: string): Promise<{ fs: Fs; path: Path }> {
  if (!isNode()) throw new WebgradError(`'${scheme}' paths work only in Node.js; in a browser use 'indexeddb://name', 'downloads://name' or an http(s) URL.`);
  const [fs, path] = await Promise.all([import(/* @vite-ignore */ 'node:fs/promises'), import(/* @vite-ignore */ 'node:path')]);
  return { fs, path };
}

function stripFileScheme(url: string): string {
  return url.startsWith('file://') ? url.slice('file://'.length) : url;
}

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/** Whether real path `p` is `root` or below it. */
function within(path: Path, root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * Opens weight file `p` (a path from model.json) in the folder whose real
 * path is `root`; `folder` is how the user named it, for messages.
 */
async function openWeightFile(fs: Fs, path: Path, root: string, folder: string, p: string, source: string): Promise<WeightFile> {
  const segments = checkWeightPath(p, source, folder, 'file');
  const lexical = path.join(root, ...segments);
  // One message for everything that is not a regular file inside the folder,
  // so that a link's outside target cannot be probed through it.
  const notInside = (): WebgradError => new WebgradError(`${source}: weight file '${p}' is not a regular file inside the model's folder '${folder}'.`);
  let real: string;
  try {
    real = await fs.realpath(lexical);
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') {
      // "Does not exist" only when the name's real folder is inside and nothing
      // (not even a dangling link) is there.
      const parent = await fs.realpath(path.dirname(lexical)).catch(() => null);
      if (parent !== null && (parent === root || within(path, root, parent))) {
        const entry = await fs.lstat(path.join(parent, path.basename(lexical))).catch((err) => (code(err) === 'ENOENT' ? null : 'other'));
        if (entry === null) throw new WebgradError(`${source}: weight file '${p}' does not exist in the model's folder '${folder}'.`);
      }
    }
    throw notInside();
  }
  if (!within(path, root, real)) throw notInside();
  const st = await fs.stat(real).catch(() => null);
  if (st === null || !st.isFile()) throw notInside();
  // The size is known before reading: readShards compares the group's sizes
  // with what its weights need and reads nothing when they differ. (maxBytes
  // is for readers that learn the size only while reading.)
  // O_NONBLOCK: a FIFO swapped in after the stat must not block the open;
  // O_NOFOLLOW: nor may a symbolic link swapped in for the file.
  const { O_RDONLY = 0, O_NONBLOCK = 0, O_NOFOLLOW = 0 } = fs.constants ?? {};
  let handle: Awaited<ReturnType<Fs['open']>>;
  try {
    handle = await fs.open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
  } catch (e) {
    throw new WebgradError(`${source}: weight file '${p}' cannot be opened (${code(e) ?? 'error'}).`);
  }
  try {
    const fst = await handle.stat();
    if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) throw new WebgradError(`${source}: weight file '${p}' changed while it was being opened.`);
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e instanceof WebgradError ? e : notInside();
  }
  const size = st.size;
  return {
    size,
    async read() {
      const bytes = new Uint8Array(size);
      let off = 0;
      while (off < size) {
        const { bytesRead } = await handle.read(bytes, off, size - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      if (off !== size) throw new WebgradError(`${source}: weight file '${p}' shrank from ${size} to ${off} bytes while it was read.`);
      return bytes.buffer;
    },
    close: () => handle.close(),
  };
}

/**
 * file:// handler: save writes <dir>/model.json and <dir>/weights.bin
 * (creating the folder); load reads a model.json (or <dir>/model.json) and
 * the weight files it lists, which must lie inside its folder.
 */
export function fileSystem(pathOrUrl: string): IOHandler {
  if (typeof pathOrUrl !== 'string') throw new WebgradError(`fileSystem: expected a path or 'file://' URL, got ${typeof pathOrUrl}.`);
  const target = stripFileScheme(pathOrUrl);
  if (!target) throw new WebgradError(`fileSystem: the path is empty ('${pathOrUrl}').`);
  return {
    async save(artifacts) {
      const { fs, path } = await nodeModules('file://');
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new WebgradError('fileSystem.save: binary (GraphDef) topologies are not supported.');
      const dir = target;
      try {
        const st = await fs.stat(dir);
        if (!st.isDirectory()) throw new WebgradError(`save('file://${dir}'): '${dir}' exists and is not a folder; give the folder to write model.json and weights.bin into.`);
      } catch (e) {
        if (e instanceof WebgradError) throw e;
        await fs.mkdir(dir, { recursive: true });
      }
      const weightsName = 'weights.bin';
      const data = joinWeightData(artifacts.weightData);
      const json = modelJSONFor(artifacts, [weightsName]);
      await fs.writeFile(path.join(dir, weightsName), new Uint8Array(data));
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
    async load() {
      const { fs, path } = await nodeModules('file://');
      let file = target;
      let st: Awaited<ReturnType<Fs['stat']>>;
      try {
        st = await fs.stat(file);
        if (st.isDirectory()) {
          file = path.join(file, 'model.json');
          st = await fs.stat(file);
        }
      } catch {
        throw new WebgradError(`loadLayersModel('${pathOrUrl}'): '${file}' does not exist.`);
      }
      if (!st.isFile()) throw new WebgradError(`loadLayersModel('${pathOrUrl}'): '${file}' is not a regular file.`);
      let text: string;
      let root: string;
      try {
        text = await fs.readFile(file, 'utf8');
        root = await fs.realpath(path.dirname(file));
      } catch (e) {
        throw new WebgradError(`loadLayersModel('${pathOrUrl}'): cannot read '${file}' (${(e as Error).message}).`);
      }
      const folder = path.dirname(file);
      const source = `model.json '${file}'`;
      return loadFromModelJSON(text, source, (p) => openWeightFile(fs, path, root, folder, p, source));
    },
  };
}
