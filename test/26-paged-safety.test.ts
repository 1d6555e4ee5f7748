/**
 * The paged map as one object, on Node and on both backends: user code that
 * closes a view and opens another map in the middle of a call never reaches
 * the other map; opening a map inside withBytes never loses the callback's
 * writes; a flush is on disk at once (read through another handle before
 * anything is evicted); maps of one file by different paths share its
 * pages; copy-on-write views follow the file where they did not write. The
 * contract suites (test/contract/safety.ts) hold the scenarios that also run
 * in browsers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MemoryMappedFile } from '../node/index.js';
import { describeBackend } from './support/backends.js';
import { makeTempDir, patternBytes } from './support/files.js';

/** A small page cache: pages come and go, and two maps of this geometry reuse each other's memory. */
const PAGED = { pageSize: 4096, cacheSize: 16 * 4096 };

describeBackend('the paged map as one object', ({ name: backend, MemoryMappedFile: Mmf }) => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  let counter = 0;
  const fresh = (bytes: Uint8Array): string => {
    const file = tmp.file(`safety-${counter++}.bin`);
    fs.writeFileSync(file, bytes);
    return file;
  };

  it('user code in a call that closes the view and its map and opens another map never reaches the other map', () => {
    const first = fresh(new Uint8Array(65536));
    const secondBytes = patternBytes(65536, 5);
    const second = fresh(secondBytes);
    const map = Mmf.createFromFileSync(first, PAGED);
    const view = map.createViewAccessorSync();
    view.writeUint32(0, 1);
    map.close();
    // A value's valueOf never runs: typed writes check the type and never convert.
    let ran = false;
    const value = { valueOf: () => ((ran = true), view.close(), 0xdeadbeef) } as unknown as number;
    assert.throws(() => view.writeUint32(0, value), { name: 'TypeError', code: 'EINVAL' });
    assert.equal(ran, false);
    // A withBytes callback runs: it closes the view (of the closed map) and opens another map of the same geometry.
    let other: MemoryMappedFile | undefined;
    let code: string | undefined;
    view.withBytes(4, 4, (bytes) => {
      bytes.set([5, 6, 7, 8]);
      view.close();
      try {
        other = Mmf.createFromFileSync(second, PAGED);
        using otherView = other.createViewAccessorSync();
        assert.equal(otherView.readUint32(0), secondBytes.readUint32LE(0), 'the other map reads its own bytes');
      } catch (err) {
        code = (err as { code?: string }).code;
      }
    });
    assert.equal(code, backend === 'wasm' ? 'EBUSY' : undefined, 'opening a map inside withBytes');
    other?.close();
    assert.ok(fs.readFileSync(second).equals(secondBytes), "the other map's file is untouched");
    assert.deepEqual([...fs.readFileSync(first).subarray(0, 8)], [1, 0, 0, 0, 5, 6, 7, 8], 'the first file has what was written');
  });

  it('opening another map inside withBytes never loses the writes of the callback', () => {
    const file = fresh(new Uint8Array(65536));
    const otherFile = fresh(new Uint8Array(1 << 20));
    using map = Mmf.createFromFileSync(file, PAGED);
    using view = map.createViewAccessorSync();
    let code: string | undefined;
    view.withBytes(0, 16, (bytes) => {
      bytes[0] = 1;
      try {
        // A large cache: opening it grows WASM memory unless the open is refused.
        Mmf.createFromFileSync(otherFile, { cacheSize: 256 << 20 }).close();
      } catch (err) {
        code = (err as { code?: string }).code;
      }
      bytes[1] = 2;
    });
    assert.equal(code, backend === 'wasm' ? 'EBUSY' : undefined);
    assert.deepEqual([view.readUint8(0), view.readUint8(1)], [1, 2]);
    view.flush();
    assert.deepEqual([...fs.readFileSync(file).subarray(0, 2)], [1, 2]);
  });

  it('a flush is on disk at once: another handle reads every byte right after it, before anything is evicted', () => {
    const file = fresh(new Uint8Array(64 * 4096));
    const data = patternBytes(64 * 4096, 9);
    using map = Mmf.createFromFileSync(file, { pageSize: 4096, cacheSize: 256 * 4096 });
    using view = map.createViewAccessorSync();
    for (let page = 0; page < 64; page++) view.writeArray(page * 4096, data.subarray(page * 4096, (page + 1) * 4096));
    view.writeUint32(8, 0x01020304); // a typed write, through the accessor's translation
    data.writeUint32LE(0x01020304, 8);
    view.flush();
    assert.ok(fs.readFileSync(file).equals(data), 'the file has every byte written before the flush');
    const stats = map.cacheStats();
    if (stats) assert.equal(stats.dirty, 0, 'and the cache holds nothing the file lacks');
  });

  it('maps of one file by different paths (relative, through a symlink) see each other at once', () => {
    const file = fresh(new Uint8Array(8192));
    const link = tmp.file(`link-${counter++}.bin`);
    fs.symlinkSync(file, link);
    using a = Mmf.createFromFileSync(file, PAGED);
    using b = Mmf.createFromFileSync(path.relative(process.cwd(), link), PAGED);
    using va = a.createViewAccessorSync();
    using vb = b.createViewAccessorSync();
    assert.equal(vb.readUint16(4000), 0);
    va.writeUint16(4000, 0xabcd);
    assert.equal(vb.readUint16(4000), 0xabcd);
  });

  it('a copy-on-write view follows the file where it did not write, and keeps its own pages where it did', () => {
    const file = fresh(new Uint8Array(4 * 4096));
    using map = Mmf.createFromFileSync(file, PAGED);
    using shared = map.createViewAccessorSync();
    using cow = map.createViewAccessorSync(0, 0, 'copyOnWrite');
    assert.equal(cow.readUint8(2 * 4096), 0);
    shared.writeUint8(2 * 4096, 3);
    assert.equal(cow.readUint8(2 * 4096), 3, 'an untouched page follows the file');
    cow.writeUint8(0, 9);
    shared.writeUint8(1, 4);
    assert.deepEqual([cow.readUint8(0), cow.readUint8(1)], [9, 0], 'a written page is the view\'s own copy');
    assert.equal(shared.readUint8(0), 0);
  });
});

describe('the paged map as one object [wasm only]', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  it('the bytes lent to withBytes stay valid until the callback returns, whatever it closes, and all reach the file', () => {
    const file = tmp.file('lend.bin');
    fs.writeFileSync(file, new Uint8Array(65536));
    const map = MemoryMappedFile.createFromFileSync(file, { ...PAGED, backend: 'wasm' });
    const view = map.createViewAccessorSync();
    map.close();
    view.withBytes(100, 8, (bytes) => {
      bytes.set([1, 2, 3, 4]);
      view.close();
      assert.throws(() => view.readUint8(0), { code: 'ECLOSED' });
      bytes.set([5, 6, 7, 8], 4);
    });
    assert.deepEqual([...fs.readFileSync(file).subarray(100, 108)], [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a map of a file already open shares its cache: the same counters, no second cache', () => {
    const file = tmp.file('share.bin');
    fs.writeFileSync(file, patternBytes(1 << 20, 3));
    using a = MemoryMappedFile.createFromFileSync(file, { backend: 'wasm', pageSize: 4096, cacheSize: 64 * 4096 });
    using b = MemoryMappedFile.createFromFileSync(file, { backend: 'wasm', pageSize: 65536, cacheSize: 1 << 20 });
    assert.equal(b.allocationGranularity, 4096, "the second map has the cache's page size");
    using va = a.createViewAccessorSync();
    va.readUint8(0);
    const stats = b.cacheStats() as NonNullable<ReturnType<typeof b.cacheStats>>;
    assert.equal(stats.frames, 64);
    assert.equal(stats.resident, 1, "the first map's page is in the second map's cache");
  });
});
