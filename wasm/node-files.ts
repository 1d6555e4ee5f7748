/**
 * The Node file host of the WASM core: node:fs with the same system calls as
 * core/src/platform/posix.c (open, fstat for the kind and the identity,
 * ftruncate, pread/pwrite, fsync), so the WASM backend reports the same error
 * codes as the native one, and so the pager is tested in CI on real files.
 *
 * Reads and writes go straight between the file and WASM memory: `dst` and
 * `src` are windows on it, so there is no copy in between.
 *
 * node:fs is reached through `process.getBuiltinModule` (Node >= 20.16) rather
 * than an import, so the loader, which browser bundles include too, can use
 * this host as its default on Node without a static `node:` import.
 *
 * @module
 */
import type * as NodeFs from 'node:fs';
import type { FileHost, FileOpenFlags } from './file-host.js';

/** An error in the shape Node's fs errors have (code, negative errno, syscall). */
function fsError(code: string, description: string, syscall: string, path: string | undefined, errno: number | undefined): Error {
  const where = path === undefined ? syscall : `${syscall} '${path}'`;
  const err = new Error(`${code}: ${description}, ${where}`) as Error & { code: string; errno?: number; syscall: string };
  err.code = code;
  if (errno !== undefined) err.errno = -errno;
  err.syscall = syscall;
  return err;
}

export class NodeFileHost implements FileHost {
  readonly #fs: typeof NodeFs;
  readonly #errno: Readonly<Record<string, number>>;
  /** fs.readSync and fs.writeSync, looked up once: node:fs is a large object, slow to look a name up in on every read. */
  readonly #readSync: typeof NodeFs.readSync;
  readonly #writeSync: typeof NodeFs.writeSync;

  constructor() {
    const getBuiltin = globalThis.process?.getBuiltinModule;
    if (typeof getBuiltin !== 'function') {
      throw new Error('NodeFileHost needs Node 20.16 or later (process.getBuiltinModule)');
    }
    this.#fs = getBuiltin('node:fs');
    this.#readSync = this.#fs.readSync;
    this.#writeSync = this.#fs.writeSync;
    this.#errno = getBuiltin('node:os').constants.errno as Record<string, number>;
  }

  open(path: string, flags: FileOpenFlags): number {
    const { O_RDWR, O_RDONLY, O_CREAT, O_EXCL } = this.#fs.constants;
    try {
      return this.#fs.openSync(path, (flags.write ? O_RDWR : O_RDONLY) | (flags.create ? O_CREAT | O_EXCL : 0), 0o666);
    } catch (err) {
      throw this.#underAFile(err as NodeJS.ErrnoException, path);
    }
  }

  kind(id: number): 'file' | 'directory' | 'other' {
    const st = this.#fs.fstatSync(id);
    return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
  }

  identity(id: number): string {
    const st = this.#fs.fstatSync(id, { bigint: true });
    return `${st.dev}:${st.ino}`;
  }

  /**
   * Windows says "not found" for a path under a file where POSIX says ENOTDIR:
   * said as POSIX does (and as the native core does on Windows).
   */
  #underAFile(err: NodeJS.ErrnoException, path: string): Error {
    if (err.code !== 'ENOENT' || globalThis.process?.platform !== 'win32') return err;
    const parent = path.replace(/[\\/][^\\/]*$/, '');
    try {
      if (parent !== path && this.#fs.statSync(parent).isFile()) {
        return fsError('ENOTDIR', 'not a directory', 'open', path, this.#errno.ENOTDIR);
      }
    } catch {
      // no parent to look at: "not found" it is
    }
    return err;
  }

  size(id: number): number {
    return this.#fs.fstatSync(id).size;
  }

  resize(id: number, size: number): void {
    try {
      this.#fs.ftruncateSync(id, size);
    } catch (err) {
      // ftruncate(2) reports a size beyond the file system's limit as EINVAL.
      if ((err as NodeJS.ErrnoException).code === 'EINVAL') {
        throw fsError('EFBIG', `file too large for size ${size}`, 'ftruncate', undefined, this.#errno.EFBIG);
      }
      throw err;
    }
  }

  close(id: number): void {
    this.#fs.closeSync(id);
  }

  unlink(path: string): void {
    this.#fs.unlinkSync(path);
  }

  read(id: number, dst: Uint8Array, offset: number): number {
    const length = dst.length;
    let done = this.#readSync(id, dst, 0, length, offset);
    while (done < length) {
      const n = this.#readSync(id, dst, done, length - done, offset + done);
      if (n === 0) break; // end of file: the pager zero-fills the rest
      done += n;
    }
    return done;
  }

  write(id: number, src: Uint8Array, offset: number): void {
    let done = 0;
    while (done < src.length) {
      done += this.#writeSync(id, src, done, src.length - done, offset + done);
    }
  }

  sync(id: number): void {
    this.#fs.fsyncSync(id);
  }

  syncAsync(id: number): Promise<void> {
    return new Promise((resolve, reject) => this.#fs.fsync(id, (err) => (err ? reject(err) : resolve())));
  }
}
