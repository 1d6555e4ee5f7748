/**
 * PagedViewAccessor: the accessor of a paged view (the WASM backend's
 * persisted maps), whose bytes live in the frames of a page cache in WASM
 * memory rather than in one mapping.
 *
 * A typed read or write does no call into WASM when its page is in the
 * port's translation cache. #fast / #fastW, small enough for the JIT to
 * inline into every typed method, cover the common case (a position below
 * 1 GiB in a map below 2 GiB whose pages each have a slot): one comparison
 * with a fast bound (#f* / #g*, -1 when the fast path does not apply or
 * after close), a shift and a mask for page and offset-in-page, one load of
 * the frame's address from a plain array (no detach check, unlike a typed
 * array; NO_FRAME when the page is not at hand), then a DataView read or
 * write of WASM memory, returned at once. Everything else goes to #at:
 * the checks that name the error, maps above 2 GiB (division instead of
 * shifts), the tag check of a shared slot, and translate() on a miss, which
 * makes the page resident and pinned. A value that straddles two pages goes
 * through a small scratch buffer and one copy by the core, and so does one
 * whose page the core does not hold (translate() is -1: the cache reads at
 * random, and the copy loads only what it touches).
 *
 * @module
 */
import type { BackendView, MemoryRef, PagePort } from './backend.js';
import { MemmapError, closedError } from './errors.js';
import { ViewAccessor } from './view-accessor.js';

/** The fast path's highest position: 2^30 - 1, V8's largest small integer with pointer compression. */
const FAST_LIMIT = 2 ** 30 - 1;

export class PagedViewAccessor extends ViewAccessor {
  // Every field is set by its initializer, from the view the base class's
  // constructor stored, so that the first value V8 sees in each is its real
  // one: numbers stay small integers (no tag checks on the fast path) and
  // objects keep one shape (no map checks). A field declared bare and set in
  // the constructor would first hold undefined.
  readonly #port = this.view.pages as PagePort;
  readonly #mem: MemoryRef = this.#port.memory;
  readonly #tags: Float64Array = this.#port.tags;
  readonly #frames: number[] = this.#port.frames;
  readonly #wr: Uint8Array = this.#port.writable;
  /** The port's slot mask: page p's translation is in slot `p & #mask`. */
  readonly #mask: number = this.#port.mask;
  readonly #ps: number = this.#port.pageSize;
  readonly #shift: number = 31 - Math.clz32(this.#ps);
  readonly #base: number = this.view.offset;
  /** The map is below 2 GiB: positions and map offsets are int32s (the fast path). */
  readonly #small: boolean = this.view.offset + this.capacity <= 2 ** 31;
  /** Page size - 1: a position's offset in its page is `abs & #pageMask`. */
  readonly #pageMask: number = this.#ps - 1;
  /**
   * The fast path's bounds (the highest position per width, reads then
   * writes): r1..w8 when the fast path applies (a map below 2 GiB whose pages
   * each have their own slot), else -1, and -1 for all after close, so that
   * one comparison sends every other case to #at. Capped at FAST_LIMIT so
   * that they stay small integers; positions above it take #at.
   */
  #f1 = this.#fastBound(this.r1);
  #f2 = this.#fastBound(this.r2);
  #f4 = this.#fastBound(this.r4);
  #f8 = this.#fastBound(this.r8);
  #g1 = this.#fastBound(this.w1);
  #g2 = this.#fastBound(this.w2);
  #g4 = this.#fastBound(this.w4);
  #g8 = this.#fastBound(this.w8);
  readonly #scratch = new Uint8Array(8);
  readonly #scratchView = new DataView(this.#scratch.buffer);
  /** The scratch buffer's first 1, 2, 4 and 8 bytes (index: log2 of the width), made once: no allocation per access. */
  readonly #scratchBytes: readonly Uint8Array[] = [1, 2, 4, 8].map((n) => this.#scratch.subarray(0, n));

  #fastBound(limit: number): number {
    return this.#small && this.#port.direct ? Math.min(limit, FAST_LIMIT) : -1;
  }

  override close(): void {
    this.#f1 = this.#f2 = this.#f4 = this.#f8 = -1;
    this.#g1 = this.#g2 = this.#g4 = this.#g8 = -1;
    super.close();
  }

  get bytes(): Uint8Array {
    if (this.isClosed) throw closedError('view accessor');
    throw new MemmapError(
      'EUNSUPPORTED',
      'a paged view (the wasm backend\'s persisted maps) has no single byte array; use withBytes(), readArray() or a stream',
    );
  }

  get dataView(): DataView {
    return this.bytes as never;
  }

  protected typedArrayAt(): never {
    throw new MemmapError(
      'EUNSUPPORTED',
      "a paged view (the wasm backend's persisted maps) has no stable memory for a typed array: its pages come and go in a page cache. " +
        'Copy elements with readArray()/writeArray(), use the typed reads and writes (readFloat64(position), ...), or withBytes()',
    );
  }

  /**
   * The fast path, small enough to be inlined into each typed method: the
   * address of the bytes at `position` when their page is at hand, else -1
   * (and the caller takes #at, which handles everything). `limit` is a fast
   * bound (#f* / #g*), `last` the highest offset in a page the value may
   * start at (page size - width).
   */
  #fast(position: number, limit: number, last: number): number {
    if (typeof position !== 'number' || position >>> 0 !== position || position > limit) return -1;
    const abs = this.#base + position;
    const inPage = abs & this.#pageMask;
    if (inPage > last) return -1;
    // NO_FRAME when the page is not at hand: the sum is then negative.
    return (this.#frames[abs >>> this.#shift] as number) + inPage;
  }

  /** #fast for writes: the page must also be pinned writable. */
  #fastW(position: number, limit: number, last: number): number {
    if (typeof position !== 'number' || position >>> 0 !== position || position > limit) return -1;
    const abs = this.#base + position;
    const inPage = abs & this.#pageMask;
    if (inPage > last) return -1;
    const page = abs >>> this.#shift;
    // A page pinned writable is at hand.
    return this.#wr[page] === 1 ? (this.#frames[page] as number) + inPage : -1;
  }

  /**
   * The address in WASM memory of the `width` bytes at `position`, or -1 when
   * they straddle two pages. Throws the right error for a bad position.
   */
  #at(position: number, width: number, limit: number, write: boolean): number {
    const ps = this.#ps;
    let page: number;
    let inPage: number;
    if (this.#small) {
      // Below 2 GiB every offset is an int32: shifts and masks instead of division.
      if (typeof position !== 'number' || position >>> 0 !== position || position > limit) {
        this.fail(position, width, write);
      }
      const abs = this.#base + position;
      page = abs >>> this.#shift;
      inPage = abs & (ps - 1);
    } else {
      if (typeof position !== 'number' || !(position >= 0 && position <= limit) || Math.floor(position) !== position) {
        this.fail(position, width, write);
      }
      const abs = this.#base + position;
      page = Math.floor(abs / ps);
      inPage = abs - page * ps;
    }
    if (inPage > ps - width) return -1;
    const slot = page & this.#mask;
    if (this.#tags[slot] === page && (!write || this.#wr[slot] === 1)) {
      return (this.#frames[slot] as number) + inPage;
    }
    const frame = this.#port.translate(page, write);
    return frame < 0 ? -1 : frame + inPage;
  }

  /**
   * Reads `width` bytes that are not at hand (they straddle two pages, or the
   * core holds nothing for their page) into the scratch buffer, in one call
   * of the core.
   */
  #load(position: number, width: number): DataView {
    this.#port.read(position, this.#scratchBytes[31 - Math.clz32(width)] as Uint8Array);
    return this.#scratchView;
  }

  /** Writes the first `width` bytes of the scratch buffer at `position`, in one call of the core. */
  #store(position: number, width: number): void {
    this.#port.write(position, this.#scratchBytes[31 - Math.clz32(width)] as Uint8Array);
  }

  readBoolean(position: number, littleEndian?: boolean): boolean {
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 1, false, undefined, undefined, littleEndian);
    const a = this.#at(position, 1, this.r1, false);
    return (a >= 0 ? (this.#mem.u8[a] as number) : this.#load(position, 1).getUint8(0)) !== 0;
  }
  readInt8(position: number, littleEndian?: boolean): number {
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 1, false, undefined, undefined, littleEndian);
    const a = this.#at(position, 1, this.r1, false);
    return a >= 0 ? this.#mem.dv.getInt8(a) : this.#load(position, 1).getInt8(0);
  }
  readUint8(position: number, littleEndian?: boolean): number {
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 1, false, undefined, undefined, littleEndian);
    const a = this.#at(position, 1, this.r1, false);
    return a >= 0 ? (this.#mem.u8[a] as number) : this.#load(position, 1).getUint8(0);
  }
  readInt16(position: number, littleEndian?: boolean): number {
    let a = this.#fast(position, this.#f2, this.#pageMask - 1);
    if (a >= 0 && (littleEndian === undefined || typeof littleEndian === 'boolean')) return this.#mem.dv.getInt16(a, littleEndian !== false);
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 2, false, undefined, undefined, littleEndian);
    a = this.#at(position, 2, this.r2, false);
    return a >= 0 ? this.#mem.dv.getInt16(a, littleEndian !== false) : this.#load(position, 2).getInt16(0, littleEndian !== false);
  }
  readUint16(position: number, littleEndian?: boolean): number {
    let a = this.#fast(position, this.#f2, this.#pageMask - 1);
    if (a >= 0 && (littleEndian === undefined || typeof littleEndian === 'boolean')) return this.#mem.dv.getUint16(a, littleEndian !== false);
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 2, false, undefined, undefined, littleEndian);
    a = this.#at(position, 2, this.r2, false);
    return a >= 0 ? this.#mem.dv.getUint16(a, littleEndian !== false) : this.#load(position, 2).getUint16(0, littleEndian !== false);
  }
  readInt32(position: number, littleEndian?: boolean): number {
    let a = this.#fast(position, this.#f4, this.#pageMask - 3);
    if (a >= 0 && (littleEndian === undefined || typeof littleEndian === 'boolean')) return this.#mem.dv.getInt32(a, littleEndian !== false);
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 4, false, undefined, undefined, littleEndian);
    a = this.#at(position, 4, this.r4, false);
    return a >= 0 ? this.#mem.dv.getInt32(a, littleEndian !== false) : this.#load(position, 4).getInt32(0, littleEndian !== false);
  }
  readUint32(position: number, littleEndian?: boolean): number {
    let a = this.#fast(position, this.#f4, this.#pageMask - 3);
    if (a >= 0 && (littleEndian === undefined || typeof littleEndian === 'boolean')) return this.#mem.dv.getUint32(a, littleEndian !== false);
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 4, false, undefined, undefined, littleEndian);
    a = this.#at(position, 4, this.r4, false);
    return a >= 0 ? this.#mem.dv.getUint32(a, littleEndian !== false) : this.#load(position, 4).getUint32(0, littleEndian !== false);
  }
  readFloat32(position: number, littleEndian?: boolean): number {
    let a = this.#fast(position, this.#f4, this.#pageMask - 3);
    if (a >= 0 && (littleEndian === undefined || typeof littleEndian === 'boolean')) return this.#mem.dv.getFloat32(a, littleEndian !== false);
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 4, false, undefined, undefined, littleEndian);
    a = this.#at(position, 4, this.r4, false);
    return a >= 0 ? this.#mem.dv.getFloat32(a, littleEndian !== false) : this.#load(position, 4).getFloat32(0, littleEndian !== false);
  }
  readFloat64(position: number, littleEndian?: boolean): number {
    let a = this.#fast(position, this.#f8, this.#pageMask - 7);
    if (a >= 0 && (littleEndian === undefined || typeof littleEndian === 'boolean')) return this.#mem.dv.getFloat64(a, littleEndian !== false);
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 8, false, undefined, undefined, littleEndian);
    a = this.#at(position, 8, this.r8, false);
    return a >= 0 ? this.#mem.dv.getFloat64(a, littleEndian !== false) : this.#load(position, 8).getFloat64(0, littleEndian !== false);
  }
  readBigInt64(position: number, littleEndian?: boolean): bigint {
    let a = this.#fast(position, this.#f8, this.#pageMask - 7);
    if (a >= 0 && (littleEndian === undefined || typeof littleEndian === 'boolean')) return this.#mem.dv.getBigInt64(a, littleEndian !== false);
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 8, false, undefined, undefined, littleEndian);
    a = this.#at(position, 8, this.r8, false);
    return a >= 0 ? this.#mem.dv.getBigInt64(a, littleEndian !== false) : this.#load(position, 8).getBigInt64(0, littleEndian !== false);
  }
  readBigUint64(position: number, littleEndian?: boolean): bigint {
    let a = this.#fast(position, this.#f8, this.#pageMask - 7);
    if (a >= 0 && (littleEndian === undefined || typeof littleEndian === 'boolean')) return this.#mem.dv.getBigUint64(a, littleEndian !== false);
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 8, false, undefined, undefined, littleEndian);
    a = this.#at(position, 8, this.r8, false);
    return a >= 0 ? this.#mem.dv.getBigUint64(a, littleEndian !== false) : this.#load(position, 8).getBigUint64(0, littleEndian !== false);
  }

  writeBoolean(position: number, value: boolean, littleEndian?: boolean): void {
    if ((littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 1, true, undefined, undefined, littleEndian);
    this.#byte(position, value ? 1 : 0);
  }
  writeInt8(position: number, value: number, littleEndian?: boolean): void {
    if (typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 1, true, value, 'number', littleEndian);
    this.#byte(position, value);
  }
  writeUint8(position: number, value: number, littleEndian?: boolean): void {
    if (typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 1, true, value, 'number', littleEndian);
    this.#byte(position, value);
  }

  /** Stores one byte (a Uint8Array store: -128..255 wrap as setInt8 and setUint8 would). */
  #byte(position: number, value: number): void {
    const a = this.#at(position, 1, this.w1, true);
    if (a >= 0) {
      this.#mem.u8[a] = value;
      return;
    }
    this.#scratch[0] = value;
    this.#store(position, 1);
  }
  writeInt16(position: number, value: number, littleEndian?: boolean): void {
    let a = this.#fastW(position, this.#g2, this.#pageMask - 1);
    if (a >= 0 && typeof value === 'number' && (littleEndian === undefined || typeof littleEndian === 'boolean')) {
      return this.#mem.dv.setInt16(a, value, littleEndian !== false);
    }
    if (typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 2, true, value, 'number', littleEndian);
    a = this.#at(position, 2, this.w2, true);
    if (a >= 0) return this.#mem.dv.setInt16(a, value, littleEndian !== false);
    this.#scratchView.setInt16(0, value, littleEndian !== false);
    this.#store(position, 2);
  }
  writeUint16(position: number, value: number, littleEndian?: boolean): void {
    let a = this.#fastW(position, this.#g2, this.#pageMask - 1);
    if (a >= 0 && typeof value === 'number' && (littleEndian === undefined || typeof littleEndian === 'boolean')) {
      return this.#mem.dv.setUint16(a, value, littleEndian !== false);
    }
    if (typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 2, true, value, 'number', littleEndian);
    a = this.#at(position, 2, this.w2, true);
    if (a >= 0) return this.#mem.dv.setUint16(a, value, littleEndian !== false);
    this.#scratchView.setUint16(0, value, littleEndian !== false);
    this.#store(position, 2);
  }
  writeInt32(position: number, value: number, littleEndian?: boolean): void {
    let a = this.#fastW(position, this.#g4, this.#pageMask - 3);
    if (a >= 0 && typeof value === 'number' && (littleEndian === undefined || typeof littleEndian === 'boolean')) {
      return this.#mem.dv.setInt32(a, value, littleEndian !== false);
    }
    if (typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 4, true, value, 'number', littleEndian);
    a = this.#at(position, 4, this.w4, true);
    if (a >= 0) return this.#mem.dv.setInt32(a, value, littleEndian !== false);
    this.#scratchView.setInt32(0, value, littleEndian !== false);
    this.#store(position, 4);
  }
  writeUint32(position: number, value: number, littleEndian?: boolean): void {
    let a = this.#fastW(position, this.#g4, this.#pageMask - 3);
    if (a >= 0 && typeof value === 'number' && (littleEndian === undefined || typeof littleEndian === 'boolean')) {
      return this.#mem.dv.setUint32(a, value, littleEndian !== false);
    }
    if (typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 4, true, value, 'number', littleEndian);
    a = this.#at(position, 4, this.w4, true);
    if (a >= 0) return this.#mem.dv.setUint32(a, value, littleEndian !== false);
    this.#scratchView.setUint32(0, value, littleEndian !== false);
    this.#store(position, 4);
  }
  writeFloat32(position: number, value: number, littleEndian?: boolean): void {
    let a = this.#fastW(position, this.#g4, this.#pageMask - 3);
    if (a >= 0 && typeof value === 'number' && (littleEndian === undefined || typeof littleEndian === 'boolean')) {
      return this.#mem.dv.setFloat32(a, value, littleEndian !== false);
    }
    if (typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 4, true, value, 'number', littleEndian);
    a = this.#at(position, 4, this.w4, true);
    if (a >= 0) return this.#mem.dv.setFloat32(a, value, littleEndian !== false);
    this.#scratchView.setFloat32(0, value, littleEndian !== false);
    this.#store(position, 4);
  }
  writeFloat64(position: number, value: number, littleEndian?: boolean): void {
    let a = this.#fastW(position, this.#g8, this.#pageMask - 7);
    if (a >= 0 && typeof value === 'number' && (littleEndian === undefined || typeof littleEndian === 'boolean')) {
      return this.#mem.dv.setFloat64(a, value, littleEndian !== false);
    }
    if (typeof value !== 'number' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 8, true, value, 'number', littleEndian);
    a = this.#at(position, 8, this.w8, true);
    if (a >= 0) return this.#mem.dv.setFloat64(a, value, littleEndian !== false);
    this.#scratchView.setFloat64(0, value, littleEndian !== false);
    this.#store(position, 8);
  }
  writeBigInt64(position: number, value: bigint, littleEndian?: boolean): void {
    let a = this.#fastW(position, this.#g8, this.#pageMask - 7);
    if (a >= 0 && typeof value === 'bigint' && (littleEndian === undefined || typeof littleEndian === 'boolean')) {
      return this.#mem.dv.setBigInt64(a, value, littleEndian !== false);
    }
    if (typeof value !== 'bigint' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 8, true, value, 'bigint', littleEndian);
    a = this.#at(position, 8, this.w8, true);
    if (a >= 0) return this.#mem.dv.setBigInt64(a, value, littleEndian !== false);
    this.#scratchView.setBigInt64(0, value, littleEndian !== false);
    this.#store(position, 8);
  }
  writeBigUint64(position: number, value: bigint, littleEndian?: boolean): void {
    let a = this.#fastW(position, this.#g8, this.#pageMask - 7);
    if (a >= 0 && typeof value === 'bigint' && (littleEndian === undefined || typeof littleEndian === 'boolean')) {
      return this.#mem.dv.setBigUint64(a, value, littleEndian !== false);
    }
    if (typeof value !== 'bigint' || (littleEndian !== undefined && typeof littleEndian !== 'boolean')) this.fail(position, 8, true, value, 'bigint', littleEndian);
    a = this.#at(position, 8, this.w8, true);
    if (a >= 0) return this.#mem.dv.setBigUint64(a, value, littleEndian !== false);
    this.#scratchView.setBigUint64(0, value, littleEndian !== false);
    this.#store(position, 8);
  }
}
