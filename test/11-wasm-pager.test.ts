/**
 * The wasm backend's page cache at scale: a file far larger than the cache,
 * checked against a model; a flush followed by a crash; memory that does not
 * grow under live views.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryMappedFile } from '../node/index.js';
import { nodeWasmPlatform } from '../wasm/node-platform.js';
import { makeTempDir } from './support/files.js';
import { xorshift32 } from './contract/env.js';

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), '../node/index.ts');


describe('wasm page cache at scale', function () {
  this.timeout(300000);
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  it('512 MiB through a 16 MiB cache: 100,000 random writes and reads match a model, and every byte after reopening', () => {
    const size = 512 << 20;
    const file = tmp.file('big.bin');
    const model = Buffer.alloc(size);
    const rand = xorshift32(42);
    {
      using map = MemoryMappedFile.createFromFileSync(file, {
        mode: 'createNew',
        capacity: size,
        backend: 'wasm',
        cacheSize: 16 << 20,
      });
      assert.equal(map.backend, 'wasm');
      using view = map.createViewAccessorSync();
      const chunk = new Uint8Array(1024);
      for (let i = 0; i < 100_000; i++) {
        const op = rand() % 4;
        const pos = rand() % (size - 1024);
        if (op === 0) {
          const v = rand() | 0;
          view.writeInt32(pos, v);
          model.writeInt32LE(v, pos);
        } else if (op === 1) {
          const v = rand() / 7;
          view.writeFloat64(pos, v);
          model.writeDoubleLE(v, pos);
        } else if (op === 2) {
          const n = 1 + (rand() % 1024);
          for (let k = 0; k < n; k++) chunk[k] = rand() & 0xff;
          view.writeArray(pos, chunk, 0, n);
          model.set(chunk.subarray(0, n), pos);
        } else {
          assert.equal(view.readInt32(pos), model.readInt32LE(pos), `int32 at ${pos} (op ${i})`);
          assert.equal(view.readUint8(pos + 1), model[pos + 1]);
        }
      }
    }
    // Reopen on the wasm backend and compare every byte, 8 MiB at a time.
    using again = MemoryMappedFile.createFromFileSync(file, { backend: 'wasm', cacheSize: 16 << 20 });
    using stream = again.createViewStreamSync();
    const buf = Buffer.alloc(8 << 20);
    for (let at = 0; at < size; at += buf.length) {
      assert.equal(stream.read(buf), buf.length);
      assert.ok(buf.equals(model.subarray(at, at + buf.length)), `bytes ${at}..${at + buf.length} match the model`);
    }
    assert.ok(fs.readFileSync(file).equals(model), 'and the file on disk is the model');
  });

  it('a flush followed by a crash (SIGKILL, no write-back) keeps everything flushed', async () => {
    const file = tmp.file('crash.bin');
    const size = 64 << 20;
    fs.writeFileSync(file, Buffer.alloc(0));
    const script = `
      import { MemoryMappedFile } from ${JSON.stringify(entry)};
      const map = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { capacity: ${size}, backend: 'wasm', cacheSize: 1 << 20, pageSize: 4096 });
      const view = map.createViewAccessorSync();
      for (let i = 0; i < ${size}; i += 4096) view.writeUint32(i, i ^ 0x5a5a5a5a);
      view.flush();
      for (let i = 0; i < ${size}; i += 4096) view.writeUint32(i + 8, 0xdeadbeef);
      console.log('flushed');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    assert.match(line.toString(), /flushed/);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const disk = fs.readFileSync(file);
    assert.equal(disk.length, size);
    let unflushedSeen = 0;
    for (let i = 0; i < size; i += 4096) {
      assert.equal(disk.readUint32LE(i), (i ^ 0x5a5a5a5a) >>> 0, `flushed word at ${i}`);
      const later = disk.readUint32LE(i + 8);
      assert.ok(later === 0 || later === 0xdeadbeef, 'an unflushed word is old or new, never torn');
      if (later === 0xdeadbeef) unflushedSeen++;
    }
    // Evicted dirty pages were written back before the crash; the rest were lost.
    assert.ok(unflushedSeen < size / 4096, 'the crash lost the cache: not every unflushed write reached the file');
  });

  it('WASM memory does not grow while views of a map far larger than the cache are in use', () => {
    const file = tmp.file('memory.bin');
    const memory = nodeWasmPlatform.core().memory;
    const empty = memory.buffer.byteLength;
    using map = MemoryMappedFile.createFromFileSync(file, {
      mode: 'createNew',
      capacity: 2 ** 32,
      backend: 'wasm',
      cacheSize: 8 << 20,
    });
    using a = map.createViewAccessorSync();
    using b = map.createViewStreamSync(2 ** 31);
    const before = memory.buffer.byteLength;
    const rand = xorshift32(7);
    const buf = new Uint8Array(70000);
    for (let i = 0; i < 2000; i++) {
      const pos = rand() * 0.99;
      a.writeFloat64(Math.floor(pos), i);
      assert.equal(a.readFloat64(Math.floor(pos)), i);
      if (i % 20 === 0) {
        b.seek(rand() % 2 ** 30);
        b.read(buf);
      }
    }
    assert.equal(memory.buffer.byteLength, before, 'no growth under live views');
    assert.ok(before - empty <= 9 << 20, `opening the map grew WASM memory by ${before - empty} bytes, about its 8 MiB cache`);
  });
});
