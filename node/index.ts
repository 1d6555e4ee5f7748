/**
 * memmap — memory-mapped files and shared memory as plain bytes.
 *
 * This is the Node entry point: it registers the native backend (real mmap)
 * and, as the fallback, the wasm backend (the core compiled to WebAssembly,
 * with a page cache over node:fs), the Node stream conversions, and exports
 * the API.
 *
 * @module
 */
import type { Readable, Writable } from 'node:stream';
import { nativeBackend, nativeUnavailable } from './backend.js';
import { createWasmBackend } from '../wasm/backend.js';
import { nodeWasmPlatform } from '../wasm/node-platform.js';
import { registerChannelStreams } from '../src/channel.js';
import { channelStreamFactory } from './channel-streams.js';
import { registerBackend, registerFallbackNotice } from '../src/registry.js';
import { nodeStreamFactory } from './streams.js';
import { registerNodeStreams } from '../src/view-stream.js';

const wasmBackend = createWasmBackend(nodeWasmPlatform);
registerBackend(nativeBackend, nativeUnavailable);
registerBackend(wasmBackend, () => wasmBackend.unavailable());
registerNodeStreams(nodeStreamFactory);
registerChannelStreams(channelStreamFactory);
// Where a user looks: one line on stderr, on the first map that falls back to wasm.
registerFallbackNotice((backend, reasons) => {
  if (process.env.MEMMAP_QUIET) return;
  process.stderr.write(
    `memmap: using the ${backend} backend; ${reasons.join('; ')}. On ${backend}, named maps reach only this ` +
      "process's threads (not other processes) and files are paged through a cache in this process. " +
      `(MEMMAP_BACKEND=${backend} chooses it without this notice; MEMMAP_QUIET=1 silences it.)\n`,
  );
});

export * from '../src/api.js';

// What only Node has (see platform-types.ts): file: URLs as files, and Node's streams.
declare module '../src/platform-types.js' {
  interface FileTargets {
    url: URL;
  }
  interface NodeStreams {
    readable: Readable;
    writable: Writable;
  }
}
