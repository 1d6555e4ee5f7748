/**
 * Typed-array views, byte order and strings: `typedArray()` (zero-copy where
 * the view has one stable memory: native maps and SharedArrayBuffer maps;
 * `EUNSUPPORTED` on paged views), the `littleEndian` argument of every typed
 * read and write, and readString/writeString. Each runs on a persisted map
 * (paged on the wasm backend) and on a non-persisted map.
 */
import type { TypedArrayConstructor } from '../../src/api.js';
import { pattern, type ContractEnv, type TestApi } from './env.js';
import { deepEqual, equal, ok, throws } from './expect.js';

type Kind = 'persisted' | 'shared';

const CONSTRUCTORS: TypedArrayConstructor[] = [
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
  // Where the runtime has it (Node 24, current browsers).
  ...((globalThis as { Float16Array?: TypedArrayConstructor }).Float16Array ? [(globalThis as { Float16Array?: TypedArrayConstructor }).Float16Array!] : []),
];

/** Every typed read/write with a value of its type, and the DataView method that reads it back. */
const TYPED: Array<{ name: string; width: number; value: number | bigint }> = [
  { name: 'Int16', width: 2, value: -12345 },
  { name: 'Uint16', width: 2, value: 0xa1b2 },
  { name: 'Int32', width: 4, value: -123456789 },
  { name: 'Uint32', width: 4, value: 0xa1b2c3d4 },
  { name: 'Float32', width: 4, value: -1.75 },
  { name: 'Float64', width: 8, value: Math.E },
  { name: 'BigInt64', width: 8, value: -(2n ** 62n) - 12345n },
  { name: 'BigUint64', width: 8, value: 2n ** 64n - 77n },
];

export function typedViewSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('typed arrays, byte order and strings', () => {
    let counter = 0;
    /** A map of `kind` over `capacity` bytes holding `initial`; `file` is its file (persisted) or null. */
    const open = async (kind: Kind, capacity = 65536, initial?: Uint8Array, options: object = {}) => {
      const { MemoryMappedFile, files } = env();
      if (kind === 'shared') {
        const map = await MemoryMappedFile.createNew(null, capacity, options);
        if (initial) {
          using v = await map.createViewAccessor();
          v.writeArray(0, initial);
        }
        return { map, file: null as string | null };
      }
      const file = files.path(`typed-${counter++}.bin`);
      await files.write(file, initial ?? new Uint8Array(capacity));
      // Small pages, so that values and strings straddle pages in the tests that ask for it.
      return { map: await MemoryMappedFile.createFromFile(file, { pageSize: 4096, cacheSize: 16 * 4096, ...options }), file };
    };
    const direct = (kind: Kind) => !(kind === 'persisted' && env().paged);

    for (const kind of ['persisted', 'shared'] as Kind[]) {
      t.describe(`${kind} maps`, () => {
        t.it('typedArray: every kind (Float16Array where the runtime has it) is zero-copy both ways (or EUNSUPPORTED on a paged view, naming the alternatives)', async () => {
          const { map, file } = await open(kind);
          using _m = map;
          using v = await map.createViewAccessor(4096, 8192);
          if (!direct(kind)) {
            throws(() => v.typedArray(Float64Array, 0, 4), { name: 'MemmapError', code: 'EUNSUPPORTED', message: /readArray\(\)/ });
            return;
          }
          for (const [i, Ctor] of CONSTRUCTORS.entries()) {
            const at = i * 64;
            const a = v.typedArray(Ctor, at, 4);
            equal(a.constructor, Ctor as unknown);
            equal(a.length, 4);
            const big = Ctor === BigInt64Array || Ctor === BigUint64Array;
            const el = a as unknown as { [k: number]: unknown };
            el[1] = big ? 7n : 7;
            const back = new Ctor(4);
            v.readArray(at, back);
            equal((back as unknown as { [k: number]: unknown })[1], big ? 7n : 7, `${Ctor.name}: a store reaches the view`);
            const source = new Ctor(4);
            (source as unknown as { [k: number]: unknown })[3] = big ? 9n : 9;
            v.writeArray(at, source);
            equal(el[3], big ? 9n : 9, `${Ctor.name}: a write through the view shows in the array`);
            equal(el[1], big ? 0n : 0);
          }
          const all = v.typedArray(Float64Array);
          equal(all.length, 1024, 'the default length runs to the view\'s end');
          all[1023] = 2.5;
          equal(v.readFloat64(8184), 2.5);
          if (file) {
            v.flush();
            const disk = (await env().files.read(file)) as Uint8Array;
            equal(new DataView(disk.buffer).getFloat64(4096 + 8184, true), 2.5, 'the store is in the file');
          }
        });

        t.it('typedArray: alignment is checked in the map (view offset + offset), and the error names it', async () => {
          const { map } = await open(kind);
          using _m = map;
          using v = await map.createViewAccessor(4, 4096);
          // Arguments come before the view's kind: paged views answer the same errors first.
          throws(() => v.typedArray(Float64Array, 0, 1), { name: 'RangeError', code: 'ERANGE', message: /8-byte aligned in the map.*byte 4 of the map/ });
          throws(() => v.typedArray(Int32Array, 2, 1), { name: 'RangeError', code: 'ERANGE', message: /4-byte aligned/ });
          throws(() => v.typedArray(Float64Array, 4), { name: 'RangeError', code: 'ERANGE', message: /not a whole number of 8-byte/ });
          if (!direct(kind)) return;
          const a = v.typedArray(Float64Array, 4, 2);
          a[0] = 1.25;
          equal(v.readFloat64(4), 1.25);
          equal(v.typedArray(Int32Array, 0, 1).length, 1, 'a view at 4 is 4-aligned');
          equal(v.typedArray(Uint8Array, 1).length, 4095);
          equal(v.typedArray(Float64Array, 4, 0).length, 0, 'zero elements');
        });

        t.it('typedArray: closing the view ends the array (detached natively; ECLOSED for new ones)', async () => {
          const { map } = await open(kind);
          using _m = map;
          const v = await map.createViewAccessor();
          const a = direct(kind) ? v.typedArray(Int32Array, 0, 16) : null;
          v.close();
          throws(() => v.typedArray(Int32Array, 0, 16), { name: 'MemmapError', code: 'ECLOSED' });
          throws(() => v.typedArray(Int32Array, 2, 1), { name: 'RangeError', code: 'ERANGE' }, 'arguments first, as in .NET');
          if (a && env().backend === 'native') equal(a.length, 0, 'the native array is detached with the view');
        });

        t.it('typedArray: a read view\'s stores never reach the map (private natively; EACCES where memory cannot be read-only)', async () => {
          const initial = pattern(65536, 5);
          const { map, file } = await open(kind, 65536, initial);
          using _m = map;
          using ro = await map.createViewAccessor(0, 0, 'read');
          using rw = await map.createViewAccessor();
          if (!direct(kind)) {
            throws(() => ro.typedArray(Uint8Array), { code: 'EUNSUPPORTED' });
            return;
          }
          if (kind === 'shared' && env().backend === 'wasm') {
            throws(() => ro.typedArray(Uint8Array, 0, 16), { name: 'MemmapError', code: 'EACCES', message: /cannot be made read-only/ });
            return;
          }
          const a = ro.typedArray(Uint8Array, 0, 16);
          deepEqual(a, initial.subarray(0, 16), 'it reads the map');
          a.fill(0xee);
          equal(rw.readUint8(0), initial[0], 'the store stayed in the read view');
          if (file) {
            rw.flush();
            deepEqual(((await env().files.read(file)) as Uint8Array).subarray(0, 16), initial.subarray(0, 16), 'and out of the file');
          }
        });

        t.it('typedArray: a copy-on-write view at an unaligned offset gets aligned arrays whose stores stay its own', async () => {
          const { map } = await open(kind);
          using _m = map;
          using cow = await map.createViewAccessor(4100, 4096, 'copyOnWrite');
          using rw = await map.createViewAccessor();
          if (!direct(kind)) return throws(() => cow.typedArray(Float64Array, 4, 1), { code: 'EUNSUPPORTED' });
          const a = cow.typedArray(Float64Array, 4, 4);
          a[0] = 3.5;
          equal(cow.readFloat64(4), 3.5);
          equal(rw.readFloat64(4104), 0, 'the map never sees it');
        });

        t.it('typedArray: hostile arguments run no user code (valueOf, subclass, proxy) and are refused', async () => {
          const { map } = await open(kind);
          using _m = map;
          using v = await map.createViewAccessor();
          let ran = 0;
          const closer = { valueOf: () => (ran++, v.close(), 0) };
          class Sneaky extends Float64Array {
            constructor(...args: ConstructorParameters<typeof Float64Array>) {
              ran++;
              v.close();
              super(...(args as unknown as [ArrayBuffer]));
            }
          }
          throws(() => v.typedArray(Float64Array, closer as unknown as number, 1), { name: 'TypeError', code: 'EINVAL' });
          throws(() => v.typedArray(Float64Array, 0, closer as unknown as number), { name: 'TypeError', code: 'EINVAL' });
          throws(() => v.typedArray(Sneaky as unknown as Float64ArrayConstructor, 0, 1), { name: 'TypeError', code: 'EINVAL' });
          throws(() => v.typedArray(new Proxy(Float64Array, {}), 0, 1), { name: 'TypeError', code: 'EINVAL' });
          throws(() => v.typedArray('Float64Array' as unknown as Float64ArrayConstructor, 0, 1), { name: 'TypeError', code: 'EINVAL' });
          throws(() => v.typedArray(DataView as unknown as Float64ArrayConstructor, 0, 1), { name: 'TypeError', code: 'EINVAL' });
          equal(ran, 0, 'no user code ran');
          equal(v.closed, false);
        });

        t.it('every typed read and write takes littleEndian: false for big-endian, true or nothing for little-endian', async () => {
          const { map, file } = await open(kind);
          using _m = map;
          using v = await map.createViewAccessor(1000);
          const acc = v as unknown as Record<string, (...a: unknown[]) => unknown>;
          let at = 0;
          const spots: Array<{ name: string; at: number; value: number | bigint; big: boolean }> = [];
          for (const { name, width, value } of TYPED) {
            for (const big of [false, true]) {
              (acc[`write${name}`] as (...a: unknown[]) => unknown).call(v, at, value, !big);
              equal((acc[`read${name}`] as (...a: unknown[]) => unknown).call(v, at, !big), value, `${name} ${big ? 'BE' : 'LE'}`);
              spots.push({ name, at, value, big });
              at += width;
            }
          }
          for (const { name, at: p, value, big } of spots) {
            const bytes = new Uint8Array(8);
            v.readArray(p, bytes);
            const expected = new DataView(new ArrayBuffer(8));
            (expected as unknown as Record<string, (o: number, v: unknown, le: boolean) => void>)[`set${name}`]!.call(expected, 0, value, !big);
            const width = TYPED.find((x) => x.name === name)!.width;
            deepEqual(bytes.subarray(0, width), new Uint8Array(expected.buffer, 0, width), `${name} ${big ? 'BE' : 'LE'}: the bytes in order`);
            if (!big) equal((acc[`read${name}`] as (...a: unknown[]) => unknown).call(v, p), value, `${name}: no argument is little-endian`);
          }
          // One-byte types take the argument too (there is no order to choose).
          v.writeInt8(at, -3, false);
          v.writeUint8(at + 1, 200, true);
          v.writeBoolean(at + 2, true, false);
          equal(v.readInt8(at, false), -3);
          equal(v.readUint8(at + 1, false), 200);
          equal(v.readBoolean(at + 2, true), true);
          v.writeUint32(at + 4, 0x01020304, false);
          deepEqual([v.readUint8(at + 4), v.readUint8(at + 5), v.readUint8(at + 6), v.readUint8(at + 7)], [1, 2, 3, 4], 'big-endian: the high byte first');
          if (file) {
            v.flush();
            const disk = new DataView(((await env().files.read(file)) as Uint8Array).buffer, 1000);
            for (const { name, at: p, value, big } of spots) {
              equal((disk as unknown as Record<string, (o: number, le: boolean) => unknown>)[`get${name}`]!.call(disk, p, !big), value, `${name} on disk`);
            }
          }
        });

        t.it('big-endian values that straddle a page boundary read and write whole', async () => {
          const { map } = await open(kind, 3 * 4096);
          using _m = map;
          using v = await map.createViewAccessor();
          const acc = v as unknown as Record<string, (...a: unknown[]) => unknown>;
          for (const { name, width, value } of TYPED) {
            const at = 4096 - (width >> 1);
            (acc[`write${name}`] as (...a: unknown[]) => unknown).call(v, at, value, false);
            equal((acc[`read${name}`] as (...a: unknown[]) => unknown).call(v, at, false), value, name);
            const bytes = new Uint8Array(width);
            v.readArray(at, bytes);
            const expected = new DataView(new ArrayBuffer(8));
            (expected as unknown as Record<string, (o: number, v: unknown, le: boolean) => void>)[`set${name}`]!.call(expected, 0, value, false);
            deepEqual(bytes, new Uint8Array(expected.buffer, 0, width), `${name}: big-endian bytes across the boundary`);
          }
        });

        t.it('writeString returns the UTF-8 bytes written and readString decodes them, across pages too', async () => {
          const { map, file } = await open(kind, 3 * 4096);
          using _m = map;
          using v = await map.createViewAccessor();
          const text = 'RIFF → ünïcödé ✓ 𝄞';
          const at = 4096 - 7;
          const n = v.writeString(at, text);
          equal(n, new TextEncoder().encode(text).length);
          equal(v.readString(at, n), text);
          equal(v.readString(at, 4), 'RIFF');
          equal(v.readString(at, n, 'utf-8'), text);
          equal(v.writeString(0, ''), 0, 'the empty string writes nothing');
          equal(v.readString(0, 0), '');
          // TextDecoder's rules: malformed bytes become U+FFFD, a BOM is dropped, other encodings by label.
          v.writeArray(100, new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x62]));
          equal(v.readString(100, 6), 'a\ufffdb');
          v.writeArray(200, new Uint8Array([0x68, 0, 0x69, 0]));
          equal(v.readString(200, 4, 'utf-16le'), 'hi');
          v.writeArray(300, new Uint8Array([0xe9]));
          equal(v.readString(300, 1, 'latin1'), 'é');
          equal(v.writeString(400, '\ud800'), 3, 'a lone surrogate is written as U+FFFD (TextEncoder)');
          equal(v.readString(400, 3), '\ufffd');
          if (file) {
            v.flush();
            const disk = (await env().files.read(file)) as Uint8Array;
            equal(new TextDecoder().decode(disk.subarray(at, at + n)), text, 'the file holds the UTF-8 bytes');
          }
        });

        t.it('writeString of a string longer than the room left is ERANGE and writes nothing', async () => {
          const { map, file } = await open(kind, 4096, pattern(4096, 9));
          using _m = map;
          using v = await map.createViewAccessor();
          const before = new Uint8Array(4096);
          v.readArray(0, before);
          throws(() => v.writeString(4090, 'abcdefg'), { name: 'RangeError', code: 'ERANGE', message: /7 UTF-8 bytes.*nothing was written/ });
          throws(() => v.writeString(4094, 'aé'), { name: 'RangeError', code: 'ERANGE' }, 'é takes 2 bytes: 3 do not fit in 2');
          equal(v.writeString(4094, 'ab'), 2, 'exactly the room left fits');
          const after = new Uint8Array(4096);
          v.readArray(0, after);
          deepEqual(after.subarray(0, 4094), before.subarray(0, 4094), 'the failed calls wrote nothing');
          if (file) {
            v.flush();
            deepEqual(((await env().files.read(file)) as Uint8Array).subarray(4090, 4094), before.subarray(4090, 4094));
          }
        });
      });
    }

    t.it('typedArray over a non-persisted map is an ordinary typed array: Atomics work on Int32 elements', async () => {
      const { map } = await open('shared', 4096);
      using _m = map;
      using v = await map.createViewAccessor();
      const a = v.typedArray(Int32Array, 8, 4);
      equal(Atomics.add(a, 1, 5), 0);
      equal(Atomics.load(a, 1), 5);
      equal(v.readInt32(12), 5);
    });
  });
}
