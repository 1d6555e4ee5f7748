/**
 * What a contract suite runs against: the API bound to one backend, and the
 * files of the platform (node:fs in Node, OPFS in a browser worker), behind
 * one small async interface so the same suites run everywhere.
 */
import type { Channel, MapMutex, MemoryMappedFile, ViewAccessor } from '../../src/api.js';

/** The test-registration functions (mocha's in Node, harness.ts's in the browser). */
export interface TestApi {
  describe(title: string, fn: () => void): void;
  it(title: string, fn: () => Promise<void> | void): void;
}

export interface FileEnv {
  /** A fresh path for a test file or directory (not created). */
  path(name: string): string;
  write(path: string, bytes: Uint8Array): Promise<void>;
  /** The file's bytes, or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
  mkdir(path: string): Promise<void>;
  /** Names directly in the suites' folder, sorted. */
  list(): Promise<string[]>;
}

export interface ContractEnv {
  readonly backend: 'native' | 'wasm';
  readonly platform: 'node' | 'browser';
  readonly MemoryMappedFile: typeof MemoryMappedFile;
  readonly MapMutex: typeof MapMutex;
  /**
   * The accessor class of the same API, whose internal `waiterOf` gives a
   * view's waiter: the suites ask its `threads` what the code decides (how a
   * dead holder is told: src/threads.ts) instead of deriving it again.
   */
  readonly ViewAccessor: typeof ViewAccessor;
  /** Channel, with its factories bound to the backend. */
  readonly Channel: typeof Channel;
  readonly files: FileEnv;
  /** Persisted maps are paged (no single `bytes` array). */
  readonly paged: boolean;
  /**
   * The unit in which the platform keeps a named non-persisted map's size, so
   * that an opener sees the creator's capacity rounded up to it: 1 (exact)
   * on Linux and in browsers; a page on Windows, whose kernel sizes sections
   * in whole pages.
   */
  readonly sharedSizeUnit: number;
  /**
   * Windows Node under wine (test/30-windows.test.ts). Wine is not Windows:
   * where it answers differently, the test says so in its title and expects
   * wine's answer only here.
   */
  readonly wine: boolean;
}

/** A seeded 32-bit PRNG (xorshift32): the same seed gives the same numbers everywhere. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Bytes from a seed, reproducible. */
export function pattern(n: number, seed = 1): Uint8Array {
  const next = xorshift32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = next() & 0xff;
  return out;
}

/** A whole view's bytes through the API (direct and paged views alike). */
export function contents(view: { capacity: number; readArray(p: number, a: Uint8Array): number }): Uint8Array {
  const out = new Uint8Array(view.capacity);
  view.readArray(0, out);
  return out;
}
