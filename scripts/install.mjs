// npm's install step. memmap ships prebuilt addons (prebuilds/, see
// scripts/prebuild.mjs) and uses them with no install step at all, so this
// script matters only where none fits:
//   - a prebuilt binary for this platform that loads here: nothing to do;
//   - none (another platform, an older glibc), or MEMMAP_BUILD_FROM_SOURCE=1:
//     build the addon from source (scripts/build-native.mjs: CMake and a C/C++
//     compiler, headers from the installed node-api-headers, nothing
//     downloaded);
//   - MEMMAP_SKIP_NATIVE_BUILD=1: nothing.
// It never fails the install: when no addon can be had, it says so once and
// memmap uses its wasm backend (and says so again, at run time, on stderr).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative } from './build-native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const flag = (name) => process.env[name] !== undefined && process.env[name] !== '' && process.env[name] !== '0';

/** The prebuilt addon for this platform, if the package has one and it loads here. */
function prebuiltLoads() {
  const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const file = ['memmap.glibc.node', 'memmap.node'].map((f) => join(dir, f)).find(existsSync);
  if (!file) return false;
  try {
    createRequire(import.meta.url)(file);
    return true;
  } catch {
    return false;
  }
}

if (flag('MEMMAP_SKIP_NATIVE_BUILD')) {
  console.error('memmap: MEMMAP_SKIP_NATIVE_BUILD is set; no native addon was built.');
} else if (flag('MEMMAP_BUILD_FROM_SOURCE') || !prebuiltLoads()) {
  try {
    buildNative({ quiet: true });
  } catch (err) {
    console.error(
      `memmap: the native addon could not be built from source (${err.message.split('\n')[0]}). ` +
        'memmap will use its wasm backend (no named maps across processes). For the native one, ' +
        'install a C/C++ compiler and CMake and run `npm rebuild memmap`.',
    );
  }
}
process.exit(0);
