/**
 * ViewAccessor: random access to a view with typed little-endian reads and
 * writes, bulk array copies and zero-copy byte access. `ViewAccessor` is the
 * public type; each backend's views get the subclass that fits them:
 * DirectViewAccessor here (one zero-copy array: native mmap,
 * SharedArrayBuffer) or PagedViewAccessor (paged-accessor.ts: the WASM pager).
 *
 * Hot paths are a type check, two comparisons and one DataView call: each
 * width has a precomputed limit (`capacity - width`, or -1 when the access
 * forbids the operation or the view is closed), so `position >>> 0 !==
 * position || position > limit` rejects non-integers, negatives,
 * out-of-range positions, forbidden accesses and closed views at once; the
 * slow path then works out which error to throw. Typed writes also check
 * the value's type (a number, or a bigint for 64-bit integers) and never
 * convert it, so no user code (valueOf) runs in the middle of a write. There
 * is no call into the backend per access.
 *
 * @module
 */
import { bytesOf, typedArrayParts } from './array-bytes.js';
import type { BackendView } from './backend.js';
import { windowOf, type ByteWindow } from './byte-window.js';
import { disposeSymbol } from './dispose.js';
import { MemmapError, closedError, rangeError, typeError } from './errors.js';
import { accessCanRead, accessCanWrite, type Advice, type MemoryMappedFileAccess } from './types.js';
import { checkAdvice, checkIndex, describe } from './validate.js';
import { notifyArguments, waitArguments, type ViewWaiter, type WaitResult } from './wait.js';

/** Any typed array (not a DataView) that readArray/writeArray copy to or from. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** Validates (offset, count) against an array's length; returns count. */
export function checkArraySpan(length: number, offset: unknown, count: unknown): number {
  const off = checkIndex(offset, 'offset');
  if (off > length) throw rangeError(`offset ${off} is beyond the array's length ${length}`);
  if (count === undefined) return length - off;
  const n = checkIndex(count, 'count');
  if (off + n > length) {
    throw rangeError(`offset ${off} + count ${n} is beyond the array's length ${length}`);
  }
  return n;
}

/** Random access to a view (made by `MemoryMappedFile.createViewAccessor`). */
export abstract class ViewAccessor {
  /** The view's offset in the map, in bytes. */
  declare readonly offset: number;
  /** The view's size in bytes. */
  declare readonly capacity: number;
  /** offset modulo the allocation granularity: where the view starts in its first page. */
  declare readonly pointerOffset: number;
  /** The view's access. */
  declare readonly access: MemoryMappedFileAccess;
  /** Whether the accessor reads (every access but `write`). */
  declare readonly canRead: boolean;
  /** Whether the accessor writes (`readWrite`, `write`, `copyOnWrite`, `readWriteExecute`). */
  declare readonly canWrite: boolean;

  protected declare readonly view: BackendView;
  protected declare readonly window: ByteWindow;
  protected isClosed = false;
  /**
   * The highest valid position per width, for reads (r) and writes (w): the
   * one comparison of the fast paths. -1 when the access forbids it, and for
   * everything once closed, so that those checks fail and fail() says why.
   *
   * The fields are `declare`d: the constructor's assignment is each one's
   * first value, so V8 keeps these numbers as small integers (no tag check on
   * every read) instead of first seeing the undefined of a bare field.
   */
  protected declare r1: number;
  protected declare r2: number;
  protected declare r4: number;
  protected declare r8: number;
  protected declare w1: number;
  protected declare w2: number;
  protected declare w4: number;
  protected declare w8: number;

  /** @internal Made by `MemoryMappedFile.createViewAccessor`. */
  constructor(view: BackendView, offset: number, access: MemoryMappedFileAccess) {
    this.view = view;
    this.window = windowOf(view);
    this.offset = offset;
    this.capacity = view.size;
    this.pointerOffset = view.pointerOffset;
    this.access = access;
    this.canRead = accessCanRead(access);
    this.canWrite = accessCanWrite(access);
    const r = this.canRead ? this.capacity : -1;
    const w = this.canWrite ? this.capacity : -1;
    this.r1 = r - 1;
    this.r2 = r - 2;
    this.r4 = r - 4;
    this.r8 = r - 8;
    this.w1 = w - 1;
    this.w2 = w - 2;
    this.w4 = w - 4;
    this.w8 = w - 8;
  }

  /** Whether close() has run. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * The view's bytes, zero-copy: writes through this array are writes to the
   * map (for a `read` view they stay private, see {@link MemoryMappedFileAccess}).
   * After close() the array is detached (length 0). Paged views (the WASM
   * backend's persisted maps) have no single array: `EUNSUPPORTED`; use
   * withBytes(), readArray() or a stream.
   */
  abstract get bytes(): Uint8Array;

  /** A DataView over the view's bytes, zero-copy (see `bytes`). */
  abstract get dataView(): DataView;

  abstract readBoolean(position: number): boolean;
  abstract readInt8(position: number): number;
  abstract readUint8(position: number): number;
  abstract readInt16(position: number): number;
  abstract readUint16(position: number): number;
  abstract readInt32(position: number): number;
  abstract readUint32(position: number): number;
  abstract readFloat32(position: number): number;
  abstract readFloat64(position: number): number;
  abstract readBigInt64(position: number): bigint;
  abstract readBigUint64(position: number): bigint;
  abstract writeBoolean(position: number, value: boolean): void;
  abstract writeInt8(position: number, value: number): void;
  abstract writeUint8(position: number, value: number): void;
  abstract writeInt16(position: number, value: number): void;
  abstract writeUint16(position: number, value: number): void;
  abstract writeInt32(position: number, value: number): void;
  abstract writeUint32(position: number, value: number): void;
  abstract writeFloat32(position: number, value: number): void;
  abstract writeFloat64(position: number, value: number): void;
  abstract writeBigInt64(position: number, value: bigint): void;
  abstract writeBigUint64(position: number, value: bigint): void;

  /**
   * Works out and throws the error of a call that failed a fast-path check,
   * in .NET's order: closed, access, position; then, for a typed write given
   * `type`, the value's type (a `TypeError`, code `EINVAL`: values are never
   * converted, so no user code runs inside a write).
   */
  protected fail(position: unknown, width: number, write: boolean, value?: unknown, type?: 'number' | 'bigint'): never {
    if (this.isClosed) throw closedError('view accessor');
    if (write && !this.canWrite) {
      throw new MemmapError('EACCES', `cannot write through a view opened with '${this.access}' access`);
    }
    if (!write && !this.canRead) {
      throw new MemmapError('EACCES', `cannot read through a view opened with '${this.access}' access`);
    }
    const pos = checkIndex(position, 'position');
    if (type === undefined || pos > this.capacity - width) {
      throw rangeError(`position ${pos} + ${width} bytes is beyond the view's capacity ${this.capacity}`);
    }
    throw typeError(`value must be a ${type}, got ${describe(value)}`);
  }

  /**
   * Copies elements from the view at `position` into `array[offset ..]`.
   * Reads at most `count` elements (default: to the array's end) and stops at
   * the view's end; returns the number of elements read (0 at the end).
   * Elements are little-endian (the byte order of every host Node runs on).
   * The array arguments are checked before the view's state, as in .NET.
   */
  readArray(position: number, array: TypedArray, offset = 0, count?: number): number {
    // The array is read through the built-in getters: no getter of the caller's runs inside the call.
    const target = typedArrayParts(array, 'array');
    const want = checkArraySpan(target.length, offset, count);
    if (this.isClosed || !this.canRead) this.fail(position, 0, false);
    const pos = this.checkPosition(position);
    const n = Math.min(want, Math.floor((this.capacity - pos) / target.bytesPerElement));
    if (n === 0) return 0;
    this.window.read(pos, bytesOf(target, offset, n));
    return n;
  }

  /**
   * Copies `count` elements (default: to the array's end) of `array[offset ..]`
   * into the view at `position` and returns `count`. Writes all or nothing: a
   * span that does not fit in the view is a RangeError (`ERANGE`). The array
   * arguments are checked before the view's state, as in .NET.
   */
  writeArray(position: number, array: TypedArray, offset = 0, count?: number): number {
    const source = typedArrayParts(array, 'array');
    const n = checkArraySpan(source.length, offset, count);
    if (this.isClosed || !this.canWrite) this.fail(position, 0, true);
    const pos = this.checkPosition(position);
    const bpe = source.bytesPerElement;
    if (pos + n * bpe > this.capacity) {
      throw rangeError(
        `writing ${n} elements of ${bpe} bytes at ${pos} goes beyond the view's capacity ${this.capacity}`,
      );
    }
    if (n === 0) return 0;
    this.window.write(pos, bytesOf(source, offset, n));
    return n;
  }

  /**
   * Calls `fn` with a zero-copy Uint8Array over [position, position + length)
   * and returns its result. The array is valid only inside `fn`. On paged views
   * (WASM backend) it is zero-copy when the range lies in one page of a view
   * that writes, and otherwise a copy (written back after `fn` on a writable
   * view; a `read` view's copy never reaches the map, as its private pages do
   * natively). `fn` may close the view: its bytes stay valid until it returns,
   * and what it wrote is kept. On the wasm backend, opening a map or a view
   * inside `fn` is `EBUSY` (it could grow WASM memory under the bytes).
   */
  withBytes<T>(position: number, length: number, fn: (bytes: Uint8Array) => T): T {
    const pos = this.checkPosition(position);
    const len = checkIndex(length, 'length');
    if (pos + len > this.capacity) {
      throw rangeError(`position ${pos} + length ${len} is beyond the view's capacity ${this.capacity}`);
    }
    if (typeof fn !== 'function') throw typeError('fn must be a function');
    if (this.isClosed) throw closedError('view accessor');
    return this.window.withBytes(pos, len, this.canWrite, fn);
  }

  protected checkPosition(position: unknown): number {
    const pos = checkIndex(position, 'position');
    if (pos > this.capacity) {
      throw rangeError(`position ${pos} is beyond the view's capacity ${this.capacity}`);
    }
    return pos;
  }

  /**
   * Writes the view's modified pages to the file and waits until they are
   * written (msync, or the pager's write-back and the storage's flush). A
   * no-op for read-only and copy-on-write views.
   */
  flush(): void {
    if (this.isClosed) throw closedError('view accessor');
    this.view.flush();
  }

  /**
   * Tells the backend how the view's bytes [offset, offset + length) will be
   * used (default: the whole view; length defaults to the rest of the view).
   * Native: madvise (POSIX), PrefetchVirtualMemory / a working-set trim
   * (Windows). Paged views (wasm): `normal`, `sequential` and `random` set
   * the file cache's read policy, `willNeed` loads the range into the cache
   * (as much as fits), `dontNeed` lets its clean pages go. SharedArrayBuffer
   * maps: nothing to do. Advice never changes the view's bytes: `dontNeed`
   * never drops a change that is not written back, and never a
   * `copyOnWrite` view's private pages. Errors: `EINVAL` (an unknown advice:
   * TypeError), `ERANGE`, `ECLOSED`.
   */
  advise(advice: Advice, offset = 0, length?: number): void {
    const [how, off, len] = this.#adviceRange(checkAdvice(advice), offset, length);
    if (this.isClosed) throw closedError('view accessor');
    if (len > 0) this.view.advise(how, off, len);
  }

  /**
   * Makes the view's bytes [offset, offset + length) resident (default: the
   * whole view) without blocking the event loop, and resolves then: native
   * maps fault the pages in on the thread pool, paged maps (wasm) load them
   * into the cache in slices between which the event loop runs (a range
   * larger than the cache leaves its last pages resident). Rejects with
   * `ECLOSED` when the view closes first; errors as advise(), as rejections.
   */
  async prefetch(offset = 0, length?: number): Promise<void> {
    const [, off, len] = this.#adviceRange(0, offset, length);
    if (this.isClosed) throw closedError('view accessor');
    if (len > 0) await this.view.prefetch(off, len);
  }

  #adviceRange(how: number, offset: unknown, length: unknown): [number, number, number] {
    const off = checkIndex(offset, 'offset');
    if (off > this.capacity) throw rangeError(`offset ${off} is beyond the view's capacity ${this.capacity}`);
    const len = length === undefined ? this.capacity - off : checkIndex(length, 'length');
    if (off + len > this.capacity) {
      throw rangeError(`offset ${off} + length ${len} is beyond the view's capacity ${this.capacity}`);
    }
    return [how, off, len];
  }

  /**
   * Sleeps while the Int32 at `position` holds `expected`, until another
   * thread or process calls notify() on it or `timeoutMs` passes (default:
   * no timeout), as `Atomics.wait` does — also between processes on the
   * native backend, where the view's bytes are not a SharedArrayBuffer.
   * Returns 'not-equal' at once when the word differs, 'ok' when woken,
   * 'timed-out'. Re-check the word after 'ok', as with any futex.
   *
   * `position` counts from the view; the word must lie in it and be
   * 4-aligned in the map (`offset + position` a multiple of 4). `expected`
   * is compared as an int32 (`0xffffffff` and `-1` are the same word).
   * Errors: `ERANGE` (misaligned or out-of-range position, negative or NaN
   * timeout, expected beyond 32 bits), `ECLOSED`, `EACCES` (a `write` view
   * cannot read; a `copyOnWrite` view has private pages), `EUNSUPPORTED` (a
   * paged view of the wasm backend; a browser's main thread, which may not
   * block: use waitAsync).
   */
  wait(position: number, expected: number, timeoutMs?: number): WaitResult {
    const [waiter, pos, value, timeout] = waitArguments(this.#waitTarget(), position, expected, timeoutMs, true);
    return waiter.wait(pos, value, timeout);
  }

  /**
   * wait() without blocking: a Promise of the same result, as
   * `Atomics.waitAsync`. On the native backend a few shared threads sleep for
   * all pending waits (see docs/API.md for the limits). A pending waitAsync
   * keeps the process alive; closing the view rejects it with `ECLOSED`.
   * Errors as wait(), as rejections; it works on a browser's main thread.
   */
  async waitAsync(position: number, expected: number, timeoutMs?: number): Promise<WaitResult> {
    const [waiter, pos, value, timeout] = waitArguments(this.#waitTarget(), position, expected, timeoutMs, false);
    return waiter.waitAsync(pos, value, timeout);
  }

  /**
   * Wakes up to `count` (default: all) waiters of the Int32 at `position`,
   * in any thread or process, and returns how many it woke. Store the new
   * value first, then notify. Errors: `ERANGE` (as wait(); count negative or
   * fractional), `ECLOSED`, `EACCES` (`read` and `readExecute` views may wait
   * but not notify; `copyOnWrite` views neither), `EUNSUPPORTED` (paged views).
   */
  notify(position: number, count?: number): number {
    const [waiter, pos, n] = notifyArguments(this.#waitTarget(), position, count);
    return waiter.notify(pos, n);
  }

  /** @internal The view's waiter, for the locks and channels built on it (null: paged). */
  static waiterOf(accessor: ViewAccessor): ViewWaiter | null {
    return accessor.view.waiter;
  }

  #waitTarget() {
    return { offset: this.offset, capacity: this.capacity, access: this.access, closed: this.isClosed, waiter: this.view.waiter };
  }

  /** Ends the view (unmaps it and detaches `bytes`). Closing twice is harmless. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.r1 = this.r2 = this.r4 = this.r8 = -1;
    this.w1 = this.w2 = this.w4 = this.w8 = -1;
    this.view.close();
  }

  [disposeSymbol](): void {
    this.close();
  }
}

/** The accessor of a view with one zero-copy array (native mmap, SharedArrayBuffer). */
export class DirectViewAccessor extends ViewAccessor {
  // Set by initializers (from the view the base constructor stored), so each
  // field's first value is its real one (see PagedViewAccessor).
  readonly #bytes = this.view.bytes as Uint8Array;
  readonly #dv = new DataView(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.byteLength);

  get bytes(): Uint8Array {
    if (this.isClosed) throw closedError('view accessor');
    return this.#bytes;
  }

  get dataView(): DataView {
    if (this.isClosed) throw closedError('view accessor');
    return this.#dv;
  }

  readBoolean(position: number): boolean {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r1) {
      this.fail(position, 1, false);
    }
    return this.#bytes[position] !== 0;
  }
  readInt8(position: number): number {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r1) {
      this.fail(position, 1, false);
    }
    return this.#dv.getInt8(position);
  }
  readUint8(position: number): number {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r1) {
      this.fail(position, 1, false);
    }
    return this.#bytes[position] as number;
  }
  readInt16(position: number): number {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r2) {
      this.fail(position, 2, false);
    }
    return this.#dv.getInt16(position, true);
  }
  readUint16(position: number): number {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r2) {
      this.fail(position, 2, false);
    }
    return this.#dv.getUint16(position, true);
  }
  readInt32(position: number): number {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r4) {
      this.fail(position, 4, false);
    }
    return this.#dv.getInt32(position, true);
  }
  readUint32(position: number): number {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r4) {
      this.fail(position, 4, false);
    }
    return this.#dv.getUint32(position, true);
  }
  readFloat32(position: number): number {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r4) {
      this.fail(position, 4, false);
    }
    return this.#dv.getFloat32(position, true);
  }
  readFloat64(position: number): number {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r8) {
      this.fail(position, 8, false);
    }
    return this.#dv.getFloat64(position, true);
  }
  readBigInt64(position: number): bigint {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r8) {
      this.fail(position, 8, false);
    }
    return this.#dv.getBigInt64(position, true);
  }
  readBigUint64(position: number): bigint {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.r8) {
      this.fail(position, 8, false);
    }
    return this.#dv.getBigUint64(position, true);
  }

  writeBoolean(position: number, value: boolean): void {
    if (typeof position !== 'number' || position >>> 0 !== position || position > this.w1) {
      this.fail(position, 1, true);
    }
    this.#bytes[position] = value ? 1 : 0;
  }
  writeInt8(position: number, value: number): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w1 ||
      typeof value !== 'number'
    ) {
      this.fail(position, 1, true, value, 'number');
    }
    this.#dv.setInt8(position, value);
  }
  writeUint8(position: number, value: number): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w1 ||
      typeof value !== 'number'
    ) {
      this.fail(position, 1, true, value, 'number');
    }
    this.#bytes[position] = value;
  }
  writeInt16(position: number, value: number): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w2 ||
      typeof value !== 'number'
    ) {
      this.fail(position, 2, true, value, 'number');
    }
    this.#dv.setInt16(position, value, true);
  }
  writeUint16(position: number, value: number): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w2 ||
      typeof value !== 'number'
    ) {
      this.fail(position, 2, true, value, 'number');
    }
    this.#dv.setUint16(position, value, true);
  }
  writeInt32(position: number, value: number): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w4 ||
      typeof value !== 'number'
    ) {
      this.fail(position, 4, true, value, 'number');
    }
    this.#dv.setInt32(position, value, true);
  }
  writeUint32(position: number, value: number): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w4 ||
      typeof value !== 'number'
    ) {
      this.fail(position, 4, true, value, 'number');
    }
    this.#dv.setUint32(position, value, true);
  }
  writeFloat32(position: number, value: number): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w4 ||
      typeof value !== 'number'
    ) {
      this.fail(position, 4, true, value, 'number');
    }
    this.#dv.setFloat32(position, value, true);
  }
  writeFloat64(position: number, value: number): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w8 ||
      typeof value !== 'number'
    ) {
      this.fail(position, 8, true, value, 'number');
    }
    this.#dv.setFloat64(position, value, true);
  }
  writeBigInt64(position: number, value: bigint): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w8 ||
      typeof value !== 'bigint'
    ) {
      this.fail(position, 8, true, value, 'bigint');
    }
    this.#dv.setBigInt64(position, value, true);
  }
  writeBigUint64(position: number, value: bigint): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w8 ||
      typeof value !== 'bigint'
    ) {
      this.fail(position, 8, true, value, 'bigint');
    }
    this.#dv.setBigUint64(position, value, true);
  }
}
