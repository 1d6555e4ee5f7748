/**
 * The bytes of a caller's typed array or DataView, read through the
 * built-in getters captured when this module loads, so that reading them
 * runs no user code: an own `length` getter, a subclass, or a changed
 * prototype cannot close a view or a map between the API's state checks
 * and its copy. (Argument conversion is the one place where a caller's code
 * runs inside a call; every call reads its arguments first, then checks
 * state, then copies.)
 *
 * @module
 */
import { typeError } from './errors.js';
import { describe } from './validate.js';

const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

function intrinsic(prototype: object, name: PropertyKey): (this: unknown) => unknown {
  return Object.getOwnPropertyDescriptor(prototype, name)?.get as (this: unknown) => unknown;
}

const kindOf = intrinsic(typedArrayPrototype, Symbol.toStringTag);
const typedBuffer = intrinsic(typedArrayPrototype, 'buffer');
const typedOffset = intrinsic(typedArrayPrototype, 'byteOffset');
const typedByteLength = intrinsic(typedArrayPrototype, 'byteLength');
const typedLength = intrinsic(typedArrayPrototype, 'length');
const viewBuffer = intrinsic(DataView.prototype, 'buffer');
const viewOffset = intrinsic(DataView.prototype, 'byteOffset');
const viewByteLength = intrinsic(DataView.prototype, 'byteLength');

const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  Int8Array: 1,
  Uint8Array: 1,
  Uint8ClampedArray: 1,
  Int16Array: 2,
  Uint16Array: 2,
  Int32Array: 4,
  Uint32Array: 4,
  Float32Array: 4,
  Float64Array: 8,
  BigInt64Array: 8,
  BigUint64Array: 8,
};

/** A typed array as its element count, element size and bytes. */
export interface ArrayBytes {
  readonly length: number;
  readonly bytesPerElement: number;
  /** The array's bytes, zero-copy. */
  readonly bytes: Uint8Array;
}

function bytes(buffer: unknown, offset: unknown, length: unknown): Uint8Array {
  // A detached buffer has no bytes (and cannot be viewed).
  return length === 0 ? new Uint8Array(0) : new Uint8Array(buffer as ArrayBuffer, offset as number, length as number);
}

/** A typed array (any kind but a DataView); TypeError (`EINVAL`) for anything else. */
export function typedArrayBytes(value: unknown, name: string): ArrayBytes {
  const kind = kindOf.call(value) as string | undefined;
  const bytesPerElement = kind === undefined ? undefined : BYTES_PER_ELEMENT[kind];
  if (bytesPerElement === undefined) throw typeError(`${name} must be a typed array, got ${describe(value)}`);
  return {
    length: typedLength.call(value) as number,
    bytesPerElement,
    bytes: bytes(typedBuffer.call(value), typedOffset.call(value), typedByteLength.call(value)),
  };
}

/** The bytes of any ArrayBuffer view (a typed array or a DataView); TypeError (`EINVAL`) for anything else. */
export function viewBytes(value: unknown, name: string): Uint8Array {
  if (kindOf.call(value) !== undefined) return typedArrayBytes(value, name).bytes;
  if (ArrayBuffer.isView(value)) return bytes(viewBuffer.call(value), viewOffset.call(value), viewByteLength.call(value));
  throw typeError(`${name} must be a Uint8Array or another ArrayBuffer view, got ${describe(value)}`);
}
