/**
 * `npm run demo`: memmap's main job on this machine, in about ten seconds.
 *
 *   1. creates a large sparse file (default 1 GiB; --size 256M, 4G, …) and maps it;
 *   2. stamps every MiB of it through a view, with a progress bar;
 *   3. does random 8-byte reads and writes through the view;
 *   4. starts a second process that attaches to a named shared-memory map and
 *      exchanges messages with this one through it (spinning on Atomics);
 *   5. prints a table (operation, count, time, rate, backend) and removes
 *      what it made.
 *
 * Options: --size N[K|M|G], --backend native|wasm, --keep (keep the file).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryMappedFile } from '../node/index.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) throw new Error(`--size: cannot read '${text}' (try 256M, 1G, 4G)`);
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[(m[2] as string).toLowerCase()] as number;
  return Math.floor(Number(m[1]) * unit / 2 ** 20) * 2 ** 20;
}

const size = parseSize(option('size') ?? '1G');
const backend = (option('backend') ?? undefined) as 'native' | 'wasm' | undefined;
const keep = args.includes('--keep');
if (size < 2 ** 20) throw new Error('--size must be at least 1M');

const tty = process.stderr.isTTY;
function progress(label: string, done: number, total: number): void {
  const pct = Math.floor((done / total) * 100);
  if (tty) {
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r  ${label.padEnd(28)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}%`);
    if (done === total) process.stderr.write('\n');
  } else if (done === total) {
    process.stderr.write(`  ${label}: done\n`);
  }
}

interface Row {
  operation: string;
  count: number;
  ms: number;
  backend: string;
}
const rows: Row[] = [];
const fmtBytes = (n: number) => (n >= 2 ** 30 ? `${n / 2 ** 30} GiB` : `${n / 2 ** 20} MiB`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-demo-'));
const file = path.join(dir, 'demo.bin');
const shmName = `memmap-demo-${process.pid}`;

try {
  console.log(`memmap demo: a ${fmtBytes(size)} sparse file in ${dir}`);

  // 1-2. Create, map, stamp every MiB.
  let t = performance.now();
  const map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: size, backend });
  const view = map.createViewAccessorSync();
  rows.push({ operation: `create and map a ${fmtBytes(size)} sparse file`, count: 1, ms: performance.now() - t, backend: map.backend });
  const mib = size / 2 ** 20;
  t = performance.now();
  for (let i = 0; i < mib; i++) {
    view.writeBigUint64(i * 2 ** 20, BigInt(i) * 0x100000001n);
    if (i % 64 === 0 || i === mib - 1) progress('stamping every MiB', i + 1, mib);
  }
  view.flush();
  rows.push({ operation: 'stamp every MiB, then flush', count: mib, ms: performance.now() - t, backend: map.backend });

  // 3. Random reads and writes: a million, or as many as fit in 3 seconds (a paged
  //    wasm map whose cache is far smaller than the file pays a page load per miss).
  const ops = 1_000_000;
  const budgetMs = 3000;
  let x = 12345;
  let checksum = 0;
  let done = 0;
  t = performance.now();
  while (done < ops) {
    for (const end = done + 10000; done < end; done++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const pos = ((x >>> 0) % (size / 8)) * 8;
      if (done & 1) view.writeFloat64(pos, done);
      else checksum += view.readFloat64(pos);
    }
    const elapsed = performance.now() - t;
    progress('random 8-byte reads/writes', elapsed > budgetMs ? ops : done, ops);
    if (elapsed > budgetMs) break;
  }
  rows.push({ operation: 'random 8-byte reads and writes', count: done, ms: performance.now() - t, backend: map.backend });
  view.close();
  map.close();

  // 4. A second process attaches to a named map; the two exchange messages through it.
  const rounds = 20000;
  const shared = MemoryMappedFile.createNewSync(shmName, 4096, { backend: 'native' });
  const sview = shared.createViewAccessorSync();
  const cells = new Int32Array(sview.bytes.buffer, sview.bytes.byteOffset, 4);
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./node-peer.ts', import.meta.url)), shmName, String(rounds)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  while (Atomics.load(cells, 2) === 0) await new Promise((r) => setTimeout(r, 5)); // the peer has attached
  t = performance.now();
  for (let i = 1; i <= rounds; i++) {
    Atomics.store(cells, 0, i); // ping i
    while (Atomics.load(cells, 1) !== i); // wait for pong i
    if (i % 2000 === 0) progress('ping-pong with a second process', i, rounds);
  }
  const pingMs = performance.now() - t;
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the peer process failed (exit ${code})`);
  rows.push({ operation: 'ping-pong with another process (named map)', count: rounds, ms: pingMs, backend: shared.backend });
  sview.close();
  shared.close();

  // 5. The table.
  console.log('');
  const head = ['operation', 'count', 'time', 'per op', 'backend'];
  const body = rows.map((r) => [
    r.operation,
    r.count.toLocaleString('en-US'),
    `${r.ms.toFixed(1)} ms`,
    r.count > 1 ? `${((r.ms * 1e6) / r.count).toFixed(0)} ns` : '',
    r.backend,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  console.log(`\n(checksum ${checksum.toFixed(0)})`);
} finally {
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${file}`);
  fs.rmSync(`/dev/shm/${shmName}`, { force: true });
}
