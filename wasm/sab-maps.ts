/**
 * Non-persisted maps over SharedArrayBuffer, for backends without POSIX
 * shared memory (wasm on Node, the browser). A view is a window on the shared
 * buffer, so `Atomics` work on it across threads.
 *
 * - anonymous (`null` name): a SharedArrayBuffer of its own;
 * - named: a region of the agent cluster's SharedArena (shared-arena.ts),
 *   found by name from any thread of this process (Node worker_threads; a page
 *   and its dedicated workers). Other processes cannot see it: cross-process
 *   named maps need the native backend.
 *
 * Lifetime: the map and each of its views hold the region; the last release
 * frees it. A closed view's accessor and stream refuse every call (ECLOSED),
 * but a SharedArrayBuffer cannot be detached, so a `bytes` array kept from
 * before close() still shows the (possibly reused) memory.
 * Copy-on-write views copy their range when they are made and never reach
 * the map or its other views. A `read` view is a window on the shared bytes
 * like any other (a SharedArrayBuffer cannot be made read-only, and a copy
 * would not see other threads' writes): its accessor and stream refuse
 * writes, but a store through its `bytes` reaches the map, unlike on the
 * native backend, where it lands in a private page.
 *
 * @module
 */
import { atomicsWaiter } from '../src/atomics-waiter.js';
import type { BackendMap, BackendView } from '../src/backend.js';
import { MemmapError } from '../src/errors.js';
import type { ArenaMap, SharedArena } from './shared-arena.js';
import type { Threads } from '../src/threads.js';
import { accessAllows, type MemoryMappedFileAccess, type SharedMode } from '../src/types.js';
import { WRITE_CANNOT_CREATE } from '../src/validate.js';
import type { ViewWaiter } from '../src/wait.js';

const GRANULARITY = 4096;

/**
 * A copy-on-write view's own copy of its range, placed at the same offset
 * modulo the granularity as the range has in the map, so that its typed
 * arrays are aligned as the map's are (typedArray checks the map's offset).
 */
function privateCopy(shared: Uint8Array, offset: number): Uint8Array {
  const slack = offset % GRANULARITY;
  const copy = new Uint8Array(new ArrayBuffer(slack + shared.length), slack, shared.length);
  copy.set(shared);
  return copy;
}

class SabView implements BackendView {
  readonly bytes: Uint8Array;
  readonly pages = null;
  readonly waiter: ViewWaiter | null;
  readonly offset: number;
  readonly size: number;
  readonly pointerOffset: number;
  #release: (() => void) | null;

  constructor(bytes: Uint8Array, offset: number, threads: Threads, release: () => void) {
    this.bytes = bytes;
    this.offset = offset;
    this.size = bytes.length;
    this.pointerOffset = offset % GRANULARITY;
    this.waiter = atomicsWaiter(bytes, threads);
    this.#release = release;
  }

  flush(): void {
    // Nothing is persisted: the bytes are the map.
  }

  async flushAsync(): Promise<void> {
    // Nothing is persisted: the bytes are the map.
  }

  advise(): void {
    // A SharedArrayBuffer is memory the engine manages: there is nothing to advise it.
  }

  async prefetch(): Promise<void> {
    // The bytes are memory of this agent cluster already.
  }

  close(): void {
    this.waiter?.close();
    const release = this.#release;
    this.#release = null;
    release?.();
  }
}

class SabMap implements BackendMap {
  readonly capacity: number;
  readonly allocationGranularity = GRANULARITY;
  readonly #buffer: SharedArrayBuffer;
  readonly #base: number;
  readonly #access: MemoryMappedFileAccess;
  readonly #retain: () => () => void;
  readonly #threads: Threads;
  #release: (() => void) | null;

  constructor(
    buffer: SharedArrayBuffer,
    base: number,
    capacity: number,
    access: MemoryMappedFileAccess,
    threads: Threads,
    retain: () => () => void,
    release: () => void,
  ) {
    this.#buffer = buffer;
    this.#threads = threads;
    this.#access = access;
    this.#base = base;
    this.capacity = capacity;
    this.#retain = retain;
    this.#release = release;
  }

  view(offset: number, size: number, access: MemoryMappedFileAccess): BackendView {
    if (!accessAllows(this.#access, access)) {
      throw new MemmapError('EACCES', `a '${access}' view cannot be made from a map opened with '${this.#access}' access`);
    }
    const shared = new Uint8Array(this.#buffer, this.#base + offset, size);
    const bytes = access === 'copyOnWrite' ? privateCopy(shared, offset) : shared;
    return new SabView(bytes, offset, this.#threads, this.#retain());
  }

  /**
   * A SharedArrayBuffer map cannot grow safely: a named map is a region of
   * the agent cluster's shared arena, hemmed in by the maps after it, and an
   * anonymous map's buffer was made at its size; a growable buffer would
   * have to reserve its largest size up front in every thread that has it.
   */
  grow(): number {
    throw new MemmapError(
      'EUNSUPPORTED',
      "a SharedArrayBuffer map's size is fixed when it is made (named maps are regions of the shared arena, " +
        'anonymous ones fixed-size buffers): make a larger map and copy, or use the native backend',
    );
  }

  close(): void {
    const release = this.#release;
    this.#release = null;
    release?.();
  }
}

/** What a named open needs besides the arena: how to tell a map of another process. */
export interface SabMapHost {
  arena(): SharedArena;
  /** Whether `name` is a map of another process (a POSIX shm object), for a clear EUNSUPPORTED. */
  existsElsewhere(name: string): boolean;
  /** The threads of this platform (the owners that locks in these maps record). */
  readonly threads: Threads;
}

function anonymous(capacity: number, access: MemoryMappedFileAccess, threads: Threads): SabMap {
  let buffer: SharedArrayBuffer;
  try {
    buffer = new SharedArrayBuffer(capacity);
  } catch (err) {
    throw new MemmapError('ENOMEM', `cannot allocate a SharedArrayBuffer of ${capacity} bytes: ${(err as Error).message}`);
  }
  return new SabMap(buffer, 0, capacity, access, threads, () => () => {}, () => {});
}

/** Opens a non-persisted map on a SharedArrayBuffer backend (arguments validated). */
export function openSabMap(
  host: SabMapHost,
  name: string | null,
  mode: SharedMode,
  capacity: number,
  access: MemoryMappedFileAccess,
): BackendMap {
  // A map made with access 'write' alone could never be read: such an opener only joins (as in the native core).
  const joinOnly = mode !== 'openExisting' && access === 'write';
  if (joinOnly && mode === 'createNew') throw new MemmapError('EINVAL', WRITE_CANNOT_CREATE);
  if (name === null) return anonymous(capacity, access, host.threads);
  const arena = host.arena();
  // A name that is another process's shared memory: joined if this process has a map of that
  // name too, never created over (createOrOpen would otherwise make a second, unrelated map).
  const elsewhere = mode !== 'createNew' && host.existsElsewhere(name);
  let region: ArenaMap;
  try {
    region = arena.open(name, capacity, joinOnly || elsewhere ? 'openExisting' : mode);
  } catch (err) {
    if ((err as MemmapError).code === 'ENOENT' && elsewhere) {
      throw new MemmapError(
        'EUNSUPPORTED',
        `'${name}' is a shared-memory map of another process; the wasm backend's named maps reach only this ` +
          "process's threads, so joining it needs the native backend",
      );
    }
    if ((err as MemmapError).code === 'ENOENT' && joinOnly) throw new MemmapError('EINVAL', WRITE_CANNOT_CREATE);
    throw err;
  }
  const retain = () => {
    arena.retain(region);
    return () => arena.release(region);
  };
  return new SabMap(region.buffer, region.offset, capacity === 0 ? region.size : capacity, access, host.threads, retain, () =>
    arena.release(region),
  );
}
