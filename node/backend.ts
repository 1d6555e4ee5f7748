/**
 * The native backend: the addon (addon.cc) built by cmake-js into
 * build/Release/memmap_native.node, which maps with real mmap: files, and
 * POSIX shared-memory objects for non-persisted maps.
 *
 * The addon is loaded lazily, on the first map, so that importing memmap never
 * fails; a missing or unloadable addon is reported then as `EUNSUPPORTED` with
 * the loader's reason.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Backend, BackendMap, BackendView } from '../src/backend.js';
import { MemmapError, makeError } from '../src/errors.js';
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

interface NativeViewHandle {
  flush(): void;
  /** The core's mm_wait_result (0 ok, 1 not-equal, 2 timed-out); timeout in ms, Infinity for none. */
  wait(position: number, expected: number, timeoutMs: number): number;
  waitAsync(position: number, expected: number, timeoutMs: number): Promise<number>;
  notify(position: number, count: number): number;
  close(): void;
}

interface NativeMapHandle {
  readonly capacity: number;
  view(offset: number, size: number, access: number): [ArrayBuffer, number, number, NativeViewHandle];
  close(): void;
}

interface Addon {
  /** kind 0: persisted map of a file path; kind 1: shared map of a name (null: anonymous). */
  NativeMap: new (kind: 0 | 1, pathOrName: string | null, mode: number, capacity: number, access: number) => NativeMapHandle;
  setErrorFactory(factory: (code: string, message: string, errno: number) => Error): void;
  allocationGranularity: number;
  /** The calling thread's [id, token] (core mm_thread_self). */
  threadSelf(): [number, number];
  /** Whether the thread (id, token) still runs (core mm_thread_alive). */
  threadAlive(id: number, token: number): boolean;
}

let addon: Addon | undefined;
let loadFailure: string | undefined;

function loadAddon(): Addon {
  if (addon) return addon;
  if (loadFailure === undefined) {
    const path = process.env.MEMMAP_NATIVE_ADDON ??
      fileURLToPath(new URL('../build/Release/memmap_native.node', import.meta.url));
    try {
      const loaded = createRequire(import.meta.url)(path) as Addon;
      loaded.setErrorFactory(makeError);
      addon = loaded;
      return loaded;
    } catch (err) {
      loadFailure = `the native addon could not be loaded from ${path}: ${(err as Error).message}`;
    }
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

/** The core's thread identity and liveness (Linux: tid and start time; macOS: pid and start time). */
const nativeThreads: Threads = {
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
  readonly #handle: NativeViewHandle;
  readonly threads = nativeThreads;

  constructor(handle: NativeViewHandle) {
    this.#handle = handle;
  }

  wait(position: number, expected: number, timeoutMs: number): WaitResult {
    return WAIT_RESULTS[this.#handle.wait(position, expected, timeoutMs)] as WaitResult;
  }

  async waitAsync(position: number, expected: number, timeoutMs: number): Promise<WaitResult> {
    return WAIT_RESULTS[await this.#handle.waitAsync(position, expected, timeoutMs)] as WaitResult;
  }

  notify(position: number, count: number): number {
    return this.#handle.notify(position, count);
  }

  blockingUnavailable(): null {
    return null;
  }

  close(): void {
    // The addon's close settles this view's pending waits (ECLOSED) before it unmaps.
  }
}

class NativeView implements BackendView {
  readonly bytes: Uint8Array;
  readonly pages = null;
  readonly waiter: ViewWaiter;
  readonly offset: number;
  readonly size: number;
  readonly pointerOffset: number;
  readonly #handle: NativeViewHandle;

  constructor(buffer: ArrayBuffer, offset: number, pointerOffset: number, size: number, handle: NativeViewHandle) {
    this.bytes = new Uint8Array(buffer, pointerOffset, size);
    this.offset = offset;
    this.size = size;
    this.pointerOffset = pointerOffset;
    this.#handle = handle;
    this.waiter = new NativeWaiter(handle);
  }

  flush(): void {
    this.#handle.flush();
  }

  close(): void {
    this.#handle.close();
  }
}

class NativeMap implements BackendMap {
  readonly #handle: NativeMapHandle;
  readonly capacity: number;
  readonly allocationGranularity: number;

  constructor(handle: NativeMapHandle, granularity: number) {
    this.#handle = handle;
    this.capacity = handle.capacity;
    this.allocationGranularity = granularity;
  }

  view(offset: number, size: number, access: MemoryMappedFileAccess): BackendView {
    const [buffer, pointerOffset, viewSize, handle] = this.#handle.view(offset, size, ACCESS_VALUES.indexOf(access));
    return new NativeView(buffer, offset, pointerOffset, viewSize, handle);
  }

  close(): void {
    this.#handle.close();
  }
}

/** The native backend; pager options do not apply (the OS pages the mapping). */
export const nativeBackend: Backend = {
  name: 'native',
  openFile(path: string, mode: FileMode, capacity: number, access: MemoryMappedFileAccess): BackendMap {
    const { NativeMap: Ctor, allocationGranularity } = loadAddon();
    return new NativeMap(
      new Ctor(0, path, MODE_VALUES.indexOf(mode), capacity, ACCESS_VALUES.indexOf(access)),
      allocationGranularity,
    );
  },
  openShared(name: string | null, mode: SharedMode, capacity: number, access: MemoryMappedFileAccess): BackendMap {
    const { NativeMap: Ctor, allocationGranularity } = loadAddon();
    return new NativeMap(
      new Ctor(1, name, SHARED_MODE_VALUES.indexOf(mode), capacity, ACCESS_VALUES.indexOf(access)),
      allocationGranularity,
    );
  },
};
