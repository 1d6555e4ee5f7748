/**
 * The wasm backend: the same C core compiled to WebAssembly (loader.ts).
 *
 *   persisted maps      paged maps of the core (core/include/mm/paged.h):
 *                       one page cache per file in this thread, shared by
 *                       every map of the file, in WASM memory, over a
 *                       FileHost (node:fs on Node, OPFS in the browser).
 *                       The core owns the maps' and views' lifetimes, pins,
 *                       ranges and access; JS keeps only translation tables
 *                       (page-port.ts) for the accessors' fast path.
 *   non-persisted maps  SharedArrayBuffers (sab-maps.ts): anonymous, or
 *                       named in the agent cluster's shared arena.
 *
 * Platform specifics (how the module's bytes are found, which FileHost, where
 * the arena comes from) are passed in by the entry point.
 *
 * @module
 */
import type { Backend, BackendMap, BackendView, MemoryRef, PagerOptions } from '../src/backend.js';
import { MemmapError, closedError } from '../src/errors.js';
import { openSabMap, type SabMapHost } from './sab-maps.js';
import { ACCESS_RULES } from '../src/generated/core.js';
import type { CacheStats, FileMode, MemoryMappedFileAccess, SharedMode } from '../src/types.js';
import type { FileHandleTarget } from '../src/platform-types.js';
import type { WasmCore } from './loader.js';
import { FileTables, TranslationTable, WasmPagePort } from './page-port.js';

/** About this many bytes of write-back per slice of a flushAsync() between yields to the event loop. */
const SLICE_BYTES = 1 << 20;

/** Resolves on a later turn of the event loop, after pending I/O (setImmediate, or a message in browsers). */
function yieldToLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  if (immediate) return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

class Memory implements MemoryRef {
  // `declare`d: set first by the constructor, so V8 tracks their one shape
  // (the paged accessor's fast path reads dv without a map check).
  declare u8: Uint8Array;
  declare dv: DataView;
  readonly #memory: WebAssembly.Memory;

  constructor(memory: WebAssembly.Memory) {
    this.#memory = memory;
    this.u8 = new Uint8Array(memory.buffer);
    this.dv = new DataView(memory.buffer);
  }

  /** Replaces the views if the memory grew (call after anything that may allocate). */
  refresh(): void {
    if (this.u8.buffer !== this.#memory.buffer) {
      this.u8 = new Uint8Array(this.#memory.buffer);
      this.dv = new DataView(this.#memory.buffer);
    }
  }
}

/** The file caches of one core that JS has tables for, by the core's id. */
class FileRegistry {
  readonly #core: WasmCore;
  readonly #files = new Map<number, FileTables>();

  constructor(core: WasmCore) {
    this.#core = core;
  }

  of(map: number): FileTables {
    const id = this.#core.fileId(map);
    let files = this.#files.get(id);
    if (!files) {
      files = new FileTables(id, this.#core.pageSize(map), this.#core.frameCount(map));
      this.#files.set(id, files);
    }
    return files;
  }

  /** After a close: forgets the tables of a file cache the core has closed. */
  settle(files: FileTables): void {
    if (this.#core.fileIsOpen(files.id)) return;
    files.closed();
    this.#files.delete(files.id);
  }
}


class PagedView implements BackendView {
  readonly bytes = null;
  /** Each thread has a page cache of its own: nothing is shared to wait on. */
  readonly waiter = null;
  readonly pages: WasmPagePort;
  readonly offset: number;
  readonly size: number;
  readonly pointerOffset: number;
  readonly #core: WasmCore;
  readonly #handle: number;
  readonly #files: FileTables;
  readonly #registry: FileRegistry;
  readonly #shares: boolean;
  #closed = false;
  /** flushAsync() calls between slices. */
  #flushing = 0;
  /** The error of the flush a close() made for them, reported by each. */
  #closeFlushError: unknown = null;

  constructor(core: WasmCore, memory: Memory, handle: number, files: FileTables, table: TranslationTable,
    access: MemoryMappedFileAccess, registry: FileRegistry) {
    this.#core = core;
    this.#handle = handle;
    this.#files = files;
    this.#registry = registry;
    this.#shares = ACCESS_RULES[access].shares;
    this.offset = core.viewOffset(handle);
    this.size = core.viewSize(handle);
    this.pointerOffset = core.viewPointerOffset(handle);
    this.pages = new WasmPagePort(core, memory, handle, files, table, access === 'copyOnWrite', () => this.#release());
  }

  /** The whole view writes back every dirty page of the file's cache, as it always did; a range, the range's pages. */
  flush(offset: number, length: number): void {
    if (this.#closed) throw closedError('view');
    try {
      if (offset === 0 && length === this.size) this.#core.flushView(this.#handle);
      else this.#core.flushViewRange(this.#handle, offset, length);
    } finally {
      // The core made every hold of the file read-only before writing back.
      if (this.#shares) this.#files.flushed();
    }
  }

  /**
   * flush() in slices of about SLICE_BYTES of write-back, yielding to the
   * event loop between them, then one flush() that writes what is still
   * dirty and flushes the file. A close() meanwhile finishes the flush
   * first (synchronously), and this Promise reports that flush's outcome.
   */
  async flushAsync(offset: number, length: number): Promise<void> {
    if (this.#closed) throw closedError('view');
    const pageSize = this.#files.pageSize;
    const last = Math.floor((this.offset + offset + Math.max(length, 1) - 1) / pageSize);
    const slice = Math.max(1, Math.floor(SLICE_BYTES / pageSize));
    this.#flushing++;
    try {
      for (let next = 0; ; ) {
        try {
          next = this.#core.writeBackView(this.#handle, offset, length, next, slice);
        } finally {
          if (this.#shares) this.#files.flushed();
        }
        if (next > last) break;
        await yieldToLoop();
        if (this.#closed) return this.#closedDuringFlush();
      }
      if (this.#shares) {
        await this.#core.syncViewFileAsync(this.#handle);
        if (this.#closed) return this.#closedDuringFlush();
      }
      this.flush(offset, length);
    } finally {
      this.#flushing--;
    }
  }

  /** What a flushAsync() reports when close() finished it. */
  #closedDuringFlush(): void {
    if (this.#closeFlushError !== null) throw this.#closeFlushError;
  }

  advise(advice: number, offset: number, length: number): void {
    if (this.#closed) throw closedError('view');
    this.pages.advise(advice, offset, length);
  }

  prefetch(offset: number, length: number): Promise<void> {
    return this.pages.prefetch(offset, length, yieldToLoop);
  }

  close(): void {
    if (this.#closed) return;
    if (this.#flushing > 0) {
      // A flushAsync() is between slices: finish it now, before the view's pins go.
      try {
        this.flush(0, this.size);
      } catch (err) {
        this.#closeFlushError = err;
      }
    }
    this.#closed = true;
    this.pages.close();
    try {
      this.#core.closeView(this.#handle);
    } finally {
      // With lends out the core finishes closing when the last returns (the port calls #release then).
      if (this.pages.lends === 0) this.#release();
    }
  }

  #release(): void {
    this.#core.freeView(this.#handle);
    this.#registry.settle(this.#files);
  }
}

class PagedMap implements BackendMap {
  readonly allocationGranularity: number;
  readonly #core: WasmCore;
  readonly #memory: Memory;
  readonly #handle: number;
  readonly #files: FileTables;
  readonly #registry: FileRegistry;
  #table: TranslationTable;
  #closed = false;

  constructor(core: WasmCore, memory: Memory, handle: number, registry: FileRegistry) {
    this.#core = core;
    this.#memory = memory;
    this.#handle = handle;
    this.#registry = registry;
    this.#files = registry.of(handle);
    this.allocationGranularity = this.#files.pageSize;
    this.#table = this.#files.tableFor(this.capacity);
  }

  get capacity(): number {
    return this.#core.capacity(this.#handle);
  }

  /** The core grows the file and its cache; new views translate through a table that fits the new size. */
  grow(capacity: number): number {
    this.#core.growPaged(this.#handle, capacity);
    this.#table = this.#files.tableFor(capacity);
    return this.capacity;
  }

  view(offset: number, size: number, access: MemoryMappedFileAccess): BackendView {
    const handle = this.#core.openView(this.#handle, offset, size, access);
    this.#memory.refresh();
    // A copy-on-write view translates its private pages in a table of its own.
    const table = access === 'copyOnWrite' ? new TranslationTable(this.#table.pages, this.#files.frameCount) : this.#table;
    return new PagedView(this.#core, this.#memory, handle, this.#files, table, access, this.#registry);
  }

  cacheStats(): CacheStats {
    return { pageSize: this.#files.pageSize, frames: this.#files.frameCount, ...this.#core.stats(this.#handle) };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#core.closeMap(this.#handle);
    } finally {
      this.#core.freeMap(this.#handle);
      this.#registry.settle(this.#files);
    }
  }
}

export interface WasmPlatform {
  /** The core, loaded on first use; throws when it cannot load (or is not loaded yet) here. */
  core(): WasmCore;
  /** Loads the core asynchronously (platforms that fetch the module: the browser). */
  loadCore?(): Promise<WasmCore>;
  /**
   * The async half of opening a file, where files open asynchronously (OPFS):
   * returns the path to hand the core, and settle(), to await once the core's
   * open returned (`opened`) or failed.
   */
  prepareFile?(
    target: string | FileHandleTarget,
    mode: FileMode,
  ): Promise<{ path: string; settle(opened: boolean): Promise<void> }>;
  /** Named non-persisted maps. */
  sab: SabMapHost;
}

export interface WasmBackend extends Backend {
  /** null when the backend can run here, else why not. */
  unavailable(): string | null;
}

/**
 * A persisted map's name reaches other processes through the operating
 * system (a named section, or a record in its shared-memory namespace), which
 * a page cache inside one process cannot share.
 */
function refuseName(mapName: string | null): void {
  if (mapName !== null) {
    throw new MemmapError(
      'EUNSUPPORTED',
      'a persisted map can be named only on the native backend: the wasm backend caches the file\'s pages inside this process, where no other process can reach them',
    );
  }
}

export function createWasmBackend(platform: WasmPlatform): WasmBackend {
  let memory: Memory | undefined;
  let registry: FileRegistry | undefined;
  const withCore = (c: WasmCore): WasmCore => {
    memory ??= new Memory(c.memory);
    registry ??= new FileRegistry(c);
    return c;
  };
  const open = (
    c: WasmCore,
    path: string,
    mode: FileMode,
    capacity: number,
    access: MemoryMappedFileAccess,
    pager: PagerOptions,
  ): BackendMap => {
    const handle = c.openPaged(path, mode, capacity, access, pager.pageSize, pager.frames);
    (memory as Memory).refresh();
    return new PagedMap(c, memory as Memory, handle, registry as FileRegistry);
  };
  const backend: WasmBackend = {
    name: 'wasm',
    unavailable(): string | null {
      if (platform.loadCore) return null; // loads on the first async open
      try {
        withCore(platform.core());
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    },
    openFile(
      path: string,
      mode: FileMode,
      capacity: number,
      access: MemoryMappedFileAccess,
      pager: PagerOptions,
      mapName: string | null,
    ): BackendMap {
      refuseName(mapName);
      if (platform.prepareFile) {
        throw new MemmapError(
          'EUNSUPPORTED',
          'files open asynchronously on this platform (OPFS access handles): use createFromFile, not createFromFileSync',
        );
      }
      return open(withCore(platform.core()), path, mode, capacity, access, pager);
    },
    openShared(name: string | null, mode: SharedMode, capacity: number, access: MemoryMappedFileAccess): BackendMap {
      if (typeof SharedArrayBuffer === 'undefined' || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
        throw new MemmapError(
          'EUNSUPPORTED',
          'non-persisted maps need SharedArrayBuffer: serve the page cross-origin isolated, with the headers ' +
            'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp',
        );
      }
      return openSabMap(platform.sab, name, mode, capacity, access);
    },
  };
  if (platform.prepareFile) {
    const prepareFile = platform.prepareFile.bind(platform);
    backend.openFileAsync = async (target, mode, capacity, access, pager, mapName) => {
      refuseName(mapName);
      const c = withCore(platform.loadCore ? await platform.loadCore() : platform.core());
      const { path, settle } = await prepareFile(target, mode);
      let map: BackendMap;
      try {
        map = open(c, path, mode, capacity, access, pager);
      } catch (err) {
        await settle(false);
        throw err;
      }
      await settle(true);
      return map;
    };
  }
  return backend;
}
