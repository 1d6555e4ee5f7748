/**
 * Argument validation, done once at the TypeScript edge (the core only asserts
 * its preconditions). Messages name the argument and the allowed range.
 *
 * @module
 */
import { MemmapError, rangeError, typeError } from './errors.js';
import { ACCESS_VALUES, ADVICE_VALUES, MODE_VALUES, type FileMode, type MemoryMappedFileAccess } from './types.js';

/** A non-negative safe integer (offsets, sizes, capacities, positions). */
export function checkIndex(value: unknown, name: string): number {
  if (typeof value !== 'number') {
    throw typeError(`${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw rangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
  return value;
}

/**
 * The range [offset, offset + length) of a flush within `size` bytes:
 * offset defaults to 0 and length to the rest, and a range past the end is
 * a RangeError.
 */
export function checkFlushRange(offset: unknown, length: unknown, size: number, what: string): [number, number] {
  const off = offset === undefined ? 0 : checkIndex(offset, 'offset');
  const len = length === undefined ? Math.max(size - off, 0) : checkIndex(length, 'length');
  if (off > size) throw rangeError(`offset ${off} is beyond the ${what}'s ${size} bytes`);
  if (len > size - off) throw rangeError(`offset ${off} + length ${len} is beyond the ${what}'s ${size} bytes`);
  return [off, len];
}

/** A safe integer that may be negative (seek offsets). */
export function checkSignedIndex(value: unknown, name: string): number {
  if (typeof value !== 'number') {
    throw typeError(`${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value)) {
    throw rangeError(`${name} must be a safe integer, got ${value}`);
  }
  return value;
}

export function checkAccess(value: unknown, name = 'access'): MemoryMappedFileAccess {
  if (typeof value !== 'string') {
    throw typeError(`${name} must be one of ${ACCESS_VALUES.join(', ')}, got ${describe(value)}`);
  }
  if (!(ACCESS_VALUES as readonly string[]).includes(value)) {
    throw typeError(`${name} must be one of ${ACCESS_VALUES.join(', ')}, got '${value}'`);
  }
  return value as MemoryMappedFileAccess;
}

/** An advice name (the core's list); returns its index in the core's enum. */
export function checkAdvice(value: unknown): number {
  const i = typeof value === 'string' ? (ADVICE_VALUES as readonly string[]).indexOf(value) : -1;
  if (i < 0) throw typeError(`advice must be one of ${ADVICE_VALUES.join(', ')}, got ${describe(value)}`);
  return i;
}

export function checkMode(value: unknown): FileMode {
  if (value === 'truncate' || value === 'append') {
    throw typeError(
      `mode '${value}' is not allowed for a memory-mapped file (as in .NET); use 'create' to replace a file`,
    );
  }
  if (typeof value !== 'string' || !(MODE_VALUES as readonly string[]).includes(value)) {
    throw typeError(`mode must be one of ${MODE_VALUES.join(', ')}, got ${describe(value)}`);
  }
  return value as FileMode;
}

/**
 * An options object (undefined = none) whose own keys are all in `known`: a
 * misspelt option (`capactiy`) is an error naming it, not silently ignored.
 */
export function checkOptions(value: unknown, name: string, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') {
    throw typeError(`${name} must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw typeError(`${name} has no option '${key}'; the options are ${known.join(', ')}`);
    }
  }
  return value as Record<string, unknown>;
}

/** Why access `write` alone never makes a map (as in .NET). */
export const WRITE_CANNOT_CREATE = "access 'write' cannot create a map (it could never be read): ask for 'readWrite'";

/**
 * Refuses access `write` for a map that may be created: a map made with it
 * could never be read (the cores refuse it too).
 */
export function checkCreatingAccess(access: MemoryMappedFileAccess): MemoryMappedFileAccess {
  if (access === 'write') throw new MemmapError('EINVAL', WRITE_CANNOT_CREATE);
  return access;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' || typeof value === 'function') return typeof value;
  return String(value);
}

/**
 * The longest map name in UTF-8 bytes: a POSIX shm object is "/<name>", and
 * macOS limits that to 31 bytes (PSHMNAMLEN) while Linux allows a file name
 * of 255 bytes (NAME_MAX) under /dev/shm.
 */
export const MAX_MAP_NAME_BYTES = typeof process !== 'undefined' && process.platform === 'darwin' ? 30 : 255;

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A map name: a non-empty string without a slash, a backslash or NUL, not
 * '.' or '..', of at most MAX_MAP_NAME_BYTES UTF-8 bytes (ENAMETOOLONG
 * beyond). A slash separates POSIX shared-memory names and a backslash
 * Windows object namespaces, so neither is part of a name on any platform: a
 * name means the same map everywhere. Lone surrogates
 * are refused: UTF-8 has no encoding for them (each becomes U+FFFD), so two
 * different names would name one map.
 */
export function checkMapName(value: unknown): string {
  if (typeof value !== 'string') throw typeError(`mapName must be a string, got ${describe(value)}`);
  if (value.length === 0) throw typeError('mapName must not be empty');
  if (value.includes('/') || value.includes('\\')) {
    throw typeError(`mapName must not contain '/' or '\\', got ${describe(value)}`);
  }
  if (value.includes('\0')) throw typeError('mapName must not contain NUL characters');
  if (value === '.' || value === '..') throw typeError(`mapName must not be '${value}'`);
  const lone = LONE_SURROGATE.exec(value);
  if (lone) {
    throw typeError(
      `mapName must be well-formed UTF-16: a lone surrogate U+${lone[0].charCodeAt(0).toString(16).toUpperCase()} at index ${lone.index} would become U+FFFD in UTF-8`,
    );
  }
  const bytes = new TextEncoder().encode(value).length;
  if (bytes > MAX_MAP_NAME_BYTES) {
    throw new MemmapError(
      'ENAMETOOLONG',
      `mapName is ${bytes} bytes in UTF-8; this platform allows at most ${MAX_MAP_NAME_BYTES}`,
    );
  }
  return value;
}
