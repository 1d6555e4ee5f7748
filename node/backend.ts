/**
 * The native backend: the addon (addon.cc), which maps with real mmap (POSIX)
 * or section objects (Windows): files, and shared memory for non-persisted
 * maps.
 *
 * The addon is loaded lazily, on the first map, so that importing memmap never
 * fails; a missing or unloadable addon is reported then as `EUNSUPPORTED` with
 * the loader's reason.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Backend, BackendMap, BackendView, PagerOptions } from '../src/backend.js';
import type { FileHandleTarget } from '../src/platform-types.js';
import { MemmapError, makeError, typeError } from '../src/errors.js';
import type { ThreadId, Threads } from '../src/threads.js';
import { WAIT_RESULTS, type ViewWaiter, type WaitResult } from '../src/wait.js';
import {
  ACCESS_VALUES,
  MODE_VALUES,
  SHARED_MODE_VALUES,
  type FileMode,
  type MemoryMappedFileAccess,
  type SharedMode,
} from '../src/types.js';

/** The addon's exports (node/addon.cc); maps and views are numeric handles. */
/**
 * mapOpen's arguments: kind 0, a persisted map of a file path, named `mapName`
 * unless null; kind 1, a shared map of a name (null: anonymous). `owner` holds
 * the handle: collected with the map open, it releases the map.
 */
type MapOpenArgs = [
  kind: 0 | 1,
  pathOrName: string | null,
  mode: number,
  capacity: number,
  access: number,
  owner: object,
  mapName: string | null,
];

interface Addon {
  /** Opens a map (MapOpenArgs) -> [handle, capacity]. */
  mapOpen(...args: MapOpenArgs): [number, number];
  /** mapOpen on the thread pool. */
  mapOpenAsync(...args: MapOpenArgs): Promise<[number, number]>;
  mapClose(map: number): void;
  /** The capacity now (a named map's follows other holders' grows). */
  mapCapacity(map: number): number;
  /** Grows the map (the core's rules) -> the new capacity. */
  mapGrow(map: number, capacity: number): number;
  /** mapGrow on the thread pool; no other call on the map until it settles. */
  mapGrowAsync(map: number, capacity: number): Promise<number>;
  /** -> [buffer, pointerOffset, size, view handle] */
  mapView(map: number, offset: number, size: number, access: number): [ArrayBuffer, number, number, number, boolean];
  /** msync of the view's bytes [offset, offset + length), page-rounded. */
  viewFlush(view: number, offset: number, length: number): void;
  /** viewFlush on the thread pool; a close meanwhile waits for it to finish with the pages. */
  viewFlushAsync(view: number, offset: number, length: number): Promise<void>;
  /** madvise of [offset, offset + length) of the view; advice: its index in ADVICE_VALUES. */
  viewAdvise(view: number, advice: number, offset: number, length: number): void;
  /** Faults [offset, offset + length) in on the thread pool; `buffer` (the view's) stays referenced until it settles. */
  viewPrefetch(view: number, offset: number, length: number, buffer: ArrayBuffer): Promise<void>;
  viewClose(view: number, buffer: ArrayBuffer): void;
  /** The core's mm_wait_result (0 ok, 1 not-equal, 2 timed-out); timeout in ms, Infinity for none. */
  viewWait(view: number, position: number, expected: number, timeoutMs: number): number;
  /** The same without blocking; `buffer` (the view's) stays referenced until it settles. */
  viewWaitAsync(view: number, position: number, expected: number, timeoutMs: number, buffer: ArrayBuffer): Promise<number>;
  viewNotify(view: number, position: number, count: number): number;
  /** The calling thread's [id, token] (core mm_thread_self). */
  threadSelf(): [number, number];
  /** Whether the thread (id, token) still runs (core mm_thread_alive). */
  threadAlive(id: number, token: number): boolean;
  /** The native objects alive now (for the leak tests). */
  live(): { maps: number; views: number; boxes: number };
  setErrorFactory(factory: (code: string, message: string, errno: number) => Error): void;
  allocationGranularity: number;
}

/** The prebuilt addon of each platform in the package (scripts/prebuild.mjs). */
const PREBUILT: Readonly<Record<string, string>> = {
  'linux-x64': 'linux-x64/memmap.glibc.node',
  'linux-arm64': 'linux-arm64/memmap.glibc.node',
  'win32-x64': 'win32-x64/memmap.node',
};

/**
 * Where the addon may be, in the order they are tried: the file named by
 * MEMMAP_NATIVE_ADDON, alone; else a local source build, which exists only
 * when one was made (an install found no prebuilt binary that loads here, or
 * MEMMAP_BUILD_FROM_SOURCE asked for one, or `npm run build:native` in a
 * checkout); else the prebuilt binary for this platform.
 */
function addonPaths(): string[] {
  if (process.env.MEMMAP_NATIVE_ADDON) return [process.env.MEMMAP_NATIVE_ADDON];
  const local = fileURLToPath(new URL('../build/Release/memmap_native.node', import.meta.url));
  const prebuilt = PREBUILT[`${process.platform}-${process.arch}`];
  const paths = [local];
  if (prebuilt) paths.push(fileURLToPath(new URL(`../prebuilds/${prebuilt}`, import.meta.url)));
  return paths;
}

let addon: Addon | undefined;
let loadFailure: string | undefined;

function loadAddon(): Addon {
  if (addon) return addon;
  if (loadFailure === undefined) {
    const paths = addonPaths();
    const reasons: string[] = [];
    for (const path of paths) {
      if (paths.length > 1 && !existsSync(path)) continue;
      try {
        const loaded = createRequire(import.meta.url)(path) as Addon;
        loaded.setErrorFactory(makeError);
        addon = loaded;
        return loaded;
      } catch (err) {
        reasons.push(`${path}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    loadFailure =
      reasons.length > 0
        ? `the native addon could not be loaded (${reasons.join('; ')})`
        : `no native addon for ${process.platform}-${process.arch}: no prebuilt binary in the package and no local build ` +
          '(install a C/C++ compiler and CMake, then `npm rebuild memmap`)';
  }
  throw new MemmapError('EUNSUPPORTED', loadFailure as string);
}

/** null when the addon loads on this machine, else the reason it does not. */
export function nativeUnavailable(): string | null {
  try {
    loadAddon();
    return null;
  } catch {
    return loadFailure as string;
  }
}

let self: ThreadId | undefined;

/** The core's thread identity and liveness (Linux: tid and start time; macOS: pid and start time; Windows: thread id and creation time). */
const nativeThreads: Threads = {
  liveness: 'sync',
  self(): ThreadId {
    if (!self) {
      const [id, token] = loadAddon().threadSelf();
      self = { id, token };
    }
    return self;
  },
  alive(id: number, token: number): boolean {
    return loadAddon().threadAlive(id, token);
  },
  async aliveAsync(id: number, token: number): Promise<boolean> {
    return loadAddon().threadAlive(id, token);
  },
};

/** Waits through the addon: the core's futex waits on the view's pages, between processes. */
class NativeWaiter implements ViewWaiter {
  readonly threads = nativeThreads;
  readonly #addon: Addon;
  readonly #handle: number;
  readonly #buffer: ArrayBuffer;

  constructor(a: Addon, handle: number, buffer: ArrayBuffer) {
    this.#addon = a;
    this.#handle = handle;
    this.#buffer = buffer;
  }

  wait(position: number, expected: number, timeoutMs: number): WaitResult {
    return WAIT_RESULTS[this.#addon.viewWait(this.#handle, position, expected, timeoutMs)] as WaitResult;
  }

  async waitAsync(position: number, expected: number, timeoutMs: number): Promise<WaitResult> {
    return WAIT_RESULTS[await this.#addon.viewWaitAsync(this.#handle, position, expected, timeoutMs, this.#buffer)] as WaitResult;
  }

  notify(position: number, count: number): number {
    return this.#addon.viewNotify(this.#handle, position, count);
  }

  blockingUnavailable(): null {
    return null;
  }

  close(): void {
    // The addon's viewClose settles this view's pending waits (ECLOSED) before it unmaps.
  }
}

class NativeView implements BackendView {
  readonly bytes: Uint8Array;
  readonly pages = null;
  readonly readStoresPrivate: boolean;
  readonly waiter: ViewWaiter;
  readonly offset: number;
  readonly size: number;
  readonly pointerOffset: number;
  readonly #addon: Addon;
  readonly #handle: number;

  constructor(
    a: Addon,
    buffer: ArrayBuffer,
    offset: number,
    pointerOffset: number,
    size: number,
    handle: number,
    readStoresPrivate: boolean,
  ) {
    this.bytes = new Uint8Array(buffer, pointerOffset, size);
    this.readStoresPrivate = readStoresPrivate;
    this.offset = offset;
    this.size = size;
    this.pointerOffset = pointerOffset;
    this.#addon = a;
    this.#handle = handle;
    this.waiter = new NativeWaiter(a, handle, buffer);
  }

  flush(offset: number, length: number): void {
    this.#addon.viewFlush(this.#handle, offset, length);
  }

  flushAsync(offset: number, length: number): Promise<void> {
    return this.#addon.viewFlushAsync(this.#handle, offset, length);
  }

  advise(advice: number, offset: number, length: number): void {
    this.#addon.viewAdvise(this.#handle, advice, offset, length);
  }

  prefetch(offset: number, length: number): Promise<void> {
    return this.#addon.viewPrefetch(this.#handle, offset, length, this.bytes.buffer as ArrayBuffer);
  }

  close(): void {
    this.#addon.viewClose(this.#handle, this.bytes.buffer as ArrayBuffer);
  }
}

class NativeMap implements BackendMap {
  readonly #addon: Addon;
  #handle = -1;
  readonly allocationGranularity: number;

  /** A map not open yet: open() or openAsync() give it its handle. */
  private constructor(a: Addon) {
    this.#addon = a;
    this.allocationGranularity = a.allocationGranularity;
  }

  /** Opens the map (the addon's mapOpen); the object holds its handle, which a map dropped without close() releases. */
  static open(a: Addon, kind: 0 | 1, pathOrName: string | null, mode: number, capacity: number, access: number,
    mapName: string | null = null): NativeMap {
    const map = new NativeMap(a);
    [map.#handle] = a.mapOpen(kind, pathOrName, mode, capacity, access, map, mapName);
    return map;
  }

  /** open() on the thread pool. */
  static async openAsync(a: Addon, kind: 0 | 1, pathOrName: string | null, mode: number, capacity: number,
    access: number, mapName: string | null = null): Promise<NativeMap> {
    const map = new NativeMap(a);
    [map.#handle] = await a.mapOpenAsync(kind, pathOrName, mode, capacity, access, map, mapName);
    return map;
  }

  get capacity(): number {
    return this.#addon.mapCapacity(this.#handle);
  }

  grow(capacity: number): number {
    return this.#addon.mapGrow(this.#handle, capacity);
  }

  growAsync(capacity: number): Promise<number> {
    return this.#addon.mapGrowAsync(this.#handle, capacity);
  }

  view(offset: number, size: number, access: MemoryMappedFileAccess): BackendView {
    // Whether the view's stores stay private is the core's answer, as the platform mapped the view
    // (a read view is copy-on-write where it can be: not of shared memory on macOS).
    const [buffer, pointerOffset, viewSize, handle, storesPrivate] = this.#addon.mapView(
      this.#handle, offset, size, ACCESS_VALUES.indexOf(access));
    return new NativeView(this.#addon, buffer, offset, pointerOffset, viewSize, handle, storesPrivate);
  }

  close(): void {
    this.#addon.mapClose(this.#handle);
  }
}

/** The native objects the addon holds now (maps, views, view buffers not yet finalized); null without the addon. */
export function nativeLiveObjects(): { maps: number; views: number; boxes: number } | null {
  try {
    return loadAddon().live();
  } catch {
    return null;
  }
}

/** The native backend; pager options do not apply (the OS pages the mapping). */
export const nativeBackend: Backend = {
  name: 'native',
  openFile(
    path: string,
    mode: FileMode,
    capacity: number,
    access: MemoryMappedFileAccess,
    _pager: PagerOptions,
    mapName: string | null,
  ): BackendMap {
    return NativeMap.open(loadAddon(), 0, path, MODE_VALUES.indexOf(mode), capacity, ACCESS_VALUES.indexOf(access), mapName);
  },
  /** The open runs on the thread pool: growing a file by gigabytes can take long where files are not sparse. */
  async openFileAsync(
    target: string | FileHandleTarget,
    mode: FileMode,
    capacity: number,
    access: MemoryMappedFileAccess,
    _pager: PagerOptions,
    mapName: string | null,
  ): Promise<BackendMap> {
    if (typeof target !== 'string') throw typeError('path must be a string or a file: URL on this platform');
    return NativeMap.openAsync(loadAddon(), 0, target, MODE_VALUES.indexOf(mode), capacity, ACCESS_VALUES.indexOf(access), mapName);
  },
  openShared(name: string | null, mode: SharedMode, capacity: number, access: MemoryMappedFileAccess): BackendMap {
    return NativeMap.open(loadAddon(), 1, name, SHARED_MODE_VALUES.indexOf(mode), capacity, ACCESS_VALUES.indexOf(access));
  },
};
