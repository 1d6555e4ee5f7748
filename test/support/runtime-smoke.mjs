// The smoke run of memmap's built bundle on another runtime (Bun, Deno), for
// test/20-runtimes.test.ts: maps a file on the native backend, shares a named
// map with a second process of the same runtime, and maps a file on the wasm
// backend. Prints one JSON line: { case title: null (passed) | error message }.
//
//   <runtime> runtime-smoke.mjs <bundle> <dir>             the run
//   <runtime> runtime-smoke.mjs <bundle> <dir> peer <name>  the second process
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [bundle, dir, role, peerName] = process.argv.slice(2);
const { MemoryMappedFile } = await import(pathToFileURL(bundle).href);

if (role === 'peer') {
  // Opens the parent's named map, checks its bytes, answers in them.
  const map = MemoryMappedFile.openExistingSync(peerName);
  const view = map.createViewAccessorSync();
  const seen = view.readUint32(0);
  view.writeUint32(4, seen + 1);
  view.close();
  map.close();
  process.exit(0);
}

const results = {};
function check(title, fn) {
  try {
    fn();
    results[title] = null;
  } catch (err) {
    results[title] = String(err?.stack ?? err);
  }
}
function equal(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: ${actual} !== ${expected}`);
}

check('maps a file on the native backend: a write reaches the file', () => {
  const file = path.join(dir, 'native.bin');
  const map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 8192 });
  equal(map.backend, 'native', 'backend');
  const view = map.createViewAccessorSync();
  view.writeFloat64(4096, 2.5);
  view.flush();
  view.close();
  map.close();
  equal(fs.readFileSync(file).readDoubleLE(4096), 2.5, 'the file');
});

check('shares a named map with a second process of the same runtime', () => {
  const name = `memmap-smoke-${process.pid}`;
  const map = MemoryMappedFile.createNewSync(name, 4096);
  const view = map.createViewAccessorSync();
  view.writeUint32(0, 41);
  const script = fileURLToPath(import.meta.url);
  const args = typeof globalThis.Deno !== 'undefined' ? ['run', '-A', script] : [script];
  const peer = spawnSync(process.execPath, [...args, bundle, dir, 'peer', name], { encoding: 'utf8' });
  equal(peer.status, 0, `the peer's exit (${peer.stderr})`);
  equal(view.readUint32(4), 42, "the peer's answer");
  view.close();
  map.close();
  equal(fs.existsSync(`/dev/shm/${name}`), false, 'gone after the last close');
});

check('maps a file on the wasm backend: a flushed write reaches the file', () => {
  const file = path.join(dir, 'wasm.bin');
  fs.writeFileSync(file, Buffer.alloc(1 << 17));
  const map = MemoryMappedFile.createFromFileSync(file, { backend: 'wasm' });
  equal(map.backend, 'wasm', 'backend');
  const view = map.createViewAccessorSync();
  view.writeUint32(100000, 0xfeedface);
  view.flush();
  equal(view.readUint32(100000), 0xfeedface, 'read back');
  view.close();
  map.close();
  equal(fs.readFileSync(file).readUint32LE(100000), 0xfeedface, 'the file');
});

console.log(JSON.stringify(results));
