/**
 * Persisted maps, what only Node has: file: URLs as paths and the
 * synchronous factories. (The contract of maps is test/contract/maps.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { contents, describeBackend } from './support/backends.js';
import { makeTempDir, patternBytes } from './support/files.js';

describeBackend('MemoryMappedFile on Node', ({ MemoryMappedFile }) => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  it('accepts a file: URL as the path', () => {
    const file = tmp.file('url name.bin');
    fs.writeFileSync(file, 'abc');
    using map = MemoryMappedFile.createFromFileSync(pathToFileURL(file));
    assert.equal(map.capacity, 3);
    assert.equal(map.path, file);
  });

  it('the synchronous factories make the same maps and views as the async ones', async () => {
    const file = tmp.file('sync.bin');
    fs.writeFileSync(file, patternBytes(5000));
    using a = MemoryMappedFile.createFromFileSync(file);
    using b = await MemoryMappedFile.createFromFile(file);
    using va = a.createViewAccessorSync(10, 20);
    using vb = await b.createViewAccessor(10, 20);
    assert.deepEqual(contents(va), contents(vb));
    using sa = a.createViewStreamSync(100);
    assert.equal(sa.length, 4900);
    assert.throws(() => MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 1 }), { code: 'EEXIST' });
  });

  it('mode createNew in a missing directory is ENOENT and creates no directory', () => {
    const dir = tmp.file('missing-dir');
    assert.throws(() => MemoryMappedFile.createFromFileSync(`${dir}/child.bin`, { mode: 'createNew', capacity: 1 }), {
      name: 'MemmapError',
      code: 'ENOENT',
    });
    assert.equal(fs.existsSync(dir), false);
  });
});
