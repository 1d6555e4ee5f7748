/** Persisted maps: modes, capacity rules, properties and lifetime. */
import { contents, pattern, type ContractEnv, type TestApi } from './env.js';
import { deepEqual, equal, ok, rejects, throws } from './expect.js';

export function mapSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('MemoryMappedFile.createFromFile', () => {
    t.it('maps an existing file with its size as capacity (mode open, the default)', async () => {
      const { MemoryMappedFile, files, backend } = env();
      const file = files.path('existing.bin');
      await files.write(file, pattern(10000));
      const map = await MemoryMappedFile.createFromFile(file);
      equal(map.capacity, 10000);
      equal(map.access, 'readWrite');
      equal(map.backend, backend);
      equal(map.mapName, null);
      equal(map.closed, false);
      const view = await map.createViewAccessor();
      deepEqual(contents(view), pattern(10000));
      view.close();
      map.close();
      equal(map.closed, true);
    });

    t.it('createNew creates a zero-filled file of the capacity', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('new.bin');
      {
        using map = await MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity: 123457 });
        using view = await map.createViewAccessor();
        ok(contents(view).every((b) => b === 0));
      }
      equal((await files.read(file))?.length, 123457);
    });

    t.it('create replaces an existing file with a zero-filled one of the capacity', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('replace.bin');
      await files.write(file, pattern(50000));
      {
        using map = await MemoryMappedFile.createFromFile(file, { mode: 'create', capacity: 4096 });
        using view = await map.createViewAccessor();
        ok(contents(view).every((b) => b === 0));
      }
      deepEqual(await files.read(file), new Uint8Array(4096));
    });

    t.it('openOrCreate opens an existing file and creates a missing one', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('ooc.bin');
      {
        using map = await MemoryMappedFile.createFromFile(file, { mode: 'openOrCreate', capacity: 100 });
        using v = await map.createViewAccessor();
        v.writeUint8(5, 77);
      }
      using map = await MemoryMappedFile.createFromFile(file, { mode: 'openOrCreate' });
      equal(map.capacity, 100);
      using v = await map.createViewAccessor();
      equal(v.readUint8(5), 77);
    });

    t.it('a capacity above the file size grows the file and keeps its contents', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('grow.bin');
      await files.write(file, new TextEncoder().encode('hello'));
      {
        using map = await MemoryMappedFile.createFromFile(file, { capacity: 1 << 20 });
        using view = await map.createViewAccessor(0, 5);
        equal(new TextDecoder().decode(contents(view)), 'hello');
      }
      equal((await files.read(file))?.length, 1 << 20);
    });

    t.it('a read-only map of a file cannot be written and leaves the file alone', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('ro.bin');
      await files.write(file, pattern(8192, 3));
      {
        using map = await MemoryMappedFile.createFromFile(file, { access: 'read' });
        using view = await map.createViewAccessor();
        equal(view.access, 'read');
        equal(view.canWrite, false);
        throws(() => view.writeInt32(0, 1), { name: 'MemmapError', code: 'EACCES' });
      }
      deepEqual(await files.read(file), pattern(8192, 3));
    });

    t.it('closing the map ends no view made from it, but refuses new views', async () => {
      const { MemoryMappedFile, files } = env();
      const map = await MemoryMappedFile.createFromFile(files.path('lifetime.bin'), { mode: 'createNew', capacity: 4096 });
      const view = await map.createViewAccessor();
      const stream = await map.createViewStream();
      map.close();
      map.close();
      view.writeInt32(0, 1234);
      equal(view.readInt32(0), 1234);
      equal(stream.readByte(), 0xd2);
      await rejects(map.createViewAccessor(), { name: 'MemmapError', code: 'ECLOSED' });
      await rejects(map.createViewStream(), { name: 'MemmapError', code: 'ECLOSED' });
      view.close();
      stream.close();
    });

    // Found by the model-based properties (shrunk): the last view of a closed map was a copy-on-write one.
    t.it('a closed map whose last open view is copy-on-write writes back and closes cleanly', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('cow-last.bin');
      const map = await MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity: 200000 });
      const shared = await map.createViewAccessor();
      shared.writeUint32(100000, 0x12345678);
      const cow = await map.createViewAccessor(0, 1, 'copyOnWrite');
      equal(cow.readArray(0, new Uint8Array(1)), 1);
      map.close();
      shared.close();
      cow.flush();
      cow.close();
      const disk = (await files.read(file)) as Uint8Array;
      equal(new DataView(disk.buffer).getUint32(100000, true), 0x12345678);
    });

    t.it('a write through a view reaches the file after flush and close', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('flush.bin');
      {
        using map = await MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity: 1 << 20 });
        using v = await map.createViewAccessor();
        v.writeUint32(500000, 0xcafebabe);
        v.flush();
      }
      const disk = await files.read(file);
      equal(new DataView((disk as Uint8Array).buffer).getUint32(500000, true), 0xcafebabe);
    });

    t.it('Symbol.dispose closes maps, accessors and streams', async () => {
      const { MemoryMappedFile, files } = env();
      let map, view, stream;
      {
        using m = await MemoryMappedFile.createFromFile(files.path('dispose.bin'), { mode: 'createNew', capacity: 64 });
        using v = await m.createViewAccessor();
        using s = await m.createViewStream();
        map = m;
        view = v;
        stream = s;
      }
      equal(map.closed, true);
      equal(view.closed, true);
      equal(stream.closed, true);
    });

    t.it('cacheStats counts what a paged map\'s cache does (null where the OS manages pages)', async () => {
      const { MemoryMappedFile, files, paged } = env();
      const PS = 4096;
      const file = files.path('cache-stats.bin');
      await files.write(file, pattern(32 * PS, 41));
      const map = await MemoryMappedFile.createFromFile(file, { pageSize: PS, cacheSize: 8 * PS });
      if (!paged) {
        equal(map.cacheStats(), null);
        map.close();
        throws(() => map.cacheStats(), { code: 'ECLOSED' });
        return;
      }
      deepEqual(map.cacheStats(), {
        pageSize: PS, frames: 8, hits: 0, misses: 0, evictions: 0, storageReads: 0,
        storageWrites: 0, storageFlushes: 0, resident: 0, dirty: 0, pinned: 0,
      });
      const acc = await map.createViewAccessor();
      equal(acc.readUint8(0), pattern(1, 41)[0]);
      let s = map.cacheStats()!;
      equal(s.misses, 1);
      equal(s.storageReads, 1);
      equal(s.resident, 1);
      equal(s.pinned, 1, 'the accessor keeps the page it reads at hand');
      // Whole pages written in bulk are not read from the file first.
      const before = s;
      acc.writeArray(16 * PS, pattern(4 * PS, 42));
      s = map.cacheStats()!;
      equal(s.storageReads, before.storageReads, 'no page read for whole-page writes');
      equal(s.misses, before.misses + 4);
      equal(s.dirty, 4);
      acc.flush();
      s = map.cacheStats()!;
      equal(s.dirty, 0);
      ok(s.storageWrites >= 4, `storageWrites ${s.storageWrites}`);
      ok(s.storageFlushes >= 1, `storageFlushes ${s.storageFlushes}`);
      // Touching every page through a cache of 8 evicts.
      for (let p = 0; p < 32; p++) acc.readUint8(p * PS + 1);
      s = map.cacheStats()!;
      ok(s.evictions > 0, `evictions ${s.evictions}`);
      ok(s.resident <= 8 && s.pinned <= 8, `resident ${s.resident}, pinned ${s.pinned}`);
      ok(s.storageReads > before.storageReads + 20, `storageReads ${s.storageReads}`);
      // A bulk read of pages the cache lacks reads them straight from the file, and counts them.
      const reads = s.storageReads;
      const whole = new Uint8Array(32 * PS);
      acc.readArray(0, whole);
      ok(map.cacheStats()!.storageReads > reads, 'direct whole-page reads (a run of them per read) count as storage reads');
      deepEqual(whole.subarray(16 * PS, 20 * PS), pattern(4 * PS, 42));
      acc.close();
      map.close();
      throws(() => map.cacheStats(), { code: 'ECLOSED' });
      deepEqual((await files.read(file))!.subarray(16 * PS, 20 * PS), pattern(4 * PS, 42));
    });

    t.it("reports the allocation granularity and each view's pointerOffset", async () => {
      const { MemoryMappedFile, files, paged } = env();
      using map = await MemoryMappedFile.createFromFile(files.path('granularity.bin'), {
        mode: 'createNew',
        capacity: 3 * 65536,
        pageSize: 16384,
      });
      const g = map.allocationGranularity;
      ok(g >= 4096 && (g & (g - 1)) === 0, `granularity ${g} is a power of two`);
      if (paged) equal(g, 16384, 'the page size of a paged map');
      using a = await map.createViewAccessor(g + 12);
      equal(a.pointerOffset, 12);
      equal(a.offset, g + 12);
      equal(a.capacity, 3 * 65536 - g - 12);
      using s = await map.createViewStream(5, 10);
      equal(s.pointerOffset, 5);
      equal(s.length, 10);
    });
  });
}
