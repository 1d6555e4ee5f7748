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
import type { FileMode, MemoryMappedFileAccess, SharedMode } from '../src/types.js';
import type { WasmCore } from './loader.js';
import { WasmPagePort } from './page-port.js';

/** The page size when the caller gives none: 64 KiB (see bench/wasm.ts for 4/16/64 KiB). */
export const DEFAULT_PAGE_SIZE = 65536;
/** The cache per map when the caller gives none: 16 MiB. */
export const DEFAULT_CACHE_SIZE = 16 << 20;

class Memory implements MemoryRef {
  u8: Uint8Array;
  dv: DataView;
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
  #shared: { pager: number; port: WasmPagePort } | null = null;
  #views = 0;
  #closed = false;

  constructor(core: WasmCore, memory: Memory, handle: number, pageSize: number) {
    this.#core = core;
    this.#memory = memory;
    this.#handle = handle;
    this.capacity = core.capacity(handle);
    this.allocationGranularity = pageSize;
  }

  view(offset: number, size: number, access: MemoryMappedFileAccess): BackendView {
    const pager = this.#core.openView(this.#handle, access);
    this.#memory.refresh();
    this.#views++;
    let port: WasmPagePort;
    if (this.#shared?.pager === pager) {
      port = this.#shared.port;
    } else {
      port = new WasmPagePort(this.#core, pager, this.capacity, this.#memory);
      if (this.#shared === null && access !== 'copyOnWrite') this.#shared = { pager, port };
    }
    return new PagedView(this, pager, port, offset, size);
  }

  flush(port: WasmPagePort): void {
    if (port !== this.#shared?.port) return; // a private (copy-on-write) pager never writes back
    port.release(false);
    this.#core.flushMap(this.#handle);
  }

  closeView(pager: number, port: WasmPagePort): void {
    this.#views--;
    if (port !== this.#shared?.port) port.release(true);
    this.#core.closeView(this.#handle, pager);
    if (this.#closed && this.#views === 0) this.#finish();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#views === 0) this.#finish();
  }

  /** The map is closed and has no view: write back, close the file, drop the handle. */
  #finish(): void {
    this.#shared?.port.release(true);
    try {
      this.#core.closeMap(this.#handle);
    } finally {
      this.#core.freeMap(this.#handle);
    }
  }
}

export interface WasmPlatform {
  /** The core, loaded on first use; throws when it cannot load here. */
  core(): WasmCore;
  /** Named non-persisted maps. */
  sab: SabMapHost;
}

export interface WasmBackend extends Backend {
  /** null when the backend can run here, else why not. */
  unavailable(): string | null;
}

export function createWasmBackend(platform: WasmPlatform): WasmBackend {
  let memory: Memory | undefined;
  const core = (): WasmCore => {
    const c = platform.core();
    memory ??= new Memory(c.memory);
    return c;
  };
  return {
    name: 'wasm',
    unavailable(): string | null {
      try {
        core();
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
    ): BackendMap {
      const c = core();
      const pageSize = pager.pageSize || DEFAULT_PAGE_SIZE;
      const frames = Math.floor((pager.cacheSize || DEFAULT_CACHE_SIZE) / pageSize);
      const handle = c.openPaged(path, mode, capacity, access, pageSize, frames);
      (memory as Memory).refresh();
      return new PagedMap(c, memory as Memory, handle, pageSize);
    },
    openShared(name: string | null, mode: SharedMode, capacity: number, access: MemoryMappedFileAccess): BackendMap {
      if (typeof SharedArrayBuffer === 'undefined') {
        throw new MemmapError(
          'EUNSUPPORTED',
          'non-persisted maps need SharedArrayBuffer (in a browser: a cross-origin isolated page, served with COOP/COEP headers)',
        );
      }
      return openSabMap(platform.sab, name, mode, capacity, access);
    },
  };
}
