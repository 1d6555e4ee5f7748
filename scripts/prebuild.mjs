// The prebuilt addons the package ships, so that installing memmap needs no
// compiler and no install script (Node-API 8: one binary per platform serves
// every Node since 12.22):
//
//   prebuilds/linux-x64/memmap.glibc.node     gcc on this machine (glibc)
//   prebuilds/linux-arm64/memmap.glibc.node   cross-compiled: cmake/aarch64-linux-gnu.cmake
//   prebuilds/win32-x64/memmap.node           cross-compiled: cmake/mingw-w64-x86_64.cmake
//
// Each is checked after the build: the right machine, napi_register_module_v1
// exported, and for arm64 no glibc symbol newer than the x64 binary needs.
//
//   node scripts/prebuild.mjs         build, check, print one line per binary
//   import { prebuild, PREBUILDS } from './prebuild.mjs'
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The binaries, by the directory memmap looks in at run time (node/backend.ts). */
export const PREBUILDS = {
  'linux-x64': { file: 'memmap.glibc.node', toolchain: null, strip: 'strip', machine: 'Advanced Micro Devices X86-64' },
  'linux-arm64': { file: 'memmap.glibc.node', toolchain: 'cmake/aarch64-linux-gnu.cmake', strip: 'aarch64-linux-gnu-strip', machine: 'AArch64' },
  'win32-x64': { file: 'memmap.node', toolchain: 'cmake/mingw-w64-x86_64.cmake', strip: 'x86_64-w64-mingw32-strip', machine: 'x86-64' },
};

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The newest GLIBC_x.y a Linux binary needs, as [x, y]. */
function newestGlibc(file) {
  const versions = [...sh('readelf', ['--dyn-syms', '-W', file]).matchAll(/@GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  return versions.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a), [0, 0]);
}

/** What readelf or objdump says about a built binary; throws when it is not what the platform loads. */
function check(target, file) {
  const { machine } = PREBUILDS[target];
  if (target.startsWith('linux')) {
    const header = sh('readelf', ['-h', file]);
    if (!header.includes(`Machine:                           ${machine}`)) throw new Error(`${file}: not ${machine}:\n${header}`);
    if (!/\bnapi_register_module_v1\b/.test(sh('readelf', ['--dyn-syms', '-W', file]).split('\n').filter((l) => / FUNC +GLOBAL +DEFAULT +\d+ /.test(l)).join('\n')))
      throw new Error(`${file} does not export napi_register_module_v1`);
    return { glibc: newestGlibc(file) };
  }
  const headers = sh('x86_64-w64-mingw32-objdump', ['-p', file]);
  if (!/file format pei-x86-64/.test(headers)) throw new Error(`${file}: not a PE32+ x86-64 DLL`);
  if (!/\bnapi_register_module_v1\b/.test(headers.slice(headers.indexOf('[Ordinal/Name Pointer] Table')))) throw new Error(`${file} does not export napi_register_module_v1`);
  const dlls = [...headers.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1].toLowerCase()).sort();
  return { dlls };
}

/** Builds and checks one target; returns { path, bytes, ...facts }. */
export function prebuild(target) {
  const { file, toolchain, strip } = PREBUILDS[target];
  const dir = join(root, 'build/prebuild', target);
  sh('cmake', [
    '-S', root, '-B', dir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release', '-DMM_NODE_ADDON=ON', '-DMM_BUILD_TESTS=OFF',
    ...(toolchain ? [`-DCMAKE_TOOLCHAIN_FILE=${join(root, toolchain)}`] : []),
  ]);
  sh('cmake', ['--build', dir]);
  const out = join(root, 'prebuilds', target, file);
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(join(dir, 'node/memmap_native.node'), out);
  sh(strip, ['--strip-unneeded', out]);
  return { path: out, bytes: statSync(out).size, ...check(target, out) };
}

/** Builds every target; the arm64 binary may need no newer glibc than the x64 one. */
export function prebuildAll() {
  const built = Object.fromEntries(Object.keys(PREBUILDS).map((target) => [target, prebuild(target)]));
  const [x, y] = built['linux-x64'].glibc;
  const [a, b] = built['linux-arm64'].glibc;
  if (a > x || (a === x && b > y)) throw new Error(`the arm64 binary needs GLIBC_${a}.${b}, newer than the x64 binary's GLIBC_${x}.${y}`);
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    for (const [target, info] of Object.entries(prebuildAll())) {
      const needs = info.glibc ? `glibc >= ${info.glibc.join('.')}` : `imports ${info.dlls.join(', ')}`;
      console.log(`${target}: ${info.path} (${info.bytes} bytes; ${needs})`);
    }
  } catch (err) {
    console.error(err.message);
    process.exitCode = 1;
  }
}
