/**
 * The one error class of memmap, and the helpers that build argument errors.
 *
 * Every failure reported by a backend is a {@link MemmapError} whose `code` is
 * the stable name from the core's error list (`ENOENT`, `EEXIST`, `EACCES`,
 * `EINVAL`, `ERANGE`, `ECLOSED`, `EIO`, `ENOSPC`, `EUNSUPPORTED`, ...), so
 * callers can switch on `code` alone. Wrong argument types are `TypeError`s
 * with code `EINVAL`; out-of-range numbers are `RangeError`s with code
 * `ERANGE`. The same bad input gives the same code on every backend.
 *
 * @module
 */

/** The stable codes memmap reports. */
export type MemmapErrorCode =
  | 'EPERM'
  | 'ENOENT'
  | 'EIO'
  | 'EBADF'
  | 'ENOMEM'
  | 'EACCES'
  | 'EBUSY'
  | 'EEXIST'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'EINVAL'
  | 'ENFILE'
  | 'EMFILE'
  | 'EFBIG'
  | 'ENOSPC'
  | 'EROFS'
  | 'ERANGE'
  | 'ENAMETOOLONG'
  | 'ENODEV'
  | 'ELOOP'
  | 'EAGAIN'
  | 'ECLOSED'
  | 'EUNSUPPORTED'
  | 'EUNKNOWN'
  | 'ESTALE';

/**
 * The brand of MemmapError instances, shared by every copy of memmap in a
 * process (Symbol.for): the ESM and CommonJS builds are two copies of the
 * class, and an error thrown by one must be `instanceof` the other.
 */
const BRAND = Symbol.for('memmap.MemmapError');

/**
 * An error reported by memmap or by the operating system underneath it.
 * `instanceof MemmapError` is true for the errors of every copy of memmap
 * loaded in the process (its ESM and CommonJS builds), by a shared brand.
 */
export class MemmapError extends Error {
  /** True for errors made by any copy of this class (see BRAND). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== MemmapError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** The stable code, e.g. `ENOENT`. */
  readonly code: MemmapErrorCode;
  /** The operating system's errno when a system call failed, else `undefined`. */
  readonly errno: number | undefined;

  constructor(code: MemmapErrorCode, message: string, errno?: number) {
    super(`${code}: ${message}`);
    this.name = 'MemmapError';
    this.code = code;
    this.errno = errno === undefined || errno === 0 ? undefined : errno;
  }
}
Object.defineProperty(MemmapError.prototype, BRAND, { value: true });

/** Builds the error a backend reports (used by the addon's error factory). */
export function makeError(code: string, message: string, errno?: number): MemmapError {
  return new MemmapError(code as MemmapErrorCode, message, errno);
}

/** A `TypeError` carrying code `EINVAL`: an argument of the wrong type. */
export function typeError(message: string): TypeError & { code: 'EINVAL' } {
  const err = new TypeError(message) as TypeError & { code: 'EINVAL' };
  err.code = 'EINVAL';
  return err;
}

/** A `RangeError` carrying code `ERANGE`: a number outside the allowed range. */
export function rangeError(message: string): RangeError & { code: 'ERANGE' } {
  const err = new RangeError(message) as RangeError & { code: 'ERANGE' };
  err.code = 'ERANGE';
  return err;
}

/** The error every use of a closed map, view or stream throws. */
export function closedError(what: string): MemmapError {
  return new MemmapError('ECLOSED', `the ${what} is closed`);
}
