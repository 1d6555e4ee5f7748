/**
 * Waiting on a view's words: the arguments and rules of
 * `ViewAccessor.wait`, `waitAsync` and `notify`, checked once here for every
 * backend; the backends then only wait (the native addon through the core's
 * futex waits, SharedArrayBuffer maps with Atomics: atomics-waiter.ts).
 *
 * Order of the checks, as everywhere: the arguments (types, then ranges,
 * including where the word lies), then the view's state (closed), its
 * access, and last what the platform can do.
 *
 * @module
 */
import { MemmapError, closedError, rangeError, typeError } from './errors.js';
import type { MemoryMappedFileAccess } from './types.js';
import type { Threads } from './threads.js';
import { checkIndex, describe } from './validate.js';

/** What a wait ended with, as `Atomics.wait` says it. */
export type WaitResult = 'ok' | 'not-equal' | 'timed-out';

/** The results by the core's `mm_wait_result` number. */
export const WAIT_RESULTS: readonly WaitResult[] = ['ok', 'not-equal', 'timed-out'];

/**
 * A backend view's waiting, on Int32 words at positions that are validated
 * (within the view, 4-aligned in the map). Timeouts are milliseconds,
 * `Infinity` for none; counts may be `Infinity` (all).
 */
export interface ViewWaiter {
  wait(position: number, expected: number, timeoutMs: number): WaitResult;
  waitAsync(position: number, expected: number, timeoutMs: number): Promise<WaitResult>;
  notify(position: number, count: number): number;
  /** null when this thread may block in wait(), else why not (a browser's main thread). */
  blockingUnavailable(): string | null;
  /** The view closes: pending waitAsync calls reject with `ECLOSED`. */
  close(): void;
  /** The identity and liveness of the threads that share the view (locks record their owners). */
  readonly threads: Threads;
}

/** Accesses whose views wait: they read pages they share with the map. */
function accessWaits(access: MemoryMappedFileAccess): boolean {
  return access === 'read' || access === 'readWrite' || access === 'readExecute' || access === 'readWriteExecute';
}

/** Accesses whose views notify: they write pages they share with the map. */
function accessNotifies(access: MemoryMappedFileAccess): boolean {
  return access === 'write' || access === 'readWrite' || access === 'readWriteExecute';
}

/** An expected value: any integer an Int32 cell can hold, read as int32 or uint32. */
export function checkExpected(value: unknown): number {
  if (typeof value !== 'number') throw typeError(`expected must be a number, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 32 - 1) {
    throw rangeError(`expected must be an integer from -2^31 to 2^32 - 1, got ${value}`);
  }
  return value | 0;
}

/** A timeout in milliseconds: undefined or Infinity for none; negative or NaN is ERANGE. */
export function checkTimeout(value: unknown, name = 'timeoutMs'): number {
  if (value === undefined) return Infinity;
  if (typeof value !== 'number') throw typeError(`${name} must be a number, got ${describe(value)}`);
  if (!(value >= 0)) throw rangeError(`${name} must be a non-negative number of milliseconds or Infinity, got ${value}`);
  return value;
}

/** A notify count: undefined or Infinity for all, else a non-negative integer. */
function checkCount(value: unknown): number {
  if (value === undefined || value === Infinity) return Infinity;
  return checkIndex(value, 'count');
}

/** What a view tells the checks about itself. */
export interface WaitTarget {
  readonly offset: number;
  readonly capacity: number;
  readonly access: MemoryMappedFileAccess;
  readonly closed: boolean;
  readonly waiter: ViewWaiter | null;
}

function checkWord(target: WaitTarget, position: unknown): number {
  const pos = checkIndex(position, 'position');
  if (pos + 4 > target.capacity) {
    throw rangeError(`position ${pos} + 4 bytes is beyond the view's capacity ${target.capacity}`);
  }
  if ((target.offset + pos) % 4 !== 0) {
    throw rangeError(
      `the Int32 at position ${pos} is not 4-aligned in the map (the view starts at offset ${target.offset})`,
    );
  }
  return pos;
}

function usable(target: WaitTarget, notify: boolean): ViewWaiter {
  if (target.closed) throw closedError('view accessor');
  if (!(notify ? accessNotifies : accessWaits)(target.access)) {
    throw new MemmapError(
      'EACCES',
      target.access === 'copyOnWrite'
        ? 'a copyOnWrite view has private pages: nobody else can wait on them or notify them'
        : `a view opened with '${target.access}' access cannot ${notify ? 'notify (it does not write)' : 'wait (it does not read)'}`,
    );
  }
  if (!target.waiter) {
    throw new MemmapError(
      'EUNSUPPORTED',
      'this view is paged (a persisted map of the wasm backend): each thread has its own page cache, so there is nothing shared to wait on',
    );
  }
  return target.waiter;
}

/** Throws EUNSUPPORTED when this thread may not block (a browser's main thread). */
export function checkBlocking(waiter: ViewWaiter): void {
  const why = waiter.blockingUnavailable();
  if (why !== null) throw new MemmapError('EUNSUPPORTED', why);
}

/** Validates a wait's arguments and state; returns the waiter and the arguments as numbers. */
export function waitArguments(
  target: WaitTarget,
  position: unknown,
  expected: unknown,
  timeoutMs: unknown,
  blocking: boolean,
): [ViewWaiter, number, number, number] {
  const pos = checkWord(target, position);
  const value = checkExpected(expected);
  const timeout = checkTimeout(timeoutMs);
  const waiter = usable(target, false);
  if (blocking) checkBlocking(waiter);
  return [waiter, pos, value, timeout];
}

/** Validates a notify's arguments and state. */
export function notifyArguments(target: WaitTarget, position: unknown, count: unknown): [ViewWaiter, number, number] {
  const pos = checkWord(target, position);
  const n = checkCount(count);
  return [usable(target, true), pos, n];
}
