/**
 * Persisted maps shared by name across real processes (native backend), and
 * the name's crash-proof lifetime: the creator killed with SIGKILL leaves no
 * name behind, and a file replaced under a live name is ESTALE for openers,
 * never another file's map. (Within one process, on every backend:
 * test/contract/named-files.ts.)
 *
 * Linux keeps the name as a record in /dev/shm; Windows as a named section
 * over the file, which also keeps the file from being replaced while the name
 * lives.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { bindBackend } from './support/backends.js';
import { makeTempDir } from './support/files.js';
import { Holder, killAllHolders } from './support/holders.js';

const windows = process.platform === 'win32';
const prefix = `memmap-named-file-${process.pid}-`;
let counter = 0;
const freshName = () => `${prefix}${counter++}`;
/** The name's record in the shared-memory namespace (Linux); Windows keeps no file for it. */
const recordExists = (name: string) => fs.existsSync(`/dev/shm/${name}`);

describe('persisted maps shared by name across processes [native]', () => {
  const MemoryMappedFile = bindBackend('native');
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  afterEach(() => killAllHolders());

  it('A names its map of a file; B opens it by name: the same pages and capacity; the name lives until both close', async () => {
    const file = tmp.file('shared-by-name.bin');
    const name = freshName();
    const a = await Holder.start();
    const b = await Holder.start();
    assert.equal(await a.do({ op: 'openFile', path: file, mode: 'createNew', capacity: 100000, mapName: name }), 100000);
    await a.do({ op: 'write', offset: 99990, bytes: [1, 2, 3, 4] });
    assert.equal(await b.do({ op: 'open', how: 'openExisting', name }), 100000);
    assert.deepEqual(await b.do({ op: 'read', offset: 99990, length: 4 }), [1, 2, 3, 4]);
    await b.do({ op: 'write', offset: 0, bytes: [42] });
    assert.deepEqual(await a.do({ op: 'read', offset: 0, length: 1 }), [42], 'B writes what A sees, without a flush');
    assert.throws(() => MemoryMappedFile.createNewSync(name, 4096), { name: 'MemmapError', code: 'EEXIST' });
    await a.do({ op: 'close' });
    using third = MemoryMappedFile.openExistingSync(name);
    assert.equal(third.capacity, 100000, 'B keeps the name alive after its creator closed');
    third.close();
    await b.do({ op: 'close' });
    assert.throws(() => MemoryMappedFile.openExistingSync(name), { name: 'MemmapError', code: 'ENOENT' });
    const data = fs.readFileSync(file);
    assert.equal(data.length, 100000);
    assert.equal(data[0], 42);
    assert.deepEqual([...data.subarray(99990, 99994)], [1, 2, 3, 4]);
  });

  it('the creator killed with SIGKILL: openExisting → ENOENT, the name is free again, the file keeps its data', async () => {
    const file = tmp.file('killed-creator.bin');
    const name = freshName();
    const a = await Holder.start();
    await a.do({ op: 'openFile', path: file, mode: 'createNew', capacity: 8192, mapName: name });
    await a.do({ op: 'write', offset: 100, bytes: [7, 7, 7] });
    await a.kill();
    if (!windows) assert.ok(recordExists(name), 'the crash left the record behind');
    assert.throws(() => MemoryMappedFile.openExistingSync(name), { name: 'MemmapError', code: 'ENOENT' });
    if (!windows) assert.equal(recordExists(name), false, 'the opener removed the stale record');
    assert.deepEqual([...fs.readFileSync(file).subarray(100, 103)], [7, 7, 7], 'a shared mapping\'s writes reach the file');
    using again = MemoryMappedFile.createFromFileSync(file, { mapName: name });
    assert.equal(again.capacity, 8192);
  });

  it('a holder by name outlives the killed creator; another process still opens the name', async () => {
    const file = tmp.file('outlives.bin');
    const name = freshName();
    const a = await Holder.start();
    const b = await Holder.start();
    await a.do({ op: 'openFile', path: file, mode: 'createNew', capacity: 4096, mapName: name });
    await b.do({ op: 'open', how: 'openExisting', name });
    await a.do({ op: 'write', offset: 10, bytes: [9] });
    await a.kill();
    using map = MemoryMappedFile.openExistingSync(name);
    using v = map.createViewAccessorSync();
    assert.equal(v.readUint8(10), 9);
    await b.kill();
    using still = MemoryMappedFile.openExistingSync(name);
    assert.equal(still.capacity, 4096, 'this process holds it now');
  });

  (windows ? it.skip : it)('the file replaced under a live name: openExisting → ESTALE, never the new file (Linux; on Windows the section keeps the file, see the next test)', async () => {
    const file = tmp.file('replaced.bin');
    const name = freshName();
    const a = await Holder.start();
    await a.do({ op: 'openFile', path: file, mode: 'createNew', capacity: 4096, mapName: name });
    fs.writeFileSync(tmp.file('impostor.bin'), Buffer.alloc(4096, 0xee));
    fs.renameSync(tmp.file('impostor.bin'), file);
    assert.throws(() => MemoryMappedFile.openExistingSync(name), {
      name: 'MemmapError',
      code: 'ESTALE',
      message: /now names another file/,
    });
    fs.rmSync(file);
    assert.throws(() => MemoryMappedFile.openExistingSync(name), { code: 'ESTALE', message: /no longer at its path/ });
    await a.do({ op: 'close' });
    assert.throws(() => MemoryMappedFile.openExistingSync(name), { code: 'ENOENT' });
  });

  (windows ? it : it.skip)('the file cannot be replaced under a live name: the section holds it (Windows)', async () => {
    const file = tmp.file('held.bin');
    const name = freshName();
    const a = await Holder.start();
    await a.do({ op: 'openFile', path: file, mode: 'createNew', capacity: 4096, mapName: name });
    await a.do({ op: 'write', offset: 0, bytes: [5] });
    fs.writeFileSync(tmp.file('impostor.bin'), Buffer.alloc(4096, 0xee));
    assert.throws(() => fs.renameSync(tmp.file('impostor.bin'), file), { code: 'EPERM' });
    using map = MemoryMappedFile.openExistingSync(name);
    using v = map.createViewAccessorSync();
    assert.equal(v.readUint8(0), 5);
  });
});
