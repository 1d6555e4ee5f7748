/**
 * A worker terminated while its native prefetch pages in, again and again in
 * one process: the process must live on, and each worker's view must be
 * released with its environment, leaving no mapping, no address range and no
 * native view behind. Runs in a child process, so that a crash is seen as a
 * failed test rather than a dead runner; the child counts, before and after,
 * the lines of /proc/self/maps that name the file or have the exact size of
 * a view (an address range kept after its file was let go is anonymous), and
 * the addon's live view boxes (process wide, every environment's).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nativeUnavailable } from '../node/backend.js';
import { makeTempDir } from './support/files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const backendFile = path.join(here, '../node/backend.ts');
const workerFile = pathToFileURL(path.join(here, 'support/prefetch-worker.ts')).href;
const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
/** A worker's code: tsx first, then the worker's TypeScript file. */
const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerFile)}); });`;
/** 512 MiB and three pages: no other mapping of the process has this size. */
const CAPACITY = 512 * 2 ** 20 + 3 * 4096;
const ROUNDS = 30;

describe('a worker terminated during a native prefetch', function () {
  this.timeout(300000);
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  before(function () {
    if (process.platform !== 'linux' || nativeUnavailable() !== null) {
      // skip reason: needs the native addon and /proc/self/maps (Linux); the test's title says so
      this.skip();
    }
  });

  it(`${ROUNDS} workers terminated mid-prefetch (Linux with the native addon only): no crash, and no mapping, address range or native view is left behind`, () => {
    const file = tmp.file('terminate.bin');
    const script = `
      import { execFileSync } from 'node:child_process';
      import fs from 'node:fs';
      import { Worker } from 'node:worker_threads';
      import { nativeLiveObjects } from ${JSON.stringify(backendFile)};
      const file = ${JSON.stringify(file)};
      const capacity = ${CAPACITY};
      // Mappings of the view: those naming the file, and those of the view's exact size (a retired view's range).
      const held = () => {
        const lines = fs.readFileSync('/proc/self/maps', 'latin1').split('\\n').filter(Boolean);
        return {
          file: lines.filter((l) => l.endsWith(' ' + file)).length,
          sized: lines.filter((l) => {
            const [from, to] = l.split(' ')[0].split('-').map((h) => BigInt('0x' + h));
            return to - from === BigInt(capacity);
          }).length,
        };
      };
      // Whether the view's pages are being paged in: its mapping is resident in part only.
      const paging = () => {
        const smaps = fs.readFileSync('/proc/self/smaps', 'latin1');
        const at = smaps.indexOf(' ' + file + '\\n');
        if (at < 0) return false;
        const rss = Number(/\\nRss:\\s+(\\d+) kB/.exec(smaps.slice(at))[1]) * 1024;
        return rss < capacity;
      };
      const settle = async () => {
        for (let g = 0; g < 5; g++) {
          globalThis.gc();
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await settle();
      const before = { ...held(), boxes: nativeLiveObjects().boxes };
      let midway = 0;
      for (let i = 0; i < ${ROUNDS}; i++) {
        // The file's pages leave the page cache, so that the prefetch reads them again (GNU dd: count=0 with nocache).
        if (fs.existsSync(file)) execFileSync('dd', ['if=' + file, 'iflag=nocache', 'count=0'], { stdio: 'ignore' });
        const w = new Worker(${JSON.stringify(bootstrap)}, { eval: true, execArgv: [], workerData: { file, capacity } });
        await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
        // Terminate at once or a little later: the prefetch is queued, paging in, or (rarely) done.
        if (i % 3 !== 0) await new Promise((r) => setTimeout(r, i % 5));
        if (paging()) midway++;
        await w.terminate();
      }
      await settle();
      const after = { ...held(), boxes: nativeLiveObjects().boxes };
      console.log(JSON.stringify({ before, after, midway }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 240000,
    });
    assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    assert.deepEqual(result.before, { file: 0, sized: 0, boxes: 0 });
    assert.ok(result.midway > 0, `some workers were terminated while their prefetch was paging in: ${r.stdout}`);
    assert.deepEqual(result.after, { file: 0, sized: 0, boxes: 0 }, `left behind after ${ROUNDS} terminated workers: ${r.stdout}`);
  });
});
