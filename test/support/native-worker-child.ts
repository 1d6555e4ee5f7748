/**
 * A child process for test/21-native-memory.test.ts: worker threads that use
 * the native backend — maps and views left open, a view's bytes moved with
 * transfer(), views dropped to the collector — end at the worst moments
 * (terminate() in the middle, or plain exit), again and again. Prints one JSON
 * line: what is left of their named maps, descriptors and mappings of the
 * file, and the addon's objects in this thread.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nativeLiveObjects } from '../../node/backend.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-native-worker-'));
const file = path.join(dir, 'shared.bin');
fs.writeFileSync(file, Buffer.alloc(1 << 16));
const prefix = `memmap-native-worker-${process.pid}-`;
const here = path.dirname(fileURLToPath(import.meta.url));
const tsxApi = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
const script = pathToFileURL(path.join(here, 'native-worker.ts')).href;
const bootstrap = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); });`;

for (let round = 0; round < 16; round++) {
  const worker = new Worker(bootstrap, { eval: true, workerData: { file, name: `${prefix}${round}`, round } });
  // Listened for from the start: a worker that ends right after posting can have its message
  // drained and 'exit' emitted in one turn, before a listener added after the message would be.
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  if (round % 2 === 0) await worker.terminate();
  else await exited;
}

const fdsOnFile = fs
  .readdirSync('/proc/self/fd')
  .filter((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      return target === file || target.startsWith(`/dev/shm/${prefix}`);
    } catch {
      return false;
    }
  }).length;
const mappings = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.endsWith(' ' + file)).length;
const names = fs.readdirSync('/dev/shm').filter((n) => n.startsWith(prefix)).length;
console.log(JSON.stringify({ fdsOnFile, mappings, names, live: nativeLiveObjects() }));
fs.rmSync(dir, { recursive: true, force: true });
