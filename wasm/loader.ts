/**
 * The WASM core without emscripten glue: instantiates wasm/memmap.wasm (built
 * by scripts/build-wasm.mjs from core/ and wasm/exports.c), provides its
 * imports, and wraps its exports in typed methods.
 *
 *   WasmCore method ──call──▶ memmap.wasm (map.c, paged.c, pager.c, ...)
 *        ▲                        │ imports mm_js_open / size / resize / close /
 *        │ negative code:         │ unlink / read / write / sync
 *        │ throw MemmapError      ▼
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
 * Handles (maps, pagers) are WASM addresses as numbers; they are valid until
 * freed and never move. WASM memory grows when a map opens (its frames are
 * allocated then) and not while pages are pinned, read or written.
 *
 * @module
 */
import { MemmapError, makeError } from '../src/errors.js';
import { ACCESS_VALUES, MODE_VALUES, type CacheStats, type FileMode, type MemoryMappedFileAccess } from '../src/types.js';
import type { FileHost } from './file-host.js';
import { NodeFileHost } from './node-files.js';

export type { FileHost, FileOpenFlags } from './file-host.js';
export { NodeFileHost } from './node-files.js';

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
  mm_wasm_paged_file(map: number): number;
  mm_wasm_pager_is_resident(pager: number, page: number): number;
  mm_wasm_paged_view_open(map: number, access: number, out: number): number;
  mm_wasm_paged_view_close(map: number, pager: number): number;
  mm_wasm_paged_flush(map: number): number;
  mm_wasm_paged_close(map: number): number;
  mm_wasm_paged_free(map: number): void;
  mm_wasm_pager_pin(pager: number, page: number, writable: number): number;
  mm_wasm_pager_unpin(pager: number, frame: number, writable: number): number;
  mm_wasm_pager_read(pager: number, offset: number, buf: number, n: number): number;
  mm_wasm_pager_write(pager: number, offset: number, buf: number, n: number): number;
  mm_wasm_pager_flush_range(pager: number, offset: number, n: number): number;
  mm_wasm_pager_frame_base(pager: number): number;
  mm_wasm_pager_page_size(pager: number): number;
  mm_wasm_pager_frame_count(pager: number): number;
  mm_wasm_pager_stats(pager: number, out: number): void;
}

/** The flags of mm_js_open (MM__OPEN_* in core/src/platform.h). */
const OPEN_WRITE = 1;
const OPEN_CREATE = 2;
const OPEN_EXCL = 4;
const OPEN_TRUNC = 8;

/** The names of the imports the module may have; scripts/build-wasm.mjs checks the same list. */
export const WASM_IMPORTS: readonly string[] = [
  'env.mm_js_open',
  'env.mm_js_size',
  'env.mm_js_resize',
  'env.mm_js_close',
  'env.mm_js_unlink',
  'env.mm_js_read',
  'env.mm_js_write',
  'env.mm_js_sync',
  'env.emscripten_notify_memory_growth',
];

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
  /** Out-parameters: a pointer slot at +0, 9 doubles of stats at +8. */
  readonly #scratch: number;
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
    this.#scratch = this.#x.malloc(8 + 8 * STATS_KEYS.length) >>> 0;
    if (this.#scratch === 0) throw new MemmapError('ENOMEM', 'the WASM core could not allocate its scratch memory');
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
  malloc(n: number): number {
    const ptr = this.#x.malloc(n) >>> 0;
    if (ptr === 0) throw new MemmapError('ENOMEM', `could not allocate ${n} bytes of WASM memory`);
    return ptr;
  }

  free(ptr: number): void {
    this.#x.free(ptr);
  }

  // Paged maps (core/include/mm/paged.h).

  /**
   * Opens `path` as a paged map (the rules of createFromFile; capacity 0 is
   * the file's size; pageSize / frameCount 0 are the pager's defaults) and
   * returns its handle.
   */
  openPaged(path: string, mode: FileMode, capacity: number, access: MemoryMappedFileAccess,
    pageSize = 0, frameCount = 0): number {
    const encoded = new TextEncoder().encode(path);
    const ptr = this.malloc(encoded.length + 1);
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

  /** The FileHost id of a paged map's file. */
  fileOf(map: number): number {
    return this.#x.mm_wasm_paged_file(map);
  }

  /** Whether page `page` is in the pager's cache. */
  isResident(pager: number, page: number): boolean {
    return this.#x.mm_wasm_pager_is_resident(pager, page) === 1;
  }

  /**
   * Reads the file `id` into `dst` from byte `offset`, past the cache (for a
   * page that is not resident), zero-filling past the file's end. A host
   * error becomes a MemmapError as in the core's own calls.
   */
  readFile(id: number, dst: Uint8Array, offset: number): void {
    let got: number;
    try {
      got = this.host.read(id, dst, offset);
    } catch (err) {
      const e = makeError(this.errorName(this.#codeOf(err)), hostMessage(err), hostErrno(err));
      Object.defineProperty(e, 'cause', { value: err, writable: true, configurable: true });
      throw e;
    }
    if (got < dst.length) dst.fill(0, got);
  }

  /** The map's capacity in bytes. */
  capacity(map: number): number {
    return this.#x.mm_wasm_paged_capacity(map);
  }

  /** Opens a view with `access` and returns the pager it reads and writes through. */
  openView(map: number, access: MemoryMappedFileAccess): number {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_paged_view_open(map, ACCESS_VALUES.indexOf(access), this.#scratch);
    if (rc < 0) throw this.#fail(rc);
    return this.#outPointer();
  }

  /**
   * Closes a view (pass the pager openView returned). When it was the last
   * view of a closed map, the map is written back and closed, and a failed
   * write-back is thrown (the view is closed either way).
   */
  closeView(map: number, pager: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_paged_view_close(map, pager);
    if (rc < 0) throw this.#fail(rc);
  }

  /** Writes back the map's dirty pages and flushes the file. */
  flushMap(map: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_paged_flush(map);
    if (rc < 0) throw this.#fail(rc);
  }

  /** Closes the map (no new views); with no view open, writes back and closes the file. */
  closeMap(map: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_paged_close(map);
    if (rc < 0) throw this.#fail(rc);
  }

  /** Closes the map if needed and drops the handle; `map` must not be used again. */
  freeMap(map: number): void {
    this.#x.mm_wasm_paged_free(map);
    this.#pending = undefined;
  }

  // Pagers (core/include/mm/pager.h).

  /**
   * Pins page `page` and returns its frame index; the frame is at frameBase +
   * index * pageSize. With `overwrite` (writable pins only) a page missing
   * from the cache is not read from the file: its frame starts as zeros, for
   * a caller that overwrites the whole page at once (MM_PIN_OVERWRITE).
   * Unpin it as writable.
   */
  pin(pager: number, page: number, writable: boolean, overwrite = false): number {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_pager_pin(pager, page, writable ? (overwrite ? 2 : 1) : 0);
    if (rc < 0) throw this.#fail(rc);
    return rc;
  }

  /** Ends one pin of `frame` made with the same `writable`. */
  unpin(pager: number, frame: number, writable: boolean): void {
    const rc = this.#x.mm_wasm_pager_unpin(pager, frame, writable ? 1 : 0);
    if (rc < 0) throw this.#fail(rc);
  }

  /** Copies n bytes at `offset` of the map to WASM address `ptr`. */
  readAt(pager: number, offset: number, ptr: number, n: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_pager_read(pager, offset, ptr, n);
    if (rc < 0) throw this.#fail(rc);
  }

  /** Copies n bytes from WASM address `ptr` to `offset` of the map. */
  writeAt(pager: number, offset: number, ptr: number, n: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_pager_write(pager, offset, ptr, n);
    if (rc < 0) throw this.#fail(rc);
  }

  /** Copies `dst.length` bytes at `offset` of the map into `dst` (through a temporary allocation). */
  read(pager: number, offset: number, dst: Uint8Array): void {
    const ptr = this.malloc(dst.length || 1);
    try {
      this.readAt(pager, offset, ptr, dst.length);
      dst.set(this.bytes.subarray(ptr, ptr + dst.length));
    } finally {
      this.#x.free(ptr);
    }
  }

  /** Copies `src` to `offset` of the map (through a temporary allocation). */
  write(pager: number, offset: number, src: Uint8Array): void {
    const ptr = this.malloc(src.length || 1);
    try {
      this.bytes.set(src, ptr);
      this.writeAt(pager, offset, ptr, src.length);
    } finally {
      this.#x.free(ptr);
    }
  }

  /** Writes back the dirty pages meeting [offset, offset + n) and flushes the file. */
  flushRange(pager: number, offset: number, n: number): void {
    this.#pending = undefined;
    const rc = this.#x.mm_wasm_pager_flush_range(pager, offset, n);
    if (rc < 0) throw this.#fail(rc);
  }

  /** The address of frame 0, fixed for the pager's life. */
  frameBase(pager: number): number {
    return this.#x.mm_wasm_pager_frame_base(pager) >>> 0;
  }

  pageSize(pager: number): number {
    return this.#x.mm_wasm_pager_page_size(pager);
  }

  frameCount(pager: number): number {
    return this.#x.mm_wasm_pager_frame_count(pager);
  }

  stats(pager: number): PagerStats {
    const at = this.#scratch + 8;
    this.#x.mm_wasm_pager_stats(pager, at);
    const dv = this.#view();
    const out = {} as PagerStats;
    STATS_KEYS.forEach((key, i) => {
      out[key] = dv.getFloat64(at + 8 * i, true);
    });
    return out;
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
      mm_js_open: (path, pathLen, flags, createdPtr) => {
        try {
          const opened = host.open(decoder.decode(this.#window(path, pathLen)), {
            write: (flags & OPEN_WRITE) !== 0,
            create: (flags & OPEN_CREATE) !== 0,
            exclusive: (flags & OPEN_EXCL) !== 0,
            truncate: (flags & OPEN_TRUNC) !== 0,
          });
          const id = this.#checkId(opened.id);
          this.#view().setInt32(createdPtr >>> 0, opened.created ? 1 : 0, true);
          return id;
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
      emscripten_notify_memory_growth: () => {
        this.#refresh();
      },
    };
  }
}
