/**
 * The messages of the channel tests: message i has a length that varies
 * with i (0 to maxLength), starts with i (when it has room) and is filled
 * with i's low byte, so that a receiver tells a whole message in order from
 * a torn, lost or repeated one.
 */
export function message(i: number, maxLength: number): Uint8Array {
  const length = (i * 7919) % (maxLength + 1);
  const bytes = new Uint8Array(length).fill(i & 0xff);
  if (length >= 4) new DataView(bytes.buffer).setUint32(0, i, true);
  return bytes;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, k) => v === b[k]);
}
