// The source build of the native addon, with plain CMake and a C/C++ compiler:
// Node-API's headers come from the node-api-headers package and node-addon-api's
// from node-addon-api (both dependencies of memmap), so nothing is downloaded
// and no cmake-js is needed. Builds in build/native and puts the addon where
// memmap looks for a local build: build/Release/memmap_native.node.
//
//   node scripts/build-native.mjs        what `npm install` does (scripts/install.mjs)
//                                        when no prebuilt binary fits, or when
//                                        MEMMAP_BUILD_FROM_SOURCE=1
// Exits non-zero, with CMake's output, when the build fails.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'build/native');

function run(args, quiet) {
  const r = spawnSync('cmake', args, { cwd: root, encoding: 'utf8' });
  if (r.error) throw new Error(`cmake could not run (${r.error.message}); install CMake 3.16 or later`);
  if (r.status !== 0) throw new Error(`cmake ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  if (!quiet) process.stdout.write(r.stdout);
}

/** Builds the addon; returns its path. `quiet`: CMake's output only when it fails. */
export function buildNative({ quiet = false } = {}) {
  const ninja = spawnSync('ninja', ['--version']).status === 0;
  run(['-S', root, '-B', dir, ...(ninja ? ['-G', 'Ninja'] : []), '-DCMAKE_BUILD_TYPE=Release', '-DMM_NODE_ADDON=ON'], quiet);
  run(['--build', dir, '--config', 'Release'], quiet);
  const built = [join(dir, 'node/memmap_native.node'), join(dir, 'node/Release/memmap_native.node')].find(existsSync);
  if (!built) throw new Error(`the build made no addon in ${dir}/node`);
  const target = join(root, 'build/Release/memmap_native.node');
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(built, target);
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(buildNative());
  } catch (err) {
    console.error(err.message);
    process.exitCode = 1;
  }
}
