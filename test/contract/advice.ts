/**
 * advise() and prefetch(): advice never changes a view's bytes (dontNeed
 * keeps unflushed writes and a copy-on-write view's private pages),
 * prefetch resolves with the range readable, a close during a prefetch is
 * safe, and the bad-input rows of both methods.
 */
import type { Advice, ViewAccessor } from '../../src/api.js';
import { pattern, type ContractEnv, type TestApi } from './env.js';
import { deepEqual, equal, ok, rejects, throws } from './expect.js';

const ADVICE: Advice[] = ['normal', 'sequential', 'random', 'willNeed', 'dontNeed'];

export function adviceSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('advise and prefetch', () => {
    let counter = 0;
    const fileWith = async (bytes: Uint8Array): Promise<string> => {
      const file = env().files.path(`advice-${counter++}.bin`);
      await env().files.write(file, bytes);
      return file;
    };
    const readAll = (v: ViewAccessor): Uint8Array => {
      const out = new Uint8Array(v.capacity);
      v.readArray(0, out);
      return out;
    };

    t.it('every advice leaves the bytes as they were, on every range', async () => {
      const data = pattern(5 * 65536 + 123, 7);
      const file = await fileWith(data);
      using map = await env().MemoryMappedFile.createFromFile(file);
      using v = await map.createViewAccessor(100);
      for (const advice of ADVICE) {
        equal(v.advise(advice), undefined);
        v.advise(advice, 4000, 70000);
        v.advise(advice, v.capacity, 0);
        v.advise(advice, v.capacity - 1);
        deepEqual(readAll(v), data.subarray(100), `after ${advice}`);
      }
    });

    t.it("dontNeed never drops a write that is not flushed, and the file gets it", async () => {
      const size = 8 * 65536;
      const file = await fileWith(new Uint8Array(size));
      const data = pattern(size, 3);
      {
        using map = await env().MemoryMappedFile.createFromFile(file);
        using v = await map.createViewAccessor();
        v.writeArray(0, data);
        v.advise('dontNeed');
        deepEqual(readAll(v), data, 'the view reads what was written');
        v.advise('random');
        v.writeUint32(size - 4, 0xdeadbeef);
        v.advise('dontNeed', size - 65536);
        equal(v.readUint32(size - 4), 0xdeadbeef);
      }
      const disk = (await env().files.read(file)) as Uint8Array;
      deepEqual(disk.subarray(0, size - 4), data.subarray(0, size - 4), 'the file has every write');
      equal(new DataView(disk.buffer, disk.byteOffset).getUint32(size - 4, true), 0xdeadbeef);
    });

    t.it("dontNeed keeps a copy-on-write view's private changes, and the file never sees them", async () => {
      const size = 4 * 65536;
      const original = pattern(size, 5);
      const file = await fileWith(original);
      {
        using map = await env().MemoryMappedFile.createFromFile(file);
        using cow = await map.createViewAccessor(0, 0, 'copyOnWrite');
        const changes = pattern(size, 9);
        cow.writeArray(0, changes);
        cow.advise('dontNeed');
        deepEqual(readAll(cow), changes, 'the private pages survive dontNeed');
        using shared = await map.createViewAccessor(0, 0, 'read');
        deepEqual(readAll(shared), original);
      }
      deepEqual(await env().files.read(file), original);
    });

    t.it('a non-persisted map takes every advice and prefetch, and keeps its bytes', async () => {
      const data = pattern(3 * 65536, 17);
      using map = await env().MemoryMappedFile.createNew(null, data.length);
      using v = await map.createViewAccessor();
      v.writeArray(0, data);
      for (const advice of ADVICE) v.advise(advice, 1000);
      await v.prefetch();
      await v.prefetch(70000, 5);
      deepEqual(readAll(v), data);
    });

    t.it('prefetch resolves with the range readable, on the whole view and on a part', async () => {
      const data = pattern(6 * 65536 + 5, 11);
      const file = await fileWith(data);
      using map = await env().MemoryMappedFile.createFromFile(file);
      using v = await map.createViewAccessor(7, 0, 'read');
      equal(await v.prefetch(), undefined);
      await v.prefetch(65536, 100000);
      await v.prefetch(v.capacity);
      deepEqual(readAll(v), data.subarray(7));
    });

    t.it('a view closed while its prefetch runs rejects it with ECLOSED (or it finished first) and nothing breaks', async () => {
      const { MemoryMappedFile } = env();
      const file = env().files.path(`advice-${counter++}.bin`);
      const capacity = 64 << 20;
      using map = await MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity });
      for (let round = 0; round < 3; round++) {
        const v = await map.createViewAccessor();
        const pending = v.prefetch();
        v.close();
        try {
          await pending;
        } catch (err) {
          equal((err as { code?: string }).code, 'ECLOSED');
        }
      }
      using after = await map.createViewAccessor(capacity - 65536);
      after.writeUint32(0, 77);
      equal(after.readUint32(0), 77);
      await after.prefetch();
      equal(after.readUint32(0), 77);
    });

    t.it('every access may advise and prefetch; a read view keeps its stray changes (native bytes)', async () => {
      const data = pattern(3 * 65536, 13);
      const file = await fileWith(data);
      using map = await env().MemoryMappedFile.createFromFile(file);
      for (const access of ['read', 'write', 'readWrite', 'copyOnWrite'] as const) {
        using v = await map.createViewAccessor(0, 0, access);
        for (const advice of ADVICE) v.advise(advice);
        await v.prefetch();
      }
      if (!env().paged) {
        using r = await map.createViewAccessor(0, 0, 'read');
        r.bytes[5] = (r.bytes[5] as number) ^ 0xff;
        r.advise('dontNeed');
        equal(r.bytes[5], (data[5] as number) ^ 0xff, "a stray store into a read view's bytes stays private and stays");
      }
      deepEqual(await env().files.read(file), data);
    });

    t.it('bad input: advice names, offsets and lengths are checked before the state, then ECLOSED', async () => {
      const file = await fileWith(new Uint8Array(10000));
      using map = await env().MemoryMappedFile.createFromFile(file);
      const v = await map.createViewAccessor(0, 1000);
      const calls: [string, (a: ViewAccessor) => unknown, string, string][] = [
        ['advice bogus', (a) => a.advise('bogus' as Advice), 'TypeError', 'EINVAL'],
        ['advice of the wrong case', (a) => a.advise('DontNeed' as Advice), 'TypeError', 'EINVAL'],
        ['advice as a number', (a) => a.advise(1 as unknown as Advice), 'TypeError', 'EINVAL'],
        ['advice missing', (a) => (a.advise as (x?: unknown) => void)(), 'TypeError', 'EINVAL'],
        ['advice an object with toString', (a) => a.advise({ toString: () => 'normal' } as unknown as Advice), 'TypeError', 'EINVAL'],
        ['offset -1', (a) => a.advise('normal', -1), 'RangeError', 'ERANGE'],
        ['offset 1.5', (a) => a.advise('normal', 1.5), 'RangeError', 'ERANGE'],
        ['offset NaN', (a) => a.advise('normal', NaN), 'RangeError', 'ERANGE'],
        ['offset as a string', (a) => a.advise('normal', '1' as unknown as number), 'TypeError', 'EINVAL'],
        ['offset beyond the view', (a) => a.advise('willNeed', 1001), 'RangeError', 'ERANGE'],
        ['length beyond the view', (a) => a.advise('willNeed', 10, 991), 'RangeError', 'ERANGE'],
        ['length -1', (a) => a.advise('normal', 0, -1), 'RangeError', 'ERANGE'],
        ['length as a bigint', (a) => a.advise('normal', 0, 1n as unknown as number), 'TypeError', 'EINVAL'],
      ];
      for (const [title, call, name, code] of calls) {
        throws(() => call(v), { name, code }, title);
      }
      const prefetches: [string, (a: ViewAccessor) => Promise<unknown>, string, string][] = [
        ['offset -1', (a) => a.prefetch(-1), 'RangeError', 'ERANGE'],
        ['offset as a string', (a) => a.prefetch('0' as unknown as number), 'TypeError', 'EINVAL'],
        ['offset beyond the view', (a) => a.prefetch(1001), 'RangeError', 'ERANGE'],
        ['length beyond the view', (a) => a.prefetch(1, 1000), 'RangeError', 'ERANGE'],
        ['length 2^53', (a) => a.prefetch(0, 2 ** 53), 'RangeError', 'ERANGE'],
      ];
      for (const [title, call, name, code] of prefetches) {
        const p = call(v);
        ok(p instanceof Promise, `prefetch ${title} returns a promise`);
        await rejects(p, { name, code }, `prefetch ${title}`);
      }
      v.close();
      throws(() => v.advise('normal'), { name: 'MemmapError', code: 'ECLOSED' });
      throws(() => v.advise('bogus' as Advice), { name: 'TypeError', code: 'EINVAL' }, 'arguments first');
      await rejects(v.prefetch(), { name: 'MemmapError', code: 'ECLOSED' });
      await rejects(v.prefetch(5000), { name: 'RangeError', code: 'ERANGE' }, 'arguments first');
    });
  });
}
