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
import { registerBackend } from '../src/registry.js';
import { nodeStreamFactory } from './streams.js';
import { registerNodeStreams } from '../src/view-stream.js';

const wasmBackend = createWasmBackend(nodeWasmPlatform);
registerBackend(nativeBackend, nativeUnavailable);
registerBackend(wasmBackend, () => wasmBackend.unavailable());
registerNodeStreams(nodeStreamFactory);
registerChannelStreams(channelStreamFactory);

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
