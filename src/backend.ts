/**
 * The one interface every backend implements. The API classes in this folder
 * hold all the semantics callers see (argument rules, access checks, stream
 * positions); a backend only opens, maps, flushes and closes.
 *
 * A view reaches its bytes in one of two ways:
 *   - direct: `bytes` is one zero-copy Uint8Array over the whole view (native
 *     mmap, SharedArrayBuffer maps);
 *   - paged: `pages` is the view's port to a page cache (the WASM pager),
 *     through which JS translates a page number to the address of its frame
 *     in WASM memory and reads and writes there (src/paged-accessor.ts,
 *     src/byte-window.ts).
 *
 * @module
 */
import type { CacheStats, FileMode, MemoryMappedFileAccess, SharedMode } from './types.js';
import type { FileHandleTarget } from './platform-types.js';
import type { ViewWaiter } from './wait.js';

/** The name of a backend, as `MemoryMappedFile.backend` reports it. */
export type BackendName = 'native' | 'wasm';

/** Page-cache options of backends that emulate mapping with a pager (WASM). */
export interface PagerOptions {
  /** Bytes per page: a power of two in the core's range (0 = the core's default). */
  pageSize: number;
  /** Frames of cache (0 = the core's default). */
  frames: number;
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
  /**
   * The capacity in bytes, resolved (never 0), as the core sees it now: a
   * named map's follows other holders' grows.
   */
  readonly capacity: number;
  /**
   * Grows the map and its file or memory to `capacity` (a validated index);
   * the core decides what may grow (ERANGE, EACCES, EUNSUPPORTED). Returns
   * the new capacity.
   */
  grow(capacity: number): number;
  /** grow() off the event loop (native: the thread pool); absent where grow() is quick. */
  growAsync?(capacity: number): Promise<number>;
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
  /**
   * Whether stores through `bytes` by a view that cannot write stay private
   * to the view, so that typed arrays over them may be handed out. Native:
   * the core's answer, as the platform mapped the view (mm_view's
   * stores_private: copy-on-write pages, except shared memory on macOS).
   * Absent (false) where they would reach the map: a SharedArrayBuffer
   * cannot be made read-only.
   */
  readonly readStoresPrivate?: boolean;
  /** The page cache of a paged view; null for a direct view. */
  readonly pages: PagePort | null;
  /** The view's first byte, as an offset in the map. */
  readonly offset: number;
  /** The view's size in bytes. */
  readonly size: number;
  /** offset % allocation granularity. */
  readonly pointerOffset: number;
  /** Waits and wakes on the view's words; null where nothing is shared to wait on (paged views). */
  readonly waiter: ViewWaiter | null;
  /**
   * Writes the modified pages of the view's bytes [offset, offset + length)
   * (a range already checked against the view) to the storage and waits.
   */
  flush(offset: number, length: number): void;
  /** flush() without blocking the event loop (native: the thread pool; wasm: slices). */
  flushAsync(offset: number, length: number): Promise<void>;
  /**
   * Advice (an index in ADVICE_VALUES) for the view's bytes [offset, offset
   * + length) (validated; length resolved, never 0 for a non-empty view).
   */
  advise(advice: number, offset: number, length: number): void;
  /** Makes [offset, offset + length) resident without blocking; rejects ECLOSED if the view closes first. */
  prefetch(offset: number, length: number): Promise<void>;
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
 * A paged view's port to its page cache. Page numbers count pages of the
 * file from its first byte; the core decides what a view may do with them.
 */
export interface PagePort {
  readonly pageSize: number;
  readonly memory: MemoryRef;
  /**
   * The translation cache: `tags[page & mask] === page` means that page is
   * held at address `frames[page & mask]` in memory, writable when
   * `writable[page & mask]` is 1; `frames` is NO_FRAME in a slot that holds
   * no page. Read directly by the accessors' fast paths; maintained by the
   * port as the core holds and drops pages. When `direct`, every page of the
   * view has a slot of its own (slot = page), so `frames[page] + inPage >= 0`
   * alone says that the page is at hand.
   */
  readonly mask: number;
  readonly direct: boolean;
  readonly tags: Float64Array;
  /** A plain array of small integers: the JIT reads it without a typed array's detach check. */
  readonly frames: number[];
  readonly writable: Uint8Array;
  /**
   * The address of `page`'s frame, held by the core (writable when asked).
   * Valid until the next call on this port. With `overwrite` (for a writable
   * translation whose caller overwrites the whole page at once), a page
   * missing from the cache is not read from the storage first. -1 when the
   * core holds nothing because it reads at random and the page is not whole
   * in its cache: copy through read() / write(), which load only what they
   * touch.
   */
  translate(page: number, writable: boolean, overwrite?: boolean): number;
  /** Copies src to the view's bytes at pos through the core. */
  write(pos: number, src: Uint8Array): void;
  /** Pins `page` writable for a withBytes() callback; returns its frame's address. */
  lend(page: number): number;
  /** Ends a lend (pass the address it returned); works after the view closed. */
  unlend(address: number): void;
  /**
   * Copies the view's bytes [pos, pos + dst.length) into dst through the
   * core, which reads whole pages missing from its cache straight from the
   * storage into dst (so large reads do not cycle every page through it).
   */
  read(pos: number, dst: Uint8Array): void;
}
