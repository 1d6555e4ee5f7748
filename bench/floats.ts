/**
 * Benchmark data without Node: float64 words in [1, 2) (see data.ts), so the
 * browser benchmark's worker can make the same data.
 *
 * @module
 */

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
