/**
 * Native memory of the native backend: a server that maps per request stays
 * flat, close() releases every native object at once, and what JavaScript
 * drops without close() is released by the garbage collector — except the
 * mapping under bytes that user code still holds.
 *
 * Each measurement runs in a child process (support/soak-child.ts,
 * support/dropped-child.ts), which counts the addon's live objects itself.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function child(script: string, args: string[]): any {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(here, 'support', script), ...args], {
    encoding: 'utf8',
    cwd: path.join(here, '..'),
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`${script} ${r.signal ?? `exited with ${r.status}`}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('native memory [native]', function () {
  this.timeout(180_000);
  const CYCLES = 100_000;

  for (const kind of ['file', 'accessor', 'stream', 'named', 'anonymous']) {
    it(`${CYCLES} cycles of "open a ${kind === 'file' ? 'file map' : kind === 'named' || kind === 'anonymous' ? `${kind} map and an accessor` : `file map and a ${kind}`}, close" keep RSS within +10 MiB, with no native object left`, () => {
      const r = child('soak-child.ts', [kind, String(CYCLES), '1000']);
      assert.deepEqual(r.live, { maps: 0, views: 0, boxes: 0 });
      assert.ok(r.growthMiB < 10, `RSS grew by ${r.growthMiB.toFixed(1)} MiB`);
    });
  }

  it('maps and views dropped without close() are released by the garbage collector; kept bytes keep their mapping until dropped', () => {
    const r = child('dropped-child.ts', []);
    assert.ok(r.opened.maps >= 600 && r.opened.views >= 600, `opened ${JSON.stringify(r.opened)}`);
    assert.deepEqual(r.live, { maps: 0, views: 1, boxes: 1 }, 'only the view whose bytes are kept is alive');
    assert.equal(r.keptReads, 7, 'the kept bytes still read the file');
    assert.equal(r.mappingsLeft, 1, 'only their mapping is left');
    assert.equal(r.fdsLeft, 1, 'every descriptor is closed but the kept view\'s file');
    assert.equal(r.namesLeft, 0, 'every dropped named map is gone from /dev/shm');
    assert.deepEqual(r.liveAfterKeptDropped, { maps: 0, views: 0, boxes: 0 });
    assert.equal(r.mappingsAfterKeptDropped, 0);
    assert.equal(r.fdsAfterKeptDropped, 0);
  });
});

describe('native maps in worker threads that end [native]', function () {
  this.timeout(180_000);

  it('workers terminated or exiting with maps and views open, bytes kept or moved: no crash, nothing left behind', () => {
    const r = child('native-worker-child.ts', []);
    assert.deepEqual(r, { fdsOnFile: 0, mappings: 0, names: 0, live: { maps: 0, views: 0, boxes: 0 } });
  });
});
