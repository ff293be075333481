// Bench server: a tiny static file server for the repo root on localhost with
// COOP/COEP headers (cross-origin isolation, so Wasm threads can use
// SharedArrayBuffer) and the MIME types the bench page needs.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
  '.css': 'text/css', '.bin': 'application/octet-stream', '.wgsl': 'text/plain',
  '.txt': 'text/plain', '.md': 'text/plain; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/** Serve `root`; resolves to { server, url } once listening (port 0 = any free port). */
export function serve(root, { port = 0, host = '127.0.0.1' } = {}) {
  const server = createServer((req, res) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    let path;
    try { path = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { path = '/'; }
    if (path === '/') { res.writeHead(302, { ...headers, Location: '/bench/page.html' }); return res.end(); }
    const file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) { res.writeHead(403, headers); return res.end('forbidden'); }
    let st;
    try { st = statSync(file); } catch { st = null; }
    if (!st || !st.isFile()) { res.writeHead(404, headers); return res.end('not found: ' + path); }
    res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Length': st.size });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({ server, url: `http://localhost:${p}` });
    });
  });
}
