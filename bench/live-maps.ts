/**
 * Live-map benchmark: growing a map while appending to it, and how long a
 * flush of many dirty pages stalls the event loop.
 *
 *   1. append in 4 KiB grows: a file map grown by 4 KiB before each 4 KiB
 *      chunk is written (growSync, then a view of the chunk, write, close)
 *      against one grow to the whole size and then the same writes (a view
 *      per chunk). The issue asks for under 10× the time: a ratio ≥ 0.1.
 *      Context rows: the async grow() per chunk (a thread-pool round trip
 *      each), and one view over the whole map (no view per chunk at all).
 *   2. event-loop stall while 128 MiB of dirty pages are flushed: the
 *      largest delay perf_hooks.monitorEventLoopDelay sees (1 ms timer
 *      resolution) while a 1 ms interval keeps the loop busy, during
 *      today's synchronous flush() (the baseline) and during flushAsync()
 *      on the native backend (target: ≤ 2 ms, printed as a ratio ≥ the
 *      sync stall / 2 ms) and on the wasm backend (slices, then an fsync
 *      on the thread pool; context). The histogram records whole timer
 *      intervals, so its floor is the 1 ms interval itself, and a busy
 *      machine adds its own delays: the idle loop over as long a time is
 *      reported as the floor.
 *
 * The files live in the OS temp directory; each round writes the whole size
 * afresh. Ratios are against the baseline of the same run.
 *
 * Usage: node --import tsx bench/live-maps.ts [--size-mib N] [--rounds N] [--json PATH]
 * (the append size defaults to 1024 MiB, or MEMMAP_BENCH_SIZE_MIB; the
 * flush is always 128 MiB).
 *
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MemoryMappedFile } from '../node/index.js';
import { printFigure, rowsOf, rowsToJson, runFigure, runFigureAsync, type Contender, type Row } from './harness.js';
import { writeJson } from './output.js';
import { benchOptions } from './options.js';

const CHUNK = 4096;
const FLUSH_BYTES = 128 << 20;

const opts = benchOptions({ fallback: 1024, min: 1, max: 8192 }, 3);
const size = opts.sizeMiB << 20;
const chunks = size / CHUNK;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-bench-live-'));
let fileCounter = 0;
const freshFile = () => path.join(dir, `live-${fileCounter++}.bin`);

const chunk = new Uint8Array(CHUNK);
for (let i = 0; i < CHUNK; i++) chunk[i] = (i * 31 + 7) & 0xff;
/** What every contender's file holds at the end: its checksum. */
const expected = chunks * chunk.reduce((a, b) => a + b, 0);

/** Writes chunk k through a view of just that chunk (what an appender that cannot see ahead does). */
function writeChunk(map: MemoryMappedFile, k: number): void {
  const view = map.createViewAccessorSync(k * CHUNK, CHUNK);
  view.writeArray(0, chunk);
  view.close();
}

/** The file's checksum (sum of bytes of the first chunk × chunks, checked on a sample of chunks). */
function checksumOf(map: MemoryMappedFile): number {
  using view = map.createViewAccessorSync();
  const out = new Uint8Array(CHUNK);
  let sum = 0;
  for (const k of [0, chunks >> 1, chunks - 1]) {
    view.readArray(k * CHUNK, out);
    if (out.some((b, i) => b !== chunk[i])) return -1;
  }
  for (const b of chunk) sum += b;
  return sum * chunks;
}

function done(map: MemoryMappedFile, file: string): number {
  const sum = checksumOf(map);
  map.close();
  fs.rmSync(file);
  return sum;
}

/** A run of an append contender: a fresh one-chunk file map that `append` fills; the checksum of the result. */
function appendRun(append: (map: MemoryMappedFile) => void): number {
  const file = freshFile();
  const map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: CHUNK });
  append(map);
  return done(map, file);
}

const oneGrow: Contender = {
  name: 'one growSync(size), then a view per 4 KiB chunk',
  ops: chunks,
  expected,
  run: () =>
    appendRun((map) => {
      map.growSync(size);
      for (let k = 0; k < chunks; k++) writeChunk(map, k);
    }),
};

const growEach: Contender = {
  name: 'growSync(+4 KiB) before each chunk, same writes',
  ops: chunks,
  expected,
  target: 0.1,
  run: () =>
    appendRun((map) => {
      for (let k = 0; k < chunks; k++) {
        if (k > 0) map.growSync((k + 1) * CHUNK);
        writeChunk(map, k);
      }
    }),
};

const oneView: Contender = {
  name: 'one growSync(size), one view over all (context)',
  ops: chunks,
  expected,
  run: () =>
    appendRun((map) => {
      map.growSync(size);
      const view = map.createViewAccessorSync();
      for (let k = 0; k < chunks; k++) view.writeArray(k * CHUNK, chunk);
      view.close();
    }),
};

/** The largest event-loop delay (ns) while `work` runs, with a 1 ms interval keeping the loop turning. */
async function stallDuring(work: () => Promise<void> | void): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const ticker = setInterval(() => {}, 1);
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await work();
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.disable();
  clearInterval(ticker);
  return histogram.max;
}

/** A fresh 128 MiB file map of `backend` with every page dirty, its view, and its file. */
function dirtyMap(backend: 'native' | 'wasm') {
  const file = freshFile();
  const map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: FLUSH_BYTES, backend });
  const view = map.createViewAccessorSync();
  const page = new Uint8Array(1 << 20).fill(0x5a);
  for (let at = 0; at < FLUSH_BYTES; at += page.length) view.writeArray(at, page);
  return {
    view,
    end() {
      view.close();
      map.close();
      fs.rmSync(file);
    },
  };
}

async function flushStalls(rounds: number): Promise<Row[]> {
  const names = [
    'sync flush() (native)',
    'flushAsync() (native, thread pool)',
    'flushAsync() (wasm, slices; context)',
    'no flush: the idle loop for as long (the floor; context)',
  ];
  const samples: number[][] = names.map(() => []);
  for (let round = 0; round < rounds; round++) {
    let lastAsync = 0;
    for (const [i, backend, how] of [
      [0, 'native', 'sync'],
      [1, 'native', 'async'],
      [2, 'wasm', 'async'],
    ] as const) {
      const m = dirtyMap(backend);
      const start = performance.now();
      samples[i]!.push(await stallDuring(() => (how === 'sync' ? m.view.flush() : m.view.flushAsync())));
      if (i === 1) lastAsync = performance.now() - start;
      m.end();
    }
    samples[3]!.push(await stallDuring(() => new Promise((resolve) => setTimeout(resolve, lastAsync))));
  }
  const source = (name: string, target?: number) => ({ name, ops: 1, target });
  // A row per flush: its largest stall; ratio = the sync stall / this one. ≤ 2 ms means a ratio ≥ sync / 2 ms.
  const syncStall = samples[0]!.reduce((a, b) => a + b, 0) / rounds;
  const targetRatio = Math.max(1, Math.floor((syncStall / 2e6) * 100) / 100);
  return rowsOf(
    {
      figure: `event-loop stall while ${FLUSH_BYTES >> 20} MiB of dirty pages are flushed (largest delay; target ≤ 2 ms)`,
      unit: 'µs/op',
      baseline: source(names[0]!),
      others: [source(names[1]!, targetRatio), source(names[2]!), source(names[3]!)],
    },
    samples,
  );
}

async function main(): Promise<void> {
  console.log(`append ${opts.sizeMiB} MiB in 4 KiB chunks; flush ${FLUSH_BYTES >> 20} MiB; ${opts.rounds} rounds; files in ${dir}`);
  const rows: Row[] = [];
  const append = runFigure({
    figure: `append ${opts.sizeMiB} MiB in 4 KiB grows vs one grow (target: under 10× the time)`,
    unit: 'µs/op',
    baseline: oneGrow,
    others: [growEach, oneView],
    rounds: opts.rounds,
    warmUp: false,
  });
  printFigure(append);
  const each = append.find((r) => r.contender === growEach.name) as Row;
  console.log(`  → 4 KiB grows take ${(1 / each.ratio).toFixed(2)}× the time of one grow (target < 10×)`);
  rows.push(...append);

  const growAsync = await runFigureAsync({
    figure: `append ${Math.min(opts.sizeMiB, 64)} MiB with await grow(+4 KiB) per chunk (thread pool; context)`,
    unit: 'µs/op',
    baseline: {
      name: 'growSync(+4 KiB) per chunk',
      ops: Math.min(chunks, 16384),
      expected: 0,
      run: async () => {
        const file = freshFile();
        const map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: CHUNK });
        for (let k = 1; k < Math.min(chunks, 16384); k++) map.growSync((k + 1) * CHUNK);
        map.close();
        fs.rmSync(file);
        return 0;
      },
    },
    others: [
      {
        name: 'await grow(+4 KiB) per chunk',
        ops: Math.min(chunks, 16384),
        expected: 0,
        run: async () => {
          const file = freshFile();
          const map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: CHUNK });
          for (let k = 1; k < Math.min(chunks, 16384); k++) await map.grow((k + 1) * CHUNK);
          map.close();
          fs.rmSync(file);
          return 0;
        },
      },
    ],
    rounds: opts.rounds,
  });
  printFigure(growAsync);
  rows.push(...growAsync);

  const stalls = await flushStalls(opts.rounds);
  printFigure(stalls);
  for (const r of stalls) console.log(`  → ${r.contender}: largest stall ${(r.value / 1000).toFixed(2)} ms`);
  rows.push(...stalls);

  writeJson(opts.jsonPath, rowsToJson(rows));
}

try {
  await main();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
