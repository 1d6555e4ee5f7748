/**
 * Named non-persisted maps shared between real processes (native backend:
 * POSIX shared memory; Windows sections, under wine in test/30-windows.test.ts)
 * and their crash-proof lifetime: SIGKILL of every holder leaks nothing. (The
 * in-process contract of non-persisted maps, on every backend, is
 * test/contract/shared-maps.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { bindBackend } from './support/backends.js';
import { Holder, killAllHolders } from './support/holders.js';

/** Windows keeps sections in the kernel (gone with the last handle): there is no /dev/shm to look at. */
const windows = process.platform === 'win32';
const SHM = '/dev/shm';
const prefix = `memmap-test-${process.pid}-`;
let counter = 0;
const freshName = () => `${prefix}${counter++}`;
const shmExists = (name: string) => fs.existsSync(`${SHM}/${name}`);
const leftovers = () => (windows ? [] : fs.readdirSync(SHM).filter((n) => n.startsWith(prefix)));

describe('named maps across processes [native]', () => {
  const MemoryMappedFile = bindBackend('native');
  afterEach(async () => {
    await killAllHolders();
    // Clean up even when a test failed half-way (the tests themselves assert that nothing is left).
    for (const n of leftovers()) fs.rmSync(`${SHM}/${n}`, { force: true });
  });

  it('A creates and writes, B reads the same bytes; A closes, B still reads; after B, ENOENT and nothing in /dev/shm', async () => {
    const name = freshName();
    const a = await Holder.start();
    const b = await Holder.start();
    assert.equal(await a.do({ op: 'open', how: 'createNew', name, capacity: 65536 }), 65536);
    if (!windows) assert.ok(shmExists(name), 'a plain POSIX shm object /<name>');
    await a.do({ op: 'write', offset: 60000, bytes: [1, 2, 3, 250] });
    assert.equal(await b.do({ op: 'open', how: 'openExisting', name }), 65536);
    assert.deepEqual(await b.do({ op: 'read', offset: 60000, length: 4 }), [1, 2, 3, 250]);
    await a.do({ op: 'close' });
    assert.deepEqual(await b.do({ op: 'read', offset: 60000, length: 4 }), [1, 2, 3, 250]);
    await b.do({ op: 'write', offset: 0, bytes: [9] });
    await b.do({ op: 'close' });
    assert.throws(() => MemoryMappedFile.openExistingSync(name), { name: 'MemmapError', code: 'ENOENT' });
    assert.deepEqual(leftovers(), []);
  });

  (windows ? it.skip : it)('the data is a plain shm object: data at offset 0, no header, readable by name (POSIX: /dev/shm/<name>)', () => {
    const name = freshName();
    using map = MemoryMappedFile.createNewSync(name, 4096);
    using v = map.createViewAccessorSync();
    v.writeUint32(0, 0xdeadbeef);
    const raw = fs.readFileSync(`${SHM}/${name}`);
    assert.equal(raw.length, 4096);
    assert.equal(raw.readUint32LE(0), 0xdeadbeef);
    assert.equal(map.mapName, name);
    assert.equal(map.path, null);
    assert.equal(map.backend, 'native');
  });

  it('the only holder killed with SIGKILL: openExisting → ENOENT, createNew gives zeroed memory, nothing left over', async () => {
    const name = freshName();
    const a = await Holder.start();
    await a.do({ op: 'open', how: 'createNew', name, capacity: 8192 });
    await a.do({ op: 'write', offset: 100, bytes: [7, 7, 7] });
    await a.kill();
    if (!windows) assert.ok(shmExists(name), 'the crash left the object behind');
    assert.throws(() => MemoryMappedFile.openExistingSync(name), { code: 'ENOENT' });
    if (!windows) assert.equal(shmExists(name), false, 'the opener removed the stale object');

    const b = await Holder.start();
    await b.do({ op: 'open', how: 'createNew', name, capacity: 8192 });
    await b.kill();
    using fresh = MemoryMappedFile.createNewSync(name, 8192);
    using v = fresh.createViewAccessorSync();
    assert.ok(v.bytes.every((x) => x === 0), 'created afresh, zero-filled');
    fresh.close();
    v.close();
    assert.deepEqual(leftovers(), []);
  });

  it('a live holder keeps the data when another holder is killed', async () => {
    const name = freshName();
    const a = await Holder.start();
    await a.do({ op: 'open', how: 'createNew', name, capacity: 4096 });
    await a.do({ op: 'write', offset: 10, bytes: [42] });
    using map = MemoryMappedFile.openExistingSync(name);
    await a.kill();
    using again = MemoryMappedFile.openExistingSync(name);
    using v = again.createViewAccessorSync();
    assert.equal(v.readUint8(10), 42);
  });

  it('four processes × 1,000,000 Atomics.add on one Int32 cell: the total is exact', async function (this: Mocha.Context) {
    this.timeout(120000);
    const name = freshName();
    const parties = 4;
    const times = 1_000_000;
    using map = MemoryMappedFile.createNewSync(name, 4096);
    using v = map.createViewAccessorSync();
    const cells = new Int32Array(v.bytes.buffer, v.bytes.byteOffset, 64);
    const holders = await Promise.all(Array.from({ length: parties }, () => Holder.start()));
    await Promise.all(holders.map((h) => h.do({ op: 'open', how: 'openExisting', name })));

    // Each process reports the values its first and last add saw. A span wider than its own adds
    // means others added in between: the runs really overlapped (retried in the rare case they did not).
    let overlapped = false;
    for (let round = 0; round < 3 && !overlapped; round++) {
      Atomics.store(cells, 0, 0);
      Atomics.store(cells, 1, 0);
      const spans = (await Promise.all(
        holders.map((h) => h.do({ op: 'count', index: 1, times, parties })),
      )) as { first: number; last: number }[];
      assert.equal(Atomics.load(cells, 1), parties * times, 'the total is exact');
      overlapped = spans.some((s) => s.last - s.first + 1 > times);
    }
    assert.ok(overlapped, 'the four processes added at the same time');
  });

  it('a read-only opener cannot write (typed error, no crash) and sees the writer\'s bytes', async () => {
    const name = freshName();
    using writer = MemoryMappedFile.createNewSync(name, 4096);
    using w = writer.createViewAccessorSync();
    w.writeInt32(0, 5);
    const b = await Holder.start();
    await b.do({ op: 'open', how: 'openExisting', name, access: 'read' });
    assert.deepEqual(await b.do({ op: 'read', offset: 0, length: 1 }), [5]);
    const r = await b.send({ op: 'write', offset: 0, bytes: [1] });
    assert.equal(r.ok, false);
    assert.equal(r.code, 'EACCES');
    w.writeInt32(0, 6);
    assert.deepEqual(await b.do({ op: 'read', offset: 0, length: 1 }), [6], 'later writes stay visible');
    using ro = MemoryMappedFile.openExistingSync(name, { access: 'read' });
    assert.throws(() => ro.createViewAccessorSync(0, 0, 'readWrite'), { name: 'MemmapError', code: 'EACCES' });
    assert.throws(() => ro.createViewStreamSync().write(new Uint8Array(1)), { code: 'EACCES' });
  });

  it('failed and closed maps leave nothing in /dev/shm', async () => {
    for (const call of [
      () => MemoryMappedFile.createNewSync(freshName(), 2 ** 50),
      () => MemoryMappedFile.openExistingSync(freshName()),
      () => MemoryMappedFile.createOrOpenSync(freshName(), 0),
    ]) {
      assert.throws(call);
    }
    const name = freshName();
    MemoryMappedFile.createNewSync(name, 4096).close();
    MemoryMappedFile.createOrOpenSync(name, 4096).close();
    assert.deepEqual(leftovers(), []);
  });
});
