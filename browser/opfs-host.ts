/**
 * The wasm core's FileHost in the browser: files in the Origin Private File
 * System, read and written through FileSystemSyncAccessHandle — which exists
 * only in dedicated workers, and whose creation is asynchronous.
 *
 * The core opens files synchronously, from inside a call into WASM, so an
 * open has two halves:
 *   prepare()  async, before the core is called: walks the path (creating
 *              directories and the file when the mode may create), opens the
 *              access handle, and records what it found under a key;
 *   open()     sync, called by the core (core/src/map.c's rules) with that
 *              key: answers from the record as posix.c would (ENOENT, EEXIST,
 *              EISDIR, created or not);
 *   settle()   async, after the core returns: removes a file that prepare()
 *              created when the open failed, and closes an unused handle.
 *
 * An access handle locks its file; maps of one file in one worker share one
 * handle. A file locked by another worker or tab is EBUSY. Error names
 * become memmap codes in one table (OPFS_CODES: NotFoundError → ENOENT,
 * TypeMismatchError → EISDIR/ENOTDIR, QuotaExceededError → ENOSPC,
 * NoModificationAllowedError → EBUSY, NotSupportedError → EUNSUPPORTED, ...;
 * anything else → EIO). An engine whose OPFS cannot back persisted maps —
 * no navigator.storage.getDirectory(), or a createSyncAccessHandle() that
 * always rejects, as on WebKitGTK — is EUNSUPPORTED naming the missing call.
 *
 * Chromium's `readwrite-unsafe` access-handle mode (several handles on one
 * file) is not standard: it is used only when asked for with
 * { unsafeSharedAccess: true } and the browser supports it.
 *
 * @module
 */
import type { FileHost, FileOpenFlags } from '../wasm/file-host.js';
import { MemmapError, type MemmapErrorCode } from '../src/errors.js';
import type { FileMode } from '../src/types.js';

/** The FileSystemSyncAccessHandle methods used here (typed by hand: not every TypeScript DOM lib has them). */
export interface SyncHandle {
  read(buffer: ArrayBufferView, options?: { at?: number }): number;
  write(buffer: ArrayBufferView, options?: { at?: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

interface Entry {
  /** What prepare() found at the path. */
  kind: 'file' | 'directory' | 'missing' | 'notdir';
  /** The file existed before prepare() (false when prepare created it). */
  existed: boolean;
  /** The core's open() took the file as created by it. */
  claimedCreated: boolean;
  /** The core asked to remove the file (a failed create). */
  unlinked: boolean;
  handle: SyncHandle | null;
  dir: FileSystemDirectoryHandle | null;
  name: string;
  /** Open ids of the core on this entry. */
  ids: number;
  /** settle() has run: the entry goes when its last id closes. */
  settled: boolean;
}

/**
 * Error names of OPFS calls and the memmap codes they become: DOMException
 * names, and the XPCOM result names that Firefox's access handles throw as
 * they are (plain exceptions with an empty message).
 */
const OPFS_CODES: Readonly<Record<string, MemmapErrorCode>> = {
  NotFoundError: 'ENOENT',
  TypeMismatchError: 'EISDIR',
  QuotaExceededError: 'ENOSPC',
  NoModificationAllowedError: 'EBUSY',
  NotAllowedError: 'EACCES',
  SecurityError: 'EACCES',
  NotSupportedError: 'EUNSUPPORTED',
  NS_ERROR_FILE_NO_DEVICE_SPACE: 'ENOSPC',
  NS_ERROR_FILE_TOO_BIG: 'EFBIG',
};

/** "Name: message" of an OPFS error (Firefox's have an empty message). */
function describeOpfsError(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  const message = (err as { message?: unknown } | null)?.message;
  if (typeof name !== 'string') return String(err);
  return typeof message === 'string' && message !== '' ? `${name}: ${message}` : name;
}

/** A DOMException (or anything) as an error with a memmap `code`: `what` failed. */
export function opfsError(err: unknown, what: string): MemmapError {
  const name = (err as { name?: unknown } | null)?.name;
  const own = (err as { code?: unknown } | null)?.code;
  const code = (typeof name === 'string' ? OPFS_CODES[name] : undefined) ?? (typeof own === 'string' ? (own as MemmapErrorCode) : 'EIO');
  return new MemmapError(code, `${what}: ${describeOpfsError(err)}`);
}

function fail(code: 'ENOENT' | 'EEXIST' | 'EISDIR' | 'ENOTDIR' | 'EINVAL' | 'EUNSUPPORTED' | 'ENOSPC', message: string): never {
  throw new MemmapError(code, message);
}

/** The components of an OPFS path ('dir/sub/name.bin'); '.', '..' and empty parts are EINVAL. */
export function splitOpfsPath(path: string): string[] {
  const parts = path.replace(/^\/+/, '').split('/');
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..') {
      fail('EINVAL', `'${path}' is not a valid OPFS path: use names separated by '/', without '.', '..' or empty parts`);
    }
    // As NAME_MAX on POSIX file systems, so that a name that works here works natively too.
    if (new TextEncoder().encode(part).length > 255) {
      throw new MemmapError('ENAMETOOLONG', `'${part.slice(0, 40)}…' is longer than 255 bytes`);
    }
  }
  return parts;
}

export interface OpfsOptions {
  /** Use Chromium's non-standard 'readwrite-unsafe' access handles when available. */
  unsafeSharedAccess?: boolean;
}

export class OpfsFileHost implements FileHost {
  readonly #entries = new Map<string, Entry>();
  readonly #ids = new Map<number, Entry>();
  #nextId = 1;
  #nextKey = 1;
  readonly #options: OpfsOptions;
  /** The origin's storage quota in bytes (navigator.storage.estimate()), null where unknown; read by #root(). */
  #quota: number | null | undefined = undefined;

  constructor(options: OpfsOptions = {}) {
    this.#options = options;
  }

  /** Whether this context can open access handles (a dedicated worker with OPFS). */
  static supported(): boolean {
    const g = globalThis as { FileSystemFileHandle?: { prototype: object }; navigator?: { storage?: { getDirectory?: unknown } } };
    return (
      typeof g.navigator?.storage?.getDirectory === 'function' &&
      g.FileSystemFileHandle !== undefined &&
      'createSyncAccessHandle' in g.FileSystemFileHandle.prototype
    );
  }

  /**
   * The OPFS root. Where it is missing (private browsing, WebKitGTK's
   * WebDriver sessions) persisted maps cannot work: EUNSUPPORTED. Also reads
   * the origin's quota once, for resize()'s errors.
   */
  async #root(): Promise<FileSystemDirectoryHandle> {
    let root: FileSystemDirectoryHandle;
    try {
      root = await navigator.storage.getDirectory();
    } catch (err) {
      fail(
        'EUNSUPPORTED',
        `the Origin Private File System is unavailable here: navigator.storage.getDirectory() failed (${describeOpfsError(err)}), ` +
          'and persisted maps need it; non-persisted maps work without it',
      );
    }
    if (this.#quota === undefined) {
      const estimate = await navigator.storage.estimate?.().catch(() => undefined);
      this.#quota = estimate?.quota ?? null;
    }
    return root;
  }

  async #openHandle(file: FileSystemFileHandle): Promise<SyncHandle> {
    const create = (file as unknown as { createSyncAccessHandle?: (o?: object) => Promise<SyncHandle> }).createSyncAccessHandle;
    if (typeof create !== 'function') {
      fail(
        'EUNSUPPORTED',
        'persisted maps in the browser need FileSystemSyncAccessHandle, which exists only in dedicated workers: open the map in a Worker',
      );
    }
    try {
      if (this.#options.unsafeSharedAccess) {
        try {
          return await create.call(file, { mode: 'readwrite-unsafe' });
        } catch (err) {
          if ((err as Error)?.name !== 'TypeError') throw err; // the mode is not supported: the standard mode
        }
      }
      return await create.call(file);
    } catch (err) {
      const e = opfsError(err, `opening an access handle on '${file.name}'`);
      if (e.code !== 'EUNSUPPORTED') throw e;
      // WebKitGTK on Linux has the method, and it always rejects so.
      fail(
        'EUNSUPPORTED',
        `this browser cannot open FileSystemFileHandle.createSyncAccessHandle() (${describeOpfsError(err)}), ` +
          'which persisted maps need; non-persisted maps work without it',
      );
    }
  }

  /**
   * The async half of an open: finds (and, when `mode` may create, makes)
   * the file, and returns the key to pass to the core as its path.
   */
  async prepare(target: string | FileSystemFileHandle, mode: FileMode): Promise<string> {
    if (!OpfsFileHost.supported()) {
      fail(
        'EUNSUPPORTED',
        'persisted maps in the browser need the Origin Private File System with FileSystemSyncAccessHandle (a dedicated worker of a secure context)',
      );
    }
    const root = await this.#root();
    const key = `opfs:${this.#nextKey++}`;
    const entry: Entry = {
      kind: 'missing',
      existed: false,
      claimedCreated: false,
      unlinked: false,
      handle: null,
      dir: null,
      name: '',
      ids: 0,
      settled: false,
    };
    this.#entries.set(key, entry);
    const creates = mode !== 'open';
    if (typeof target !== 'string') {
      entry.kind = 'file';
      entry.existed = true;
      entry.name = target.name;
      entry.handle = await this.#shared(target);
      return key;
    }
    const parts = splitOpfsPath(target);
    const name = parts.pop() as string;
    entry.name = name;
    let dir = root;
    try {
      for (const part of parts) dir = await dir.getDirectoryHandle(part, { create: creates });
    } catch (err) {
      const e = opfsError(err, `'${target}'`);
      if ((e as MemmapError).code === 'EISDIR') entry.kind = 'notdir';
      else if ((e as MemmapError).code === 'ENOENT') entry.kind = 'missing';
      else throw e;
      return key;
    }
    entry.dir = dir;
    let file: FileSystemFileHandle | null = null;
    try {
      file = await dir.getFileHandle(name);
      entry.existed = true;
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TypeMismatchError') {
        entry.kind = 'directory';
        return key;
      }
      if (name !== 'NotFoundError') throw opfsError(err, `'${target}'`);
    }
    if (!file && creates) {
      try {
        file = await dir.getFileHandle(name, { create: true });
      } catch (err) {
        throw opfsError(err, `creating '${target}'`);
      }
    }
    if (!file) return key;
    entry.kind = 'file';
    try {
      entry.handle = await this.#shared(file, target);
    } catch (err) {
      if (!entry.existed) await dir.removeEntry(name).catch(() => {});
      throw err;
    }
    return key;
  }

  /** Access handles lock their file: maps of one path in this worker share one. */
  readonly #handles = new Map<string, { handle: SyncHandle; refs: number }>();

  async #shared(file: FileSystemFileHandle, path?: string): Promise<SyncHandle> {
    const id = path ?? `handle:${file.name}:${Math.random()}`;
    const known = path === undefined ? undefined : this.#handles.get(path);
    if (known) {
      known.refs++;
      return known.handle;
    }
    const handle = await this.#openHandle(file);
    if (path !== undefined) this.#handles.set(id, { handle, refs: 1 });
    return handle;
  }

  #releaseHandle(entry: Entry): void {
    if (!entry.handle) return;
    for (const [path, shared] of this.#handles) {
      if (shared.handle === entry.handle) {
        if (--shared.refs === 0) {
          this.#handles.delete(path);
          entry.handle.close();
        }
        entry.handle = null;
        return;
      }
    }
    entry.handle.close();
    entry.handle = null;
  }

  /**
   * The async half after the core's call: removes a file prepare() created
   * if the open failed (or the core unlinked it), and forgets the key unless
   * the core still has it open.
   */
  async settle(key: string, opened: boolean): Promise<void> {
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.settled = true;
    const remove = entry.kind === 'file' && !entry.existed && (!opened || entry.unlinked);
    if (entry.ids === 0) {
      this.#releaseHandle(entry);
      this.#entries.delete(key);
    }
    if (remove && entry.dir) await entry.dir.removeEntry(entry.name).catch(() => {});
  }

  #entry(id: number): Entry {
    const entry = this.#ids.get(id);
    if (!entry?.handle) throw new MemmapError('EBADF', `no open OPFS file has id ${id}`);
    return entry;
  }

  open(path: string, flags: FileOpenFlags): { id: number; created: boolean } {
    const entry = this.#entries.get(path);
    if (!entry) fail('ENOENT', `'${path}' was not prepared: open persisted maps with the async createFromFile`);
    if (entry.kind === 'directory') {
      // As open(2): O_CREAT|O_EXCL on an existing directory is EEXIST, anything else EISDIR.
      fail(flags.create && flags.exclusive ? 'EEXIST' : 'EISDIR', `'${entry.name}' is a directory`);
    }
    if (entry.kind === 'notdir') fail('ENOTDIR', `a part of the path of '${entry.name}' is a file`);
    if (entry.kind === 'missing' || (!entry.existed && !flags.create)) fail('ENOENT', `'${entry.name}' does not exist`);
    if (entry.existed && flags.create && flags.exclusive) fail('EEXIST', `'${entry.name}' exists`);
    const created = !entry.existed && !entry.claimedCreated;
    entry.claimedCreated = entry.claimedCreated || created;
    if (flags.truncate) (entry.handle as SyncHandle).truncate(0);
    const id = this.#nextId++;
    this.#ids.set(id, entry);
    entry.ids++;
    return { id, created };
  }

  size(id: number): number {
    return this.#entry(id).handle!.getSize();
  }

  resize(id: number, size: number): void {
    const handle = this.#entry(id).handle!;
    try {
      handle.truncate(size);
    } catch (err) {
      const e = opfsError(err, `resizing to ${size} bytes`);
      // Sizes beyond what the file system takes are EFBIG, as ftruncate's EINVAL/EFBIG on POSIX.
      if ((err as Error)?.name === 'TypeError' || (err as Error)?.name === 'RangeError') throw new MemmapError('EFBIG', e.message);
      // Firefox fails to grow a file past what its storage takes with a bare NS_ERROR_FAILURE:
      // a size above the origin's whole quota can never fit, so that is ENOSPC, as Chromium says.
      if (e.code === 'EIO' && this.#quota != null && size > this.#quota && size > handle.getSize()) {
        throw new MemmapError('ENOSPC', `${e.message} (more than the origin's storage quota of ${this.#quota} bytes)`);
      }
      throw e;
    }
  }

  close(id: number): void {
    const entry = this.#ids.get(id);
    if (!entry) return;
    this.#ids.delete(id);
    if (--entry.ids === 0 && entry.settled) {
      for (const [key, e] of this.#entries) if (e === entry) this.#entries.delete(key);
      this.#releaseHandle(entry);
    }
  }

  unlink(path: string): void {
    const entry = this.#entries.get(path);
    if (entry) entry.unlinked = true; // removed by settle(), which may await
  }

  read(id: number, dst: Uint8Array, offset: number): number {
    try {
      return this.#entry(id).handle!.read(dst, { at: offset });
    } catch (err) {
      throw opfsError(err, 'reading');
    }
  }

  write(id: number, src: Uint8Array, offset: number): void {
    let written: number;
    try {
      written = this.#entry(id).handle!.write(src, { at: offset });
    } catch (err) {
      throw opfsError(err, 'writing');
    }
    if (written !== src.length) fail('ENOSPC', `wrote ${written} of ${src.length} bytes (out of quota?)`);
  }

  sync(id: number): void {
    try {
      this.#entry(id).handle!.flush();
    } catch (err) {
      throw opfsError(err, 'flushing');
    }
  }
}
