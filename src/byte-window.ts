/**
 * ByteWindow: bulk byte access to a view, whatever its backend, for streams,
 * readArray/writeArray and withBytes. A direct view copies from its one
 * zero-copy array; a paged view walks page by page through its page port,
 * copying straight from and to the frames in WASM memory.
 *
 * Callers have validated [pos, pos + n) against the view's size.
 *
 * @module
 */
import { bytesOf, copyElementsFrom, copyElementsInto, type ArrayParts } from './array-bytes.js';
import type { BackendView, PagePort } from './backend.js';

export interface ByteWindow {
  /** Copies the view's bytes [pos, pos + dst.length) into dst. */
  read(pos: number, dst: Uint8Array): void;
  /** Copies src into the view at pos. */
  write(pos: number, src: Uint8Array): void;
  /**
   * Copies the view's bytes from pos into `n` elements of the parts' array
   * from element `offset`: readArray's copy.
   */
  readElements(pos: number, p: ArrayParts, offset: number, n: number): void;
  /** Copies `n` elements of the parts' array from element `offset` into the view at pos: writeArray's copy. */
  writeElements(pos: number, p: ArrayParts, offset: number, n: number): void;
  /**
   * Calls fn with bytes [pos, pos + length): zero-copy where the view is one
   * array, or the range lies in one page of a paged view that writes;
   * otherwise a copy, written back after fn returns when `writable`.
   */
  withBytes<T>(pos: number, length: number, writable: boolean, fn: (bytes: Uint8Array) => T): T;
}

class DirectWindow implements ByteWindow {
  readonly #bytes: Uint8Array;
  readonly #buffer: ArrayBufferLike;
  readonly #base: number;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#buffer = bytes.buffer;
    this.#base = bytes.byteOffset;
  }

  readElements(pos: number, p: ArrayParts, offset: number, n: number): void {
    copyElementsInto(p, offset, n, this.#buffer, this.#base + pos);
  }

  writeElements(pos: number, p: ArrayParts, offset: number, n: number): void {
    copyElementsFrom(p, offset, n, this.#buffer, this.#base + pos);
  }

  read(pos: number, dst: Uint8Array): void {
    dst.set(this.#bytes.subarray(pos, pos + dst.length));
  }

  write(pos: number, src: Uint8Array): void {
    this.#bytes.set(src, pos);
  }

  withBytes<T>(pos: number, length: number, _writable: boolean, fn: (bytes: Uint8Array) => T): T {
    return fn(this.#bytes.subarray(pos, pos + length));
  }
}

class PagedWindow implements ByteWindow {
  readonly #port: PagePort;
  readonly #base: number;

  constructor(port: PagePort, base: number) {
    this.#port = port;
    this.#base = base;
  }

  read(pos: number, dst: Uint8Array): void {
    const port = this.#port;
    const ps = port.pageSize;
    let abs = this.#base + pos;
    let done = 0;
    while (done < dst.length) {
      const page = Math.floor(abs / ps);
      const inPage = abs - page * ps;
      const take = Math.min(ps - inPage, dst.length - done);
      const slot = page & port.mask;
      if (port.tags[slot] === page) {
        const addr = (port.frames[slot] as number) + inPage;
        dst.set(port.memory.u8.subarray(addr, addr + take), done);
      } else if (take === ps) {
        // A run of whole pages not at hand: the core copies them, reading those
        // missing from its cache straight from the file into dst.
        let run = take;
        while (done + run + ps <= dst.length && port.tags[(page + run / ps) & port.mask] !== page + run / ps) run += ps;
        port.read(pos + done, run === dst.length ? dst : dst.subarray(done, done + run));
        done += run;
        abs += run;
        continue;
      } else {
        // Part of a page not at hand: one copy by the core (which, reading at random, loads only these bytes).
        port.read(pos + done, take === dst.length ? dst : dst.subarray(done, done + take));
      }
      done += take;
      abs += take;
    }
  }

  readElements(pos: number, p: ArrayParts, offset: number, n: number): void {
    this.read(pos, bytesOf(p, offset, n));
  }

  writeElements(pos: number, p: ArrayParts, offset: number, n: number): void {
    this.write(pos, bytesOf(p, offset, n));
  }

  write(pos: number, src: Uint8Array): void {
    const port = this.#port;
    const ps = port.pageSize;
    let abs = this.#base + pos;
    let done = 0;
    while (done < src.length) {
      const page = Math.floor(abs / ps);
      const inPage = abs - page * ps;
      const take = Math.min(ps - inPage, src.length - done);
      const slot = page & port.mask;
      const hit = port.tags[slot] === page && port.writable[slot] === 1;
      // A write of a whole page need not read the page first (overwrite).
      const frame = hit ? (port.frames[slot] as number) : port.translate(page, true, take === ps);
      if (frame < 0) port.write(pos + done, src.subarray(done, done + take));
      else port.memory.u8.set(src.subarray(done, done + take), frame + inPage);
      done += take;
      abs += take;
    }
  }

  withBytes<T>(pos: number, length: number, writable: boolean, fn: (bytes: Uint8Array) => T): T {
    const port = this.#port;
    const ps = port.pageSize;
    if (!writable || length === 0) {
      // A copy: the stores of a view that cannot write must never reach the cache shared with other views.
      const copy = new Uint8Array(length);
      this.read(pos, copy);
      return fn(copy);
    }
    // Every page of the range is lent (pinned by the core) until the callback
    // returns, whatever the callback closes meanwhile: zero-copy within one
    // page, else a copy written back into the lent frames after fn.
    const abs = this.#base + pos;
    const first = Math.floor(abs / ps);
    const last = Math.floor((abs + length - 1) / ps);
    const frames: number[] = [];
    try {
      for (let page = first; page <= last; page++) frames.push(port.lend(page));
      const start = abs - first * ps;
      if (first === last) return fn(port.memory.u8.subarray((frames[0] as number) + start, (frames[0] as number) + start + length));
      const copy = new Uint8Array(length);
      this.#lent(frames, start, copy, false);
      const result = fn(copy);
      this.#lent(frames, start, copy, true);
      return result;
    } finally {
      let failure: unknown;
      for (const frame of frames) {
        try {
          port.unlend(frame);
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure;
    }
  }

  /** Copies between lent frames (the range starts `start` bytes into the first) and `copy`. */
  #lent(frames: number[], start: number, copy: Uint8Array, toFrames: boolean): void {
    const ps = this.#port.pageSize;
    const u8 = this.#port.memory.u8;
    let done = 0;
    frames.forEach((frame, i) => {
      const from = i === 0 ? start : 0;
      const take = Math.min(ps - from, copy.length - done);
      if (toFrames) u8.set(copy.subarray(done, done + take), frame + from);
      else copy.set(u8.subarray(frame + from, frame + from + take), done);
      done += take;
    });
  }
}

/** The window of a backend view. */
export function windowOf(view: BackendView): ByteWindow {
  if (view.bytes) return new DirectWindow(view.bytes);
  return new PagedWindow(view.pages as PagePort, view.offset);
}
