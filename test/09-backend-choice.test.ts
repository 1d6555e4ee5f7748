/**
 * Backend choice: native where the addon loads, wasm otherwise; the `backend`
 * option and MEMMAP_BACKEND force one; `map.backend` tells which.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryMappedFile } from '../node/index.js';
import { makeTempDir } from './support/files.js';

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), '../node/index.ts');

function childBackend(env: Record<string, string>, options = '{}'): string {
  const code = `import { MemoryMappedFile } from ${JSON.stringify(entry)};
    try { const m = MemoryMappedFile.createNewSync(null, 4096, ${options}); console.log(m.backend); }
    catch (e) { console.log(e.code + ' ' + e.message); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, MEMMAP_BACKEND: '', ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('backend choice', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  it('is native by default where the addon loads', () => {
    assert.equal(childBackend({}), 'native');
  });

  it('falls back to wasm when the addon cannot load', () => {
    assert.equal(childBackend({ MEMMAP_NATIVE_ADDON: '/nonexistent/memmap_native.node' }), 'wasm');
  });

  it('MEMMAP_BACKEND forces a backend, and a forced backend that cannot load is EUNSUPPORTED with the reason', () => {
    assert.equal(childBackend({ MEMMAP_BACKEND: 'wasm' }), 'wasm');
    const out = childBackend({ MEMMAP_BACKEND: 'native', MEMMAP_NATIVE_ADDON: '/nonexistent/memmap_native.node' });
    assert.match(out, /^EUNSUPPORTED .*native.*\/nonexistent\/memmap_native\.node/);
  });

  it('the backend option wins over MEMMAP_BACKEND', () => {
    assert.equal(childBackend({ MEMMAP_BACKEND: 'wasm' }, "{ backend: 'native' }"), 'native');
  });

  it('an unknown backend is a TypeError with code EINVAL', () => {
    assert.throws(() => MemoryMappedFile.createNewSync(null, 10, { backend: 'gpu' as 'wasm' }), {
      name: 'TypeError',
      code: 'EINVAL',
    });
    assert.throws(() => MemoryMappedFile.createFromFileSync(tmp.file('x'), { backend: 'gpu' as 'wasm' }), {
      code: 'EINVAL',
    });
  });

  it('pageSize and cacheSize are validated (they apply to the wasm backend)', () => {
    const file = tmp.file('opts.bin');
    for (const pageSize of [1000, 2048, 2 << 20, -4096, 4096.5]) {
      assert.throws(() => MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 10, pageSize }), {
        name: 'RangeError',
        code: 'ERANGE',
      });
    }
    // The core's limits (from its headers): 4 to 2^24 frames; 2^32 + 8 pages must not wrap to 8.
    for (const pages of [3, 2 ** 24 + 1, 2 ** 32 + 8]) {
      assert.throws(
        () => MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 10, pageSize: 4096, cacheSize: 4096 * pages }),
        { name: 'RangeError', code: 'ERANGE' },
      );
    }
    assert.equal(fs.existsSync(file), false, 'nothing was created');
    using map = MemoryMappedFile.createFromFileSync(file, {
      mode: 'createNew',
      capacity: 100000,
      backend: 'wasm',
      pageSize: 4096,
      cacheSize: 4096 * 8,
    });
    assert.equal(map.allocationGranularity, 4096);
  });
});
