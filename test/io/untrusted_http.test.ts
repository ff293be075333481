// http(s): a model.json served from one folder must not make the loader
// request anything outside that folder — not another path on the same
// server, not another origin — unless the caller says so with
// weightPathPrefix or weightUrlConverter. Two real servers on 127.0.0.1
// record every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { WEIGHT_FILE, baseWeights, loadedWeights, modelJSON, sameValues, weightBytes } from './fixture_model.js';

const weights = baseWeights();
const bin = weightBytes(weights);

interface Recorder {
  server: Server;
  origin: string;
  requests: string[];
  /** path → body; a function body streams. */
  routes: Map<string, string | Uint8Array | ((res: ServerResponse) => void)>;
}

async function startServer(): Promise<Recorder> {
  const r: Recorder = { server: null as unknown as Server, origin: '', requests: [], routes: new Map() };
  r.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    r.requests.push(req.url ?? '');
    const body = r.routes.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404);
      res.end('not found');
    } else if (typeof body === 'function') body(res);
    else {
      res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
  });
  await new Promise<void>((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.origin = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
  return r;
}

let main: Recorder;
let other: Recorder;

beforeAll(async () => {
  await wg.ready({ backend: 'cpu' });
  main = await startServer();
  other = await startServer();
  // Decoys: a successful request to any of these would mean the loader left the folder.
  for (const s of [main, other]) for (const p of ['/secret.bin', '/models/secret.bin', '/w.bin']) s.routes.set(p, bin);
  other.routes.set('/cdn/weights.bin', bin);
  other.routes.set('/cdn/v2/weights-v2.bin', bin);
});

afterAll(async () => {
  for (const s of [main, other]) if (s) await new Promise((ok) => s.server.close(ok));
});

beforeEach(() => {
  main.requests.length = 0;
  other.requests.length = 0;
});

/** Serves a model.json naming `paths` at /models/<name>/model.json (its weights at weights.bin) and returns its URL. */
function serve(name: string, paths: string[]): string {
  main.routes.set(`/models/${name}/model.json`, JSON.stringify(modelJSON(paths)));
  main.routes.set(`/models/${name}/${WEIGHT_FILE}`, bin);
  main.routes.set(`/models/${name}/shards/w.bin`, bin);
  return `${main.origin}/models/${name}/model.json`;
}

async function expectWeights(model: wg.Sequential): Promise<void> {
  const got = await loadedWeights(model);
  expect(got.map((w, i) => sameValues(w.values, weights[i]))).toEqual(weights.map(() => true));
  model.dispose();
}

test('weights inside the folder load (plain, ./, a subfolder, .. that stays inside)', async () => {
  for (const [i, p] of [WEIGHT_FILE, './weights.bin', 'shards/w.bin', 'shards/../weights.bin', 'weights.bin?v=3'].entries()) {
    const url = serve(`ok${i}`, [p]);
    main.routes.set(`/models/ok${i}/weights.bin?v=3`, bin);
    await expectWeights(await wg.loadLayersModel(url));
    expect(main.requests.every((r) => r.startsWith(`/models/ok${i}/`)), main.requests.join(' ')).toBe(true);
    main.requests.length = 0;
  }
});

test('a hostile model.json makes no request outside its folder', async () => {
  const port = other.origin.split(':').pop();
  const hostile = [
    `${other.origin}/w.bin`, `//127.0.0.1:${port}/w.bin`, `http:/w.bin`, '/w.bin', '/models/secret.bin', '../secret.bin', '../../w.bin',
    'shards/../../secret.bin', '%2e%2e/secret.bin', '.%2E/secret.bin', '..%2fsecret.bin', '..\\secret.bin', '\\\\127.0.0.1\\w.bin',
    '..\t/secret.bin', '.\n./secret.bin', 'javascript:alert(1)', 'data:application/octet-stream;base64,AAAA',
    'file:///etc/passwd', '.', '..', `${main.origin}/models/h/weights.bin`,
  ];
  for (const [i, p] of hostile.entries()) {
    main.requests.length = 0;
    const url = serve(`h${i}`, [p]);
    for (const strict of [true, false]) {
      await expect(wg.loadLayersModel(url, { strict }), p).rejects.toThrow(wg.WebgradError);
    }
    expect(other.requests, p).toEqual([]);
    expect(main.requests.filter((r) => !r.startsWith(`/models/h${i}/`)), p).toEqual([]);
    // Only model.json itself: each path is refused before any weight request.
    expect(main.requests.filter((r) => r !== `/models/h${i}/model.json`), p).toEqual([]);
  }
  // ' ..' is a folder name, not '..': fetched inside the folder (and not found).
  main.requests.length = 0;
  await expect(wg.loadLayersModel(serve('space', [' ../secret.bin']))).rejects.toThrow(/HTTP 404/);
  expect(main.requests).toEqual(['/models/space/model.json', '/models/space/%20../secret.bin']);
});

test('weightPathPrefix replaces the folder; paths still may not leave it', async () => {
  const url = serve('prefix', [WEIGHT_FILE]);
  await expectWeights(await wg.loadLayersModel(url, { weightPathPrefix: `${other.origin}/cdn/` }));
  expect(other.requests).toEqual(['/cdn/weights.bin']);
  expect(main.requests).toEqual(['/models/prefix/model.json']);
  other.requests.length = 0;
  const up = serve('prefix-up', ['../w.bin']);
  await expect(wg.loadLayersModel(up, { weightPathPrefix: `${other.origin}/cdn/` })).rejects.toThrow(/leaves the folder/);
  expect(other.requests).toEqual([]);
  await expect(wg.loadLayersModel(url, { weightPathPrefix: 42 as never })).rejects.toThrow(/weightPathPrefix must be a non-empty string/);
});

test('weightUrlConverter maps each path to a URL the caller vouches for', async () => {
  const url = serve('conv', ['../v2/weights-v2.bin']);
  const seen: string[] = [];
  const weightUrlConverter = async (p: string): Promise<string> => {
    seen.push(p);
    return `${other.origin}/cdn/v2/${p.split('/').pop()}`;
  };
  await expectWeights(await wg.loadLayersModel(url, { weightUrlConverter }));
  expect(seen).toEqual(['../v2/weights-v2.bin']);
  expect(other.requests).toEqual(['/cdn/v2/weights-v2.bin']);
  await expect(wg.loadLayersModel(url, { weightUrlConverter: (async () => 7) as never })).rejects.toThrow(/weightUrlConverter\('\.\.\/v2\/weights-v2\.bin'\) must give a URL string/);
  await expect(wg.loadLayersModel(url, { weightUrlConverter: async () => { throw new Error('no'); } })).rejects.toThrow(/weightUrlConverter.*failed: no/);
  await expect(wg.loadLayersModel(url, { weightUrlConverter: 'x' as never })).rejects.toThrow(/weightUrlConverter must be a function/);
});

test('a weight file that never ends is cut off at the size its weights need', async () => {
  const url = serve('endless', ['endless.bin']);
  let sent = 0;
  main.routes.set('/models/endless/endless.bin', (res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = new Uint8Array(64 * 1024);
    const timer = setInterval(() => {
      sent += chunk.length;
      if (!res.write(chunk) && sent > 64 * 1024 * 1024) clearInterval(timer);
    }, 1);
    res.on('close', () => clearInterval(timer));
  });
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/weight file '.*endless\.bin' holds more than the 188 bytes its weights need/);
  expect(sent).toBeLessThan(16 * 1024 * 1024);
  // A manifest that claims terabytes does not raise the bound: refused before any weight request.
  const huge = modelJSON(['endless.bin']);
  huge.weightsManifest[0].weights.push({ name: 'pad', shape: [2 ** 40], dtype: 'float32' });
  main.routes.set('/models/endless/model.json', JSON.stringify(huge));
  main.requests.length = 0;
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/needs 4398046511292 bytes of weights, more than the 4294967296 webgrad loads into memory at once/);
  expect(main.requests).toEqual(['/models/endless/model.json']);
  // A Content-Length that disagrees with the manifest fails before the body is read.
  const url2 = serve('declared', ['big.bin']);
  main.routes.set('/models/declared/big.bin', new Uint8Array(bin.length + 8));
  await expect(wg.loadLayersModel(url2)).rejects.toThrow(/weight file 'big\.bin' \(196 bytes\): expected 188 bytes/);
  // Without a Content-Length (chunked), the read stops at the bound.
  main.routes.set('/models/declared/big.bin', (res) => {
    res.writeHead(200);
    res.end(new Uint8Array(bin.length + 8));
  });
  await expect(wg.loadLayersModel(url2)).rejects.toThrow(/weight file '.*big\.bin' holds more than the 188 bytes its weights need/);
});
