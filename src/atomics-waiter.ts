/**
 * Waiting on the words of a SharedArrayBuffer view (non-persisted maps of
 * the wasm backend): `Atomics.wait`, `Atomics.waitAsync` and
 * `Atomics.notify` on an Int32Array over the view, between the threads of an
 * agent cluster (Node worker_threads; a page and its dedicated workers).
 *
 * - A browser's main thread may not block: `Atomics.wait` throws there, so
 *   wait() is `EUNSUPPORTED` (waitAsync works).
 * - Where `Atomics.waitAsync` is missing (Firefox before 145), waitAsync
 *   polls the word, after 1 ms and then up to every 20 ms, and settles 'ok'
 *   once the word changed; notify() does not count those waiters.
 * - A pending waitAsync keeps Node's event loop alive, as it does on the
 *   native backend (Node's own Atomics.waitAsync does not).
 * - Closing the view rejects its pending waitAsync calls with `ECLOSED`. The
 *   engine cannot drop an Atomics waiter, so each stays queued on its word
 *   until a notify (which counts it) or its timeout.
 * - A waitAsync with a timeout also settles by a timer of ours: WebKit
 *   (WebKitGTK 2.50, in a dedicated worker) never settles an Atomics.waitAsync whose timeout
 *   passes. There, the engine's waiter stays queued until a notify, which
 *   counts it.
 *
 * @module
 */
import { closedError } from './errors.js';
import { canWait } from '../wasm/shared-arena.js';
import type { Threads } from './threads.js';
import type { ViewWaiter, WaitResult } from './wait.js';

let pending = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

/** Keeps the event loop alive while a waitAsync is pending (a timer that never fires). */
function hold(): () => void {
  if (pending++ === 0) keepAlive = setInterval(() => {}, 2 ** 31 - 1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--pending === 0) clearInterval(keepAlive);
  };
}

type WaitAsyncResult = { async: false; value: WaitResult } | { async: true; value: Promise<WaitResult> };
const atomicsWaitAsync = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t: number) => WaitAsyncResult })
  .waitAsync;

/** Polls `cells[index]` until it is no longer `expected` ('ok') or the timeout passes. */
function pollUntilChanged(cells: Int32Array, index: number, expected: number, timeoutMs: number): Promise<WaitResult> {
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve) => {
    let delay = 1;
    const look = () => {
      if (Atomics.load(cells, index) !== expected) return resolve('ok');
      const left = deadline - performance.now();
      if (left <= 0) return resolve('timed-out');
      setTimeout(look, Math.min(delay, left));
      delay = Math.min(delay * 2, 20);
    };
    look();
  });
}

class AtomicsWaiter implements ViewWaiter {
  readonly #cells: Int32Array;
  /** The index in #cells of the view's byte 0, in Int32 units times 4 (a byte offset). */
  readonly #base: number;
  /** Rejects a pending waitAsync with ECLOSED. */
  readonly #cancels = new Set<() => void>();

  readonly threads: Threads;

  constructor(bytes: Uint8Array, threads: Threads) {
    this.threads = threads;
    const start = bytes.byteOffset - (bytes.byteOffset % 4);
    this.#cells = new Int32Array(bytes.buffer, start, Math.floor((bytes.byteOffset + bytes.byteLength - start) / 4));
    this.#base = bytes.byteOffset - start;
  }

  wait(position: number, expected: number, timeoutMs: number): WaitResult {
    return Atomics.wait(this.#cells, (this.#base + position) >> 2, expected, timeoutMs);
  }

  waitAsync(position: number, expected: number, timeoutMs: number): Promise<WaitResult> {
    const index = (this.#base + position) >> 2;
    let settled: Promise<WaitResult>;
    if (atomicsWaitAsync === undefined) {
      if (Atomics.load(this.#cells, index) !== expected) return Promise.resolve('not-equal');
      settled = pollUntilChanged(this.#cells, index, expected, timeoutMs);
    } else {
      const result = atomicsWaitAsync(this.#cells, index, expected, timeoutMs);
      if (!result.async) return Promise.resolve(result.value);
      settled = result.value;
    }
    const release = hold();
    return new Promise<WaitResult>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        this.#cancels.delete(cancel);
        clearTimeout(timer);
        release();
      };
      const cancel = () => {
        done();
        reject(closedError('view accessor'));
      };
      this.#cancels.add(cancel);
      // WebKit in a worker never settles an Atomics.waitAsync whose timeout passes: a timer of ours does.
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          done();
          resolve('timed-out');
        }, timeoutMs);
      }
      settled.then(
        (value) => {
          done();
          resolve(value);
        },
        (err: unknown) => {
          done();
          reject(err);
        },
      );
    });
  }

  close(): void {
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
  }

  notify(position: number, count: number): number {
    return Atomics.notify(this.#cells, (this.#base + position) >> 2, count);
  }

  blockingUnavailable(): string | null {
    return canWait()
      ? null
      : "this thread may not block (a browser's main thread, where Atomics.wait is not allowed): use the async twin " +
          '(waitAsync, lockAsync, sendAsync, receiveAsync), or block in a worker';
  }
}

/** The waiter of a view over shared memory; null for a private copy (a copyOnWrite view). */
export function atomicsWaiter(bytes: Uint8Array, threads: Threads): ViewWaiter | null {
  return typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer
    ? new AtomicsWaiter(bytes, threads)
    : null;
}
