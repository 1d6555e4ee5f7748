/**
 * The WASM core (wasm/memmap.wasm through wasm/loader.ts) on real files:
 * the module's imports and error table, the map rules giving the same codes
 * as the native backend, the pager's round trips, durability, a file far
 * larger than the cache, copy-on-write isolation, a memory that stays put,
 * and host errors that come back as MemmapErrors without breaking the map.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryMappedFile, MemmapError } from '../src/index.js';
import type { FileMode, MemoryMappedFileAccess } from '../src/types.js';
import { NodeFileHost, WASM_IMPORTS, WasmCore, wasmFilePath } from '../wasm/loader.js';
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
      for (const name of ['memory', 'malloc', 'free', '_initialize', 'mm_wasm_paged_open', 'mm_wasm_pager_pin']) {
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
    it('pins, writes in place, reads back and unpins; copies across pages', () => {
      const file = tmp.file('roundtrip.bin');
      const map = core.openPaged(file, 'createNew', 3 * 4096 + 123, 'readWrite', 4096, 4);
      assert.equal(core.capacity(map), 3 * 4096 + 123);
      const pager = core.openView(map, 'readWrite');
      assert.equal(core.pageSize(pager), 4096);
      assert.equal(core.frameCount(pager), 4);

      const frame = core.pin(pager, 1, true);
      const at = core.frameBase(pager) + frame * 4096;
      core.bytes.set([1, 2, 3, 4], at + 10);
      core.unpin(pager, frame, true);

      const got = new Uint8Array(4);
      core.read(pager, 4096 + 10, got);
      assert.deepEqual([...got], [1, 2, 3, 4]);

      const across = patternBytes(5000, 7);
      core.write(pager, 4096 * 2 - 2500, across);
      const back = new Uint8Array(5000);
      core.read(pager, 4096 * 2 - 2500, back);
      assert.deepEqual(Buffer.from(back), across);

      const last = core.pin(pager, 3, false);
      assert.equal(core.bytes[core.frameBase(pager) + last * 4096 + 200], 0, 'past the capacity reads as zero');
      core.unpin(pager, last, false);
      assert.equal(core.stats(pager).pinned, 0);

      assert.throws(() => core.pin(pager, 4, false), { name: 'MemmapError', code: 'ERANGE' });
      assert.throws(() => core.read(pager, 3 * 4096 + 100, new Uint8Array(24)), { code: 'ERANGE' });
      assert.throws(() => core.unpin(pager, last, false), { code: 'EINVAL' });
      core.closeView(map, pager);
      core.freeMap(map);
    });

    it('flush makes the bytes visible to fs.readFileSync; a read map refuses writes', () => {
      const file = tmp.file('flush.bin');
      const map = core.openPaged(file, 'createNew', 100000, 'readWrite');
      const pager = core.openView(map, 'readWrite');
      const data = patternBytes(30000, 3);
      core.write(pager, 50000, data);
      assert.ok(fs.readFileSync(file).subarray(50000, 80000).every((b) => b === 0), 'not yet written back');
      core.flushMap(map);
      assert.deepEqual(fs.readFileSync(file).subarray(50000, 80000), data);
      core.closeView(map, pager);
      core.freeMap(map);

      const ro = core.openPaged(file, 'open', 0, 'read');
      const rp = core.openView(ro, 'read');
      assert.throws(() => core.pin(rp, 0, true), { code: 'EACCES' });
      assert.throws(() => core.write(rp, 0, new Uint8Array(1)), { code: 'EACCES' });
      assert.throws(() => core.openView(ro, 'readWrite'), { code: 'EACCES' });
      const back = new Uint8Array(30000);
      core.read(rp, 50000, back);
      assert.deepEqual(Buffer.from(back), data);
      core.closeView(ro, rp);
      core.freeMap(ro);
    });

    it('a closed map refuses new views, and its open views keep working', () => {
      const file = tmp.file('lifetime.bin');
      const map = core.openPaged(file, 'createNew', 10000, 'readWrite');
      const pager = core.openView(map, 'readWrite');
      core.closeMap(map);
      assert.throws(() => core.openView(map, 'read'), { code: 'ECLOSED' });
      core.write(pager, 9000, new Uint8Array([42]));
      core.closeView(map, pager);
      assert.equal(fs.readFileSync(file)[9000], 42, 'the last view closing writes back');
      core.freeMap(map);
    });

    it('a 64 MiB file through 16 frames of 64 KiB matches a model after random writes and a reopen', function () {
      this.timeout(60000);
      const size = 64 << 20;
      const page = 64 << 10;
      const file = tmp.file('big.bin');
      const model = Buffer.alloc(size);
      const rand = rng(12345);
      const map = core.openPaged(file, 'createNew', size, 'readWrite', page, 16);
      const pager = core.openView(map, 'readWrite');
      for (let i = 0; i < 3000; i++) {
        const len = 1 + rand(3 * page);
        const offset = rand(size - len);
        const data = patternBytes(len, i + 1);
        data.copy(model, offset);
        if (i % 2 === 0) {
          core.write(pager, offset, data);
        } else {
          // In place, page by page, through pinned frames.
          for (let done = 0; done < len;) {
            const pos = offset + done;
            const inPage = pos % page;
            const n = Math.min(len - done, page - inPage);
            const frame = core.pin(pager, Math.floor(pos / page), true);
            core.bytes.set(data.subarray(done, done + n), core.frameBase(pager) + frame * page + inPage);
            core.unpin(pager, frame, true);
            done += n;
          }
        }
      }
      const stats = core.stats(pager);
      assert.ok(stats.evictions > 1000, `evictions: ${stats.evictions}`);
      assert.ok(stats.resident <= 16);
      core.closeView(map, pager);
      core.closeMap(map);
      core.freeMap(map);
      assert.ok(fs.readFileSync(file).equals(model), 'the file matches the model');

      const again = core.openPaged(file, 'open', 0, 'read', page, 16);
      assert.equal(core.capacity(again), size);
      const rp = core.openView(again, 'read');
      for (let i = 0; i < 200; i++) {
        const len = 1 + rand(2 * page);
        const offset = rand(size - len);
        const got = new Uint8Array(len);
        core.read(rp, offset, got);
        assert.ok(model.subarray(offset, offset + len).equals(got), `range ${offset}+${len}`);
      }
      core.closeView(again, rp);
      core.freeMap(again);
    });

    it('copy-on-write views see the map but never reach the file or other views', () => {
      const file = tmp.file('cow.bin');
      const original = patternBytes(40000, 9);
      fs.writeFileSync(file, original);
      const map = core.openPaged(file, 'open', 0, 'readWrite', 4096, 8);
      const shared = core.openView(map, 'readWrite');
      core.write(shared, 100, new Uint8Array([7, 7, 7]));

      const cow = core.openView(map, 'copyOnWrite');
      assert.notEqual(cow, shared, 'a private pager');
      const seen = new Uint8Array(3);
      core.read(cow, 100, seen);
      assert.deepEqual([...seen], [7, 7, 7], "it starts from the map's current bytes");

      const mine = patternBytes(20000, 10);
      core.write(cow, 10000, mine);
      const frame = core.pin(cow, 0, true);
      core.bytes[core.frameBase(cow) + frame * 4096 + 5] = 0xee;
      core.unpin(cow, frame, true);

      const fromShared = new Uint8Array(20000);
      core.read(shared, 10000, fromShared);
      assert.deepEqual(Buffer.from(fromShared), original.subarray(10000, 30000), 'the shared view does not see it');
      core.flushMap(map);
      core.closeView(map, cow);
      core.closeView(map, shared);
      core.freeMap(map);
      const expected = Buffer.from(original);
      expected.set([7, 7, 7], 100);
      assert.ok(fs.readFileSync(file).equals(expected), 'only the shared write reached the file');

      // A private page that was written cannot be evicted: the cache bounds the changes.
      const cowMap = core.openPaged(file, 'open', 0, 'copyOnWrite', 4096, 8);
      const p = core.openView(cowMap, 'copyOnWrite');
      core.write(p, 0, patternBytes(6 * 4096, 11));
      assert.throws(() => core.write(p, 0, patternBytes(40000, 11)), { code: 'ENOMEM' });
      core.flushMap(cowMap);
      core.closeView(cowMap, p);
      core.freeMap(cowMap);
      assert.ok(fs.readFileSync(file).equals(expected), 'a copyOnWrite map never writes');
    });

    it('WASM memory does not grow while 10^5 random pins run on an open map', () => {
      const file = tmp.file('steady.bin');
      const page = 64 << 10;
      const map = core.openPaged(file, 'createNew', 64 << 20, 'readWrite', page, 16);
      const pager = core.openView(map, 'readWrite');
      const buffer = core.memory.buffer;
      const bytesBefore = buffer.byteLength;
      const rand = rng(99);
      const base = core.frameBase(pager);
      for (let i = 0; i < 100000; i++) {
        const pageNo = rand(1024);
        const writable = rand(4) === 0;
        const frame = core.pin(pager, pageNo, writable);
        if (writable) core.bytes[base + frame * page + (pageNo % page)] = pageNo & 0xff;
        core.unpin(pager, frame, writable);
      }
      assert.equal(core.memory.buffer, buffer, 'the buffer was never replaced');
      assert.equal(core.memory.buffer.byteLength, bytesBefore);
      const stats = core.stats(pager);
      assert.equal(stats.hits + stats.misses, 100000);
      assert.equal(stats.pinned, 0);
      core.closeView(map, pager);
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
      const pager = fresh.openView(map, 'readWrite');
      const frame = fresh.pin(pager, 7, true);
      fresh.bytes[fresh.frameBase(pager) + frame * (1 << 20) + 12345] = 99;
      fresh.unpin(pager, frame, true);
      fresh.closeView(map, pager);
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

    /** A map of 8 pages of 4 KiB, 4 frames, with pages 0-3 written (dirty) through pins. */
    function dirtyMap(name: string): { map: number; pager: number; file: string; expected: Buffer } {
      const file = tmp.file(name);
      const map = faulty.openPaged(file, 'createNew', 8 * 4096, 'readWrite', 4096, 4);
      const pager = faulty.openView(map, 'readWrite');
      const expected = patternBytes(4 * 4096, 21);
      for (let p = 0; p < 4; p++) {
        const frame = faulty.pin(pager, p, true);
        faulty.bytes.set(expected.subarray(p * 4096, (p + 1) * 4096), faulty.frameBase(pager) + frame * 4096);
        faulty.unpin(pager, frame, true);
      }
      return { map, pager, file, expected };
    }

    it('a write that throws a plain Error is EIO with its message; the retry succeeds', () => {
      const { map, pager, file, expected } = dirtyMap('fault-write.bin');
      const injected = new Error('injected write failure');
      host.arm('write', 2, () => injected);
      let caught: unknown;
      assert.throws(() => faulty.flushMap(map), (err: unknown) => {
        caught = err;
        return err instanceof MemmapError && err.code === 'EIO' && err.message === 'EIO: injected write failure';
      });
      assert.equal((caught as Error).cause, injected);
      assert.equal((caught as MemmapError).errno, undefined);
      assert.ok(faulty.stats(pager).dirty > 0, 'pages not written stay dirty');
      faulty.flushMap(map);
      assert.ok(fs.readFileSync(file).subarray(0, 4 * 4096).equals(expected));
      faulty.closeView(map, pager);
      faulty.freeMap(map);
    });

    it("an error with a memmap code keeps that code and the OS errno (ENOSPC on sync)", () => {
      const { map, pager, file, expected } = dirtyMap('fault-sync.bin');
      host.arm('sync', 1, () => Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC', errno: -28 }));
      assert.throws(() => faulty.flushMap(map), { name: 'MemmapError', code: 'ENOSPC', errno: 28, message: 'ENOSPC: no space left on device, fsync' });
      faulty.flushMap(map);
      assert.ok(fs.readFileSync(file).subarray(0, 4 * 4096).equals(expected));
      faulty.closeView(map, pager);
      faulty.freeMap(map);
    });

    it('a real Node fs error (EBADF) crosses unchanged, on a read while pinning', () => {
      const { map, pager } = dirtyMap('fault-read.bin');
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
      assert.throws(() => faulty.pin(pager, 6, false), { name: 'MemmapError', code: 'EBADF', errno: 9 });
      const frame = faulty.pin(pager, 6, false);
      faulty.unpin(pager, frame, false);
      faulty.closeView(map, pager);
      faulty.freeMap(map);
    });

    it('a failed write-back on eviction fails the pin and loses nothing', () => {
      const { map, pager, file, expected } = dirtyMap('fault-evict.bin');
      host.arm('write', 1, () => new Error('evict failure'));
      assert.throws(() => faulty.pin(pager, 5, true), { code: 'EIO', message: 'EIO: evict failure' });
      for (let p = 4; p < 8; p++) faulty.unpin(pager, faulty.pin(pager, p, false), false);
      const back = new Uint8Array(4 * 4096);
      faulty.read(pager, 0, back);
      assert.ok(expected.equals(back));
      faulty.closeView(map, pager);
      faulty.closeMap(map);
      faulty.freeMap(map);
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
