/** The built bundle (dist/) loads from ESM and from CommonJS and maps a file. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from './support/files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the built package', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  const cases = [
    { kind: 'ESM', args: ['--input-type=module', '-e'], load: `import { MemoryMappedFile, MemmapError } from ${JSON.stringify(path.join(root, 'dist/index.mjs'))};` },
    { kind: 'CommonJS', args: ['-e'], load: `const { MemoryMappedFile, MemmapError } = require(${JSON.stringify(path.join(root, 'dist/index.cjs'))});` },
  ];
  for (const c of cases) {
    it(`loads from ${c.kind}, maps a file and reports typed errors`, () => {
      const file = tmp.file(`pkg-${c.kind}.bin`);
      const code = `${c.load}
        const m = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { mode: 'createNew', capacity: 4096 });
        const v = m.createViewAccessorSync(); v.writeUint16(0, 0xabcd); v.flush();
        let code = 'none';
        try { MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { mode: 'createNew', capacity: 1 }); }
        catch (e) { code = (e instanceof MemmapError) + ':' + e.code; }
        console.log(m.backend + ' ' + code);`;
      const r = spawnSync(process.execPath, [...c.args, code], { encoding: 'utf8', cwd: tmp.dir });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'native true:EEXIST');
      assert.equal(fs.readFileSync(file).readUint16LE(0), 0xabcd);
    });
  }

  it('declares its types for Node and for browsers next to the bundles', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    for (const condition of ['node', 'browser']) {
      const types = path.join(root, pkg.exports['.'][condition].types);
      assert.ok(fs.existsSync(types), `${types} exists`);
      assert.match(fs.readFileSync(types, 'utf8'), /export \* from '..\/src\/api.js'|export \* from '.\/api.js'/);
    }
    assert.match(fs.readFileSync(path.join(root, 'dist/src/api.d.ts'), 'utf8'), /MemoryMappedFile/);
    assert.ok(fs.existsSync(path.join(root, pkg.exports['.'].browser.default)), 'the browser bundle exists');
    assert.ok(fs.existsSync(path.join(root, 'dist/browser/memmap.wasm')), 'with memmap.wasm next to it');
  });
});
