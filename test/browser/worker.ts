/**
 * The dedicated worker of the browser tests: runs one scenario per message
 * on the real browser bundle (dist/browser/memmap.mjs, loaded as it is) and
 * posts back its results. Every message carries `noOpfs`: null where the
 * engine's OPFS backs persisted maps, else the reason it cannot, and then
 * the tests that need files are reported as skipped with that reason.
 *
 *   { scenario: 'contract' }                   the contract suites over OPFS
 *   { scenario: 'big' }                        1 GiB OPFS file, 32 MiB cache, random writes vs a model
 *   { scenario: 'handle' }                     a FileSystemFileHandle as the file; nested directories
 *   { scenario: 'persist-write' | 'persist-check' }   data that must survive close and a page reload
 *   { scenario: 'same-file' }                  one OPFS file opened at once, and by different spellings
 *   { scenario: 'entry' }                      the browser entry's configure/ready/useSharedArena errors
 *   { scenario: 'count', arena, name, times, parties } Atomics.add on a named map shared with the page
 *   { scenario: 'no-opfs' }                    where OPFS cannot back persisted maps: the clear error
 *   { scenario: 'no-sync-handles' }            OPFS without access handles (WebKitGTK outside WebDriver)
 *   { scenario: 'wasm-html' }                  a module URL answered with an HTML page: the clear error
 *   { scenario: 'named-without-arena' }        a named map before adopting the page's arena: EUNSUPPORTED
 *   { scenario: 'hold-lock', arena }           takes the arena's lock, answers, and never lets go
 *   { scenario: 'channel-send', arena, name, count }   sends message(i, 2000) on a channel (-1: until terminated)
 *   { scenario: 'notify', arena, name }        wakes the page's waitAsync on word 0 of a map
 *   { scenario: 'mutex-hold', arena, name }    locks the MapMutex at byte 0 and keeps it
 *
 * A message with an `arena` adopts it first (useSharedArena), as a real worker does.
 */
// The real bundle, as a browser loads it (tsconfig maps this path to browser/index.ts for types).
import * as mm from '/dist/browser/memmap.mjs';
import { contractSuites } from '../contract/index.js';
import { check, createHarness, Skip, type TestResult } from './harness.js';
import { opfsFiles, unavailableFiles } from './opfs-env.js';
import { xorshift32 } from '../contract/env.js';
import { message } from '../support/messages.js';


/** Set from each message: why this engine's OPFS cannot back persisted maps, or null. */
let noOpfs: string | null = null;

/** Skips the calling test where persisted maps cannot work. */
function needsOpfs(): void {
  if (noOpfs !== null) throw new Skip(noOpfs);
}

/** The error of creating a small persisted map at `path`, or undefined when it opens (it is closed again). */
async function createFileError(path: string): Promise<{ code?: string; message?: string } | undefined> {
  try {
    using map = await mm.MemoryMappedFile.createFromFile(path, { mode: 'createNew', capacity: 4096 });
    void map;
    return undefined;
  } catch (err) {
    return err as { code?: string; message?: string };
  }
}

async function fresh(folder: string): Promise<void> {
  needsOpfs();
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(folder, { recursive: true }).catch(() => {});
}


function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

const scenarios: Record<string, (msg: Record<string, unknown>) => Promise<TestResult[]>> = {
  async contract() {
    if (noOpfs === null) await fresh('contract');
    const harness = createHarness();
    const files = noOpfs === null ? opfsFiles('contract') : unavailableFiles(noOpfs);
    contractSuites(harness.api, () => ({
      backend: 'wasm',
      platform: 'browser',
      MemoryMappedFile: mm.MemoryMappedFile,
      MapMutex: mm.MapMutex,
      ViewAccessor: mm.ViewAccessor,
      Channel: mm.Channel,
      files,
      paged: true,
      sharedSizeUnit: 1,
      wine: false,
    }));
    return harness.run();
  },

  async big() {
    return [
      await check('a 1 GiB OPFS file through a 32 MiB cache: random writes match a model, also after reopening', async () => {
        await fresh('big');
        const size = 1 << 30;
        const options = { cacheSize: 32 << 20, pageSize: 16384 };
        const model = new Map<number, number>();
        const rand = xorshift32(99);
        {
          using map = await mm.MemoryMappedFile.createFromFile('big/nested/one-gib.bin', { mode: 'createNew', capacity: size, ...options });
          assert(map.capacity === size && map.backend === 'wasm', 'a 1 GiB wasm map');
          using view = await map.createViewAccessor();
          for (let i = 0; i < 20000; i++) {
            const pos = (rand() % (size / 8)) * 8;
            const value = rand() / 3;
            view.writeFloat64(pos, value);
            model.set(pos, value);
            if (i % 4 === 0) {
              const probe = [...model.keys()][rand() % model.size] as number;
              assert(view.readFloat64(probe) === model.get(probe), `read back at ${probe}`);
            }
          }
          view.flush();
        }
        using again = await mm.MemoryMappedFile.createFromFile('big/nested/one-gib.bin', options);
        assert(again.capacity === size, 'the file kept its size');
        using view = await again.createViewAccessor();
        for (const [pos, value] of model) assert(view.readFloat64(pos) === value, `value at ${pos} after reopening`);
        let zeros = 0;
        for (let i = 0; i < 1000; i++) {
          const pos = (rand() % (size / 8)) * 8;
          if (!model.has(pos)) {
            assert(view.readFloat64(pos) === 0, `an unwritten word at ${pos} is zero`);
            zeros++;
          }
        }
        assert(zeros > 900, 'probed unwritten words');
      }, 300000),
    ];
  },

  async handle() {
    return [
      await check('a FileSystemFileHandle is accepted as the file, and nested directories are made by the creating modes', async () => {
        await fresh('handles');
        const root = await navigator.storage.getDirectory();
        const dir = await root.getDirectoryHandle('handles', { create: true });
        const file = await dir.getFileHandle('by-handle.bin', { create: true });
        {
          using map = await mm.MemoryMappedFile.createFromFile(file, { capacity: 8192 });
          assert(map.path === 'by-handle.bin', `path ${map.path}`);
          using view = await map.createViewAccessor();
          view.writeUint32(4096, 0xfeedface);
        }
        const bytes = new Uint8Array(await (await file.getFile()).arrayBuffer());
        assert(bytes.length === 8192, `size ${bytes.length}`);
        assert(new DataView(bytes.buffer).getUint32(4096, true) === 0xfeedface, 'the write reached the file');
        {
          using nested = await mm.MemoryMappedFile.createFromFile('handles/a/b/c.bin', { mode: 'createNew', capacity: 100 });
          assert(nested.capacity === 100, 'nested');
        }
        const c = await (await (await dir.getDirectoryHandle('a')).getDirectoryHandle('b')).getFileHandle('c.bin');
        assert((await c.getFile()).size === 100, 'made in nested directories');
        let code = '';
        try {
          await mm.MemoryMappedFile.createFromFile('handles/missing/x.bin');
        } catch (err) {
          code = (err as { code?: string }).code ?? '';
        }
        assert(code === 'ENOENT', `mode open in a missing directory: ${code}`);
      }),
    ];
  },

  async 'wasm-html'() {
    return [
      await check('a module URL answered with an HTML page is EIO naming the URL and what came back', async () => {
        const url = new URL('/test/browser/index.html', location.href).href;
        mm.configure({ wasm: url });
        let error: { code?: string; message?: string } | undefined;
        try {
          await mm.ready();
        } catch (err) {
          error = err as { code?: string; message?: string };
        }
        assert(error?.code === 'EIO', `expected EIO, got ${error?.code}: ${error?.message}`);
        assert(String(error.message).includes(url), `the message names ${url}: ${error.message}`);
        assert(/text\/html.*"<!doctype html>/.test(String(error.message)), `the message shows the page: ${error.message}`);
      }),
    ];
  },

  async 'no-opfs'() {
    return [
      await check('where OPFS cannot back persisted maps, createFromFile is EUNSUPPORTED naming the missing API', async () => {
        if (noOpfs === null) throw new Skip("this engine's OPFS has sync access handles");
        const error = await createFileError('no-opfs/file.bin');
        assert(error !== undefined, 'expected EUNSUPPORTED, got a map');
        assert(error.code === 'EUNSUPPORTED', `expected EUNSUPPORTED, got ${error.code}: ${error.message}`);
        assert(/navigator\.storage\.getDirectory\(\)|createSyncAccessHandle\(\)/.test(String(error.message)), `the message names the API: ${error.message}`);
      }),
    ];
  },

  async 'no-sync-handles'() {
    return [
      await check('with OPFS but no access handles, createFromFile is EUNSUPPORTED naming createSyncAccessHandle(), and leaves no file', async () => {
        const root = await navigator.storage.getDirectory();
        await root.removeEntry('no-sync', { recursive: true }).catch(() => {});
        const error = await createFileError('no-sync/file.bin');
        assert(error?.code === 'EUNSUPPORTED', `expected EUNSUPPORTED, got ${error?.code}: ${error?.message}`);
        assert(/createSyncAccessHandle\(\)/.test(String(error.message)), `the message names the call: ${error.message}`);
        const dir = await root.getDirectoryHandle('no-sync');
        const left: string[] = [];
        for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) left.push(name);
        assert(left.length === 0, `files left behind: ${left.join(', ')}`);
      }),
    ];
  },

  async 'persist-write'() {
    return [
      await check('writes a file and closes it', async () => {
        await fresh('persist');
        using map = await mm.MemoryMappedFile.createFromFile('persist/data.bin', { mode: 'createNew', capacity: 300000 });
        using view = await map.createViewAccessor();
        for (let i = 0; i < 300000; i += 4) view.writeUint32(i, i * 2654435761);
      }),
    ];
  },

  async 'persist-check'(msg) {
    return [
      await check(msg.title as string, async () => {
        needsOpfs();
        using map = await mm.MemoryMappedFile.createFromFile('persist/data.bin');
        assert(map.capacity === 300000, `capacity ${map.capacity}`);
        using view = await map.createViewAccessor();
        for (let i = 0; i < 300000; i += 4) {
          assert(view.readUint32(i) === (i * 2654435761) >>> 0, `word at ${i}`);
        }
      }),
    ];
  },

  async 'same-file'() {
    return [
      await check('two opens of one OPFS file started at once share its access handle and its page cache', async () => {
        await fresh('same');
        const open = () => mm.MemoryMappedFile.createFromFile('same/a.bin', { mode: 'openOrCreate', capacity: 8192 });
        const [a, b] = await Promise.all([open(), open()]);
        using _a = a;
        using _b = b;
        using va = await a.createViewAccessor();
        using vb = await b.createViewAccessor();
        va.writeUint32(4096, 0x5eed);
        assert(vb.readUint32(4096) === 0x5eed, 'the second map sees the first one\'s write at once');
      }),
      await check("'x.bin', '/x.bin' and a FileSystemFileHandle of it are one file", async () => {
        await fresh('spell');
        using a = await mm.MemoryMappedFile.createFromFile('spell/x.bin', { mode: 'createNew', capacity: 4096 });
        using b = await mm.MemoryMappedFile.createFromFile('/spell/x.bin');
        const root = await navigator.storage.getDirectory();
        const handle = await (await root.getDirectoryHandle('spell')).getFileHandle('x.bin');
        using c = await mm.MemoryMappedFile.createFromFile(handle);
        using va = await a.createViewAccessor();
        using vb = await b.createViewAccessor();
        using vc = await c.createViewAccessor();
        va.writeUint8(1, 1);
        vb.writeUint8(2, 2);
        vc.writeUint8(3, 3);
        for (const v of [va, vb, vc]) assert([1, 2, 3].every((n) => v.readUint8(n) === n), 'every map sees every write');
      }),
    ];
  },

  async 'named-without-arena'() {
    return [
      await check('EUNSUPPORTED, saying to post sharedArena() and call useSharedArena()', async () => {
        try {
          await mm.MemoryMappedFile.createNew('no-arena', 4096);
        } catch (err) {
          const e = err as { code?: string; message?: string };
          assert(e.code === 'EUNSUPPORTED', `code ${e.code}: ${e.message}`);
          assert(/sharedArena\(\).*useSharedArena/.test(String(e.message)), `message: ${e.message}`);
          return;
        }
        throw new Error('a named map was made in a private arena');
      }),
    ];
  },

  async entry(msg) {
    const code = async (fn: () => unknown): Promise<string> => {
      try {
        await fn();
        return 'ok';
      } catch (err) {
        return `${(err as { code?: string }).code}: ${(err as Error).message}`;
      }
    };
    return [
      await check('ready() reports a module that cannot be fetched, and configure() after it is EBUSY', async () => {
        mm.configure({ wasm: new URL('/no/such/memmap.wasm', location.href) });
        const failed = await code(() => mm.ready());
        assert(/^EIO: .*404/.test(failed), `ready(): ${failed}`);
        const late = await code(() => mm.configure({}));
        assert(late.startsWith('EBUSY'), `configure() after ready(): ${late}`);
      }),
      await check('useSharedArena() takes only a memmap arena, and only before named maps used another', async () => {
        const notArena = await code(() => mm.useSharedArena(new SharedArrayBuffer(1 << 20)));
        assert(notArena.startsWith('EINVAL'), `a SharedArrayBuffer that is not an arena: ${notArena}`);
        const small = await code(() => mm.useSharedArena(new SharedArrayBuffer(16)));
        assert(small.startsWith('EINVAL'), `a SharedArrayBuffer too small for an arena: ${small}`);
        const plain = await code(() => mm.useSharedArena(new ArrayBuffer(1 << 20) as unknown as SharedArrayBuffer));
        assert(plain.startsWith('EINVAL'), `an ArrayBuffer: ${plain}`);
        const page = msg.pageArena as SharedArrayBuffer;
        assert((await code(() => mm.useSharedArena(page))) === 'ok', "the page's arena");
        using named = await mm.MemoryMappedFile.createNew(`entry-${Date.now()}`, 64);
        assert(named.capacity === 64, 'a named map in it');
        assert((await code(() => mm.useSharedArena(page))) === 'ok', 'the arena in use, again');
        const other = await code(() => mm.useSharedArena(msg.otherArena as SharedArrayBuffer));
        assert(other.startsWith('EBUSY'), `another arena after named maps were opened: ${other}`);
      }),
    ];
  },

  async 'hold-lock'(msg) {
    // The lock is the arena's first 8 bytes: the identity of its holder (negative where there is no probe).
    const lock = new BigInt64Array(msg.arena as SharedArrayBuffer, 0, 1);
    assert(Atomics.compareExchange(lock, 0, 0n, -12345n) === 0n, 'the lock was free');
    self.postMessage({ results: [] });
    for (;;) {
      // a holder that never lets go: terminated here
    }
  },

  /** Sends `count` messages message(i, 2000) on the channel `name` (sync sends: a worker may block). */
  async 'channel-send'(msg) {
    using channel = mm.Channel.open(msg.name as string);
    for (let i = 0, n = msg.count as number; n < 0 || i < n; i++) {
      channel.send(message(i, 2000));
      if (n < 0 && i % 64 === 63) await new Promise((r) => setTimeout(r, 0)); // let terminate() land
    }
    return [];
  },

  /** Wakes the page's waitAsync at word 0 of the map `name`: stores 1 and notifies until one is woken. */
  async notify(msg) {
    using map = await mm.MemoryMappedFile.openExisting(msg.name as string);
    using view = await map.createViewAccessor();
    view.writeInt32(0, 1);
    let woken = 0;
    for (let i = 0; i < 5000 && woken === 0; i++) {
      woken = view.notify(0);
      if (woken === 0) view.wait(4, 0, 1);
    }
    return [{ title: 'the worker woke the page', ok: woken === 1, error: `woke ${woken}`, ms: 0 }];
  },

  /** Locks the MapMutex at byte 0 of the map `name` and keeps it: answers, then idles until terminated. */
  async 'mutex-hold'(msg) {
    const map = await mm.MemoryMappedFile.openExisting(msg.name as string);
    const view = await map.createViewAccessor();
    new mm.MapMutex(view, 0).lock();
    return [];
  },

  async count(msg) {
    const map = await mm.MemoryMappedFile.openExisting(msg.name as string);
    const view = await map.createViewAccessor();
    const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, 16);
    const parties = msg.parties as number;
    Atomics.add(cells, 0, 1);
    while (Atomics.load(cells, 0) < parties);
    for (let i = 0, n = msg.times as number; i < n; i++) Atomics.add(cells, 1, 1);
    view.close();
    map.close();
    return [];
  },
};

self.onmessage = async (event: MessageEvent<Record<string, unknown>>) => {
  const run = scenarios[event.data.scenario as string];
  noOpfs = (event.data.noOpfs as string | null | undefined) ?? null;
  try {
    if (!run) throw new Error(`unknown scenario ${String(event.data.scenario)}`);
    if (event.data.arena && event.data.scenario !== 'hold-lock') mm.useSharedArena(event.data.arena as SharedArrayBuffer);
    self.postMessage({ results: await run(event.data) });
  } catch (err) {
    self.postMessage({ error: `${(err as Error)?.name}: ${(err as Error)?.message}\n${(err as Error)?.stack}` });
  }
};
