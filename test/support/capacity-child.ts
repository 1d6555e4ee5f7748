/**
 * A child process for test/18-capacity.test.ts: asks for capacities the
 * system cannot provide and for large ones it can, on one backend, and prints
 * one JSON line of the results. The parent watches /proc/meminfo and kills
 * this process if it ever commits memory it should not.
 *
 *   node --import tsx capacity-child.ts <backend> <name> <room>
 */
import fs from 'node:fs';
import { MemoryMappedFile } from '../../node/index.js';

const [backend, name, room] = process.argv.slice(2) as ['native' | 'wasm', string, string];

function shmemKiB(): number {
  return Number(/Shmem:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]);
}

function attempt(fn: () => MemoryMappedFile): string {
  try {
    fn().close();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

const start = shmemKiB();
const opts = { backend };
const result = {
  anonymousHuge: attempt(() => MemoryMappedFile.createNewSync(null, 2 ** 53 - 1, opts)),
  namedHuge: attempt(() => MemoryMappedFile.createNewSync(name, 2 ** 53 - 1, opts)),
  namedAboveRoom: attempt(() => MemoryMappedFile.createNewSync(name, Number(room), opts)),
  createOrOpenAboveRoom: attempt(() => MemoryMappedFile.createOrOpenSync(name, Number(room), opts)),
  leftAfterRefusals: fs.existsSync(`/dev/shm/${name}`),
  // 1 GiB maps that the system can provide: made at once, with nothing committed until touched.
  committedMiB: 0,
  firstTouch: [] as number[],
};
{
  using named = MemoryMappedFile.createNewSync(name, 1 << 30, opts);
  using anonymous = MemoryMappedFile.createNewSync(null, 1 << 30, opts);
  result.committedMiB = (shmemKiB() - start) / 1024;
  for (const map of [named, anonymous]) {
    using view = map.createViewAccessorSync();
    view.writeUint8((1 << 30) - 1, 7);
    result.firstTouch.push(view.readUint8((1 << 30) - 1));
  }
}
console.log(JSON.stringify(result));
