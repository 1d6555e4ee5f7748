/**
 * ViewAccessor, what only Node shows: zero-copy bytes over a real mapping, coherence with
 * other writers through the OS page cache, detaching on close and unmapping by the GC.
 * (The contract of accessors is test/contract/accessors.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describeBackend } from './support/backends.js';
import { countMappings, makeTempDir } from './support/files.js';

describeBackend('ViewAccessor', ({ MemoryMappedFile, pagedFiles }) => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  let counter = 0;
  const freshMap = (capacity = 65536, access?: 'readWrite' | 'read') => {
    const file = tmp.file(`acc-${counter++}.bin`);
    fs.writeFileSync(file, Buffer.alloc(capacity));
    return { file, map: MemoryMappedFile.createFromFileSync(file, access ? { access } : {}) };
  };

  if (!pagedFiles) it('bytes and dataView are zero-copy windows on the map', () => {
    const { file, map } = freshMap(8192);
    using _m = map;
    using v = map.createViewAccessorSync(4096 + 7, 100);
    assert.equal(v.bytes.length, 100);
    v.bytes.set([1, 2, 3], 0);
    assert.equal(v.readUint8(2), 3);
    v.dataView.setUint16(10, 0xbeef, true);
    assert.equal(v.readUint16(10), 0xbeef);
    v.flush();
    const disk = fs.readFileSync(file);
    assert.deepEqual([...disk.subarray(4103, 4106)], [1, 2, 3]);
    assert.equal(disk.readUint16LE(4113), 0xbeef);
    let seen = 0;
    const r = v.withBytes(1, 2, (b) => {
      seen = b[0]! + b[1]!;
      b[0] = 200;
      return 'done';
    });
    assert.equal(r, 'done');
    assert.equal(seen, 5);
    assert.equal(v.readUint8(1), 200);
    assert.throws(() => v.withBytes(99, 2, () => 0), { code: 'ERANGE' });
  });

  if (!pagedFiles) it('a write through fs is visible in an open view at once', () => {
    const { file, map } = freshMap(1 << 20);
    using _m = map;
    using v = map.createViewAccessorSync();
    assert.equal(v.readUint16(777), 0);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0x11, 0x22]), 0, 2, 777);
    fs.closeSync(fd);
    assert.equal(v.readUint16(777), 0x2211);
  });

  if (!pagedFiles) it('a stray store into a read view\'s bytes neither crashes nor reaches the file', () => {
    const { file, map } = freshMap(4096, 'read');
    using _m = map;
    using ro = map.createViewAccessorSync();
    ro.bytes[0] = 0x7f;
    assert.equal(ro.readUint8(0), 0x7f);
    assert.equal(fs.readFileSync(file)[0], 0);
  });

  if (!pagedFiles) it('close() detaches the zero-copy bytes and DataView handed out before', () => {
    const { map } = freshMap(4096);
    using _m = map;
    const v = map.createViewAccessorSync();
    const bytes = v.bytes;
    const dv = v.dataView;
    v.close();
    assert.equal(bytes.length, 0, 'the zero-copy array is detached');
    assert.throws(() => dv.getUint8(0), TypeError);
    assert.throws(() => v.bytes, { name: 'MemmapError', code: 'ECLOSED' });
  });

  if (!pagedFiles) it('close() unmaps at once, and an accessor that is only garbage-collected is unmapped too', async () => {
    const { file, map } = freshMap(1 << 16);
    using _m = map;
    const before = countMappings(file);
    const v = map.createViewAccessorSync();
    assert.equal(countMappings(file), before + 1);
    v.close();
    assert.equal(countMappings(file), before);
    (function makeGarbage() {
      for (let i = 0; i < 20; i++) map.createViewAccessorSync().readUint8(0);
    })();
    assert.equal(countMappings(file), before + 20);
    for (let i = 0; i < 10 && countMappings(file) > before; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(countMappings(file), before, 'finalizers unmapped the collected views');
  });
});
