/**
 * A child process for test/21-native-memory.test.ts: opens maps and views of
 * every kind and drops them without close(), keeping the bytes of one view;
 * prints one JSON line of what the garbage collector released: the addon's
 * live objects, open descriptors and mappings of the file, and whether the
 * kept bytes still read the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeLiveObjects } from '../../node/backend.js';
import { MemoryMappedFile } from '../../node/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-dropped-'));
const file = path.join(dir, 'dropped.bin');
fs.writeFileSync(file, Buffer.alloc(1 << 16, 7));
/** Descriptors of this process open on what the maps below use: the file, their shm objects, memfds. */
const fds = () =>
  fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      return target === file || target.startsWith('/dev/shm/memmap-dropped-') || target.startsWith('/memfd:memmap');
    } catch {
      return false; // closed while listing (the listing's own descriptor)
    }
  }).length;
const mappings = () => fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.endsWith(' ' + file)).length;

const fdsBefore = fds();
let kept: Uint8Array | null = null;
(function drop() {
  for (let i = 0; i < 200; i++) {
    const map = MemoryMappedFile.createFromFileSync(file, { backend: 'native' });
    const view = map.createViewAccessorSync();
    map.createViewStreamSync().readByte();
    if (i === 0) kept = view.bytes;
    MemoryMappedFile.createNewSync(`memmap-dropped-${process.pid}-${i}`, 4096, { backend: 'native' }).createViewAccessorSync();
    MemoryMappedFile.createNewSync(null, 4096, { backend: 'native' });
  }
})();
const opened = nativeLiveObjects();
for (let i = 0; i < 20; i++) {
  globalThis.gc!();
  await new Promise((r) => setTimeout(r, 10));
}
const namesLeft = fs.readdirSync('/dev/shm').filter((n) => n.startsWith(`memmap-dropped-${process.pid}-`)).length;
const result = {
  opened,
  live: nativeLiveObjects(),
  fdsLeft: fds() - fdsBefore,
  mappingsLeft: mappings(),
  keptReads: kept![100],
  namesLeft,
};
kept = null;
for (let i = 0; i < 20; i++) {
  globalThis.gc!();
  await new Promise((r) => setTimeout(r, 10));
}
console.log(JSON.stringify({ ...result, liveAfterKeptDropped: nativeLiveObjects(), mappingsAfterKeptDropped: mappings(), fdsAfterKeptDropped: fds() - fdsBefore }));
fs.rmSync(dir, { recursive: true, force: true });
