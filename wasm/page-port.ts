/**
 * WasmPagePort: the JS side of one pager — the translation cache that lets
 * paged accessors read and write frames in WASM memory without calling into
 * WASM when the page is already at hand (src/paged-accessor.ts).
 *
 * JS keeps up to `frameCount - 4` pages pinned, in a ring (FIFO): a pinned
 * page cannot be evicted by the pager, so its frame address stays valid, and
 * the direct-mapped table tags/frames/writable (indexed by page & mask) says
 * where it is. A miss unpins the ring's oldest page and pins the new one (two
 * calls). The pages left unpinned serve the pager's own copies and private
 * pagers. A page pinned read-only is re-pinned writable on its first write,
 * because a writable pin is what marks a page dirty.
 *
 * @module
 */
import { NO_FRAME, type MemoryRef, type PagePort } from '../src/backend.js';
import type { WasmCore } from './loader.js';

/** Frames the pager keeps for itself (reads that straddle pages, private pagers). */
const RESERVED_FRAMES = 4;
/** The translation table's largest size (entries); above it, pages share slots. */
const MAX_SLOTS = 1 << 18;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export class WasmPagePort implements PagePort {
  readonly pageSize: number;
  readonly memory: MemoryRef;
  readonly mask: number;
  readonly direct: boolean;
  readonly tags: Float64Array;
  readonly frames: number[];
  readonly writable: Uint8Array;

  readonly #core: WasmCore;
  readonly #pager: number;
  /** The FileHost id to read uncached pages from, or -1 (a private pager reads through the map). */
  readonly #file: number;
  /**
   * Whether a page may hold changes the file lacks, by slot (page & mask;
   * pages sharing a slot share the answer, so it errs towards "maybe"): set
   * by every writable pin and unpin, cleared by a flush. A read-only pager
   * never has any.
   */
  readonly #maybeDirty: Uint8Array;
  readonly #readOnly: boolean;
  /** Writable pin() calls not yet unpinned (withBytes callbacks in progress). */
  #writablePins = 0;
  readonly #frameBase: number;
  readonly #slotRing: Int32Array;
  readonly #ringPage: Float64Array;
  readonly #ringFrame: Int32Array;
  readonly #ringWritable: Uint8Array;
  #hand = 0;
  /** Whole pages readDirect() copied straight from the file (counted as storage reads in cache stats). */
  directReads = 0;

  constructor(core: WasmCore, pager: number, capacity: number, memory: MemoryRef, file: number, readOnly: boolean) {
    this.#core = core;
    this.#pager = pager;
    this.#file = file;
    this.#readOnly = readOnly;
    this.memory = memory;
    this.pageSize = core.pageSize(pager);
    this.#frameBase = core.frameBase(pager);
    const ring = Math.max(1, core.frameCount(pager) - RESERVED_FRAMES);
    const slots = Math.min(MAX_SLOTS, nextPowerOfTwo(Math.max(Math.ceil(capacity / this.pageSize), 2 * ring)));
    this.mask = slots - 1;
    this.direct = slots >= Math.ceil(capacity / this.pageSize);
    this.tags = new Float64Array(slots).fill(-1);
    // Filled by push, so V8 keeps it a packed array of small integers (new Array(n) would be holey).
    this.frames = [];
    for (let i = 0; i < slots; i++) this.frames.push(NO_FRAME);
    this.writable = new Uint8Array(slots);
    this.#maybeDirty = new Uint8Array(slots);
    this.#slotRing = new Int32Array(slots);
    this.#ringPage = new Float64Array(ring).fill(-1);
    this.#ringFrame = new Int32Array(ring);
    this.#ringWritable = new Uint8Array(ring);
  }

  #address(frame: number): number {
    return this.#frameBase + frame * this.pageSize;
  }

  translate(page: number, writable: boolean, overwrite = false): number {
    const slot = page & this.mask;
    if (this.tags[slot] === page) {
      if (!writable || this.writable[slot] === 1) return this.frames[slot] as number;
      // Upgrade to a writable pin (same frame: the page is pinned), then drop the read-only one.
      const r = this.#slotRing[slot] as number;
      this.#maybeDirty[slot] = 1;
      this.#core.pin(this.#pager, page, true);
      this.#core.unpin(this.#pager, this.#ringFrame[r] as number, false);
      this.#ringWritable[r] = 1;
      this.writable[slot] = 1;
      return this.frames[slot] as number;
    }
    const r = this.#hand;
    this.#hand = r + 1 === this.#ringPage.length ? 0 : r + 1;
    this.#drop(r);
    let frame: number;
    try {
      frame = this.#core.pin(this.#pager, page, writable, overwrite);
    } catch (err) {
      // Every frame is pinned or holds a written private (copy-on-write) page:
      // let go of the pages JS holds and try once more before giving up.
      if ((err as { code?: string }).code !== 'ENOMEM') throw err;
      this.release(true);
      frame = this.#core.pin(this.#pager, page, writable, overwrite);
    }
    if (writable) this.#maybeDirty[slot] = 1;
    this.#ringPage[r] = page;
    this.#ringFrame[r] = frame;
    this.#ringWritable[r] = writable ? 1 : 0;
    const address = this.#address(frame);
    this.tags[slot] = page;
    this.frames[slot] = address;
    this.writable[slot] = writable ? 1 : 0;
    this.#slotRing[slot] = r;
    return address;
  }

  /** Unpins ring entry r (if it holds a page) and forgets its translation. */
  #drop(r: number): void {
    const page = this.#ringPage[r] as number;
    if (page < 0) return;
    this.#ringPage[r] = -1;
    const slot = page & this.mask;
    if (this.tags[slot] === page && this.#slotRing[slot] === r) {
      this.tags[slot] = -1;
      this.frames[slot] = NO_FRAME;
      this.writable[slot] = 0;
    }
    this.#core.unpin(this.#pager, this.#ringFrame[r] as number, this.#ringWritable[r] === 1);
  }

  readDirect(page: number, dst: Uint8Array): boolean {
    if (this.#file < 0) return false;
    // A page with no changes the file lacks reads the same from the file, cached or not.
    if (!this.#readOnly && this.#maybeDirty[page & this.mask] === 1 && this.#core.isResident(this.#pager, page)) return false;
    this.#core.readFile(this.#file, dst, page * this.pageSize);
    this.directReads++;
    return true;
  }

  pin(page: number, writable: boolean): number {
    const address = this.#address(this.#core.pin(this.#pager, page, writable));
    if (writable) {
      this.#maybeDirty[page & this.mask] = 1;
      this.#writablePins++;
    }
    return address;
  }

  unpin(address: number, writable: boolean): void {
    this.#core.unpin(this.#pager, (address - this.#frameBase) / this.pageSize, writable);
    if (writable) this.#writablePins--;
  }

  /**
   * After a successful flush (the ring's writable pins released first): no
   * page holds changes the file lacks — unless a withBytes() callback still
   * holds a writable pin, whose page may change after the flush.
   */
  flushed(): void {
    if (this.#writablePins === 0) this.#maybeDirty.fill(0);
  }

  /**
   * Unpins the pages JS holds writable (all pages with `all`), so that a
   * flush leaves them clean, or so that the pager can close.
   */
  release(all: boolean): void {
    for (let r = 0; r < this.#ringPage.length; r++) {
      if (all || this.#ringWritable[r] === 1) this.#drop(r);
    }
  }
}
