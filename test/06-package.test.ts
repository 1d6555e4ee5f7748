/** The built bundle (dist/) loads from ESM and from CommonJS and maps a file; the packed tarball holds what it needs. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from './support/files.js';
import { packedTarball, root, sh, tarballFiles } from './support/package.js';

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

  it('declares its types for Node (ESM and CommonJS) and for browsers', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const dot = pkg.exports['.'];
    const declarations = [dot.browser.types, dot.node.import.types, dot.node.require.types, dot.types, pkg.types];
    for (const types of declarations) {
      assert.ok(fs.existsSync(path.join(root, types)), `${types} exists`);
      assert.match(fs.readFileSync(path.join(root, types), 'utf8'), /export \* from '(\.\.\/src|\.)\/api\.js'/);
    }
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, 'dist/types-cjs/package.json'), 'utf8')), { type: 'commonjs' });
    assert.match(fs.readFileSync(path.join(root, 'dist/types/src/api.d.ts'), 'utf8'), /MemoryMappedFile/);
    assert.ok(fs.existsSync(path.join(root, dot.browser.default)), 'the browser bundle exists');
    assert.ok(fs.existsSync(path.join(root, 'dist/browser/memmap.wasm')), 'with memmap.wasm next to it');
  });

  it("MemmapError is one class for the ESM and CommonJS copies: each one's errors are instanceof the other", () => {
    const file = tmp.file('identity.bin');
    fs.writeFileSync(file, 'x');
    const code = `import { createRequire } from 'node:module';
      const esm = await import(${JSON.stringify(path.join(root, 'dist/index.mjs'))});
      const cjs = createRequire(import.meta.url)(${JSON.stringify(path.join(root, 'dist/index.cjs'))});
      const thrown = (M) => { try { M.MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { mode: 'createNew', capacity: 1 }); } catch (e) { return e; } };
      const fromEsm = thrown(esm), fromCjs = thrown(cjs);
      console.log(JSON.stringify([esm.MemmapError !== cjs.MemmapError, fromCjs instanceof esm.MemmapError, fromEsm instanceof cjs.MemmapError,
        fromCjs instanceof cjs.MemmapError, fromCjs.code, new Error('x') instanceof esm.MemmapError, null instanceof cjs.MemmapError,
        Object.keys(fromEsm).includes('undefined')]));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', cwd: tmp.dir });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [true, true, true, true, 'EEXIST', false, false, false]);
  });
});

describe('the packed tarball', function () {
  this.timeout(600000);
  const tmp = makeTempDir('memmap-pack-');
  after(() => tmp.cleanup());

  it('installs into an empty project, building its addon from source when MEMMAP_BUILD_FROM_SOURCE=1 (CMake, headers from node-api-headers, no cmake-js), and maps a file from ESM and CommonJS on both backends', () => {
    const tarball = packedTarball();
    const project = path.join(tmp.dir, 'app');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    sh('npm', ['install', '--no-audit', '--no-fund', tarball], project, { env: { MEMMAP_BUILD_FROM_SOURCE: '1' } });
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
    const wasm = { env: { MEMMAP_BACKEND: 'wasm' } };
    assert.equal(sh(process.execPath, ['--input-type=module', '-e', esm], project), 'native');
    assert.equal(sh(process.execPath, ['-e', cjs], project), 'native');
    assert.equal(sh(process.execPath, ['--input-type=module', '-e', esm], project, wasm), 'wasm');
    assert.equal(sh(process.execPath, ['-e', cjs], project, wasm), 'wasm');
    assert.equal(fs.readFileSync(file).readUint32LE(100), 4, 'four increments, two per backend, reached the file');
  });

  it('ships every source its maps name, its LICENSE and package metadata; the browser parts name nothing outside the package', () => {
    const tarball = packedTarball();
    const files = new Set(tarballFiles(tarball));
    const unpacked = path.join(tmp.dir, 'unpacked');
    fs.mkdirSync(unpacked);
    sh('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], root);
    const maps = [...files].filter((f) => f.endsWith('.map'));
    assert.deepEqual(maps.sort(), ['dist/browser/memmap.mjs.map', 'dist/index.cjs.map', 'dist/index.mjs.map']);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(fs.readFileSync(path.join(unpacked, map), 'utf8')) as { sources: string[]; sourcesContent: string[] };
      assert.ok(sources.length > 10, `${map} names its sources`);
      for (const [i, source] of sources.entries()) {
        const shipped = path.posix.normalize(path.posix.join(path.posix.dirname(map), source));
        assert.ok(files.has(shipped), `${map} names ${source}, which the package ships (${shipped})`);
        assert.equal(sourcesContent[i], fs.readFileSync(path.join(unpacked, shipped), 'utf8'), `${map} carries ${shipped} as it is`);
      }
    }
    assert.match(fs.readFileSync(path.join(unpacked, 'LICENSE'), 'utf8'), /^MIT License/);
    const pkg = JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8'));
    assert.equal(pkg.license, 'MIT');
    assert.ok(pkg.keywords.includes('mmap') && pkg.keywords.includes('opfs'), 'keywords');
    // Bundlers resolve every `new URL(x, import.meta.url)`: the browser bundle may name only its neighbour.
    const bundle = fs.readFileSync(path.join(unpacked, 'dist/browser/memmap.mjs'), 'utf8');
    assert.deepEqual([...bundle.matchAll(/new URL\(([^,]+), import\.meta\.url\)/g)].map((m) => m[1]), ["'./memmap.wasm'"]);
    // The browser declarations (everything dist/types/browser/index.d.ts reaches) import no node: module.
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(path.join(unpacked, file), 'utf8');
      assert.doesNotMatch(text, /from 'node:/, `${file} imports a node: module`);
      for (const m of text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) visit(path.posix.join(path.posix.dirname(file), `${m[1]}.d.ts`));
    };
    visit(pkg.exports['.'].browser.types.replace(/^\.\//, ''));
    assert.ok(seen.size > 5, `the browser declarations reach ${seen.size} files`);
  });
});
