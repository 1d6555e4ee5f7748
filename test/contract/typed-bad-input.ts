/**
 * The bad-input rows of typedArray(), the `littleEndian` argument and
 * readString/writeString, on a persisted map (paged on the wasm backend) and
 * on a non-persisted map: each row is a call, the error it must give (class
 * and stable code), and a check that the map's bytes (and the file) are
 * unchanged by the failed call.
 */
import type { MemoryMappedFile as MMF, ViewAccessor } from '../../src/api.js';
import { pattern, type ContractEnv, type TestApi } from './env.js';
import { deepEqual, throws } from './expect.js';

type Kind = 'persisted' | 'shared';
type Access = 'readWrite' | 'read' | 'write' | 'copyOnWrite';

interface Row {
  title: string;
  /** The view's access (default readWrite) and whether it is closed before the call. */
  access?: Access;
  closed?: boolean;
  call: (v: ViewAccessor) => unknown;
  name: 'MemmapError' | 'TypeError' | 'RangeError';
  /**
   * The code; a function where it depends on the map (paged views,
   * SharedArrayBuffer maps), whose null means the call is allowed there.
   */
  code: string | ((where: { paged: boolean; sab: boolean }) => string | null);
  message?: RegExp;
}

/** Not a multiple of 8: Float64Array elements to the end are not whole from offset 8. */
const CAPACITY = 5004;
const initial = pattern(CAPACITY, 23);

const READS = ['Boolean', 'Int8', 'Uint8', 'Int16', 'Uint16', 'Int32', 'Uint32', 'Float32', 'Float64', 'BigInt64', 'BigUint64'];
const valueOf = (type: string): unknown => (type.startsWith('Big') ? 1n : type === 'Boolean' ? true : 1);
const method = (v: ViewAccessor, name: string) => (v as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!.bind(v);

const rows: Row[] = [
  // typedArray: types, ranges, alignment, state, access.
  ...([['a string', 'Float64Array'], ['Array', Array], ['DataView', DataView], ['null', null], ['an object', {}], ['a bound Float64Array', Float64Array.bind(null)]] as const).map(
    ([what, type]): Row => ({ title: `typedArray of ${what}`, call: (v) => v.typedArray(type as unknown as Float64ArrayConstructor, 0, 1), name: 'TypeError', code: 'EINVAL' }),
  ),
  ...[-1, 1.5, NaN, Infinity, 2 ** 53].flatMap((bad): Row[] => [
    { title: `typedArray at offset ${bad}`, call: (v) => v.typedArray(Uint8Array, bad, 1), name: 'RangeError', code: 'ERANGE' },
    { title: `typedArray of length ${bad}`, call: (v) => v.typedArray(Uint8Array, 0, bad), name: 'RangeError', code: 'ERANGE' },
  ]),
  { title: 'typedArray at an offset of type string', call: (v) => v.typedArray(Uint8Array, '0' as unknown as number, 1), name: 'TypeError', code: 'EINVAL' },
  { title: 'typedArray of a length of type bigint', call: (v) => v.typedArray(Uint8Array, 0, 1n as unknown as number), name: 'TypeError', code: 'EINVAL' },
  { title: 'typedArray at an offset beyond the capacity', call: (v) => v.typedArray(Uint8Array, CAPACITY + 1), name: 'RangeError', code: 'ERANGE' },
  { title: 'typedArray whose elements end beyond the capacity', call: (v) => v.typedArray(Float64Array, CAPACITY - 12, 2), name: 'RangeError', code: 'ERANGE' },
  { title: 'typedArray to the end, not a whole number of elements', call: (v) => v.typedArray(Float64Array, 8), name: 'RangeError', code: 'ERANGE', message: /pass a length/ },
  { title: 'typedArray of Float64Array at a 4-aligned offset', call: (v) => v.typedArray(Float64Array, 4, 1), name: 'RangeError', code: 'ERANGE', message: /8-byte aligned/ },
  { title: 'typedArray of Int16Array at an odd offset', call: (v) => v.typedArray(Int16Array, 1, 1), name: 'RangeError', code: 'ERANGE', message: /2-byte aligned/ },
  { title: 'typedArray of BigUint64Array at offset 12', call: (v) => v.typedArray(BigUint64Array, 12, 1), name: 'RangeError', code: 'ERANGE', message: /8-byte aligned/ },
  { title: 'typedArray on a closed view', closed: true, call: (v) => v.typedArray(Float64Array, 0, 1), name: 'MemmapError', code: 'ECLOSED' },
  { title: 'a misaligned typedArray on a closed view (arguments first)', closed: true, call: (v) => v.typedArray(Float64Array, 1, 1), name: 'RangeError', code: 'ERANGE' },
  { title: 'typedArray of a paged view (allowed elsewhere)', call: (v) => v.typedArray(Float64Array, 0, 1), name: 'MemmapError', code: ({ paged }) => (paged ? 'EUNSUPPORTED' : null) },
  {
    title: "typedArray on a 'read' view, stored into (EACCES on SharedArrayBuffer maps, which cannot be read-only; natively the stores stay private)",
    access: 'read',
    call: (v) => v.typedArray(Uint8Array, 0, 8).fill(0x41),
    name: 'MemmapError',
    code: ({ paged, sab }) => (paged ? 'EUNSUPPORTED' : sab ? 'EACCES' : null),
  },
  // littleEndian on every typed read and write: a boolean or undefined, never converted.
  ...READS.flatMap((type): Row[] =>
    (['false', null] as unknown[]).flatMap((bad): Row[] => [
      { title: `read${type}(0, ${bad === null ? 'null' : typeof bad === 'object' ? '{}' : JSON.stringify(bad)})`, call: (v) => method(v, `read${type}`)(0, bad), name: 'TypeError', code: 'EINVAL', message: /littleEndian must be a boolean/ },
      { title: `write${type}(0, value, ${bad === null ? 'null' : typeof bad === 'object' ? '{}' : JSON.stringify(bad)})`, call: (v) => method(v, `write${type}`)(0, valueOf(type), bad), name: 'TypeError', code: 'EINVAL', message: /littleEndian must be a boolean/ },
    ]),
  ),
  ...READS.flatMap((type): Row[] => [
    { title: `read${type}(-1, false): the position first`, call: (v) => method(v, `read${type}`)(-1, 'x'), name: 'RangeError', code: 'ERANGE' },
    { title: `read${type}(0, false) on a closed view`, closed: true, call: (v) => method(v, `read${type}`)(0, false), name: 'MemmapError', code: 'ECLOSED' },
    { title: `write${type}(0, value, false) on a read view`, access: 'read', call: (v) => method(v, `write${type}`)(0, valueOf(type), false), name: 'MemmapError', code: 'EACCES' },
    { title: `write${type}(capacity, value, false)`, call: (v) => method(v, `write${type}`)(CAPACITY, valueOf(type), false), name: 'RangeError', code: 'ERANGE' },
  ]),
  {
    title: 'a littleEndian whose valueOf would close the view: refused, never called',
    call: (v) => {
      let called = false;
      const hostile = { valueOf: () => ((called = true), v.close(), false) };
      try {
        v.writeFloat64(0, 1, hostile as unknown as boolean);
      } finally {
        if (called || v.closed) throw new Error('valueOf was called');
      }
    },
    name: 'TypeError',
    code: 'EINVAL',
  },
  // readString.
  ...[-1, 1.5, NaN].flatMap((bad): Row[] => [
    { title: `readString at position ${bad}`, call: (v) => v.readString(bad, 1), name: 'RangeError', code: 'ERANGE' },
    { title: `readString of byteLength ${bad}`, call: (v) => v.readString(0, bad), name: 'RangeError', code: 'ERANGE' },
  ]),
  { title: 'readString of a byteLength of type string', call: (v) => v.readString(0, '4' as unknown as number), name: 'TypeError', code: 'EINVAL' },
  { title: 'readString beyond the capacity', call: (v) => v.readString(CAPACITY - 10, 11), name: 'RangeError', code: 'ERANGE' },
  { title: "readString in encoding 'nope'", call: (v) => v.readString(0, 4, 'nope'), name: 'TypeError', code: 'EINVAL', message: /TextDecoder/ },
  { title: 'readString in an encoding of type number', call: (v) => v.readString(0, 4, 8 as unknown as string), name: 'TypeError', code: 'EINVAL' },
  { title: 'readString on a write view', access: 'write', call: (v) => v.readString(0, 4), name: 'MemmapError', code: 'EACCES' },
  { title: 'readString on a closed view', closed: true, call: (v) => v.readString(0, 4), name: 'MemmapError', code: 'ECLOSED' },
  { title: "readString in encoding 'nope' on a closed view (arguments first)", closed: true, call: (v) => v.readString(0, 4, 'nope'), name: 'TypeError', code: 'EINVAL' },
  // writeString.
  ...([['a number', 5], ['null', null], ['undefined', undefined], ['a String object', new String('x')], ['an array', ['x']], ['an object with toString', { toString: () => 'x' }]] as const).map(
    ([what, bad]): Row => ({ title: `writeString of ${what}`, call: (v) => v.writeString(0, bad as unknown as string), name: 'TypeError', code: 'EINVAL' }),
  ),
  { title: 'writeString at position -1', call: (v) => v.writeString(-1, 'x'), name: 'RangeError', code: 'ERANGE' },
  { title: 'writeString at a position beyond the capacity', call: (v) => v.writeString(CAPACITY + 1, ''), name: 'RangeError', code: 'ERANGE' },
  { title: 'writeString of a string longer than the room left (nothing written)', call: (v) => v.writeString(CAPACITY - 10, 'ü'.repeat(6)), name: 'RangeError', code: 'ERANGE', message: /12 UTF-8 bytes/ },
  { title: 'writeString on a read view', access: 'read', call: (v) => v.writeString(0, 'x'), name: 'MemmapError', code: 'EACCES' },
  { title: 'writeString on a closed view', closed: true, call: (v) => v.writeString(0, 'x'), name: 'MemmapError', code: 'ECLOSED' },
  { title: 'writeString of a string too long on a closed view (arguments first)', closed: true, call: (v) => v.writeString(CAPACITY - 1, 'xy'), name: 'RangeError', code: 'ERANGE' },
];

export function typedBadInputSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('bad input: typed arrays, byte order, strings', () => {
    let counter = 0;
    const open = async (kind: Kind): Promise<{ map: MMF; file: string | null }> => {
      const { MemoryMappedFile, files } = env();
      if (kind === 'shared') {
        const map = await MemoryMappedFile.createNew(null, CAPACITY);
        using v = await map.createViewAccessor();
        v.writeArray(0, initial);
        return { map, file: null };
      }
      const file = files.path(`typed-bad-${counter++}.bin`);
      await files.write(file, initial);
      return { map: await MemoryMappedFile.createFromFile(file), file };
    };

    for (const kind of ['persisted', 'shared'] as Kind[]) {
      for (const row of rows) {
        const codes = typeof row.code === 'string' ? row.code : 'where the map cannot, else allowed';
        t.it(`${kind}: ${row.title} → ${row.name} ${codes}, the bytes unchanged`, async () => {
          const { backend, paged, files } = env();
          const where = { paged: kind === 'persisted' && paged, sab: kind === 'shared' && backend === 'wasm' };
          const code = typeof row.code === 'string' ? row.code : row.code(where);
          const { map, file } = await open(kind);
          {
            using _m = map;
            const v = await map.createViewAccessor(0, 0, row.access);
            if (row.closed) v.close();
            let failure: unknown = null;
            try {
              row.call(v);
            } catch (err) {
              failure = err;
            } finally {
              v.close();
            }
            if (code === null) {
              if (failure) throw failure;
            } else {
              throws(() => {
                if (failure) throw failure;
              }, { name: row.name, code, message: row.message });
            }
            using check = await map.createViewAccessor();
            const now = new Uint8Array(CAPACITY);
            check.readArray(0, now);
            deepEqual(now, initial, 'the map is unchanged');
          }
          if (file) deepEqual(await files.read(file), initial, 'the file is unchanged');
        });
      }
    }
  });
}
