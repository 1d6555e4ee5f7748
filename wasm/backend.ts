/**
 * The wasm backend: the same C core compiled to WebAssembly (loader.ts).
 *
 *   persisted maps      a paged map in the core (core/src/paged.c): the map
 *                       rules of map.c, a bounded page cache in WASM memory,
 *                       file I/O through the core's imports (a FileHost:
 *                       node:fs on Node, OPFS in the browser). Views are
 *                       paged: accessors translate pages through a
 *                       WasmPagePort and read frames in place.
 *   non-persisted maps  SharedArrayBuffers (src/sab-maps.ts): anonymous, or
 *                       named in the agent cluster's shared arena.
 *
 * Platform specifics (how the module's bytes are found, which FileHost, where
 * the arena comes from) are passed in by the entry point.
 *
 * @module
 */
import type { Backend, BackendMap, BackendView, MemoryRef, PagerOptions } from '../src/backend.js';
import { MemmapError } from '../src/errors.js';
import { openSabMap, type SabMapHost } from '../src/sab-maps.js';
import type { CacheStats, FileMode, MemoryMappedFileAccess, SharedMode } from '../src/types.js';
import type { FileHandleTarget } from '../src/platform-types.js';
import type { WasmCore } from './loader.js';
import { WasmPagePort } from './page-port.js';

/** The page size when the caller gives none: 64 KiB (see bench/wasm.ts for 4/16/64 KiB). */
export const DEFAULT_PAGE_SIZE = 65536;
/** The cache per map when the caller gives none: 16 MiB. */
export const DEFAULT_CACHE_SIZE = 16 << 20;

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

class PagedView implements BackendView {
  readonly bytes = null;
  readonly pages: WasmPagePort;
  readonly offset: number;
  readonly size: number;
  readonly pointerOffset: number;
  readonly #map: PagedMap;
  readonly #pager: number;
  #closed = false;

  constructor(map: PagedMap, pager: number, port: WasmPagePort, offset: number, size: number) {
    this.#map = map;
    this.#pager = pager;
    this.pages = port;
    this.offset = offset;
    this.size = size;
    this.pointerOffset = offset % port.pageSize;
  }

  flush(): void {
    this.#map.flush(this.pages);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#map.closeView(this.#pager, this.pages);
  }
}

class PagedMap implements BackendMap {
  readonly capacity: number;
  readonly allocationGranularity: number;
  readonly #core: WasmCore;
  readonly #memory: Memory;
  readonly #handle: number;
  readonly #access: MemoryMappedFileAccess;
  /** The port of the map's own pager (shared by its views), once a view made it. */
  #main: WasmPagePort | null = null;
  #mainPager = 0;
  #views = 0;
  #closed = false;
  readonly #frames: number;

  constructor(core: WasmCore, memory: Memory, handle: number, pageSize: number, frames: number, access: MemoryMappedFileAccess) {
    this.#core = core;
    this.#memory = memory;
    this.#handle = handle;
    this.#frames = frames;
    this.#access = access;
    this.capacity = core.capacity(handle);
    this.allocationGranularity = pageSize;
  }

  view(offset: number, size: number, access: MemoryMappedFileAccess): BackendView {
    const pager = this.#core.openView(this.#handle, access);
    this.#memory.refresh();
    this.#views++;
    // A copy-on-write view of a map that is not itself copy-on-write gets a private pager of its own.
    const own = access === 'copyOnWrite' && this.#access !== 'copyOnWrite';
    if (own) return new PagedView(this, pager, new WasmPagePort(this.#core, pager, this.capacity, this.#memory, -1, false), offset, size);
    if (!this.#main) {
      const readOnly = this.#access === 'read' || this.#access === 'readExecute';
      this.#main = new WasmPagePort(this.#core, pager, this.capacity, this.#memory, this.#core.fileOf(this.#handle), readOnly);
      this.#mainPager = pager;
    }
    return new PagedView(this, this.#mainPager, this.#main, offset, size);
  }

  cacheStats(): CacheStats {
    // The map's own pager is at hand from its first view on (nothing happened before), until the map closes.
    const main = this.#main;
    const pager = this.#mainPager;
    const counts = main
      ? this.#core.stats(pager)
      : { hits: 0, misses: 0, evictions: 0, storageReads: 0, storageWrites: 0, storageFlushes: 0, resident: 0, dirty: 0, pinned: 0 };
    return {
      pageSize: this.allocationGranularity,
      frames: main ? this.#core.frameCount(pager) : this.#frames,
      ...counts,
      storageReads: counts.storageReads + (main?.directReads ?? 0),
    };
  }

  flush(port: WasmPagePort): void {
    if (port !== this.#main) return; // a private (copy-on-write) pager never writes back
    port.release(false);
    this.#core.flushMap(this.#handle);
    port.flushed();
  }

  closeView(pager: number, port: WasmPagePort): void {
    this.#views--;
    const last = this.#closed && this.#views === 0;
    // The core drops a private pager now, and closes the map's own pager with the map's last view.
    if (port !== this.#main) port.release(true);
    if (last) this.#main?.release(true);
    this.#core.closeView(this.#handle, pager);
    if (last) this.#finish();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#views > 0) return;
    this.#main?.release(true);
    this.#finish();
  }

  /** Closed, with no view left: write back and close the file (throwing a failed write-back), drop the handle. */
  #finish(): void {
    try {
      this.#core.closeMap(this.#handle);
    } finally {
      this.#core.freeMap(this.#handle);
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
  const withCore = (c: WasmCore): WasmCore => {
    memory ??= new Memory(c.memory);
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
    const pageSize = pager.pageSize || DEFAULT_PAGE_SIZE;
    const frames = Math.floor((pager.cacheSize || DEFAULT_CACHE_SIZE) / pageSize);
    const handle = c.openPaged(path, mode, capacity, access, pageSize, frames);
    (memory as Memory).refresh();
    return new PagedMap(c, memory as Memory, handle, pageSize, frames, access);
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
