/**
 * Installing memmap as a user would, from the packed tarball into empty
 * projects, with no compiler on the PATH: the prebuilt addons give the native
 * backend without any install script (npm --ignore-scripts; pnpm, which skips
 * dependencies' scripts by default) and offline. Also: the prebuilt binaries
 * are what each platform loads (readelf/objdump), the Windows one loads in
 * Windows Node under wine from the installed package, browser-only users get
 * no build tools, and a forced source build (MEMMAP_BUILD_FROM_SOURCE=1 npm
 * rebuild memmap) replaces the prebuilt addon.
 *
 * Install times are printed, not asserted (the machine is shared); they go
 * in README.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without declarations
import { PREBUILDS, prebuildAll } from '../scripts/prebuild.mjs';
// @ts-expect-error: a plain .mjs script without declarations
import { missingTools, nodeExe, wineRun, wineStop } from '../scripts/wine.mjs';
import { makeTempDir } from './support/files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npmCli = fs.realpathSync(spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim());
const pnpmCli = path.join(root, 'node_modules/pnpm/bin/pnpm.cjs');
const COMPILERS = ['cc', 'gcc', 'c++', 'g++', 'clang', 'cmake', 'make', 'ninja'];

/** A PATH with node and sh only: no compiler, no CMake. */
function bareBin(dir: string): string {
  const bin = path.join(dir, 'bare-bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  return bin;
}

interface Run {
  status: number;
  out: string;
  seconds: number;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Run {
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300000 });
  return { status: r.status ?? 1, out: `${r.stdout}\n${r.stderr}`, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Which backend memmap chooses in `project` (ESM and CommonJS), and whether it wrote to stderr. */
function backendIn(project: string, env: NodeJS.ProcessEnv): { esm: string; cjs: string; stderr: string } {
  const file = path.join(project, 'data.bin');
  const esm = `import { MemoryMappedFile } from 'memmap';
    const m = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { mode: 'openOrCreate', capacity: 4096 });
    m.close(); console.log(m.backend);`;
  const cjs = `const { MemoryMappedFile } = require('memmap');
    const m = MemoryMappedFile.createNewSync(null, 4096); m.close(); console.log(m.backend);`;
  const a = spawnSync(process.execPath, ['--input-type=module', '-e', esm], { cwd: project, env, encoding: 'utf8' });
  const b = spawnSync(process.execPath, ['-e', cjs], { cwd: project, env, encoding: 'utf8' });
  return { esm: a.stdout.trim() || a.stderr, cjs: b.stdout.trim() || b.stderr, stderr: a.stderr + b.stderr };
}

describe('installing the packed tarball', function () {
  this.timeout(900000);
  const tmp = makeTempDir('memmap-install-');
  after(() => tmp.cleanup());
  let tarball = '';
  let bare: NodeJS.ProcessEnv = {};
  const times: Record<string, number> = {};

  before(() => {
    const built = prebuildAll();
    for (const target of Object.keys(PREBUILDS)) assert.ok(fs.existsSync(built[target].path), `${target} built`);
    // --ignore-scripts: `prepare` would rebuild dist/ under the suites that are loading it, and `prepack`
    // would build the prebuilt binaries again; both are built from these sources already.
    const pack = spawnSync(process.execPath, [npmCli, 'pack', '--ignore-scripts', '--silent', '--pack-destination', tmp.dir], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(pack.status, 0, pack.stderr);
    tarball = path.join(tmp.dir, pack.stdout.trim().split('\n').pop() as string);
    const bin = bareBin(tmp.dir);
    bare = { ...process.env, PATH: bin, npm_config_cache: path.join(tmp.dir, 'npm-cache'), MEMMAP_BACKEND: '' };
    for (const tool of COMPILERS) {
      assert.notEqual(spawnSync('sh', ['-c', `command -v ${tool}`], { env: bare }).status, 0, `${tool} is not on the bare PATH`);
    }
  });

  after(() => {
    console.log(`    install times: ${Object.entries(times).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}`);
  });

  const newProject = (name: string) => {
    const dir = path.join(tmp.dir, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
    return dir;
  };

  it('the tarball carries the prebuilt addons for linux-x64, linux-arm64 and win32-x64', () => {
    const listing = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    for (const [target, { file }] of Object.entries(PREBUILDS as Record<string, { file: string }>)) {
      assert.ok(listing.includes(`package/prebuilds/${target}/${file}`), `${target}/${file} is in the tarball`);
    }
  });

  it('npm install --ignore-scripts, no compiler on the PATH: the native backend from the prebuilt addon', () => {
    const project = newProject('npm-ignore-scripts');
    const r = run(process.execPath, [npmCli, 'install', '--ignore-scripts', '--no-audit', '--no-fund', tarball], project, bare);
    times['npm --ignore-scripts'] = r.seconds;
    assert.equal(r.status, 0, r.out);
    assert.equal(fs.existsSync(path.join(project, 'node_modules/memmap/build')), false, 'nothing was built');
    assert.deepEqual(backendIn(project, bare), { esm: 'native', cjs: 'native', stderr: '' });
  });

  it("browser-only users get no build tools: memmap's installed tree is memmap, node-addon-api and node-api-headers (no cmake-js)", () => {
    const project = path.join(tmp.dir, 'npm-ignore-scripts');
    const installed = fs.readdirSync(path.join(project, 'node_modules')).filter((n) => !n.startsWith('.')).sort();
    assert.deepEqual(installed, ['memmap', 'node-addon-api', 'node-api-headers']);
  });

  it('pnpm with its default settings (dependencies\' install scripts skipped), no compiler: native', () => {
    const project = newProject('pnpm-default');
    const r = run(process.execPath, [pnpmCli, 'add', tarball, '--store-dir', path.join(tmp.dir, 'pnpm-store')], project, bare);
    times['pnpm'] = r.seconds;
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(backendIn(project, bare), { esm: 'native', cjs: 'native', stderr: '' });
  });

  it('offline (npm --offline from a cache holding only the two header packages), install script on, no compiler: native', () => {
    const cache = path.join(tmp.dir, 'offline-cache');
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    const specs = ['node-addon-api', 'node-api-headers'].map((n) => `${n}@${lock.packages[`node_modules/${n}`]?.version}`);
    const fill = run(process.execPath, [npmCli, 'cache', 'add', ...specs, '--cache', cache], tmp.dir, bare);
    assert.equal(fill.status, 0, fill.out);
    const project = newProject('npm-offline');
    const r = run(process.execPath, [npmCli, 'install', '--offline', '--cache', cache, '--no-audit', '--no-fund', tarball], project, bare);
    times['npm --offline'] = r.seconds;
    assert.equal(r.status, 0, r.out);
    assert.equal(fs.existsSync(path.join(project, 'node_modules/memmap/build')), false, 'the install script built nothing');
    assert.deepEqual(backendIn(project, bare), { esm: 'native', cjs: 'native', stderr: '' });
  });

  it('MEMMAP_BUILD_FROM_SOURCE=1 npm rebuild memmap builds from source (offline), and memmap then loads that build', () => {
    const project = path.join(tmp.dir, 'npm-offline');
    const env = { ...process.env, MEMMAP_BUILD_FROM_SOURCE: '1', MEMMAP_BACKEND: '' };
    const r = run(process.execPath, [npmCli, 'rebuild', 'memmap', '--offline', '--cache', path.join(tmp.dir, 'offline-cache')], project, env);
    assert.equal(r.status, 0, r.out);
    const local = path.join(project, 'node_modules/memmap/build/Release/memmap_native.node');
    assert.ok(fs.existsSync(local), 'the source build is in place');
    fs.rmSync(path.join(project, 'node_modules/memmap/prebuilds'), { recursive: true });
    assert.deepEqual(backendIn(project, env), { esm: 'native', cjs: 'native', stderr: '' });
  });

  it('the arm64 binary (readelf): AArch64, exports napi_register_module_v1, needs no newer glibc than the x64 one', () => {
    // prebuildAll() checked these facts and threw otherwise; here they are restated from the files.
    const glibc = (file: string) =>
      [...spawnSync('readelf', ['--dyn-syms', '-W', file], { encoding: 'utf8' }).stdout.matchAll(/@GLIBC_(\d+)\.(\d+)/g)]
        .map((m) => Number(m[1]) * 1000 + Number(m[2]))
        .reduce((a, b) => Math.max(a, b), 0);
    const arm = path.join(root, 'prebuilds/linux-arm64/memmap.glibc.node');
    const x64 = path.join(root, 'prebuilds/linux-x64/memmap.glibc.node');
    assert.match(spawnSync('readelf', ['-h', arm], { encoding: 'utf8' }).stdout, /Machine:\s+AArch64/);
    assert.match(spawnSync('readelf', ['--dyn-syms', '-W', arm], { encoding: 'utf8' }).stdout, /FUNC\s+GLOBAL\s+DEFAULT\s+\d+\s+napi_register_module_v1/);
    assert.ok(glibc(arm) <= glibc(x64), `arm64 needs GLIBC ${glibc(arm)}, x64 ${glibc(x64)}`);
  });

  it('the win32-x64 binary loads in Windows Node 22 (under wine) from the installed package, no compiler: native', function () {
    const missing = missingTools();
    assert.deepEqual(missing, [], `the Windows toolchain is missing: ${missing.join(', ')}`);
    const project = path.join(tmp.dir, 'npm-ignore-scripts');
    const script = `const { MemoryMappedFile } = require('memmap');
      const m = MemoryMappedFile.createNewSync('memmap-install-probe', 4096); const v = m.createViewAccessorSync();
      v.writeInt32(0, 42); console.log(m.backend, v.readInt32(0)); v.close(); m.close();`;
    try {
      const r = wineRun([nodeExe(), '-e', script], { cwd: project, extraEnv: { MEMMAP_BACKEND: '' } });
      assert.equal(r.stdout.trim(), 'native 42', `${r.stdout}\n${r.stderr}`);
    } finally {
      wineStop();
    }
  });
});
