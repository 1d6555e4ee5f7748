/**
 * Persisted maps shared by name (createFromFile with a mapName), within one
 * process; across processes and crashes: test/29-named-files.test.ts. Names
 * reach other processes through the operating system, so the native backend
 * has them and the wasm backend refuses them (EUNSUPPORTED), leaving the disk
 * as it was.
 */
import { contents, pattern, type ContractEnv, type TestApi } from './env.js';
import { deepEqual, equal, ok, rejects, throws } from './expect.js';

export function namedFileSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('persisted maps shared by name', () => {
    const prefix = `memmap-named-file-${Math.floor(Math.random() * 1e9)}-`;
    let counter = 0;
    const freshName = () => `${prefix}${counter++}`;
    if (env().backend !== 'native') {
      t.it('a mapName → EUNSUPPORTED (names need the native backend), the disk unchanged', async () => {
        const { MemoryMappedFile, files } = env();
        const file = files.path('refused.bin');
        await files.write(file, pattern(100));
        const listing = await files.list();
        await rejects(() => MemoryMappedFile.createFromFile(file, { mapName: freshName() }), {
          name: 'MemmapError',
          code: 'EUNSUPPORTED',
          message: /only on the native backend/,
        });
        await rejects(() => MemoryMappedFile.createFromFile(files.path('new.bin'), { mode: 'createNew', capacity: 10, mapName: freshName() }), {
          code: 'EUNSUPPORTED',
        });
        deepEqual(await files.read(file), pattern(100), 'the file is unchanged');
        deepEqual(await files.list(), listing, 'no file left behind');
      });
      return;
    }

    t.it('openExisting(mapName) maps the same file with the same capacity; the name goes with its last holder', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('named.bin');
      const name = freshName();
      const map = await MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity: 10000, mapName: name });
      equal(map.mapName, name);
      equal(map.path, file);
      const view = await map.createViewAccessor();
      view.writeUint32(9000, 0xfeedf00d);
      const byName = await MemoryMappedFile.openExisting(name);
      equal(byName.capacity, 10000);
      equal(byName.mapName, name);
      equal(byName.path, null);
      const other = await byName.createViewAccessor(8192);
      equal(other.readUint32(9000 - 8192), 0xfeedf00d, 'the same pages, without a flush');
      other.writeUint8(0, 7);
      equal(view.readUint8(8192), 7);
      view.close();
      map.close();
      using again = await MemoryMappedFile.openExisting(name);
      equal(again.capacity, 10000, 'the opener keeps the name alive');
      again.close();
      byName.close();
      other.close();
      await rejects(() => MemoryMappedFile.openExisting(name), { name: 'MemmapError', code: 'ENOENT' });
      const bytes = (await files.read(file)) as Uint8Array;
      equal(bytes.length, 10000);
      equal(new DataView(bytes.buffer, bytes.byteOffset).getUint32(9000, true), 0xfeedf00d, 'the data is in the file');
    });

    t.it('a live name of either kind → EEXIST, and the file is left exactly as it was', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('taken.bin');
      await files.write(file, pattern(5000, 3));
      const name = freshName();
      {
        using shared = await MemoryMappedFile.createNew(name, 4096);
        const listing = await files.list();
        await rejects(() => MemoryMappedFile.createFromFile(file, { mode: 'create', capacity: 65536, mapName: name }), {
          name: 'MemmapError',
          code: 'EEXIST',
        });
        await rejects(() => MemoryMappedFile.createFromFile(files.path('new.bin'), { mode: 'createNew', capacity: 10, mapName: name }), {
          code: 'EEXIST',
        });
        deepEqual(await files.read(file), pattern(5000, 3), 'the file is unchanged');
        deepEqual(await files.list(), listing, 'the file the failed call created is gone');
        ok(shared.capacity === 4096);
      }
      using persisted = await MemoryMappedFile.createFromFile(file, { mapName: name });
      await rejects(() => MemoryMappedFile.createNew(name, 4096), { name: 'MemmapError', code: 'EEXIST' });
      await rejects(() => MemoryMappedFile.createFromFile(file, { mapName: name }), { code: 'EEXIST' });
      await rejects(() => MemoryMappedFile.createOrOpen(name, 5001), { code: 'ERANGE' });
      using part = await MemoryMappedFile.createOrOpen(name, 100);
      equal(part.capacity, 100);
      using v = await part.createViewAccessor();
      deepEqual(contents(v), pattern(5000, 3).subarray(0, 100));
    });

    t.it('an opener by name with read access reads the file and cannot write it', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('read.bin');
      await files.write(file, pattern(4096, 5));
      const name = freshName();
      using map = await MemoryMappedFile.createFromFile(file, { mapName: name });
      using reader = await MemoryMappedFile.openExisting(name, { access: 'read' });
      using r = await reader.createViewAccessor();
      deepEqual(contents(r), pattern(4096, 5));
      throws(() => r.writeUint8(0, 1), { name: 'MemmapError', code: 'EACCES' });
      await rejects(() => reader.createViewAccessor(0, 0, 'readWrite'), { code: 'EACCES' });
      ok(map.capacity === 4096);
    });

    t.it('a failed named create leaves neither the name nor a file behind', async () => {
      const { MemoryMappedFile, files } = env();
      const name = freshName();
      const listing = await files.list();
      await rejects(() => MemoryMappedFile.createFromFile(files.path('empty.bin'), { mode: 'createNew', mapName: name }), {
        name: 'MemmapError',
        code: 'EINVAL',
      });
      deepEqual(await files.list(), listing);
      await rejects(() => MemoryMappedFile.openExisting(name), { code: 'ENOENT' });
      using map = await MemoryMappedFile.createFromFile(files.path('empty.bin'), { mode: 'createNew', capacity: 1, mapName: name });
      equal(map.capacity, 1);
    });
  });
}
