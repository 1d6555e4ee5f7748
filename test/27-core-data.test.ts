/**
 * The core's rules as the TypeScript API's data: src/generated/core.ts must
 * be what scripts/generate-core-data.mjs makes from the headers now, and the
 * core must enforce what it says (error names, the access table, the page
 * cache's limits).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryMappedFile } from '../node/index.js';
import { ACCESS_RULES, ACCESS_VALUES, ERROR_NAMES, PAGER_LIMITS } from '../src/generated/core.js';
import { WasmCore, wasmFilePath } from '../wasm/loader.js';
import { makeTempDir } from './support/files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the core data of the TypeScript API (src/generated/core.ts)', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  it('is what the headers generate now', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/generate-core-data.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it("has the module's error table, in order", async () => {
    const core = await WasmCore.load(wasmFilePath());
    assert.deepEqual([...core.errorCodes.keys()], [...ERROR_NAMES]);
  });

  it('has the access table the core enforces: every map access against every view access', async () => {
    const core = await WasmCore.load(wasmFilePath());
    const file = tmp.file('access.bin');
    fs.writeFileSync(file, new Uint8Array(4096));
    for (const mapAccess of ACCESS_VALUES) {
      if (mapAccess === 'write') continue; // a file map cannot be write-only (EINVAL, as in .NET)
      const map = core.openPaged(file, 'open', 0, mapAccess);
      try {
        for (const viewAccess of ACCESS_VALUES) {
          let got = 'ok';
          try {
            core.freeView(core.openView(map, 0, 0, viewAccess));
          } catch (err) {
            got = (err as { code: string }).code;
          }
          const allowed = (ACCESS_RULES[mapAccess].views as readonly string[]).includes(viewAccess);
          assert.equal(got, allowed ? 'ok' : 'EACCES', `a ${viewAccess} view of a ${mapAccess} map`);
        }
      } finally {
        core.freeMap(map);
      }
    }
  });

  it("has the page cache's limits: the API refuses just outside them, the core opens just inside", () => {
    const file = tmp.file('limits.bin');
    const { minPageSize, maxPageSize, minFrames } = PAGER_LIMITS;
    const open = (pageSize: number, pages: number) =>
      MemoryMappedFile.createFromFileSync(file, { mode: 'openOrCreate', capacity: 4096, backend: 'wasm', pageSize, cacheSize: pages * pageSize });
    assert.throws(() => open(minPageSize / 2, minFrames), { code: 'ERANGE' });
    assert.throws(() => open(maxPageSize * 2, minFrames), { code: 'ERANGE' });
    assert.throws(() => open(minPageSize, minFrames - 1), { code: 'ERANGE' });
    using map = open(minPageSize, minFrames);
    assert.deepEqual([map.cacheStats()?.pageSize, map.cacheStats()?.frames], [minPageSize, minFrames]);
  });
});
