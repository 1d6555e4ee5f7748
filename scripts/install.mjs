// npm's install step: builds the native addon with cmake-js. It never fails the
// install: when the addon cannot be built, memmap says so once here and uses
// its wasm backend (the committed wasm/memmap.wasm) instead; forcing the
// native backend then reports EUNSUPPORTED with the reason.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.MEMMAP_SKIP_NATIVE_BUILD) {
  console.error('memmap: MEMMAP_SKIP_NATIVE_BUILD is set; the native addon was not built.');
  process.exit(0);
}
let cmakeJs;
try {
  cmakeJs = createRequire(join(root, 'package.json')).resolve('cmake-js/bin/cmake-js');
} catch {
  cmakeJs = undefined;
}
const result = cmakeJs
  ? spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build/Release', '--log-level', 'warn'], {
      cwd: root,
      stdio: 'inherit',
    })
  : { status: 1, error: new Error('cmake-js is not installed') };
if (result.status !== 0 || !existsSync(join(root, 'build/Release/memmap_native.node'))) {
  const why = result.error ? result.error.message : `cmake-js exited with ${result.status}`;
  console.error(
    `memmap: the native addon could not be built (${why}). ` +
      'memmap will use its wasm backend. For the native one, install a C/C++ compiler and CMake and run `npm rebuild memmap`.',
  );
}
process.exit(0);
