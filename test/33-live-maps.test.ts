/**
 * Live maps across real processes and threads (native backend): a named map
 * grown by one process is seen grown by the others on their next capacity
 * read or view, while every old view keeps working; and a view closed, moved,
 * dropped or terminated with its thread while its flushAsync() runs on the
 * thread pool neither crashes nor loses what was written; nor does a worker
 * terminated while its createFromFile() opens on the thread pool. (Within one
 * thread, on every backend: test/contract/live-maps.ts.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindBackend } from './support/backends.js';
import { makeTempDir } from './support/files.js';
import { Holder, killAllHolders } from './support/holders.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const linux = process.platform === 'linux';
const hasTransfer = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';
const prefix = `memmap-live-${process.pid}-`;
let counter = 0;
const freshName = () => `${prefix}${counter++}`;

function flushScenario(name: string): Record<string, unknown> {
  const tmp = makeTempDir();
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(here, 'support/flush-close-child.ts'), name, tmp.dir], {
      encoding: 'utf8',
      cwd: path.join(here, '..'),
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`the child ${r.signal ? `was killed by ${r.signal}` : `exited with ${r.status}`}: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  } finally {
    tmp.cleanup();
  }
}

describe('live maps across processes and threads [native]', () => {
  const MemoryMappedFile = bindBackend('native');
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  afterEach(() => killAllHolders());

  // skip reason: Windows fixes a named section's size (grow is EUNSUPPORTED there, test/contract/live-maps.ts).
  (linux ? it : it.skip)('a named persisted map grown by one process: the others see the capacity, keep their old views, reach the new bytes (Linux)', async () => {
    const file = tmp.file('named-grow.bin');
    const name = freshName();
    const a = await Holder.start();
    const b = await Holder.start();
    assert.equal(await a.do({ op: 'openFile', path: file, mode: 'createNew', capacity: 8192, mapName: name }), 8192);
    assert.equal(await b.do({ op: 'open', how: 'openExisting', name }), 8192);
    await b.do({ op: 'write', offset: 8000, bytes: [1, 2, 3] });
    assert.equal(await a.do({ op: 'grow', capacity: 1 << 20 }), 1 << 20);
    assert.equal(await b.do({ op: 'capacity' }), 1 << 20, 'B sees the new capacity on its next read');
    assert.deepEqual(await b.do({ op: 'read', offset: 8000, length: 3 }), [1, 2, 3], "B's old view works on");
    await b.do({ op: 'writeNew', offset: (1 << 20) - 2, bytes: [7, 8] });
    assert.deepEqual(await a.do({ op: 'readNew', offset: (1 << 20) - 2, length: 2 }), [7, 8], "A's new view sees B's write in the new range");
    assert.equal(await b.do({ op: 'grow', capacity: 2 << 20 }), 2 << 20, 'B grows it further');
    assert.equal(await a.do({ op: 'capacity' }), 2 << 20);
    using late = MemoryMappedFile.openExistingSync(name);
    assert.equal(late.capacity, 2 << 20, 'a new holder opens it with the grown capacity');
    const smaller = await a.send({ op: 'grow', capacity: 1 << 20 });
    assert.equal(smaller.code, 'ERANGE', 'below the capacity another process reached');
    assert.equal(fs.statSync(file).size, 2 << 20);
  });

  // skip reason: Windows fixes a named section's size (grow is EUNSUPPORTED there).
  (linux ? it : it.skip)('a named shared-memory map grown by one process: the others see it; a killed holder changes nothing (Linux)', async () => {
    const name = freshName();
    const a = await Holder.start();
    const b = await Holder.start();
    assert.equal(await a.do({ op: 'open', how: 'createNew', name, capacity: 4096 }), 4096);
    assert.equal(await b.do({ op: 'open', how: 'openExisting', name }), 4096);
    await a.do({ op: 'write', offset: 4090, bytes: [9] });
    assert.equal(await b.do({ op: 'grow', capacity: 16384 }), 16384);
    await b.do({ op: 'writeNew', offset: 16000, bytes: [4] });
    await b.kill();
    assert.equal(await a.do({ op: 'capacity' }), 16384);
    assert.deepEqual(await a.do({ op: 'read', offset: 4090, length: 1 }), [9]);
    assert.deepEqual(await a.do({ op: 'readNew', offset: 16000, length: 1 }), [4]);
    using third = MemoryMappedFile.openExistingSync(name);
    assert.equal(third.capacity, 16384);
  });

  // skip reason: the scenarios read /proc/self/maps, which only Linux has.
  (linux ? it : it.skip)('flushAsync, then close of the view and map before it settles: it resolves, the file has every byte, the mapping goes (Linux)', () => {
    assert.deepEqual(flushScenario('close'), { outcome: 'resolved', whole: true, stillMapped: false });
  });

  // skip reason: transfer() needs Node >= 21; /proc/self/maps needs Linux.
  (linux && hasTransfer ? it : it.skip)('flushAsync, then the buffer moved with transfer() and the view closed: it resolves, the file is whole, the moved buffer reaches nothing (Node >= 21, Linux)', () => {
    assert.deepEqual(flushScenario('moved'), { outcome: 'resolved', whole: true, movedReads: 0, stillMapped: false });
  });

  (linux ? it : it.skip)('flushAsync of a view dropped without close and collected meanwhile: it resolves, the file is whole (Linux)', () => {
    assert.deepEqual(flushScenario('dropped'), { outcome: 'resolved', whole: true });
  });

  (linux ? it : it.skip)('a worker terminated while its flushAsync runs: no crash, the file whole, nothing left mapped (Linux)', () => {
    assert.deepEqual(flushScenario('worker'), { whole: true, stillMapped: false });
  });

  (linux ? it : it.skip)('a worker terminated while its createFromFile opens on the thread pool: no crash, the file it opened is closed (Linux)', () => {
    const r = flushScenario('openTerminated');
    assert.equal(r.stillOpen, false, `the process still has the file open (created: ${r.created})`);
  });
});
