/**
 * memmap for browsers: the wasm backend with OPFS-backed persisted maps (in
 * dedicated workers) and SharedArrayBuffer non-persisted maps (cross-origin
 * isolated pages and their workers). Same API as on Node; the factories are
 * async (the ...Sync ones work for non-persisted maps, and for nothing that
 * opens a file).
 *
 * @module
 */
import { registerBackend } from '../src/memory-mapped-file.js';
import { createWasmBackend } from '../wasm/backend.js';
import { browserPlatform } from './platform.js';

const wasmBackend = createWasmBackend(browserPlatform);
registerBackend(wasmBackend, () => wasmBackend.unavailable());

export * from '../src/api.js';
export { configure, ready, sharedArena, useSharedArena, type BrowserOptions } from './platform.js';

// What only browsers have (see src/platform-types.ts): an OPFS file handle as the file.
declare module '../src/platform-types.js' {
  interface FileTargets {
    handle: FileSystemFileHandle;
  }
}
