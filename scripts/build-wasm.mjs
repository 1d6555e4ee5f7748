// Builds wasm/memmap.wasm, the emulated backend's core, with Debian's emscripten
// through the project's one CMake build (wasm/CMakeLists.txt under emcmake).
//
//   node scripts/build-wasm.mjs           build, check, and write wasm/memmap.wasm
//   node scripts/build-wasm.mjs --check   build, check, and fail if the committed
//                                         wasm/memmap.wasm differs from the build
//   --source DIR  build the tree at DIR (default: this repository), into DIR/build/wasm
//   --out FILE    write the module to FILE instead of wasm/memmap.wasm
//
// The module's imports are undefined at link time (the loader provides them),
// so this script checks them instead: every import must be one of the core's
// `env.mm_js_*` trampolines or emscripten's memory-growth notice (the exact
// list is wasm/loader.ts's WASM_IMPORTS, which test/10-wasm-core.test.ts
// compares with the module).
//
// The output is byte-for-byte reproducible with the same emscripten, whatever
// the checkout's path, which --check relies on in CI. Exits non-zero on any
// failure.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const option = (name) => (args.includes(name) ? resolve(args[args.indexOf(name) + 1]) : undefined);
const source = option('--source') ?? root;
const target = option('--out') ?? join(root, 'wasm/memmap.wasm');

/** Exports the loader needs besides the mm_wasm_* functions of wasm/exports.c. */
const REQUIRED_EXPORTS = ['memory', 'malloc', 'free', '_initialize'];

function fail(message) {
  console.error(`build-wasm: ${message}`);
  process.exit(1);
}

// Debian's emcc finds its `acorn` through NODE_PATH (DESIGN.md §6).
const nodePath = ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(delimiter);
const env = { ...process.env, NODE_PATH: nodePath };
const buildDir = join(source, 'build/wasm');

function run(cmd, cmdArgs) {
  console.log(`build-wasm: ${cmd} ${cmdArgs.join(' ')}`);
  const result = spawnSync(cmd, cmdArgs, { cwd: source, env, stdio: 'inherit' });
  if (result.error) fail(`could not run ${cmd}: ${result.error.message} (install emscripten, cmake and ninja)`);
  if (result.status !== 0) fail(`${cmd} failed (exit ${result.status})`);
}

run('emcmake', ['cmake', '-S', source, '-B', buildDir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release']);
run('cmake', ['--build', buildDir]);
const built = join(buildDir, 'wasm/memmap.wasm');
if (!existsSync(built)) fail(`the build produced no ${built}`);

const bytes = readFileSync(built);
let module;
try {
  module = new WebAssembly.Module(bytes);
} catch (err) {
  fail(`the built module does not compile: ${err.message}`);
}
const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
const exports = WebAssembly.Module.exports(module).map((e) => e.name);
const unexpected = imports.filter((name) => !/^env\.mm_js_\w+$/.test(name) && name !== 'env.emscripten_notify_memory_growth');
if (unexpected.length > 0) fail(`unexpected imports: ${unexpected.join(', ')}`);
const missingExports = REQUIRED_EXPORTS.filter((name) => !exports.includes(name));
if (missingExports.length > 0) fail(`missing exports: ${missingExports.join(', ')}`);

const sha256 = createHash('sha256').update(bytes).digest('hex');
console.log(`build-wasm: ${bytes.length} bytes, sha256 ${sha256}`);
console.log(`build-wasm: imports: ${imports.join(' ')}`);
console.log(`build-wasm: exports: ${exports.join(' ')}`);

if (check) {
  const committed = existsSync(target) ? readFileSync(target) : null;
  if (committed === null) fail(`${target} is missing; run node scripts/build-wasm.mjs and commit it`);
  if (!committed.equals(bytes)) {
    fail(`${target} is stale (${committed.length} bytes committed, ${bytes.length} built); ` +
      'run node scripts/build-wasm.mjs and commit it');
  }
  console.log(`build-wasm: ${target} is up to date`);
} else {
  copyFileSync(built, target);
  chmodSync(target, 0o644); // emcc marks its output executable; the module is data
  console.log(`build-wasm: wrote ${target}`);
}
