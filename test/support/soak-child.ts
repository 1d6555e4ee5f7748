/**
 * A child process for test/21-soak.test.ts and bench-free measurement: maps
 * and closes `cycles` times on one backend, the way a server that maps per
 * request does (the event loop turns every `turn` cycles), and prints one
 * JSON line: RSS growth after GC, and the native objects left alive.
 *
 *   node --import tsx --expose-gc soak-child.ts <kind> <cycles> <turn> [backend]
 *   kind: file | accessor | stream | named | anonymous
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeLiveObjects } from '../../node/backend.js';
import { MemoryMappedFile } from '../../node/index.js';

const [kind, cyclesArg, turnArg, backendArg] = process.argv.slice(2) as [string, string, string, string | undefined];
const cycles = Number(cyclesArg);
const turn = Number(turnArg);
const backend = (backendArg ?? 'native') as 'native' | 'wasm';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-soak-'));
const file = path.join(dir, 'soak.bin');
fs.writeFileSync(file, Buffer.alloc(1 << 16, 1));
const name = `memmap-soak-${process.pid}`;

function cycle(): void {
  const map =
    kind === 'named' ? MemoryMappedFile.createNewSync(name, 1 << 16, { backend })
    : kind === 'anonymous' ? MemoryMappedFile.createNewSync(null, 1 << 16, { backend })
    : MemoryMappedFile.createFromFileSync(file, { backend });
  if (kind === 'stream') {
    const s = map.createViewStreamSync();
    s.read(new Uint8Array(16));
    s.close();
  } else if (kind !== 'file') {
    const v = map.createViewAccessorSync();
    v.writeUint32(0, v.readUint32(4) + 1);
    v.close();
  }
  map.close();
}

const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    globalThis.gc!();
    await new Promise((r) => setTimeout(r, 25));
  }
}
async function run(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    cycle();
    if ((i + 1) % turn === 0) await new Promise((r) => setImmediate(r));
  }
}

await run(Math.min(cycles, 20_000)); // warm up: the JIT, V8's heap sizes, malloc's arenas
await settle();
const before = rssMiB();
await run(cycles);
await settle();
const after = rssMiB();
fs.rmSync(dir, { recursive: true, force: true });
const mem = process.memoryUsage();
console.log(JSON.stringify({ kind, cycles, growthMiB: after - before, heapTotalMiB: mem.heapTotal / 2 ** 20, live: backend === "native" ? nativeLiveObjects() : null }));
