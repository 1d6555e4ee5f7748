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
import { nativeBackend, nativeUnavailable } from '../node/backend.js';
import { createWasmBackend } from '../wasm/backend.js';
import { nodeWasmPlatform } from '../wasm/node-platform.js';
import { registerChannelStreams } from './channel.js';
import { channelStreamFactory } from './channel-streams.js';
import { registerBackend } from './memory-mapped-file.js';
import { nodeStreamFactory } from './node-streams.js';
import { registerNodeStreams } from './view-stream.js';

const wasmBackend = createWasmBackend(nodeWasmPlatform);
registerBackend(nativeBackend, nativeUnavailable);
registerBackend(wasmBackend, () => wasmBackend.unavailable());
registerNodeStreams(nodeStreamFactory);
registerChannelStreams(channelStreamFactory);

export * from './api.js';

// What only Node has (see platform-types.ts): file: URLs as files, and Node's streams.
declare module './platform-types.js' {
  interface FileTargets {
    url: URL;
  }
  interface NodeStreams {
    readable: Readable;
    writable: Writable;
  }
}
