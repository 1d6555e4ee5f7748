/**
 * The JS side of the core's paged views: translation tables, the only state
 * JS keeps about pages, and each view's port, which asks the core for
 * everything else (core/include/mm/paged.h owns holds, lends, ranges,
 * access and lifetimes).
 *
 *   accessor fast path ──reads──▶ TranslationTable (tags / frames / writable)
 *        │ miss                        ▲ set by translate(); cleared by the
 *        ▼                             │ core's reports (dropped pages,
 *   WasmPagePort.translate ──hold──▶ core's hold ring of the file cache
 *                                      flush, file cache closed)
 *
 * One FileTables per file cache of the core (shared by every map of the
 * file in this thread): its tables mirror the core's hold ring, so when the
 * core drops a hold, the page is forgotten in every table; after a flush
 * (which turns every hold read-only) no page is writable in any table.
 * Tables are sized for a map's capacity (a slot per page when it fits); a
 * map larger than every table of its file gets a new one. A copy-on-write
 * view has a table of its own for its private pages, which stay until the
 * view closes.
 *
 * @module
 */
import { NO_FRAME, type MemoryRef, type PagePort } from '../src/backend.js';
import { closedError } from '../src/errors.js';
import { PAGER_LIMITS } from '../src/generated/core.js';
import { DROPPED_ALL, HOLD_OVERWRITE, HOLD_READ, HOLD_WRITE, NOT_HELD, type WasmCore } from './loader.js';

/** The translation table's largest size (entries); above it, pages share slots. */
const MAX_SLOTS = 1 << 18;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** A direct-mapped translation table: page p's entry is in slot p & mask. */
export class TranslationTable {
  readonly mask: number;
  /** Every page of `pages` has a slot of its own. */
  readonly direct: boolean;
  readonly pages: number;
  readonly tags: Float64Array;
  readonly frames: number[];
  readonly writable: Uint8Array;

  constructor(pages: number, frames: number) {
    const ring = Math.max(1, frames - PAGER_LIMITS.reservedFrames);
    const slots = Math.min(MAX_SLOTS, nextPowerOfTwo(Math.max(pages, 2 * ring)));
    this.mask = slots - 1;
    this.direct = slots >= pages;
    this.pages = pages;
    this.tags = new Float64Array(slots).fill(-1);
    // Filled by push, so V8 keeps it a packed array of small integers (new Array(n) would be holey).
    this.frames = [];
    for (let i = 0; i < slots; i++) this.frames.push(NO_FRAME);
    this.writable = new Uint8Array(slots);
  }

  set(page: number, address: number, writable: boolean): void {
    const slot = page & this.mask;
    this.tags[slot] = page;
    this.frames[slot] = address;
    this.writable[slot] = writable ? 1 : 0;
  }

  forget(page: number): void {
    const slot = page & this.mask;
    if (this.tags[slot] !== page) return;
    this.tags[slot] = -1;
    this.frames[slot] = NO_FRAME;
    this.writable[slot] = 0;
  }

  clear(): void {
    this.tags.fill(-1);
    this.frames.fill(NO_FRAME);
    this.writable.fill(0);
  }
}

/** The translation tables of one file cache of the core. */
export class FileTables {
  /** The core's id of the file cache. */
  readonly id: number;
  readonly pageSize: number;
  readonly frameCount: number;
  readonly #tables: TranslationTable[] = [];

  constructor(id: number, pageSize: number, frameCount: number) {
    this.id = id;
    this.pageSize = pageSize;
    this.frameCount = frameCount;
  }

  /** A table for a map of `capacity` bytes: one with a slot per page if any has, else a new one. */
  tableFor(capacity: number): TranslationTable {
    const pages = Math.ceil(capacity / this.pageSize);
    const fits = this.#tables.find((t) => t.direct ? t.pages >= pages : pages > MAX_SLOTS);
    if (fits) return fits;
    const table = new TranslationTable(pages, this.frameCount);
    this.#tables.push(table);
    return table;
  }

  /** The core dropped a hold (a page, or DROPPED_ALL): no table may keep its address. */
  dropped(page: number): void {
    if (page === DROPPED_ALL) for (const t of this.#tables) t.clear();
    else if (page >= 0) for (const t of this.#tables) t.forget(page);
  }

  /** A flush turned every hold read-only: writes must ask the core again. */
  flushed(): void {
    for (const t of this.#tables) t.writable.fill(0);
  }

  /** The core closed the file cache: every address is gone. */
  closed(): void {
    for (const t of this.#tables) t.clear();
  }
}

/**
 * A view's port (PagePort): its translation table, and the core's calls on
 * its view. `onLendsDone` runs when the last lend returns after the view
 * closed (the core finished closing it then).
 */
export class WasmPagePort implements PagePort {
  readonly pageSize: number;
  readonly memory: MemoryRef;
  readonly mask: number;
  readonly direct: boolean;
  readonly tags: Float64Array;
  readonly frames: number[];
  readonly writable: Uint8Array;

  readonly #core: WasmCore;
  readonly #view: number;
  readonly #files: FileTables;
  readonly #table: TranslationTable;
  /** A copy-on-write view: its table holds only its private pages. */
  readonly #private: boolean;
  readonly #onLendsDone: () => void;
  /** The view's first byte in the file. */
  readonly #base: number;
  #lends = 0;
  #closed = false;

  constructor(core: WasmCore, memory: MemoryRef, view: number, files: FileTables, table: TranslationTable,
    copyOnWrite: boolean, onLendsDone: () => void) {
    this.#core = core;
    this.#view = view;
    this.#files = files;
    this.#table = table;
    this.#private = copyOnWrite;
    this.#onLendsDone = onLendsDone;
    this.#base = core.viewOffset(view);
    this.memory = memory;
    this.pageSize = files.pageSize;
    this.mask = table.mask;
    this.direct = table.direct;
    this.tags = table.tags;
    this.frames = table.frames;
    this.writable = table.writable;
  }

  /** Lends not yet returned (withBytes() callbacks in progress). */
  get lends(): number {
    return this.#lends;
  }

  #check(): void {
    if (this.#closed) throw closedError('view');
  }

  translate(page: number, writable: boolean, overwrite = false): number {
    this.#check();
    const core = this.#core;
    const address = core.hold(this.#view, page, writable ? (overwrite ? HOLD_OVERWRITE : HOLD_WRITE) : HOLD_READ);
    this.#files.dropped(core.dropped);
    if (address === NOT_HELD) return NOT_HELD;
    const table = this.#table;
    if (core.heldPrivate) {
      table.set(page, address, true); // a private page: writable, and it stays until the view goes
    } else if (!this.#private) {
      const slot = page & table.mask;
      table.set(page, address, writable || (table.tags[slot] === page && table.writable[slot] === 1));
    }
    return address;
  }

  lend(page: number): number {
    this.#check();
    const address = this.#core.lend(this.#view, page, true);
    this.#files.dropped(this.#core.dropped);
    this.#lends++;
    return address;
  }

  unlend(address: number): void {
    this.#lends--;
    try {
      this.#core.unlend(this.#view, address, true);
    } finally {
      if (this.#lends === 0 && this.#closed) this.#onLendsDone();
    }
  }

  read(pos: number, dst: Uint8Array): void {
    this.#check();
    this.#core.readView(this.#view, pos, dst);
  }

  write(pos: number, src: Uint8Array): void {
    this.#check();
    this.#core.writeView(this.#view, pos, src);
  }

  /** Advice for [pos, pos + n) of the view (an index in ADVICE_VALUES). */
  advise(advice: number, pos: number, n: number): void {
    this.#check();
    this.#core.adviseView(this.#view, advice, pos, n);
    this.#files.dropped(this.#core.dropped);
  }

  /**
   * Loads the pages of [pos, pos + n) into the file's cache (as many as the
   * core says it keeps), `budgetMs` of work at a time, yielding to the event
   * loop between; stops with ECLOSED when the view closes meanwhile.
   */
  async prefetch(pos: number, n: number, yieldNow: () => Promise<void>, budgetMs = 2): Promise<void> {
    this.#check();
    const ps = this.pageSize;
    const start = this.#base + pos;
    const end = start + this.#core.prefetchSpan(this.#view, pos, n);
    let page = Math.floor(start / ps);
    while (page * ps < end) {
      const until = Date.now() + budgetMs;
      while (page * ps < end && Date.now() < until) this.#core.loadPage(this.#view, page++);
      if (page * ps < end) {
        await yieldNow();
        this.#check();
      }
    }
  }

  /** The view closed: no call but unlend reaches the core any more. */
  close(): void {
    this.#closed = true;
    if (this.#private) this.#table.clear();
  }
}
