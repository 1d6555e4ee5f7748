/**
 * Model-based property tests (fast-check): random sequences of views and
 * streams at random offsets and sizes, typed reads and writes, arrays, seeks,
 * flushes and closes — and calls after close — run against a plain in-memory
 * model. Every operation either matches the model or throws the error the
 * contract names for it; after everything is closed, the file equals the
 * model. Copy-on-write views are checked one way: their writes never reach
 * the model (the file and the other views), and they read back what they wrote.
 */
import fc from 'fast-check';
import type { MemoryMappedFile, ViewAccessor, ViewStream } from '../../src/api.js';
import type { ContractEnv, TestApi } from './env.js';
import { deepEqual, equal, throws } from './expect.js';

type Access = 'readWrite' | 'read' | 'write' | 'copyOnWrite';
type Scalar = 'Uint8' | 'Int16' | 'Uint32' | 'Float64' | 'BigInt64';
const WIDTH: Record<Scalar, number> = { Uint8: 1, Int16: 2, Uint32: 4, Float64: 8, BigInt64: 8 };

interface ModelView {
  kind: 'accessor' | 'stream';
  offset: number;
  size: number;
  access: Access;
  closed: boolean;
  position: number;
  /** Copy-on-write: the bytes this view wrote, by offset in the map. */
  own: Map<number, number> | null;
  real: ViewAccessor | ViewStream;
}

interface Model {
  bytes: Uint8Array;
  views: ModelView[];
  mapClosed: boolean;
}

interface Real {
  map: MemoryMappedFile;
  /** Persisted maps are paged (the wasm backend). */
  paged: boolean;
}

const canRead = (a: Access) => a !== 'write';
const canWrite = (a: Access) => a !== 'read';

/** Expects `fn` to throw `code` when `code` is set, else runs it. */
function outcome<T>(code: string | null, fn: () => T): T | undefined {
  if (code === null) return fn();
  throws(fn, { code });
  return undefined;
}

/**
 * A copy-on-write view of a paged map keeps the pages it wrote in the cache
 * (nothing could bring them back), so once they fill it a write is ENOMEM, as
 * the contract documents; runs `fn` and tells whether it took effect.
 */
function cowWrite(v: ModelView, paged: boolean, fn: () => unknown): boolean {
  if (!(paged && v.own)) {
    fn();
    return true;
  }
  try {
    fn();
    return true;
  } catch (err) {
    equal((err as { code?: string }).code, 'ENOMEM', 'a copy-on-write write that fails is ENOMEM');
    return false;
  }
}

function encode(type: Scalar, value: number): Uint8Array {
  const out = new Uint8Array(WIDTH[type]);
  const dv = new DataView(out.buffer);
  if (type === 'Uint8') dv.setUint8(0, value);
  else if (type === 'Int16') dv.setInt16(0, value, true);
  else if (type === 'Uint32') dv.setUint32(0, value, true);
  else if (type === 'Float64') dv.setFloat64(0, value, true);
  else dv.setBigInt64(0, BigInt(value), true);
  return out;
}

function decode(type: Scalar, bytes: Uint8Array): number | bigint {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === 'Uint8') return dv.getUint8(0);
  if (type === 'Int16') return dv.getInt16(0, true);
  if (type === 'Uint32') return dv.getUint32(0, true);
  if (type === 'Float64') return dv.getFloat64(0, true);
  return dv.getBigInt64(0, true);
}

/** The error a view operation must give, or null when it must work. */
function viewError(v: ModelView, write: boolean, position: number, width: number): string | null {
  if (v.closed) return 'ECLOSED';
  if (write ? !canWrite(v.access) : !canRead(v.access)) return 'EACCES';
  if (position + width > v.size) return 'ERANGE';
  return null;
}

function writeModel(m: Model, v: ModelView, at: number, bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) {
    if (v.own) v.own.set(v.offset + at + i, bytes[i] as number);
    else m.bytes[v.offset + at + i] = bytes[i] as number;
  }
}

/** The model's bytes of a view, or null where a copy-on-write view's bytes are not known. */
function readModel(m: Model, v: ModelView, at: number, n: number): Uint8Array | null {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const abs = v.offset + at + i;
    if (v.own) {
      if (!v.own.has(abs)) return null;
      out[i] = v.own.get(abs) as number;
    } else {
      out[i] = m.bytes[abs] as number;
    }
  }
  return out;
}

type Cmd = fc.AsyncCommand<Model, Real>;

/**
 * The accessor view a command acts on (its index taken modulo the accessors
 * open so far, closed ones included) and its position there, which may fall
 * up to 2 bytes past the view's end so that range errors come up too.
 */
const hasAccessor = (m: Readonly<Model>) => m.views.some((v) => v.kind === 'accessor');

function pickAccessor(m: Model, view: number, at: number): [ModelView, number] {
  const accessors = m.views.filter((v) => v.kind === 'accessor');
  const v = accessors[view % accessors.length] as ModelView;
  return [v, at % (v.size + 2)];
}

class OpenView implements Cmd {
  constructor(readonly kind: 'accessor' | 'stream', readonly offset: number, readonly size: number, readonly access: Access) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const cap = m.bytes.length;
    const expected = m.mapClosed ? 'ECLOSED' : this.offset >= cap || this.offset + this.size > cap ? 'ERANGE' : null;
    const make = () => (this.kind === 'accessor' ? r.map.createViewAccessorSync(this.offset, this.size, this.access)
      : r.map.createViewStreamSync(this.offset, this.size, this.access));
    const view = outcome(expected, make);
    if (!view) return;
    const size = this.size === 0 ? cap - this.offset : this.size;
    equal(this.kind === 'accessor' ? (view as ViewAccessor).capacity : (view as ViewStream).length, size, 'view size');
    m.views.push({ kind: this.kind, offset: this.offset, size, access: this.access, closed: false, position: 0,
      own: this.access === 'copyOnWrite' ? new Map() : null, real: view });
  }
  toString = () => `open ${this.kind}(${this.offset}, ${this.size}, ${this.access})`;
}

class TypedWrite implements Cmd {
  constructor(readonly view: number, readonly type: Scalar, readonly at: number, readonly value: number) {}
  check = hasAccessor;
  async run(m: Model, r: Real): Promise<void> {
    const [v, pos] = pickAccessor(m, this.view, this.at);
    const bytes = encode(this.type, this.value);
    const a = v.real as ViewAccessor;
    const call = () => (this.type === 'BigInt64' ? a.writeBigInt64(pos, BigInt(this.value))
      : (a[`write${this.type}`] as (p: number, x: number) => void).call(a, pos, this.value));
    const error = viewError(v, true, pos, bytes.length);
    if (error !== null) outcome(error, call);
    else if (cowWrite(v, r.paged, call)) writeModel(m, v, pos, bytes);
  }
  toString = () => `write${this.type}(view ${this.view}, ${this.at}, ${this.value})`;
}

class TypedRead implements Cmd {
  constructor(readonly view: number, readonly type: Scalar, readonly at: number) {}
  check = hasAccessor;
  async run(m: Model, r: Real): Promise<void> {
    const [v, pos] = pickAccessor(m, this.view, this.at);
    const a = v.real as ViewAccessor;
    const error = viewError(v, false, pos, WIDTH[this.type]);
    let got: number | bigint | undefined;
    const read = () => (got = (a[`read${this.type}`] as (p: number) => number | bigint).call(a, pos));
    if (error !== null) outcome(error, read);
    else cowWrite(v, r.paged, read);
    if (got === undefined) return;
    const want = readModel(m, v, pos, WIDTH[this.type]);
    if (want) equal(got, decode(this.type, want), `read${this.type} at ${pos}`);
  }
  toString = () => `read${this.type}(view ${this.view}, ${this.at})`;
}

class ArrayWrite implements Cmd {
  constructor(readonly view: number, readonly at: number, readonly data: Uint8Array) {}
  check = hasAccessor;
  async run(m: Model, r: Real): Promise<void> {
    const [v, pos] = pickAccessor(m, this.view, this.at);
    const error = viewError(v, true, pos, this.data.length);
    if (error !== null) {
      outcome(error, () => (v.real as ViewAccessor).writeArray(pos, this.data));
      return;
    }
    let n = -1;
    if (cowWrite(v, r.paged, () => (n = (v.real as ViewAccessor).writeArray(pos, this.data)))) {
      equal(n, this.data.length, 'writeArray count');
      writeModel(m, v, pos, this.data);
    }
  }
  toString = () => `writeArray(view ${this.view}, ${this.at}, ${this.data.length} bytes)`;
}

class ArrayRead implements Cmd {
  constructor(readonly view: number, readonly at: number, readonly length: number) {}
  check = hasAccessor;
  async run(m: Model, r: Real): Promise<void> {
    const [v, pos] = pickAccessor(m, this.view, this.at);
    const error = v.closed ? 'ECLOSED' : !canRead(v.access) ? 'EACCES' : pos > v.size ? 'ERANGE' : null;
    const dst = new Uint8Array(this.length);
    let n: number | undefined;
    const read = () => (n = (v.real as ViewAccessor).readArray(pos, dst));
    if (error !== null) {
      outcome(error, read);
      return;
    }
    if (!cowWrite(v, r.paged, read)) return;
    const expectedCount = Math.min(this.length, v.size - pos);
    equal(n, expectedCount, 'readArray count');
    const want = readModel(m, v, pos, expectedCount);
    if (want) deepEqual(dst.subarray(0, expectedCount), want, `readArray at ${pos}`);
  }
  toString = () => `readArray(view ${this.view}, ${this.at}, ${this.length})`;
}

class StreamOp implements Cmd {
  constructor(readonly view: number, readonly op: 'read' | 'write' | 'seek', readonly amount: number, readonly data: Uint8Array) {}
  check = (m: Readonly<Model>) => m.views.some((v) => v.kind === 'stream');
  async run(m: Model, r: Real): Promise<void> {
    const streams = m.views.filter((v) => v.kind === 'stream');
    const v = streams[this.view % streams.length] as ModelView;
    const s = v.real as ViewStream;
    if (this.op === 'seek') {
      const target = this.amount % (v.size + 10);
      const got = outcome(v.closed ? 'ECLOSED' : null, () => s.seek(target - v.position, 'current'));
      if (got !== undefined) {
        equal(got, target, 'seek');
        v.position = target;
      }
    } else if (this.op === 'read') {
      const error = v.closed ? 'ECLOSED' : !canRead(v.access) ? 'EACCES' : null;
      const dst = new Uint8Array(this.amount);
      let n: number | undefined;
      const read = () => (n = s.read(dst));
      if (error !== null) {
        outcome(error, read);
        return;
      }
      if (!cowWrite(v, r.paged, read)) {
        equal(s.position, v.position, 'a failed read does not move the stream');
        return;
      }
      const count = Math.max(0, Math.min(this.amount, v.size - v.position));
      equal(n, count, 'stream read count');
      const want = readModel(m, v, v.position, count);
      if (want) deepEqual(dst.subarray(0, count), want, `stream read at ${v.position}`);
      v.position += count;
    } else {
      const error = v.closed ? 'ECLOSED' : !canWrite(v.access) ? 'EACCES'
        : this.data.length > 0 && v.position + this.data.length > v.size ? 'ENOSPC' : null;
      if (error !== null) outcome(error, () => s.write(this.data));
      else if (cowWrite(v, r.paged, () => s.write(this.data))) {
        writeModel(m, v, v.position, this.data);
        v.position += this.data.length;
      }
    }
    if (!v.closed) equal(s.position, v.position, 'stream position');
  }
  toString = () => `stream ${this.op}(view ${this.view}, ${this.amount}, ${this.data.length} bytes)`;
}

class FlushOrClose implements Cmd {
  constructor(readonly view: number, readonly what: 'flush' | 'close' | 'closeMap') {}
  check = (m: Readonly<Model>) => this.what === 'closeMap' || m.views.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    if (this.what === 'closeMap') {
      r.map.close();
      m.mapClosed = true;
      return;
    }
    const v = m.views[this.view % m.views.length] as ModelView;
    if (this.what === 'flush') outcome(v.closed ? 'ECLOSED' : null, () => v.real.flush());
    else {
      v.real.close();
      v.closed = true;
    }
  }
  toString = () => `${this.what}(view ${this.view})`;
}

function commands(capacity: number): fc.Arbitrary<Iterable<Cmd>> {
  const access = fc.constantFrom<Access>('readWrite', 'readWrite', 'read', 'write', 'copyOnWrite');
  const offset = fc.oneof(fc.integer({ min: 0, max: capacity + 16 }), fc.constantFrom(0, 4095, 4096, 65535, 65536));
  const size = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: capacity }));
  const scalar = fc.constantFrom<Scalar>('Uint8', 'Int16', 'Uint32', 'Float64', 'BigInt64');
  const at = fc.integer({ min: 0, max: capacity + 8 });
  const idx = fc.nat(8);
  const bytes = fc.uint8Array({ minLength: 0, maxLength: 300 });
  return fc.commands(
    [
      fc.tuple(fc.constantFrom<'accessor' | 'stream'>('accessor', 'stream'), offset, size, access).map(([k, o, s, a]) => new OpenView(k, o, s, a)),
      fc.tuple(idx, scalar, at, fc.integer({ min: -30000, max: 30000 })).map(([v, t, p, x]) => new TypedWrite(v, t, p, t === 'Uint8' ? x & 0xff : x)),
      fc.tuple(idx, scalar, at).map(([v, t, p]) => new TypedRead(v, t, p)),
      fc.tuple(idx, at, bytes).map(([v, p, d]) => new ArrayWrite(v, p, d)),
      fc.tuple(idx, at, fc.integer({ min: 0, max: 400 })).map(([v, p, n]) => new ArrayRead(v, p, n)),
      fc.tuple(idx, fc.constantFrom<'read' | 'write' | 'seek'>('read', 'write', 'seek'), fc.integer({ min: 0, max: capacity + 20 }), bytes)
        .map(([v, op, n, d]) => new StreamOp(v, op, op === 'read' ? n % 500 : n, d)),
      fc.tuple(idx, fc.constantFrom<'flush' | 'close' | 'closeMap'>('flush', 'flush', 'flush', 'close', 'close', 'closeMap'))
        .map(([v, w]) => new FlushOrClose(v, w)),
    ],
    { maxCommands: 60, size: 'medium' },
  );
}

/** How many random sequences each property runs (MEMMAP_PROPERTY_RUNS overrides where there is an environment). */
export function propertyRuns(fallback: number): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const n = Number(env?.MEMMAP_PROPERTY_RUNS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function propertySuite(t: TestApi, env: () => ContractEnv, runs: number): void {
  t.describe('model-based properties', () => {
    t.it(`random sequences of view and stream operations match the model, and the file equals it after close (${runs} runs)`, async () => {
      let counter = 0;
      // Named before fast-check runs, so that an environment without files skips the test here.
      const base = env().files.path('model');
      const scenario = fc
        .constantFrom(4096, 70000, 200000)
        .chain((capacity) => fc.tuple(fc.constant(capacity), commands(capacity)));
      await fc.assert(
        fc.asyncProperty(scenario, async ([capacity, cmds]) => {
          const { MemoryMappedFile, files } = env();
          const file = `${base}-${counter++}.bin`;
          const initial = new Uint8Array(capacity);
          for (let i = 0; i < capacity; i += 97) initial[i] = (i * 31) & 0xff;
          await files.write(file, initial);
          const map = await MemoryMappedFile.createFromFile(file, { pageSize: 4096, cacheSize: 8 * 4096 });
          const model: Model = { bytes: initial.slice(), views: [], mapClosed: false };
          // Every sequence starts with a whole-map accessor and stream, so that its operations have targets.
          for (const kind of ['accessor', 'stream'] as const) {
            const real = kind === 'accessor' ? map.createViewAccessorSync() : map.createViewStreamSync();
            model.views.push({ kind, offset: 0, size: capacity, access: 'readWrite', closed: false, position: 0, own: null, real });
          }
          try {
            await fc.asyncModelRun(() => ({ model, real: { map, paged: env().paged } }), cmds);
          } finally {
            for (const v of model.views) v.real.close();
            map.close();
          }
          deepEqual(await files.read(file), model.bytes, 'the file equals the model after close');
        }),
        { numRuns: runs },
      );
    });
  });
}
