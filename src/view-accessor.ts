/**
 * ViewAccessor: random access to a view with typed reads and writes
 * (little-endian, or big-endian on request), bulk array copies, strings,
 * zero-copy byte access and typed arrays. `ViewAccessor` is the
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
 * convert it, so no user code (valueOf) runs in the middle of a write. The
 * byte order is a last `littleEndian` argument, as DataView's, but
 * little-endian when omitted; it must be a boolean or undefined (one more
 * comparison when omitted) and is never converted either. There is no call
 * into the backend per access.
 *
 * @module
 */
import {
  constructorInfo,
  makeTypedArray,
  typedArrayParts,
  type TypedArrayConstructor,
  type TypedArrayKind,
} from './array-bytes.js';
import type { BackendView } from './backend.js';
import { windowOf, type ByteWindow } from './byte-window.js';
import { disposeSymbol } from './dispose.js';
import { MemmapError, closedError, rangeError, typeError } from './errors.js';
import { accessCanRead, accessCanWrite, type Advice, type MemoryMappedFileAccess } from './types.js';
import { decoderFor, encodeText } from './text.js';
import { checkAdvice, checkFlushRange, checkIndex, describe } from './validate.js';
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

  abstract readBoolean(position: number, littleEndian?: boolean): boolean;
  abstract readInt8(position: number, littleEndian?: boolean): number;
  abstract readUint8(position: number, littleEndian?: boolean): number;
  abstract readInt16(position: number, littleEndian?: boolean): number;
  abstract readUint16(position: number, littleEndian?: boolean): number;
  abstract readInt32(position: number, littleEndian?: boolean): number;
  abstract readUint32(position: number, littleEndian?: boolean): number;
  abstract readFloat32(position: number, littleEndian?: boolean): number;
  abstract readFloat64(position: number, littleEndian?: boolean): number;
  abstract readBigInt64(position: number, littleEndian?: boolean): bigint;
  abstract readBigUint64(position: number, littleEndian?: boolean): bigint;
  abstract writeBoolean(position: number, value: boolean, littleEndian?: boolean): void;
  abstract writeInt8(position: number, value: number, littleEndian?: boolean): void;
  abstract writeUint8(position: number, value: number, littleEndian?: boolean): void;
  abstract writeInt16(position: number, value: number, littleEndian?: boolean): void;
  abstract writeUint16(position: number, value: number, littleEndian?: boolean): void;
  abstract writeInt32(position: number, value: number, littleEndian?: boolean): void;
  abstract writeUint32(position: number, value: number, littleEndian?: boolean): void;
  abstract writeFloat32(position: number, value: number, littleEndian?: boolean): void;
  abstract writeFloat64(position: number, value: number, littleEndian?: boolean): void;
  abstract writeBigInt64(position: number, value: bigint, littleEndian?: boolean): void;
  abstract writeBigUint64(position: number, value: bigint, littleEndian?: boolean): void;

  /**
   * Works out and throws the error of a call that failed a fast-path check,
   * in .NET's order: closed, access, position; then, for a typed write given
   * `type`, the value's type (a `TypeError`, code `EINVAL`: values are never
   * converted, so no user code runs inside a write); then the byte order
   * (`littleEndian`: a boolean or undefined, never converted either).
   */
  protected fail(
    position: unknown,
    width: number,
    write: boolean,
    value?: unknown,
    type?: 'number' | 'bigint',
    littleEndian?: unknown,
  ): never {
    if (this.isClosed) throw closedError('view accessor');
    if (write && !this.canWrite) {
      throw new MemmapError('EACCES', `cannot write through a view opened with '${this.access}' access`);
    }
    if (!write && !this.canRead) {
      throw new MemmapError('EACCES', `cannot read through a view opened with '${this.access}' access`);
    }
    const pos = checkIndex(position, 'position');
    if (pos <= this.capacity - width) {
      if (type !== undefined && typeof value !== type) throw typeError(`value must be a ${type}, got ${describe(value)}`);
      if (littleEndian !== undefined && typeof littleEndian !== 'boolean') {
        throw typeError(`littleEndian must be a boolean (or undefined for little-endian), got ${describe(littleEndian)}`);
      }
    }
    throw rangeError(`position ${pos} + ${width} bytes is beyond the view's capacity ${this.capacity}`);
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
    const want = offset === 0 && count === undefined ? target.length : checkArraySpan(target.length, offset, count);
    // The common call: a whole position within the capacity of an open, readable view (r1 is
    // capacity - 1, or -1 when closed or unreadable). Anything else takes #readPosition, which names the error.
    const pos =
      typeof position === 'number' && position >>> 0 === position && position <= this.r1 + 1 && this.r1 >= 0
        ? position
        : this.#readPosition(position);
    const bpe = target.bytesPerElement;
    const n = pos + want * bpe <= this.capacity ? want : Math.floor((this.capacity - pos) / bpe);
    if (n === 0) return 0;
    this.window.readElements(pos, target, offset, n);
    return n;
  }

  /** readArray's position, checked after the view's state (closed, access) as in .NET. */
  #readPosition(position: unknown): number {
    if (this.isClosed || !this.canRead) this.fail(position, 0, false);
    return this.checkPosition(position);
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
    this.window.writeElements(pos, source, offset, n);
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

  /**
   * A zero-copy typed array of `length` elements (default: to the view's
   * end, which must then be a whole number of elements) at `offset` in the
   * view: stores into it are stores into the map, as through `bytes`, and
   * its elements are in the host's byte order (little-endian everywhere
   * memmap runs). `type` must be a built-in typed-array constructor (never
   * a subclass: its constructor would run user code). The first element
   * must be aligned in the map: `this.offset + offset` a multiple of the
   * element size (mappings start on page boundaries, so this is the
   * alignment of its address too), else `ERANGE` naming the alignment.
   * Arguments are checked first (no conversion, so no user code runs), then
   * the view's state.
   *
   * After close() the array is detached (native) like `bytes`. Paged views
   * (the wasm backend's persisted maps) have no stable memory to view:
   * `EUNSUPPORTED`, naming the alternatives. A view that cannot write gets
   * an array only where its stores stay private (native `read` views, whose
   * pages are private): on a SharedArrayBuffer map, which cannot be made
   * read-only, on macOS shared maps (whose read views are shared read-only
   * pages) and for `readExecute` views (no write permission: a store would
   * fault) it is `EACCES`.
   */
  typedArray<C extends TypedArrayConstructor>(type: C, offset = 0, length?: number): InstanceType<C> {
    const info = constructorInfo(type);
    if (info === undefined) {
      throw typeError(`type must be a built-in typed-array constructor (Int8Array … BigUint64Array), got ${describe(type)}`);
    }
    const off = checkIndex(offset, 'offset');
    const bpe = info.bytesPerElement;
    if (off > this.capacity) throw rangeError(`offset ${off} is beyond the view's capacity ${this.capacity}`);
    let n: number;
    if (length === undefined) {
      const rest = this.capacity - off;
      if (rest % bpe !== 0) {
        throw rangeError(
          `the ${rest} bytes from offset ${off} to the view's end are not a whole number of ${bpe}-byte ${info.kind} elements: pass a length`,
        );
      }
      n = rest / bpe;
    } else {
      n = checkIndex(length, 'length');
      if (off + n * bpe > this.capacity) {
        throw rangeError(`offset ${off} + ${n} elements of ${bpe} bytes is beyond the view's capacity ${this.capacity}`);
      }
    }
    const at = this.offset + off;
    if (at % bpe !== 0) {
      throw rangeError(
        `${info.kind} elements must be ${bpe}-byte aligned in the map: offset ${off} in a view at ${this.offset} is byte ${at} of the map, not a multiple of ${bpe}`,
      );
    }
    if (this.isClosed) throw closedError('view accessor');
    return this.typedArrayAt(info.kind, off, n) as InstanceType<C>;
  }

  /** typedArray()'s array, once its arguments and the view's state are checked. */
  protected abstract typedArrayAt(kind: TypedArrayKind, offset: number, length: number): InstanceType<TypedArrayConstructor>;

  /**
   * Decodes `byteLength` bytes at `position` as `TextDecoder` does with
   * `encoding` (default 'utf-8'; any label TextDecoder knows): malformed
   * input becomes U+FFFD and a leading byte order mark is dropped. An
   * encoding TextDecoder does not know is a TypeError (`EINVAL`). Arguments
   * are checked first (never converted), then the view's state.
   */
  readString(position: number, byteLength: number, encoding: string = 'utf-8'): string {
    const pos = checkIndex(position, 'position');
    const len = checkIndex(byteLength, 'byteLength');
    if (pos + len > this.capacity) {
      throw rangeError(`position ${pos} + byteLength ${len} is beyond the view's capacity ${this.capacity}`);
    }
    const decoder = decoderFor(encoding);
    if (this.isClosed) throw closedError('view accessor');
    if (!this.canRead) throw new MemmapError('EACCES', `cannot read through a view opened with '${this.access}' access`);
    // A copy: TextDecoder refuses views of a SharedArrayBuffer in browsers, and
    // a paged view's bytes are spread over its page cache.
    const bytes = new Uint8Array(len);
    this.window.read(pos, bytes);
    return decoder.decode(bytes);
  }

  /**
   * Writes `string` at `position` in UTF-8 (as `TextEncoder` does: a lone
   * surrogate becomes U+FFFD) and returns the bytes written. All or
   * nothing: a string whose bytes do not fit before the view's end is
   * `ERANGE` and nothing is written. `string` must be a string (never
   * converted). Arguments are checked first, then the view's state.
   */
  writeString(position: number, string: string): number {
    const pos = checkIndex(position, 'position');
    if (typeof string !== 'string') throw typeError(`string must be a string, got ${describe(string)}`);
    if (pos > this.capacity) throw rangeError(`position ${pos} is beyond the view's capacity ${this.capacity}`);
    const bytes = encodeText(string);
    if (pos + bytes.length > this.capacity) {
      throw rangeError(
        `the string's ${bytes.length} UTF-8 bytes at position ${pos} go beyond the view's capacity ${this.capacity}; nothing was written`,
      );
    }
    if (this.isClosed) throw closedError('view accessor');
    if (!this.canWrite) throw new MemmapError('EACCES', `cannot write through a view opened with '${this.access}' access`);
    if (bytes.length > 0) this.window.write(pos, bytes);
    return bytes.length;
  }

  protected checkPosition(position: unknown): number {
    const pos = checkIndex(position, 'position');
    if (pos > this.capacity) {
      throw rangeError(`position ${pos} is beyond the view's capacity ${this.capacity}`);
    }
    return pos;
  }

  /**
   * Writes the view's modified pages to the file and waits until the storage
   * has them (see docs/API.md, "Durability", for what each platform
   * promises): the whole view, or the bytes [offset, offset + length) from
   * the view's start (length defaults to the rest of the view; 0 flushes
   * nothing), widened to whole pages. A no-op for read-only and copy-on-write
   * views and for non-persisted maps. Errors: `ERANGE` (a range beyond the
   * view), `ECLOSED`, and the system's (`EIO`, `ENOSPC`).
   */
  flush(offset?: number, length?: number): void {
    const [off, len] = checkFlushRange(offset, length, this.capacity, 'view');
    if (this.isClosed) throw closedError('view accessor');
    this.view.flush(off, len);
  }

  /**
   * flush() without blocking the event loop: the native backend writes on
   * the thread pool, the wasm backend in slices that yield between them. The
   * Promise resolves when the storage has the bytes, and rejects with
   * flush()'s errors. Closing the view (or its map) meanwhile is safe: the
   * close waits for the flush to finish with the pages, and the Promise
   * still reports the flush's outcome.
   */
  async flushAsync(offset?: number, length?: number): Promise<void> {
    const [off, len] = checkFlushRange(offset, length, this.capacity, 'view');
    if (this.isClosed) throw closedError('view accessor');
    return this.view.flushAsync(off, len);
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

  protected typedArrayAt(kind: TypedArrayKind, offset: number, length: number): InstanceType<TypedArrayConstructor> {
    if (!this.canWrite && (this.access !== 'read' || !this.view.readStoresPrivate)) {
      throw new MemmapError(
        'EACCES',
        this.access === 'read'
          ? "a typed array over a 'read' view of this map could write the map: its memory cannot be made read-only here. " +
              'Use a view that writes, or copy the elements out with readArray()'
          : `a typed array over a '${this.access}' view: its pages cannot take a store (one would fault). ` +
              "Use a 'read' view (whose stores stay private) or copy the elements out with readArray()",
      );
    }
    // Over the view's own buffer: detached with it at close(), like `bytes`.
    return makeTypedArray(kind, this.#bytes.buffer, this.#bytes.byteOffset + offset, length);
  }

  readBoolean(position: number, littleEndian?: boolean): boolean {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r1 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 1, false, undefined, undefined, littleEndian);
    }
    return this.#bytes[position] !== 0;
  }
  readInt8(position: number, littleEndian?: boolean): number {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r1 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 1, false, undefined, undefined, littleEndian);
    }
    return this.#dv.getInt8(position);
  }
  readUint8(position: number, littleEndian?: boolean): number {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r1 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 1, false, undefined, undefined, littleEndian);
    }
    return this.#bytes[position] as number;
  }
  readInt16(position: number, littleEndian?: boolean): number {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r2 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 2, false, undefined, undefined, littleEndian);
    }
    return this.#dv.getInt16(position, littleEndian !== false);
  }
  readUint16(position: number, littleEndian?: boolean): number {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r2 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 2, false, undefined, undefined, littleEndian);
    }
    return this.#dv.getUint16(position, littleEndian !== false);
  }
  readInt32(position: number, littleEndian?: boolean): number {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r4 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 4, false, undefined, undefined, littleEndian);
    }
    return this.#dv.getInt32(position, littleEndian !== false);
  }
  readUint32(position: number, littleEndian?: boolean): number {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r4 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 4, false, undefined, undefined, littleEndian);
    }
    return this.#dv.getUint32(position, littleEndian !== false);
  }
  readFloat32(position: number, littleEndian?: boolean): number {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r4 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 4, false, undefined, undefined, littleEndian);
    }
    return this.#dv.getFloat32(position, littleEndian !== false);
  }
  readFloat64(position: number, littleEndian?: boolean): number {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r8 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 8, false, undefined, undefined, littleEndian);
    }
    return this.#dv.getFloat64(position, littleEndian !== false);
  }
  readBigInt64(position: number, littleEndian?: boolean): bigint {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r8 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 8, false, undefined, undefined, littleEndian);
    }
    return this.#dv.getBigInt64(position, littleEndian !== false);
  }
  readBigUint64(position: number, littleEndian?: boolean): bigint {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.r8 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 8, false, undefined, undefined, littleEndian);
    }
    return this.#dv.getBigUint64(position, littleEndian !== false);
  }

  writeBoolean(position: number, value: boolean, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w1 ||
      (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 1, true, undefined, undefined, littleEndian);
    }
    this.#bytes[position] = value ? 1 : 0;
  }
  writeInt8(position: number, value: number, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w1 ||
      typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 1, true, value, 'number', littleEndian);
    }
    this.#dv.setInt8(position, value);
  }
  writeUint8(position: number, value: number, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w1 ||
      typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 1, true, value, 'number', littleEndian);
    }
    this.#bytes[position] = value;
  }
  writeInt16(position: number, value: number, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w2 ||
      typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 2, true, value, 'number', littleEndian);
    }
    this.#dv.setInt16(position, value, littleEndian !== false);
  }
  writeUint16(position: number, value: number, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w2 ||
      typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 2, true, value, 'number', littleEndian);
    }
    this.#dv.setUint16(position, value, littleEndian !== false);
  }
  writeInt32(position: number, value: number, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w4 ||
      typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 4, true, value, 'number', littleEndian);
    }
    this.#dv.setInt32(position, value, littleEndian !== false);
  }
  writeUint32(position: number, value: number, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w4 ||
      typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 4, true, value, 'number', littleEndian);
    }
    this.#dv.setUint32(position, value, littleEndian !== false);
  }
  writeFloat32(position: number, value: number, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w4 ||
      typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 4, true, value, 'number', littleEndian);
    }
    this.#dv.setFloat32(position, value, littleEndian !== false);
  }
  writeFloat64(position: number, value: number, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w8 ||
      typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 8, true, value, 'number', littleEndian);
    }
    this.#dv.setFloat64(position, value, littleEndian !== false);
  }
  writeBigInt64(position: number, value: bigint, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w8 ||
      typeof value !== 'bigint' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 8, true, value, 'bigint', littleEndian);
    }
    this.#dv.setBigInt64(position, value, littleEndian !== false);
  }
  writeBigUint64(position: number, value: bigint, littleEndian?: boolean): void {
    if (
      typeof position !== 'number' || position >>> 0 !== position || position > this.w8 ||
      typeof value !== 'bigint' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')
    ) {
      this.fail(position, 8, true, value, 'bigint', littleEndian);
    }
    this.#dv.setBigUint64(position, value, littleEndian !== false);
  }
}
