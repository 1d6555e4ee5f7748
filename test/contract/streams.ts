/** ViewStream: fixed-length sequential access, seeking, web stream conversions. */
import { pattern, type ContractEnv, type TestApi } from './env.js';
import { deepEqual, equal, ok, rejects, throws } from './expect.js';

export function streamSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('ViewStream', () => {
    let counter = 0;
    const fileWith = async (data: Uint8Array): Promise<string> => {
      const { files } = env();
      const file = files.path(`stream-${counter++}.bin`);
      await files.write(file, data);
      return file;
    };

    t.it('reads sequentially, advancing the position, and returns 0 at the end', async () => {
      const data = pattern(10000, 7);
      using map = await env().MemoryMappedFile.createFromFile(await fileWith(data));
      using s = await map.createViewStream(1000, 5000);
      equal(s.length, 5000);
      equal(s.position, 0);
      const buf = new Uint8Array(3000);
      equal(s.read(buf), 3000);
      deepEqual(buf, data.subarray(1000, 4000));
      equal(s.position, 3000);
      equal(s.read(buf, 100, 2900), 2000);
      deepEqual(buf.subarray(100, 2100), data.subarray(4000, 6000));
      equal(s.read(buf), 0);
      equal(s.readByte(), -1);
    });

    t.it('writes at the position; writing past the end is ENOSPC and writes nothing', async () => {
      const { files } = env();
      const file = await fileWith(new Uint8Array(100));
      const text = (x: string) => new TextEncoder().encode(x);
      {
        using map = await env().MemoryMappedFile.createFromFile(file);
        using s = await map.createViewStream(10, 50);
        s.write(text('hello'));
        s.writeByte(0x21);
        equal(s.position, 6);
        s.position = 45;
        throws(() => s.write(text('123456')), { name: 'MemmapError', code: 'ENOSPC' });
        equal(s.position, 45);
        s.write(text('12345'));
        throws(() => s.writeByte(1), { code: 'ENOSPC' });
        s.write(new Uint8Array(0));
        s.flush();
      }
      const disk = (await files.read(file)) as Uint8Array;
      equal(new TextDecoder().decode(disk.subarray(10, 16)), 'hello!');
      equal(new TextDecoder().decode(disk.subarray(55, 60)), '12345');
      equal(disk[60], 0, 'nothing written past the view');
    });

    t.it('seeks from begin, current and end; past the end is allowed, before 0 is ERANGE', async () => {
      const data = pattern(256, 9);
      using map = await env().MemoryMappedFile.createFromFile(await fileWith(data));
      using s = await map.createViewStream();
      equal(s.seek(10), 10);
      equal(s.seek(5, 'current'), 15);
      equal(s.readByte(), data[15]);
      equal(s.seek(-1, 'end'), 255);
      equal(s.readByte(), data[255]);
      equal(s.seek(100, 'end'), 356);
      equal(s.read(new Uint8Array(10)), 0);
      throws(() => s.write(new Uint8Array(1)), { code: 'ENOSPC' });
      throws(() => s.seek(-357, 'current'), { name: 'RangeError', code: 'ERANGE' });
      equal(s.position, 356);
      throws(() => s.seek(0, 'middle' as 'begin'), { name: 'TypeError', code: 'EINVAL' });
      throws(() => s.seek(0.5), { code: 'ERANGE' });
      throws(() => {
        s.position = -1;
      }, { code: 'ERANGE' });
      throws(() => s.setLength(10), { name: 'MemmapError', code: 'EUNSUPPORTED' });
      equal(s.canSeek, true);
    });

    t.it('read-only streams refuse writes and write-only streams refuse reads', async () => {
      using map = await env().MemoryMappedFile.createFromFile(await fileWith(new Uint8Array(64)));
      using r = await map.createViewStream(0, 0, 'read');
      throws(() => r.write(new Uint8Array(1)), { code: 'EACCES' });
      throws(() => r.writeByte(1), { code: 'EACCES' });
      throws(() => r.toWritableStream(), { code: 'EACCES' });
      using w = await map.createViewStream(0, 0, 'write');
      throws(() => w.read(new Uint8Array(1)), { code: 'EACCES' });
      throws(() => w.toReadableStream(), { code: 'EACCES' });
    });

    t.it('every call on a closed stream is ECLOSED', async () => {
      using map = await env().MemoryMappedFile.createFromFile(await fileWith(new Uint8Array(64)));
      const s = await map.createViewStream();
      s.close();
      s.close();
      for (const call of [
        () => s.read(new Uint8Array(1)),
        () => s.write(new Uint8Array(1)),
        () => s.readByte(),
        () => s.writeByte(1),
        () => s.seek(0),
        () => s.position,
        () => s.flush(),
        () => s.setLength(1),
        () => s.toReadableStream(),
        () => s.toWritableStream(),
      ]) {
        throws(call, { name: 'MemmapError', code: 'ECLOSED' });
      }
    });

    t.it('converts to web ReadableStream and WritableStream', async () => {
      const { files } = env();
      const data = pattern(200000, 5);
      const file = await fileWith(data);
      {
        using map = await env().MemoryMappedFile.createFromFile(file);
        using s = await map.createViewStream();
        const parts: Uint8Array[] = [];
        const reader = s.toReadableStream({ chunkSize: 50000 }).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
        }
        equal(parts.length, 4);
        const all = new Uint8Array(200000);
        parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
        deepEqual(all, data);
        s.seek(10);
        const writer = s.toWritableStream().getWriter();
        await writer.write(new Uint8Array([1, 2, 3]));
        await writer.close();
        s.seek(-1, 'end');
        const w2 = s.toWritableStream().getWriter();
        await rejects(w2.write(new Uint8Array(2)), { code: 'ENOSPC' });
        s.flush();
      }
      deepEqual([...((await files.read(file)) as Uint8Array).subarray(10, 13)], [1, 2, 3]);
    });

    t.it('whole-page reads see every write, cached, evicted, flushed or not', async () => {
      const { MemoryMappedFile, files } = env();
      const file = files.path('pages.bin');
      using map = await MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity: 64 * 4096, pageSize: 4096, cacheSize: 8 * 4096 });
      using acc = await map.createViewAccessor();
      using s = await map.createViewStream();
      const page = new Uint8Array(4096);
      const check = (round: number) => {
        s.seek(0);
        for (let p = 0; p < 64; p++) {
          equal(s.read(page), 4096);
          equal(new DataView(page.buffer).getUint32(8, true), p * 1000 + round, `page ${p}, round ${round}`);
        }
      };
      for (let round = 1; round <= 3; round++) {
        for (let p = 0; p < 64; p++) acc.writeUint32(p * 4096 + 8, p * 1000 + round); // more pages than the cache
        check(round);
        if (round === 2) acc.flush();
        acc.withBytes(5 * 4096, 4096, (b) => {
          acc.flush();
          new DataView(b.buffer, b.byteOffset).setUint32(8, 77000 + round, true);
        });
        s.seek(5 * 4096);
        s.read(page);
        equal(new DataView(page.buffer).getUint32(8, true), 77000 + round, 'a write after a flush inside withBytes');
        acc.writeUint32(5 * 4096 + 8, 5 * 1000 + round);
      }
    });

    t.it('validates buffers, offsets and counts', async () => {
      using map = await env().MemoryMappedFile.createFromFile(await fileWith(new Uint8Array(64)));
      using s = await map.createViewStream();
      throws(() => s.read('abc' as unknown as Uint8Array), { name: 'TypeError', code: 'EINVAL' });
      throws(() => s.read(new Uint8Array(4), 5), { name: 'RangeError', code: 'ERANGE' });
      throws(() => s.read(new Uint8Array(4), 1, 4), { code: 'ERANGE' });
      throws(() => s.write(new Uint8Array(4), -1), { code: 'ERANGE' });
      throws(() => s.toReadableStream({ chunkSize: 0 }), { code: 'ERANGE' });
      equal(s.read(new Uint16Array(4)), 8, 'any ArrayBuffer view is read as bytes');
      ok(true);
    });
  });
}
