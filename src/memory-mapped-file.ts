/**
 * MemoryMappedFile: the entry point, as .NET's `MemoryMappedFile`. A map is
 * made by a static factory — `createFromFile` (persisted: a file on disk) or
 * `createNew` / `createOrOpen` / `openExisting` (non-persisted: shared memory,
 * named or anonymous) — and makes views (accessors and streams); it maps
 * nothing itself. Closing a map ends no view already made from it (as in
 * .NET): it only stops new views.
 *
 * Factories return Promises; on Node each has a synchronous `...Sync` twin.
 *
 * @module
 */
import type { Backend, BackendMap, BackendName, PagerOptions } from './backend.js';
import { checkBackendName, chooseBackend, fallbackInEffect, type BackendChoice } from './registry.js';
import { disposeSymbol } from './dispose.js';
import type { FileHandleTarget, FileTarget } from './platform-types.js';
import { MemmapError, closedError, rangeError, typeError } from './errors.js';
import { PAGER_LIMITS } from './generated/core.js';
import type { CacheStats, FileMode, MemoryMappedFileAccess, SharedMode } from './types.js';
import {
  checkAccess,
  checkCreatingAccess,
  checkIndex,
  checkMapName,
  checkMode,
  checkOptions,
  describe,
} from './validate.js';
import { PagedViewAccessor } from './paged-accessor.js';
import { DirectViewAccessor, type ViewAccessor } from './view-accessor.js';
import { ViewStream } from './view-stream.js';

/** Options of {@link MemoryMappedFile.createFromFile}. */
export interface CreateFromFileOptions {
  /** How to treat the path (default `open`). */
  mode?: FileMode;
  /**
   * Bytes to map; 0 (the default) means the file's size. Above the file's size
   * the file grows (needs a writable access); below it is `ERANGE`; 0 on an
   * empty file is `EINVAL`.
   */
  capacity?: number;
  /** The map's access (default `readWrite`). `write` alone is refused (`EINVAL`), as in .NET. */
  access?: MemoryMappedFileAccess;
  /**
   * Names the map, so that other processes open the same file's map with
   * `openExisting(mapName)` (or `createOrOpen`), with the same capacity, for
   * as long as any holder lives (crashes included). Names are one namespace
   * with the non-persisted maps: a live name is `EEXIST`, decided before the
   * file changes. Native backend only (`EUNSUPPORTED` on wasm). On Windows it
   * is a named section over the file, as in .NET; on Linux and macOS memmap
   * records the file's identity under the name, and an opener whose path now
   * leads to another file (the file was replaced) gets `ESTALE`.
   */
  mapName?: string | null;
  /** Which backend holds the map (default: see {@link BackendChoice}). */
  backend?: BackendName;
  /**
   * Paged backends (wasm): bytes per page, a power of two from 4096 to 1 MiB
   * (default 65536). Ignored by the native backend, where the OS pages. The
   * maps of one file in a thread share one page cache: a map of a file that
   * is already open uses that cache's page size and size.
   */
  pageSize?: number;
  /**
   * Paged backends (wasm): bytes of page cache for this map's file, from 4 to
   * 2^24 pages (default 16 MiB), rounded down to whole pages. The cache is
   * allocated once when the file's first map opens. Ignored by the native
   * backend.
   */
  cacheSize?: number;
}

/** Options of the non-persisted factories (`createNew`, `createOrOpen`, `openExisting`). */
export interface SharedMapOptions {
  /**
   * The map's access (default `readWrite`). A `read` opener cannot write: its
   * accessors and streams refuse writes with `EACCES`, and views wider than
   * the map's access are `EACCES`. `write` alone cannot create a map
   * (`EINVAL`): `createNew` refuses it, and `createOrOpen` only joins a live
   * map with it.
   */
  access?: MemoryMappedFileAccess;
  /** Which backend holds the map (default: see {@link BackendChoice}). */
  backend?: BackendName;
}

/** pageSize and cacheSize, checked against the core's limits (src/generated/core.ts); 0 for the core's defaults. */
function checkPagerOptions(opts: Record<string, unknown>): PagerOptions {
  const { minPageSize, maxPageSize, defaultPageSize, minFrames, maxFrames } = PAGER_LIMITS;
  let pageSize = 0;
  let frames = 0;
  if (opts.pageSize !== undefined) {
    pageSize = checkIndex(opts.pageSize, 'pageSize');
    if (pageSize < minPageSize || pageSize > maxPageSize || (pageSize & (pageSize - 1)) !== 0) {
      throw rangeError(`pageSize must be a power of two from ${minPageSize} to ${maxPageSize}, got ${pageSize}`);
    }
  }
  if (opts.cacheSize !== undefined) {
    const cacheSize = checkIndex(opts.cacheSize, 'cacheSize');
    const page = pageSize || defaultPageSize;
    frames = Math.floor(cacheSize / page);
    if (frames < minFrames || frames > maxFrames) {
      throw rangeError(
        `cacheSize must hold from ${minFrames} to ${maxFrames} pages of ${page} bytes (${minFrames * page} to ${maxFrames * page} bytes), got ${cacheSize}`,
      );
    }
  }
  return { pageSize, frames };
}

/** The option names of createFromFile (an unknown one is an error, not ignored). */
const FILE_OPTIONS = ['mode', 'capacity', 'access', 'mapName', 'backend', 'pageSize', 'cacheSize'] as const;
/** The option names of the non-persisted factories. */
const SHARED_OPTIONS = ['access', 'backend'] as const;

/** A FileSystemFileHandle (browser), recognised by shape so that Node needs no DOM types at run time. */
function isFileHandle(value: unknown): value is FileHandleTarget {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'file' &&
    typeof (value as { getFile?: unknown }).getFile === 'function';
}

function checkPath(path: unknown): string | FileHandleTarget {
  if (isFileHandle(path)) return path;
  if (path instanceof URL) {
    if (path.protocol !== 'file:') throw typeError(`path must be a file: URL, got ${path.protocol}`);
    path = decodeURIComponent(path.pathname);
  }
  if (typeof path !== 'string') throw typeError(`path must be a string or a file: URL, got ${describe(path)}`);
  if (path.length === 0) throw typeError('path must not be empty');
  if (path.includes('\0')) throw typeError('path must not contain NUL bytes');
  return path;
}

export class MemoryMappedFile {
  /** The map's access. */
  readonly access: MemoryMappedFileAccess;
  /** The backend that holds the map: `native` (real mmap) or `wasm` (page cache / SharedArrayBuffer). */
  readonly backend: BackendName;
  /** The map's name (`null` for an anonymous map and an unnamed persisted one). */
  readonly mapName: string | null;
  /**
   * The file's path as given to createFromFile (its name for a
   * FileSystemFileHandle); `null` for a non-persisted map and for a map
   * opened by name.
   */
  readonly path: string | null;

  #map: BackendMap;
  #granularity: number;
  #closed = false;
  /** The capacity when last asked (what `capacity` says once closed, or while a grow runs). */
  #capacity: number;
  /** A grow() in flight: the backend map is its alone until it settles. */
  #growing: Promise<void> | null = null;

  private constructor(
    map: BackendMap,
    backend: Backend,
    path: string | null,
    mapName: string | null,
    access: MemoryMappedFileAccess,
  ) {
    this.#map = map;
    this.#granularity = map.allocationGranularity;
    this.#capacity = map.capacity;
    this.access = access;
    this.backend = backend.name;
    this.mapName = mapName;
    this.path = path;
  }

  /**
   * Maps a file on disk (a persisted map). See {@link CreateFromFileOptions}
   * for modes and capacity rules. A file this call created is removed again
   * when the call fails; an existing file is never changed by a failed call.
   *
   * Errors: `ENOENT` (mode `open`, no file), `EEXIST` (mode `createNew`, file
   * exists), `EISDIR`, `EACCES` (permissions, or growing a read-only map),
   * `ERANGE` (capacity below the file's size), `EINVAL` (empty file with
   * capacity 0, `write` access), `EEXIST` (mapName is a live map's name),
   * `EUNSUPPORTED` (mapName on the wasm backend), `EFBIG`/`ENOSPC`.
   *
   * @example
   * ```ts
   * using map = await MemoryMappedFile.createFromFile('data.bin', { mode: 'openOrCreate', capacity: 1 << 20 });
   * using view = map.createViewAccessorSync();
   * view.writeInt32(0, 42);
   * ```
   */
  static async createFromFile(
    path: FileTarget,
    options?: CreateFromFileOptions,
  ): Promise<MemoryMappedFile> {
    const [target, mode, capacity, access, pager, name, backend] = MemoryMappedFile.#fileArguments(path, options);
    if (backend.openFileAsync) {
      const map = await backend.openFileAsync(target, mode, capacity, access, pager, name);
      return new MemoryMappedFile(map, backend, typeof target === 'string' ? target : target.name, name, access);
    }
    if (typeof target !== 'string') throw typeError('path must be a string or a file: URL on this platform');
    return new MemoryMappedFile(backend.openFile(target, mode, capacity, access, pager, name), backend, target, name, access);
  }

  /** The synchronous twin of {@link MemoryMappedFile.createFromFile} (Node). */
  static createFromFileSync(path: string | URL, options?: CreateFromFileOptions): MemoryMappedFile {
    const [target, mode, capacity, access, pager, name, backend] = MemoryMappedFile.#fileArguments(path, options);
    if (typeof target !== 'string') throw typeError('createFromFileSync takes a path; use createFromFile for a file handle');
    return new MemoryMappedFile(backend.openFile(target, mode, capacity, access, pager, name), backend, target, name, access);
  }

  /**
   * Validates every argument first, then checks the environment (the
   * backend's availability), as .NET does, so that a bad call gives the same
   * error whatever the machine's state.
   */
  static #fileArguments(
    path: unknown,
    options: unknown,
  ): [string | FileHandleTarget, FileMode, number, MemoryMappedFileAccess, PagerOptions, string | null, Backend] {
    const target = checkPath(path);
    const opts = checkOptions(options, 'options', FILE_OPTIONS);
    const mode = opts.mode === undefined ? 'open' : checkMode(opts.mode);
    const capacity = opts.capacity === undefined ? 0 : checkIndex(opts.capacity, 'capacity');
    const access = checkCreatingAccess(opts.access === undefined ? 'readWrite' : checkAccess(opts.access));
    const name = opts.mapName === undefined || opts.mapName === null ? null : checkMapName(opts.mapName);
    const pager = checkPagerOptions(opts);
    const requested = checkBackendName(opts.backend);
    return [target, mode, capacity, access, pager, name, chooseBackend(requested)];
  }

  /** Opens a non-persisted map: the options are validated, then the backend is chosen. */
  static #openShared(mode: SharedMode, mapName: string | null, capacity: number, options: unknown): MemoryMappedFile {
    const opts = checkOptions(options, 'options', SHARED_OPTIONS);
    let access = opts.access === undefined ? 'readWrite' : checkAccess(opts.access);
    if (mode === 'createNew') access = checkCreatingAccess(access);
    const backend = chooseBackend(checkBackendName(opts.backend));
    try {
      return new MemoryMappedFile(backend.openShared(mapName, mode, capacity, access), backend, null, mapName, access);
    } catch (err) {
      // A map this backend cannot reach, on a fallback: say why the preferred backend is unavailable.
      const fallback = fallbackInEffect();
      if (err instanceof MemmapError && err.code === 'EUNSUPPORTED' && fallback !== null && opts.backend === undefined) {
        throw new MemmapError('EUNSUPPORTED', `${err.message.replace(/^EUNSUPPORTED: /, '')} (${fallback.join('; ')})`);
      }
      throw err;
    }
  }

  static #checkCapacity(capacity: unknown): number {
    const n = checkIndex(capacity, 'capacity');
    if (n === 0) throw rangeError('capacity must be at least 1 byte');
    return n;
  }

  /**
   * Creates a non-persisted map of `capacity` zeroed bytes. A name makes it a
   * named map that any process on the machine can open (native: the POSIX
   * shared-memory object `/<mapName>`, data at offset 0, no header); `null`
   * makes an anonymous map for this process. The data lives while any holder
   * (in any process) has the map or one of its views open, and is gone after
   * the last close — also when holders crash.
   *
   * Errors: `EEXIST` (a live map has the name), `ERANGE` (capacity 0),
   * `ENAMETOOLONG`, `EINVAL` (bad name), `ENOSPC` (no shared memory left).
   *
   * @example
   * ```ts
   * using map = await MemoryMappedFile.createNew('jobs', 1 << 20);
   * using view = map.createViewAccessorSync();
   * Atomics.add(new Int32Array(view.bytes.buffer, view.bytes.byteOffset, 1), 0, 1);
   * ```
   */
  static async createNew(mapName: string | null, capacity: number, options?: SharedMapOptions): Promise<MemoryMappedFile> {
    return MemoryMappedFile.createNewSync(mapName, capacity, options);
  }

  /** The synchronous twin of {@link MemoryMappedFile.createNew} (Node). */
  static createNewSync(mapName: string | null, capacity: number, options?: SharedMapOptions): MemoryMappedFile {
    const name = mapName === null ? null : checkMapName(mapName);
    return MemoryMappedFile.#openShared('createNew', name, MemoryMappedFile.#checkCapacity(capacity), options);
  }

  /**
   * Opens the live named map `mapName`, or creates it with `capacity` zeroed
   * bytes when there is none. An existing map smaller than `capacity` is
   * `ERANGE`; a larger one is mapped up to `capacity`.
   */
  static async createOrOpen(mapName: string, capacity: number, options?: SharedMapOptions): Promise<MemoryMappedFile> {
    return MemoryMappedFile.createOrOpenSync(mapName, capacity, options);
  }

  /** The synchronous twin of {@link MemoryMappedFile.createOrOpen} (Node). */
  static createOrOpenSync(mapName: string, capacity: number, options?: SharedMapOptions): MemoryMappedFile {
    const name = checkMapName(mapName);
    return MemoryMappedFile.#openShared('createOrOpen', name, MemoryMappedFile.#checkCapacity(capacity), options);
  }

  /**
   * Opens the live named map `mapName` with its full capacity. `ENOENT` when
   * there is none — including when its last holders crashed (the stale object
   * is removed then).
   */
  static async openExisting(mapName: string, options?: SharedMapOptions): Promise<MemoryMappedFile> {
    return MemoryMappedFile.openExistingSync(mapName, options);
  }

  /** The synchronous twin of {@link MemoryMappedFile.openExisting} (Node). */
  static openExistingSync(mapName: string, options?: SharedMapOptions): MemoryMappedFile {
    return MemoryMappedFile.#openShared('openExisting', checkMapName(mapName), 0, options);
  }

  /** Whether close() has run. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The map's capacity in bytes. A named map's capacity follows its name:
   * after another holder (in any process) grows it, the next read here
   * says the new size. Once the map is closed, the last capacity it had.
   */
  get capacity(): number {
    if (!this.#closed && this.#growing === null) this.#capacity = this.#map.capacity;
    return this.#capacity;
  }

  /**
   * Grows the map, and its file or shared memory, to `capacity` bytes. Views
   * already made keep working, unchanged; views made afterwards may reach
   * the new bytes (zeros). The same capacity does nothing. For a named map,
   * every holder sees the new capacity on its next `capacity` read or view.
   * The file is only ever made longer, under a lock, so holders growing it
   * at once never cut each other. On the native backend the file grows on
   * the thread pool; until the Promise settles, the map's synchronous
   * methods are `EBUSY` and close() waits for it.
   *
   * Errors: `ERANGE` (below the capacity; also a bad number), `EACCES` (a
   * map whose writes do not reach its file or memory: `read`,
   * `copyOnWrite`, `readExecute`; another program's shared-memory object),
   * `ECLOSED`, `EBUSY` (a grow in flight), `EFBIG`/`ENOSPC` (the file
   * system; shared memory beyond what the system can back), `EUNSUPPORTED`
   * where the platform fixes the size (see docs/API.md: Windows named and
   * anonymous maps, macOS shared memory, the wasm backend's
   * SharedArrayBuffer maps).
   *
   * @example
   * ```ts
   * using map = await MemoryMappedFile.createFromFile('log.bin', { mode: 'openOrCreate', capacity: 4096 });
   * await map.grow(map.capacity + 4096);
   * using tail = map.createViewAccessorSync(4096);
   * tail.writeUint8(0, 1);
   * ```
   */
  async grow(capacity: number): Promise<void> {
    const n = checkIndex(capacity, 'capacity');
    this.#checkIdle();
    if (!this.#map.growAsync) {
      this.#capacity = this.#map.grow(n);
      return;
    }
    const growing = this.#map.growAsync(n).then((grown) => {
      this.#capacity = grown;
    });
    this.#growing = growing.then(
      () => this.#settled(),
      () => this.#settled(),
    );
    return growing;
  }

  /** The synchronous twin of {@link MemoryMappedFile.grow}. */
  growSync(capacity: number): void {
    const n = checkIndex(capacity, 'capacity');
    this.#checkIdle();
    this.#capacity = this.#map.grow(n);
  }

  /** ECLOSED once closed, EBUSY while a grow is in flight. */
  #checkIdle(): void {
    if (this.#closed) throw closedError('memory-mapped file');
    if (this.#growing !== null) {
      throw new MemmapError('EBUSY', 'the map is growing: await its grow() before using it');
    }
  }

  /** A grow settled: the map is free again, and a close() made meanwhile happens now. */
  #settled(): void {
    this.#growing = null;
    if (this.#closed) this.#map.close();
  }

  /** View offsets are mapped from a multiple of this; the rest is a view's `pointerOffset`. */
  get allocationGranularity(): number {
    return this.#granularity;
  }

  /** Validates a view's arguments, then the map's state, then the range (.NET's order). */
  #resolveView(offset: unknown, size: unknown, access: unknown): [number, number, MemoryMappedFileAccess] {
    const off = checkIndex(offset, 'offset');
    const len = checkIndex(size, 'size');
    const acc = access === undefined ? this.access : checkAccess(access);
    this.#checkIdle();
    if (off >= this.capacity) {
      throw rangeError(`offset ${off} is not below the map's capacity ${this.capacity}`);
    }
    if (len > this.capacity - off) {
      throw rangeError(`offset ${off} + size ${len} is beyond the map's capacity ${this.capacity}`);
    }
    return [off, len === 0 ? this.capacity - off : len, acc];
  }

  /**
   * Creates a random-access view of [offset, offset + size). size 0 (the
   * default) means to the end of the map; access defaults to the map's.
   * Errors: `ERANGE` (offset/size beyond the capacity), `EACCES` (access wider
   * than the map's), `ECLOSED` (map closed), `ENOMEM` (no address space).
   */
  async createViewAccessor(offset = 0, size = 0, access?: MemoryMappedFileAccess): Promise<ViewAccessor> {
    await this.#growing;
    return this.createViewAccessorSync(offset, size, access);
  }

  /** The synchronous twin of {@link MemoryMappedFile.createViewAccessor}. */
  createViewAccessorSync(offset = 0, size = 0, access?: MemoryMappedFileAccess): ViewAccessor {
    const [off, len, acc] = this.#resolveView(offset, size, access);
    const view = this.#map.view(off, len, acc);
    return view.bytes ? new DirectViewAccessor(view, off, acc) : new PagedViewAccessor(view, off, acc);
  }

  /**
   * Creates a sequential-access view (a fixed-length stream) of
   * [offset, offset + size); same rules and errors as createViewAccessor.
   */
  async createViewStream(offset = 0, size = 0, access?: MemoryMappedFileAccess): Promise<ViewStream> {
    await this.#growing;
    return this.createViewStreamSync(offset, size, access);
  }

  /** The synchronous twin of {@link MemoryMappedFile.createViewStream}. */
  createViewStreamSync(offset = 0, size = 0, access?: MemoryMappedFileAccess): ViewStream {
    const [off, len, acc] = this.#resolveView(offset, size, access);
    return new ViewStream(this.#map.view(off, len, acc), off, acc);
  }

  /**
   * The counters of the map's page cache ({@link CacheStats}): hits, misses,
   * evictions, reads and writes of the file, and the pages resident, dirty
   * and pinned now. Only paged maps have a cache of their own (the wasm
   * backend's persisted maps); for the others the OS manages the pages and
   * this is null. Errors: `ECLOSED` (map closed).
   */
  cacheStats(): CacheStats | null {
    this.#checkIdle();
    return this.#map.cacheStats?.() ?? null;
  }

  /**
   * Closes the map: views already made stay valid; new ones fail. Closing
   * twice is harmless. During a grow() the map is closed for every call at
   * once, and released when the grow settles.
   */
  close(): void {
    if (this.#closed) return;
    this.#capacity = this.capacity;
    this.#closed = true;
    if (this.#growing === null) this.#map.close();
  }

  [disposeSymbol](): void {
    this.close();
  }
}
