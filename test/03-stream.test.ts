/** ViewStream: fixed-length sequential access, seeking, and Node / web stream conversions. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeBackend } from './support/backends.js';
import { makeTempDir, patternBytes } from './support/files.js';

describeBackend('ViewStream', ({ MemoryMappedFile }) => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  let counter = 0;
  const fileWith = (data: Buffer) => {
    const file = tmp.file(`stream-${counter++}.bin`);
    fs.writeFileSync(file, data);
    return file;
  };

  it('reads sequentially, advancing the position, and returns 0 at the end', () => {
    const data = patternBytes(10000, 7);
    using map = MemoryMappedFile.createFromFileSync(fileWith(data));
    using s = map.createViewStreamSync(1000, 5000);
    assert.equal(s.length, 5000);
    assert.equal(s.position, 0);
    const buf = Buffer.alloc(3000);
    assert.equal(s.read(buf), 3000);
    assert.deepEqual(buf, data.subarray(1000, 4000));
    assert.equal(s.position, 3000);
    assert.equal(s.read(buf, 100, 2900), 2000);
    assert.deepEqual(buf.subarray(100, 2100), data.subarray(4000, 6000));
    assert.equal(s.read(buf), 0);
    assert.equal(s.readByte(), -1);
  });

  it('writes at the position; writing past the end is ENOSPC and writes nothing', () => {
    const file = fileWith(Buffer.alloc(100));
    using map = MemoryMappedFile.createFromFileSync(file);
    using s = map.createViewStreamSync(10, 50);
    s.write(Buffer.from('hello'));
    s.writeByte(0x21);
    assert.equal(s.position, 6);
    s.position = 45;
    assert.throws(() => s.write(Buffer.from('123456')), { name: 'MemmapError', code: 'ENOSPC' });
    assert.equal(s.position, 45);
    s.write(Buffer.from('12345'));
    assert.throws(() => s.writeByte(1), { code: 'ENOSPC' });
    s.write(new Uint8Array(0));
    s.flush();
    const disk = fs.readFileSync(file);
    assert.equal(disk.subarray(10, 16).toString(), 'hello!');
    assert.equal(disk.subarray(55, 60).toString(), '12345');
    assert.equal(disk[60], 0, 'nothing written past the view');
  });

  it('seeks from begin, current and end; past the end is allowed, before 0 is ERANGE', () => {
    const data = patternBytes(256, 9);
    using map = MemoryMappedFile.createFromFileSync(fileWith(data));
    using s = map.createViewStreamSync();
    assert.equal(s.seek(10), 10);
    assert.equal(s.seek(5, 'current'), 15);
    assert.equal(s.readByte(), data[15]);
    assert.equal(s.seek(-1, 'end'), 255);
    assert.equal(s.readByte(), data[255]);
    assert.equal(s.seek(100, 'end'), 356);
    assert.equal(s.read(new Uint8Array(10)), 0);
    assert.throws(() => s.write(new Uint8Array(1)), { code: 'ENOSPC' });
    assert.throws(() => s.seek(-357, 'current'), { name: 'RangeError', code: 'ERANGE' });
    assert.equal(s.position, 356);
    assert.throws(() => s.seek(0, 'middle' as 'begin'), { name: 'TypeError', code: 'EINVAL' });
    assert.throws(() => s.seek(0.5), { code: 'ERANGE' });
    assert.throws(() => { s.position = -1; }, { code: 'ERANGE' });
    assert.throws(() => s.setLength(10), { name: 'MemmapError', code: 'EUNSUPPORTED' });
    assert.equal(s.canSeek, true);
  });

  it('read-only streams refuse writes and write-only streams refuse reads', () => {
    const file = fileWith(Buffer.alloc(64));
    using map = MemoryMappedFile.createFromFileSync(file);
    using r = map.createViewStreamSync(0, 0, 'read');
    assert.throws(() => r.write(new Uint8Array(1)), { code: 'EACCES' });
    assert.throws(() => r.writeByte(1), { code: 'EACCES' });
    assert.throws(() => r.toNodeWritable(), { code: 'EACCES' });
    using w = map.createViewStreamSync(0, 0, 'write');
    assert.throws(() => w.read(new Uint8Array(1)), { code: 'EACCES' });
    assert.throws(() => w.toReadableStream(), { code: 'EACCES' });
  });

  it('every call on a closed stream is ECLOSED', () => {
    using map = MemoryMappedFile.createFromFileSync(fileWith(Buffer.alloc(64)));
    const s = map.createViewStreamSync();
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
      () => s.toNodeReadable(),
      () => s.toWritableStream(),
    ]) {
      assert.throws(call, { name: 'MemmapError', code: 'ECLOSED' });
    }
  });

  it('converts to a Node Readable from the position, in chunks that outlive the view', async () => {
    const data = patternBytes(300000, 4);
    using map = MemoryMappedFile.createFromFileSync(fileWith(data));
    const s = map.createViewStreamSync();
    s.seek(1234);
    const chunks: Buffer[] = [];
    await pipeline(
      s.toNodeReadable({ chunkSize: 65536 }),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      }),
    );
    assert.ok(chunks.length >= 4);
    assert.ok(chunks.every((c) => c.length <= 65536));
    s.close();
    assert.deepEqual(Buffer.concat(chunks), data.subarray(1234));
  });

  it('converts to a Node Writable that fills the view and fails with ENOSPC past its end', async () => {
    const file = fileWith(Buffer.alloc(1000));
    using map = MemoryMappedFile.createFromFileSync(file);
    using s = map.createViewStreamSync(100, 800);
    await pipeline(Readable.from([Buffer.from('abc'), Buffer.from('defg')]), s.toNodeWritable());
    assert.equal(s.position, 7);
    await assert.rejects(pipeline(Readable.from([Buffer.alloc(900)]), s.toNodeWritable()), { code: 'ENOSPC' });
    s.flush();
    assert.equal(fs.readFileSync(file).subarray(100, 107).toString(), 'abcdefg');
  });

  it('converts to web ReadableStream and WritableStream', async () => {
    const data = patternBytes(200000, 5);
    const file = fileWith(data);
    using map = MemoryMappedFile.createFromFileSync(file);
    using s = map.createViewStreamSync();
    const parts: Uint8Array[] = [];
    for await (const chunk of s.toReadableStream({ chunkSize: 50000 }) as unknown as AsyncIterable<Uint8Array>) {
      parts.push(chunk);
    }
    assert.equal(parts.length, 4);
    assert.deepEqual(Buffer.concat(parts), data);
    s.seek(10);
    const writer = s.toWritableStream().getWriter();
    await writer.write(new Uint8Array([1, 2, 3]));
    await writer.close();
    s.flush();
    assert.deepEqual([...fs.readFileSync(file).subarray(10, 13)], [1, 2, 3]);
    s.seek(-1, 'end');
    const w2 = s.toWritableStream().getWriter();
    await assert.rejects(w2.write(new Uint8Array(2)), { code: 'ENOSPC' });
  });

  it('validates buffers, offsets and counts', () => {
    using map = MemoryMappedFile.createFromFileSync(fileWith(Buffer.alloc(64)));
    using s = map.createViewStreamSync();
    assert.throws(() => s.read('abc' as unknown as Uint8Array), { name: 'TypeError', code: 'EINVAL' });
    assert.throws(() => s.read(new Uint8Array(4), 5), { name: 'RangeError', code: 'ERANGE' });
    assert.throws(() => s.read(new Uint8Array(4), 1, 4), { code: 'ERANGE' });
    assert.throws(() => s.write(new Uint8Array(4), -1), { code: 'ERANGE' });
    assert.throws(() => s.toNodeReadable({ chunkSize: 0 }), { code: 'ERANGE' });
    assert.equal(s.read(new Uint16Array(4)), 8, 'any ArrayBuffer view is read as bytes');
  });
});
