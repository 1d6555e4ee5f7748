/**
 * Types that only one platform has, named through interfaces that each entry
 * point's declarations fill in, so that the shared declarations (src/) need
 * neither the DOM lib nor @types/node, and a program sees the types of the
 * entry it imports:
 *
 *   entry                      adds
 *   -------------------------  ------------------------------------------------
 *   Node (src/index.ts)        FileTargets.url: URL; NodeStreams: Readable, Writable
 *   browser (browser/index.ts) FileTargets.handle: FileSystemFileHandle
 *
 * Without an entry's additions a type is `never` (toNodeReadable() returns
 * `never` in the browser types: it always throws there).
 *
 * @module
 */

/** What createFromFile accepts as the file, by platform (one member per kind). */
export interface FileTargets {
  path: string;
}

/** A file for `MemoryMappedFile.createFromFile`: a path, plus a file: URL on Node or a FileSystemFileHandle in browsers. */
export type FileTarget = FileTargets[keyof FileTargets];

/** A FileTarget that is neither a path nor a URL: a platform's file handle (FileSystemFileHandle in browsers). */
export type FileHandleTarget = Exclude<FileTarget, string | URL>;

/** Node's stream classes, on Node only. */
export interface NodeStreams {}

/** Node's `Readable` where the Node entry is loaded, else `never`. */
export type NodeReadable = NodeStreams extends { readable: infer R } ? R : never;

/** Node's `Writable` where the Node entry is loaded, else `never`. */
export type NodeWritable = NodeStreams extends { writable: infer W } ? W : never;
