/**
 * Live maps: grow() and growSync() of a map in use, and ranged and async
 * flushes, on every backend. Each grow keeps the views made before it as
 * they were; each flush puts the bytes on the storage (read back through
 * the platform's files, which for a paged map only a flush updates). Other
 * processes: test/33-live-maps.test.ts.
 */
import { contents, pattern, type ContractEnv, type TestApi } from './env.js';
import { deepEqual, equal, ok, rejects, throws } from './expect.js';

type ErrorName = 'MemmapError' | 'TypeError' | 'RangeError';

export function liveMapSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('live maps: grow and ranged, async flush', () => {
    t.it('grow: views made before keep their bytes; new views reach the new range (zeros); the file grows', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('grow.bin');
      await files.write(file, pattern(5000, 3));
      using map = await MemoryMappedFile.createFromFile(file);
      using before = await map.createViewAccessor();
      await map.grow(20000);
      equal(map.capacity, 20000);
      equal(before.capacity, 5000, 'an old view keeps its size');
      deepEqual(contents(before), pattern(5000, 3), 'and its bytes');
      before.writeUint8(4999, 0xab);
      using after = await map.createViewAccessor(4096);
      equal(after.capacity, 20000 - 4096);
      equal(after.readUint8(4999 - 4096), 0xab, 'the new view sees the old view\'s write');
      deepEqual(contents(after).subarray(5000 - 4096), new Uint8Array(15000), 'the new range reads as zeros');
      after.writeUint32(19996 - 4096, 0xdeadbeef);
      after.flush();
      const disk = await files.read(file);
      equal(disk?.length, 20000, 'the file has the new size');
      deepEqual(disk?.subarray(19996), Uint8Array.of(0xef, 0xbe, 0xad, 0xde), 'and the write in the new range');
      map.growSync(20000);
      equal(map.capacity, 20000, 'the same capacity: nothing to do');
      map.growSync(30000);
      equal(map.capacity, 30000);
      equal((await files.read(file))?.length, 30000);
    });

    t.it('grow: the map closed meanwhile still ends the grow; a closed map is ECLOSED; views made before live on', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('grow-close.bin');
      const map = await MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity: 4096 });
      using view = await map.createViewAccessor();
      view.writeUint8(0, 1);
      const growing = map.grow(8192);
      map.close();
      await growing;
      equal(map.capacity, 8192);
      await rejects(() => map.grow(16384), { name: 'MemmapError', code: 'ECLOSED' });
      throws(() => map.growSync(16384), { name: 'MemmapError', code: 'ECLOSED' });
      equal(view.readUint8(0), 1);
      view.flush();
      equal((await files.read(file))?.length, 8192);
    });

    t.it('grow: rules (ERANGE below the capacity, EACCES for a read map), the file unchanged', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('grow-rules.bin');
      await files.write(file, pattern(5000, 4));
      {
        using map = await MemoryMappedFile.createFromFile(file);
        await rejects(() => map.grow(4999), { name: 'MemmapError', code: 'ERANGE', message: /capacity 4999 is below the map's capacity 5000/ });
        throws(() => map.growSync(0), { name: 'MemmapError', code: 'ERANGE' });
      }
      for (const access of ['read', 'copyOnWrite'] as const) {
        using ro = await MemoryMappedFile.createFromFile(file, { access });
        await rejects(() => ro.grow(6000), { name: 'MemmapError', code: 'EACCES', message: /cannot grow/ });
        throws(() => ro.growSync(6000), { name: 'MemmapError', code: 'EACCES' });
      }
      deepEqual(await files.read(file), pattern(5000, 4), 'the file is unchanged');
    });

    t.it('grow: bad arguments are TypeError/RangeError before the state (a closed map), the file unchanged', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('grow-bad.bin');
      await files.write(file, pattern(5000, 5));
      const map = await MemoryMappedFile.createFromFile(file);
      const rows: [unknown, ErrorName, string][] = [
        [-1, 'RangeError', 'ERANGE'],
        [1.5, 'RangeError', 'ERANGE'],
        [NaN, 'RangeError', 'ERANGE'],
        [Infinity, 'RangeError', 'ERANGE'],
        [2 ** 53, 'RangeError', 'ERANGE'],
        ['6000', 'TypeError', 'EINVAL'],
        [6000n, 'TypeError', 'EINVAL'],
        [undefined, 'TypeError', 'EINVAL'],
        [{ valueOf: () => 6000 }, 'TypeError', 'EINVAL'],
      ];
      for (const closed of [false, true]) {
        if (closed) map.close();
        for (const [bad, name, code] of rows) {
          await rejects(() => map.grow(bad as number), { name, code });
          throws(() => map.growSync(bad as number), { name, code });
        }
      }
      deepEqual(await files.read(file), pattern(5000, 5), 'the file is unchanged');
    });

    t.it('grow of a non-persisted map: shared memory grows on Linux; EUNSUPPORTED with the reason where the size is fixed', async () => {
      const { MemoryMappedFile, backend, wine } = env();
      const name = `memmap-live-${Math.floor(Math.random() * 1e9)}`;
      using named = await MemoryMappedFile.createNew(name, 4096);
      using anonymous = await MemoryMappedFile.createNew(null, 4096);
      if (backend === 'wasm') {
        await rejects(() => named.grow(8192), { name: 'MemmapError', code: 'EUNSUPPORTED', message: /SharedArrayBuffer map's size is fixed/ });
        await rejects(() => anonymous.grow(8192), { name: 'MemmapError', code: 'EUNSUPPORTED' });
        return;
      }
      if (wine) {
        await rejects(() => named.grow(8192), { name: 'MemmapError', code: 'EUNSUPPORTED', message: /named section's size/ });
        await rejects(() => anonymous.grow(8192), { name: 'MemmapError', code: 'EUNSUPPORTED', message: /pagefile-backed section's size/ });
        return;
      }
      using view = await named.createViewAccessor();
      view.writeUint8(4095, 9);
      using other = await MemoryMappedFile.openExisting(name);
      await named.grow(3 * 4096);
      equal(other.capacity, 3 * 4096, 'another holder sees the new capacity');
      using wide = await other.createViewAccessor();
      equal(wide.capacity, 3 * 4096);
      equal(wide.readUint8(4095), 9);
      wide.writeUint8(3 * 4096 - 1, 5);
      equal(view.readUint8(4095), 9, 'the old view works on');
      await anonymous.grow(8192);
      using anonymousView = await anonymous.createViewAccessor();
      equal(anonymousView.capacity, 8192);
    });

    t.it('flush(offset, length) writes the range to the file; flushAsync too; streams as accessors', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('flush-range.bin');
      await files.write(file, new Uint8Array(300000));
      using map = await MemoryMappedFile.createFromFile(file);
      using view = await map.createViewAccessor(1000);
      view.writeUint32(200000, 0x01020304);
      view.flush(200000, 4);
      deepEqual((await files.read(file))?.subarray(201000, 201004), Uint8Array.of(4, 3, 2, 1), 'a ranged flush');
      view.writeUint32(100, 0x0a0b0c0d);
      view.flush(view.capacity, 0);
      view.flush(50);
      deepEqual((await files.read(file))?.subarray(1100, 1104), Uint8Array.of(13, 12, 11, 10), 'from an offset to the end');
      view.writeUint8(250000, 0x77);
      await view.flushAsync(249000, 2000);
      equal((await files.read(file))?.[251000], 0x77, 'flushAsync');
      using stream = await map.createViewStream(2000, 1000);
      stream.write(Uint8Array.of(1, 2, 3));
      stream.flush(0, 3);
      await stream.flushAsync();
      deepEqual((await files.read(file))?.subarray(2000, 2003), Uint8Array.of(1, 2, 3), 'a stream flushes its range');
    });

    t.it('flushAsync of many dirty pages: the view (and map) closed before it settles; it still resolves, and the bytes are on the file', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('flush-close.bin');
      const size = 8 << 20;
      const map = await MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity: size });
      const view = await map.createViewAccessor();
      const data = pattern(size, 9);
      view.writeArray(0, data);
      const flushing = view.flushAsync();
      const second = view.flushAsync(size - 4096);
      view.close();
      map.close();
      await flushing;
      await second;
      await rejects(() => view.flushAsync(), { name: 'MemmapError', code: 'ECLOSED' });
      const disk = await files.read(file);
      ok(disk !== null && disk.length === size, 'the file has its size');
      deepEqual(disk, data, 'every byte written before the close is on the file');
    });

    t.it('flush and flushAsync: ranges are checked before the state; copy-on-write and read views flush nothing', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('flush-bad.bin');
      await files.write(file, pattern(5000, 6));
      using map = await MemoryMappedFile.createFromFile(file);
      const rows: [unknown[], ErrorName, string][] = [
        [[-1], 'RangeError', 'ERANGE'],
        [[0.5], 'RangeError', 'ERANGE'],
        [[NaN], 'RangeError', 'ERANGE'],
        [[5001], 'RangeError', 'ERANGE'],
        [[0, 5001], 'RangeError', 'ERANGE'],
        [[4000, 1001], 'RangeError', 'ERANGE'],
        [[0, -1], 'RangeError', 'ERANGE'],
        [[0, 2 ** 53], 'RangeError', 'ERANGE'],
        [['0'], 'TypeError', 'EINVAL'],
        [[0, '1'], 'TypeError', 'EINVAL'],
        [[0n], 'TypeError', 'EINVAL'],
        [[null], 'TypeError', 'EINVAL'],
      ];
      const view = await map.createViewAccessor();
      const stream = await map.createViewStream();
      for (const closed of [false, true]) {
        if (closed) {
          view.close();
          stream.close();
        }
        for (const [args, name, code] of rows) {
          throws(() => view.flush(...(args as [number, number])), { name, code });
          await rejects(() => view.flushAsync(...(args as [number, number])), { name, code });
          throws(() => stream.flush(...(args as [number, number])), { name, code });
          await rejects(() => stream.flushAsync(...(args as [number, number])), { name, code });
        }
      }
      throws(() => view.flush(), { name: 'MemmapError', code: 'ECLOSED' });
      await rejects(() => view.flushAsync(0, 1), { name: 'MemmapError', code: 'ECLOSED' });
      throws(() => stream.flush(), { name: 'MemmapError', code: 'ECLOSED' });
      await rejects(() => stream.flushAsync(), { name: 'MemmapError', code: 'ECLOSED' });
      using cow = await map.createViewAccessor(0, 0, 'copyOnWrite');
      cow.writeUint8(0, 0xff);
      cow.flush();
      await cow.flushAsync(0, 1);
      using ro = await map.createViewAccessor(0, 0, 'read');
      ro.flush(10, 10);
      await ro.flushAsync();
      deepEqual(await files.read(file), pattern(5000, 6), 'the file is unchanged');
    });

    t.it('flushAsync of a non-persisted map resolves (nothing to persist)', async () => {
      const { MemoryMappedFile } = env();
      using map = await MemoryMappedFile.createNew(null, 8192);
      using view = await map.createViewAccessor();
      view.writeUint8(0, 1);
      await view.flushAsync();
      await view.flushAsync(4096, 10);
      view.flush(0, 1);
      equal(view.readUint8(0), 1);
    });
  });
}
