/**
 * The vocabulary of the API: access rights and file modes, as in .NET's
 * `MemoryMappedFileAccess` and `FileMode`.
 *
 * @module
 */

/**
 * Access of a map or a view.
 * - `read`: read only. Stores into a read view's raw `bytes` never reach the
 *   file and never crash the process (the page becomes private), but the
 *   accessor and stream refuse writes with `EACCES`.
 * - `write`: write only (reads through the accessor/stream are refused); views only.
 * - `readWrite`: read and write; writes reach the file / the shared memory.
 * - `copyOnWrite`: read and write, but writes stay private to the view.
 * - `readExecute`, `readWriteExecute`: as `read` / `readWrite`, pages also executable.
 */
export type MemoryMappedFileAccess =
  | 'readWrite'
  | 'read'
  | 'write'
  | 'copyOnWrite'
  | 'readExecute'
  | 'readWriteExecute';

/** The order of this list is the core's `mm_access` enum. */
export const ACCESS_VALUES: readonly MemoryMappedFileAccess[] = [
  'readWrite',
  'read',
  'write',
  'copyOnWrite',
  'readExecute',
  'readWriteExecute',
];

/**
 * How `createFromFile` treats the path.
 * - `open`: the file must exist (`ENOENT`).
 * - `create`: create the file, or replace an existing one (needs write access).
 * - `createNew`: create the file; `EEXIST` if it exists.
 * - `openOrCreate`: open the file if it exists, create it otherwise.
 *
 * .NET's `truncate` and `append` are refused, as in .NET (`create` already replaces a file).
 */
export type FileMode = 'open' | 'create' | 'createNew' | 'openOrCreate';

/** The order of this list is the core's `mm_mode` enum. */
export const MODE_VALUES: readonly FileMode[] = ['open', 'create', 'createNew', 'openOrCreate'];

/** How a non-persisted map is opened: `createNew`, `createOrOpen` or `openExisting`. */
export type SharedMode = 'createNew' | 'createOrOpen' | 'openExisting';

/** The order of this list is the core's `mm_shared_mode` enum. */
export const SHARED_MODE_VALUES: readonly SharedMode[] = ['createNew', 'createOrOpen', 'openExisting'];

/** Where `seek` counts from. */
export type SeekOrigin = 'begin' | 'current' | 'end';

/** Whether an access lets the accessor and stream read. */
export function accessCanRead(access: MemoryMappedFileAccess): boolean {
  return access !== 'write';
}

/** Whether an access lets the accessor and stream write. */
export function accessCanWrite(access: MemoryMappedFileAccess): boolean {
  return access === 'readWrite' || access === 'write' || access === 'copyOnWrite' ||
    access === 'readWriteExecute';
}

/**
 * Whether a view with `view` access may be made from a map opened with `map`
 * access (the core's mm_access_allows, for maps that have no core object:
 * SharedArrayBuffer maps). A read-only map still allows copy-on-write views.
 */
export function accessAllows(map: MemoryMappedFileAccess, view: MemoryMappedFileAccess): boolean {
  if (map === view || map === 'readWriteExecute') return true;
  switch (map) {
    case 'read':
    case 'copyOnWrite':
    case 'readExecute':
      return view === 'read' || view === 'copyOnWrite';
    case 'readWrite':
      return view === 'read' || view === 'write' || view === 'copyOnWrite';
    default:
      return false;
  }
}
