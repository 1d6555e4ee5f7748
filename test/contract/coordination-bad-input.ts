/**
 * The bad-input table of MapMutex and Channel: every row is a call, the
 * error it must give (class and stable code), on every backend and
 * platform. Arguments are checked before state, as everywhere.
 */
import type { Channel as ChannelClass, MapMutex as MapMutexClass, MemoryMappedFile as MMF, ViewAccessor } from '../../src/api.js';
import type { ContractEnv, TestApi } from './env.js';
import { rejects } from './expect.js';

type ErrorName = 'MemmapError' | 'TypeError' | 'RangeError';

interface Row {
  title: string;
  call: (c: Context) => unknown;
  name: ErrorName;
  code: string;
}

interface Context {
  M: typeof MMF;
  Mutex: typeof MapMutexClass;
  Channel: typeof ChannelClass;
  /** A fresh name, not in use. */
  name: string;
  /** A readWrite accessor over a fresh 4096-byte named map. */
  view: ViewAccessor;
}

const BAD_NUMBERS = [-1, 1.5, NaN];

function mutexRows(): Row[] {
  const rows: Row[] = [
    { title: 'new MapMutex(not an accessor)', call: (c) => new c.Mutex({} as ViewAccessor, 0), name: 'TypeError', code: 'EINVAL' },
    { title: 'new MapMutex at a position of type string', call: (c) => new c.Mutex(c.view, '0' as unknown as number), name: 'TypeError', code: 'EINVAL' },
    ...[...BAD_NUMBERS, Infinity].map((bad): Row => ({
      title: `new MapMutex at position ${bad}`,
      call: (c) => new c.Mutex(c.view, bad),
      name: 'RangeError',
      code: 'ERANGE',
    })),
    { title: 'new MapMutex at a position that is not 4-aligned', call: (c) => new c.Mutex(c.view, 2), name: 'RangeError', code: 'ERANGE' },
    { title: 'new MapMutex whose 12 bytes end past the view', call: (c) => new c.Mutex(c.view, 4088), name: 'RangeError', code: 'ERANGE' },
    {
      title: 'new MapMutex on a closed view',
      call: (c) => {
        c.view.close();
        return new c.Mutex(c.view, 0);
      },
      name: 'MemmapError',
      code: 'ECLOSED',
    },
    ...(['read', 'write', 'copyOnWrite'] as const).map((access): Row => ({
      title: `new MapMutex on a ${access} view`,
      call: async (c) => {
        using map = await c.M.openExisting(mapNameOf(c));
        using v = await map.createViewAccessor(0, 0, access);
        return new c.Mutex(v, 0);
      },
      name: 'MemmapError',
      code: 'EACCES',
    })),
  ];
  for (const op of ['lock', 'lockAsync'] as const) {
    for (const bad of [-1, NaN, -Infinity]) {
      rows.push({ title: `${op} with a timeout of ${bad}`, call: (c) => new c.Mutex(c.view, 0)[op](bad), name: 'RangeError', code: 'ERANGE' });
    }
    rows.push({ title: `${op} with a timeout of type string`, call: (c) => new c.Mutex(c.view, 0)[op]('1' as unknown as number), name: 'TypeError', code: 'EINVAL' });
    rows.push({
      title: `${op} by the thread that holds it`,
      call: (c) => {
        const m = new c.Mutex(c.view, 0);
        m.tryLock();
        return m[op](0);
      },
      name: 'MemmapError',
      code: 'EDEADLK',
    });
  }
  for (const op of ['lock', 'lockAsync', 'tryLock', 'unlock'] as const) {
    rows.push({
      title: `${op} after the view closed`,
      call: (c) => {
        const m = new c.Mutex(c.view, 0);
        c.view.close();
        return m[op]();
      },
      name: 'MemmapError',
      code: 'ECLOSED',
    });
  }
  rows.push({ title: 'unlock by a thread that does not hold it', call: (c) => new c.Mutex(c.view, 0).unlock(), name: 'MemmapError', code: 'EPERM' });
  return rows;
}

/** The accessor's map name: the contexts below open views of named maps made for the row. */
const names = new WeakMap<ViewAccessor, string>();
function mapNameOf(c: Context): string {
  return names.get(c.view) as string;
}

function channelRows(): Row[] {
  const rows: Row[] = [
    { title: 'Channel.create with a name of type number', call: (c) => c.Channel.create(5 as unknown as string, 1024), name: 'TypeError', code: 'EINVAL' },
    { title: "Channel.create with a name containing '/'", call: (c) => c.Channel.create('a/b', 1024), name: 'TypeError', code: 'EINVAL' },
    { title: 'Channel.create with an empty name', call: (c) => c.Channel.create('', 1024), name: 'TypeError', code: 'EINVAL' },
    { title: 'Channel.create with a capacity of type string', call: (c) => c.Channel.create(c.name, '1024' as unknown as number), name: 'TypeError', code: 'EINVAL' },
    ...[...BAD_NUMBERS, 15, 2 ** 30 + 1, 2 ** 53].map((bad): Row => ({
      title: `Channel.create with a capacity of ${bad}`,
      call: (c) => c.Channel.create(c.name, bad),
      name: 'RangeError',
      code: 'ERANGE',
    })),
    { title: 'Channel.create with options that are not an object', call: (c) => c.Channel.create(c.name, 1024, 5 as unknown as object), name: 'TypeError', code: 'EINVAL' },
    { title: "Channel.create with senders 'few'", call: (c) => c.Channel.create(c.name, 1024, { senders: 'few' as 'one' }), name: 'TypeError', code: 'EINVAL' },
    { title: 'Channel.create with spin -1', call: (c) => c.Channel.create(c.name, 1024, { spin: -1 }), name: 'RangeError', code: 'ERANGE' },
    { title: 'Channel.create on the name of a live map', call: (c) => c.Channel.create(mapNameOf(c), 1024), name: 'MemmapError', code: 'EEXIST' },
    { title: 'Channel.open of a name nobody holds', call: (c) => c.Channel.open(c.name), name: 'MemmapError', code: 'ENOENT' },
    { title: 'Channel.open of a map that is not a channel', call: (c) => c.Channel.open(mapNameOf(c)), name: 'MemmapError', code: 'EINVAL' },
    { title: 'Channel.open with spin 1.5', call: (c) => c.Channel.open(c.name, { spin: 1.5 }), name: 'RangeError', code: 'ERANGE' },
    { title: 'Channel.create with a misspelt option (sender)', call: (c) => c.Channel.create(c.name, 1024, { sender: 'many' } as object), name: 'TypeError', code: 'EINVAL' },
    { title: 'Channel.open with an option only create takes (senders)', call: (c) => c.Channel.open(c.name, { senders: 'many' } as object), name: 'TypeError', code: 'EINVAL' },
  ];
  const send = (op: 'send' | 'sendAsync' | 'trySend', args: unknown[]) => (c: Context) => {
    const ch = c.Channel.create(c.name, 64);
    try {
      return (ch[op] as (...a: unknown[]) => unknown).apply(ch, args);
    } finally {
      ch.close();
    }
  };
  for (const op of ['send', 'sendAsync', 'trySend'] as const) {
    for (const bad of [5, 'text', null, undefined, [1, 2]]) {
      rows.push({ title: `${op} of ${Array.isArray(bad) ? 'an array' : String(bad)}`, call: send(op, [bad]), name: 'TypeError', code: 'EINVAL' });
    }
    rows.push({ title: `${op} of a message larger than the ring allows (61 bytes in 64)`, call: send(op, [new Uint8Array(61)]), name: 'RangeError', code: 'ERANGE' });
    rows.push({
      title: `${op} on a closed channel`,
      call: (c) => {
        const ch = c.Channel.create(c.name, 64);
        ch.close();
        return (ch[op] as (b: Uint8Array) => unknown)(new Uint8Array(1));
      },
      name: 'MemmapError',
      code: 'ECLOSED',
    });
  }
  for (const op of ['send', 'sendAsync'] as const) {
    for (const bad of [-1, NaN]) {
      rows.push({ title: `${op} with a timeout of ${bad}`, call: send(op, [new Uint8Array(1), bad]), name: 'RangeError', code: 'ERANGE' });
    }
  }
  const receive = (op: 'receive' | 'receiveAsync' | 'receiveInPlace' | 'receiveInPlaceAsync', args: unknown[], close = false) => (c: Context) => {
    const ch = c.Channel.create(c.name, 64);
    try {
      if (close) ch.close();
      return (ch[op] as (...a: unknown[]) => unknown).apply(ch, args);
    } finally {
      ch.close();
    }
  };
  for (const op of ['receive', 'receiveAsync', 'receiveInPlace', 'receiveInPlaceAsync'] as const) {
    for (const bad of [-1, NaN]) rows.push({ title: `${op} with a timeout of ${bad}`, call: receive(op, [bad]), name: 'RangeError', code: 'ERANGE' });
    rows.push({ title: `${op} with a timeout of type string`, call: receive(op, ['5']), name: 'TypeError', code: 'EINVAL' });
    rows.push({ title: `${op} on a closed channel`, call: receive(op, [0], true), name: 'MemmapError', code: 'ECLOSED' });
    rows.push({
      title: `${op} while a message is lent`,
      call: (c) => {
        const ch = c.Channel.create(c.name, 64);
        try {
          ch.send(new Uint8Array(1));
          ch.send(new Uint8Array(2));
          ch.receiveInPlace(0);
          return (ch[op] as (t: number) => unknown)(0);
        } finally {
          ch.close();
        }
      },
      name: 'MemmapError',
      code: 'EBUSY',
    });
  }
  rows.push({
    title: 'tryReceive on a closed channel',
    call: (c) => {
      const ch = c.Channel.create(c.name, 64);
      ch.close();
      return ch.tryReceive();
    },
    name: 'MemmapError',
    code: 'ECLOSED',
  });
  return rows;
}

export function coordinationBadInputSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('bad input: MapMutex and Channel', () => {
    const prefix = `memmap-bad-coord-${Math.floor(Math.random() * 1e9)}-`;
    let counter = 0;
    for (const row of [...mutexRows(), ...channelRows()]) {
      t.it(`${row.title} → ${row.name} ${row.code}`, async () => {
        const { MemoryMappedFile, MapMutex, Channel } = env();
        const mapName = `${prefix}${counter++}`;
        using map = await MemoryMappedFile.createNew(mapName, 4096);
        using view = await map.createViewAccessor();
        names.set(view, mapName);
        await rejects(async () => row.call({ M: MemoryMappedFile, Mutex: MapMutex, Channel, name: `${prefix}${counter++}`, view }), {
          name: row.name,
          code: row.code,
        });
      });
    }
  });
}
