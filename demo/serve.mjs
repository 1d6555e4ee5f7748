// Serves the browser demo (`npm run demo:browser`): builds the browser bundle
// if it is missing (`npx rollup -c` → dist/browser/memmap.mjs + memmap.wasm),
// bundles demo/demo.ts and demo/worker.ts with esbuild into build/demo/
// (the bundle stays an import of /dist/browser/memmap.mjs, loaded as it is),
// then serves the repository with scripts/serve.mjs (127.0.0.1, COOP/COEP
// headers) and prints the URL to open.
//
//   node demo/serve.mjs [--port N]     (default 8080; 0 picks a free port)
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from '../scripts/bundle-browser.mjs';
import { startServer } from '../scripts/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await bundleForBrowser(['demo/demo.ts', 'demo/worker.ts'], 'build/demo');

const at = process.argv.indexOf('--port');
const port = at > 0 ? Number(process.argv[at + 1]) : 8080;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got '${process.argv[at + 1]}'`);
  process.exit(2);
}
// startServer() has no error path for a port in use: try the port first.
await new Promise((resolve) => {
  const probe = createServer();
  probe.once('error', (err) => {
    console.error(`cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message} (pass another --port, or --port 0)`);
    process.exit(1);
  });
  probe.listen(port, '127.0.0.1', () => probe.close(resolve));
});
const server = await startServer({ dir: root, port });
console.log(`memmap demo: open ${server.url}/demo/`);
console.log(`  without cross-origin isolation (no SharedArrayBuffer): ${server.url}/no-coi/demo/`);
console.log('  Ctrl-C to stop');
