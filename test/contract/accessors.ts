/** ViewAccessor: typed reads and writes, arrays, byte access, access rules, lifetime. */
import type { MemoryMappedFile } from '../../src/api.js';
import type { ContractEnv, TestApi } from './env.js';
import { deepEqual, equal, ok, throws } from './expect.js';

export function accessorSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('ViewAccessor', () => {
    let counter = 0;
    const freshMap = async (capacity = 65536, access?: 'readWrite' | 'read'): Promise<{ file: string; map: MemoryMappedFile }> => {
      const { MemoryMappedFile, files } = env();
      const file = files.path(`acc-${counter++}.bin`);
      await files.write(file, new Uint8Array(capacity));
      return { file, map: await MemoryMappedFile.createFromFile(file, access ? { access } : {}) };
    };
    const u32 = (bytes: Uint8Array | null, at: number) => new DataView((bytes as Uint8Array).buffer).getUint32(at, true);

    t.it('writes and reads every numeric type little-endian, as the file shows', async () => {
      const { files } = env();
      const { file, map } = await freshMap();
      {
        using _m = map;
        using v = await map.createViewAccessor(1000);
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
        equal(v.readInt8(0), -5);
        equal(v.readUint8(1), 250);
        equal(v.readInt16(2), -12345);
        equal(v.readUint16(4), 54321);
        equal(v.readInt32(6), -123456789);
        equal(v.readUint32(10), 3456789012);
        equal(v.readFloat32(14), 1.5);
        equal(v.readFloat64(18), Math.PI);
        equal(v.readBigInt64(26), -(2n ** 62n) - 7n);
        equal(v.readBigUint64(34), 2n ** 64n - 3n);
        equal(v.readBoolean(42), true);
        equal(v.readBoolean(43), false);
        v.flush();
      }
      const disk = new DataView(((await files.read(file)) as Uint8Array).buffer);
      equal(disk.getInt8(1000), -5);
      equal(disk.getInt16(1002, true), -12345);
      equal(disk.getUint32(1010, true), 3456789012);
      equal(disk.getFloat32(1014, true), 1.5);
      equal(disk.getFloat64(1018, true), Math.PI);
      equal(disk.getBigInt64(1026, true), -(2n ** 62n) - 7n);
      equal(disk.getBigUint64(1034, true), 2n ** 64n - 3n);
    });

    t.it('reads and writes at the last valid position and refuses one past it', async () => {
      const { map } = await freshMap(4096);
      using _m = map;
      using v = await map.createViewAccessor(96);
      const last = v.capacity - 8;
      v.writeFloat64(last, 2.25);
      equal(v.readFloat64(last), 2.25);
      throws(() => v.readFloat64(last + 1), { name: 'RangeError', code: 'ERANGE' });
      throws(() => v.writeInt16(v.capacity - 1, 1), { name: 'RangeError', code: 'ERANGE' });
      equal(v.readUint8(v.capacity - 1), 0x40, 'the top byte of 2.25');
      throws(() => v.readUint8(v.capacity), { code: 'ERANGE' });
    });

    t.it("readArray returns the count actually read and stops at the view's end", async () => {
      const { map } = await freshMap(4096);
      using _m = map;
      using v = await map.createViewAccessor(0, 100);
      equal(v.writeArray(0, new Int32Array([1, -2, 3, -4, 5])), 5);
      const dst = new Int32Array(8).fill(99);
      equal(v.readArray(0, dst, 1, 5), 5);
      deepEqual([...dst], [99, 1, -2, 3, -4, 5, 99, 99]);
      equal(v.readArray(80, new Float64Array(4)), 2);
      equal(v.readArray(100, new Float64Array(4)), 0);
      equal(v.readArray(95, new Uint8Array(10)), 5);
      equal(v.writeArray(40, new BigInt64Array([5n, -6n]), 1), 1);
      equal(v.readBigInt64(40), -6n);
    });

    t.it('writeArray writes all or nothing', async () => {
      const { map } = await freshMap(4096);
      using _m = map;
      using v = await map.createViewAccessor(0, 64);
      throws(() => v.writeArray(60, new Uint32Array([1, 2])), { name: 'RangeError', code: 'ERANGE' });
      equal(v.readUint32(60), 0);
      throws(() => v.writeArray(0, new Uint8Array(4), 2, 3), { code: 'ERANGE' });
      throws(() => v.writeArray(0, [1, 2] as unknown as Uint8Array), { name: 'TypeError', code: 'EINVAL' });
      throws(() => v.readArray(0, new DataView(new ArrayBuffer(4)) as unknown as Uint8Array), { code: 'EINVAL' });
    });

    t.it('withBytes gives the bytes of a range in place, within a page and across pages', async () => {
      const { files } = env();
      const { file, map } = await freshMap(1 << 20);
      {
        using _m = map;
        using v = await map.createViewAccessor(7, 200000);
        v.withBytes(100, 3, (b) => b.set([1, 2, 3]));
        equal(v.readUint8(102), 3);
        const span = 65536 - 7 - 2;
        v.withBytes(span, 4, (b) => b.set([9, 8, 7, 6]));
        deepEqual([v.readUint8(span), v.readUint8(span + 3)], [9, 6]);
        equal(v.withBytes(span, 4, (b) => b[1]), 8);
        v.writeUint32(span, 0x01020304);
        equal(v.readUint32(span), 0x01020304, 'a value straddling two pages');
        throws(() => v.withBytes(199999, 2, () => 0), { code: 'ERANGE' });
        v.flush();
      }
      const disk = await files.read(file);
      deepEqual([...(disk as Uint8Array).subarray(107, 110)], [1, 2, 3]);
      equal(u32(disk, 65536 - 2), 0x01020304, "the straddling value on disk");
    });

    t.it('direct views expose zero-copy bytes and a DataView; paged views say EUNSUPPORTED', async () => {
      const { paged } = env();
      const { map } = await freshMap(8192);
      using _m = map;
      using v = await map.createViewAccessor(4096 + 7, 100);
      if (paged) {
        throws(() => v.bytes, { name: 'MemmapError', code: 'EUNSUPPORTED' });
        throws(() => v.dataView, { code: 'EUNSUPPORTED' });
        return;
      }
      equal(v.bytes.length, 100);
      v.bytes.set([1, 2, 3], 0);
      equal(v.readUint8(2), 3);
      v.dataView.setUint16(10, 0xbeef, true);
      equal(v.readUint16(10), 0xbeef);
    });

    t.it("two views of one map see each other's writes at once", async () => {
      const { map } = await freshMap(1 << 16);
      using _m = map;
      using a = await map.createViewAccessor(0);
      using b = await map.createViewAccessor(4096 + 100, 200);
      a.writeFloat64(4096 + 150, 6.5);
      equal(b.readFloat64(50), 6.5);
      b.writeInt32(0, -9);
      equal(a.readInt32(4196), -9);
    });

    t.it('copy-on-write views never reach the file or other views', async () => {
      const { files } = env();
      const { file, map } = await freshMap(1 << 16);
      {
        using _m = map;
        using shared = await map.createViewAccessor();
        using cow = await map.createViewAccessor(0, 0, 'copyOnWrite');
        shared.writeInt32(0, 41);
        equal(cow.readInt32(0), 41, 'a copy-on-write page first shows the map');
        cow.writeInt32(0, 42);
        cow.writeInt32(30000, 43);
        cow.flush();
        equal(cow.readInt32(0), 42);
        equal(shared.readInt32(0), 41);
        equal(shared.readInt32(30000), 0);
        shared.flush();
      }
      const disk = await files.read(file);
      equal(u32(disk, 0), 41);
      equal(u32(disk, 30000), 0);
    });

    // Found by the model-based properties (shrunk): a paged copy-on-write view keeps the pages it wrote in its cache.
    t.it('a copy-on-write view writing more pages than a paged cache holds gets ENOMEM, and the map is unharmed', async () => {
      const { MemoryMappedFile, files, paged } = env();
      const file = files.path('cow-many.bin');
      await files.write(file, new Uint8Array(64 * 4096));
      {
        using map = await MemoryMappedFile.createFromFile(file, { pageSize: 4096, cacheSize: 8 * 4096 });
        using shared = await map.createViewAccessor();
        using cow = await map.createViewAccessor(0, 0, 'copyOnWrite');
        let written = 0;
        try {
          for (let p = 0; p < 64; p++, written++) cow.writeUint32(p * 4096, p + 1);
        } catch (err) {
          equal((err as { code?: string }).code, 'ENOMEM');
        }
        if (paged) ok(written >= 4 && written < 64, `${written} private pages fit in an 8-page cache`);
        else equal(written, 64, 'a native copy-on-write view is not bounded by a cache');
        for (let p = 0; p < written; p++) equal(cow.readUint32(p * 4096), p + 1);
        shared.writeUint32(4, 7);
        equal(shared.readUint32(0), 0, 'the map never sees the private pages');
      }
      const disk = await files.read(file);
      equal(u32(disk, 0), 0);
      equal(u32(disk, 4), 7);
    });

    t.it("a view wider than the map's access is EACCES; read and write views refuse the other direction", async () => {
      const { map } = await freshMap(4096, 'read');
      using _m = map;
      throws(() => map.createViewAccessorSync(0, 0, 'readWrite'), { name: 'MemmapError', code: 'EACCES' });
      throws(() => map.createViewAccessorSync(0, 0, 'write'), { code: 'EACCES' });
      using ro = await map.createViewAccessor(0, 0, 'read');
      throws(() => ro.writeUint8(0, 1), { name: 'MemmapError', code: 'EACCES' });
      throws(() => ro.writeArray(0, new Uint8Array(1)), { code: 'EACCES' });
      const { map: rw } = await freshMap(4096);
      using _rw = rw;
      using wo = await rw.createViewAccessor(0, 0, 'write');
      equal(wo.canRead, false);
      throws(() => wo.readUint8(0), { code: 'EACCES' });
      throws(() => wo.readArray(0, new Uint8Array(1)), { code: 'EACCES' });
      wo.writeUint8(0, 9);
    });

    t.it('every call on a closed accessor is ECLOSED', async () => {
      const { map } = await freshMap(4096);
      using _m = map;
      const v = await map.createViewAccessor();
      v.close();
      v.close();
      equal(v.closed, true);
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
        throws(call, { name: 'MemmapError', code: 'ECLOSED' });
      }
    });

    t.it('positions must be non-negative integers', async () => {
      const { map } = await freshMap(4096);
      using _m = map;
      using v = await map.createViewAccessor();
      for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
        throws(() => v.readInt32(bad), { name: 'RangeError', code: 'ERANGE' }, String(bad));
        throws(() => v.writeInt32(bad, 0), { name: 'RangeError', code: 'ERANGE' }, String(bad));
      }
      for (const bad of ['1', null, undefined, 1n, {}]) {
        throws(() => v.readInt32(bad as unknown as number), { name: 'TypeError', code: 'EINVAL' }, String(bad));
      }
    });

    t.it('maps a view beyond 2 GiB of a sparse file without reading the file', async () => {
      const { MemoryMappedFile, files } = env();
      using map = await MemoryMappedFile.createFromFile(files.path('sparse.bin'), { mode: 'createNew', capacity: 2 ** 31 + 2 ** 20 });
      using v = await map.createViewAccessor(2 ** 31);
      v.writeFloat64(2 ** 20 - 8, 1.25);
      equal(v.readFloat64(2 ** 20 - 8), 1.25);
      ok(v.capacity === 2 ** 20);
    });

    t.it('typed values on both sides of 1 GiB read back the same through every view (where the paged fast path hands over)', async () => {
      const { MemoryMappedFile, files } = env();
      const G = 2 ** 30;
      using map = await MemoryMappedFile.createFromFile(files.path('gib.bin'), { mode: 'createNew', capacity: G + 2 ** 20 });
      using v = await map.createViewAccessor();
      // Its position p is map offset G - 1 MiB + p: the other side of the line for the same bytes.
      const shift = G - 2 ** 20;
      using shifted = await map.createViewAccessor(shift);
      // Non-overlapping floats below, across (G - 5 straddles a page boundary) and above 1 GiB.
      const spots = [2 ** 20 - 8, G - 64, G - 16, G - 5, G + 3, G + 4093, G + 2 ** 20 - 8];
      spots.forEach((p, i) => v.writeFloat64(p, i + 0.25));
      spots.forEach((p, i) => {
        equal(v.readFloat64(p), i + 0.25, `readFloat64(${p})`);
        if (p >= shift) equal(shifted.readFloat64(p - shift), i + 0.25, `shifted readFloat64(${p - shift})`);
      });
      shifted.writeFloat64(2 ** 20 + 64, -7.5);
      equal(v.readFloat64(G + 64), -7.5);
      // Narrower widths across the line, written through one view and read through the other.
      v.writeUint32(G - 2, 0xdeadbeef);
      equal(shifted.readUint32(2 ** 20 - 2), 0xdeadbeef);
      equal(v.readUint16(G), 0xdead);
      equal(shifted.readUint16(2 ** 20 - 2), 0xbeef);
      shifted.writeInt16(2 ** 20 + 100, -2);
      equal(v.readInt16(G + 100), -2);
      v.writeBigInt64(G + 2 ** 20 - 8, -(2n ** 62n));
      equal(shifted.readBigInt64(2 ** 21 - 8), -(2n ** 62n));
      const bytes = new Uint8Array(4);
      equal(shifted.readArray(2 ** 20 - 2, bytes), 4);
      deepEqual([...bytes], [0xef, 0xbe, 0xad, 0xde]);
    });
  });
}
