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

/**
 * A caller's array as plain numbers: where its bytes are. One record is
 * refilled by every call (no allocation on the hot paths); read it before
 * the next call, which no user code can make in between.
 */
export interface ArrayParts {
  /** Elements (a DataView's bytes). */
  length: number;
  bytesPerElement: number;
  buffer: ArrayBufferLike;
  byteOffset: number;
}

const parts: ArrayParts = { length: 0, bytesPerElement: 1, buffer: new ArrayBuffer(0), byteOffset: 0 };

function fill(length: unknown, bytesPerElement: number, buffer: unknown, byteOffset: unknown): ArrayParts {
  parts.length = length as number;
  parts.bytesPerElement = bytesPerElement;
  parts.buffer = buffer as ArrayBufferLike;
  parts.byteOffset = byteOffset as number;
  return parts;
}

/** A typed array (any kind but a DataView); TypeError (`EINVAL`) for anything else. */
export function typedArrayParts(value: unknown, name: string): ArrayParts {
  const kind = kindOf.call(value) as string | undefined;
  const bytesPerElement = kind === undefined ? undefined : BYTES_PER_ELEMENT[kind];
  if (bytesPerElement === undefined) throw typeError(`${name} must be a typed array, got ${describe(value)}`);
  return fill(typedLength.call(value), bytesPerElement, typedBuffer.call(value), typedOffset.call(value));
}

/** Any ArrayBuffer view (a typed array or a DataView) as bytes; TypeError (`EINVAL`) for anything else. */
export function viewParts(value: unknown, name: string): ArrayParts {
  if (kindOf.call(value) !== undefined) {
    const p = typedArrayParts(value, name);
    return fill(p.length * p.bytesPerElement, 1, p.buffer, p.byteOffset);
  }
  if (ArrayBuffer.isView(value)) return fill(viewByteLength.call(value), 1, viewBuffer.call(value), viewOffset.call(value));
  throw typeError(`${name} must be a Uint8Array or another ArrayBuffer view, got ${describe(value)}`);
}

/** A Uint8Array of our own over `n` bytes of the parts from element `offset` (no species, no user code). */
export function bytesOf(p: ArrayParts, offset: number, n: number): Uint8Array {
  return new Uint8Array(p.buffer, p.byteOffset + offset * p.bytesPerElement, n * p.bytesPerElement);
}
