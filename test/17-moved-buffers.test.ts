/**
 * Buffers that outlive their view (native backend): a view's bytes are an
 * external ArrayBuffer over the mapping, and JavaScript can keep or move that
 * buffer — transfer(), transferToFixedLength(), structuredClone and
 * postMessage with a transfer list, or plain aliases (subarray, DataView,
 * Buffer.from). After close() none of them may read or write the file again,
 * reach another mapping that reuses the address, or crash the process; the
 * file's pages are released at close all the same.
 *
 * Each scenario runs in a child process (support/moved-buffer-child.ts), so a
 * crash fails its test with the signal rather than killing the runner.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from './support/files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const childScript = path.join(here, 'support/moved-buffer-child.ts');
const hasTransfer = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

function scenario(name: string): any {
  const tmp = makeTempDir();
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', childScript, name, tmp.dir], {
      encoding: 'utf8',
      cwd: path.join(here, '..'),
      env: { ...process.env, MEMMAP_BACKEND: 'native' },
      timeout: 60_000,
    });
    if (r.status !== 0) {
      throw new Error(`the child ${r.signal ? `was killed by ${r.signal}` : `exited with ${r.status}`}: ${r.stderr}`);
    }
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  } finally {
    tmp.cleanup();
  }
}

/** What a stale write (0x41) must not have reached: the next mapping (0x22) and the closed file (0x11). */
const untouched = { victimView: Array(8).fill(0x22), victimFile: Array(8).fill(0x22), closedFile: Array(8).fill(0x11) };
const reached = (r: any) => ({ victimView: r.victimView, victimFile: r.victimFile, closedFile: r.closedFile });

describe('buffers kept or moved past close [native]', function () {
  const needsTransfer = hasTransfer ? '' : ' [skipped: ArrayBuffer.prototype.transfer needs Node >= 21]';
  for (const method of ['transfer', 'transferToFixedLength']) {
    it(`a buffer moved with ${method}() reaches neither the closed file nor the next mapping, and does not crash${needsTransfer}`, function () {
      if (!hasTransfer) this.skip();
      const r = scenario(method);
      assert.equal(r.aStillMapped, false, 'the closed file is no longer mapped (/proc/self/maps)');
      assert.equal(r.staleLength, 1 << 16, 'the moved buffer keeps its length');
      assert.deepEqual(r.staleRead, [0, 0, 0, 0], 'and reads zeros, not the closed file');
      assert.deepEqual(reached(r), untouched);
    });
  }

  it('structuredClone with a transfer list: refused, or the moved buffer reaches nothing', () => {
    const r = scenario('structuredClone');
    assert.equal(r.aStillMapped, false);
    assert.deepEqual(reached(r), untouched, `outcome: ${r.outcome}`);
  });

  it('postMessage to a worker with a transfer list: refused, or the worker\'s buffer reaches nothing after close', () => {
    const r = scenario('postMessage');
    assert.equal(r.aStillMapped, false);
    assert.deepEqual(reached(r), untouched, `outcome: ${r.outcome}`);
  });

  it('subarrays, DataViews and Buffer.from(buffer) over the view are detached at close', () => {
    const r = scenario('aliases');
    assert.deepEqual(r, { sub: 0, buf: 0, u32: 0, dvRead: 'TypeError' });
  });

  it(`a typedArray's buffer moved with transfer() reaches neither the closed file nor the next mapping${needsTransfer}`, function () {
    if (!hasTransfer) this.skip();
    const r = scenario('typedArrayTransfer');
    assert.equal(r.aStillMapped, false, 'the closed file is no longer mapped (/proc/self/maps)');
    assert.equal(r.staleLength, 1 << 16, "the moved buffer is the whole view's memory");
    assert.deepEqual(r.staleRead, [0, 0, 0, 0], 'and reads zeros, not the closed file');
    assert.deepEqual(reached(r), untouched);
  });

  it('typed arrays made by typedArray() are detached at close, like bytes', () => {
    assert.deepEqual(scenario('typedArrayAliases'), { f64: 0, i32: 0, big: 0 });
  });

  it(`the address range a moved buffer keeps is released once that buffer is garbage-collected${needsTransfer}`, function () {
    if (!hasTransfer) this.skip();
    const r = scenario('release');
    assert.equal(r.held, 1, 'after close, the moved buffer keeps its range, as inert anonymous memory');
    assert.equal(r.stillHeld, 0, 'released once the buffer is garbage-collected');
  });
});
