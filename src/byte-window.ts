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
import type { BackendView, PagePort } from './backend.js';

export interface ByteWindow {
  /** Copies the view's bytes [pos, pos + dst.length) into dst. */
  read(pos: number, dst: Uint8Array): void;
  /** Copies src into the view at pos. */
  write(pos: number, src: Uint8Array): void;
  /**
   * Calls fn with bytes [pos, pos + length): zero-copy where the view is one
   * array or the range lies in one page; otherwise a copy, written back after
   * fn returns when `writable`.
   */
  withBytes<T>(pos: number, length: number, writable: boolean, fn: (bytes: Uint8Array) => T): T;
}

class DirectWindow implements ByteWindow {
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
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

  #copy(pos: number, buf: Uint8Array, toView: boolean): void {
    const port = this.#port;
    const ps = port.pageSize;
    let abs = this.#base + pos;
    let done = 0;
    while (done < buf.length) {
      const page = Math.floor(abs / ps);
      const inPage = abs - page * ps;
      const take = Math.min(ps - inPage, buf.length - done);
      const slot = page & port.mask;
      if (!toView && take === ps && port.tags[slot] !== page &&
          port.readDirect(page, done === 0 && buf.length === ps ? buf : buf.subarray(done, done + ps))) {
        done += take;
        abs += take;
        continue;
      }
      const hit = port.tags[slot] === page && (!toView || port.writable[slot] === 1);
      // A write of a whole page need not read the page first (overwrite).
      const addr = (hit ? (port.frames[slot] as number) : port.translate(page, toView, toView && take === ps)) + inPage;
      const frame = port.memory.u8.subarray(addr, addr + take);
      if (toView) frame.set(buf.subarray(done, done + take));
      else buf.set(frame, done);
      done += take;
      abs += take;
    }
  }

  read(pos: number, dst: Uint8Array): void {
    this.#copy(pos, dst, false);
  }

  write(pos: number, src: Uint8Array): void {
    this.#copy(pos, src, true);
  }

  withBytes<T>(pos: number, length: number, writable: boolean, fn: (bytes: Uint8Array) => T): T {
    const port = this.#port;
    const abs = this.#base + pos;
    const page = Math.floor(abs / port.pageSize);
    const inPage = abs - page * port.pageSize;
    if (inPage + length <= port.pageSize) {
      const frame = port.pin(page, writable);
      try {
        return fn(port.memory.u8.subarray(frame + inPage, frame + inPage + length));
      } finally {
        port.unpin(frame, writable);
      }
    }
    const copy = new Uint8Array(length);
    this.read(pos, copy);
    const result = fn(copy);
    if (writable) this.write(pos, copy);
    return result;
  }
}

/** The window of a backend view. */
export function windowOf(view: BackendView): ByteWindow {
  if (view.bytes) return new DirectWindow(view.bytes);
  return new PagedWindow(view.pages as PagePort, view.offset);
}
