/**
 * A child process for test/17-moved-buffers.test.ts: it runs one scenario in
 * which JavaScript keeps or moves a native view's buffer and the view is then
 * closed, and prints one JSON line of what it observed. Run in a child so
 * that a regression that crashes (a read of unmapped memory) fails one test
 * with the signal instead of killing the test runner.
 *
 *   node --import tsx --expose-gc moved-buffer-child.ts <scenario> <dir>
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MemoryMappedFile, type ViewAccessor } from '../../node/index.js';

const [scenario, dir] = process.argv.slice(2) as [string, string];
const SIZE = 1 << 16;

function mapped(file: string): boolean {
  const real = fs.realpathSync(file);
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').some((l) => l.endsWith(' ' + real));
}

/** The address ranges of anonymous mappings of exactly `size` bytes (/proc/self/maps). */
function anonymousRanges(size: number): string[] {
  return fs
    .readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/))
    .filter(([range, , , , inode, file]) => inode === '0' && !file && range)
    .map(([range]) => range as string)
    .filter((range) => {
      const [start, end] = range.split('-').map((x) => BigInt(`0x${x}`)) as [bigint, bigint];
      return end - start === BigInt(size);
    });
}

/** Opens a.bin (filled with 0x11), runs `take` on its view's buffer, closes view and map. */
function takeThenClose<T>(take: (bytes: Uint8Array, view: ViewAccessor) => T, size = SIZE) {
  const a = path.join(dir, 'a.bin');
  fs.writeFileSync(a, Buffer.alloc(size, 0x11));
  const map = MemoryMappedFile.createFromFileSync(a, { backend: 'native' });
  const view = map.createViewAccessorSync();
  const taken = take(view.bytes, view);
  view.close();
  map.close();
  return { a, taken, aStillMapped: mapped(a) };
}

/** Opens b.bin (filled with 0x22) as a new map and view, for a stale buffer to aim at. */
function victim() {
  const b = path.join(dir, 'b.bin');
  fs.writeFileSync(b, Buffer.alloc(SIZE, 0x22));
  const map = MemoryMappedFile.createFromFileSync(b, { backend: 'native' });
  const view = map.createViewAccessorSync();
  return {
    b,
    finish() {
      view.flush();
      const seen = view.bytes.slice(0, 8);
      view.close();
      map.close();
      return {
        victimView: [...seen],
        victimFile: [...fs.readFileSync(b).subarray(0, 8)],
        closedFile: [...fs.readFileSync(path.join(dir, 'a.bin')).subarray(0, 8)],
      };
    },
  };
}

async function run(): Promise<unknown> {
  switch (scenario) {
    case 'transfer':
    case 'transferToFixedLength': {
      const { taken, aStillMapped } = takeThenClose((bytes) => new Uint8Array((bytes.buffer as any)[scenario]()));
      const v = victim();
      const staleRead = [...taken.subarray(0, 4)];
      taken.fill(0x41);
      return { aStillMapped, staleLength: taken.length, staleRead, ...v.finish() };
    }
    case 'structuredClone': {
      let outcome = 'moved';
      const { taken, aStillMapped } = takeThenClose((bytes) => {
        try {
          return new Uint8Array(structuredClone(bytes.buffer, { transfer: [bytes.buffer as ArrayBuffer] }));
        } catch (err) {
          outcome = `refused: ${(err as Error).name}`;
          return null;
        }
      });
      const v = victim();
      taken?.fill(0x41);
      return { outcome, aStillMapped, ...v.finish() };
    }
    case 'postMessage': {
      const worker = new Worker(
        `const { parentPort } = require('node:worker_threads');
         let held;
         parentPort.on('message', (m) => {
           if (m.buffer) { held = new Uint8Array(m.buffer); parentPort.postMessage('held'); }
           else if (m === 'write') { const read = [...held.subarray(0, 4)]; held.fill(0x41); parentPort.postMessage({ read, length: held.length }); }
         });`,
        { eval: true },
      );
      const reply = () => new Promise<any>((resolve) => worker.once('message', resolve));
      let outcome = 'moved';
      const { aStillMapped } = takeThenClose((bytes) => {
        try {
          worker.postMessage({ buffer: bytes.buffer }, [bytes.buffer as ArrayBuffer]);
        } catch (err) {
          outcome = `refused: ${(err as Error).name}`;
        }
      });
      if (outcome === 'moved') await reply();
      const v = victim();
      let workerSaw: unknown = null;
      if (outcome === 'moved') {
        worker.postMessage('write');
        workerSaw = await reply();
      }
      await worker.terminate();
      return { outcome, aStillMapped, workerSaw, ...v.finish() };
    }
    case 'aliases': {
      // Everything that shares the view's ArrayBuffer object is detached with it.
      const { taken } = takeThenClose((bytes) => ({
        sub: bytes.subarray(16, 32),
        dv: new DataView(bytes.buffer),
        buf: Buffer.from(bytes.buffer),
        u32: new Uint32Array(bytes.buffer),
      }));
      let dvRead: string;
      try {
        dvRead = String(taken.dv.getUint8(0));
      } catch (err) {
        dvRead = (err as Error).name;
      }
      return { sub: taken.sub.length, buf: taken.buf.length, u32: taken.u32.length, dvRead };
    }
    case 'typedArrayTransfer': {
      // A typedArray's buffer is the view's own: moving it moves the same memory as bytes.buffer.transfer().
      const { taken, aStillMapped } = takeThenClose((_bytes, view) => new Float64Array((view.typedArray(Float64Array, 0, 8).buffer as any).transfer()));
      const v = victim();
      const staleRead = [...new Uint8Array(taken.buffer, 0, 4)];
      new Uint8Array(taken.buffer).fill(0x41);
      return { aStillMapped, staleLength: taken.byteLength, staleRead, ...v.finish() };
    }
    case 'typedArrayAliases': {
      const { taken } = takeThenClose((_bytes, view) => ({
        f64: view.typedArray(Float64Array, 8, 4),
        i32: view.typedArray(Int32Array),
        big: view.typedArray(BigInt64Array, 64, 2),
      }));
      return { f64: taken.f64.length, i32: taken.i32.length, big: taken.big.length };
    }
    case 'release': {
      // The address range a moved buffer pins is released once that buffer is
      // collected. The view has an unusual length, so that its range is found
      // in /proc/self/maps by its size (an anonymous mapping after close).
      const size = (256 << 20) + 3 * 4096;
      const before = new Set(anonymousRanges(size));
      let stale: Uint8Array | null = takeThenClose((bytes) => new Uint8Array((bytes.buffer as any).transfer()), size).taken;
      const held = anonymousRanges(size).filter((r) => !before.has(r));
      stale[0] = 1;
      stale = null;
      for (let i = 0; i < 20 && held.some((r) => anonymousRanges(size).includes(r)); i++) {
        globalThis.gc!();
        await new Promise((r) => setTimeout(r, 20));
      }
      return { held: held.length, stillHeld: held.filter((r) => anonymousRanges(size).includes(r)).length };
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

console.log(JSON.stringify(await run()));
