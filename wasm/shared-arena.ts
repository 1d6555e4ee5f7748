/**
 * The registry of named non-persisted maps for backends without POSIX shared
 * memory (wasm on Node, and the browser): one growable SharedArrayBuffer, the
 * arena, shared by every thread of an agent cluster (Node worker_threads; a
 * page and its dedicated workers), holding a small table of names and the
 * maps' bytes. Every operation is synchronous, so `createNewSync` in one
 * thread and `openExistingSync` in another agree at once.
 *
 *   arena:  [ header | entry table (MAX_ENTRIES) | map bytes ... (grows) ]
 *   header: lock (its holder's identity, 0 when free), tag, lock sequence,
 *           high-water mark (bytes at and above it were never handed out,
 *           so they are still zero), takeovers
 *   entry:  state (FREE, CREATING, or the number of holders), name length,
 *           progress, owner (the creator's identity), offset, size, name
 *
 * A map's bytes live while it has holders (maps and views of any thread) and
 * are reused after the last release.
 *
 * Threads die at any moment: `worker.terminate()` stops a worker's
 * JavaScript at its next interrupt check and runs nothing after it. So no
 * lock or claim may outlive its holder:
 *   - Under the lock are only a few reads and stores of the table, no
 *     zeroing, no growing and no user code. Each section publishes its change
 *     with one final store, so a section cut short leaves the table as it was
 *     (at most the high-water mark has moved up, which costs some zeroing
 *     later).
 *   - Making a map claims an entry under the lock (state CREATING, owner
 *     recorded), grows the arena and zeroes the reused part of its region
 *     outside the lock in chunks (checking before each that the claim still
 *     stands, counting progress after each), then publishes it with one
 *     holder under the lock. An opener of that name waits for the creator.
 *   - Adding and dropping holders (retain, release) are single
 *     compare-and-swaps, with no lock.
 *   - A waiter sleeps in Atomics.wait with a timeout (where Atomics.wait is
 *     forbidden, a browser's main thread, it spins for the same time) and
 *     then checks the holder with the platform's thread probe (ThreadLiveness:
 *     on Linux, /proc). A holder known dead is taken over at once. Without a
 *     probe, a holder that made no progress for PRESUMED_DEAD_MS is presumed
 *     dead: critical sections last microseconds, so only a thread stopped
 *     (by a debugger, or not scheduled) that long inside one could be wrongly
 *     presumed dead.
 *
 * Holders that die keep their maps: a holder count cannot tell a dead
 * thread's hold from a live one's, so a map held by a terminated worker
 * lives until the process (or page) ends.
 *
 * @module
 */
import { MemmapError } from '../src/errors.js';
import type { SharedMode } from '../src/types.js';

/** How this platform tells whether a thread of the process still runs. */
export interface ThreadLiveness {
  /** This thread's identity: non-zero, recorded as the holder of the lock and of claims. */
  readonly self: bigint;
  /** true: `thread` (an identity) runs; false: it has ended; undefined: this platform cannot tell. */
  alive(thread: bigint): boolean | undefined;
}

/**
 * Liveness where the platform has no probe: a random negative identity per
 * thread, and holders are presumed dead after PRESUMED_DEAD_MS without progress.
 */
export function presumedLiveness(): ThreadLiveness {
  const words = crypto.getRandomValues(new Uint32Array(2));
  const self = -((BigInt((words[0] as number) & 0x7fffffff) << 32n) | BigInt(words[1] as number)) - 1n;
  return { self, alive: () => undefined };
}

const MAX_ENTRIES = 256;
const NAME_BYTES = 256;
const ALIGN = 4096;
const HEADER_BYTES = 64;
/** Per entry: Int32 state, nameLength, progress, pad; BigInt64 owner; Float64 offset, size; pad; the name. */
const ENTRY_BYTES = 48 + NAME_BYTES;
const TABLE_BYTES = MAX_ENTRIES * ENTRY_BYTES;
const DATA_START = Math.ceil((HEADER_BYTES + TABLE_BYTES) / ALIGN) * ALIGN;
/** A growable SharedArrayBuffer is limited to 4 GiB (ArrayBuffer length). */
const MAX_ARENA = 2 ** 32;
/** "MMA" and the layout's version: an arena of another layout is refused. */
const ARENA_TAG = 0x4d4d4102;

/** Header cells, by index in the BigInt64, Int32 and Float64 views. */
const LOCK = 0; // BigInt64
const TAG = 2; // Int32
const LOCK_SEQ = 3; // Int32: bumped by every unlock (progress of the lock)
const HIGH_WATER = 2; // Float64
const TAKEOVERS = 6; // Int32: locks and claims taken over from dead holders

/** Entry states (Int32); above 0, the number of holders of a live map. */
const FREE = 0;
const CREATING = -1;

/** How long a waiter sleeps (or spins) before it checks the holder again. */
const SLICE_MS = 10;
/** Without a thread probe, a holder that made no progress for this long is presumed dead. */
export const PRESUMED_DEAD_MS = 2000;
/** Zeroing goes in chunks of this size, checking the claim before each. */
const ZERO_CHUNK = 1 << 20;

let waitAllowed: boolean | undefined;

/** Whether this thread may block in Atomics.wait (not on a browser's main thread). */
export function canWait(): boolean {
  if (waitAllowed === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      waitAllowed = true;
    } catch {
      waitAllowed = false;
    }
  }
  return waitAllowed;
}

/** Atomics.wait and Atomics.load over either kind of cell. */
type Cells = Int32Array | BigInt64Array;
const wait = Atomics.wait as (cells: Cells, index: number, value: number | bigint, timeout: number) => string;
const load = Atomics.load as (cells: Cells, index: number) => number | bigint;

/** Sleeps up to SLICE_MS while `cells[index]` holds `value` (spins where waiting is forbidden). */
function pause(cells: Cells, index: number, value: number | bigint): void {
  if (canWait()) {
    wait(cells, index, value, SLICE_MS);
    return;
  }
  const end = performance.now() + SLICE_MS;
  while (load(cells, index) === value && performance.now() < end) {
    // spin: Atomics.wait is forbidden on this thread
  }
}

/** A named map's place in the arena; release() once per holder. */
export interface ArenaMap {
  readonly offset: number;
  readonly size: number;
  readonly buffer: SharedArrayBuffer;
  /** The entry's index, to retain and release it. */
  readonly entry: number;
}

/** What openers do (see SharedArena.open). */
type Step =
  | { kind: 'done'; map: ArenaMap }
  | { kind: 'wait'; entry: number; creator: bigint }
  | { kind: 'claimed'; entry: number; offset: number; end: number; zeroTo: number }
  | { kind: 'retry' };

export class SharedArena {
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;
  readonly #i64: BigInt64Array;
  readonly #f64: Float64Array;
  readonly #u8: Uint8Array;
  readonly #threads: ThreadLiveness;

  /** Joins the arena in `buffer` (EINVAL when it is not an arena of this layout). */
  constructor(buffer: SharedArrayBuffer, threads: ThreadLiveness = presumedLiveness()) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < DATA_START) {
      throw new MemmapError('EINVAL', 'not a memmap shared arena');
    }
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer, 0, (HEADER_BYTES + TABLE_BYTES) / 4);
    this.#i64 = new BigInt64Array(buffer, 0, (HEADER_BYTES + TABLE_BYTES) / 8);
    this.#f64 = new Float64Array(buffer, 0, (HEADER_BYTES + TABLE_BYTES) / 8);
    this.#u8 = new Uint8Array(buffer, 0, HEADER_BYTES + TABLE_BYTES);
    this.#threads = threads;
    if (Atomics.load(this.#i32, TAG) !== ARENA_TAG) {
      throw new MemmapError('EINVAL', 'not a memmap shared arena (or one of another version of memmap)');
    }
  }

  /** A new, empty arena. */
  static create(threads?: ThreadLiveness): SharedArena {
    const buffer = new SharedArrayBuffer(DATA_START, { maxByteLength: MAX_ARENA });
    new Float64Array(buffer, 0, HEADER_BYTES / 8)[HIGH_WATER] = DATA_START;
    Atomics.store(new Int32Array(buffer, 0, HEADER_BYTES / 4), TAG, ARENA_TAG);
    return new SharedArena(buffer, threads);
  }

  /** Locks and claims taken over from holders found or presumed dead, since the arena was made. */
  get takeovers(): number {
    return Atomics.load(this.#i32, TAKEOVERS);
  }

  // Entry cells: Int32 at #i(e) + {0: state, 1: name length, 2: progress},
  // BigInt64 at #f(e) + 2 (owner), Float64 at #f(e) + {3: offset, 4: size},
  // name bytes at HEADER_BYTES + e * ENTRY_BYTES + 48.
  #i(e: number): number {
    return (HEADER_BYTES + e * ENTRY_BYTES) / 4;
  }
  #f(e: number): number {
    return (HEADER_BYTES + e * ENTRY_BYTES) / 8;
  }
  #state(e: number): number {
    return Atomics.load(this.#i32, this.#i(e));
  }
  #owner(e: number): bigint {
    return Atomics.load(this.#i64, this.#f(e) + 2);
  }

  /** Whether `holder`, seen making no progress since `since`, is dead (known, or presumed). */
  #dead(holder: bigint, since: number): boolean {
    const alive = this.#threads.alive(holder);
    return alive === false || (alive === undefined && performance.now() - since >= PRESUMED_DEAD_MS);
  }

  #lock(): void {
    const me = this.#threads.self;
    let seen = 0n;
    let seenSeq = 0;
    let since = 0;
    for (;;) {
      const holder = Atomics.compareExchange(this.#i64, LOCK, 0n, me);
      if (holder === 0n) return;
      const seq = Atomics.load(this.#i32, LOCK_SEQ);
      if (holder !== seen || seq !== seenSeq) {
        seen = holder;
        seenSeq = seq;
        since = performance.now();
      } else if (this.#dead(holder, since)) {
        // Safe to take over: every section publishes with one final store.
        if (Atomics.compareExchange(this.#i64, LOCK, holder, me) === holder) {
          Atomics.add(this.#i32, TAKEOVERS, 1);
          return;
        }
        continue;
      }
      pause(this.#i64, LOCK, holder);
    }
  }

  #unlock(): void {
    Atomics.add(this.#i32, LOCK_SEQ, 1);
    // Only our own lock: one taken over from us (we were presumed dead) stays its new holder's.
    Atomics.compareExchange(this.#i64, LOCK, this.#threads.self, 0n);
    Atomics.notify(this.#i64, LOCK);
  }

  /** Publishes an entry's state: the final store of a section (EAGAIN if the lock was taken over from us). */
  #publish(e: number, state: number): void {
    if (Atomics.load(this.#i64, LOCK) !== this.#threads.self) {
      throw new MemmapError(
        'EAGAIN',
        `the shared arena's lock was taken over from this thread (it made no progress for ${PRESUMED_DEAD_MS} ms); try again`,
      );
    }
    Atomics.store(this.#i32, this.#i(e), state);
  }

  /** The entry (CREATING or live) named `name`, or -1. */
  #find(name: Uint8Array): number {
    for (let e = 0; e < MAX_ENTRIES; e++) {
      const i = this.#i(e);
      if (this.#i32[i] === FREE || this.#i32[i + 1] !== name.length) continue;
      const at = HEADER_BYTES + e * ENTRY_BYTES + 48;
      let same = true;
      for (let k = 0; k < name.length && same; k++) same = this.#u8[at + k] === name[k];
      if (same) return e;
    }
    return -1;
  }

  /** The lowest aligned offset with `size` bytes that no entry (CREATING or live) uses (first fit). */
  #place(size: number): number {
    let at = DATA_START;
    for (let moved = true; moved; ) {
      moved = false;
      for (let e = 0; e < MAX_ENTRIES; e++) {
        if (this.#i32[this.#i(e)] === FREE) continue;
        const offset = this.#f64[this.#f(e) + 3] as number;
        const end = offset + (this.#f64[this.#f(e) + 4] as number);
        if (offset < at + size && at < end) {
          at = Math.ceil(end / ALIGN) * ALIGN;
          moved = true;
        }
      }
    }
    return at;
  }

  /** Frees the claims of creators the probe finds dead (under the lock; for a full table). */
  #reclaimDeadClaims(): boolean {
    let freed = false;
    for (let e = 0; e < MAX_ENTRIES; e++) {
      if (this.#state(e) === CREATING && this.#threads.alive(this.#owner(e)) === false) {
        this.#publish(e, FREE);
        Atomics.add(this.#i32, TAKEOVERS, 1);
        freed = true;
      }
    }
    return freed;
  }

  /** One locked step of open(): join, wait for a creator, or claim an entry. */
  #step(name: string, key: Uint8Array, capacity: number, mode: SharedMode): Step {
    this.#lock();
    try {
      const e = this.#find(key);
      if (e >= 0) {
        const state = this.#state(e);
        if (state === CREATING) return { kind: 'wait', entry: e, creator: this.#owner(e) };
        if (mode === 'createNew') throw new MemmapError('EEXIST', `a live map is named '${name}'`);
        const size = this.#f64[this.#f(e) + 4] as number;
        if (capacity > size) {
          throw new MemmapError('ERANGE', `the map '${name}' has ${size} bytes, fewer than the capacity ${capacity} asked for`);
        }
        // Releases run without the lock: the holder count may have dropped to 0 meanwhile.
        if (Atomics.compareExchange(this.#i32, this.#i(e), state, state + 1) !== state) return { kind: 'retry' };
        return { kind: 'done', map: { offset: this.#f64[this.#f(e) + 3] as number, size, buffer: this.buffer, entry: e } };
      }
      if (mode === 'openExisting') throw new MemmapError('ENOENT', `no map is named '${name}'`);
      let free = this.#freeEntry();
      let offset = this.#place(capacity);
      if ((free < 0 || offset + capacity > MAX_ARENA) && this.#reclaimDeadClaims()) {
        free = this.#freeEntry();
        offset = this.#place(capacity);
      }
      if (free < 0) throw new MemmapError('ENOSPC', `the registry holds at most ${MAX_ENTRIES} named maps at once`);
      const end = offset + capacity;
      if (end > MAX_ARENA) {
        throw new MemmapError('ENOSPC', `named maps of this backend share at most 4 GiB; ${capacity} more bytes do not fit`);
      }
      const highWater = this.#f64[HIGH_WATER] as number;
      const i = this.#i(free);
      const f = this.#f(free);
      this.#i32[i + 1] = key.length;
      this.#i32[i + 2] = 0;
      this.#u8.set(key, HEADER_BYTES + free * ENTRY_BYTES + 48);
      Atomics.store(this.#i64, f + 2, this.#threads.self);
      this.#f64[f + 3] = offset;
      this.#f64[f + 4] = capacity;
      if (end > highWater) this.#f64[HIGH_WATER] = end;
      this.#publish(free, CREATING);
      return { kind: 'claimed', entry: free, offset, end, zeroTo: Math.max(offset, Math.min(end, highWater)) };
    } finally {
      this.#unlock();
    }
  }

  #freeEntry(): number {
    for (let e = 0; e < MAX_ENTRIES; e++) if (this.#state(e) === FREE) return e;
    return -1;
  }

  /** Whether entry `e` is still claimed by this thread. */
  #claimed(e: number): boolean {
    return this.#state(e) === CREATING && this.#owner(e) === this.#threads.self;
  }

  /** Waits until entry `e`, claimed by `creator`, is published or freed; takes it over from a dead creator. */
  #awaitCreator(e: number, creator: bigint): void {
    const i = this.#i(e);
    let progress = Atomics.load(this.#i32, i + 2);
    let since = performance.now();
    while (this.#state(e) === CREATING && this.#owner(e) === creator) {
      pause(this.#i32, i, CREATING);
      const now = Atomics.load(this.#i32, i + 2);
      if (now !== progress) {
        progress = now;
        since = performance.now();
      } else if (this.#state(e) === CREATING && this.#dead(creator, since)) {
        this.#lock();
        try {
          if (this.#state(e) === CREATING && this.#owner(e) === creator) {
            this.#publish(e, FREE);
            Atomics.add(this.#i32, TAKEOVERS, 1);
          }
        } finally {
          this.#unlock();
        }
        Atomics.notify(this.#i32, i);
      }
    }
  }

  /** Grows the arena to hold `end` bytes (any thread may have grown it meanwhile). */
  #grow(end: number): void {
    while (this.buffer.byteLength < end) {
      const target = Math.min(MAX_ARENA, Math.ceil(end / (1 << 20)) * (1 << 20));
      try {
        this.buffer.grow(Math.max(target, this.buffer.byteLength));
      } catch (err) {
        if (this.buffer.byteLength >= end) return;
        throw new MemmapError('ENOMEM', `cannot grow the shared arena to ${end} bytes: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Makes the claimed region ready: grows the arena, zeroes the reused part
   * (below the high-water mark) chunk by chunk. false when the claim was
   * taken over meanwhile.
   */
  #prepare(e: number, offset: number, end: number, zeroTo: number): boolean {
    this.#grow(end);
    const i = this.#i(e);
    Atomics.add(this.#i32, i + 2, 1);
    for (let at = offset; at < zeroTo; at += ZERO_CHUNK) {
      if (!this.#claimed(e)) return false;
      new Uint8Array(this.buffer, at, Math.min(ZERO_CHUNK, zeroTo - at)).fill(0);
      Atomics.add(this.#i32, i + 2, 1);
    }
    return true;
  }

  /** Frees a claim this thread gave up (a failed grow). */
  #abandon(e: number): void {
    this.#lock();
    try {
      if (this.#claimed(e)) this.#publish(e, FREE);
    } finally {
      this.#unlock();
    }
    Atomics.notify(this.#i32, this.#i(e));
  }

  /** Publishes a prepared claim with one holder; false when it was taken over meanwhile. */
  #complete(e: number): boolean {
    this.#lock();
    try {
      if (!this.#claimed(e)) return false;
      this.#publish(e, 1);
    } finally {
      this.#unlock();
    }
    Atomics.notify(this.#i32, this.#i(e));
    return true;
  }

  /**
   * Opens the named map: `createNew` makes it (`EEXIST` when it is live),
   * `createOrOpen` joins it or makes it, `openExisting` joins it (`ENOENT`
   * when there is none). Joining a map smaller than `capacity` is `ERANGE`;
   * `capacity` 0 joins with the map's size. A map being made by another
   * thread is waited for. The caller holds the map until release().
   */
  open(name: string, capacity: number, mode: SharedMode): ArenaMap {
    const key = new TextEncoder().encode(name);
    for (;;) {
      const step = this.#step(name, key, capacity, mode);
      if (step.kind === 'done') return step.map;
      if (step.kind === 'wait') this.#awaitCreator(step.entry, step.creator);
      if (step.kind !== 'claimed') continue;
      let ready: boolean;
      try {
        ready = this.#prepare(step.entry, step.offset, step.end, step.zeroTo);
      } catch (err) {
        this.#abandon(step.entry);
        throw err;
      }
      if (ready && this.#complete(step.entry)) {
        return { offset: step.offset, size: capacity, buffer: this.buffer, entry: step.entry };
      }
    }
  }

  /** Adds a holder to an open map (a view of it). */
  retain(map: ArenaMap): void {
    Atomics.add(this.#i32, this.#i(map.entry), 1);
  }

  /** Drops a holder; the last one frees the map's name and bytes. */
  release(map: ArenaMap): void {
    Atomics.sub(this.#i32, this.#i(map.entry), 1);
  }

  /** Maps being made and live maps, with their holders, for tests and diagnostics. */
  list(): { name: string; offset: number; size: number; holders: number; creating: boolean }[] {
    const out: { name: string; offset: number; size: number; holders: number; creating: boolean }[] = [];
    for (let e = 0; e < MAX_ENTRIES; e++) {
      const state = this.#state(e);
      if (state === FREE) continue;
      const at = HEADER_BYTES + e * ENTRY_BYTES + 48;
      const name = new TextDecoder().decode(this.#u8.slice(at, at + (this.#i32[this.#i(e) + 1] as number)));
      const f = this.#f(e);
      out.push({
        name,
        offset: this.#f64[f + 3] as number,
        size: this.#f64[f + 4] as number,
        holders: Math.max(state, 0),
        creating: state === CREATING,
      });
    }
    return out;
  }
}
