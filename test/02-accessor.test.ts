/** ViewAccessor: typed reads and writes, arrays, zero-copy bytes, coherence, lifetime. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describeBackend } from './support/backends.js';
import { countMappings, makeTempDir, patternBytes } from './support/files.js';

describeBackend('ViewAccessor', ({ MemoryMappedFile, pagedFiles }) => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  let counter = 0;
  const freshMap = (capacity = 65536, access?: 'readWrite' | 'read') => {
    const file = tmp.file(`acc-${counter++}.bin`);
    fs.writeFileSync(file, Buffer.alloc(capacity));
    return { file, map: MemoryMappedFile.createFromFileSync(file, access ? { access } : {}) };
  };

  it('writes and reads every numeric type little-endian, as the file shows', () => {
    const { file, map } = freshMap();
    using _m = map;
    using v = map.createViewAccessorSync(1000);
    v.writeInt8(0, -5);
    v.writeUint8(1, 250);
    v.writeInt16(2, -12345);
    v.writeUint16(4, 54321);
    v.writeInt32(6, -123456789);
    v.writeUint32(10, 3456789012);
    v.writeFloat32(14, 1.5);
    v.writeFloat64(18, Math.PI);
    v.writeBigInt64(26, -(2n ** 62n) - 7n);
    v.writeBigUint64(34, 2n ** 64n - 3n);
    v.writeBoolean(42, true);
    v.writeBoolean(43, false);
    assert.equal(v.readInt8(0), -5);
    assert.equal(v.readUint8(1), 250);
    assert.equal(v.readInt16(2), -12345);
    assert.equal(v.readUint16(4), 54321);
    assert.equal(v.readInt32(6), -123456789);
    assert.equal(v.readUint32(10), 3456789012);
    assert.equal(v.readFloat32(14), 1.5);
    assert.equal(v.readFloat64(18), Math.PI);
    assert.equal(v.readBigInt64(26), -(2n ** 62n) - 7n);
    assert.equal(v.readBigUint64(34), 2n ** 64n - 3n);
    assert.equal(v.readBoolean(42), true);
    assert.equal(v.readBoolean(43), false);
    v.flush();
    const disk = fs.readFileSync(file);
    assert.equal(disk.readInt8(1000), -5);
    assert.equal(disk.readInt16LE(1002), -12345);
    assert.equal(disk.readUint32LE(1010), 3456789012);
    assert.equal(disk.readFloatLE(1014), 1.5);
    assert.equal(disk.readDoubleLE(1018), Math.PI);
    assert.equal(disk.readBigInt64LE(1026), -(2n ** 62n) - 7n);
    assert.equal(disk.readBigUint64LE(1034), 2n ** 64n - 3n);
  });

  it('reads and writes at the last valid position and refuses one past it', () => {
    const { map } = freshMap(4096);
    using _m = map;
    using v = map.createViewAccessorSync(96);
    const last = v.capacity - 8;
    v.writeFloat64(last, 2.25);
    assert.equal(v.readFloat64(last), 2.25);
    assert.throws(() => v.readFloat64(last + 1), { name: 'RangeError', code: 'ERANGE' });
    assert.throws(() => v.writeInt16(v.capacity - 1, 1), { name: 'RangeError', code: 'ERANGE' });
    assert.equal(v.readUint8(v.capacity - 1), 0x40, 'the top byte of 2.25');
    assert.throws(() => v.readUint8(v.capacity), { code: 'ERANGE' });
  });

  it('readArray returns the count actually read and stops at the view\'s end', () => {
    const { map } = freshMap(4096);
    using _m = map;
    using v = map.createViewAccessorSync(0, 100);
    const src = new Int32Array([1, -2, 3, -4, 5]);
    assert.equal(v.writeArray(0, src), 5);
    const dst = new Int32Array(8).fill(99);
    assert.equal(v.readArray(0, dst, 1, 5), 5);
    assert.deepEqual([...dst], [99, 1, -2, 3, -4, 5, 99, 99]);
    const tail = new Float64Array(4);
    assert.equal(v.readArray(80, tail), 2);
    assert.equal(v.readArray(100, tail), 0);
    const bytes = new Uint8Array(10);
    assert.equal(v.readArray(95, bytes), 5);
    const big = new BigInt64Array([5n, -6n]);
    assert.equal(v.writeArray(40, big, 1), 1);
    assert.equal(v.readBigInt64(40), -6n);
  });

  it('writeArray writes all or nothing', () => {
    const { map } = freshMap(4096);
    using _m = map;
    using v = map.createViewAccessorSync(0, 64);
    assert.throws(() => v.writeArray(60, new Uint32Array([1, 2])), { name: 'RangeError', code: 'ERANGE' });
    assert.equal(v.readUint32(60), 0);
    assert.throws(() => v.writeArray(0, new Uint8Array(4), 2, 3), { code: 'ERANGE' });
    assert.throws(() => v.writeArray(0, [1, 2] as unknown as Uint8Array), { name: 'TypeError', code: 'EINVAL' });
    assert.throws(() => v.readArray(0, new DataView(new ArrayBuffer(4)) as unknown as Uint8Array), { code: 'EINVAL' });
  });

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

  if (pagedFiles) it('paged views have no single byte array; withBytes works in place within a page and across pages', () => {
    const { file, map } = freshMap(1 << 20);
    using _m = map;
    using v = map.createViewAccessorSync(7, 200000);
    assert.throws(() => v.bytes, { name: 'MemmapError', code: 'EUNSUPPORTED' });
    assert.throws(() => v.dataView, { code: 'EUNSUPPORTED' });
    v.withBytes(100, 3, (b) => b.set([1, 2, 3]));
    assert.equal(v.readUint8(102), 3);
    const span = 65536 - 7 - 2;
    v.withBytes(span, 4, (b) => b.set([9, 8, 7, 6]));
    assert.deepEqual([v.readUint8(span), v.readUint8(span + 3)], [9, 6], 'a range across pages is written back');
    assert.equal(v.withBytes(span, 4, (b) => b[1]), 8);
    v.writeUint32(span, 0x01020304);
    assert.equal(v.readUint32(span), 0x01020304, 'a value straddling two pages');
    v.flush();
    const disk = fs.readFileSync(file);
    assert.deepEqual([...disk.subarray(107, 110)], [1, 2, 3]);
    assert.equal(disk.readUint32LE(span + 7), 0x01020304);
  });

  it('a write through a view reaches the file after flush, and a write through fs is visible at once', () => {
    const { file, map } = freshMap(1 << 20);
    using _m = map;
    using v = map.createViewAccessorSync();
    v.writeUint32(500000, 0xcafebabe);
    v.flush();
    assert.equal(fs.readFileSync(file).readUint32LE(500000), 0xcafebabe);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0x11, 0x22]), 0, 2, 777);
    fs.closeSync(fd);
    assert.equal(v.readUint16(777), 0x2211);
  });

  it('two views of one map see each other\'s writes at once', () => {
    const { map } = freshMap(1 << 16);
    using _m = map;
    using a = map.createViewAccessorSync(0);
    using b = map.createViewAccessorSync(4096 + 100, 200);
    a.writeFloat64(4096 + 150, 6.5);
    assert.equal(b.readFloat64(50), 6.5);
    b.writeInt32(0, -9);
    assert.equal(a.readInt32(4196), -9);
  });

  it('copy-on-write views never reach the file or other views', () => {
    const { file, map } = freshMap(1 << 16);
    using _m = map;
    using shared = map.createViewAccessorSync();
    using cow = map.createViewAccessorSync(0, 0, 'copyOnWrite');
    shared.writeInt32(0, 41);
    assert.equal(cow.readInt32(0), 41, 'untouched copy-on-write pages show the file');
    cow.writeInt32(0, 42);
    cow.writeInt32(30000, 43);
    cow.flush();
    assert.equal(cow.readInt32(0), 42);
    assert.equal(shared.readInt32(0), 41);
    assert.equal(shared.readInt32(30000), 0);
    shared.flush();
    const disk = fs.readFileSync(file);
    assert.equal(disk.readInt32LE(0), 41);
    assert.equal(disk.readInt32LE(30000), 0);
  });

  it('a view wider than the map\'s access is EACCES; read and write views refuse the other direction', () => {
    const { map } = freshMap(4096, 'read');
    using _m = map;
    assert.throws(() => map.createViewAccessorSync(0, 0, 'readWrite'), { name: 'MemmapError', code: 'EACCES' });
    assert.throws(() => map.createViewAccessorSync(0, 0, 'write'), { code: 'EACCES' });
    using ro = map.createViewAccessorSync(0, 0, 'read');
    assert.throws(() => ro.writeUint8(0, 1), { name: 'MemmapError', code: 'EACCES' });
    assert.throws(() => ro.writeArray(0, new Uint8Array(1)), { code: 'EACCES' });
    const { map: rw } = freshMap(4096);
    using _rw = rw;
    using wo = rw.createViewAccessorSync(0, 0, 'write');
    assert.equal(wo.canRead, false);
    assert.throws(() => wo.readUint8(0), { code: 'EACCES' });
    assert.throws(() => wo.readArray(0, new Uint8Array(1)), { code: 'EACCES' });
    wo.writeUint8(0, 9);
  });

  if (!pagedFiles) it('a stray store into a read view\'s bytes neither crashes nor reaches the file', () => {
    const { file, map } = freshMap(4096, 'read');
    using _m = map;
    using ro = map.createViewAccessorSync();
    ro.bytes[0] = 0x7f;
    assert.equal(ro.readUint8(0), 0x7f);
    assert.equal(fs.readFileSync(file)[0], 0);
  });

  it('every call on a closed accessor is ECLOSED (and direct bytes are detached)', () => {
    const { map } = freshMap(4096);
    using _m = map;
    const v = map.createViewAccessorSync();
    const bytes = pagedFiles ? null : v.bytes;
    const dv = pagedFiles ? null : v.dataView;
    v.close();
    v.close();
    assert.equal(v.closed, true);
    if (bytes && dv) {
      assert.equal(bytes.length, 0, 'the zero-copy array is detached');
      assert.throws(() => dv.getUint8(0), TypeError);
    }
    for (const call of [
      () => v.readInt32(0),
      () => v.writeInt32(0, 1),
      () => v.readBigUint64(0),
      () => v.readArray(0, new Uint8Array(4)),
      () => v.writeArray(0, new Uint8Array(4)),
      () => v.flush(),
      () => v.bytes,
      () => v.dataView,
      () => v.withBytes(0, 1, () => 0),
    ]) {
      assert.throws(call, { name: 'MemmapError', code: 'ECLOSED' });
    }
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

  it('positions must be non-negative integers', () => {
    const { map } = freshMap(4096);
    using _m = map;
    using v = map.createViewAccessorSync();
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      assert.throws(() => v.readInt32(bad), { name: 'RangeError', code: 'ERANGE' }, String(bad));
      assert.throws(() => v.writeInt32(bad, 0), { name: 'RangeError', code: 'ERANGE' }, String(bad));
    }
    for (const bad of ['1', null, undefined, 1n, {}]) {
      assert.throws(() => v.readInt32(bad as unknown as number), { name: 'TypeError', code: 'EINVAL' }, String(bad));
    }
  });

  it('maps a view of a large sparse file without touching its pages', () => {
    const file = tmp.file('sparse.bin');
    using map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 3 * 2 ** 30 });
    using v = map.createViewAccessorSync(2 ** 31, 2 ** 30);
    v.writeFloat64(2 ** 30 - 8, 1.25);
    assert.equal(v.readFloat64(2 ** 30 - 8), 1.25);
    assert.ok(fs.statSync(file).blocks * 512 < 2 ** 24, 'the file stays sparse');
  });
});
