/**
 * memmap — memory-mapped files and shared memory as plain bytes.
 *
 * This is the Node entry point: it registers the native backend (real mmap)
 * and the Node stream conversions, and exports the API.
 *
 * @module
 */
import { nativeBackend } from '../node/backend.js';
import { setDefaultBackend } from './memory-mapped-file.js';
import { nodeStreamFactory } from './node-streams.js';
import { registerNodeStreams } from './view-stream.js';

setDefaultBackend(nativeBackend);
registerNodeStreams(nodeStreamFactory);

export { MemoryMappedFile, type CreateFromFileOptions, type SharedMapOptions } from './memory-mapped-file.js';
export { ViewAccessor, type TypedArray } from './view-accessor.js';
export { ViewStream, type StreamConversionOptions } from './view-stream.js';
export { MemmapError, type MemmapErrorCode } from './errors.js';
export type { FileMode, MemoryMappedFileAccess, SeekOrigin, SharedMode } from './types.js';
export type { BackendName } from './backend.js';
