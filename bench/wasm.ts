/**
 * The wasm backend's persisted maps: how close a page cache in WASM memory
 * over node:fs comes to real mmap (the native backend) and to plain
 * `fs.readSync`, which page size it should use, and whether its memory stays
 * bounded by its cache when the file is far larger.
 *
 *   contender                     bytes come from
 *   ----------------------------  ----------------------------------------------
 *   wasm accessor / stream        frame in WASM memory ◀─ pager ◀─ fs.readSync ◀─ OS page cache
 *   native accessor               mapping ─► OS page cache
 *   DataView on heap ArrayBuffer  V8 heap
 *   fs.readSync                   syscall ─► OS page cache ─► copy
 *
 * Figures, each a ratio against a baseline measured in the same run:
 *
 *   1. Warm random 8-byte reads: `readFloat64` at 8-aligned random positions
 *      in the first 64 MiB of the file, wasm (cacheSize 96 MiB, so every page
 *      stays resident, warmed first) vs native on the same file; target
 *      ≥ 0.45× native. A DataView over an in-heap copy is the context row.
 *   1b. Warm random 8-byte writes: `writeFloat64` at the same positions, on
 *      a scratch file per backend made by the map and touched first (wasm:
 *      the same 96 MiB cache), vs native; a DataView over a heap buffer is
 *      the context row. No target: it shows what the typed writes' checks
 *      (position, access, the value's type) cost on each backend.
 *   2. Cold sequential read of the whole file (256 MiB by default) through a
 *      wasm view stream in 1 MiB chunks vs `fs.readSync` in 64 KiB chunks
 *      (the default page size); target ≥ 0.9×. "Cold" is the map's cache:
 *      every run opens a fresh map (empty page cache) and closes it, and its
 *      time includes that. The OS page cache is warm for both contenders
 *      (the file was just written; system caches are not dropped), so both
 *      read the same bytes from memory and the figure measures the pager's
 *      overhead over the syscalls it makes. The baseline's 64 KiB buffer
 *      stays in the CPU cache; the pager's frames rotate through the whole
 *      cache (16 MiB), so its read(2) calls write to memory that is not.
 *      Whole missing pages go straight from the file into the caller's
 *      buffer (a run of them per read) under every policy: target ≥ 0.9×
 *      with the default options, ≥ 1.0× after advise('sequential'). Reads
 *      of part of a page (context rows: stream.read 4 KiB) load a page per
 *      miss by default, and read ahead 1 MiB per storage read after
 *      advise('sequential').
 *      Context rows: the wasm stream reading 1 MiB chunks, and
 *      `fs.readSync` in 1 MiB chunks (which swings between ~1.5 and ~13 GB/s
 *      from run to run on these machines). Page sizes 4 and 16 KiB are rows
 *      too.
 *   3. Page sizes: warm random 8-byte reads in a 12 MiB region (a copy of the
 *      file's first 12 MiB per page size: the maps of one file share one
 *      cache) with the default 16 MiB cache, and cold random 4 KiB `readArray` over the whole
 *      file on a fresh map (vs `fs.readSync` of 4 KiB at the same positions),
 *      for pageSize 4096, 16384 and 65536 with the same cache size, and the
 *      default 64 KiB pages after advise('random'); target ≥ 0.8× with the
 *      default options (the cache notices the scattered misses and reads
 *      only what each read asks for) and with advise('random'); a table
 *      puts them next to figure 2 to justify the default.
 *   4. Memory: a 4 GiB sparse file made by the map (mode createNew), cacheSize
 *      64 MiB, 200k random 8-byte operations across the whole file (one in
 *      16 a write; some reads come back to positions written 8 and 8196
 *      operations earlier, so the checksum proves writes survive eviction and
 *      re-reading). WASM memory must stay under 96 MiB; it is reported before
 *      the map opened, while it was open and after the operations. This
 *      figure runs first, before any other map has grown WASM memory (which
 *      never shrinks). Its time per operation, against `fs.readSync` /
 *      `fs.writeSync` of 8 bytes on a fresh sparse file and an fsync at the
 *      end (the map's close makes its writes durable), both on tmpfs
 *      (/dev/shm) where there is one, so that the disk does not decide
 *      it: target ≥ 0.8× with default options and with advise('random') (nearly every operation
 *      misses the cache: a read reads its 8 bytes past the cache, a write
 *      goes straight to the file).
 *   5. Opening a map of a file that is already open in this thread: the new
 *      map joins the file's page cache instead of making one (target: under
 *      50 µs, open and close), against `fs.openSync` + `fs.fstatSync` +
 *      `fs.closeSync` of the same file (the system calls any open makes),
 *      with the first map's open (a fresh default cache) as context.
 *
 * Usage: node --import tsx bench/wasm.ts [--size-mib N] [--rounds N] [--json PATH]
 * (--size-mib sets the file of figures 1–3, default 256, at least 16; figure
 * 1 reads its first 64 MiB, or all of a smaller file). The
 * exit code is 0 whatever the ratios (a benchmark is not a test) and
 * non-zero on errors.
 *
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryMappedFile, type Advice, type ViewAccessor } from '../node/index.js';
import { nodeWasmPlatform } from '../wasm/node-platform.js';
import { fillWithFloats, writeFileFully } from './data.js';
import {
  printFigure,
  printSpeedup,
  randomPositions,
  rowsToJson,
  runFigure,
  sinkValue,
  type Contender,
  type Row,
} from './harness.js';
import { runBench, writeJson } from './output.js';
import { benchOptions, type BenchOptions } from './options.js';

const KiB = 1024;
const MiB = 1 << 20;
const GiB = 1 << 30;
const PAGE_SIZES = [4096, 16384, 65536] as const;
const DEFAULT_PAGE = 65536;
/** Figure 1: the region read (or the whole file if smaller), and a cache that holds all of it. */
const WARM_REGION = 64 * MiB;
const WARM_CACHE = 96 * MiB;
/** Figure 3: a region that fits the default 16 MiB cache at every page size. */
const SMALL_REGION = 12 * MiB;
/** The smallest file --size-mib allows: figure 3's region and then some. */
const MIN_SIZE_MIB = 16;
const OPS_8B = 1 << 22;
const SEQ_CHUNK = MiB;
const FS_CHUNK = 64 * KiB;
/** The sequential checksum adds the first and last word of every 64 KiB block, whatever the chunk size. */
const BLOCK = 64 * KiB;
const OPS_COLD_4K = 1 << 14;
const PAGE_4K = 4096;
/** Figure 4. */
const BIG = 4 * GiB;
const BIG_CACHE = 64 * MiB;
const BIG_OPS = 200_000;
const MEMORY_LIMIT = 96 * MiB;


function parseOptions(): BenchOptions {
  return benchOptions({ fallback: 256, min: MIN_SIZE_MIB, max: 2048 });
}

function wasmMemoryBytes(): number {
  return nodeWasmPlatform.core().memory.buffer.byteLength;
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

function openWasm(file: string, pageSize: number, cacheSize?: number): MemoryMappedFile {
  return MemoryMappedFile.createFromFileSync(file, { mode: 'open', access: 'read', backend: 'wasm', pageSize, cacheSize });
}

// --- Random 8-byte reads (figures 1 and 3) -------------------------------------
// One function per contender kind, so each call site stays monomorphic.

function dataViewRead8(dv: DataView, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += dv.getFloat64(positions[i] as number, true);
  return sum;
}

function nativeRead8(acc: ViewAccessor, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += acc.readFloat64(positions[i] as number);
  return sum;
}

function wasmRead8(acc: ViewAccessor, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += acc.readFloat64(positions[i] as number);
  return sum;
}

// --- Random 8-byte writes (figure 1b) ---------------------------------------------
// One function per contender kind, as for the reads. The checksum is the sum of the
// values written and a read-back of the last one.

function dataViewWrite8(dv: DataView, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    dv.setFloat64(positions[i] as number, i + 0.5, true);
    sum += i + 0.5;
  }
  return sum + dv.getFloat64(positions[count - 1] as number, true);
}

function nativeWrite8(acc: ViewAccessor, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    acc.writeFloat64(positions[i] as number, i + 0.5);
    sum += i + 0.5;
  }
  return sum + acc.readFloat64(positions[count - 1] as number);
}

function wasmWrite8(acc: ViewAccessor, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    acc.writeFloat64(positions[i] as number, i + 0.5);
    sum += i + 0.5;
  }
  return sum + acc.readFloat64(positions[count - 1] as number);
}

/** Reads one byte of every 4 KiB, so every page of the view is resident (and, native, faulted in). */
function warmUp(acc: ViewAccessor): number {
  let sum = 0;
  for (let p = 0; p < acc.capacity; p += PAGE_4K) sum += acc.readUint8(p);
  return sum;
}

// --- Sequential reads (figure 2) -----------------------------------------------

/**
 * Adds to `sum` the first and last word of each 64 KiB block of the first
 * `length` bytes of `words`, one word at a time, so the result does not
 * depend on how the bytes were split into chunks.
 */
function addBlocks(sum: number, words: Float64Array, length: number): number {
  const per = BLOCK / 8;
  for (let w = 0; w < length / 8; w += per) {
    sum += words[w] as number;
    sum += words[w + per - 1] as number;
  }
  return sum;
}

/**
 * Reads the file through a fresh map's stream, `piece` bytes per read (default: the whole chunk),
 * after `advice` (the file cache's policy) when given.
 */
function wasmStreamCold(file: string, pageSize: number, chunk: Uint8Array, words: Float64Array, piece = chunk.length, advice?: Advice): number {
  let sum = 0;
  using map = openWasm(file, pageSize);
  if (advice) {
    using acc = map.createViewAccessorSync();
    acc.advise(advice);
  }
  using stream = map.createViewStreamSync();
  for (;;) {
    let filled = 0;
    while (filled < chunk.length) {
      const n = stream.read(chunk, filled, Math.min(piece, chunk.length - filled));
      if (n === 0) break;
      filled += n;
    }
    if (filled === 0) return sum;
    sum = addBlocks(sum, words, filled);
  }
}

function fsSequential(file: string, size: number, chunk: Uint8Array, words: Float64Array): number {
  let sum = 0;
  const fd = fs.openSync(file, 'r');
  try {
    for (let off = 0; off < size; off += chunk.length) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, off);
      if (n !== chunk.length) throw new Error('short read');
      sum = addBlocks(sum, words, n);
    }
  } finally {
    fs.closeSync(fd);
  }
  return sum;
}

// --- Cold random 4 KiB reads (figure 3) ----------------------------------------

function wasmRandom4kCold(file: string, pageSize: number, positions: Uint32Array, dst: Uint8Array, words: Float64Array, advice?: Advice): number {
  let sum = 0;
  using map = openWasm(file, pageSize);
  using acc = map.createViewAccessorSync();
  if (advice) acc.advise(advice);
  for (let i = 0; i < positions.length; i++) {
    acc.readArray(positions[i] as number, dst);
    sum += (words[0] as number) + (words[PAGE_4K / 8 - 1] as number);
  }
  return sum;
}

function fsRandom4k(file: string, positions: Uint32Array, dst: Uint8Array, words: Float64Array): number {
  let sum = 0;
  const fd = fs.openSync(file, 'r');
  try {
    for (let i = 0; i < positions.length; i++) {
      if (fs.readSync(fd, dst, 0, PAGE_4K, positions[i] as number) !== PAGE_4K) throw new Error('short read');
      sum += (words[0] as number) + (words[PAGE_4K / 8 - 1] as number);
    }
  } finally {
    fs.closeSync(fd);
  }
  return sum;
}

// --- Opening a map of a file already open (figure 5) ---------------------------

const OPENS = 2000;
/** The most a second map of an open file may take to open and close, in µs. */
const JOIN_TARGET_US = 50;

/** Opens and closes `count` maps of `file`, each with a view; returns how many had their 8-byte view. */
function openMaps(file: string, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    using map = openWasm(file, DEFAULT_PAGE);
    using view = map.createViewAccessorSync(0, 8);
    sum += view.capacity === 8 ? 1 : 0;
  }
  return sum;
}

function fsOpens(file: string, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const fd = fs.openSync(file, 'r');
    sum += fs.fstatSync(fd).size > 0 ? 1 : 0;
    fs.closeSync(fd);
  }
  return sum;
}

/** `file` stays open (its cache too) while its second maps come and go; `other` is opened fresh each time. */
function openFigure(file: string, other: string, rounds: number): Row[] {
  using _held = openWasm(file, DEFAULT_PAGE);
  const fresh = OPENS / 20;
  return runFigure({
    figure: 'open and close a map of a file already open in this thread, with a view (wasm: it joins the page cache)',
    unit: 'µs/op',
    rounds,
    baseline: { name: 'fs.openSync + fstatSync + closeSync', ops: OPENS, run: () => fsOpens(file, OPENS), expected: OPENS },
    others: [
      { name: 'wasm, a second map of the open file', ops: OPENS, run: () => openMaps(file, OPENS), expected: OPENS },
      { name: 'wasm, the first map of a file (a fresh default cache)', ops: fresh, run: () => openMaps(other, fresh), expected: fresh },
    ],
  });
}

// --- Memory (figure 4) -----------------------------------------------------------

/**
 * The operations of figure 4: operation i writes `i + 0.5` at positions[i]
 * when i % 16 is 0, and reads positions[i] otherwise. Operations with
 * i % 16 = 8 read back the write 8 operations earlier (its page is still
 * cached); those with i % 16 = 4 read back the write 8196 operations earlier
 * (its page has long been evicted, written back and must be read again).
 */
function bigOperations(seed: number): Uint32Array {
  const positions = randomPositions(BIG_OPS, BIG, 8, seed);
  for (let i = 0; i < BIG_OPS; i++) {
    if ((i & 15) === 8) positions[i] = positions[i - 8] as number;
    else if ((i & 15) === 4 && i >= 8196) positions[i] = positions[i - 8196] as number;
  }
  return positions;
}

function wasmBigOps(acc: ViewAccessor, positions: Uint32Array): number {
  let sum = 0;
  for (let i = 0; i < positions.length; i++) {
    if ((i & 15) === 0) acc.writeFloat64(positions[i] as number, i + 0.5);
    else sum += acc.readFloat64(positions[i] as number);
  }
  return sum;
}

function fsBigOps(fd: number, positions: Uint32Array, word: Uint8Array, wordView: DataView): number {
  let sum = 0;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i] as number;
    if ((i & 15) === 0) {
      wordView.setFloat64(0, i + 0.5, true);
      if (fs.writeSync(fd, word, 0, 8, p) !== 8) throw new Error('short write');
    } else {
      if (fs.readSync(fd, word, 0, 8, p) !== 8) throw new Error('short read');
      sum += wordView.getFloat64(0, true);
    }
  }
  return sum;
}

interface MemoryReport {
  before: number;
  opened: number;
  afterOps: number;
  afterClose: number;
}

/** What the reads of figure 4 must add up to: each reads the last value written at its position, or 0. */
function bigExpected(positions: Uint32Array): number {
  const written = new Map<number, number>();
  let sum = 0;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i] as number;
    if ((i & 15) === 0) written.set(p, i + 0.5);
    else sum += written.get(p) ?? 0;
  }
  return sum;
}

/**
 * Figure 4. Every run is on a fresh sparse file (a run on the same file would
 * read the previous run's writes), with no warm-up round: a run takes
 * seconds (nearly every operation misses the cache), so the JIT is warm
 * within it. The rounds (at most 3) run the contenders in a rotating order:
 * a run that follows another pays for the file system's work on the
 * previous run's writes (block allocation, write-back, the removed file),
 * which a fixed order would charge to the same contender every time.
 */
function memoryFigure(tmp: string, bigRounds: number): { rows: Row[]; memory: MemoryReport } {
  // On tmpfs where there is one: the figure measures the operations, not the disk. On disk, the
  // fsync of each run's 12.5k scattered blocks took seconds and swung by ±50% from run to run.
  const dir = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/memmap-bench-') : tmp;
  const before = wasmMemoryBytes();
  const memory: MemoryReport = { before, opened: before, afterOps: before, afterClose: before };
  const positions = bigOperations(4);
  const expected = bigExpected(positions);
  const word = new Uint8Array(8);
  const wordView = new DataView(word.buffer);
  const wasmFile = path.join(dir, 'sparse-wasm.bin');
  const fsFile = path.join(dir, 'sparse-fs.bin');
  const wasmRun = (advice?: Advice): number => {
    let sum: number;
    fs.rmSync(wasmFile, { force: true });
    {
      using map = MemoryMappedFile.createFromFileSync(wasmFile, {
        mode: 'createNew',
        capacity: BIG,
        backend: 'wasm',
        cacheSize: BIG_CACHE,
      });
      using acc = map.createViewAccessorSync();
      if (advice) acc.advise(advice);
      memory.opened = wasmMemoryBytes();
      sum = wasmBigOps(acc, positions);
      memory.afterOps = wasmMemoryBytes();
    }
    memory.afterClose = wasmMemoryBytes();
    return sum;
  };
  const fsRun = (): number => {
    fs.rmSync(fsFile, { force: true });
    const fd = fs.openSync(fsFile, 'wx+');
    try {
      fs.ftruncateSync(fd, BIG);
      const sum = fsBigOps(fd, positions, word, wordView);
      fs.fsyncSync(fd); // as the map's close makes its writes durable
      return sum;
    } finally {
      fs.closeSync(fd);
    }
  };
  try {
    const rows = runFigure({
      figure: `4 GiB sparse file, ${BIG_OPS / 1000}k random 8-byte ops (1 in 16 a write), cacheSize 64 MiB, median of ${bigRounds} rounds`,
      unit: 'µs/op',
      rounds: bigRounds,
      warmUp: false,
      baseline: { name: 'fs.readSync / fs.writeSync 8 B', ops: BIG_OPS, run: fsRun, expected },
      others: [
        { name: 'wasm accessor (64 KiB pages)', ops: BIG_OPS, run: () => wasmRun(), expected, target: 0.8 },
        { name: "wasm accessor (64 KiB pages), advise('random')", ops: BIG_OPS, run: () => wasmRun('random'), expected, target: 0.8 },
      ],
    });
    return { rows, memory };
  } finally {
    fs.rmSync(wasmFile, { force: true });
    fs.rmSync(fsFile, { force: true });
    if (dir !== tmp) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function printMemory(memory: MemoryReport): void {
  const peak = Math.max(memory.opened, memory.afterOps, memory.afterClose);
  console.log("  WASM memory (the process's one core instance):");
  console.log(`    before the map opened          ${mib(memory.before).padStart(10)}`);
  console.log(`    map open (cache allocated)     ${mib(memory.opened).padStart(10)}  (+${mib(memory.opened - memory.before)})`);
  console.log(`    after ${BIG_OPS / 1000}k ops across 4 GiB     ${mib(memory.afterOps).padStart(10)}  (+${mib(memory.afterOps - memory.opened)} during the ops)`);
  console.log(`    after close                    ${mib(memory.afterClose).padStart(10)}`);
  console.log(
    `  peak ${mib(peak)} ${peak < MEMORY_LIMIT ? '<' : '≥'} limit ${mib(MEMORY_LIMIT)}: ${peak < MEMORY_LIMIT ? 'PASS' : 'BELOW'}; ` +
      `the map is ${(BIG / peak).toFixed(1)}× the WASM memory`,
  );
}

// --- Page-size table -------------------------------------------------------------

function pageLabel(pageSize: number): string {
  return `${pageSize / KiB} KiB`;
}

function printPageSizeTable(warm: readonly Row[], seq: readonly Row[], cold4k: readonly Row[]): void {
  const find = (rows: readonly Row[], pageSize: number): Row => {
    const names = [`wasm, ${pageLabel(pageSize)} pages`, `wasm, ${pageLabel(pageSize)} pages: stream.read ${pageLabel(pageSize)}`];
    const row = rows.find((r) => names.includes(r.contender));
    if (!row) throw new Error(`no row for page size ${pageSize}`);
    return row;
  };
  const cell = (r: Row): string => {
    const value = r.unit === 'GB/s' ? `${r.value.toFixed(2)} GB/s` : `${r.value.toFixed(r.value >= 10 ? 1 : 2)} ${r.unit}`;
    return `${value} (${r.ratio.toFixed(3)}×)`;
  };
  const cols = ['warm random 8 B (× native)', 'cold sequential (× fs 64 KiB)', 'cold random 4 KiB (× fs 4 KiB)'];
  console.log('\npage size (same 16 MiB cache)');
  console.log(`  ${'page'.padEnd(6)}  ${cols.map((c) => c.padStart(30)).join('  ')}`);
  for (const ps of PAGE_SIZES) {
    const cells = [find(warm, ps), find(seq, ps), find(cold4k, ps)].map((r) => cell(r).padStart(30));
    console.log(`  ${pageLabel(ps).padEnd(6)}  ${cells.join('  ')}${ps === DEFAULT_PAGE ? '  (default)' : ''}`);
  }
}

function main(): void {
  const opts = parseOptions();
  const size = opts.sizeMiB * MiB;
  console.log(
    `wasm backend (page cache over node:fs) vs native and fs: median of ${opts.rounds} interleaved rounds; ` +
      `node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]?.toFixed(2)}`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-bench-'));
  const file = path.join(dir, 'data.bin');
  const open: { close(): void }[] = [];
  const keep = <T extends { close(): void }>(x: T): T => {
    open.push(x);
    return x;
  };
  try {
    const rows: Row[] = [];

    // Figure 4 first: nothing else may have grown WASM memory yet.
    const big = memoryFigure(dir, Math.min(opts.rounds, 3));
    printFigure(big.rows);
    printSpeedup(big.rows[0] as Row, big.rows[1] as Row);
    printMemory(big.memory);
    rows.push(...big.rows);

    let t = Date.now();
    const heap = new Uint8Array(new ArrayBuffer(size));
    fillWithFloats(heap, 0x5eed);
    writeFileFully(file, heap);
    console.log(`\nsetup: filled and wrote ${opts.sizeMiB} MiB in ${Date.now() - t} ms; the OS page cache holds it from here on`);

    // Figure 1.
    const warmRegion = Math.min(WARM_REGION, size);
    t = Date.now();
    const nativeMap = keep(MemoryMappedFile.createFromFileSync(file, { mode: 'open', access: 'read', backend: 'native' }));
    const nativeWarm = keep(nativeMap.createViewAccessorSync(0, warmRegion));
    const wasmWarmMap = keep(openWasm(file, DEFAULT_PAGE, WARM_CACHE));
    const wasmWarm = keep(wasmWarmMap.createViewAccessorSync(0, warmRegion));
    warmUp(nativeWarm);
    warmUp(wasmWarm);
    console.log(`warm-up: touched every page of the ${warmRegion / MiB} MiB region through both maps in ${Date.now() - t} ms`);
    const heapDv = new DataView(heap.buffer);
    const pos8 = randomPositions(OPS_8B, warmRegion, 8, 1);
    const expected8 = dataViewRead8(heapDv, pos8, OPS_8B);
    const fig1 = runFigure({
      figure: `warm random 8-byte reads in ${warmRegion / MiB} MiB (readFloat64; wasm cache ${WARM_CACHE / MiB} MiB, 64 KiB pages)`,
      unit: 'ns/op',
      rounds: opts.rounds,
      baseline: { name: 'native accessor', ops: OPS_8B, run: () => nativeRead8(nativeWarm, pos8, OPS_8B), expected: expected8 },
      others: [
        { name: 'wasm accessor', ops: OPS_8B, run: () => wasmRead8(wasmWarm, pos8, OPS_8B), expected: expected8, target: 0.45 },
        { name: 'DataView on heap ArrayBuffer', ops: OPS_8B, run: () => dataViewRead8(heapDv, pos8, OPS_8B), expected: expected8 },
      ],
    });
    printFigure(fig1);
    printSpeedup(fig1[1] as Row, fig1[2] as Row);
    rows.push(...fig1);
    wasmWarm.close();
    wasmWarmMap.close();

    // Figure 1b: the same positions written, each backend on a scratch file of its own.
    const scratchMaps: MemoryMappedFile[] = [];
    const writable = (backend: 'native' | 'wasm'): ViewAccessor => {
      const scratch = path.join(dir, `writes-${backend}.bin`);
      const map = keep(MemoryMappedFile.createFromFileSync(scratch, { mode: 'createNew', capacity: warmRegion, backend, cacheSize: WARM_CACHE }));
      scratchMaps.push(map);
      const acc = keep(map.createViewAccessorSync());
      for (let p = 0; p < warmRegion; p += PAGE_4K) acc.writeUint8(p, 0);
      return acc;
    };
    const nativeWrites = writable('native');
    const wasmWrites = writable('wasm');
    const scratchHeap = new DataView(new ArrayBuffer(warmRegion));
    const expectedWrites = dataViewWrite8(scratchHeap, pos8, OPS_8B);
    const fig1b = runFigure({
      figure: `warm random 8-byte writes in ${warmRegion / MiB} MiB (writeFloat64; wasm cache ${WARM_CACHE / MiB} MiB, 64 KiB pages)`,
      unit: 'ns/op',
      rounds: opts.rounds,
      baseline: { name: 'native accessor', ops: OPS_8B, run: () => nativeWrite8(nativeWrites, pos8, OPS_8B), expected: expectedWrites },
      others: [
        { name: 'wasm accessor', ops: OPS_8B, run: () => wasmWrite8(wasmWrites, pos8, OPS_8B), expected: expectedWrites },
        { name: 'DataView on heap ArrayBuffer', ops: OPS_8B, run: () => dataViewWrite8(scratchHeap, pos8, OPS_8B), expected: expectedWrites },
      ],
    });
    printFigure(fig1b);
    rows.push(...fig1b);
    nativeWrites.close();
    wasmWrites.close();
    for (const map of scratchMaps) map.close();

    // Figure 2.
    const chunk = new Uint8Array(SEQ_CHUNK);
    const chunkWords = new Float64Array(chunk.buffer);
    const fsChunk = new Uint8Array(FS_CHUNK);
    const fsChunkWords = new Float64Array(fsChunk.buffer);
    const expectedSeq = addBlocks(0, new Float64Array(heap.buffer), size);
    const seqOps = size / SEQ_CHUNK;
    // The map is read as the baseline reads the file: in page-size chunks (the target row);
    // 1 MiB chunks are slower for both (a destination larger than the CPU's L2), shown as context.
    const seqOthers: Contender[] = PAGE_SIZES.slice()
      .reverse()
      .map((ps) => ({
        name: `wasm, ${pageLabel(ps)} pages: stream.read ${pageLabel(ps)}`,
        ops: seqOps,
        bytesPerOp: SEQ_CHUNK,
        run: () => wasmStreamCold(file, ps, fsChunk, fsChunkWords, ps),
        expected: expectedSeq,
        ...(ps === DEFAULT_PAGE ? { target: 0.9 } : {}),
      }));
    seqOthers.splice(1, 0, {
      name: "wasm, 64 KiB pages, advise('sequential'): stream.read 64 KiB",
      ops: seqOps,
      bytesPerOp: SEQ_CHUNK,
      run: () => wasmStreamCold(file, DEFAULT_PAGE, fsChunk, fsChunkWords, DEFAULT_PAGE, 'sequential'),
      expected: expectedSeq,
      target: 1.0,
    });
    // Reads smaller than a page: each miss loads a page; after advise('sequential') 1 MiB per storage read.
    for (const advice of [undefined, 'sequential'] as const) {
      seqOthers.push({
        name: `wasm, 64 KiB pages${advice ? `, advise('${advice}')` : ''}: stream.read 4 KiB`,
        ops: seqOps,
        bytesPerOp: SEQ_CHUNK,
        run: () => wasmStreamCold(file, DEFAULT_PAGE, fsChunk, fsChunkWords, PAGE_4K, advice),
        expected: expectedSeq,
      });
    }
    seqOthers.push({
      name: 'wasm, 64 KiB pages: stream.read 1 MiB',
      ops: seqOps,
      bytesPerOp: SEQ_CHUNK,
      run: () => wasmStreamCold(file, DEFAULT_PAGE, chunk, chunkWords),
      expected: expectedSeq,
    });
    seqOthers.push({
      name: 'fs.readSync 1 MiB',
      ops: seqOps,
      bytesPerOp: SEQ_CHUNK,
      run: () => fsSequential(file, size, chunk, chunkWords),
      expected: expectedSeq,
    });
    const fig2 = runFigure({
      figure: `cold sequential read of ${opts.sizeMiB} MiB (fresh map per run, default 16 MiB cache; OS page cache warm)`,
      unit: 'GB/s',
      rounds: opts.rounds,
      baseline: {
        name: 'fs.readSync 64 KiB',
        ops: seqOps,
        bytesPerOp: SEQ_CHUNK,
        run: () => fsSequential(file, size, fsChunk, fsChunkWords),
        expected: expectedSeq,
      },
      others: seqOthers,
    });
    printFigure(fig2);
    rows.push(...fig2);

    // Figure 3a: warm random 8-byte reads by page size.
    t = Date.now();
    const nativeSmall = keep(nativeMap.createViewAccessorSync(0, SMALL_REGION));
    // A file per page size: the maps of one file would share one page cache (with the first one's page size).
    const smallViews = PAGE_SIZES.map((ps) => {
      const copy = path.join(dir, `small-${ps}.bin`);
      writeFileFully(copy, heap.subarray(0, SMALL_REGION));
      const map = keep(openWasm(copy, ps));
      const acc = keep(map.createViewAccessorSync(0, SMALL_REGION));
      warmUp(acc);
      return { ps, acc };
    });
    warmUp(nativeSmall);
    console.log(`\nwarm-up: touched every page of the ${SMALL_REGION / MiB} MiB region through 4 maps in ${Date.now() - t} ms`);
    const posSmall = randomPositions(OPS_8B, SMALL_REGION, 8, 3);
    const expectedSmall = dataViewRead8(heapDv, posSmall, OPS_8B);
    const fig3a = runFigure({
      figure: `warm random 8-byte reads in ${SMALL_REGION / MiB} MiB by page size (default 16 MiB cache)`,
      unit: 'ns/op',
      rounds: opts.rounds,
      baseline: { name: 'native accessor', ops: OPS_8B, run: () => nativeRead8(nativeSmall, posSmall, OPS_8B), expected: expectedSmall },
      others: smallViews
        .slice()
        .reverse()
        .map(({ ps, acc }) => ({
          name: `wasm, ${pageLabel(ps)} pages`,
          ops: OPS_8B,
          run: () => wasmRead8(acc, posSmall, OPS_8B),
          expected: expectedSmall,
          ...(ps === DEFAULT_PAGE ? { target: 0.3 } : {}),
        })),
    });
    printFigure(fig3a);
    rows.push(...fig3a);
    for (const { acc } of smallViews) acc.close();

    // Figure 3b: cold random 4 KiB reads by page size.
    const pos4k = randomPositions(OPS_COLD_4K, size, PAGE_4K, 5);
    const page = new Uint8Array(PAGE_4K);
    const pageWords = new Float64Array(page.buffer);
    const expected4k = fsRandom4k(file, pos4k, page, pageWords);
    const fig3b = runFigure({
      figure: `cold random 4 KiB reads over ${opts.sizeMiB} MiB (readArray, fresh map per run, default 16 MiB cache)`,
      unit: 'µs/op',
      rounds: opts.rounds,
      baseline: {
        name: 'fs.readSync 4 KiB',
        ops: OPS_COLD_4K,
        run: () => fsRandom4k(file, pos4k, page, pageWords),
        expected: expected4k,
      },
      others: [
        ...PAGE_SIZES.slice()
          .reverse()
          .map((ps) => ({
            name: `wasm, ${pageLabel(ps)} pages`,
            ops: OPS_COLD_4K,
            run: () => wasmRandom4kCold(file, ps, pos4k, page, pageWords),
            expected: expected4k,
            ...(ps === DEFAULT_PAGE ? { target: 0.8 } : {}),
          })),
        {
          name: "wasm, 64 KiB pages, advise('random')",
          ops: OPS_COLD_4K,
          run: () => wasmRandom4kCold(file, DEFAULT_PAGE, pos4k, page, pageWords, 'random'),
          expected: expected4k,
          target: 0.8,
        },
      ],
    });
    printFigure(fig3b);
    rows.push(...fig3b);

    printPageSizeTable(fig3a, fig2, fig3b);

    // Figure 5: a second map of a file already open joins its cache.
    const other = path.join(dir, 'other.bin');
    writeFileFully(other, heap.subarray(0, MiB));
    const fig5 = openFigure(file, other, opts.rounds);
    printFigure(fig5);
    const second = fig5[1] as Row;
    console.log(`a second map of an open file opens and closes in ${second.value.toFixed(1)} µs (target: under ${JOIN_TARGET_US} µs)`);
    rows.push(...fig5);

    console.log(`\n(WASM memory at the end: ${mib(wasmMemoryBytes())}; checksum sink ${sinkValue()})`);
    const memory = big.memory;
    const memoryRows = (['before', 'opened', 'afterOps', 'afterClose'] as const).map((k) => ({
      figure: 'WASM memory, 4 GiB sparse file, cacheSize 64 MiB',
      contender: k,
      value: memory[k] / MiB,
      unit: 'MiB',
      ratio: memory[k] / memory.before,
      target: null,
    }));
    writeJson(opts.jsonPath, [...rowsToJson(rows), ...memoryRows]);
  } finally {
    for (const x of open.reverse()) x.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await runBench(main);
