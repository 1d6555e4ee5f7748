/**
 * The wasm backend's shared arena of named maps between worker_threads:
 * one arena per process whatever the order of imports, workers and maps, and
 * no lock or claim that outlives a terminated worker. Each scenario runs in a
 * process of its own (test/support/arena-child.ts) with a time limit, so a
 * hang fails the test instead of stopping the suite; the workers are real
 * worker_threads, terminated with worker.terminate().
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./support/arena-child.ts', import.meta.url));
const LIMIT_MS = 90_000;

/** Runs a scenario and returns what it printed; a scenario that outlives LIMIT_MS is killed and fails. */
function scenario(name: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', child, name], { timeout: LIMIT_MS, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) {
        const hung = (err as { killed?: boolean }).killed;
        reject(new Error(`${name}: ${hung ? `hung (killed after ${LIMIT_MS} ms)` : err.message}\n${stderr}`));
        return;
      }
      const last = stdout.trim().split('\n').pop() as string;
      resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

describe('the wasm shared arena between worker_threads', function () {
  this.timeout(LIMIT_MS + 10_000);
  before(function () {
    // skip reason: the dead-holder scenarios name threads by /proc/thread-self (Linux)
    if (process.platform !== 'linux') this.skip();
  });

  describe('one arena per process', () => {
    it('a worker started after memmap loaded, before any named open, opens a map made by the main thread', async () => {
      assert.deepEqual(await scenario('after-import'), { seen: { value: 42 } });
    });

    it('a worker started (and memmap loaded in it) before memmap loaded in the main thread joins the main thread\'s arena', async () => {
      const r = await scenario('before-import');
      assert.deepEqual(r.joined, { value: 42 }, 'createOrOpen joined the map, not a second one');
      assert.equal(r.maps, 1, 'one map of that name');
    });

    it('a worker whose main thread never loads memmap gets EUNSUPPORTED saying what to do, never a private arena', async () => {
      const r = (await scenario('never-imported')) as { made: { code?: string; message?: string } };
      assert.equal(r.made.code, 'EUNSUPPORTED');
      assert.match(r.made.message as string, /import memmap in the main thread before starting workers/);
    });
  });

  describe('no lock outlives its holder', () => {
    it('a worker terminated while it holds the lock: the next open takes the lock over at once (/proc says the thread is gone)', async () => {
      const r = await scenario('dead-lock-holder');
      assert.equal(r.held, 'held');
      assert.equal(r.takeovers, 1);
      assert.equal(r.lockFree, true, 'the lock is free after the open');
    });

    it('a live holder is waited for, not taken over', async () => {
      const r = await scenario('live-holder');
      assert.equal(r.takeovers, 0);
      assert.ok((r.ms as number) >= 250, `the open waited for the holder (${r.ms} ms)`);
    });

    it('without a thread probe (as in browsers) a silent holder is presumed dead after PRESUMED_DEAD_MS, not waited for for ever', async () => {
      const r = await scenario('presumed-dead');
      assert.equal(r.takeovers, 1);
      assert.ok((r.ms as number) >= (r.presumedAfter as number), `not before ${r.presumedAfter} ms (${r.ms} ms)`);
    });

    it('a worker terminated while it zeroes a map it makes: openers take the claim over (ENOENT), and the map is made afresh, zeroed', async () => {
      const r = await scenario('dead-creator');
      assert.notEqual(r.attempt, -1, 'a worker was caught making the map');
      assert.equal(r.openCode, 'ENOENT');
      assert.equal(r.nonZero, -1, 'every byte of the new map is 0');
      assert.ok((r.takeovers as number) >= 1);
    });

    it('workers making, joining and dropping maps, terminated at random moments: no hang, no corrupted table, no leaked lock', async () => {
      const r = await scenario('churn');
      console.log(
        `      ${r.rounds} terminations, ${r.ops} operations; ${r.lockHeldByDead} workers died holding the lock; ` +
          `${r.takeovers} takeovers; slowest open of the main thread ${Math.round(r.mainMaxMs as number)} ms`,
      );
      assert.deepEqual(r.violations, [], 'every new map was zeroed, every joined map was whole');
      assert.equal(r.overlaps, 0, 'no two maps share bytes');
      assert.equal(r.outside, 0, 'every map lies inside the arena');
      assert.equal(r.creatingLeft, 0, 'no claim of a dead creator is left');
      assert.equal(r.lockFree, true);
    });
  });
});
