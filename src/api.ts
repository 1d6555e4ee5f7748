/**
 * The public API, the same from every entry point (node/index.ts for Node,
 * browser/index.ts for browsers); each entry registers its platform's
 * backends first.
 *
 * @module
 */
export { MemoryMappedFile, type CreateFromFileOptions, type SharedMapOptions } from './memory-mapped-file.js';
export type { BackendChoice } from './registry.js';
export { ViewAccessor, type TypedArray } from './view-accessor.js';
export type { TypedArrayConstructor } from './array-bytes.js';
export { MapMutex, type MutexGuard } from './map-mutex.js';
export { Channel, type ChannelCreateOptions, type ChannelOptions, type InPlaceMessage } from './channel.js';
export { ViewStream, type StreamConversionOptions } from './view-stream.js';
export { MemmapError, type MemmapErrorCode } from './errors.js';
export type { WaitResult } from './wait.js';
export type { Advice, CacheStats, FileMode, MemoryMappedFileAccess, SeekOrigin, SharedMode } from './types.js';
export type { BackendName } from './backend.js';
export type { FileTarget } from './platform-types.js';
