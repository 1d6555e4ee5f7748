/**
 * Text for readString/writeString: TextDecoder and TextEncoder, made once
 * per encoding. A label TextDecoder does not know is a TypeError (`EINVAL`),
 * like every other unknown enum value of the API.
 *
 * @module
 */
import { typeError } from './errors.js';
import { describe } from './validate.js';

const decoders = new Map<string, TextDecoder>();
const encoder = new TextEncoder();

/** The decoder of `encoding` (a label TextDecoder knows, e.g. 'utf-8', 'utf-16le', 'latin1'). */
export function decoderFor(encoding: unknown): TextDecoder {
  if (typeof encoding !== 'string') throw typeError(`encoding must be a string, got ${describe(encoding)}`);
  let decoder = decoders.get(encoding);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(encoding);
    } catch {
      throw typeError(`encoding ${describe(encoding)} is not one that TextDecoder knows (e.g. 'utf-8', 'utf-16le', 'latin1')`);
    }
    decoders.set(encoding, decoder);
  }
  return decoder;
}

/** `string` in UTF-8, as TextEncoder encodes it. */
export function encodeText(string: string): Uint8Array {
  return encoder.encode(string);
}
