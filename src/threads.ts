/**
 * Who holds a lock: the identity of the calling thread and the liveness of
 * other threads, with which MapMutex and Channel tell a holder that died
 * from one that is slow. Each backend brings its own (`ViewWaiter.threads`):
 *
 *   native            the core: Linux thread id + start time (/proc/<tid>/stat),
 *                     macOS process id + start time, Windows thread id +
 *                     creation time (node/backend.ts)
 *   wasm, Linux Node  the same, read by JS from /proc/thread-self and
 *                     /proc/<tid>/stat (wasm/node-platform.ts): a worker that
 *                     worker.terminate() stopped is gone within milliseconds
 *   wasm, elsewhere   Web Locks (webLockThreads below): each thread holds a
 *                     lock named after it for as long as it runs; asking
 *                     whether it is held is asynchronous only, so only the
 *                     async operations (lockAsync, receiveAsync, ...) see a
 *                     dead thread there, and where there is no
 *                     `navigator.locks` (Node 20 and 22 off Linux) none do
 *
 * An id is a number from 1 to 2^30 - 1, unique among the live threads that
 * share a map; the token tells a thread from an earlier one that had the
 * same id (0: no token, matches any).
 *
 * @module
 */

/** A thread's identity as a lock records it. */
export interface ThreadId {
  readonly id: number;
  readonly token: number;
}

/**
 * How a Threads tells that a thread has died: `'sync'`, alive() answers (so
 * lock, tryLock and the other synchronous operations take over from a dead
 * holder); `'async'`, only aliveAsync() does (only lockAsync, receiveAsync
 * and the other asynchronous operations do); `'none'`, neither can tell (a
 * lock whose holder died stays held: waits for it end with their timeout).
 */
export type LivenessKind = 'sync' | 'async' | 'none';

export interface Threads {
  /** How a dead thread is told from a live one here. */
  readonly liveness: LivenessKind;
  /** The calling thread. */
  self(): ThreadId;
  /** Whether the thread runs: true, false, or null when it cannot be told synchronously here. */
  alive(id: number, token: number): boolean | null;
  /** The same, where the platform answers only asynchronously; null when it cannot be told. */
  aliveAsync(id: number, token: number): Promise<boolean | null>;
}

/** The largest id: lock words keep the owner in their low 30 bits. */
export const MAX_THREAD_ID = 2 ** 30 - 1;

interface LockManagerLike {
  request<T>(name: string, options: { mode: 'exclusive'; ifAvailable?: boolean }, callback: (lock: unknown) => T | Promise<T>): Promise<T>;
}

function lockManager(): LockManagerLike | undefined {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
}

const LOCK_PREFIX = 'memmap-thread-';

/**
 * How long a thread's lock request may take to reach the lock manager after
 * the thread made it: a request and a check are messages to the lock manager
 * from two threads, and under load the check can overtake the request. A
 * thread is taken for dead only when two checks this far apart both find its
 * lock free.
 */
const LOCK_SHOW_MS = 250;

/**
 * Whether lock `name` is held (or wanted) by someone: asked by requesting it
 * only if it is free, which takes it for no time at all when it is. Not with
 * `query()`, which Node (24) answers with the calling thread's locks only,
 * while a request sees every thread's, as in browsers.
 */
function taken(locks: LockManagerLike, name: string): Promise<boolean> {
  return locks.request(name, { mode: 'exclusive', ifAvailable: true }, (lock) => lock === null);
}

/**
 * Identity by a random id and liveness by Web Locks: the thread asks for an
 * exclusive lock `memmap-thread-<id>` as soon as this object is made (when
 * the module loads, long before the thread's id is written into any map)
 * and never lets it go; the lock ends with the thread (a terminated worker's
 * locks are released). A thread is alive while its lock is taken. Without
 * `navigator.locks`, ids are still unique but liveness is unknown.
 */
export function webLockThreads(): Threads {
  const random = new Uint32Array(1);
  crypto.getRandomValues(random);
  const me: ThreadId = { id: ((random[0] as number) % MAX_THREAD_ID) + 1, token: 0 };
  lockManager()
    ?.request(`${LOCK_PREFIX}${me.id}`, { mode: 'exclusive' }, () => new Promise<void>(() => {}))
    .catch(() => {});
  return {
    get liveness(): LivenessKind {
      return lockManager() ? 'async' : 'none';
    },
    self(): ThreadId {
      return me;
    },
    alive(): null {
      return null;
    },
    async aliveAsync(id: number): Promise<boolean | null> {
      const locks = lockManager();
      if (!locks) return null;
      const name = `${LOCK_PREFIX}${id}`;
      if (await taken(locks, name)) return true;
      await new Promise((resolve) => setTimeout(resolve, LOCK_SHOW_MS));
      return taken(locks, name);
    },
  };
}
