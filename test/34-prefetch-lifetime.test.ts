/**
 * A native prefetch reads the view's pages on the thread pool while
 * JavaScript goes on: a close, a worker's end or the garbage collector must
 * never pull the mapping out from under it. Each case runs in a child
 * process (a use of unmapped memory kills it with SIGSEGV, which the parent
 * sees) over a 1 GiB sparse file, so that the prefetch is still running when
 * the view goes. The paged (wasm) backend's prefetch runs on the JS thread
 * and is covered by the contract suites.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nativeUnavailable } from '../node/backend.js';
import { makeTempDir } from './support/files.js';

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), '../node/index.ts');
const workerFile = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'support/prefetch-worker.ts')).href;
const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
/** A worker's code: tsx first, then the worker's TypeScript file. */
const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerFile)}); });`;
const GIB = 1 << 30;

function child(script: string): { status: number | null; signal: NodeJS.Signals | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120000,
  });
  return { status: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

describe('native prefetch and the view lifetime', function () {
  this.timeout(180000);
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  before(function () {
    const why = nativeUnavailable();
    if (why !== null) {
      // skip reason: no native addon here (the title of every test says so)
      this.skip();
    }
  });

  it('closing views while their prefetch runs (skipped without the native addon): rejected with ECLOSED, never a crash', () => {
    const file = tmp.file('close.bin');
    const r = child(`
      import { MemoryMappedFile } from ${JSON.stringify(entry)};
      const map = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { mode: 'createNew', capacity: ${GIB}, backend: 'native' });
      let rejected = 0, resolved = 0;
      for (let i = 0; i < 12; i++) {
        const view = map.createViewAccessorSync();
        const pending = view.prefetch().then(() => resolved++, (err) => {
          if (err.code !== 'ECLOSED') throw err;
          rejected++;
        });
        await new Promise((r) => setTimeout(r, i % 3)); // the work is queued or running
        view.close();
        await pending;
      }
      const last = map.createViewAccessorSync(${GIB} - 8);
      last.writeFloat64(0, 1.5);
      console.log(JSON.stringify({ rejected, resolved, last: last.readFloat64(0) }));`);
    assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.err}`);
    assert.equal(r.status, 0, r.err);
    const result = JSON.parse(r.out.trim().split('\n').pop() as string);
    assert.equal(result.rejected + result.resolved, 12);
    assert.ok(result.rejected > 0, `some closes landed while prefetching: ${r.out}`);
    assert.equal(result.last, 1.5);
  });

  it('dropping a view and its map during a prefetch (skipped without the native addon): the prefetch keeps the mapping until it ends', () => {
    const file = tmp.file('gc.bin');
    const r = child(`
      import { MemoryMappedFile } from ${JSON.stringify(entry)};
      let done = 0;
      for (let i = 0; i < 6; i++) {
        let map = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { mode: 'openOrCreate', capacity: ${GIB}, backend: 'native' });
        let view = map.createViewAccessorSync();
        const pending = view.prefetch();
        view = undefined;
        map = undefined;
        for (let g = 0; g < 5; g++) {
          globalThis.gc();
          await new Promise((r) => setImmediate(r));
        }
        await pending;
        done++;
      }
      globalThis.gc();
      console.log(JSON.stringify({ done }));`);
    assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.err}`);
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(JSON.parse(r.out.trim().split('\n').pop() as string), { done: 6 });
  });

  it('a worker ending while its view prefetches (skipped without the native addon): the process lives on', () => {
    const file = tmp.file('worker.bin');
    const r = child(`
      import { Worker } from 'node:worker_threads';
      for (let i = 0; i < 4; i++) {
        const w = new Worker(${JSON.stringify(bootstrap)}, { eval: true, execArgv: [], workerData: { file: ${JSON.stringify(file)}, capacity: ${GIB} } });
        await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
        await w.terminate();
      }
      console.log('alive');`);
    assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.err}`);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /alive/);
  });
});
