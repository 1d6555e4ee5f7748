/**
 * The one interface every backend implements (native addon today; the WASM
 * pager and SharedArrayBuffer maps later). The API classes in this folder hold
 * all the semantics callers see (argument rules, access checks, stream
 * positions); a backend only opens, maps, flushes and closes.
 *
 * @module
 */
import type { FileMode, MemoryMappedFileAccess, SharedMode } from './types.js';

/** The name of a backend, as `MemoryMappedFile.backend` reports it. */
export type BackendName = 'native';

export interface Backend {
  readonly name: BackendName;
  /** View offsets are mapped from a multiple of this; the rest is `pointerOffset`. */
  readonly allocationGranularity: number;
  /** Opens a persisted map (arguments already validated; capacity 0 = file size). */
  openFile(path: string, mode: FileMode, capacity: number, access: MemoryMappedFileAccess): BackendMap;
  /**
   * Opens a non-persisted map: named (`name`), or anonymous (`null`, mode
   * `createNew` only). Arguments already validated; capacity 0 = the
   * existing map's size (openExisting).
   */
  openShared(name: string | null, mode: SharedMode, capacity: number, access: MemoryMappedFileAccess): BackendMap;
}

export interface BackendMap {
  /** The capacity in bytes, resolved (never 0). */
  readonly capacity: number;
  /** Maps [offset, offset + size) (size resolved, never 0) with `access`. */
  view(offset: number, size: number, access: MemoryMappedFileAccess): BackendView;
  /** Ends the map; views made from it stay valid. Idempotent. */
  close(): void;
}

export interface BackendView {
  /** The view's bytes, zero-copy; `byteLength` is the view's size. */
  readonly bytes: Uint8Array;
  /** offset % allocation granularity. */
  readonly pointerOffset: number;
  /** Writes modified pages to the file and waits. */
  flush(): void;
  /** Unmaps; afterwards `bytes` is detached (length 0). Idempotent. */
  close(): void;
}
