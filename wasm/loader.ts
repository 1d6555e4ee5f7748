/**
 * The WASM core without emscripten glue: instantiates wasm/memmap.wasm (built
 * by scripts/build-wasm.mjs from core/ and wasm/exports.c), provides its
 * imports, and wraps its exports in typed methods.
 *
 *   WasmCore method ──call──▶ memmap.wasm (map.c, paged.c, pager.c, ...)
 *        ▲                        │ imports mm_js_open / kind / identity / size /
 *        │ negative code:         │ resize / close / unlink / read / write / sync
 *        │ throw MemmapError      │ and mm_js_put / fill (into readView's array)
 *        │                        ▼
 *        └──── stored error ◀── trampolines here ──▶ FileHost (node:fs, OPFS)
 *
 * Errors cross in one place each way. A FileHost that throws never throws
 * into WASM: the trampoline stores the error and returns the core code its
 * `code` names (EIO when it names none); when the core's call returns that
 * code, the method rethrows the stored error as a MemmapError with the
 * original message, errno and `cause` (SQLite opfs-sahpool's storeErr). A
 * failure of the core's own (ERANGE, EINVAL, ...) becomes a MemmapError with
 * the core's name and message. Names and codes come from the module's error
 * table, never from numbers written here: emscripten's errno values differ
 * from Linux's (ENOENT is 44), so the codes themselves differ from the native
 * addon's while the names are the same.
 *
 * Handles (maps, views) are WASM addresses as numbers, valid until freed
 * (core/include/mm/paged.h says when); they never move. WASM memory grows
 * when a map or a view opens (a file cache's frames, a copy-on-write view's
 * private frames) and never while pages are held, lent, read or written; the
 * core refuses opens while a lend is out (EBUSY), because growing would
 * detach the bytes lent to a withBytes() callback.
 *
 * @module
 */
import { MemmapError, makeError } from '../src/errors.js';
import { ACCESS_VALUES, MODE_VALUES, type CacheStats, type FileMode, type MemoryMappedFileAccess } from '../src/types.js';
import type { FileHost } from './file-host.js';
import { NodeFileHost } from './node-files.js';


/** The module's exports (wasm/exports.c); addresses are i32, read with `>>> 0`. */
interface CoreExports {
  readonly memory: WebAssembly.Memory;
  _initialize?(): void;
  malloc(size: number): number;
  free(ptr: number): void;
  mm_wasm_error_count(): number;
  mm_wasm_error_code(i: number): number;
  mm_wasm_error_name(code: number): number;
  mm_wasm_error_message(code: number): number;
  mm_wasm_error_detail(): number;
  mm_wasm_paged_open(path: number, pathLen: number, mode: number, capacity: number, access: number,
    pageSize: number, frameCount: number, out: number): number;
  mm_wasm_paged_capacity(map: number): number;
  mm_wasm_paged_page_size(map: number): number;
  mm_wasm_paged_frame_count(map: number): number;
  mm_wasm_paged_file_id(map: number): number;
  mm_wasm_paged_file_is_open(id: number): number;
  mm_wasm_paged_stats(map: number, out: number): void;
  mm_wasm_paged_lent(): number;
  mm_wasm_paged_close(map: number): number;
  mm_wasm_paged_free(map: number): void;
  mm_wasm_view_open(map: number, offset: number, size: number, access: number, out: number): number;
  mm_wasm_view_offset(view: number): number;
  mm_wasm_view_size(view: number): number;
  mm_wasm_view_pointer_offset(view: number): number;
  mm_wasm_view_hold(view: number, page: number, kind: number, frame: number, dropped: number): number;
  mm_wasm_view_lend(view: number, page: number, writable: number, frame: number, dropped: number): number;
  mm_wasm_view_unlend(view: number, frame: number, writable: number): number;
  mm_wasm_view_read(view: number, pos: number, n: number, at: number): number;
  mm_wasm_view_write(view: number, pos: number, n: number, src: number): number;
  mm_wasm_view_advise(view: number, advice: number, pos: number, n: number, dropped: number): number;
  mm_wasm_view_prefetch_span(view: number, pos: number, n: number): number;
  mm_wasm_view_load(view: number, page: number): number;
  mm_wasm_view_flush(view: number): number;
  mm_wasm_view_flush_range(view: number, offset: number, length: number): number;
  mm_wasm_view_write_back(view: number, offset: number, length: number, fromPage: number, maxPages: number): number;
  mm_wasm_paged_grow(map: number, capacity: number): number;
  mm_wasm_view_file(view: number): number;
  mm_wasm_view_close(view: number): number;
  mm_wasm_view_free(view: number): void;
}

/** The names of the imports the module may have (the core's mm_js_* trampolines). */
export const WASM_IMPORTS: readonly string[] = [
  'env.mm_js_open',
  'env.mm_js_kind',
  'env.mm_js_identity',
  'env.mm_js_size',
  'env.mm_js_resize',
  'env.mm_js_close',
  'env.mm_js_unlink',
  'env.mm_js_read',
  'env.mm_js_write',
  'env.mm_js_sync',
  'env.mm_js_put',
  'env.mm_js_fill',
  'env.emscripten_notify_memory_growth',
];

/** Pin kinds of holds (MM_PIN_* in core/include/mm/pager.h). */
export const HOLD_READ = 0;
export const HOLD_WRITE = 1;
/** A writable hold whose caller overwrites the whole page at once: a page missing from the cache is not read first. */
export const HOLD_OVERWRITE = 2;
/** What hold() returns when the core held nothing (MM_PAGED_HOLD_NONE): copy through readView / writeView. */
export const NOT_HELD = -1;
/** What a hold or lend dropped (MM_PAGED_DROPPED_* in core/include/mm/paged.h). */
export const DROPPED_NONE = -1;
export const DROPPED_ALL = -2;

/** Bytes of the staging area writeView copies through (allocated once, so that writes never grow memory). */
const STAGING = 16384;

/** The counters of a pager (mm_pager_stats): the public CacheStats without the geometry. */
export type PagerStats = Omit<CacheStats, 'pageSize' | 'frames'>;

const STATS_KEYS: readonly (keyof PagerStats)[] = [
  'hits', 'misses', 'evictions', 'storageReads', 'storageWrites', 'storageFlushes', 'resident', 'dirty', 'pinned',
];

export interface WasmCoreOptions {
  /** The file operations under the pager; defaults to node:fs on Node. */
  host?: FileHost;
}

/** Bytes, a compiled module, or where to get the bytes (a file: URL or path on Node, else a URL to fetch). */
export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

function isNode(): boolean {
  return typeof globalThis.process?.getBuiltinModule === 'function';
}

/**
 * Where the committed module is, relative to this file: wasm/memmap.wasm
 * from wasm/loader.ts, and the same file from a bundle in dist/ (one folder
 * down from the package root, like the addon's build/Release path).
 */
export function wasmFileUrl(): URL {
  return new URL('../wasm/memmap.wasm', import.meta.url);
}

/** The on-disk path of the committed wasm/memmap.wasm (Node only). */
export function wasmFilePath(): string {
  if (!isNode()) throw new MemmapError('EUNSUPPORTED', 'wasmFilePath() needs Node');
  return process.getBuiltinModule('node:url').fileURLToPath(wasmFileUrl());
}

function readFileSync(path: string | URL): Uint8Array<ArrayBuffer> {
  if (!isNode()) throw new MemmapError('EUNSUPPORTED', `cannot read ${String(path)} without Node; pass the bytes`);
  // A file's bytes are never in a SharedArrayBuffer.
  return process.getBuiltinModule('node:fs').readFileSync(path) as Uint8Array<ArrayBuffer>;
}

function defaultHost(): FileHost {
  if (!isNode()) {
    throw new MemmapError('EUNSUPPORTED', 'the WASM core needs a FileHost here (options.host); only Node has a default');
  }
  return new NodeFileHost();
}

/** The first bytes of every WebAssembly module: "\0asm". */
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * Compiles a module's bytes, which came from `from`; bytes that are not a
 * WebAssembly module are EIO showing how they start, so that an HTML page
 * (a server's fallback for a missing file) or an error text is recognised.
 */
async function compileModule(bytes: BufferSource, from: string): Promise<WebAssembly.Module> {
  const view = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  if (!WASM_MAGIC.every((b, i) => view[i] === b)) {
    const start = new TextDecoder().decode(view.subarray(0, 60)).replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
    throw new MemmapError(
      'EIO',
      `${from} is not a WebAssembly module: ${view.length} bytes starting "${start}"; ` +
        'a server that answers missing files with a page would do this: serve memmap.wasm there, or pass its URL (configure({ wasm }) in browsers)',
    );
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (err) {
    throw new MemmapError('EIO', `${from} does not compile as a WebAssembly module: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** The message of a host's error without the `CODE: ` prefix Node's messages carry. */
function hostMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && err.message.startsWith(`${code}: `) ? err.message.slice(code.length + 2) : err.message;
  }
  return String(err);
}

/** The OS errno of an error name where the platform has one (Node), else undefined. */
function osErrno(name: string): number | undefined {
  return isNode() ? (process.getBuiltinModule('node:os').constants.errno as Record<string, number>)[name] : undefined;
}

function hostErrno(err: unknown): number | undefined {
  const errno = (err as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' && errno !== 0 ? Math.abs(errno) : undefined;
}

export class WasmCore {
  /** The module's memory; its buffer is replaced when it grows. */
  readonly memory: WebAssembly.Memory;
  /** The file operations the core's imports call. */
  readonly host: FileHost;
  /** Error name → core code, e.g. `ENOENT` → -44 (emscripten's numbering). */
  readonly errorCodes: ReadonlyMap<string, number>;

  readonly #x: CoreExports;
  readonly #names = new Map<number, string>();
  readonly #messages = new Map<number, string>();
  readonly #eio: number;
  /** Out-parameters: a pointer slot at +0, a double at +8, 9 doubles of stats at +16. */
  readonly #scratch: number;
  /** STAGING bytes of WASM memory that writeView copies its source through. */
  readonly #staging: number;
  /** The JS array mm_js_put and mm_js_fill copy into during readView(). */
  #destination: Uint8Array | null = null;
  /** Set by hold() and lend(): the page the core dropped from its hold ring (or DROPPED_*). */
  dropped = DROPPED_NONE;
  /** Set by hold(): whether the frame is a copy-on-write view's private page. */
  heldPrivate = false;
  #u8: Uint8Array;
  #dv: DataView;
  /** The error a host callback threw during the current call into WASM. */
  #pending: unknown = undefined;

  /** Instantiates the module synchronously from its bytes (or a compiled module). */
  static loadSync(source: BufferSource | WebAssembly.Module, options: WasmCoreOptions = {}): WasmCore {
    const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
    return new WasmCore(module, options.host ?? defaultHost());
  }

  /**
   * Compiles and instantiates the module from `source`: a string is a file
   * path on Node and a URL elsewhere; file: URLs are read from disk, other
   * URLs fetched. Anything that is not a WebAssembly module — a server that
   * answers a missing file with its HTML page, say — is EIO naming where it
   * came from and what came instead.
   */
  static async load(source: WasmSource, options: WasmCoreOptions = {}): Promise<WasmCore> {
    const host = options.host ?? defaultHost();
    if (source instanceof WebAssembly.Module) return new WasmCore(source, host);
    if (typeof source === 'string' && isNode()) return new WasmCore(await compileModule(readFileSync(source), source), host);
    if (typeof source !== 'string' && !(source instanceof URL)) return new WasmCore(await compileModule(source, 'the bytes given'), host);
    const url = new URL(source, (globalThis as { location?: { href: string } }).location?.href);
    if (url.protocol === 'file:') return new WasmCore(await compileModule(readFileSync(url), url.href), host);
    let response: Response;
    try {
      response = await fetch(url);
    } catch (err) {
      throw new MemmapError('EIO', `fetching the WebAssembly module from ${url.href} failed: ${(err as Error)?.message ?? String(err)}`);
    }
    if (!response.ok) throw new MemmapError('EIO', `fetching the WebAssembly module from ${url.href} failed: HTTP ${response.status}`);
    const what = `${url.href} (${response.headers.get('content-type') ?? 'no content type'})`;
    return new WasmCore(await compileModule(await response.arrayBuffer(), what), host);
  }

  private constructor(module: WebAssembly.Module, host: FileHost) {
    this.host = host;
    const instance = new WebAssembly.Instance(module, { env: this.#imports() });
    this.#x = instance.exports as unknown as CoreExports;
    this.memory = this.#x.memory;
    this.#u8 = new Uint8Array(this.memory.buffer);
    this.#dv = new DataView(this.memory.buffer);
    this.#x._initialize?.();

    const codes = new Map<string, number>();
    for (let i = 0, n = this.#x.mm_wasm_error_count(); i < n; i++) {
      const code = this.#x.mm_wasm_error_code(i);
      const name = this.#cString(this.#x.mm_wasm_error_name(code));
      codes.set(name, code);
      this.#names.set(code, name);
      this.#messages.set(code, this.#cString(this.#x.mm_wasm_error_message(code)));
    }
    this.errorCodes = codes;
    this.#eio = codes.get('EIO') as number;
    this.#scratch = this.#x.malloc(16 + 8 * STATS_KEYS.length) >>> 0;
    this.#staging = this.#x.malloc(STAGING) >>> 0;
    if (this.#scratch === 0 || this.#staging === 0) throw new MemmapError('ENOMEM', 'the WASM core could not allocate its scratch memory');
  }

  /** The name of a core code (`EUNKNOWN` for a code not in the table). */
  errorName(code: number): string {
    return this.#names.get(code) ?? 'EUNKNOWN';
  }

  /** The core's message for a code. */
  errorMessage(code: number): string {
    return this.#messages.get(code) ?? 'unknown error';
  }

  /** A view of all of WASM memory, fresh after growth (do not keep it across calls that may allocate). */
  get bytes(): Uint8Array {
    if (this.#u8.buffer !== this.memory.buffer) this.#refresh();
    return this.#u8;
  }

  /** Allocates n bytes of WASM memory (the address, never 0); may grow memory. */
  #malloc(n: number): number {
    const ptr = this.#x.malloc(n) >>> 0;
    if (ptr === 0) throw new MemmapError('ENOMEM', `could not allocate ${n} bytes of WASM memory`);
    return ptr;
  }

  // Paged maps (core/include/mm/paged.h).

  /** EBUSY while a lend is out: opening may grow WASM memory, which would detach the lent bytes. */
  #checkNotLent(what: string): void {
    if (this.#x.mm_wasm_paged_lent() > 0) {
      throw new MemmapError(
        'EBUSY',
        `cannot open a ${what} inside withBytes() on the wasm backend: opening may grow WASM memory, which would detach the bytes lent to the callback`,
      );
    }
  }

  /**
   * Opens `path` as a paged map (the rules of createFromFile; capacity 0 is
   * the file's size; pageSize / frameCount 0 are the pager's defaults), joining
   * the file's cache if the file is open in this process, and returns its handle.
   */
  openPaged(path: string, mode: FileMode, capacity: number, access: MemoryMappedFileAccess,
    pageSize = 0, frameCount = 0): number {
    this.#checkNotLent('map');
    const encoded = new TextEncoder().encode(path);
    const ptr = this.#malloc(encoded.length + 1);
    try {
      this.bytes.set(encoded, ptr);
      this.#pending = undefined;
      const rc = this.#x.mm_wasm_paged_open(ptr, encoded.length, MODE_VALUES.indexOf(mode), capacity,
        ACCESS_VALUES.indexOf(access), pageSize, frameCount, this.#scratch);
      if (rc < 0) throw this.#fail(rc, `open '${path}'`, this.#cString(this.#x.mm_wasm_error_detail()));
      return this.#outPointer();
    } finally {
      this.#x.free(ptr);
    }
  }

  /** The map's capacity in bytes. */
  capacity(map: number): number {
    return this.#x.mm_wasm_paged_capacity(map);
  }

  /** The page size of the map's file cache. */
  pageSize(map: number): number {
    return this.#x.mm_wasm_paged_page_size(map);
  }

  /** The frames of the map's file cache. */
  frameCount(map: number): number {
    return this.#x.mm_wasm_paged_frame_count(map);
  }

  /** The id of the map's file cache (shared by every map of the file; 0 once the map is released). */
  fileId(map: number): number {
    return this.#x.mm_wasm_paged_file_id(map);
  }

  /** Whether the file cache `id` is open. */
  fileIsOpen(id: number): boolean {
    return this.#x.mm_wasm_paged_file_is_open(id) === 1;
  }

  /** The counters of the map's file cache. */
  stats(map: number): PagerStats {
    const at = this.#scratch + 16;
    this.#x.mm_wasm_paged_stats(map, at);
    const dv = this.#view();
    const out = {} as PagerStats;
    STATS_KEYS.forEach((key, i) => {
      out[key] = dv.getFloat64(at + 8 * i, true);
    });
    return out;
  }

  /**
   * Closes the map (no new views); when it has no view left it is released,
   * and the last map of a file writes back and closes the file (a failed
   * write-back is thrown).
   */
  closeMap(map: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_paged_close(map);
    if (rc < 0) throw this.#fail(rc);
  }

  /** Closes the map if needed and ends the caller's use of the handle; `map` must not be used again. */
  freeMap(map: number): void {
    this.#x.mm_wasm_paged_free(map);
    this.#pending = undefined;
  }

  // Views (core/include/mm/paged.h).

  /** Opens a view of [offset, offset + size) (size 0: to the end) with `access`, and returns its handle. */
  openView(map: number, offset: number, size: number, access: MemoryMappedFileAccess): number {
    this.#checkNotLent('view');
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_view_open(map, offset, size, ACCESS_VALUES.indexOf(access), this.#scratch);
    if (rc < 0) throw this.#fail(rc);
    return this.#outPointer();
  }

  /** The view's resolved range and pointer offset. */
  viewOffset(view: number): number {
    return this.#x.mm_wasm_view_offset(view);
  }

  viewSize(view: number): number {
    return this.#x.mm_wasm_view_size(view);
  }

  viewPointerOffset(view: number): number {
    return this.#x.mm_wasm_view_pointer_offset(view);
  }

  /**
   * Holds page `page` of the file for the translation cache (kind HOLD_*)
   * and returns the address of its frame; sets `dropped` (the page the ring
   * let go, or DROPPED_*) and `heldPrivate` (a copy-on-write view's own page).
   */
  hold(view: number, page: number, kind: number): number {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_view_hold(view, page, kind, this.#scratch, this.#scratch + 8);
    this.dropped = this.#view().getFloat64(this.#scratch + 8, true);
    if (rc < 0) throw this.#fail(rc);
    this.heldPrivate = rc === 1;
    return rc === 2 ? NOT_HELD : this.#outPointer();
  }

  /** Lends page `page` to a withBytes() callback and returns its frame's address; sets `dropped`. */
  lend(view: number, page: number, writable: boolean): number {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_view_lend(view, page, writable ? 1 : 0, this.#scratch, this.#scratch + 8);
    this.dropped = this.#view().getFloat64(this.#scratch + 8, true);
    if (rc < 0) throw this.#fail(rc);
    return this.#outPointer();
  }

  /** Returns a lend; the last lend of a view closed meanwhile finishes its close (and throws its error). */
  unlend(view: number, address: number, writable: boolean): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_view_unlend(view, address, writable ? 1 : 0);
    if (rc < 0) throw this.#fail(rc);
  }

  /**
   * Copies `dst.length` bytes at `pos` of the view into `dst`, through the
   * core: cached pages from their frames, whole pages missing from the cache
   * straight from the file into `dst`.
   */
  readView(view: number, pos: number, dst: Uint8Array): void {
    this.#pending = undefined;
    this.#destination = dst;
    let rc: number;
    try {
      rc = this.#x.mm_wasm_view_read(view, pos, dst.length, 0);
    } finally {
      this.#destination = null;
    }
    if (rc < 0) throw this.#fail(rc);
  }

  /** Copies `src` to `pos` of the view through the core (in slices of the staging area). */
  writeView(view: number, pos: number, src: Uint8Array): void {
    this.#pending = undefined;
    for (let done = 0; done < src.length; done += STAGING) {
      const part = src.subarray(done, done + STAGING);
      this.bytes.set(part, this.#staging);
      const rc = this.#x.mm_wasm_view_write(view, pos + done, part.length, this.#staging);
      if (rc < 0) throw this.#fail(rc);
    }
  }

  /** Advice (an index in ADVICE_VALUES) for [pos, pos + n) of the view; sets `dropped`. */
  adviseView(view: number, advice: number, pos: number, n: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_view_advise(view, advice, pos, n, this.#scratch + 8);
    this.dropped = this.#view().getFloat64(this.#scratch + 8, true);
    if (rc < 0) throw this.#fail(rc);
  }

  /** How many bytes of [pos, pos + n) of the view a prefetch makes resident (the core's rule). */
  prefetchSpan(view: number, pos: number, n: number): number {
    return this.#x.mm_wasm_view_prefetch_span(view, pos, n);
  }

  /** Makes page `page` resident in the file's cache (not held). */
  loadPage(view: number, page: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_view_load(view, page);
    if (rc < 0) throw this.#fail(rc);
  }

  /** Writes back the file cache's dirty pages and flushes the file (a no-op for views that do not share). */
  flushView(view: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_view_flush(view);
    if (rc < 0) throw this.#fail(rc);
  }

  /** flushView for the view's bytes [offset, offset + length) (a range checked against the view). */
  flushViewRange(view: number, offset: number, length: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_view_flush_range(view, offset, length);
    if (rc < 0) throw this.#fail(rc);
  }

  /**
   * One slice of a flush of [offset, offset + length): writes back at most
   * `maxPages` dirty pages from file page `fromPage` on, without flushing the
   * file; returns the page to go on from (past the range's end: done).
   */
  writeBackView(view: number, offset: number, length: number, fromPage: number, maxPages: number): number {
    this.#pending = undefined;
    const next = this.#x.mm_wasm_view_write_back(view, offset, length, fromPage, maxPages);
    if (next < 0) throw this.#fail(next);
    return next;
  }

  /**
   * Makes the view's file durable off this thread where the host can
   * (FileHost.syncAsync), so that a flush right after finds little to wait
   * for; does nothing where it cannot. Errors are left to that flush.
   */
  async syncViewFileAsync(view: number): Promise<void> {
    const id = this.#x.mm_wasm_view_file(view);
    if (id < 0 || !this.host.syncAsync) return;
    await this.host.syncAsync(id).catch(() => {});
  }

  /** Grows the map and its file (the core's rules) to `capacity` bytes. */
  growPaged(map: number, capacity: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_paged_grow(map, capacity);
    if (rc < 0) throw this.#fail(rc, 'grow', this.#cString(this.#x.mm_wasm_error_detail()));
  }

  /** Closes the view; a failed write-back of the last close of its file is thrown (the view is closed either way). */
  closeView(view: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_view_close(view);
    if (rc < 0) throw this.#fail(rc);
  }

  /** Closes the view if needed and ends the caller's use of the handle (its lends may still return). */
  freeView(view: number): void {
    this.#x.mm_wasm_view_free(view);
    this.#pending = undefined;
  }

  // Internals.

  #refresh(): void {
    this.#u8 = new Uint8Array(this.memory.buffer);
    this.#dv = new DataView(this.memory.buffer);
  }

  #view(): DataView {
    if (this.#dv.buffer !== this.memory.buffer) this.#refresh();
    return this.#dv;
  }

  #outPointer(): number {
    return this.#view().getUint32(this.#scratch, true);
  }

  #cString(ptr: number): string {
    const bytes = this.bytes;
    const start = ptr >>> 0;
    let end = start;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(start, end));
  }

  /** The core code for an error a host threw: the one its `code` names, else EIO. */
  #codeOf(err: unknown): number {
    const name = (err as { code?: unknown } | null)?.code;
    return (typeof name === 'string' ? this.errorCodes.get(name) : undefined) ?? this.#eio;
  }

  /** Keeps the error a host threw and returns its code for the core. */
  #store(err: unknown): number {
    this.#pending = err;
    return this.#codeOf(err);
  }

  /**
   * The error for a negative code: the stored host error it came from, or the
   * core's own, worded by the core's `detail` of it when there is one.
   */
  #fail(code: number, context?: string, detail = ''): MemmapError {
    const pending = this.#pending;
    this.#pending = undefined;
    const name = this.errorName(code);
    if (pending !== undefined && this.#codeOf(pending) === code) {
      const err = makeError(name, hostMessage(pending), hostErrno(pending));
      Object.defineProperty(err, 'cause', { value: pending, writable: true, configurable: true });
      return err;
    }
    const message = detail || this.errorMessage(code);
    return makeError(name, context === undefined ? message : `${message}, ${context}`);
  }

  /** The window [ptr, ptr + n) of WASM memory. */
  #window(ptr: number, n: number): Uint8Array {
    const start = ptr >>> 0;
    return this.bytes.subarray(start, start + n);
  }

  /** Host ids cross into C as non-negative int32. */
  #checkId(id: unknown): number {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      throw new TypeError(`FileHost.open returned an invalid id ${String(id)}; ids are integers in [0, 2^31)`);
    }
    return id;
  }

  /** The imports: trampolines that never let a host error reach WASM. */
  #imports(): Record<string, (...args: number[]) => number | void> {
    const host = this.host;
    const decoder = new TextDecoder();
    return {
      mm_js_open: (path, pathLen, write, create) => {
        try {
          return this.#checkId(host.open(decoder.decode(this.#window(path, pathLen)), { write: write !== 0, create: create !== 0 }));
        } catch (err) {
          return this.#store(err);
        }
      },
      mm_js_kind: (id) => {
        try {
          const kind = host.kind(id);
          if (kind === 'file') return 0;
          // As posix.c: a directory is EISDIR whatever the flags; FIFOs, sockets and
          // devices have no size to map by (mmap(2) ENODEV).
          if (kind === 'directory') throw makeError('EISDIR', 'illegal operation on a directory', osErrno('EISDIR'));
          if (kind === 'other') throw makeError('ENODEV', 'not a regular file', osErrno('ENODEV'));
          throw new TypeError(`FileHost.kind returned ${String(kind)}`);
        } catch (err) {
          return this.#store(err);
        }
      },
      mm_js_identity: (id, buf, cap) => {
        try {
          const identity = new TextEncoder().encode(host.identity(id));
          if (identity.length > cap) {
            throw new MemmapError('ENAMETOOLONG', `the identity of file ${id} is ${identity.length} bytes; at most ${cap} are allowed`);
          }
          this.bytes.set(identity, buf >>> 0);
          return identity.length;
        } catch (err) {
          return this.#store(err);
        }
      },
      mm_js_size: (id) => {
        try {
          const size = host.size(id);
          if (!Number.isSafeInteger(size) || size < 0) throw new TypeError(`FileHost.size returned ${size}`);
          return size;
        } catch (err) {
          return this.#store(err);
        }
      },
      mm_js_resize: (id, size) => {
        try {
          host.resize(id, size);
          return 0;
        } catch (err) {
          return this.#store(err);
        }
      },
      mm_js_close: (id) => {
        try {
          host.close(id);
        } catch {
          // As close(2) in posix.c: the handle is gone either way.
        }
      },
      mm_js_unlink: (path, pathLen) => {
        try {
          host.unlink(decoder.decode(this.#window(path, pathLen)));
        } catch {
          // Only used to undo a failed create; the original error is what matters.
        }
      },
      mm_js_read: (id, buf, n, offset) => {
        try {
          const got = host.read(id, this.#window(buf, n), offset);
          if (!Number.isInteger(got) || got < 0 || got > n) throw new TypeError(`FileHost.read returned ${got} for ${n} bytes`);
          return got;
        } catch (err) {
          return this.#store(err);
        }
      },
      mm_js_write: (id, buf, n, offset) => {
        try {
          host.write(id, this.#window(buf, n), offset);
          return 0;
        } catch (err) {
          return this.#store(err);
        }
      },
      mm_js_sync: (id) => {
        try {
          host.sync(id);
          return 0;
        } catch (err) {
          return this.#store(err);
        }
      },
      mm_js_put: (at, src, n) => {
        (this.#destination as Uint8Array).set(this.#window(src, n), at);
      },
      mm_js_fill: (id, at, n, offset) => {
        try {
          const dst = this.#destination as Uint8Array;
          const got = host.read(id, at === 0 && n === dst.length ? dst : dst.subarray(at, at + n), offset);
          if (!Number.isInteger(got) || got < 0 || got > n) throw new TypeError(`FileHost.read returned ${got} for ${n} bytes`);
          return got;
        } catch (err) {
          return this.#store(err);
        }
      },
      emscripten_notify_memory_growth: () => {
        this.#refresh();
      },
    };
  }
}
