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

export { fillWithFloats } from './floats.js';

const WRITE_CHUNK = 16 << 20;


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
