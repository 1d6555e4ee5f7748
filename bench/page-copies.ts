/**
 * Random 4 KiB page copies, the contenders that persisted.ts and typed.ts
 * both time: by hand out of a Uint8Array (a heap buffer or a mapping), and
 * through `ViewAccessor.readArray`. Each returns a checksum of the first and
 * last float64 word of every page it copied; one function per kind of copy,
 * so that each call site stays monomorphic.
 *
 * @module
 */
import type { ViewAccessor } from '../node/index.js';

export const PAGE = 4096;

/** `dst.set(src.subarray(p, p + PAGE))` for the first `count` positions. */
export function copyPages(src: Uint8Array, dst: Uint8Array, dstWords: Float64Array, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const p = positions[i] as number;
    dst.set(src.subarray(p, p + PAGE));
    sum += (dstWords[0] as number) + (dstWords[PAGE / 8 - 1] as number);
  }
  return sum;
}

/** `acc.readArray(p, dst)` for the first `count` positions. */
export function readArrayPages(acc: ViewAccessor, dst: Uint8Array, dstWords: Float64Array, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    acc.readArray(positions[i] as number, dst);
    sum += (dstWords[0] as number) + (dstWords[PAGE / 8 - 1] as number);
  }
  return sum;
}

/** Touches one byte per page so that a view's page tables are populated (warm timings). */
export function touchPages(bytes: Uint8Array): number {
  let sum = 0;
  for (let p = 0; p < bytes.length; p += PAGE) sum += bytes[p] as number;
  return sum;
}
