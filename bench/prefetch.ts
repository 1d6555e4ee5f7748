/**
 * prefetch(): first-touch latency of a cold range after `await
 * view.prefetch()` against the same first touch without it, on the native
 * backend (pages faulted in on the thread pool) and the wasm backend (pages
 * loaded into the page cache in slices between which the event loop runs).
 *
 *   round:  drop the file from the OS page cache ─► open a fresh map and view
 *           ├─ cold:     touch one byte of every 4 KiB page, timed
 *           └─ prefetch: await view.prefetch(), timed, with the event loop's
 *                        longest stall meanwhile; then the same touch, timed
 *
 * The file (256 MiB by default) is written once and made durable; before
 * every run its pages are dropped from the OS page cache with `dd
 * iflag=nocache count=0` (GNU dd: posix_fadvise(POSIX_FADV_DONTNEED) over
 * the whole file), so "cold" means the storage, not only the map's cache.
 * Where dd cannot drop them (no GNU dd, or a file system that keeps them),
 * the run says so and the figures compare warm OS pages. The wasm map has a
 * cache larger than the file, so the whole range stays resident.
 *
 * Figures (medians of --rounds runs, interleaved): the touch without
 * prefetch is the baseline; the touch after prefetch is its ratio (how much
 * faster the first touch is once the range is resident); the prefetch itself
 * and prefetch + touch are context rows, as is the event loop's longest
 * stall during the prefetch (it never blocks the loop: a few milliseconds at
 * most on wasm, nothing on native).
 *
 * Usage: node --import tsx bench/prefetch.ts [--size-mib N] [--rounds N] [--json PATH]
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { MemoryMappedFile, type BackendName, type ViewAccessor } from '../node/index.js';
import { benchOptions } from './options.js';
import { runBench, writeJson } from './output.js';

const MiB = 1 << 20;
const PAGE = 4096;

/** Drops the file's pages from the OS page cache; false when it could not. */
function dropCache(file: string): boolean {
  const r = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Reads one byte of every 4 KiB page of the view: the first touch. */
function touch(view: ViewAccessor): number {
  let sum = 0;
  for (let p = 0; p < view.capacity; p += PAGE) sum += view.readUint8(p);
  return sum;
}

interface Run {
  coldMs: number;
  prefetchMs: number;
  afterMs: number;
  stallMs: number;
  sum: number;
}

function open(file: string, backend: BackendName, size: number): MemoryMappedFile {
  // The wasm cache holds the whole file (and then some), so a prefetch keeps all of it.
  return MemoryMappedFile.createFromFileSync(file, { access: 'read', backend, cacheSize: backend === 'wasm' ? size + 32 * MiB : undefined });
}

function coldTouch(file: string, backend: BackendName, size: number): { ms: number; sum: number } {
  using map = open(file, backend, size);
  using view = map.createViewAccessorSync();
  const t = performance.now();
  const sum = touch(view);
  return { ms: performance.now() - t, sum };
}

async function prefetchThenTouch(file: string, backend: BackendName, size: number): Promise<Omit<Run, 'coldMs'>> {
  using map = open(file, backend, size);
  using view = map.createViewAccessorSync();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let t = performance.now();
  await view.prefetch();
  const prefetchMs = performance.now() - t;
  delay.disable();
  t = performance.now();
  const sum = touch(view);
  return { prefetchMs, afterMs: performance.now() - t, stallMs: delay.max / 1e6, sum };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const opts = benchOptions({ fallback: 256, min: 16, max: 2048 }, 3);
  const size = opts.sizeMiB * MiB;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-prefetch-'));
  const file = path.join(dir, 'data.bin');
  console.log(
    `prefetch vs cold first touch of ${opts.sizeMiB} MiB (one byte per 4 KiB page), median of ${opts.rounds} rounds; ` +
      `node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]?.toFixed(2)}`,
  );
  const rows: object[] = [];
  try {
    const fd = fs.openSync(file, 'w');
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < opts.sizeMiB; i++) {
      block.fill(i & 255);
      fs.writeSync(fd, block);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    const dropped = dropCache(file);
    if (!dropped) console.log('(dd could not drop the file from the OS page cache: the runs below read warm OS pages)');
    for (const backend of ['native', 'wasm'] as const) {
      const runs: Run[] = [];
      for (let r = 0; r <= opts.rounds; r++) {
        dropCache(file);
        const cold = coldTouch(file, backend, size);
        dropCache(file);
        const after = await prefetchThenTouch(file, backend, size);
        if (after.sum !== cold.sum) throw new Error(`${backend}: checksums differ (${after.sum} vs ${cold.sum})`);
        if (r > 0) runs.push({ coldMs: cold.ms, ...after }); // round 0 warms the JIT
      }
      const cold = median(runs.map((x) => x.coldMs));
      const after = median(runs.map((x) => x.afterMs));
      const pre = median(runs.map((x) => x.prefetchMs));
      const stall = Math.max(...runs.map((x) => x.stallMs));
      const figure = `${backend}: first touch of a cold ${opts.sizeMiB} MiB range${dropped ? '' : ' (OS pages warm)'}`;
      console.log(`\n${figure}`);
      const line = (name: string, ms: number, ratio: number | null) =>
        console.log(`  ${name.padEnd(42)} ${ms.toFixed(1).padStart(9)} ms  ${ratio === null ? '' : `${ratio.toFixed(2)}×`}`);
      line('touch, no prefetch (baseline)', cold, 1);
      line('touch after await prefetch()', after, cold / after);
      line('prefetch() itself', pre, null);
      line('prefetch() + touch', pre + after, cold / (pre + after));
      console.log(`  event loop's longest stall during prefetch: ${stall.toFixed(1)} ms`);
      console.log(`  → the first touch after prefetch is ${(cold / after).toFixed(1)}× faster than a cold first touch`);
      for (const [contender, value, ratio] of [
        ['touch, no prefetch', cold, 1],
        ['touch after await prefetch()', after, cold / after],
        ['prefetch() + touch', pre + after, cold / (pre + after)],
        ["event loop's longest stall during prefetch", stall, null],
      ] as const) {
        rows.push({ figure, contender, value, unit: 'ms', ratio, spread: null, target: null });
      }
    }
    writeJson(opts.jsonPath, rows);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await runBench(main);
