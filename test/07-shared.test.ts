/**
 * Non-persisted maps: named maps shared between real processes, anonymous
 * maps, and the crash-proof lifetime (SIGKILL of every holder leaks nothing).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describeBackend } from './support/backends.js';
import { Holder, killAllHolders } from './support/holders.js';

const SHM = '/dev/shm';
const prefix = `memmap-test-${process.pid}-`;
let counter = 0;
const freshName = () => `${prefix}${counter++}`;
const shmExists = (name: string) => fs.existsSync(`${SHM}/${name}`);
const leftovers = () => fs.readdirSync(SHM).filter((n) => n.startsWith(prefix));

describeBackend('named and anonymous non-persisted maps', ({ MemoryMappedFile, name: backend }) => {
  // Named maps of the native backend are POSIX shm objects any process opens;
  // those of the wasm backend live in this process (see 08-threads.test.ts).
  const crossProcess: (title: string, fn: Mocha.Func | Mocha.AsyncFunc) => void = backend === 'native' ? it : () => {};
  afterEach(async () => {
    await killAllHolders();
    // Clean up even when a test failed half-way (the tests themselves assert that nothing is left).
    for (const n of leftovers()) fs.rmSync(`${SHM}/${n}`, { force: true });
  });

  crossProcess('A creates and writes, B reads the same bytes; A closes, B still reads; after B, ENOENT and nothing in /dev/shm', async () => {
    const name = freshName();
    const a = await Holder.start();
    const b = await Holder.start();
    assert.equal(await a.do({ op: 'open', how: 'createNew', name, capacity: 65536 }), 65536);
    assert.ok(shmExists(name), 'a plain POSIX shm object /<name>');
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

  crossProcess('the data is a plain shm object: data at offset 0, no header, readable by name', () => {
    const name = freshName();
    using map = MemoryMappedFile.createNewSync(name, 4096);
    using v = map.createViewAccessorSync();
    v.writeUint32(0, 0xdeadbeef);
    const raw = fs.readFileSync(`${SHM}/${name}`);
    assert.equal(raw.length, 4096);
    assert.equal(raw.readUint32LE(0), 0xdeadbeef);
    assert.equal(map.mapName, name);
    assert.equal(map.path, null);
    assert.equal(map.backend, backend);
  });

  crossProcess('the only holder killed with SIGKILL: openExisting → ENOENT, createNew gives zeroed memory, nothing left over', async () => {
    const name = freshName();
    const a = await Holder.start();
    await a.do({ op: 'open', how: 'createNew', name, capacity: 8192 });
    await a.do({ op: 'write', offset: 100, bytes: [7, 7, 7] });
    await a.kill();
    assert.ok(shmExists(name), 'the crash left the object behind');
    assert.throws(() => MemoryMappedFile.openExistingSync(name), { code: 'ENOENT' });
    assert.equal(shmExists(name), false, 'the opener removed the stale object');

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

  crossProcess('a live holder keeps the data when another holder is killed', async () => {
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

  crossProcess('four processes × 1,000,000 Atomics.add on one Int32 cell: the total is exact', async function (this: Mocha.Context) {
    this.timeout(120000);
    const name = freshName();
    const parties = 4;
    const times = 1_000_000;
    using map = MemoryMappedFile.createNewSync(name, 4096);
    using v = map.createViewAccessorSync();
    const cells = new Int32Array(v.bytes.buffer, v.bytes.byteOffset, 64);
    const holders = await Promise.all(Array.from({ length: parties }, () => Holder.start()));
    await Promise.all(holders.map((h) => h.do({ op: 'open', how: 'openExisting', name })));

    // Control: plain increments from the same start barrier lose updates, which proves the runs overlap.
    await Promise.all(holders.map((h) => h.do({ op: 'count', index: 2, times, parties, atomic: false })));
    const plain = cells[2]!;
    Atomics.store(cells, 0, 0);
    await Promise.all(holders.map((h) => h.do({ op: 'count', index: 1, times, parties, atomic: true })));
    assert.equal(Atomics.load(cells, 1), parties * times);
    assert.ok(plain < parties * times, `plain increments lost updates (${plain} of ${parties * times}): the runs overlapped`);
  });

  crossProcess('a read-only opener cannot write (typed error, no crash) and sees the writer\'s bytes', async () => {
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

  it('views keep a closed map\'s data alive until the last one closes', () => {
    const name = freshName();
    const map = MemoryMappedFile.createNewSync(name, 4096);
    const view = map.createViewAccessorSync();
    map.close();
    view.writeUint8(0, 1);
    using other = MemoryMappedFile.openExistingSync(name);
    other.close();
    view.close();
    assert.throws(() => MemoryMappedFile.openExistingSync(name), { code: 'ENOENT' });
    assert.deepEqual(leftovers(), []);
  });

  it('a read-only opener cannot write through its views (typed error, no crash)', () => {
    const name = freshName();
    using writer = MemoryMappedFile.createNewSync(name, 4096);
    using w = writer.createViewAccessorSync();
    w.writeInt32(0, 5);
    using ro = MemoryMappedFile.openExistingSync(name, { access: 'read' });
    using r = ro.createViewAccessorSync();
    assert.equal(r.readInt32(0), 5);
    assert.throws(() => r.writeInt32(0, 1), { name: 'MemmapError', code: 'EACCES' });
    assert.throws(() => ro.createViewAccessorSync(0, 0, 'readWrite'), { code: 'EACCES' });
    w.writeInt32(0, 6);
    assert.equal(r.readInt32(0), 6, 'later writes stay visible');
  });

  it('createNew on a live name → EEXIST; createOrOpen opens it, and a larger capacity → ERANGE', () => {
    const name = freshName();
    using map = MemoryMappedFile.createNewSync(name, 10000);
    assert.throws(() => MemoryMappedFile.createNewSync(name, 10000), { name: 'MemmapError', code: 'EEXIST' });
    using same = MemoryMappedFile.createOrOpenSync(name, 5000);
    assert.equal(same.capacity, 5000);
    assert.throws(() => MemoryMappedFile.createOrOpenSync(name, 10001), { code: 'ERANGE' });
    using full = MemoryMappedFile.openExistingSync(name);
    assert.equal(full.capacity, 10000);
  });

  it('createOrOpen creates a missing map', async () => {
    const name = freshName();
    const map = await MemoryMappedFile.createOrOpen(name, 3000);
    assert.equal(map.capacity, 3000);
    map.close();
    assert.deepEqual(leftovers(), []);
  });

  it('anonymous maps (null name) share between views and vanish at close', async () => {
    const before = fs.readdirSync(SHM).length;
    const map = await MemoryMappedFile.createNew(null, 1 << 20);
    assert.equal(map.mapName, null);
    using a = map.createViewAccessorSync();
    using b = map.createViewStreamSync(4096);
    a.writeUint8(5000, 77);
    b.seek(5000 - 4096);
    assert.equal(b.readByte(), 77);
    map.close();
    assert.equal(fs.readdirSync(SHM).length, before, 'nothing named in /dev/shm');
  });

  it('views and streams of a named map behave exactly as for persisted maps', () => {
    using map = MemoryMappedFile.createNewSync(freshName(), 3 * 4096);
    using a = map.createViewAccessorSync(4096 + 3, 100);
    assert.equal(a.pointerOffset, 3);
    a.writeBigInt64(8, -1n);
    using s = map.createViewStreamSync(4096 + 11, 8);
    const out = new Uint8Array(10);
    assert.equal(s.read(out), 8);
    assert.deepEqual([...out.subarray(0, 8)], new Array(8).fill(255));
    assert.throws(() => s.write(new Uint8Array(1)), { code: 'ENOSPC' });
    a.flush();
  });

  describe('bad names and capacities', () => {
    const rows: [string, () => unknown, string, string][] = [
      ['an empty name', () => MemoryMappedFile.createNewSync('', 10), 'TypeError', 'EINVAL'],
      ["a name with '/'", () => MemoryMappedFile.createNewSync('a/b', 10), 'TypeError', 'EINVAL'],
      ["the name '/x'", () => MemoryMappedFile.openExistingSync('/x'), 'TypeError', 'EINVAL'],
      ['a name with NUL', () => MemoryMappedFile.createOrOpenSync('a\0b', 10), 'TypeError', 'EINVAL'],
      ["the name '..'", () => MemoryMappedFile.createNewSync('..', 10), 'TypeError', 'EINVAL'],
      ['a name of 256 bytes', () => MemoryMappedFile.createNewSync('x'.repeat(256), 10), 'MemmapError', 'ENAMETOOLONG'],
      ['a name of 128 two-byte characters', () => MemoryMappedFile.createNewSync('é'.repeat(128), 10), 'MemmapError', 'ENAMETOOLONG'],
      ['a number as the name', () => MemoryMappedFile.openExistingSync(5 as unknown as string), 'TypeError', 'EINVAL'],
      ['null for createOrOpen', () => MemoryMappedFile.createOrOpenSync(null as unknown as string, 10), 'TypeError', 'EINVAL'],
      ['capacity 0', () => MemoryMappedFile.createNewSync(freshName(), 0), 'RangeError', 'ERANGE'],
      ['capacity -1', () => MemoryMappedFile.createNewSync(null, -1), 'RangeError', 'ERANGE'],
      ['capacity 1.5', () => MemoryMappedFile.createOrOpenSync(freshName(), 1.5), 'RangeError', 'ERANGE'],
      ['capacity NaN', () => MemoryMappedFile.createNewSync(freshName(), NaN), 'RangeError', 'ERANGE'],
      ['a capacity beyond shared memory', () => MemoryMappedFile.createNewSync(freshName(), 2 ** 50), 'MemmapError', 'ENOSPC'],
      ['an unknown access', () => MemoryMappedFile.createNewSync(freshName(), 10, { access: 'x' as 'read' }), 'TypeError', 'EINVAL'],
      ['openExisting of a missing name', () => MemoryMappedFile.openExistingSync(freshName()), 'MemmapError', 'ENOENT'],
    ];
    for (const [title, call, errName, code] of rows) {
      it(`${title} → ${errName} ${code}, nothing left in /dev/shm`, () => {
        assert.throws(call, (err: Error & { code?: string }) => {
          assert.equal(err.name, errName, err.message);
          assert.equal(err.code, code, err.message);
          return true;
        });
        assert.deepEqual(leftovers(), []);
      });
    }
  });
});
