/** Non-persisted maps within one process (or one agent cluster): named and anonymous. */
import type { ContractEnv, TestApi } from './env.js';
import { deepEqual, equal, ok, rejects, throws } from './expect.js';

export function sharedMapSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('non-persisted maps', () => {
    const prefix = `memmap-contract-${Math.floor(Math.random() * 1e9)}-`;
    let counter = 0;
    const freshName = () => `${prefix}${counter++}`;

    t.it('a named map is found by name, and is gone after the last holder closes', async () => {
      const { MemoryMappedFile, backend } = env();
      const name = freshName();
      const a = await MemoryMappedFile.createNew(name, 65536);
      equal(a.mapName, name);
      equal(a.path, null);
      equal(a.backend, backend);
      const va = await a.createViewAccessor();
      va.writeUint32(60000, 0xdeadbeef);
      const b = await MemoryMappedFile.openExisting(name);
      equal(b.capacity, 65536);
      const vb = await b.createViewAccessor();
      equal(vb.readUint32(60000), 0xdeadbeef);
      va.close();
      a.close();
      equal(vb.readUint32(60000), 0xdeadbeef, 'the data outlives its creator');
      vb.close();
      b.close();
      await rejects(MemoryMappedFile.openExisting(name), { name: 'MemmapError', code: 'ENOENT' });
    });

    t.it("views keep a closed map's data alive until the last one closes", async () => {
      const { MemoryMappedFile } = env();
      const name = freshName();
      const map = await MemoryMappedFile.createNew(name, 4096);
      const view = await map.createViewAccessor();
      map.close();
      view.writeUint8(0, 1);
      const other = await MemoryMappedFile.openExisting(name);
      other.close();
      view.close();
      await rejects(MemoryMappedFile.openExisting(name), { code: 'ENOENT' });
    });

    t.it('a read-only opener cannot write through its views (typed error, no crash)', async () => {
      const { MemoryMappedFile } = env();
      const name = freshName();
      using writer = await MemoryMappedFile.createNew(name, 4096);
      using w = await writer.createViewAccessor();
      w.writeInt32(0, 5);
      using ro = await MemoryMappedFile.openExisting(name, { access: 'read' });
      using r = await ro.createViewAccessor();
      equal(r.readInt32(0), 5);
      throws(() => r.writeInt32(0, 1), { name: 'MemmapError', code: 'EACCES' });
      await rejects(ro.createViewAccessor(0, 0, 'readWrite'), { code: 'EACCES' });
      w.writeInt32(0, 6);
      equal(r.readInt32(0), 6, 'later writes stay visible');
    });

    t.it('createNew on a live name → EEXIST; createOrOpen opens it, and a larger capacity → ERANGE (Windows keeps the size in whole pages)', async () => {
      const { MemoryMappedFile, sharedSizeUnit } = env();
      const name = freshName();
      const size = Math.ceil(10000 / sharedSizeUnit) * sharedSizeUnit; // 10000 where sizes are exact
      using map = await MemoryMappedFile.createNew(name, 10000);
      await rejects(MemoryMappedFile.createNew(name, 10000), { name: 'MemmapError', code: 'EEXIST' });
      using same = await MemoryMappedFile.createOrOpen(name, 5000);
      equal(same.capacity, 5000);
      await rejects(MemoryMappedFile.createOrOpen(name, size + 1), { code: 'ERANGE' });
      using full = await MemoryMappedFile.openExisting(name);
      equal(full.capacity, size);
      ok(map.capacity === 10000);
    });

    t.it('createOrOpen creates a missing map, zero-filled', async () => {
      const { MemoryMappedFile } = env();
      const name = freshName();
      using map = await MemoryMappedFile.createOrOpen(name, 3000);
      equal(map.capacity, 3000);
      using v = await map.createViewAccessor();
      ok(v.bytes.every((b) => b === 0));
    });

    t.it('anonymous maps (null name) share between views', async () => {
      const { MemoryMappedFile } = env();
      const map = await MemoryMappedFile.createNew(null, 1 << 20);
      equal(map.mapName, null);
      using a = await map.createViewAccessor();
      using b = await map.createViewStream(4096);
      a.writeUint8(5000, 77);
      b.seek(5000 - 4096);
      equal(b.readByte(), 77);
      map.close();
    });

    t.it('Atomics work on views of non-persisted maps', async () => {
      const { MemoryMappedFile } = env();
      using map = await MemoryMappedFile.createNew(freshName(), 4096);
      using v = await map.createViewAccessor();
      const cells = new Int32Array(v.bytes.buffer, v.bytes.byteOffset, 4);
      for (let i = 0; i < 1000; i++) Atomics.add(cells, 1, 2);
      equal(Atomics.load(cells, 1), 2000);
      equal(Atomics.compareExchange(cells, 1, 2000, 7), 2000);
      equal(v.readInt32(4), 7);
    });

    t.it("a store through a read opener's bytes: private on native (a private page), shared on wasm (a SharedArrayBuffer cannot be made read-only)", async () => {
      const { MemoryMappedFile, backend } = env();
      const name = freshName();
      using writer = await MemoryMappedFile.createNew(name, 4096);
      using w = await writer.createViewAccessor();
      w.writeInt32(0, 5);
      using reader = await MemoryMappedFile.openExisting(name, { access: 'read' });
      using r = await reader.createViewAccessor();
      new DataView(r.bytes.buffer, r.bytes.byteOffset, 4).setInt32(0, 9, true);
      equal(r.readInt32(0), 9, 'the reader sees its own store');
      equal(w.readInt32(0), backend === 'native' ? 5 : 9, 'the writer sees it only on wasm');
      throws(() => r.writeInt32(0, 1), { name: 'MemmapError', code: 'EACCES' });
    });

    t.it('copy-on-write views of a non-persisted map stay private', async () => {
      const { MemoryMappedFile } = env();
      using map = await MemoryMappedFile.createNew(freshName(), 4096);
      using shared = await map.createViewAccessor();
      shared.writeInt32(0, 1);
      using cow = await map.createViewAccessor(0, 0, 'copyOnWrite');
      equal(cow.readInt32(0), 1);
      cow.writeInt32(0, 2);
      equal(shared.readInt32(0), 1);
    });

    t.it('views and streams of a named map behave exactly as for persisted maps', async () => {
      const { MemoryMappedFile } = env();
      using map = await MemoryMappedFile.createNew(freshName(), 3 * 4096);
      using a = await map.createViewAccessor(4096 + 3, 100);
      equal(a.pointerOffset, (4096 + 3) % map.allocationGranularity, 'the slack below the offset (3 with 4 KiB pages, 4099 with 64 KiB)');
      a.writeBigInt64(8, -1n);
      using s = await map.createViewStream(4096 + 11, 8);
      const out = new Uint8Array(10);
      equal(s.read(out), 8);
      deepEqual([...out.subarray(0, 8)], new Array(8).fill(255));
      throws(() => s.write(new Uint8Array(1)), { code: 'ENOSPC' });
      a.flush();
    });

    t.describe('bad names and capacities', () => {
      const rows: [string, (M: ContractEnv['MemoryMappedFile']) => Promise<unknown>, string, string][] = [
        ['an empty name', (M) => M.createNew('', 10), 'TypeError', 'EINVAL'],
        ["a name with '/'", (M) => M.createNew('a/b', 10), 'TypeError', 'EINVAL'],
        ["a name with '\\'", (M) => M.createNew('a\\b', 10), 'TypeError', 'EINVAL'],
        ["the name 'Global\\x' (a Windows namespace)", (M) => M.openExisting('Global\\x'), 'TypeError', 'EINVAL'],
        ["the name '/x'", (M) => M.openExisting('/x'), 'TypeError', 'EINVAL'],
        ['a name with NUL', (M) => M.createOrOpen('a\0b', 10), 'TypeError', 'EINVAL'],
        ["the name '..'", (M) => M.createNew('..', 10), 'TypeError', 'EINVAL'],
        ["the name '../x'", (M) => M.openExisting('../x'), 'TypeError', 'EINVAL'],
        ['a name of 100,000 characters', (M) => M.createOrOpen('n'.repeat(100000), 10), 'MemmapError', 'ENAMETOOLONG'],
        ['a name of 256 bytes', (M) => M.createNew('x'.repeat(256), 10), 'MemmapError', 'ENAMETOOLONG'],
        ['a name of 128 two-byte characters', (M) => M.createNew('é'.repeat(128), 10), 'MemmapError', 'ENAMETOOLONG'],
        ['a number as the name', (M) => M.openExisting(5 as unknown as string), 'TypeError', 'EINVAL'],
        ['null for createOrOpen', (M) => M.createOrOpen(null as unknown as string, 10), 'TypeError', 'EINVAL'],
        ['capacity 0', (M) => M.createNew(freshName(), 0), 'RangeError', 'ERANGE'],
        ['capacity -1', (M) => M.createNew(null, -1), 'RangeError', 'ERANGE'],
        ['capacity 1.5', (M) => M.createOrOpen(freshName(), 1.5), 'RangeError', 'ERANGE'],
        ['capacity NaN', (M) => M.createNew(freshName(), NaN), 'RangeError', 'ERANGE'],
        ['a capacity beyond shared memory', (M) => M.createNew(freshName(), 2 ** 50), 'MemmapError', 'ENOSPC'],
        ['an unknown access', (M) => M.createNew(freshName(), 10, { access: 'x' as 'read' }), 'TypeError', 'EINVAL'],
        ['openExisting of a missing name', (M) => M.openExisting(freshName()), 'MemmapError', 'ENOENT'],
      ];
      for (const [title, call, errName, code] of rows) {
        t.it(`${title} → ${errName} ${code}`, async () => {
          await rejects(() => call(env().MemoryMappedFile), { name: errName, code });
        });
      }
    });
  });
}
