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
const typedSet = (typedArrayPrototype as { set: (this: unknown, source: unknown) => void }).set;

/**
 * The typed-array constructors by kind, captured when this module loads: a
 * later change to a global (`globalThis.Float64Array = ...`) cannot swap in
 * a constructor that runs user code.
 */
const CONSTRUCTORS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

/**
 * Float16Array where the runtime has it (Node 24, current browsers). The
 * TypeScript libraries this package is built against have no type for it,
 * so it is accepted at run time and typed as its 2-byte sibling.
 */
const FLOAT16 = (globalThis as { Float16Array?: unknown }).Float16Array as Uint16ArrayConstructor | undefined;

/** The constructors by kind name, Float16Array included where it exists (for run-time lookups). */
const BY_KIND: Readonly<Record<string, TypedArrayConstructor>> = FLOAT16 ? { ...CONSTRUCTORS, Float16Array: FLOAT16 } : { ...CONSTRUCTORS };

/** A typed-array constructor (the built-in ones, not subclasses). */
export type TypedArrayConstructor = (typeof CONSTRUCTORS)[keyof typeof CONSTRUCTORS];

/** A typed array's kind: its constructor's name. */
export type TypedArrayKind = keyof typeof CONSTRUCTORS;

/** A built-in typed-array constructor's kind (its name) and element size. */
export interface ConstructorInfo {
  readonly kind: keyof typeof CONSTRUCTORS;
  readonly bytesPerElement: number;
}

/** Element sizes by kind: a literal, so that V8 keeps it a fast object (a lookup on every call). */
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
  Float16Array: 2,
};

const INFO = new Map<unknown, ConstructorInfo>(
  Object.entries(BY_KIND).map(([kind, ctor]) => [
    ctor,
    { kind: kind as keyof typeof CONSTRUCTORS, bytesPerElement: ctor.BYTES_PER_ELEMENT },
  ]),
);

/**
 * The info of a built-in typed-array constructor, found by identity (no
 * property of `value` is read, so no user code runs); undefined for anything
 * else, subclasses included (their constructors run user code).
 */
export function constructorInfo(value: unknown): ConstructorInfo | undefined {
  return INFO.get(value);
}

/** Makes a typed array of a built-in kind over `buffer` (no user code: the constructor is the captured one). */
export function makeTypedArray(kind: TypedArrayKind, buffer: ArrayBufferLike, byteOffset: number, length: number): InstanceType<TypedArrayConstructor> {
  return new (BY_KIND[kind] as TypedArrayConstructor)(buffer as ArrayBuffer, byteOffset, length) as InstanceType<TypedArrayConstructor>;
}

/**
 * A caller's array as plain numbers: its kind and length, read when the
 * call's arguments are checked. Where its bytes are (`buffer`, `byteOffset`)
 * is read only by bytesOf(), at the copy, through the same built-in getters:
 * no user code can run in between, and the common copy (a whole array,
 * copyElementsInto) never needs them. One record is refilled by every call
 * (no allocation on the hot paths); use it before the next call, which no
 * user code can make in between.
 */
export interface ArrayParts {
  /** The array (a typed array, or a DataView when `dataView`). */
  array: unknown;
  dataView: boolean;
  /** Elements (a DataView's bytes). */
  length: number;
  /** The array's kind ('Uint8Array' for bytes of any view). */
  kind: keyof typeof CONSTRUCTORS;
  bytesPerElement: number;
}

const parts: ArrayParts = { array: null, dataView: false, length: 0, kind: 'Uint8Array', bytesPerElement: 1 };

function fill(array: unknown, dataView: boolean, length: unknown, kind: keyof typeof CONSTRUCTORS, bytesPerElement: number): ArrayParts {
  parts.array = array;
  parts.dataView = dataView;
  parts.length = length as number;
  parts.kind = kind;
  parts.bytesPerElement = bytesPerElement;
  return parts;
}

/** A typed array (any kind but a DataView); TypeError (`EINVAL`) for anything else. */
export function typedArrayParts(value: unknown, name: string): ArrayParts {
  const kind = kindOf.call(value) as string | undefined;
  const bytesPerElement = kind === undefined ? undefined : BYTES_PER_ELEMENT[kind];
  if (bytesPerElement === undefined) throw typeError(`${name} must be a typed array, got ${describe(value)}`);
  return fill(value, false, typedLength.call(value), kind as keyof typeof CONSTRUCTORS, bytesPerElement);
}

/** Any ArrayBuffer view (a typed array or a DataView) as bytes; TypeError (`EINVAL`) for anything else. */
export function viewParts(value: unknown, name: string): ArrayParts {
  if (kindOf.call(value) !== undefined) {
    const p = typedArrayParts(value, name);
    return fill(value, false, p.length * p.bytesPerElement, 'Uint8Array', 1);
  }
  if (ArrayBuffer.isView(value)) return fill(value, true, viewByteLength.call(value), 'Uint8Array', 1);
  throw typeError(`${name} must be a Uint8Array or another ArrayBuffer view, got ${describe(value)}`);
}

/** A Uint8Array of our own over `n` bytes of the parts from element `offset` (no species, no user code). */
export function bytesOf(p: ArrayParts, offset: number, n: number): Uint8Array {
  const buffer = (p.dataView ? viewBuffer : typedBuffer).call(p.array) as ArrayBufferLike;
  const byteOffset = (p.dataView ? viewOffset : typedOffset).call(p.array) as number;
  return new Uint8Array(buffer, byteOffset + offset * p.bytesPerElement, n * p.bytesPerElement);
}

/**
 * Copies `n` elements from `buffer` at `byteAt` into the parts' typed array
 * from element `offset`. When the copy fills the whole array and the source
 * is aligned for its kind, the source is one typed array of that kind and
 * the copy the built-in `set` (one allocation, as a copy by hand makes);
 * otherwise both sides are viewed as bytes. Either way no user code runs:
 * the constructors, getters and `set` are the ones captured at load.
 */
export function copyElementsInto(p: ArrayParts, offset: number, n: number, buffer: ArrayBufferLike, byteAt: number): void {
  const bpe = p.bytesPerElement;
  if (offset === 0 && n === p.length && byteAt % bpe === 0) {
    typedSet.call(p.array, new (BY_KIND[p.kind] as TypedArrayConstructor)(buffer as ArrayBuffer, byteAt, n));
    return;
  }
  typedSet.call(bytesOf(p, offset, n), new Uint8Array(buffer, byteAt, n * bpe));
}

/**
 * Copies `n` elements of the parts' typed array from element `offset` into
 * `buffer` at `byteAt`: copyElementsInto's other direction, with the same
 * single typed `set` for a whole, aligned array.
 */
export function copyElementsFrom(p: ArrayParts, offset: number, n: number, buffer: ArrayBufferLike, byteAt: number): void {
  const bpe = p.bytesPerElement;
  if (offset === 0 && n === p.length && byteAt % bpe === 0) {
    typedSet.call(new (BY_KIND[p.kind] as TypedArrayConstructor)(buffer as ArrayBuffer, byteAt, n), p.array);
    return;
  }
  typedSet.call(new Uint8Array(buffer, byteAt, n * bpe), bytesOf(p, offset, n));
}
