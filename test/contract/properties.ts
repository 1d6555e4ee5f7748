/**
 * Model-based property tests (fast-check): random sequences of views and
 * streams at random offsets and sizes over two maps of one file, typed reads
 * and writes, arrays, seeks, flushes and closes — calls after close, closes
 * from inside withBytes() callbacks, values whose conversion would close a
 * view (refused unconverted), maps opened in
 * between that grow WASM memory — run against a plain in-memory model. Every
 * operation either matches the model or throws the error the contract names
 * for it; after every flush the file, read through another handle, equals
 * the model; after everything is closed, it equals it again.
 *
 * Copy-on-write views are modelled as MAP_PRIVATE is: a page the view has
 * not written reads the file's current bytes; its first write copies the
 * page, which is the view's own from then on. The page is the map's
 * allocation granularity (the OS page natively, the cache's page size on
 * the paged backend, 4096 here). A paged copy-on-write view holds at most
 * its cache's frames of pages, so one write more is ENOMEM there (a write
 * that failed may have written a prefix: its pages are unknown to the model
 * from then on); no read is ever ENOMEM.
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
  /** Which of the two maps of the file it was made from. */
  map: number;
  offset: number;
  size: number;
  access: Access;
  closed: boolean;
  position: number;
  /** Copy-on-write: the pages this view wrote (its own copies), by page number. */
  own: Map<number, Uint8Array> | null;
  /** Copy-on-write: pages whose bytes a failed write left unknown. */
  unknown: Set<number>;
  real: ViewAccessor | ViewStream;
}

interface Model {
  bytes: Uint8Array;
  /** The granularity of copy-on-write pages. */
  page: number;
  views: ModelView[];
  mapClosed: boolean[];
}

interface Real {
  /** Two maps of one file. */
  maps: MemoryMappedFile[];
  /** Persisted maps are paged (the wasm backend). */
  paged: boolean;
  env: ContractEnv;
  file: string;
  /** Another file, for maps opened in between to grow WASM memory. */
  other: string;
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
 * Runs a write; on a paged copy-on-write view it may be ENOMEM (its private
 * pages are bounded, as the contract documents), which marks the pages of
 * [at, at + n) unknown for that view. Tells whether the write took effect.
 */
function cowWrite(m: Model, v: ModelView, paged: boolean, at: number, n: number, fn: () => unknown): boolean {
  if (!(paged && v.own)) {
    fn();
    return true;
  }
  try {
    fn();
    return true;
  } catch (err) {
    equal((err as { code?: string }).code, 'ENOMEM', 'a copy-on-write write that fails is ENOMEM');
    for (let abs = v.offset + at; abs < v.offset + at + Math.max(n, 1); abs++) v.unknown.add(Math.floor(abs / m.page));
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
    const abs = v.offset + at + i;
    if (!v.own) {
      m.bytes[abs] = bytes[i] as number;
      continue;
    }
    const page = Math.floor(abs / m.page);
    let own = v.own.get(page);
    if (!own) {
      // The first write to a page copies it as the file has it now.
      own = m.bytes.slice(page * m.page, (page + 1) * m.page);
      v.own.set(page, own);
    }
    own[abs - page * m.page] = bytes[i] as number;
  }
}

/** The model's bytes of a view, or null where a failed copy-on-write write left them unknown. */
function readModel(m: Model, v: ModelView, at: number, n: number): Uint8Array | null {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const abs = v.offset + at + i;
    const page = Math.floor(abs / m.page);
    if (v.unknown.has(page)) return null;
    const own = v.own?.get(page);
    out[i] = (own ? own[abs - page * m.page] : m.bytes[abs]) as number;
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
  constructor(readonly kind: 'accessor' | 'stream', readonly map: number, readonly offset: number, readonly size: number,
    readonly access: Access) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const cap = m.bytes.length;
    const expected = m.mapClosed[this.map] ? 'ECLOSED' : this.offset >= cap || this.offset + this.size > cap ? 'ERANGE' : null;
    const map = r.maps[this.map] as MemoryMappedFile;
    const make = () => (this.kind === 'accessor' ? map.createViewAccessorSync(this.offset, this.size, this.access)
      : map.createViewStreamSync(this.offset, this.size, this.access));
    const view = outcome(expected, make);
    if (!view) return;
    const size = this.size === 0 ? cap - this.offset : this.size;
    equal(this.kind === 'accessor' ? (view as ViewAccessor).capacity : (view as ViewStream).length, size, 'view size');
    m.views.push({ kind: this.kind, map: this.map, offset: this.offset, size, access: this.access, closed: false, position: 0,
      own: this.access === 'copyOnWrite' ? new Map() : null, unknown: new Set(), real: view });
  }
  toString = () => `open ${this.kind}(map ${this.map}, ${this.offset}, ${this.size}, ${this.access})`;
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
    else if (cowWrite(m, v, r.paged, pos, bytes.length, call)) writeModel(m, v, pos, bytes);
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
    else read();
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
    if (cowWrite(m, v, r.paged, pos, this.data.length, () => (n = (v.real as ViewAccessor).writeArray(pos, this.data)))) {
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
    read();
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
      read();
      const count = Math.max(0, Math.min(this.amount, v.size - v.position));
      equal(n, count, 'stream read count');
      const want = readModel(m, v, v.position, count);
      if (want) deepEqual(dst.subarray(0, count), want, `stream read at ${v.position}`);
      v.position += count;
    } else {
      const error = v.closed ? 'ECLOSED' : !canWrite(v.access) ? 'EACCES'
        : this.data.length > 0 && v.position + this.data.length > v.size ? 'ENOSPC' : null;
      if (error !== null) outcome(error, () => s.write(this.data));
      else if (cowWrite(m, v, r.paged, v.position, this.data.length, () => s.write(this.data))) {
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
      const i = this.view % r.maps.length;
      (r.maps[i] as MemoryMappedFile).close();
      m.mapClosed[i] = true;
      return;
    }
    const v = m.views[this.view % m.views.length] as ModelView;
    if (this.what === 'close') {
      v.real.close();
      v.closed = true;
      return;
    }
    outcome(v.closed ? 'ECLOSED' : null, () => v.real.flush());
    if (!v.closed && (v.access === 'readWrite' || v.access === 'write')) {
      // Right after a flush, before anything is evicted: another handle reads the file as the model has it.
      deepEqual(await r.env.files.read(r.file), m.bytes, 'the file, read through another handle right after a flush');
    }
  }
  toString = () => `${this.what}(${this.what === 'closeMap' ? 'map' : 'view'} ${this.view})`;
}

/**
 * withBytes() whose callback writes `data` at the start of its range (or,
 * on a view that cannot write, checks what it reads there) and then closes
 * nothing, its view, or its view and both maps: what it wrote before the
 * close is kept (a copy-on-write view's in its own pages).
 */
class WithBytes implements Cmd {
  constructor(readonly view: number, readonly at: number, readonly length: number, readonly then: 'none' | 'closeView' | 'closeAll') {}
  check = hasAccessor;
  async run(m: Model, r: Real): Promise<void> {
    const [v, pos] = pickAccessor(m, this.view, this.at);
    // Arguments (the range) before state, as in .NET.
    const error = pos + this.length > v.size ? 'ERANGE' : v.closed ? 'ECLOSED' : null;
    const writes = canWrite(v.access);
    const data = new Uint8Array(this.length).map((_, i) => (this.at + i * 7) & 0xff);
    const want = error === null && !writes ? readModel(m, v, pos, this.length) : null;
    const call = () => (v.real as ViewAccessor).withBytes(pos, this.length, (bytes) => {
      if (writes) bytes.set(data);
      else if (want) deepEqual(bytes, want, `withBytes(${pos}, ${this.length}) of a ${v.access} view`);
      if (this.then !== 'none') v.real.close();
      if (this.then === 'closeAll') for (const map of r.maps) map.close();
    });
    if (error !== null) {
      outcome(error, call);
      return;
    }
    // A paged copy-on-write view lends private pages: ENOMEM before the callback runs when they are all taken.
    if (!cowWrite(m, v, r.paged, pos, this.length, call)) return;
    if (writes) writeModel(m, v, pos, data);
    if (this.then !== 'none') v.closed = true;
    if (this.then === 'closeAll') m.mapClosed.fill(true);
  }
  toString = () => `withBytes(view ${this.view}, ${this.at}, ${this.length}, then ${this.then})`;
}

/** A typed write of a value whose valueOf would close the view: refused (EINVAL) without running it. */
class ClosingValue implements Cmd {
  constructor(readonly view: number, readonly at: number) {}
  check = hasAccessor;
  async run(m: Model, _r: Real): Promise<void> {
    const [v, pos] = pickAccessor(m, this.view, this.at);
    let ran = false;
    const value = { valueOf: () => ((ran = true), v.real.close(), 1.5) } as unknown as number;
    // The state and position come first only for a closed view or a bad position; the value's type, before the write.
    const error = v.closed ? 'ECLOSED' : !canWrite(v.access) ? 'EACCES' : pos + 8 > v.size ? 'ERANGE' : 'EINVAL';
    throws(() => (v.real as ViewAccessor).writeFloat64(pos, value), { code: error });
    equal(ran, false, 'the valueOf ran');
  }
  toString = () => `writeFloat64(view ${this.view}, ${this.at}, a valueOf that would close it)`;
}

/** Opens and closes a map of another file with a large cache: WASM memory grows between operations. */
class GrowMemory implements Cmd {
  constructor(readonly mebibytes: number) {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    const map = await r.env.MemoryMappedFile.createFromFile(r.other, { cacheSize: this.mebibytes << 20 });
    map.createViewAccessorSync().close();
    map.close();
  }
  toString = () => `open and close another map with a ${this.mebibytes} MiB cache`;
}

function commands(capacity: number): fc.Arbitrary<Iterable<Cmd>> {
  const access = fc.constantFrom<Access>('readWrite', 'readWrite', 'read', 'write', 'copyOnWrite', 'copyOnWrite');
  const offset = fc.oneof(fc.integer({ min: 0, max: capacity + 16 }), fc.constantFrom(0, 4095, 4096, 65535, 65536));
  const size = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: capacity }));
  const scalar = fc.constantFrom<Scalar>('Uint8', 'Int16', 'Uint32', 'Float64', 'BigInt64');
  const at = fc.integer({ min: 0, max: capacity + 8 });
  const idx = fc.nat(8);
  const bytes = fc.uint8Array({ minLength: 0, maxLength: 300 });
  return fc.commands(
    [
      fc.tuple(fc.constantFrom<'accessor' | 'stream'>('accessor', 'stream'), fc.nat(1), offset, size, access)
        .map(([k, i, o, s, a]) => new OpenView(k, i, o, s, a)),
      fc.tuple(idx, scalar, at, fc.integer({ min: -30000, max: 30000 })).map(([v, t, p, x]) => new TypedWrite(v, t, p, t === 'Uint8' ? x & 0xff : x)),
      fc.tuple(idx, scalar, at).map(([v, t, p]) => new TypedRead(v, t, p)),
      fc.tuple(idx, at, bytes).map(([v, p, d]) => new ArrayWrite(v, p, d)),
      fc.tuple(idx, at, fc.integer({ min: 0, max: 400 })).map(([v, p, n]) => new ArrayRead(v, p, n)),
      fc.tuple(idx, fc.constantFrom<'read' | 'write' | 'seek'>('read', 'write', 'seek'), fc.integer({ min: 0, max: capacity + 20 }), bytes)
        .map(([v, op, n, d]) => new StreamOp(v, op, op === 'read' ? n % 500 : n, d)),
      fc.tuple(idx, fc.constantFrom<'flush' | 'close' | 'closeMap'>('flush', 'flush', 'flush', 'close', 'close', 'closeMap'))
        .map(([v, w]) => new FlushOrClose(v, w)),
      fc.tuple(idx, at, fc.integer({ min: 0, max: 9000 }), fc.constantFrom<'none' | 'closeView' | 'closeAll'>('none', 'none', 'closeView', 'closeAll'))
        .map(([v, p, n, then]) => new WithBytes(v, p, n, then)),
      fc.tuple(idx, at).map(([v, p]) => new ClosingValue(v, p)),
      fc.integer({ min: 1, max: 24 }).map((n) => new GrowMemory(n)),
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
          const other = files.path(`model-other-${counter++}.bin`);
          await files.write(other, new Uint8Array(4096));
          const options = { pageSize: 4096, cacheSize: 8 * 4096 };
          const maps = [await MemoryMappedFile.createFromFile(file, options), await MemoryMappedFile.createFromFile(file, options)];
          const first = maps[0] as MemoryMappedFile;
          // Private copies are made a page at a time: the cache's page (pageSize above) on paged maps,
          // the OS page natively (4 KiB on x86-64, where views start at the allocation granularity:
          // the page on Linux, 64 KiB on Windows).
          equal(first.allocationGranularity % 4096, 0, 'views start at whole pages');
          const model: Model = { bytes: initial.slice(), page: 4096, views: [], mapClosed: [false, false] };
          // Every sequence starts with a whole-map accessor and stream, so that its operations have targets.
          for (const kind of ['accessor', 'stream'] as const) {
            const real = kind === 'accessor' ? first.createViewAccessorSync() : first.createViewStreamSync();
            model.views.push({ kind, map: 0, offset: 0, size: capacity, access: 'readWrite', closed: false, position: 0, own: null,
              unknown: new Set(), real });
          }
          try {
            await fc.asyncModelRun(() => ({ model, real: { maps, paged: env().paged, env: env(), file, other } }), cmds);
          } finally {
            for (const v of model.views) v.real.close();
            for (const map of maps) map.close();
          }
          deepEqual(await files.read(file), model.bytes, 'the file equals the model after close');
        }),
        { numRuns: runs },
      );
    });
  });
}
