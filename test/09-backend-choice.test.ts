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

/** Runs `MemoryMappedFile.<call>` in a child with `env`; prints the map's backend or the error's code and message. */
function childBackend(env: Record<string, string>, options = '{}', call = `createNewSync(null, 4096, ${options})`): string {
  const code = `import { MemoryMappedFile } from ${JSON.stringify(entry)};
    try { const m = MemoryMappedFile.${call}; console.log(m.backend); }
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

  it('falling back to wasm writes one line to stderr, on the first map only: the backend, why native is unavailable, what is lost', () => {
    const code = `import { MemoryMappedFile } from ${JSON.stringify(entry)};
      for (let i = 0; i < 3; i++) MemoryMappedFile.createNewSync(null, 4096).close();
      MemoryMappedFile.createNewSync('memmap-notice-' + process.pid, 4096).close();`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      env: { ...process.env, MEMMAP_BACKEND: '', MEMMAP_QUIET: '', MEMMAP_NATIVE_ADDON: '/nonexistent/memmap_native.node' },
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] as string, /^memmap: using the wasm backend; native: .*\/nonexistent\/memmap_native\.node.*named maps reach only this process's threads \(not other processes\)/);
  });

  it('no line when wasm is chosen (backend option, MEMMAP_BACKEND) or MEMMAP_QUIET=1, nor when native runs', () => {
    const quiet = (env: Record<string, string>, options = '{}') => {
      const code = `import { MemoryMappedFile } from ${JSON.stringify(entry)};
        MemoryMappedFile.createNewSync(null, 4096, ${options}).close();`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
        encoding: 'utf8',
        env: { ...process.env, MEMMAP_BACKEND: '', MEMMAP_QUIET: '', ...env },
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stderr;
    };
    const missing = { MEMMAP_NATIVE_ADDON: '/nonexistent/memmap_native.node' };
    assert.equal(quiet(missing, "{ backend: 'wasm' }"), '');
    assert.equal(quiet({ ...missing, MEMMAP_BACKEND: 'wasm' }), '');
    assert.equal(quiet({ ...missing, MEMMAP_QUIET: '1' }), '');
    assert.equal(quiet({}), '');
  });

  (process.platform === 'linux' ? it : it.skip)(
    "on the fallback, openExisting/createOrOpen of another process's live shared-memory map is EUNSUPPORTED saying why (never a bare ENOENT, nor a second map) (Linux: /dev/shm can be looked at)",
    () => {
      const name = `memmap-elsewhere-${process.pid}`;
      using native = MemoryMappedFile.createNewSync(name, 4096, { backend: 'native' });
      for (const call of [`openExistingSync(${JSON.stringify(name)})`, `createOrOpenSync(${JSON.stringify(name)}, 4096)`]) {
        const out = childBackend({ MEMMAP_NATIVE_ADDON: '/nonexistent/memmap_native.node' }, '{}', call);
        assert.match(out, /^EUNSUPPORTED .*shared-memory map of another process.*needs the native backend.*\(native: .*\/nonexistent\/memmap_native\.node/);
      }
      assert.equal(native.capacity, 4096);
    },
  );

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
