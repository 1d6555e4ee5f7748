/**
 * The registry of named non-persisted maps for backends without POSIX shared
 * memory (wasm on Node, and the browser): one growable SharedArrayBuffer, the
 * arena, shared by every thread of an agent cluster (Node worker_threads; a
 * page and its dedicated workers), holding a small table of names and the
 * maps' bytes. Every operation is synchronous, so `createNewSync` in one
 * thread and `openExistingSync` in another agree at once.
 *
 *   arena:  [ header | entry table (MAX_ENTRIES) | map bytes ... (grows) ]
 *   entry:  state, holders, offset, size, name length, name (UTF-8)
 *
 * A map's bytes live while it has holders (maps and views of any thread) and
 * are reused after the last release. The table is guarded by a spin lock on
 * an Int32 cell (Atomics.wait is not allowed on a browser's main thread; the
 * critical sections are a few table reads and writes).
 *
 * @module
 */
import { MemmapError } from '../src/errors.js';

const MAX_ENTRIES = 256;
const NAME_BYTES = 256;
const ALIGN = 4096;
/** Int32 cells of the header: lock, version. */
const HEADER_BYTES = 64;
/** Per entry: Int32 state + holders + nameLength + pad, Float64 offset + size, then the name. */
const ENTRY_BYTES = 32 + NAME_BYTES;
const TABLE_BYTES = MAX_ENTRIES * ENTRY_BYTES;
const DATA_START = Math.ceil((HEADER_BYTES + TABLE_BYTES) / ALIGN) * ALIGN;
/** A growable SharedArrayBuffer is limited to 4 GiB (ArrayBuffer length). */
const MAX_ARENA = 2 ** 32;
const ARENA_TAG = 0x4d4d4150; // "MMAP"

const FREE = 0;
const LIVE = 1;

/** A named map's place in the arena; release() once per holder. */
export interface ArenaMap {
  readonly offset: number;
  readonly size: number;
  readonly buffer: SharedArrayBuffer;
  /** The entry's index, to release it. */
  readonly entry: number;
}

export class SharedArena {
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #u8: Uint8Array;

  constructor(buffer: SharedArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < DATA_START) {
      throw new MemmapError('EINVAL', 'not a memmap shared arena');
    }
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer, 0, (HEADER_BYTES + TABLE_BYTES) / 4);
    this.#f64 = new Float64Array(buffer, 0, (HEADER_BYTES + TABLE_BYTES) / 8);
    this.#u8 = new Uint8Array(buffer, 0, HEADER_BYTES + TABLE_BYTES);
    if (Atomics.load(this.#i32, 1) !== ARENA_TAG) {
      throw new MemmapError('EINVAL', 'not a memmap shared arena');
    }
  }

  /** A new, empty arena. */
  static create(): SharedArena {
    const buffer = new SharedArrayBuffer(DATA_START, { maxByteLength: MAX_ARENA });
    Atomics.store(new Int32Array(buffer, 0, 2), 1, ARENA_TAG);
    return new SharedArena(buffer);
  }

  #lock(): void {
    while (Atomics.compareExchange(this.#i32, 0, 0, 1) !== 0) {
      // spin: the holder is inside a short table update
    }
  }

  #unlock(): void {
    Atomics.store(this.#i32, 0, 0);
  }

  // Entry fields: Int32 at (HEADER + e*ENTRY)/4 + {0: state, 1: holders, 2: nameLength},
  // Float64 at (HEADER + e*ENTRY)/8 + {2: offset, 3: size}, name bytes at + 32.
  #i(e: number): number {
    return (HEADER_BYTES + e * ENTRY_BYTES) / 4;
  }
  #f(e: number): number {
    return (HEADER_BYTES + e * ENTRY_BYTES) / 8;
  }

  #find(name: Uint8Array): number {
    for (let e = 0; e < MAX_ENTRIES; e++) {
      const i = this.#i(e);
      if (this.#i32[i] !== LIVE || this.#i32[i + 2] !== name.length) continue;
      const at = HEADER_BYTES + e * ENTRY_BYTES + 32;
      let same = true;
      for (let k = 0; k < name.length && same; k++) same = this.#u8[at + k] === name[k];
      if (same) return e;
    }
    return -1;
  }

  /** The lowest aligned offset with `size` free bytes after it (first fit). */
  #place(size: number): number {
    const taken: [number, number][] = [];
    for (let e = 0; e < MAX_ENTRIES; e++) {
      if (this.#i32[this.#i(e)] === LIVE) {
        const f = this.#f(e);
        taken.push([this.#f64[f + 2] as number, this.#f64[f + 3] as number]);
      }
    }
    taken.sort((a, b) => a[0] - b[0]);
    let at = DATA_START;
    for (const [offset, length] of taken) {
      if (offset - at >= size) break;
      at = Math.max(at, Math.ceil((offset + length) / ALIGN) * ALIGN);
    }
    return at;
  }

  /**
   * Opens the named map: `create` makes it when missing (`EEXIST` when live
   * and `exclusive`), else `ENOENT` when missing. An existing map smaller than
   * `capacity` is `ERANGE`. The caller holds the map until release().
   */
  open(name: string, capacity: number, create: boolean, exclusive: boolean): ArenaMap {
    const key = new TextEncoder().encode(name);
    this.#lock();
    try {
      let e = this.#find(key);
      if (e >= 0) {
        if (exclusive) throw new MemmapError('EEXIST', `a live map is named '${name}'`);
        const size = this.#f64[this.#f(e) + 3] as number;
        if (capacity > size) {
          throw new MemmapError('ERANGE', `the map '${name}' has ${size} bytes, fewer than the ${capacity} asked for`);
        }
        this.#i32[this.#i(e) + 1]! += 1;
        return { offset: this.#f64[this.#f(e) + 2] as number, size, buffer: this.buffer, entry: e };
      }
      if (!create) throw new MemmapError('ENOENT', `no map is named '${name}'`);
      e = 0;
      while (e < MAX_ENTRIES && this.#i32[this.#i(e)] !== FREE) e++;
      if (e === MAX_ENTRIES) {
        throw new MemmapError('ENOSPC', `the registry holds at most ${MAX_ENTRIES} named maps at once`);
      }
      const offset = this.#place(capacity);
      const end = offset + capacity;
      if (end > MAX_ARENA) {
        throw new MemmapError('ENOSPC', `named maps of this backend share at most 4 GiB; ${capacity} more bytes do not fit`);
      }
      if (end > this.buffer.byteLength) {
        try {
          this.buffer.grow(Math.min(MAX_ARENA, Math.ceil(end / (1 << 20)) * (1 << 20)));
        } catch (err) {
          throw new MemmapError('ENOMEM', `cannot grow the shared arena to ${end} bytes: ${(err as Error).message}`);
        }
      }
      new Uint8Array(this.buffer, offset, capacity).fill(0);
      const i = this.#i(e);
      const f = this.#f(e);
      this.#f64[f + 2] = offset;
      this.#f64[f + 3] = capacity;
      this.#i32[i + 1] = 1;
      this.#i32[i + 2] = key.length;
      this.#u8.set(key, HEADER_BYTES + e * ENTRY_BYTES + 32);
      Atomics.store(this.#i32, i, LIVE);
      return { offset, size: capacity, buffer: this.buffer, entry: e };
    } finally {
      this.#unlock();
    }
  }

  /** Adds a holder to an open map (a view of it). */
  retain(map: ArenaMap): void {
    this.#lock();
    this.#i32[this.#i(map.entry) + 1]! += 1;
    this.#unlock();
  }

  /** Drops a holder; the last one frees the map's name and bytes. */
  release(map: ArenaMap): void {
    this.#lock();
    const i = this.#i(map.entry);
    this.#i32[i + 1]! -= 1;
    if (this.#i32[i + 1] === 0) this.#i32[i] = FREE;
    this.#unlock();
  }

  /** Live maps and their holders, for tests and diagnostics. */
  list(): { name: string; size: number; holders: number }[] {
    const out: { name: string; size: number; holders: number }[] = [];
    this.#lock();
    try {
      for (let e = 0; e < MAX_ENTRIES; e++) {
        const i = this.#i(e);
        if (this.#i32[i] !== LIVE) continue;
        const at = HEADER_BYTES + e * ENTRY_BYTES + 32;
        const name = new TextDecoder().decode(this.#u8.slice(at, at + (this.#i32[i + 2] as number)));
        out.push({ name, size: this.#f64[this.#f(e) + 3] as number, holders: this.#i32[i + 1] as number });
      }
    } finally {
      this.#unlock();
    }
    return out;
  }
}
