// Builds wasm/memmap.wasm, the emulated backend's core, with Debian's emscripten.
//
//   node scripts/build-wasm.mjs           build, check, and write wasm/memmap.wasm
//   node scripts/build-wasm.mjs --check   build, check, and fail if the committed
//                                         wasm/memmap.wasm differs from the build
//
// Sources: core/src/*.c, core/src/platform/emulated*.c and unsupported_named.c
// (the platform of this build; posix*.c, win32*.c and stub*.c are left out, as
// core/CMakeLists.txt does under EMSCRIPTEN) and wasm/exports.c. One emcc command line, no CMake: a
// standalone module (-sSTANDALONE_WASM --no-entry) with no emscripten JS glue;
// wasm/loader.ts instantiates it. The storage imports (mm_js_*) are declared
// with import_module/import_name in emulated.c and left undefined at link
// time, so emcc is told not to complain about undefined symbols; this script
// then checks the module's import list against the exact set the loader
// provides, so a misspelt or unexpected import still fails the build.
//
// The output is byte-for-byte reproducible with the same emscripten (the build
// runs from the repository root with relative paths), which --check relies on
// in CI. Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = 'wasm/memmap.wasm';
const check = process.argv.includes('--check');

/** The imports wasm/loader.ts provides; the module must import exactly these. */
const EXPECTED_IMPORTS = [
  'env.mm_js_open',
  'env.mm_js_size',
  'env.mm_js_resize',
  'env.mm_js_close',
  'env.mm_js_unlink',
  'env.mm_js_read',
  'env.mm_js_write',
  'env.mm_js_sync',
  'env.emscripten_notify_memory_growth',
];

/** Exports the loader needs besides the mm_wasm_* functions of wasm/exports.c. */
const REQUIRED_EXPORTS = ['memory', 'malloc', 'free', '_initialize'];

function fail(message) {
  console.error(`build-wasm: ${message}`);
  process.exit(1);
}

function cFiles(dir, filter = () => true) {
  return readdirSync(join(root, dir))
    .filter((name) => name.endsWith('.c') && filter(name))
    .sort()
    .map((name) => `${dir}/${name}`);
}

const sources = [
  ...cFiles('core/src'),
  ...cFiles('core/src/platform', (name) => name.startsWith('emulated') || name === 'unsupported_named.c'),
  'wasm/exports.c',
];

const tmpDir = join(root, 'build/wasm');
mkdirSync(tmpDir, { recursive: true });
const tmpOut = join(tmpDir, 'memmap.wasm');
rmSync(tmpOut, { force: true });

const emcc = process.env.EMCC ?? 'emcc';
const args = [
  '-std=c11',
  '-O3',
  '-Wall',
  '-Wextra',
  '-Wshadow',
  '-Wno-unused-parameter',
  '-Icore/include',
  '-Icore/src',
  ...sources,
  // A reactor module with no JS glue: exports _initialize, imports only what we declare.
  '-sSTANDALONE_WASM',
  '--no-entry',
  // The pager allocates its frames once per map, so memory grows at open and
  // then stays put; start small and allow up to the wasm32 limit.
  '-sALLOW_MEMORY_GROWTH=1',
  '-sINITIAL_MEMORY=1MB',
  '-sMAXIMUM_MEMORY=4GB',
  // The core uses little stack (no recursion, no large locals).
  '-sTOTAL_STACK=64KB',
  // The mm_js_* imports are resolved by the loader; checked below instead.
  '-sERROR_ON_UNDEFINED_SYMBOLS=0',
  '-sWARN_ON_UNDEFINED_SYMBOLS=0',
  '-sEXPORTED_FUNCTIONS=_malloc,_free',
  '-o',
  'build/wasm/memmap.wasm',
];

// Debian's emcc finds its `acorn` through NODE_PATH (DESIGN.md §6).
const nodePath = ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(delimiter);
const env = { ...process.env, NODE_PATH: nodePath };

console.log(`build-wasm: NODE_PATH=${nodePath} ${emcc} ${args.join(' ')}`);
const result = spawnSync(emcc, args, { cwd: root, env, stdio: 'inherit' });
if (result.error) {
  fail(`could not run ${emcc}: ${result.error.message} (install emscripten: apt-get install emscripten)`);
}
if (result.status !== 0) fail(`${emcc} failed (exit ${result.status})`);
if (!existsSync(tmpOut)) fail(`${emcc} produced no ${tmpOut}`);

const bytes = readFileSync(tmpOut);
let module;
try {
  module = new WebAssembly.Module(bytes);
} catch (err) {
  fail(`the built module does not compile: ${err.message}`);
}
const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
const exports = WebAssembly.Module.exports(module).map((e) => e.name);
const unexpected = imports.filter((name) => !EXPECTED_IMPORTS.includes(name));
const missing = EXPECTED_IMPORTS.filter((name) => !imports.includes(name));
if (unexpected.length > 0) fail(`unexpected imports: ${unexpected.join(', ')}`);
if (missing.length > 0) fail(`imports the loader provides but the module lacks: ${missing.join(', ')}`);
const missingExports = REQUIRED_EXPORTS.filter((name) => !exports.includes(name));
if (missingExports.length > 0) fail(`missing exports: ${missingExports.join(', ')}`);

const sha256 = createHash('sha256').update(bytes).digest('hex');
console.log(`build-wasm: ${bytes.length} bytes, sha256 ${sha256}`);
console.log(`build-wasm: imports: ${imports.join(' ')}`);
console.log(`build-wasm: exports: ${exports.join(' ')}`);

const target = join(root, output);
if (check) {
  const committed = existsSync(target) ? readFileSync(target) : null;
  if (committed === null) fail(`${output} is missing; run node scripts/build-wasm.mjs and commit it`);
  if (!committed.equals(bytes)) {
    fail(`${output} is stale (${committed.length} bytes committed, ${bytes.length} built); ` +
      'run node scripts/build-wasm.mjs and commit it');
  }
  console.log(`build-wasm: ${output} is up to date`);
} else {
  renameSync(tmpOut, target);
  chmodSync(target, 0o644); // emcc marks its output executable; the module is data
  console.log(`build-wasm: wrote ${output}`);
}
