/**
 * The one interface every backend implements. The API classes in this folder
 * hold all the semantics callers see (argument rules, access checks, stream
 * positions); a backend only opens, maps, flushes and closes.
 *
 * A view reaches its bytes in one of two ways:
 *   - direct: `bytes` is one zero-copy Uint8Array over the whole view (native
 *     mmap, SharedArrayBuffer maps);
 *   - paged: `pages` is the port of a page cache (the WASM pager), through
 *     which JS translates a page number to the address of its frame in WASM
 *     memory and reads and writes there (see src/paged.ts).
 *
 * @module
 */
import type { CacheStats, FileMode, MemoryMappedFileAccess, SharedMode } from './types.js';
import type { FileHandleTarget } from './platform-types.js';

/** The name of a backend, as `MemoryMappedFile.backend` reports it. */
export type BackendName = 'native' | 'wasm';

/** Page-cache options of backends that emulate mapping with a pager (WASM). */
export interface PagerOptions {
  /** Bytes per page: a power of two from 4096 to 1 MiB (0 = the backend's default). */
  pageSize: number;
  /** Bytes of cache per map, rounded down to whole pages (0 = the backend's default). */
  cacheSize: number;
}

export interface Backend {
  readonly name: BackendName;
  /**
   * Opens a persisted map (arguments already validated; capacity 0 = file
   * size), named `mapName` for other processes unless it is null.
   */
  openFile(
    path: string,
    mode: FileMode,
    capacity: number,
    access: MemoryMappedFileAccess,
    pager: PagerOptions,
    mapName: string | null,
  ): BackendMap;
  /**
   * The async twin of openFile, for platforms whose files open asynchronously
   * (OPFS access handles in the browser; `target` may then be a
   * FileSystemFileHandle). Absent where openFile is enough.
   */
  openFileAsync?(
    target: string | FileHandleTarget,
    mode: FileMode,
    capacity: number,
    access: MemoryMappedFileAccess,
    pager: PagerOptions,
    mapName: string | null,
  ): Promise<BackendMap>;
  /**
   * Opens a non-persisted map: named (`name`), or anonymous (`null`, mode
   * `createNew` only). Arguments already validated; capacity 0 = the
   * existing map's size (openExisting). A name that stands for a persisted
   * map (openFile with a mapName) opens that map.
   */
  openShared(name: string | null, mode: SharedMode, capacity: number, access: MemoryMappedFileAccess): BackendMap;
}

export interface BackendMap {
  /** The capacity in bytes, resolved (never 0). */
  readonly capacity: number;
  /** View offsets are mapped from a multiple of this; the rest is a view's `pointerOffset`. */
  readonly allocationGranularity: number;
  /** Maps [offset, offset + size) (size resolved, never 0) with `access`. */
  view(offset: number, size: number, access: MemoryMappedFileAccess): BackendView;
  /** Ends the map; views made from it stay valid. Idempotent. */
  close(): void;
  /** The page cache's counters; absent where the OS manages the pages. */
  cacheStats?(): CacheStats;
}

export interface BackendView {
  /** The view's bytes, zero-copy, `byteLength` = the view's size; null for a paged view. */
  readonly bytes: Uint8Array | null;
  /** The page cache of a paged view; null for a direct view. */
  readonly pages: PagePort | null;
  /** The view's first byte, as an offset in the map. */
  readonly offset: number;
  /** The view's size in bytes. */
  readonly size: number;
  /** offset % allocation granularity. */
  readonly pointerOffset: number;
  /** Writes modified pages to the storage and waits. */
  flush(): void;
  /** Ends the view; a direct view's `bytes` are detached (length 0). Idempotent. */
  close(): void;
}

/** WASM memory as JS sees it; both views are replaced when the memory grows. */
export interface MemoryRef {
  u8: Uint8Array;
  dv: DataView;
}

/**
 * `PagePort.frames` of a slot that holds no page: -2^30, a small integer on
 * every V8, and so far below zero that adding an offset in a page leaves it
 * negative (one comparison on the fast path says "not at hand").
 */
export const NO_FRAME = -(2 ** 30);

/**
 * A paged view's port to its page cache (one per pager; the views of a map
 * share it). Page numbers count pages of the map from its first byte.
 */
export interface PagePort {
  readonly pageSize: number;
  readonly memory: MemoryRef;
  /**
   * The translation cache: `tags[page & mask] === page` means that page is
   * resident and pinned at address `frames[page & mask]` in memory, writable
   * when `writable[page & mask]` is 1; `frames` is NO_FRAME in a slot that
   * holds no page. Read directly by the accessors' fast paths; maintained by
   * translate(). When `direct`, every page has a slot of its own (slot =
   * page), so `frames[page] + inPage >= 0` alone says that the page is at
   * hand.
   */
  readonly mask: number;
  readonly direct: boolean;
  readonly tags: Float64Array;
  /** A plain array of small integers: the JIT reads it without a typed array's detach check. */
  readonly frames: number[];
  readonly writable: Uint8Array;
  /**
   * The address of `page`'s frame, making it resident (and writable when
   * asked). Valid until the next call on this port. With `overwrite` (for a
   * writable translation whose caller overwrites the whole page at once), a
   * page missing from the cache is not read from the storage first.
   */
  translate(page: number, writable: boolean, overwrite?: boolean): number;
  /** Pins `page` for longer use (withBytes); returns its frame's address. */
  pin(page: number, writable: boolean): number;
  /** Ends a pin() (pass the address it returned). */
  unpin(address: number, writable: boolean): void;
  /**
   * Reads a whole page that is not in the cache straight from the storage
   * into `dst` (`pageSize` bytes), so that large sequential reads do not
   * cycle every page through the cache; false (nothing read) when the page
   * is cached or the port cannot (a copy-on-write pager).
   */
  readDirect(page: number, dst: Uint8Array): boolean;
}
