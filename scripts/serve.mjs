// A static file server on 127.0.0.1 for the browser tests, benchmark and demo.
//
// Every response carries Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp, so pages are cross-origin
// isolated and can use SharedArrayBuffer; paths under /no-coi/ are served
// without them (to test the clear error memmap gives then). Serves the
// repository root; refuses paths outside it. With onPost, a POST calls
// onPost(path, body), for pages that report results on their own.
//
//   node scripts/serve.mjs [--port N]      serve until stopped, print the URL
//   import { startServer } from './serve.mjs'  (tests) -> { url, close() }
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

export function startServer({ port = 0, dir = root, onPost } = {}) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST') {
      // A page reporting on its own (one that no driver can ask): onPost(path, body).
      if (!onPost) {
        res.writeHead(405).end('no POST here');
        return;
      }
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      onPost(url.pathname, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
      return;
    }
    let path = decodeURIComponent(url.pathname);
    const isolated = !path.startsWith('/no-coi/');
    if (!isolated) path = path.slice('/no-coi'.length);
    const file = normalize(join(dir, path));
    if (file !== dir && !file.startsWith(dir + sep)) {
      res.writeHead(403).end('outside the served folder');
      return;
    }
    try {
      const target = (await stat(file)).isDirectory() ? join(file, 'index.html') : file;
      const body = await readFile(target);
      const headers = {
        'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
        'Cross-Origin-Resource-Policy': 'same-origin',
      };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        url: `http://127.0.0.1:${address.port}`,
        // Also ends the connections a still-open browser keeps alive, which close() alone waits for.
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--port');
  const { url } = await startServer({ port: at > 0 ? Number(process.argv[at + 1]) : 8080 });
  console.log(`serving ${root} at ${url} (cross-origin isolated; /no-coi/ without the headers)`);
}
