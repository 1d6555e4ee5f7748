/** Temporary directories and on-disk snapshots for the suites. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pattern } from '../contract/env.js';

/** A fresh temporary directory, removed by the returned cleanup (use in after()). */
export function makeTempDir(prefix = 'memmap-test-'): { dir: string; file(name: string): string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    file: (name: string) => path.join(dir, name),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** What a test compares to prove that a call left a path unchanged. */
export interface Snapshot {
  exists: boolean;
  size?: number;
  sha256?: string;
  mtimeMs?: number;
  isDirectory?: boolean;
}

export function snapshot(file: string): Snapshot {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return { exists: false };
  }
  if (st.isDirectory()) return { exists: true, isDirectory: true, mtimeMs: st.mtimeMs };
  return {
    exists: true,
    size: st.size,
    mtimeMs: st.mtimeMs,
    sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
  };
}

/** A Buffer of `n` pseudo-random bytes from a seed, reproducible (the contract suites' pattern()). */
export function patternBytes(n: number, seed = 1): Buffer {
  const bytes = pattern(n, seed);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Number of mappings of `file` in this process (from /proc/self/maps, Linux). */
export function countMappings(file: string): number {
  const real = fs.realpathSync(file);
  return fs
    .readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => line.endsWith(' ' + real) || line.endsWith(' ' + real + ' (deleted)')).length;
}
