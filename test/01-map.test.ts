/** Persisted maps: modes, capacity rules, properties and lifetime. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { contents, describeBackend } from './support/backends.js';
import { makeTempDir, patternBytes } from './support/files.js';

describeBackend('MemoryMappedFile.createFromFile', ({ MemoryMappedFile, name }) => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  it('maps an existing file with its size as capacity (mode open, the default)', async () => {
    const file = tmp.file('existing.bin');
    fs.writeFileSync(file, patternBytes(10000));
    const map = await MemoryMappedFile.createFromFile(file);
    assert.equal(map.capacity, 10000);
    assert.equal(map.access, 'readWrite');
    assert.equal(map.backend, name);
    assert.equal(map.mapName, null);
    assert.equal(map.path, file);
    assert.equal(map.closed, false);
    const view = map.createViewAccessorSync();
    assert.deepEqual(contents(view), patternBytes(10000));
    view.close();
    map.close();
    assert.equal(map.closed, true);
  });

  it('accepts a file: URL as the path', () => {
    const file = tmp.file('url name.bin');
    fs.writeFileSync(file, 'abc');
    using map = MemoryMappedFile.createFromFileSync(pathToFileURL(file));
    assert.equal(map.capacity, 3);
  });

  it('createNew creates a zero-filled file of the capacity', () => {
    const file = tmp.file('new.bin');
    using map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 123457 });
    assert.equal(fs.statSync(file).size, 123457);
    using view = map.createViewAccessorSync();
    assert.ok(contents(view).every((b) => b === 0));
  });

  it('create replaces an existing file with a zero-filled one of the capacity', () => {
    const file = tmp.file('replace.bin');
    fs.writeFileSync(file, patternBytes(50000));
    using map = MemoryMappedFile.createFromFileSync(file, { mode: 'create', capacity: 4096 });
    assert.equal(fs.statSync(file).size, 4096);
    using view = map.createViewAccessorSync();
    assert.ok(contents(view).every((b) => b === 0));
  });

  it('openOrCreate opens an existing file and creates a missing one', () => {
    const file = tmp.file('ooc.bin');
    {
      using map = MemoryMappedFile.createFromFileSync(file, { mode: 'openOrCreate', capacity: 100 });
      using v = map.createViewAccessorSync();
      v.writeUint8(5, 77);
    }
    using map = MemoryMappedFile.createFromFileSync(file, { mode: 'openOrCreate' });
    assert.equal(map.capacity, 100);
    using v = map.createViewAccessorSync();
    assert.equal(v.readUint8(5), 77);
  });

  it('a capacity above the file size grows the file and keeps its contents', () => {
    const file = tmp.file('grow.bin');
    fs.writeFileSync(file, 'hello');
    using map = MemoryMappedFile.createFromFileSync(file, { capacity: 1 << 20 });
    assert.equal(fs.statSync(file).size, 1 << 20);
    using view = map.createViewAccessorSync(0, 5);
    assert.equal(contents(view).toString(), 'hello');
  });

  it('a read-only map of a file cannot be written and leaves the file alone', () => {
    const file = tmp.file('ro.bin');
    fs.writeFileSync(file, patternBytes(8192, 3));
    using map = MemoryMappedFile.createFromFileSync(file, { access: 'read' });
    using view = map.createViewAccessorSync();
    assert.equal(view.access, 'read');
    assert.equal(view.canWrite, false);
    assert.throws(() => view.writeInt32(0, 1), { name: 'MemmapError', code: 'EACCES' });
    assert.deepEqual(fs.readFileSync(file), patternBytes(8192, 3));
  });

  it('the async factories resolve to the same objects as the sync ones', async () => {
    const file = tmp.file('async.bin');
    const map = await MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity: 5000 });
    const acc = await map.createViewAccessor(10, 20);
    const stream = await map.createViewStream(100);
    assert.equal(acc.capacity, 20);
    assert.equal(stream.length, 4900);
    acc.close();
    stream.close();
    map.close();
    await assert.rejects(MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity: 1 }), { code: 'EEXIST' });
  });

  it('closing the map ends no view made from it, but refuses new views', () => {
    const file = tmp.file('lifetime.bin');
    const map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 4096 });
    const view = map.createViewAccessorSync();
    const stream = map.createViewStreamSync();
    map.close();
    map.close();
    view.writeInt32(0, 1234);
    assert.equal(view.readInt32(0), 1234);
    assert.equal(stream.readByte(), 0xd2);
    assert.throws(() => map.createViewAccessorSync(), { name: 'MemmapError', code: 'ECLOSED' });
    assert.throws(() => map.createViewStreamSync(), { name: 'MemmapError', code: 'ECLOSED' });
    view.close();
    stream.close();
  });

  it('Symbol.dispose closes maps, accessors and streams', () => {
    const file = tmp.file('dispose.bin');
    let map, view, stream;
    {
      using m = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 64 });
      using v = m.createViewAccessorSync();
      using s = m.createViewStreamSync();
      map = m;
      view = v;
      stream = s;
    }
    assert.equal(map.closed, true);
    assert.equal(view.closed, true);
    assert.equal(stream.closed, true);
  });

  it('reports the allocation granularity and each view\'s pointerOffset', () => {
    const file = tmp.file('granularity.bin');
    using map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 3 * 65536, pageSize: 16384 });
    const g = map.allocationGranularity;
    assert.ok(g >= 4096 && (g & (g - 1)) === 0, `granularity ${g} is a power of two`);
    if (name === 'wasm') assert.equal(g, 16384, 'the page size of a paged map');
    using a = map.createViewAccessorSync(g + 12);
    assert.equal(a.pointerOffset, 12);
    assert.equal(a.offset, g + 12);
    assert.equal(a.capacity, 3 * 65536 - g - 12);
    using s = map.createViewStreamSync(5, 10);
    assert.equal(s.pointerOffset, 5);
    assert.equal(s.length, 10);
  });
});
