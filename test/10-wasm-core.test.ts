/**
 * The WASM core (wasm/memmap.wasm through wasm/loader.ts) on real files:
 * the module's imports and error table, the map rules giving the same codes
 * as the native backend, views' round trips through holds and the core's
 * reads, durability, a file far larger than the cache, copy-on-write
 * isolation, a memory that stays put, and host errors (on every read, those
 * past the cache included) that come back as MemmapErrors without breaking
 * the map.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryMappedFile, MemmapError } from '../node/index.js';
import type { FileMode, MemoryMappedFileAccess } from '../src/types.js';
import { HOLD_READ, HOLD_WRITE, NOT_HELD, WASM_IMPORTS, WasmCore, wasmFilePath } from '../wasm/loader.js';
import { NodeFileHost } from '../wasm/node-files.js';
import { makeTempDir, patternBytes, snapshot } from './support/files.js';
import { FaultyHost } from './support/wasm-faulty-host.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A deterministic pseudo-random generator (xorshift32) for the randomized tests. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

/** The code (and errno) a call throws, or 'ok'. */
function outcome(fn: () => void): { code: string; errno: number | undefined } {
  try {
    fn();
    return { code: 'ok', errno: undefined };
  } catch (err) {
    return { code: (err as { code: string }).code, errno: (err as { errno?: number }).errno };
  }
}

/**
 * Writes `data` at `pos` of a view (offset 0) in place, page by page, through writable holds (or
 * through the core's copy where it holds nothing: reading at random, a page not whole in the cache).
 */
function put(core: WasmCore, view: number, pageSize: number, pos: number, data: Uint8Array): void {
  for (let done = 0; done < data.length;) {
    const at = pos + done;
    const inPage = at % pageSize;
    const n = Math.min(data.length - done, pageSize - inPage);
    const frame = core.hold(view, Math.floor(at / pageSize), HOLD_WRITE);
    if (frame === NOT_HELD) core.writeView(view, at, data.subarray(done, done + n));
    else core.bytes.set(data.subarray(done, done + n), frame + inPage);
    done += n;
  }
}

/** n bytes at `pos` of a view, read by the core. */
function get(core: WasmCore, view: number, pos: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  core.readView(view, pos, out);
  return out;
}

describe('WASM core (wasm/memmap.wasm)', () => {
  const tmp = makeTempDir('memmap-wasm-');
  let core: WasmCore;
  before(async () => {
    core = await WasmCore.load(wasmFilePath());
  });
  after(() => tmp.cleanup());

  describe('module', () => {
    it('loads from the committed file, sync and async', async () => {
      const file = wasmFilePath();
      assert.equal(file, path.join(root, 'wasm/memmap.wasm'));
      const sync = WasmCore.loadSync(fs.readFileSync(file));
      assert.equal(sync.errorCodes.get('ENOENT'), core.errorCodes.get('ENOENT'));
      const fromPath = await WasmCore.load(file, { host: new NodeFileHost() });
      assert.ok(fromPath.memory instanceof WebAssembly.Memory);
    });

    it('a URL answered with an HTML page (a server fallback) or bytes that are no module are EIO naming the URL and what came', async () => {
      const server = http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html>\n<html><body>my app</body></html>');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/assets/memmap.wasm`;
      try {
        await assert.rejects(WasmCore.load(new URL(url), { host: new NodeFileHost() }), (err: MemmapError) => {
          assert.ok(err instanceof MemmapError);
          assert.equal(err.code, 'EIO');
          assert.ok(err.message.includes(url), err.message);
          assert.match(err.message, /text\/html.*not a WebAssembly module.*"<!doctype html> <html><body>my app/);
          return true;
        });
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      await assert.rejects(WasmCore.load(new TextEncoder().encode('not found'), { host: new NodeFileHost() }), {
        code: 'EIO',
        message: /the bytes given is not a WebAssembly module: 9 bytes starting "not found"/,
      });
      const truncated = fs.readFileSync(wasmFilePath()).subarray(0, 100);
      await assert.rejects(WasmCore.load(truncated, { host: new NodeFileHost() }), { code: 'EIO', message: /does not compile/ });
    });

    it('imports only the storage trampolines and the memory-growth notice', () => {
      const module = new WebAssembly.Module(fs.readFileSync(wasmFilePath()));
      const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
      assert.deepEqual([...imports].sort(), [...WASM_IMPORTS].sort());
      assert.ok(imports.every((name) => name.startsWith('env.mm_js_') || name === 'env.emscripten_notify_memory_growth'));
      const exports = WebAssembly.Module.exports(module).map((e) => e.name);
      for (const name of ['memory', 'malloc', 'free', '_initialize', 'mm_wasm_paged_open', 'mm_wasm_view_hold']) {
        assert.ok(exports.includes(name), `exports ${name}`);
      }
    });

    it('has the error table of core/include/mm/errors.h, names and messages', () => {
      const header = fs.readFileSync(path.join(root, 'core/include/mm/errors.h'), 'utf8');
      const listed = [...header.matchAll(/^\s*X\((\w+), [^,]+, "([^"]*)"\)/gm)].map((m) => [m[1] as string, m[2] as string] as const);
      assert.ok(listed.length >= 20);
      assert.deepEqual([...core.errorCodes.keys()], listed.map(([name]) => name));
      for (const [name, message] of listed) {
        const code = core.errorCodes.get(name) as number;
        assert.ok(code < 0, `${name} is negative`);
        assert.equal(core.errorName(code), name);
        assert.equal(core.errorMessage(code), message);
      }
      assert.equal(new Set(core.errorCodes.values()).size, listed.length, 'codes are distinct');
      assert.equal(core.errorName(-123456), 'EUNKNOWN');
    });
  });

  describe('the map rules give the same codes as the native backend', () => {
    interface RuleCase {
      title: string;
      /** Prepares `file` in a fresh directory; returns the path to open (default: file). */
      setup?: (file: string, dir: string) => string | void;
      mode: FileMode;
      capacity: number;
      access: MemoryMappedFileAccess;
      code: string;
    }
    const cases: RuleCase[] = [
      { title: 'open on a missing file', mode: 'open', capacity: 0, access: 'readWrite', code: 'ENOENT' },
      { title: 'openOrCreate in a missing directory', setup: (_f, dir) => path.join(dir, 'nodir', 'x.bin'), mode: 'openOrCreate', capacity: 10, access: 'readWrite', code: 'ENOENT' },
      { title: 'createNew on an existing file', setup: (f) => fs.writeFileSync(f, patternBytes(100)), mode: 'createNew', capacity: 10, access: 'readWrite', code: 'EEXIST' },
      { title: 'a directory, readWrite', setup: (f) => fs.mkdirSync(f), mode: 'open', capacity: 0, access: 'readWrite', code: 'EISDIR' },
      { title: 'a directory, read', setup: (f) => fs.mkdirSync(f), mode: 'open', capacity: 0, access: 'read', code: 'EISDIR' },
      { title: 'a directory, openOrCreate', setup: (f) => fs.mkdirSync(f), mode: 'openOrCreate', capacity: 10, access: 'readWrite', code: 'EISDIR' },
      { title: 'a path through a file', setup: (f) => (fs.writeFileSync(f, 'x'), path.join(f, 'inner')), mode: 'open', capacity: 0, access: 'read', code: 'ENOTDIR' },
      { title: 'a character device', setup: () => '/dev/null', mode: 'open', capacity: 0, access: 'read', code: 'ENODEV' },
      { title: 'a capacity below the size', setup: (f) => fs.writeFileSync(f, patternBytes(5000)), mode: 'open', capacity: 4000, access: 'readWrite', code: 'ERANGE' },
      { title: 'an empty file with capacity 0', setup: (f) => fs.writeFileSync(f, ''), mode: 'open', capacity: 0, access: 'readWrite', code: 'EINVAL' },
      { title: 'createNew with capacity 0', mode: 'createNew', capacity: 0, access: 'readWrite', code: 'EINVAL' },
      { title: 'create with read access', mode: 'create', capacity: 10, access: 'read', code: 'EACCES' },
      { title: 'a read map that would grow the file', setup: (f) => fs.writeFileSync(f, 'abc'), mode: 'open', capacity: 100, access: 'read', code: 'EACCES' },
      { title: 'a readExecute map that would grow the file', setup: (f) => fs.writeFileSync(f, 'abc'), mode: 'openOrCreate', capacity: 100, access: 'readExecute', code: 'EACCES' },
      { title: 'a capacity the file system cannot hold (the new file is removed)', mode: 'createNew', capacity: Number.MAX_SAFE_INTEGER, access: 'readWrite', code: 'EFBIG' },
      { title: 'create over an existing file', setup: (f) => fs.writeFileSync(f, patternBytes(9000)), mode: 'create', capacity: 4096, access: 'readWrite', code: 'ok' },
      { title: 'openOrCreate of a missing file', mode: 'openOrCreate', capacity: 777, access: 'readWrite', code: 'ok' },
      { title: 'a capacity above the size', setup: (f) => fs.writeFileSync(f, 'abc'), mode: 'open', capacity: 100000, access: 'readWrite', code: 'ok' },
      { title: 'a copyOnWrite map of a file', setup: (f) => fs.writeFileSync(f, 'abc'), mode: 'open', capacity: 0, access: 'copyOnWrite', code: 'ok' },
    ];

    cases.forEach((c, i) => {
      it(`${c.title}: ${c.code}`, () => {
        const results = (['native', 'wasm'] as const).map((backend) => {
          const dir = tmp.file(`rule-${i}-${backend}`);
          fs.mkdirSync(dir);
          const file = path.join(dir, 'map.bin');
          const target = c.setup?.(file, dir) ?? file;
          const result = outcome(() => {
            if (backend === 'native') {
              MemoryMappedFile.createFromFileSync(target, { mode: c.mode, capacity: c.capacity, access: c.access }).close();
            } else {
              core.freeMap(core.openPaged(target, c.mode, c.capacity, c.access));
            }
          });
          const after = target.startsWith(dir) ? snapshot(target) : { exists: true };
          return { ...result, size: after.size, exists: after.exists, sha256: after.sha256 };
        });
        const [native, wasm] = results as [(typeof results)[0], (typeof results)[0]];
        assert.equal(native.code, c.code, 'native code');
        assert.deepEqual(wasm, native);
      });
    });
  });

  describe('paged maps', () => {
    it('holds pages, writes in place, reads back through the core; copies across pages', () => {
      const file = tmp.file('roundtrip.bin');
      const map = core.openPaged(file, 'createNew', 3 * 4096 + 123, 'readWrite', 4096, 8);
      assert.equal(core.capacity(map), 3 * 4096 + 123);
      assert.equal(core.pageSize(map), 4096);
      assert.equal(core.frameCount(map), 8);
      const view = core.openView(map, 0, 0, 'readWrite');
      assert.equal(core.viewSize(view), 3 * 4096 + 123);

      const frame = core.hold(view, 1, HOLD_WRITE);
      core.bytes.set([1, 2, 3, 4], frame + 10);
      assert.deepEqual([...get(core, view, 4096 + 10, 4)], [1, 2, 3, 4]);
      assert.equal(core.hold(view, 1, HOLD_READ), frame, 'a page held again keeps its frame');

      const across = patternBytes(5000, 7);
      put(core, view, 4096, 4096 * 2 - 2500, across);
      assert.deepEqual(get(core, view, 4096 * 2 - 2500, 5000), across);

      const last = core.hold(view, 3, HOLD_READ);
      assert.equal(core.bytes[last + 200], 0, 'past the capacity reads as zero');
      assert.throws(() => core.hold(view, 4, HOLD_READ), { name: 'MemmapError', code: 'ERANGE' });
      assert.throws(() => get(core, view, 3 * 4096 + 100, 24), { code: 'ERANGE' });
      assert.throws(() => core.hold(view, 0, 9), { code: 'EINVAL' });
      core.closeView(view);
      core.freeView(view);
      core.freeMap(map);
    });

    it('views: ranges, pointer offsets and access are the core\'s', () => {
      const file = tmp.file('ranges.bin');
      const map = core.openPaged(file, 'createNew', 10 * 4096, 'readWrite', 4096, 8);
      assert.throws(() => core.openView(map, 10 * 4096, 0, 'read'), { code: 'ERANGE' });
      assert.throws(() => core.openView(map, 4096, 9 * 4096 + 1, 'read'), { code: 'ERANGE' });
      assert.throws(() => core.openView(map, 0, 0, 'readWriteExecute'), { code: 'EACCES' });
      const view = core.openView(map, 4096 + 100, 2 * 4096, 'read');
      assert.equal(core.viewOffset(view), 4096 + 100);
      assert.equal(core.viewPointerOffset(view), 100);
      assert.throws(() => core.hold(view, 0, HOLD_READ), { code: 'ERANGE' });
      assert.throws(() => core.hold(view, 1, HOLD_WRITE), { code: 'EACCES' });
      core.closeView(view);
      assert.throws(() => core.hold(view, 1, HOLD_READ), { code: 'ECLOSED' });
      assert.throws(() => get(core, view, 0, 1), { code: 'ECLOSED' });
      core.freeView(view);
      core.freeMap(map);
    });

    it('flush makes the bytes visible to fs.readFileSync; a read map refuses writes', () => {
      const file = tmp.file('flush.bin');
      const map = core.openPaged(file, 'createNew', 100000, 'readWrite');
      const view = core.openView(map, 0, 0, 'readWrite');
      const data = patternBytes(30000, 3);
      put(core, view, core.pageSize(map), 50000, data);
      assert.ok(fs.readFileSync(file).subarray(50000, 80000).every((b) => b === 0), 'not yet written back');
      core.flushView(view);
      assert.deepEqual(fs.readFileSync(file).subarray(50000, 80000), data);
      core.closeView(view);
      core.freeView(view);
      core.freeMap(map);

      const ro = core.openPaged(file, 'open', 0, 'read');
      const rv = core.openView(ro, 0, 0, 'read');
      assert.throws(() => core.hold(rv, 0, HOLD_WRITE), { code: 'EACCES' });
      assert.throws(() => core.openView(ro, 0, 0, 'readWrite'), { code: 'EACCES' });
      assert.deepEqual(get(core, rv, 50000, 30000), data);
      core.closeView(rv);
      core.freeView(rv);
      core.freeMap(ro);
    });

    it('a closed map refuses new views, and its open views keep working', () => {
      const file = tmp.file('lifetime.bin');
      const map = core.openPaged(file, 'createNew', 10000, 'readWrite');
      const id = core.fileId(map);
      const view = core.openView(map, 0, 0, 'readWrite');
      core.closeMap(map);
      assert.throws(() => core.openView(map, 0, 0, 'read'), { code: 'ECLOSED' });
      put(core, view, core.pageSize(map), 9000, new Uint8Array([42]));
      assert.ok(core.fileIsOpen(id));
      core.closeView(view);
      assert.equal(core.fileIsOpen(id), false, 'the last view closing closes the file cache');
      assert.equal(fs.readFileSync(file)[9000], 42, 'and writes back');
      core.freeView(view);
      core.freeMap(map);
    });

    it('two maps of one file share its cache: each sees the other at once, and a flush writes both', () => {
      const file = tmp.file('two-maps.bin');
      const a = core.openPaged(file, 'createNew', 8 * 4096, 'readWrite', 4096, 8);
      const b = core.openPaged(file, 'open', 0, 'readWrite', 65536, 64);
      assert.equal(core.fileId(a), core.fileId(b));
      assert.equal(core.pageSize(b), 4096, "the second map uses the cache's page size");
      const va = core.openView(a, 0, 0, 'readWrite');
      const vb = core.openView(b, 0, 0, 'readWrite');
      put(core, va, 4096, 10, new Uint8Array([1]));
      core.flushView(va);
      put(core, vb, 4096, 20, new Uint8Array([2]));
      assert.equal(get(core, va, 20, 1)[0], 2);
      core.flushView(vb);
      const disk = fs.readFileSync(file);
      assert.deepEqual([disk[10], disk[20]], [1, 2], 'the second flush kept the first map\'s byte');
      for (const v of [va, vb]) core.freeView(v);
      core.freeMap(a);
      core.freeMap(b);
    });

    // Sequential: whole pages, every write through the cache and its evictions. Random: sectors,
    // reads and writes around the cache for pages it lacks, partly loaded pages written back.
    for (const [policy, advice] of [['sequential', 1], ['random', 2]] as const) it(`a 64 MiB file through 16 frames of 64 KiB matches a model after random writes and a reopen (${policy} policy)`, function () {
      this.timeout(60000);
      const size = 64 << 20;
      const page = 64 << 10;
      const file = tmp.file(`big-${policy}.bin`);
      const model = Buffer.alloc(size);
      const rand = rng(12345);
      const map = core.openPaged(file, 'createNew', size, 'readWrite', page, 16);
      const view = core.openView(map, 0, 0, 'readWrite');
      core.adviseView(view, advice, 0, size);
      for (let i = 0; i < 3000; i++) {
        const len = 1 + rand(3 * page);
        const offset = rand(size - len);
        const data = patternBytes(len, i + 1);
        data.copy(model, offset);
        put(core, view, page, offset, data);
        if (i % 10 === 0) {
          const at = rand(size - 100);
          assert.ok(get(core, view, at, 100).equals(model.subarray(at, at + 100)), `read back at ${at}`);
        }
      }
      const stats = core.stats(map);
      if (policy === 'sequential') assert.ok(stats.evictions > 1000, `evictions: ${stats.evictions}`);
      else assert.ok(stats.storageWrites > 1000, `storage writes: ${stats.storageWrites}`);
      assert.ok(stats.resident <= 16);
      core.closeView(view);
      core.freeView(view);
      core.freeMap(map);
      assert.ok(fs.readFileSync(file).equals(model), 'the file matches the model');

      const again = core.openPaged(file, 'open', 0, 'read', page, 16);
      assert.equal(core.capacity(again), size);
      const rv = core.openView(again, 0, 0, 'read');
      for (let i = 0; i < 200; i++) {
        const len = 1 + rand(2 * page);
        const offset = rand(size - len);
        assert.ok(model.subarray(offset, offset + len).equals(get(core, rv, offset, len)), `range ${offset}+${len}`);
      }
      core.freeView(rv);
      core.freeMap(again);
    });

    it('copy-on-write views own the pages they write; the others follow the map', () => {
      const file = tmp.file('cow.bin');
      const original = patternBytes(40000, 9);
      fs.writeFileSync(file, original);
      const map = core.openPaged(file, 'open', 0, 'readWrite', 4096, 8);
      const shared = core.openView(map, 0, 0, 'readWrite');
      put(core, shared, 4096, 100, new Uint8Array([7, 7, 7]));

      const cow = core.openView(map, 0, 0, 'copyOnWrite');
      assert.deepEqual([...get(core, cow, 100, 3)], [7, 7, 7], "it reads the map's current bytes");
      const mine = patternBytes(20000, 10);
      put(core, cow, 4096, 10000, mine);
      assert.equal(core.heldPrivate, true);
      assert.deepEqual(get(core, cow, 10000, 20000), mine);
      assert.deepEqual(get(core, shared, 10000, 20000), original.subarray(10000, 30000), 'the shared view does not see it');
      put(core, shared, 4096, 35000, new Uint8Array([5]));
      assert.equal(get(core, cow, 35000, 1)[0], 5, 'a page the view did not write follows the map');
      core.flushView(cow);
      core.flushView(shared);
      core.freeView(cow);
      core.freeView(shared);
      core.freeMap(map);
      const expected = Buffer.from(original);
      expected.set([7, 7, 7], 100);
      expected[35000] = 5;
      assert.ok(fs.readFileSync(file).equals(expected), 'only the shared writes reached the file');

      // A private page that was written cannot be evicted: the private frames bound the changes.
      const cowMap = core.openPaged(file, 'open', 0, 'copyOnWrite', 4096, 8);
      const p = core.openView(cowMap, 0, 0, 'copyOnWrite');
      put(core, p, 4096, 0, patternBytes(8 * 4096, 11));
      assert.throws(() => put(core, p, 4096, 8 * 4096, patternBytes(100, 11)), { code: 'ENOMEM' });
      core.flushView(p);
      core.freeView(p);
      core.freeMap(cowMap);
      assert.ok(fs.readFileSync(file).equals(expected), 'a copyOnWrite map never writes');
    });

    it('WASM memory does not grow while 10^5 random holds and reads run on an open map', () => {
      const file = tmp.file('steady.bin');
      const page = 64 << 10;
      const map = core.openPaged(file, 'createNew', 64 << 20, 'readWrite', page, 16);
      const view = core.openView(map, 0, 0, 'readWrite');
      const buffer = core.memory.buffer;
      const bytesBefore = buffer.byteLength;
      const rand = rng(99);
      const out = new Uint8Array(3 * page);
      for (let i = 0; i < 100000; i++) {
        const pageNo = rand(1024);
        const writable = rand(4) === 0;
        const frame = core.hold(view, pageNo, writable ? HOLD_WRITE : HOLD_READ);
        if (writable) core.bytes[frame + (pageNo % page)] = pageNo & 0xff;
        if (i % 100 === 0) core.readView(view, rand(1000) * page, out);
      }
      assert.equal(core.memory.buffer, buffer, 'the buffer was never replaced');
      assert.equal(core.memory.buffer.byteLength, bytesBefore);
      core.freeView(view);
      core.freeMap(map);
    });

    it('keeps its views fresh when opening a map grows memory', () => {
      const fresh = WasmCore.loadSync(fs.readFileSync(wasmFilePath()));
      const before = fresh.memory.buffer.byteLength;
      const file = tmp.file('grow-memory.bin');
      const map = fresh.openPaged(file, 'createNew', 8 << 20, 'readWrite', 1 << 20, 8);
      assert.ok(fresh.memory.buffer.byteLength > before, 'memory grew');
      assert.ok(fresh.memory.buffer.byteLength >= 8 << 20, 'the frames were allocated');
      assert.equal(fresh.bytes.length, fresh.memory.buffer.byteLength);
      const view = fresh.openView(map, 0, 0, 'readWrite');
      const frame = fresh.hold(view, 7, HOLD_WRITE);
      fresh.bytes[frame + 12345] = 99;
      fresh.freeView(view);
      fresh.freeMap(map);
      assert.equal(fs.readFileSync(file)[7 * (1 << 20) + 12345], 99);
    });
  });

  describe('host errors', () => {
    let host: FaultyHost;
    let faulty: WasmCore;
    before(() => {
      host = new FaultyHost(new NodeFileHost());
      faulty = WasmCore.loadSync(fs.readFileSync(wasmFilePath()), { host });
    });

    /** A map of 16 pages of 4 KiB, 8 frames, with pages 0-3 written (dirty) through holds. */
    function dirtyMap(name: string): { map: number; view: number; file: string; expected: Buffer } {
      const file = tmp.file(name);
      const map = faulty.openPaged(file, 'createNew', 16 * 4096, 'readWrite', 4096, 8);
      const view = faulty.openView(map, 0, 0, 'readWrite');
      const expected = patternBytes(4 * 4096, 21);
      put(faulty, view, 4096, 0, expected);
      return { map, view, file, expected };
    }

    function done(map: number, view: number): void {
      faulty.freeView(view);
      faulty.freeMap(map);
    }

    it('a write that throws a plain Error is EIO with its message; the retry succeeds', () => {
      const { map, view, file, expected } = dirtyMap('fault-write.bin');
      const injected = new Error('injected write failure');
      host.arm('write', 2, () => injected);
      let caught: unknown;
      assert.throws(() => faulty.flushView(view), (err: unknown) => {
        caught = err;
        return err instanceof MemmapError && err.code === 'EIO' && err.message === 'EIO: injected write failure';
      });
      assert.equal((caught as Error).cause, injected);
      assert.equal((caught as MemmapError).errno, undefined);
      assert.ok(faulty.stats(map).dirty > 0, 'pages not written stay dirty');
      faulty.flushView(view);
      assert.ok(fs.readFileSync(file).subarray(0, 4 * 4096).equals(expected));
      done(map, view);
    });

    it("an error with a memmap code keeps that code and the OS errno (ENOSPC on sync)", () => {
      const { map, view, file, expected } = dirtyMap('fault-sync.bin');
      host.arm('sync', 1, () => Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC', errno: -28 }));
      assert.throws(() => faulty.flushView(view), { name: 'MemmapError', code: 'ENOSPC', errno: 28, message: 'ENOSPC: no space left on device, fsync' });
      faulty.flushView(view);
      assert.ok(fs.readFileSync(file).subarray(0, 4 * 4096).equals(expected));
      done(map, view);
    });

    it('a real Node fs error (EBADF) crosses unchanged, on a read while holding', () => {
      const { map, view } = dirtyMap('fault-read.bin');
      const real = outcome(() => fs.fstatSync(2 ** 30));
      assert.equal(real.code, 'EBADF');
      host.arm('read', 1, () => {
        try {
          fs.fstatSync(2 ** 30);
        } catch (err) {
          return err as Error;
        }
        throw new Error('unreachable');
      });
      assert.throws(() => faulty.hold(view, 6, HOLD_READ), { name: 'MemmapError', code: 'EBADF', errno: 9 });
      faulty.hold(view, 6, HOLD_READ);
      done(map, view);
    });

    it('reads past the cache go through the host too: counted, and their faults reported', () => {
      const { map, view, expected } = dirtyMap('fault-bypass.bin');
      faulty.flushView(view);
      const before = { calls: host.calls.read, stats: faulty.stats(map) };
      const out = new Uint8Array(8 * 4096);
      faulty.readView(view, 0, out);
      assert.ok(Buffer.from(out.subarray(0, 4 * 4096)).equals(expected));
      const stats = faulty.stats(map);
      assert.equal(host.calls.read - before.calls, 1, 'the run of 4 uncached pages was read by the host, in one read');
      assert.equal(stats.storageReads - before.stats.storageReads, 1, 'and counted by the cache');
      assert.equal(stats.misses, before.stats.misses, 'without passing through a frame');
      host.arm('read', 1, () => new Error('bypass failure'));
      assert.throws(() => faulty.readView(view, 4 * 4096, new Uint8Array(4096)), { code: 'EIO', message: 'EIO: bypass failure' });
      done(map, view);
    });

    it('a failed write-back on eviction fails the hold and loses nothing', () => {
      const { map, view, file, expected } = dirtyMap('fault-evict.bin');
      host.arm('write', 1, () => new Error('evict failure'));
      // Pages 4-7 fill the frames; the next new pages must evict dirty ones.
      let failed: unknown;
      try {
        for (let p = 4; p < 16; p++) faulty.hold(view, p, HOLD_READ);
      } catch (err) {
        failed = err;
      }
      assert.ok(failed instanceof MemmapError && failed.code === 'EIO' && failed.message === 'EIO: evict failure', String(failed));
      assert.ok(get(faulty, view, 0, 4 * 4096).equals(expected));
      faulty.closeView(view);
      done(map, view);
      assert.ok(fs.readFileSync(file).subarray(0, 4 * 4096).equals(expected));
    });

    it('a failing open or resize fails the open with that code and removes a file it created', () => {
      host.arm('open', 1, () => Object.assign(new Error('EMFILE: too many open files, open'), { code: 'EMFILE', errno: -24 }));
      const file = tmp.file('fault-open.bin');
      assert.throws(() => faulty.openPaged(file, 'createNew', 4096, 'readWrite'), { code: 'EMFILE', errno: 24 });
      host.arm('resize', 1, () => Object.assign(new Error('quota'), { code: 'ENOSPC' }));
      assert.throws(() => faulty.openPaged(file, 'createNew', 4096, 'readWrite'), { code: 'ENOSPC', message: 'ENOSPC: quota' });
      assert.equal(fs.existsSync(file), false);
      faulty.freeMap(faulty.openPaged(file, 'createNew', 4096, 'readWrite'));
      assert.equal(fs.statSync(file).size, 4096);
    });

    it("the core's own errors carry its message and no stale host error", () => {
      host.arm('size', 1, () => new Error('stale size failure'));
      const file = tmp.file('fault-stale.bin');
      assert.throws(() => faulty.openPaged(file, 'createNew', 4096, 'readWrite'), { code: 'EIO', message: 'EIO: stale size failure' });
      fs.writeFileSync(file, patternBytes(100));
      assert.throws(() => faulty.openPaged(file, 'open', 50, 'readWrite'), {
        code: 'ERANGE',
        message: `ERANGE: capacity 50 is below the file's size 100, open '${file}'`,
      });
    });
  });
});
