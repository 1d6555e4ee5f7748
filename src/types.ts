/**
 * The vocabulary of the API: access rights and file modes, as in .NET's
 * `MemoryMappedFileAccess` and `FileMode`. The lists and the access rules are
 * the core's (core/include/mm/map.h), read from src/generated/core.ts.
 *
 * @module
 */
import { ACCESS_RULES, ACCESS_VALUES, ADVICE_VALUES, MODE_VALUES, SHARED_MODE_VALUES } from './generated/core.js';

export { ACCESS_VALUES, ADVICE_VALUES, MODE_VALUES, SHARED_MODE_VALUES };

/**
 * Access of a map or a view.
 * - `read`: read only. Stores into a read view's raw `bytes` never reach the
 *   file and never crash the process (the page becomes private), but the
 *   accessor and stream refuse writes with `EACCES`.
 * - `write`: write only (reads through the accessor/stream are refused); views only.
 * - `readWrite`: read and write; writes reach the file / the shared memory.
 * - `copyOnWrite`: read and write, but writes stay private to the view.
 * - `readExecute`, `readWriteExecute`: as `read` / `readWrite`, pages also executable.
 */
export type MemoryMappedFileAccess = (typeof ACCESS_VALUES)[number];

/**
 * How `createFromFile` treats the path.
 * - `open`: the file must exist (`ENOENT`).
 * - `create`: create the file, or replace an existing one (needs write access).
 * - `createNew`: create the file; `EEXIST` if it exists.
 * - `openOrCreate`: open the file if it exists, create it otherwise.
 *
 * .NET's `truncate` and `append` are refused, as in .NET (`create` already replaces a file).
 */
export type FileMode = (typeof MODE_VALUES)[number];

/** How a non-persisted map is opened: `createNew`, `createOrOpen` or `openExisting`. */
export type SharedMode = (typeof SHARED_MODE_VALUES)[number];

/**
 * How a view's pages will be used (`ViewAccessor.advise`); a hint that never
 * changes what the view reads or writes.
 * - `normal`: no special treatment (the default).
 * - `sequential`: read in ascending order; read ahead.
 * - `random`: read in no order; a miss reads no more than it needs.
 * - `willNeed`: the range will be read soon; start loading it.
 * - `dontNeed`: the range will not be needed soon; its memory may go (written
 *   bytes are never dropped).
 */
export type Advice = (typeof ADVICE_VALUES)[number];

/** Where `seek` counts from. */
export type SeekOrigin = 'begin' | 'current' | 'end';

/**
 * The page cache of a paged map (the wasm backend's persisted maps), from
 * `MemoryMappedFile.cacheStats()`. Counters run from the map's first view;
 * `resident`, `dirty` and `pinned` are pages now. Copy-on-write views of a
 * map that is not itself copy-on-write have private caches of their own,
 * which these figures leave out.
 */
export interface CacheStats {
  /** Bytes per page (the map's `pageSize`). */
  pageSize: number;
  /** The most pages the cache holds (its `cacheSize` / `pageSize`). */
  frames: number;
  /**
   * Page requests the cache answered without reading the file (typed reads
   * and writes of a page an accessor already holds never reach the cache, and
   * count nowhere).
   */
  hits: number;
  /**
   * Page requests that needed a frame: the page was loaded from the file, or
   * not loaded because a bulk write was about to overwrite all of it.
   */
  misses: number;
  /** Pages pushed out of the cache to make room (dirty ones written back first). */
  evictions: number;
  /**
   * Reads of the file: pages loaded into the cache, and whole uncached pages
   * that bulk reads copied straight from the file.
   */
  storageReads: number;
  /** Writes of pages to the file (write-backs on eviction, flush and close). */
  storageWrites: number;
  /** Flushes of the file to its storage. */
  storageFlushes: number;
  /** Pages in the cache now. */
  resident: number;
  /** Pages in the cache now with changes the file lacks. */
  dirty: number;
  /** Pages pinned now: those the accessors keep at hand, and withBytes() callbacks in progress. */
  pinned: number;
}

/** Whether an access lets the accessor and stream read. */
export function accessCanRead(access: MemoryMappedFileAccess): boolean {
  return ACCESS_RULES[access].reads;
}

/** Whether an access lets the accessor and stream write. */
export function accessCanWrite(access: MemoryMappedFileAccess): boolean {
  return ACCESS_RULES[access].writes;
}

/**
 * Whether a view with `view` access may be made from a map opened with `map`
 * access (for maps that have no core object: SharedArrayBuffer maps). A
 * read-only map still allows copy-on-write views.
 */
export function accessAllows(map: MemoryMappedFileAccess, view: MemoryMappedFileAccess): boolean {
  return (ACCESS_RULES[map].views as readonly MemoryMappedFileAccess[]).includes(view);
}
