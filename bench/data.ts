/**
 * The bytes benchmarks read: buffers of float64 words and files written from
 * them without holes.
 *
 * Every 8-byte word is a float64 in [1, 2) (a random mantissa under a fixed
 * exponent), so sums of what a contender read are finite and bit-for-bit
 * equal between contenders that read the same words, and a zero word (a hole,
 * or a page the pager failed to fill) changes the sum.
 *
 * @module
 */
import fs from 'node:fs';

const WRITE_CHUNK = 16 << 20;

/** Fills `bytes` (a multiple of 8 long) with float64 words in [1, 2) from a seeded xorshift32. */
export function fillWithFloats(bytes: Uint8Array, seed: number): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let x = seed | 0 || 1;
  for (let i = 0; i + 1 < words.length; i += 2) {
    // xorshift32, inlined: a PRNG call per word would double the setup time.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i + 1] = 0x3ff00000 | (x & 0xfffff);
  }
}

/**
 * Writes `bytes` to a new file (`wx`: never over an existing one) in 16 MiB
 * chunks and fsyncs it, so every page is real data and no writeback runs
 * during the timings that follow.
 */
export function writeFileFully(file: string, bytes: Uint8Array): void {
  const fd = fs.openSync(file, 'wx');
  try {
    for (let off = 0; off < bytes.length; off += WRITE_CHUNK) {
      const len = Math.min(WRITE_CHUNK, bytes.length - off);
      let done = 0;
      while (done < len) done += fs.writeSync(fd, bytes, off + done, len - done, off + done);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
