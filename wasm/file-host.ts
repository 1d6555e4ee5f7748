/**
 * The file operations under the WASM core: what a platform supplies so the
 * pager can reach files. node:fs in Node (./node-files.ts); OPFS access
 * handles in a browser worker (browser/).
 *
 * The core calls these synchronously, from inside a call into WASM, through
 * the loader's imports (./loader.ts). A host reports failure by throwing; the
 * loader catches the error, hands the core the code named by the error's
 * `code` property when it is one of memmap's codes (`ENOENT`, `EEXIST`,
 * `EACCES`, `EISDIR`, `ENOTDIR`, `ENOSPC`, `EFBIG`, `EROFS`, ...; anything
 * else is `EIO`), and rethrows it as a `MemmapError` with that code, the
 * original message and `errno` once the core returns. So a host throws what
 * its platform throws, and sets `code` where the platform's errors have none
 * (an OPFS `NotFoundError` is `ENOENT`).
 *
 * @module
 */

/** How to open a file. */
export interface FileOpenFlags {
  /** Open for reading and writing, else read only. */
  readonly write: boolean;
  /** Create the file, exclusively: `EEXIST` when it exists (open(2)'s O_CREAT|O_EXCL). */
  readonly create: boolean;
}

/**
 * A platform's files, as the core needs them. The core applies the rules of
 * opening (create-or-open, directories and other kinds are refused) on top of
 * these primitives, once for every host (core/src/platform/emulated.c).
 */
export interface FileHost {
  /**
   * Opens `path` exactly as `flags` say and returns an id for the other
   * methods (an integer in [0, 2^31)). Opening a directory may fail
   * (`EISDIR`) or succeed; kind() tells.
   */
  open(path: string, flags: FileOpenFlags): number;
  /** What the open id is: a regular file, a directory, or anything else. */
  kind(id: number): 'file' | 'directory' | 'other';
  /**
   * A key that is the same for two ids exactly when they are the same file
   * (device and inode on Node, the normalized path in OPFS): the maps of one
   * file in a process share one page cache by it.
   */
  identity(id: number): string;
  /** The file's size in bytes. */
  size(id: number): number;
  /** Sets the size, appending zeros when it grows. A size the file system cannot hold is `EFBIG`. */
  resize(id: number, size: number): void;
  /** Closes the id. Errors are ignored by the caller. */
  close(id: number): void;
  /** Removes the file at `path` (to undo a failed create). Errors are ignored by the caller. */
  unlink(path: string): void;
  /**
   * Reads into `dst` from byte `offset` and returns the count read: all of
   * `dst.length` unless the file ends first. `dst` is a window on WASM
   * memory or the caller's own array, valid only during the call.
   */
  read(id: number, dst: Uint8Array, offset: number): number;
  /** Writes all of `src` at byte `offset`, growing the file when needed. `src` is valid only during the call. */
  write(id: number, src: Uint8Array, offset: number): void;
  /** Makes every byte written so far durable (fsync). */
  sync(id: number): void;
  /**
   * sync() off the calling thread, where the platform can (Node: fs.fsync
   * on the thread pool), so that a flushAsync() does not wait for the
   * device on the event loop; absent where only sync() exists (OPFS).
   */
  syncAsync?(id: number): Promise<void>;
}
