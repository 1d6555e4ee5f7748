/**
 * A child process for test/33-live-maps.test.ts: a native view is closed
 * (or its buffer moved, or its thread terminated, or it is dropped) while
 * its flushAsync() runs on the thread pool, and the child prints one JSON
 * line of what it observed. In a child so that a crash (a flush reading
 * unmapped pages) fails one test with the signal.
 *
 *   node --import tsx --expose-gc flush-close-child.ts <scenario> <dir>
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MemoryMappedFile } from '../../node/index.js';

const [scenario, dir] = process.argv.slice(2) as [string, string];
const SIZE = 32 << 20;

function mapped(file: string): boolean {
  const real = fs.realpathSync(file);
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').some((l) => l.endsWith(' ' + real));
}

/** Whether this process still has the file open (a descriptor in /proc/self/fd leads to it). */
function open(file: string): boolean {
  const real = fs.realpathSync(file);
  return fs.readdirSync('/proc/self/fd').some((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === real;
    } catch {
      return false;
    }
  });
}

/** Every page of the file holds its page number's low byte (what the scenarios write). */
function fileIsWhole(file: string): boolean {
  const data = fs.readFileSync(file);
  if (data.length !== SIZE) return false;
  for (let page = 0; page < SIZE / 4096; page++) if (data[page * 4096] !== (page & 0xff) || data[page * 4096 + 4095] !== 0xaa) return false;
  return true;
}

function fill(bytes: Uint8Array): void {
  bytes.fill(0xaa);
  for (let page = 0; page < SIZE / 4096; page++) bytes[page * 4096] = page & 0xff;
}

/**
 * Runs `code` in a worker with MemoryMappedFile in scope, then terminates the
 * worker as soon as the code has run (whatever it started is still in flight).
 * Workers do not inherit tsx's loader: the worker registers it, then loads memmap's sources.
 */
async function inWorker(code: string): Promise<void> {
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const memmap = new URL('../../node/index.ts', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(memmap)}); }).then(({ MemoryMappedFile }) => {
       ${code}
       parentPort.postMessage('started');
     });`,
    { eval: true },
  );
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  await worker.terminate();
}

async function main(): Promise<unknown> {
  const file = path.join(dir, 'flush.bin');
  if (scenario === 'worker') {
    // A worker writes and starts a flush, then is terminated while the flush runs.
    await inWorker(`const map = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { mode: 'createNew', capacity: ${SIZE} });
      const view = map.createViewAccessorSync();
      view.bytes.fill(0xaa);
      for (let p = 0; p < ${SIZE / 4096}; p++) view.bytes[p * 4096] = p & 0xff;
      view.flushAsync();`);
    return { whole: fileIsWhole(file), stillMapped: mapped(file) };
  }
  if (scenario === 'openTerminated') {
    // A worker starts opening (on the thread pool) and is terminated before the open settles.
    await inWorker(`MemoryMappedFile.createFromFile(${JSON.stringify(file)}, { mode: 'createNew', capacity: ${SIZE} });`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { created: fs.existsSync(file), stillOpen: fs.existsSync(file) && open(file) };
  }
  const map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: SIZE });
  let view = map.createViewAccessorSync();
  fill(view.bytes);
  let outcome = 'resolved';
  if (scenario === 'close') {
    const flushing = view.flushAsync();
    view.close();
    map.close();
    await flushing.catch((err: Error & { code?: string }) => (outcome = `rejected ${err.code}: ${err.message}`));
    return { outcome, whole: fileIsWhole(file), stillMapped: mapped(file) };
  }
  if (scenario === 'moved') {
    const flushing = view.flushAsync();
    const moved = new Uint8Array((view.bytes.buffer as ArrayBuffer & { transfer(): ArrayBuffer }).transfer());
    view.close();
    map.close();
    await flushing.catch((err: Error & { code?: string }) => (outcome = `rejected ${err.code}: ${err.message}`));
    moved[4096] = 0x55; // inert pages now: never the file
    return { outcome, whole: fileIsWhole(file), movedReads: moved[0], stillMapped: mapped(file) };
  }
  if (scenario === 'dropped') {
    // The view is dropped unclosed while its flush runs; collection must wait for the flush.
    const flushing = view.flushAsync();
    view = undefined as never;
    map.close();
    for (let i = 0; i < 5; i++) (globalThis as { gc?: () => void }).gc?.();
    await flushing.catch((err: Error & { code?: string }) => (outcome = `rejected ${err.code}: ${err.message}`));
    return { outcome, whole: fileIsWhole(file) };
  }
  throw new Error(`unknown scenario ${scenario}`);
}

main().then(
  (r) => console.log(JSON.stringify(r)),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
