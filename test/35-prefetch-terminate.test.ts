/**
 * A worker terminated while its native prefetch pages in, again and again in
 * one process. Runs in a child process, so that a crash is seen as a failed
 * test rather than a dead runner. Each round drops the file from the page
 * cache first, so that the prefetch reads all of it again (long enough for
 * the worker to be terminated in the middle). The child reports:
 *   - before and after all rounds, the lines of /proc/self/maps that name the
 *     file or have the exact size of a view (an address range kept after its
 *     file was let go is anonymous), and the addon's live view boxes
 *     (process wide, every environment's): each worker's view must be
 *     released with its environment;
 *   - after each terminate(), how much of the file is in the page cache
 *     (fincore, util-linux): the environment's end stops its prefetch, so
 *     that terminate() does not wait until the whole range is read.
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

interface Report {
  before: { file: number; sized: number; boxes: number };
  after: { file: number; sized: number; boxes: number };
  /** Rounds whose view was partly resident when terminate() was called: the prefetch was paging in. */
  midway: number;
  /** Rounds after which less than the whole file was in the page cache (the prefetch stopped early); null without fincore. */
  stoppedEarly: number | null;
}

function run(file: string): { report: Report | null; failure: string | null } {
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
    // The file's bytes in the page cache (fincore), and how to drop them (GNU dd: count=0 with nocache).
    const cached = () => Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' }));
    let fincore = true;
    try { execFileSync('fincore', ['--version'], { stdio: 'ignore' }); } catch { fincore = false; }
    const uncache = () => execFileSync('dd', ['if=' + file, 'iflag=nocache', 'count=0'], { stdio: 'ignore' });
    const settle = async () => {
      for (let g = 0; g < 5; g++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await settle();
    const before = { ...held(), boxes: nativeLiveObjects().boxes };
    let midway = 0, stoppedEarly = 0;
    for (let i = 0; i < ${ROUNDS}; i++) {
      if (fs.existsSync(file)) uncache();
      const w = new Worker(${JSON.stringify(bootstrap)}, { eval: true, execArgv: [], workerData: { file, capacity } });
      await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
      // Terminate at once or a little later: the prefetch is queued, or paging in.
      if (i % 3 !== 0) await new Promise((r) => setTimeout(r, i % 5));
      if (paging()) midway++;
      await w.terminate();
      if (fincore && cached() < capacity) stoppedEarly++;
    }
    await settle();
    const after = { ...held(), boxes: nativeLiveObjects().boxes };
    console.log(JSON.stringify({ before, after, midway, stoppedEarly: fincore ? stoppedEarly : null }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 240000,
  });
  if (r.signal !== null) return { report: null, failure: `the child died of ${r.signal}: ${r.stderr}` };
  if (r.status !== 0) return { report: null, failure: `the child failed (exit ${r.status}): ${r.stderr}` };
  return { report: JSON.parse(r.stdout.trim().split('\n').pop() as string) as Report, failure: null };
}

describe('a worker terminated during a native prefetch', function () {
  this.timeout(300000);
  const tmp = makeTempDir();
  let result: ReturnType<typeof run>;
  after(() => tmp.cleanup());
  before(function () {
    if (process.platform !== 'linux' || nativeUnavailable() !== null) {
      // skip reason: needs the native addon and /proc (Linux); the tests' titles say so
      this.skip();
    }
    result = run(tmp.file('terminate.bin'));
  });

  it(`${ROUNDS} workers terminated mid-prefetch (Linux with the native addon only): the process lives, and no mapping, address range or native view is left behind`, () => {
    assert.equal(result.failure, null, result.failure ?? '');
    const report = result.report as Report;
    assert.deepEqual(report.before, { file: 0, sized: 0, boxes: 0 });
    assert.ok(report.midway > 0, `some workers were terminated while their prefetch was paging in: ${JSON.stringify(report)}`);
    assert.deepEqual(report.after, { file: 0, sized: 0, boxes: 0 }, `left behind after ${ROUNDS} terminated workers: ${JSON.stringify(report)}`);
  });

  it('terminating the worker stops its prefetch (Linux with the native addon only): the rest of the range is never read', () => {
    assert.equal(result.failure, null, result.failure ?? '');
    const report = result.report as Report;
    assert.notEqual(report.stoppedEarly, null, 'fincore is missing: apt-get install util-linux-extra (.ci/run does)');
    // A prefetch that ran on to the end leaves the whole file cached; most terminates land long before that.
    assert.ok((report.stoppedEarly as number) >= ROUNDS / 2, `terminate() waited for the whole prefetch: ${JSON.stringify(report)}`);
  });
});
