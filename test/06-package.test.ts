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

describe('the packed tarball', function () {
  this.timeout(600000);
  const tmp = makeTempDir('memmap-pack-');
  after(() => tmp.cleanup());

  it('installs into an empty project, building its addon from source when MEMMAP_BUILD_FROM_SOURCE=1 (CMake, headers from node-api-headers, no cmake-js), and maps a file from ESM and CommonJS on both backends', () => {
    const sh = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
      assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
      return r.stdout.trim();
    };
    // --ignore-scripts: `prepare` would rebuild dist/ under the suites that are loading it; the
    // runner (scripts/test.mjs) has built it from these sources already.
    const packed = sh('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp.dir], root).split('\n').pop() as string;
    const tarball = path.join(tmp.dir, packed);
    assert.ok(fs.existsSync(tarball), `${tarball} exists`);
    const project = path.join(tmp.dir, 'app');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    sh('npm', ['install', '--no-audit', '--no-fund', tarball], project, { MEMMAP_BUILD_FROM_SOURCE: '1' });
    assert.ok(fs.existsSync(path.join(project, 'node_modules/memmap/build/Release/memmap_native.node')), 'the install step built the addon');
    assert.equal(fs.existsSync(path.join(project, 'node_modules/cmake-js')), false, 'without cmake-js');
    const file = path.join(project, 'data.bin');
    const esm = `import { MemoryMappedFile } from 'memmap';
      const m = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { mode: 'openOrCreate', capacity: 65536 });
      const v = m.createViewAccessorSync(); v.writeUint32(100, v.readUint32(100) + 1); v.flush(); v.close(); m.close();
      console.log(m.backend);`;
    const cjs = `const { MemoryMappedFile } = require('memmap');
      const m = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)});
      const v = m.createViewAccessorSync(); v.writeUint32(100, v.readUint32(100) + 1); v.flush(); v.close(); m.close();
      console.log(m.backend);`;
    assert.equal(sh(process.execPath, ['--input-type=module', '-e', esm], project), 'native');
    assert.equal(sh(process.execPath, ['-e', cjs], project), 'native');
    assert.equal(sh(process.execPath, ['--input-type=module', '-e', esm], project, { MEMMAP_BACKEND: 'wasm' }), 'wasm');
    assert.equal(sh(process.execPath, ['-e', cjs], project, { MEMMAP_BACKEND: 'wasm' }), 'wasm');
    assert.equal(fs.readFileSync(file).readUint32LE(100), 4, 'four increments, two per backend, reached the file');
  });
});
