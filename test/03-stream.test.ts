/** ViewStream's Node stream conversions. (The contract of streams is test/contract/streams.ts.) */
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
});
