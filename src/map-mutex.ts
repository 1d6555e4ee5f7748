/**
 * MapMutex: a mutex in 12 bytes of a map, shared by every thread and process
 * that maps them, which survives the death of its owner: the next locker
 * gets the lock with `ownerDied: true` (as a POSIX robust mutex's
 * EOWNERDEAD) and repairs what the dead owner left half done.
 *
 *   +0  state    0: free; else the owner's thread id (bits 0-29), plus
 *                STARVING (bit 30) when a waiter has waited too long;
 *                HANDOFF (STARVING alone): handed to a woken waiter
 *   +4  token    the owner's token (start time), written after it took
 *                the lock (0 until then: matches any start time)
 *   +8  waiters  how many threads sleep on the state, or are about to
 *
 * Locking is a compare-and-swap of the state from 0 to the caller's id;
 * losers sleep on the state (ViewAccessor.wait: a futex between processes)
 * and the unlocker wakes one. A sleeper wakes up every SLICE_MS to see
 * whether the owner still runs (src/threads.ts: its thread id and start
 * time); if it does not, the sleeper swaps the dead owner's state for its
 * own and returns ownerDied. No process or thread has to be alive for the
 * lock to come free, and no lock file or helper process is needed.
 *
 * Fairness: a thread that has waited longer than STARVE_MS sets STARVING;
 * the owner then unlocks by handing the lock to the waiter it wakes
 * (HANDOFF) instead of freeing it, so arriving threads cannot take it
 * first, and a waiter is not starved forever (Go's sync.Mutex does the
 * same). If the woken waiter dies before it takes the handed-off lock,
 * another takes it after a slice (ownerDied false: nobody entered).
 *
 * Limits: the owner is a thread of the backend that made the view (native:
 * threads of any process; wasm: threads of this agent cluster). Where the
 * platform cannot tell whether a thread runs (browsers, synchronously), a
 * dead owner is found only by lockAsync; see src/threads.ts. Thread ids are
 * those of the kernel: processes in different PID namespaces (containers)
 * sharing a map must not share a mutex.
 *
 * @module
 */
import { disposeSymbol } from './dispose.js';
import { MemmapError, closedError, rangeError, typeError } from './errors.js';
import type { ThreadId, Threads } from './threads.js';
import { drive, driveAsync, type Steps } from './steps.js';
import { checkBlocking, checkTimeout, type ViewWaiter } from './wait.js';
import { checkIndex } from './validate.js';
import { ViewAccessor } from './view-accessor.js';

const OWNER = 0x3fffffff;
const STARVING = 0x40000000;
const HANDOFF = STARVING;
/** How long a sleeper sleeps before it looks whether the owner still runs. */
const SLICE_MS = 50;
/** A waiter that has waited this long makes the next unlock a handoff. */
const STARVE_MS = 5;
/** Compare-and-swap attempts before a locker sleeps. */
const SPINS = 100;

/**
 * What a lock call returns: whether the previous owner died holding the lock.
 * Disposing it unlocks that acquisition (nothing once unlock() ran).
 */
export interface MutexGuard {
  /** True when the previous owner died holding the lock: the data it guards may be half updated. */
  readonly ownerDied: boolean;
  /** Unlocks (as MapMutex.unlock()). */
  [Symbol.dispose](): void;
}

function now(): number {
  return performance.now();
}

function ownerOf(state: number): number {
  return state & OWNER;
}

/** A mutex in 12 bytes of a map (see the module comment). */
export class MapMutex {
  /** The bytes a mutex takes in the map. */
  static readonly byteLength = 12;

  readonly #accessor: ViewAccessor;
  readonly #waiter: ViewWaiter;
  readonly #threads: Threads;
  readonly #cells: Int32Array;
  readonly #position: number;
  /** Counts this object's acquisitions and unlocks, so that a guard disposes only its own. */
  #epoch = 0;

  /**
   * The mutex in the 12 bytes at `position` of the accessor's view: zeroed
   * bytes are a free mutex. `position` must be 4-aligned in the map.
   * Errors: `TypeError` (not a ViewAccessor), `ERANGE` (position
   * misaligned, or the 12 bytes not within the view), `ECLOSED`, `EACCES`
   * (the view must read and write shared pages: `readWrite` or
   * `readWriteExecute`), `EUNSUPPORTED` (a paged view of the wasm backend).
   */
  constructor(accessor: ViewAccessor, position: number) {
    if (!(accessor instanceof ViewAccessor)) throw typeError('accessor must be a ViewAccessor');
    const pos = checkIndex(position, 'position');
    if (pos + MapMutex.byteLength > accessor.capacity) {
      throw rangeError(`position ${pos} + ${MapMutex.byteLength} bytes is beyond the view's capacity ${accessor.capacity}`);
    }
    if ((accessor.offset + pos) % 4 !== 0) {
      throw rangeError(`the mutex at position ${pos} is not 4-aligned in the map (the view starts at offset ${accessor.offset})`);
    }
    if (accessor.closed) throw closedError('view accessor');
    if (accessor.access !== 'readWrite' && accessor.access !== 'readWriteExecute') {
      throw new MemmapError('EACCES', `a mutex needs a view that reads and writes shared pages, not '${accessor.access}'`);
    }
    const waiter = ViewAccessor.waiterOf(accessor);
    if (!waiter) {
      throw new MemmapError('EUNSUPPORTED', 'a paged view (a persisted map of the wasm backend) has nothing shared to lock');
    }
    const bytes = accessor.bytes;
    this.#accessor = accessor;
    this.#waiter = waiter;
    this.#threads = waiter.threads;
    this.#cells = new Int32Array(bytes.buffer, bytes.byteOffset + pos, 3);
    this.#position = pos;
  }

  #check(): ThreadId {
    if (this.#accessor.closed) throw closedError('view accessor');
    return this.#threads.self();
  }

  #taken(me: ThreadId, ownerDied: boolean): MutexGuard {
    Atomics.store(this.#cells, 1, me.token);
    const epoch = ++this.#epoch;
    // Disposing unlocks this acquisition only: not after an explicit unlock(), nor a later lock.
    return {
      ownerDied,
      [disposeSymbol]: () => {
        if (epoch === this.#epoch) this[disposeSymbol]();
      },
    };
  }

  /**
   * One attempt to take the lock seen in `state`: free, handed off to a
   * woken waiter, or held by a thread that is dead (`dead`). Returns the
   * guard, or null when it is held (or the swap lost a race).
   */
  #attempt(state: number, me: ThreadId, woken: boolean, dead: boolean, starving: boolean): MutexGuard | null {
    const keep = starving ? STARVING : 0;
    if (state === 0) {
      return Atomics.compareExchange(this.#cells, 0, 0, me.id | keep) === 0 ? this.#taken(me, false) : null;
    }
    if (state === HANDOFF && (woken || dead)) {
      return Atomics.compareExchange(this.#cells, 0, HANDOFF, me.id | keep) === HANDOFF ? this.#taken(me, false) : null;
    }
    if (ownerOf(state) === me.id) {
      throw new MemmapError('EDEADLK', 'this thread already holds the mutex');
    }
    if (dead && ownerOf(state) !== 0) {
      return Atomics.compareExchange(this.#cells, 0, state, me.id | keep) === state ? this.#taken(me, true) : null;
    }
    return null;
  }

  /**
   * Takes the lock without waiting: the guard, or null when a live thread
   * holds it. A lock whose owner died is taken (`ownerDied` true). Errors:
   * `ECLOSED`, `EDEADLK` (this thread holds it).
   */
  tryLock(): MutexGuard | null {
    const me = this.#check();
    const state = Atomics.load(this.#cells, 0);
    const taken = this.#attempt(state, me, false, false, false);
    if (taken || state === 0) return taken;
    if (ownerOf(state) === 0 || this.#threads.alive(ownerOf(state), Atomics.load(this.#cells, 1)) !== false) return null;
    return this.#attempt(state, me, false, true, false);
  }

  /**
   * Takes the lock, sleeping while another thread or process holds it, for
   * at most `timeoutMs` (default: no limit). Returns a guard (`using` it
   * unlocks at the end of the scope) whose `ownerDied` says whether the
   * previous owner died holding the lock. Errors: `ERANGE` (timeout negative
   * or NaN), `ECLOSED`, `EDEADLK` (this thread holds it already),
   * `ETIMEDOUT`, `EUNSUPPORTED` (a thread that may not block, a browser's
   * main thread: use lockAsync).
   */
  lock(timeoutMs?: number): MutexGuard {
    const timeout = checkTimeout(timeoutMs);
    const me = this.#check();
    checkBlocking(this.#waiter);
    return drive(this.#acquire(me, timeout), this.#waiter);
  }

  /**
   * lock() without blocking the thread: a Promise of the guard. It sleeps
   * with waitAsync, so it also works on a browser's main thread, and it
   * sees a dead owner wherever the platform can tell, also asynchronously
   * (Web Locks). Errors as lock(), as rejections.
   */
  async lockAsync(timeoutMs?: number): Promise<MutexGuard> {
    const timeout = checkTimeout(timeoutMs);
    const me = this.#check();
    return driveAsync(this.#acquire(me, timeout), this.#waiter);
  }

  /** @internal The locking loop, for callers that drive it within their own (Channel's senders). */
  static lockSteps(mutex: MapMutex, timeoutMs: number): Steps<MutexGuard> {
    return mutex.#acquire(mutex.#check(), timeoutMs);
  }

  /**
   * The locking loop of lock() and lockAsync() (driven by src/steps.ts,
   * blocking or not).
   */
  *#acquire(me: ThreadId, timeout: number): Steps<MutexGuard> {
    for (let i = 0; i < SPINS; i++) {
      const taken = this.#attempt(Atomics.load(this.#cells, 0), me, false, false, false);
      if (taken) return taken;
    }
    const start = now();
    const deadline = start + timeout;
    Atomics.add(this.#cells, 2, 1);
    try {
      let woken = false;
      let handoffSeen = false;
      for (;;) {
        this.#check();
        const state = Atomics.load(this.#cells, 0);
        const starving = now() - start > STARVE_MS;
        const taken = this.#attempt(state, me, woken, false, starving && Atomics.load(this.#cells, 2) > 1);
        if (taken) return taken;
        if (starving && ownerOf(state) !== 0 && !(state & STARVING)) {
          Atomics.compareExchange(this.#cells, 0, state, state | STARVING);
          continue;
        }
        const left = deadline - now();
        if (left <= 0) throw new MemmapError('ETIMEDOUT', `the mutex was not free within ${timeout} ms`);
        const result = state === 0 ? 'not-equal' : yield { position: this.#position, value: state, ms: Math.min(SLICE_MS, left) };
        woken = result === 'ok';
        if (result !== 'timed-out') continue;
        // A whole slice in the same state: is its owner gone, or the taker of a handoff?
        let dead: boolean;
        if (state === HANDOFF) {
          dead = handoffSeen;
          handoffSeen = true;
        } else {
          handoffSeen = false;
          dead = (yield { owner: ownerOf(state), token: Atomics.load(this.#cells, 1) }) === false;
        }
        if (dead) {
          const took = this.#attempt(state, me, false, true, false);
          if (took) return took;
        }
      }
    } finally {
      if (!this.#accessor.closed) Atomics.sub(this.#cells, 2, 1);
    }
  }

  /**
   * Unlocks. When a waiter has waited long (STARVING), the lock goes
   * straight to the waiter it wakes. Errors: `ECLOSED`, `EPERM` (this
   * thread does not hold the lock).
   */
  unlock(): void {
    const me = this.#check();
    this.#epoch++;
    let state = Atomics.load(this.#cells, 0);
    for (;;) {
      if (ownerOf(state) !== me.id) throw new MemmapError('EPERM', 'this thread does not hold the mutex');
      Atomics.store(this.#cells, 1, 0);
      if (state & STARVING && Atomics.load(this.#cells, 2) > 0) {
        Atomics.store(this.#cells, 0, HANDOFF);
        if (this.#waiter.notify(this.#position, 1) > 0) return;
        // Nobody was asleep to take it: free it, and wake whoever went to sleep since.
        if (Atomics.compareExchange(this.#cells, 0, HANDOFF, 0) === HANDOFF && Atomics.load(this.#cells, 2) > 0) {
          this.#waiter.notify(this.#position, 1);
        }
        return;
      }
      const seen = Atomics.compareExchange(this.#cells, 0, state, 0);
      if (seen === state) break;
      state = seen; // a waiter set STARVING meanwhile
    }
    if (Atomics.load(this.#cells, 2) > 0) this.#waiter.notify(this.#position, 1);
  }

  /** Unlocks if this thread holds the lock; else nothing. */
  [disposeSymbol](): void {
    if (this.#accessor.closed) return;
    if (ownerOf(Atomics.load(this.#cells, 0)) === this.#threads.self().id) this.unlock();
  }
}
