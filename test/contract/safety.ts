/**
 * Lifetimes and sharing under hostile callers: user code that runs inside a
 * call (a getter, a valueOf, a withBytes callback) and closes or opens maps
 * and views; two maps of one file; copy-on-write and read views beside
 * shared ones. What native mmap does is the contract; the paged backend
 * must give the same results, and never touch memory a closed map freed.
 */
import type { MemoryMappedFile, ViewAccessor } from '../../src/api.js';
import type { ContractEnv, TestApi } from './env.js';
import { deepEqual, equal, ok, throws } from './expect.js';

/** A small page cache, so that pages come and go within a test. */
const PAGED = { pageSize: 4096, cacheSize: 16 * 4096 };

export function safetySuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('lifetimes and sharing under hostile callers', () => {
    let counter = 0;
    const freshFile = async (capacity: number, fill?: (bytes: Uint8Array) => void): Promise<string> => {
      const { files } = env();
      const file = files.path(`safety-${counter++}.bin`);
      const bytes = new Uint8Array(capacity);
      fill?.(bytes);
      await files.write(file, bytes);
      return file;
    };
    const open = (file: string, options: object = {}): Promise<MemoryMappedFile> =>
      env().MemoryMappedFile.createFromFile(file, { ...PAGED, ...options });
    const fileBytes = async (file: string): Promise<Uint8Array> => (await env().files.read(file)) as Uint8Array;

    t.it('a length getter that would close the view and its map: either it never runs, or the copy is ECLOSED', async () => {
      const file = await freshFile(65536);
      const map = await open(file);
      const view = await map.createViewAccessor();
      view.writeUint8(0, 7);
      map.close();
      let ran = 0;
      const hostile = (n: number): Uint8Array => {
        const array = new Uint8Array(n).fill(0xee);
        Object.defineProperty(array, 'length', { get: () => (ran++, view.close(), n) });
        return array;
      };
      const outcome = (fn: () => unknown): string => {
        try {
          fn();
          return 'ok';
        } catch (err) {
          return (err as { code?: string }).code ?? String(err);
        }
      };
      const wrote = outcome(() => view.writeArray(0, hostile(8)));
      equal(wrote, ran > 0 ? 'ECLOSED' : 'ok', `writeArray (the getter ran ${ran} times)`);
      const read = outcome(() => view.readArray(0, hostile(8)));
      equal(read, ran > 0 ? 'ECLOSED' : 'ok', `readArray (the getter ran ${ran} times)`);
      view.close();
      const expected = ran > 0 ? [7, 0, 0, 0, 0, 0, 0, 0] : new Array(8).fill(0xee);
      deepEqual((await fileBytes(file)).subarray(0, 8), new Uint8Array(expected), 'the file has what was written');
    });

    t.it('a value whose valueOf would close the view and its map: refused (EINVAL) without running it; nothing is written', async () => {
      const file = await freshFile(65536);
      const map = await open(file);
      const view = await map.createViewAccessor();
      view.writeFloat64(8, 1.25);
      map.close();
      let ran = false;
      const value = { valueOf: () => ((ran = true), view.close(), 2.5) } as unknown as number;
      throws(() => view.writeFloat64(8, value), { name: 'TypeError', code: 'EINVAL' });
      equal(ran, false, 'the valueOf ran');
      equal(view.readFloat64(8), 1.25);
      view.close();
      equal(new DataView((await fileBytes(file)).buffer).getFloat64(8, true), 1.25);
    });

    t.it('withBytes: a callback that closes its own view (of a closed map) keeps its writes', async () => {
      const file = await freshFile(65536);
      const map = await open(file);
      const view = await map.createViewAccessor();
      map.close();
      view.withBytes(4096 + 16, 8, (bytes) => {
        bytes.set([1, 2, 3, 4, 5, 6, 7, 8]);
        view.close();
      });
      equal(view.closed, true);
      throws(() => view.readUint8(0), { code: 'ECLOSED' });
      deepEqual((await fileBytes(file)).subarray(4096 + 16, 4096 + 24), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    });

    t.it('two maps of one file see each other at once and lose no flushed write', async () => {
      const file = await freshFile(8192);
      const first = await open(file);
      const second = await open(file);
      {
        using a = await first.createViewAccessor();
        using b = await second.createViewAccessor();
        equal(b.readUint8(10), 0); // the page is in use by the second map before the first writes it
        a.writeUint8(10, 1);
        equal(b.readUint8(10), 1, 'the second map sees the first one\'s write at once');
        a.flush();
        b.writeUint8(20, 2);
        equal(a.readUint8(20), 2);
        b.flush();
        const disk = await fileBytes(file);
        deepEqual([disk[10], disk[20]], [1, 2], 'both writes are on disk after the second flush');
      }
      first.close();
      second.close();
      const disk = await fileBytes(file);
      deepEqual([disk[10], disk[20]], [1, 2], 'and after both maps closed');
    });

    t.it('copy-on-write views of a copyOnWrite map: a private page belongs to the view that wrote it', async () => {
      const file = await freshFile(65536, (b) => (b[0] = 11));
      {
        using map = await open(file, { access: 'copyOnWrite' });
        using v1 = await map.createViewAccessor();
        using v2 = await map.createViewAccessor();
        using r = await map.createViewAccessor(0, 0, 'read');
        equal(v1.access, 'copyOnWrite');
        v1.writeUint8(0, 55);
        equal(v1.readUint8(0), 55);
        equal(v2.readUint8(0), 11, 'a sibling copy-on-write view');
        equal(r.readUint8(0), 11, 'a read view');
        v2.writeUint8(1, 66);
        equal(v1.readUint8(1), 0);
        v1.flush();
      }
      deepEqual((await fileBytes(file)).subarray(0, 2), new Uint8Array([11, 0]), 'nothing reached the file');
    });

    t.it("opening a view inside withBytes never loses the callback's writes (the array stays valid, or the open is EBUSY)", async () => {
      const file = await freshFile(65536);
      const other = await freshFile(1 << 20);
      using map = await open(file);
      using big = await env().MemoryMappedFile.createFromFile(other, { cacheSize: 128 << 20 });
      using view = await map.createViewAccessor();
      let code: string | undefined;
      view.withBytes(0, 16, (bytes) => {
        bytes[0] = 1;
        try {
          // A copy-on-write view of a paged map allocates its private frames (128 MiB here).
          big.createViewAccessorSync(0, 0, 'copyOnWrite').close();
        } catch (err) {
          code = (err as { code?: string }).code;
        }
        bytes[1] = 2;
      });
      ok(code === undefined || code === 'EBUSY', `the open failed with ${code}`);
      deepEqual([view.readUint8(0), view.readUint8(1)], [1, 2], 'both writes of the callback are there');
      view.flush();
      deepEqual((await fileBytes(file)).subarray(0, 2), new Uint8Array([1, 2]));
    });

    t.it("a read view's withBytes stores never reach the other views or the file", async () => {
      const file = await freshFile(65536);
      {
        using map = await open(file);
        using writer = await map.createViewAccessor();
        using reader = await map.createViewAccessor(0, 0, 'read');
        reader.withBytes(0, 4, (bytes) => bytes.set([9, 9, 9, 9]));
        equal(writer.readUint8(0), 0, 'another view of the map');
        writer.writeUint8(100, 1); // the same page, now dirty
        writer.flush();
      }
      deepEqual((await fileBytes(file)).subarray(0, 4), new Uint8Array(4), 'the file');
    });

    t.it('readWriteExecute maps allow every view and write through; readExecute maps only read', async () => {
      const file = await freshFile(8192);
      {
        using map = await open(file, { access: 'readWriteExecute' });
        for (const access of ['readWrite', 'read', 'write', 'copyOnWrite', 'readExecute', 'readWriteExecute'] as const) {
          using v = await map.createViewAccessor(0, 0, access);
          equal(v.access, access);
        }
        using v = await map.createViewAccessor();
        v.writeUint32(0, 0xcafef00d);
        v.flush();
      }
      equal(new DataView((await fileBytes(file)).buffer).getUint32(0, true), 0xcafef00d);
      using map = await open(file, { access: 'readExecute' });
      using v: ViewAccessor = await map.createViewAccessor();
      equal(v.readUint32(0), 0xcafef00d);
      throws(() => v.writeUint8(0, 1), { code: 'EACCES' });
      throws(() => map.createViewAccessorSync(0, 0, 'readWrite'), { code: 'EACCES' });
    });
  });
}
