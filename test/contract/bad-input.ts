/**
 * The bad-input table: every row is an input, the error it must give (class
 * and stable code), and a check that the path on disk is unchanged by the
 * failed call (same existence and contents; no file left behind).
 */
import type { MemoryMappedFile as MMF, ViewAccessor, ViewStream } from '../../src/api.js';
import { pattern, type ContractEnv, type TestApi } from './env.js';
import { deepEqual, equal, rejects } from './expect.js';

type Setup = 'missing' | 'empty' | 'small' | 'directory';
type ErrorName = 'MemmapError' | 'TypeError' | 'RangeError';

interface Row {
  title: string;
  setup: Setup;
  call: (M: typeof MMF, file: string) => Promise<unknown>;
  name: ErrorName;
  /** The code, or per platform where the platforms differ by nature. */
  code: string | { node: string; browser: string };
  /** What the message must say, where it carries the facts of the decision. */
  message?: RegExp;
  /** Where wine answers otherwise than Windows would (wine only): its code, and why. */
  wine?: { code: string; why: string };
}

/** Wine reports its host's "file too large" (EFBIG) as "not enough memory". */
const WINE_EFBIG = { code: 'ENOMEM', why: "wine's word for its host's EFBIG" };

const small = pattern(5000, 11);

const rows: Row[] = [
  ...[-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, Number.MAX_VALUE].map((capacity): Row => ({
    title: `capacity ${capacity}`,
    setup: 'small',
    call: (M, f) => M.createFromFile(f, { capacity }),
    name: 'RangeError',
    code: 'ERANGE',
  })),
  ...['10', 10n, null, {}].map((capacity): Row => ({
    title: `capacity of type ${typeof capacity} (${String(capacity)})`,
    setup: 'small',
    call: (M, f) => M.createFromFile(f, { capacity: capacity as number }),
    name: 'TypeError',
    code: 'EINVAL',
  })),
  { title: 'capacity below the file size', setup: 'small', call: (M, f) => M.createFromFile(f, { capacity: 4999 }), name: 'MemmapError', code: 'ERANGE', message: /capacity 4999 is below the file's size 5000/ },
  { title: 'capacity 0 on an empty file', setup: 'empty', call: (M, f) => M.createFromFile(f), name: 'MemmapError', code: 'EINVAL', message: /cannot map an empty file without a capacity/ },
  { title: 'capacity 0 with mode createNew', setup: 'missing', call: (M, f) => M.createFromFile(f, { mode: 'createNew' }), name: 'MemmapError', code: 'EINVAL', message: /cannot map an empty file without a capacity/ },
  { title: 'capacity 0 with mode create on an existing file', setup: 'small', call: (M, f) => M.createFromFile(f, { mode: 'create' }), name: 'MemmapError', code: 'EINVAL', message: /mode create replaces the file with an empty one/ },
  { title: 'mode createNew on an existing file with capacity 0 (the file decides first, as in .NET)', setup: 'small', call: (M, f) => M.createFromFile(f, { mode: 'createNew' }), name: 'MemmapError', code: 'EEXIST' },
  { title: 'mode createNew on a directory with capacity 0', setup: 'directory', call: (M, f) => M.createFromFile(f, { mode: 'createNew' }), name: 'MemmapError', code: 'EEXIST' },
  { title: 'mode create on a directory with capacity 0', setup: 'directory', call: (M, f) => M.createFromFile(f, { mode: 'create' }), name: 'MemmapError', code: 'EISDIR' },
  { title: 'capacity 0 with openOrCreate on a missing file (no file left)', setup: 'missing', call: (M, f) => M.createFromFile(f, { mode: 'openOrCreate' }), name: 'MemmapError', code: 'EINVAL' },
  { title: 'a capacity beyond the largest file (createNew leaves no file)', setup: 'missing', call: (M, f) => M.createFromFile(f, { mode: 'createNew', capacity: 2 ** 53 - 1 }), name: 'MemmapError', code: { node: 'EFBIG', browser: 'ENOSPC' }, wine: WINE_EFBIG },
  { title: 'a capacity beyond the largest file (create keeps the old file)', setup: 'small', call: (M, f) => M.createFromFile(f, { mode: 'create', capacity: 2 ** 53 - 1 }), name: 'MemmapError', code: { node: 'EFBIG', browser: 'ENOSPC' }, wine: WINE_EFBIG },
  { title: 'a capacity beyond the largest file (open keeps the file)', setup: 'small', call: (M, f) => M.createFromFile(f, { capacity: 2 ** 53 - 1 }), name: 'MemmapError', code: { node: 'EFBIG', browser: 'ENOSPC' }, wine: WINE_EFBIG },
  { title: 'mode open on a missing file', setup: 'missing', call: (M, f) => M.createFromFile(f, { mode: 'open' }), name: 'MemmapError', code: 'ENOENT' },
  { title: 'mode createNew on an existing file', setup: 'small', call: (M, f) => M.createFromFile(f, { mode: 'createNew', capacity: 10 }), name: 'MemmapError', code: 'EEXIST' },
  { title: 'mode truncate (refused as in .NET)', setup: 'small', call: (M, f) => M.createFromFile(f, { mode: 'truncate' as 'open' }), name: 'TypeError', code: 'EINVAL' },
  { title: 'mode append (refused as in .NET)', setup: 'small', call: (M, f) => M.createFromFile(f, { mode: 'append' as 'open' }), name: 'TypeError', code: 'EINVAL' },
  { title: 'an unknown mode', setup: 'small', call: (M, f) => M.createFromFile(f, { mode: 'Open' as 'open' }), name: 'TypeError', code: 'EINVAL' },
  { title: 'mode open in a missing directory', setup: 'missing', call: (M, f) => M.createFromFile(f + '/child.bin'), name: 'MemmapError', code: 'ENOENT' },
  { title: 'a file used as a directory', setup: 'small', call: (M, f) => M.createFromFile(f + '/child.bin', { mode: 'openOrCreate', capacity: 1 }), name: 'MemmapError', code: 'ENOTDIR' },
  ...(['open', 'openOrCreate', 'create', 'createNew'] as const).map((mode): Row => ({
    title: `a directory as the path (mode ${mode})`,
    setup: 'directory',
    call: (M, f) => M.createFromFile(f, { mode, capacity: 10 }),
    name: 'MemmapError',
    code: mode === 'createNew' ? 'EEXIST' : 'EISDIR',
  })),
  { title: "access 'write' for a file map (refused as in .NET)", setup: 'small', call: (M, f) => M.createFromFile(f, { access: 'write' }), name: 'MemmapError', code: 'EINVAL' },
  { title: 'a read-only map that would grow the file', setup: 'small', call: (M, f) => M.createFromFile(f, { access: 'read', capacity: 6000 }), name: 'MemmapError', code: 'EACCES', message: /cannot grow the file from 5000 to 6000 bytes/ },
  { title: 'mode create with read access', setup: 'small', call: (M, f) => M.createFromFile(f, { mode: 'create', access: 'read', capacity: 10 }), name: 'MemmapError', code: 'EACCES' },
  { title: 'an unknown access', setup: 'small', call: (M, f) => M.createFromFile(f, { access: 'rw' as 'read' }), name: 'TypeError', code: 'EINVAL' },
  // Arguments before the environment, as in .NET: each of these is also a named persisted map.
  { title: 'an empty mapName (an argument error)', setup: 'small', call: (M, f) => M.createFromFile(f, { mapName: '' }), name: 'TypeError', code: 'EINVAL' },
  { title: 'a bad pageSize with a mapName', setup: 'small', call: (M, f) => M.createFromFile(f, { mapName: 'x', pageSize: 3 }), name: 'RangeError', code: 'ERANGE' },
  { title: "access 'write' with a mapName", setup: 'small', call: (M, f) => M.createFromFile(f, { mapName: 'x', access: 'write' }), name: 'MemmapError', code: 'EINVAL' },
  { title: 'an unknown backend with a mapName', setup: 'small', call: (M, f) => M.createFromFile(f, { mapName: 'x', backend: 'nope' as 'wasm' }), name: 'TypeError', code: 'EINVAL' },
  { title: 'a misspelt option (capactiy)', setup: 'small', call: (M, f) => M.createFromFile(f, { capactiy: 10 } as object), name: 'TypeError', code: 'EINVAL', message: /no option 'capactiy'/ },
  { title: 'an empty path', setup: 'small', call: (M) => M.createFromFile(''), name: 'TypeError', code: 'EINVAL' },
  { title: 'a file name of 300 characters', setup: 'missing', call: (M, f) => M.createFromFile(`${f}-${'x'.repeat(300)}`, { mode: 'createNew', capacity: 10 }), name: 'MemmapError', code: 'ENAMETOOLONG', wine: { code: 'ENOENT', why: 'wine finds no such file where Windows says the name is too long' } },
  { title: 'a path with a NUL byte', setup: 'small', call: (M, f) => M.createFromFile(f + '\0x'), name: 'TypeError', code: 'EINVAL' },
  { title: 'a number as the path', setup: 'small', call: (M) => M.createFromFile(3 as unknown as string), name: 'TypeError', code: 'EINVAL' },
  { title: 'options that are not an object', setup: 'small', call: (M, f) => M.createFromFile(f, 5 as unknown as object), name: 'TypeError', code: 'EINVAL' },
  { title: 'a non-file URL', setup: 'small', call: (M) => M.createFromFile(new URL('http://localhost/x')), name: 'TypeError', code: 'EINVAL' },
];

interface ViewRow {
  title: string;
  call: (map: MMF) => Promise<unknown>;
  name: ErrorName;
  code: string;
}

async function closedStream(map: MMF): Promise<ViewStream> {
  const stream = await map.createViewStream();
  stream.close();
  return stream;
}

const viewRows: ViewRow[] = [
  ...[-1, 0.5, NaN, 2 ** 53, Infinity].flatMap((bad): ViewRow[] => [
    { title: `view offset ${bad}`, call: (m) => m.createViewAccessor(bad), name: 'RangeError', code: 'ERANGE' },
    { title: `view size ${bad}`, call: (m) => m.createViewAccessor(0, bad), name: 'RangeError', code: 'ERANGE' },
    { title: `stream offset ${bad}`, call: (m) => m.createViewStream(bad), name: 'RangeError', code: 'ERANGE' },
    { title: `stream size ${bad}`, call: (m) => m.createViewStream(0, bad), name: 'RangeError', code: 'ERANGE' },
  ]),
  { title: 'view offset of type string', call: (m) => m.createViewAccessor('0' as unknown as number), name: 'TypeError', code: 'EINVAL' },
  { title: 'view offset equal to the capacity', call: (m) => m.createViewAccessor(5000), name: 'RangeError', code: 'ERANGE' },
  { title: 'view offset + size beyond the capacity', call: (m) => m.createViewAccessor(4000, 1001), name: 'RangeError', code: 'ERANGE' },
  { title: 'stream offset + size beyond the capacity', call: (m) => m.createViewStream(1, 5000), name: 'RangeError', code: 'ERANGE' },
  { title: 'an unknown view access', call: (m) => m.createViewAccessor(0, 0, 'all' as 'read'), name: 'TypeError', code: 'EINVAL' },
  {
    title: 'a write through a read-only view',
    call: async (m) => {
      using v = await m.createViewAccessor(0, 0, 'read');
      v.writeUint8(0, 1);
    },
    name: 'MemmapError',
    code: 'EACCES',
  },
  {
    title: 'a write through a read-only stream',
    call: async (m) => {
      using s = await m.createViewStream(0, 0, 'read');
      s.write(new Uint8Array(1));
    },
    name: 'MemmapError',
    code: 'EACCES',
  },
  { title: 'an executable view of a map without execute access', call: (m) => m.createViewAccessor(0, 0, 'readExecute'), name: 'MemmapError', code: 'EACCES' },
  // Arguments before state and access, as in .NET's streams and accessors.
  {
    title: 'setLength(-1) on a stream (an argument error before EUNSUPPORTED)',
    call: async (m) => {
      using s = await m.createViewStream();
      s.setLength(-1);
    },
    name: 'RangeError',
    code: 'ERANGE',
  },
  {
    title: 'write(buf, 0, 99) of a 4-byte buffer on a read-only stream (before EACCES)',
    call: async (m) => {
      using s = await m.createViewStream(0, 0, 'read');
      s.write(new Uint8Array(4), 0, 99);
    },
    name: 'RangeError',
    code: 'ERANGE',
  },
  {
    title: 'read(buf, 5) of a 4-byte buffer on a closed stream (before ECLOSED)',
    call: async (m) => (await closedStream(m)).read(new Uint8Array(4), 5),
    name: 'RangeError',
    code: 'ERANGE',
  },
  {
    title: 'position = -1 on a closed stream (before ECLOSED)',
    call: async (m) => ((await closedStream(m)).position = -1),
    name: 'RangeError',
    code: 'ERANGE',
  },
  { title: 'the length of a closed stream', call: async (m) => (await closedStream(m)).length, name: 'MemmapError', code: 'ECLOSED' },
  {
    title: 'a misspelt option of toReadableStream (chunksize)',
    call: async (m) => {
      using s = await m.createViewStream();
      s.toReadableStream({ chunksize: 10 } as object);
    },
    name: 'TypeError',
    code: 'EINVAL',
  },
  {
    title: 'readArray into an array too short for offset + count on a closed view (before ECLOSED)',
    call: async (m) => {
      const v = await m.createViewAccessor();
      v.close();
      v.readArray(0, new Uint8Array(4), 0, 5);
    },
    name: 'RangeError',
    code: 'ERANGE',
  },
  ...([
    ['writeBigInt64(0, 5)', (v: ViewAccessor) => v.writeBigInt64(0, 5 as unknown as bigint)],
    ['writeBigUint64(8, 1.5)', (v: ViewAccessor) => v.writeBigUint64(8, 1.5 as unknown as bigint)],
    ['writeInt32(0, 5n)', (v: ViewAccessor) => v.writeInt32(0, 5n as unknown as number)],
    ['writeFloat64(0, 5n)', (v: ViewAccessor) => v.writeFloat64(0, 5n as unknown as number)],
    ['writeInt16(2, "7")', (v: ViewAccessor) => v.writeInt16(2, '7' as unknown as number)],
    ['writeUint8(0, 1n)', (v: ViewAccessor) => v.writeUint8(0, 1n as unknown as number)],
    ['writeInt8(0, undefined)', (v: ViewAccessor) => v.writeInt8(0, undefined as unknown as number)],
  ] as const).map(([what, write]): ViewRow => ({
    title: `a value of the wrong type: ${what}`,
    call: async (m) => {
      using v = await m.createViewAccessor();
      write(v);
    },
    name: 'TypeError',
    code: 'EINVAL',
  })),
  {
    title: 'a value with a valueOf that closes the view: refused, valueOf never called',
    call: async (m) => {
      using v = await m.createViewAccessor();
      let called = false;
      const hostile = { valueOf: () => ((called = true), v.close(), 7) };
      try {
        v.writeFloat64(0, hostile as unknown as number);
      } finally {
        equal(called, false, 'valueOf was called');
      }
    },
    name: 'TypeError',
    code: 'EINVAL',
  },
  ...waitRows(),
  ...liveRows(),
];

/** grow, growSync, flush and flushAsync (test/contract/live-maps.ts has the rest of their rules). */
function liveRows(): ViewRow[] {
  const rows: ViewRow[] = [];
  for (const [bad, name, code] of [
    [-1, 'RangeError', 'ERANGE'],
    [1.5, 'RangeError', 'ERANGE'],
    [2 ** 53, 'RangeError', 'ERANGE'],
    ['6000', 'TypeError', 'EINVAL'],
  ] as [unknown, ErrorName, string][]) {
    rows.push({ title: `grow(${String(bad)})`, call: (m) => m.grow(bad as number), name, code });
    rows.push({ title: `growSync(${String(bad)})`, call: async (m) => m.growSync(bad as number), name, code });
  }
  rows.push({ title: 'grow below the capacity', call: (m) => m.grow(4999), name: 'MemmapError', code: 'ERANGE' });
  rows.push({ title: 'growSync below the capacity', call: async (m) => m.growSync(0), name: 'MemmapError', code: 'ERANGE' });
  const flushCall = (op: 'flush' | 'flushAsync', stream: boolean, args: unknown[]) => async (m: MMF) => {
    using v = stream ? await m.createViewStream() : await m.createViewAccessor();
    return (v[op] as (...a: unknown[]) => unknown).apply(v, args);
  };
  for (const op of ['flush', 'flushAsync'] as const) {
    for (const stream of [false, true]) {
      const what = `${stream ? 'stream' : 'accessor'} ${op}`;
      rows.push({ title: `${what}(5001): beyond the view`, call: flushCall(op, stream, [5001]), name: 'RangeError', code: 'ERANGE' });
      rows.push({ title: `${what}(4000, 1001): beyond the view`, call: flushCall(op, stream, [4000, 1001]), name: 'RangeError', code: 'ERANGE' });
      rows.push({ title: `${what}(-1)`, call: flushCall(op, stream, [-1]), name: 'RangeError', code: 'ERANGE' });
      rows.push({ title: `${what}('0')`, call: flushCall(op, stream, ['0']), name: 'TypeError', code: 'EINVAL' });
    }
  }
  return rows;
}

interface SharedRow {
  title: string;
  /** `name` is a fresh map name, free before the call. */
  call: (M: typeof MMF, name: string) => Promise<unknown>;
  name: ErrorName;
  code: string;
  message?: RegExp;
}

/** Non-persisted maps: each failed call leaves no map of the name behind. */
const sharedRows: SharedRow[] = [
  { title: "createNew with access 'write' (a map that could never be read)", call: (M, n) => M.createNew(n, 4096, { access: 'write' }), name: 'MemmapError', code: 'EINVAL' },
  { title: "an anonymous createNew with access 'write'", call: (M) => M.createNew(null, 4096, { access: 'write' }), name: 'MemmapError', code: 'EINVAL' },
  { title: "createOrOpen with access 'write' and no live map (it would create one)", call: (M, n) => M.createOrOpen(n, 4096, { access: 'write' }), name: 'MemmapError', code: 'EINVAL' },
  { title: 'a lone high surrogate in a name (it would alias after UTF-8 encoding)', call: (M, n) => M.createNew(`${n}\ud800`, 4096), name: 'TypeError', code: 'EINVAL', message: /lone surrogate U\+D800/ },
  { title: 'a lone low surrogate in a name', call: (M, n) => M.createOrOpen(`\udc00${n}`, 4096), name: 'TypeError', code: 'EINVAL', message: /lone surrogate U\+DC00 at index 0/ },
  { title: 'a misspelt option (acess)', call: (M, n) => M.createNew(n, 4096, { acess: 'read' } as object), name: 'TypeError', code: 'EINVAL', message: /no option 'acess'/ },
  { title: 'a misspelt option of openExisting (bakend)', call: (M, n) => M.openExisting(n, { bakend: 'wasm' } as object), name: 'TypeError', code: 'EINVAL', message: /no option 'bakend'/ },
  {
    title: "a bigint written with writeInt32 to a named map's view",
    call: async (M, n) => {
      using map = await M.createNew(n, 4096);
      using view = await map.createViewAccessor();
      view.writeInt32(0, 5n as unknown as number);
    },
    name: 'TypeError',
    code: 'EINVAL',
  },
];

/**
 * wait, waitAsync and notify (every backend: arguments are checked before the
 * view's state, so a paged view of the wasm backend, which cannot wait at
 * all, still answers bad arguments the same way, and then EUNSUPPORTED).
 */
function waitRows(): ViewRow[] {
  type Op = 'wait' | 'waitAsync' | 'notify';
  const call = (op: Op, args: unknown[], access?: 'read' | 'write' | 'copyOnWrite', offset = 0) => async (m: MMF) => {
    using v = await m.createViewAccessor(offset, 0, access);
    const f = v[op] as (...a: unknown[]) => unknown;
    return f.apply(v, args);
  };
  const rows: ViewRow[] = [];
  for (const op of ['wait', 'waitAsync', 'notify'] as Op[]) {
    const rest = op === 'notify' ? [1] : [0, 0];
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      rows.push({ title: `${op} at position ${bad}`, call: call(op, [bad, ...rest]), name: 'RangeError', code: 'ERANGE' });
    }
    rows.push({ title: `${op} at a position of type string`, call: call(op, ['0', ...rest]), name: 'TypeError', code: 'EINVAL' });
    rows.push({ title: `${op} at a position that is not 4-aligned`, call: call(op, [2, ...rest]), name: 'RangeError', code: 'ERANGE' });
    rows.push({ title: `${op} at a word that ends past the view`, call: call(op, [4997, ...rest]), name: 'RangeError', code: 'ERANGE' });
    rows.push({ title: `${op} at the view's capacity`, call: call(op, [5000, ...rest]), name: 'RangeError', code: 'ERANGE' });
    rows.push({ title: `${op} at position 0 of a view at offset 2 (not 4-aligned in the map)`, call: call(op, [0, ...rest], undefined, 2), name: 'RangeError', code: 'ERANGE' });
    rows.push({
      title: `${op} on a closed view`,
      call: async (m) => {
        const v = await m.createViewAccessor();
        v.close();
        return (v[op] as (...a: unknown[]) => unknown).apply(v, [0, ...rest]);
      },
      name: 'MemmapError',
      code: 'ECLOSED',
    });
    rows.push({ title: `${op} on a copyOnWrite view`, call: call(op, [0, ...rest], 'copyOnWrite'), name: 'MemmapError', code: 'EACCES' });
  }
  for (const op of ['wait', 'waitAsync'] as Op[]) {
    for (const bad of [1.5, NaN, 2 ** 32, -(2 ** 31) - 1]) {
      rows.push({ title: `${op} expecting ${bad}`, call: call(op, [0, bad]), name: 'RangeError', code: 'ERANGE' });
    }
    rows.push({ title: `${op} expecting a string`, call: call(op, [0, '0']), name: 'TypeError', code: 'EINVAL' });
    rows.push({ title: `${op} expecting a bigint`, call: call(op, [0, 0n]), name: 'TypeError', code: 'EINVAL' });
    for (const bad of [-1, NaN, -Infinity]) {
      rows.push({ title: `${op} with a timeout of ${bad}`, call: call(op, [0, 0, bad]), name: 'RangeError', code: 'ERANGE' });
    }
    rows.push({ title: `${op} with a timeout of type string`, call: call(op, [0, 0, '5']), name: 'TypeError', code: 'EINVAL' });
    rows.push({ title: `${op} on a write-only view (it cannot read the word)`, call: call(op, [0, 0], 'write'), name: 'MemmapError', code: 'EACCES' });
  }
  for (const bad of [-1, 1.5, NaN]) {
    rows.push({ title: `notify with a count of ${bad}`, call: call('notify', [0, bad]), name: 'RangeError', code: 'ERANGE' });
  }
  rows.push({ title: 'notify with a count of type string', call: call('notify', [0, '1']), name: 'TypeError', code: 'EINVAL' });
  rows.push({ title: 'notify through a read view (it may wait, not notify)', call: call('notify', [0, 1], 'read'), name: 'MemmapError', code: 'EACCES' });
  return rows;
}

export function badInputSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('bad input', () => {
    let counter = 0;
    const prepare = async (setup: Setup): Promise<string> => {
      const { files } = env();
      const file = files.path(`bad-${counter++}`);
      if (setup === 'empty') await files.write(file, new Uint8Array(0));
      if (setup === 'small') await files.write(file, small);
      if (setup === 'directory') await files.mkdir(file);
      return file;
    };

    for (const row of rows) {
      const expected = (platform: 'node' | 'browser', wine: boolean) =>
        wine && row.wine ? row.wine.code : typeof row.code === 'string' ? row.code : row.code[platform];
      const codes = typeof row.code === 'string' ? row.code : `${row.code.node}/${row.code.browser}`;
      const wineNote = row.wine ? ` (wine: ${row.wine.code}, ${row.wine.why})` : '';
      t.it(`${row.title} → ${row.name} ${codes}${wineNote}, the disk unchanged`, async () => {
        const { MemoryMappedFile, files, platform, wine } = env();
        const file = await prepare(row.setup);
        const before = row.setup === 'directory' ? null : await files.read(file);
        const listing = await files.list();
        await rejects(() => row.call(MemoryMappedFile, file), { name: row.name, code: expected(platform, wine), message: row.message });
        if (row.setup !== 'directory') deepEqual(await files.read(file), before, 'the file is unchanged');
        deepEqual(await files.list(), listing, 'no file left behind');
      });
    }

    for (const row of viewRows) {
      t.it(`${row.title} → ${row.name} ${row.code}, the file unchanged`, async () => {
        const { MemoryMappedFile, files } = env();
        const file = await prepare('small');
        {
          using map = await MemoryMappedFile.createFromFile(file);
          await rejects(() => row.call(map), { name: row.name, code: row.code });
        }
        deepEqual(await files.read(file), small);
      });
    }

    const mapNames = `memmap-bad-${Math.floor(Math.random() * 1e9)}-`;
    for (const row of sharedRows) {
      t.it(`${row.title} → ${row.name} ${row.code}, no map left`, async () => {
        const { MemoryMappedFile } = env();
        const name = `${mapNames}${counter++}`;
        await rejects(() => row.call(MemoryMappedFile, name), { name: row.name, code: row.code, message: row.message });
        await rejects(() => MemoryMappedFile.openExisting(name), { name: 'MemmapError', code: 'ENOENT' });
      });
    }

    t.it('any call on a closed map is ECLOSED, after its arguments are checked (as in .NET)', async () => {
      const { MemoryMappedFile } = env();
      const map = await MemoryMappedFile.createFromFile(await prepare('small'));
      map.close();
      await rejects(() => map.createViewAccessor(), { name: 'MemmapError', code: 'ECLOSED' });
      await rejects(() => map.createViewStream(), { name: 'MemmapError', code: 'ECLOSED' });
      await rejects(() => map.createViewAccessor(0, 10), { name: 'MemmapError', code: 'ECLOSED' });
      await rejects(() => map.createViewAccessor(-1), { name: 'RangeError', code: 'ERANGE' });
      await rejects(() => map.createViewStream(0, 0, 'all' as 'read'), { name: 'TypeError', code: 'EINVAL' });
      equal(map.closed, true);
    });
  });
}
