/**
 * Named non-persisted maps shared between worker_threads of one process: on
 * the wasm backend through the shared arena (a SharedArrayBuffer every worker
 * started after memmap loads receives), on the native backend through POSIX
 * shared memory. Atomics on views of the map are exact across threads, and
 * the map lives until its last holder, in any thread, closes it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describeBackend } from './support/backends.js';

const script = new URL('./support/thread-worker.ts', import.meta.url).href;
// Workers do not inherit tsx's loader: register it in the worker, then load the TypeScript script.
const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); });`;
let counter = 0;

describeBackend('named maps across worker_threads', ({ MemoryMappedFile, name: backend }) => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  function start(name: string, times: number, parties: number): Worker {
    const w = new Worker(bootstrap, { eval: true, workerData: { name, backend, times, parties } });
    workers.push(w);
    return w;
  }

  it('two workers count with Atomics to an exact total; the map lives until the last holder closes', async function () {
    this.timeout(120000);
    const name = `memmap-thread-${process.pid}-${counter++}`;
    const map = MemoryMappedFile.createNewSync(name, 4096);
    const view = map.createViewAccessorSync();
    const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, 16);
    const times = 500_000;
    const a = start(name, times, 2);
    const b = start(name, times, 2);
    await Promise.all([once(a, 'message'), once(b, 'message')]);
    assert.equal(Atomics.load(cells, 1), 2 * times);

    // The creator goes first; the workers still hold the map.
    view.close();
    map.close();
    using again = MemoryMappedFile.openExistingSync(name);
    using v = again.createViewAccessorSync();
    assert.equal(v.readInt32(4), 2 * times, 'the data outlived its creator');
    again.close();
    v.close();
    a.postMessage('close');
    await once(a, 'message');
    MemoryMappedFile.openExistingSync(name).close(); // b still holds it
    b.postMessage('close');
    await once(b, 'message');
    assert.throws(() => MemoryMappedFile.openExistingSync(name), { name: 'MemmapError', code: 'ENOENT' });
  });

  if (backend === 'wasm') {
    it('a named map of another process (a POSIX shm object) is EUNSUPPORTED, saying why', () => {
      const name = `memmap-thread-${process.pid}-${counter++}`;
      using native = MemoryMappedFile.createNewSync(name, 4096, { backend: 'native' });
      assert.throws(() => MemoryMappedFile.openExistingSync(name), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'EUNSUPPORTED');
        assert.match(err.message, /native backend/);
        return true;
      });
    });
  }
});
