/**
 * The measuring half of the browser benchmark (bench/browser/run.ts drives
 * it): runs in a dedicated worker of a headless browser, on the real bundle
 * dist/browser/memmap.mjs, over a file in the Origin Private File System.
 *
 *   contender              bytes come from
 *   ---------------------  ----------------------------------------------------
 *   raw handle.read        FileSystemSyncAccessHandle ─► OS page cache (baseline)
 *   map accessor / stream  frame in WASM memory; on a miss, the same handle.read
 *                          fills the frame first; then a copy out of the frame
 *
 * Figures, each a ratio against the raw handle in the same run:
 *   1. cold random 4 KiB reads: a freshly opened map (empty page cache) reads
 *      4 KiB with readArray at distinct random 4 KiB-aligned offsets, so every
 *      read is a miss; vs handle.read of 4 KiB at the same offsets. With 4 KiB
 *      pages, with the default 64 KiB pages (the cache notices the scattered
 *      misses and reads only the 4 KiB asked for) and with 64 KiB pages after
 *      advise('random'): target ≥ 0.8× each; the context row reads into a
 *      16 MiB buffer and copies out, as a page cache with no bookkeeping would.
 *   2. warm random 8-byte reads: readFloat64 over a working set inside the
 *      map's cache, warmed first; vs handle.read of 8 bytes at the same
 *      offsets. Two working sets: 512 KiB, which stays in the CPU's L2 cache,
 *      so the figure measures the map's code (the target applies here); and
 *      8 MiB (half the default cache), where every read misses the CPU's
 *      caches. Context rows: the accessor of an in-memory map (createNew, a
 *      SharedArrayBuffer, no paging) holding the same bytes, which is the
 *      floor of any accessor method call; and a DataView over an in-heap
 *      copy, the limit of any JS read. At 8 MiB both accessors are bound by
 *      how many cache misses the CPU overlaps: a tight DataView loop keeps
 *      many in flight, a method call with its checks only a few.
 *      Every contender's loop runs in calls of WARM_CHUNK operations (see
 *      inChunks), as a program's read loops are called again and again: V8
 *      then optimizes the loop function as a whole on every contender. One
 *      long loop per run left it to on-stack replacement, whose tier (Maglev
 *      or Turbofan) differed from run to run and moved the map's figure by up
 *      to 2×.
 *   3. sequential read of the whole file: a fresh map's stream in 1 MiB
 *      chunks, and in page-size chunks as the baseline reads (target ≥ 0.9×
 *      with the default options, ≥ 1.0× after advise('sequential'); whole
 *      missing pages go straight into the caller's buffer, a run of them per
 *      handle.read, under every policy); vs handle.read in page-size
 *      (64 KiB) chunks, with 1 MiB chunks and 1 MiB map pages as context rows.
 *   4. sequential write of the whole file, then a flush (both timed): a fresh
 *      map's stream in 1 MiB chunks (whole pages, which the map does not read
 *      before overwriting them); vs handle.write in page-size chunks, with
 *      1 MiB chunks as a context row. Last, as it rewrites the file.
 *
 * "Cold" is the map's cache: the OS page cache holds the file for every
 * contender alike (a page cannot drop it), so the figures compare what the
 * map adds to the same storage reads.
 *
 * Every contender returns a checksum of what it read (float64 words in
 * [1, 2), as bench/data.ts writes them): before timing, each contender is run
 * over the operations all of a figure's contenders share and must match the
 * baseline bit for bit; while timing, each run must match its own first run.
 * Times are per run, from performance.now(); the driver takes medians and
 * ratios with bench/harness.ts.
 *
 * @module
 */
// The real bundle, as a browser loads it (tsconfig maps this path to browser/index.ts for types).
import * as mm from '/dist/browser/memmap.mjs';
import { mulberry32, randomPositions, roundOrder } from '../harness.js';
import { fillWithFloats } from '../floats.js';
import type { SyncHandle } from '../../browser/opfs-host.js';

/** What the driver asks for. */
export interface BenchRequest {
  sizeMiB: number;
  rounds: number;
}

/** One contender's result: its timed runs, in ns. */
export interface ContenderResult {
  name: string;
  ops: number;
  bytesPerOp?: number;
  target?: number;
  samplesNs: number[];
}

export interface FigureResult {
  figure: string;
  unit: 'ns/op' | 'µs/op' | 'GB/s';
  baseline: ContenderResult;
  others: ContenderResult[];
}

/** What the worker posts: progress lines, then the figures or an error. */
export type BenchMessage =
  | { progress: string }
  | { figures: FigureResult[]; userAgent: string }
  | { error: string };


interface Contender {
  name: string;
  ops: number;
  bytesPerOp?: number;
  target?: number;
  /** Untimed, before each run: open handles and maps, warm caches. */
  setup(): Promise<void>;
  /** Timed: the first `count` operations; returns a checksum of what was read. */
  run(count: number): number;
  /** Untimed, after each run: close what setup opened. */
  teardown(): void;
}

interface FigureSpec {
  figure: string;
  unit: FigureResult['unit'];
  baseline: Contender;
  others: Contender[];
}

const KiB = 1024;
const MiB = 1 << 20;
const FOLDER = 'memmap-bench';
const FILE = `${FOLDER}/data.bin`;
const SEQ_CHUNK = MiB;
const DEFAULT_PAGE = 64 * KiB;
// Per-run operation counts: ~0.1 s per contender on the machines of DESIGN.md §6.
const COLD_OPS = 1 << 15;
const WARM_OPS = 1 << 22;
// A raw 8-byte read costs a few µs, ~100× a warm map read: it does a fraction of them.
const WARM_RAW_DIVISOR = 256;
// The warm figure's working sets: 8 pages (small enough for the CPU's L2
// cache, so the figure shows the map's code), and half the default 16 MiB cache.
const WARM_SMALL_SET = 512 * KiB;
const WARM_SET = 8 * MiB;
// The warm figure's loops run in calls of this many operations (see inChunks).
const WARM_CHUNK = 4096;

function progress(text: string): void {
  self.postMessage({ progress: text } satisfies BenchMessage);
}

async function folder(create: boolean): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(FOLDER, { create });
}

async function removeFolder(): Promise<void> {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(FOLDER, { recursive: true }).catch(() => {});
}

function syncHandle(file: FileSystemFileHandle): Promise<SyncHandle> {
  return (file as unknown as { createSyncAccessHandle(): Promise<SyncHandle> }).createSyncAccessHandle();
}

async function openRaw(): Promise<SyncHandle> {
  const file = await (await folder(false)).getFileHandle('data.bin');
  return syncHandle(file);
}

/** Writes the benchmark file: float64 words in [1, 2) (bench/floats.ts), in 16 MiB chunks, flushed. */
async function writeFile(size: number): Promise<void> {
  await removeFolder();
  const file = await (await folder(true)).getFileHandle('data.bin', { create: true });
  const handle = await syncHandle(file);
  try {
    const chunk = new Uint8Array(16 * MiB);
    for (let off = 0; off < size; off += chunk.length) {
      fillWithFloats(chunk, 0x5eed + off / chunk.length);
      const part = chunk.subarray(0, Math.min(chunk.length, size - off));
      if (handle.write(part, { at: off }) !== part.length) throw new Error('short write (out of quota?)');
    }
    handle.flush();
  } finally {
    handle.close();
  }
}

/** `count` distinct page-aligned offsets in [0, size), in random order (a seeded shuffle). */
function distinctPages(count: number, size: number, page: number, seed: number): Uint32Array {
  const pages = new Uint32Array(size / page);
  for (let i = 0; i < pages.length; i++) pages[i] = i * page;
  const next = mulberry32(seed);
  for (let i = pages.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = pages[i] as number;
    pages[i] = pages[j] as number;
    pages[j] = t;
  }
  return pages.subarray(0, count);
}

/** A map of the benchmark file, read-only, and what it made; close() closes all. */
class OpenMap {
  map!: mm.MemoryMappedFile;
  accessor: mm.ViewAccessor | null = null;
  stream: mm.ViewStream | null = null;

  async open(pageSize: number, kind: 'accessor' | 'stream', access: 'read' | 'readWrite' = 'read', advice?: mm.Advice): Promise<void> {
    this.map = await mm.MemoryMappedFile.createFromFile(FILE, { mode: 'open', access, pageSize });
    if (advice) {
      // The policy is the file cache's: any view of the map may set it.
      using advised = await this.map.createViewAccessor();
      advised.advise(advice);
    }
    if (kind === 'accessor') this.accessor = await this.map.createViewAccessor();
    else this.stream = await this.map.createViewStream();
  }

  close(): void {
    this.accessor?.close();
    this.stream?.close();
    this.map.close();
    this.accessor = null;
    this.stream = null;
  }
}

/** A contender that reads through a raw access handle, opened and closed around each run. */
function rawContender(name: string, ops: number, run: (h: SyncHandle, count: number) => number, extra: Partial<Contender> = {}): Contender {
  let handle: SyncHandle | null = null;
  return {
    name,
    ops,
    async setup() {
      handle = await openRaw();
    },
    run: (count) => run(handle as SyncHandle, count),
    teardown() {
      handle?.close();
      handle = null;
    },
    ...extra,
  };
}

async function measure(c: Contender, count: number): Promise<[number, number]> {
  await c.setup();
  try {
    const start = performance.now();
    const checksum = c.run(count);
    const ns = (performance.now() - start) * 1e6;
    return [ns, checksum];
  } finally {
    c.teardown();
  }
}

/**
 * Checks every contender against the baseline over the operations they all
 * do, then runs one warm-up round and `rounds` timed rounds, interleaved
 * in bench/harness.ts's roundOrder. The warm-up round is also the JIT's:
 * the warm figure's loops run in short calls (inChunks), which V8 has
 * optimized as functions by its end.
 */
async function runFigure(spec: FigureSpec, rounds: number): Promise<FigureResult> {
  const all = [spec.baseline, ...spec.others];
  const common = Math.min(...all.map((c) => c.ops));
  const [, reference] = await measure(spec.baseline, common);
  for (const c of spec.others) {
    const [, sum] = await measure(c, common);
    if (!Object.is(sum, reference)) {
      throw new Error(`${spec.figure} / ${c.name}: checksum ${sum} differs from the baseline's ${reference}: it read different bytes`);
    }
  }
  const samples: number[][] = all.map(() => []);
  const firstSums: (number | undefined)[] = all.map(() => undefined);
  for (let round = 0; round <= rounds; round++) {
    for (const i of roundOrder(all.length, round)) {
      const c = all[i] as Contender;
      const [ns, sum] = await measure(c, c.ops);
      if (firstSums[i] === undefined) firstSums[i] = sum;
      else if (!Object.is(sum, firstSums[i])) throw new Error(`${spec.figure} / ${c.name}: checksum changed between runs`);
      if (round > 0) (samples[i] as number[]).push(ns);
    }
  }
  const result = (c: Contender, i: number): ContenderResult => ({
    name: c.name,
    ops: c.ops,
    bytesPerOp: c.bytesPerOp,
    target: c.target,
    samplesNs: samples[i] as number[],
  });
  return {
    figure: spec.figure,
    unit: spec.unit,
    baseline: result(spec.baseline, 0),
    others: spec.others.map((c, i) => result(c, i + 1)),
  };
}

// --- Figure 1: cold random 4 KiB reads ----------------------------------------
// The checksum reads the first and last word of each 4 KiB copied.

function raw4k(h: SyncHandle, dst: Uint8Array, words: Float64Array, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    if (h.read(dst, { at: positions[i] as number }) !== dst.length) throw new Error('short read');
    sum += (words[0] as number) + (words[words.length - 1] as number);
  }
  return sum;
}

/** handle.read into a rotating 4 KiB slot of a 16 MiB buffer, then a copy out: a page cache with no bookkeeping. */
function rawViaPool4k(h: SyncHandle, pool: Uint8Array, dst: Uint8Array, words: Float64Array, positions: Uint32Array, count: number): number {
  let sum = 0;
  const slots = pool.length / dst.length;
  for (let i = 0; i < count; i++) {
    const at = (i % slots) * dst.length;
    const slot = pool.subarray(at, at + dst.length);
    if (h.read(slot, { at: positions[i] as number }) !== dst.length) throw new Error('short read');
    dst.set(slot);
    sum += (words[0] as number) + (words[words.length - 1] as number);
  }
  return sum;
}

function map4k(acc: mm.ViewAccessor, dst: Uint8Array, words: Float64Array, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    acc.readArray(positions[i] as number, dst);
    sum += (words[0] as number) + (words[words.length - 1] as number);
  }
  return sum;
}

function coldFigure(size: number): FigureSpec {
  const positions = distinctPages(Math.min(COLD_OPS, size / (4 * KiB)), size, 4 * KiB, 2);
  const dst = new Uint8Array(4 * KiB);
  const words = new Float64Array(dst.buffer);
  const pool = new Uint8Array(16 * MiB);
  const mapContender = (name: string, pageSize: number, ops: number, target?: number, advice?: mm.Advice): Contender => {
    const m = new OpenMap();
    return {
      name,
      ops,
      target,
      setup: () => m.open(pageSize, 'accessor', 'read', advice),
      run: (count) => map4k(m.accessor as mm.ViewAccessor, dst, words, positions, count),
      teardown: () => m.close(),
    };
  };
  return {
    figure: `cold random 4 KiB reads (fresh map, distinct 4 KiB-aligned offsets, ${size / MiB} MiB OPFS file)`,
    unit: 'µs/op',
    baseline: rawContender('raw handle.read 4 KiB', positions.length, (h, n) => raw4k(h, dst, words, positions, n)),
    others: [
      mapContender('map readArray, 4 KiB pages', 4 * KiB, positions.length, 0.8),
      // The default options: the cache notices the scattered misses and reads only what each read asks for.
      mapContender('map readArray, 64 KiB pages (default)', DEFAULT_PAGE, positions.length, 0.8),
      mapContender("map readArray, 64 KiB pages, advise('random')", DEFAULT_PAGE, positions.length, 0.8, 'random'),
      rawContender('raw handle.read into a 16 MiB pool + 4 KiB copy (no API)', positions.length, (h, n) =>
        rawViaPool4k(h, pool, dst, words, positions, n)),
    ],
  };
}

// --- Figure 2: warm random 8-byte reads ---------------------------------------

function raw8(h: SyncHandle, buf: Uint8Array, dv: DataView, positions: Uint32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) {
    if (h.read(buf, { at: positions[i] as number }) !== 8) throw new Error('short read');
    sum += dv.getFloat64(0, true);
  }
  return sum;
}

function map8(acc: mm.ViewAccessor, positions: Uint32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += acc.readFloat64(positions[i] as number);
  return sum;
}

/** map8's twin for the in-memory map: a call site of its own keeps each monomorphic. */
function memory8(acc: mm.ViewAccessor, positions: Uint32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += acc.readFloat64(positions[i] as number);
  return sum;
}

function heap8(dv: DataView, positions: Uint32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += dv.getFloat64(positions[i] as number, true);
  return sum;
}

/**
 * Runs the first `count` operations as calls of `loop` on WARM_CHUNK
 * operations each and sums their checksums (the same order for every
 * contender, so the sums agree bit for bit).
 */
function inChunks(count: number, loop: (from: number, to: number) => number): number {
  let sum = 0;
  for (let i = 0; i < count; i += WARM_CHUNK) sum += loop(i, Math.min(count, i + WARM_CHUNK));
  return sum;
}

/** The working set's bytes in an in-heap buffer, read once with a raw handle. */
async function heapCopy(set: number): Promise<DataView> {
  const handle = await openRaw();
  try {
    const bytes = new Uint8Array(set);
    if (handle.read(bytes, { at: 0 }) !== set) throw new Error('short read');
    return new DataView(bytes.buffer);
  } finally {
    handle.close();
  }
}

function warmFigure(size: number, workingSet: number, seed: number, target?: number): FigureSpec {
  const set = Math.min(workingSet, size);
  const positions = randomPositions(WARM_OPS, set, 8, seed);
  const buf = new Uint8Array(8);
  const dv = new DataView(buf.buffer);
  const m = new OpenMap();
  let heap: DataView | null = null;
  let memMap: mm.MemoryMappedFile | null = null;
  let memAcc: mm.ViewAccessor | null = null;
  const setText = set >= MiB ? `${set / MiB} MiB` : `${set / KiB} KiB`;
  return {
    figure: `warm random 8-byte reads (readFloat64 in a ${setText} working set of the first pages, cache 16 MiB, 64 KiB pages)`,
    unit: 'ns/op',
    baseline: rawContender('raw handle.read 8 B', WARM_OPS / WARM_RAW_DIVISOR, (h, n) => inChunks(n, (from, to) => raw8(h, buf, dv, positions, from, to))),
    others: [
      {
        name: 'map readFloat64',
        ops: WARM_OPS,
        target,
        async setup() {
          await m.open(DEFAULT_PAGE, 'accessor');
          const acc = m.accessor as mm.ViewAccessor;
          for (let p = 0; p < set; p += DEFAULT_PAGE) acc.readFloat64(p);
        },
        run: (count) => inChunks(count, (from, to) => map8(m.accessor as mm.ViewAccessor, positions, from, to)),
        teardown: () => m.close(),
      },
      {
        name: 'in-memory map readFloat64 (createNew, no paging)',
        ops: WARM_OPS,
        async setup() {
          heap ??= await heapCopy(set);
          memMap = await mm.MemoryMappedFile.createNew(null, set);
          memAcc = await memMap.createViewAccessor();
          memAcc.writeArray(0, new Uint8Array(heap.buffer));
        },
        run: (count) => inChunks(count, (from, to) => memory8(memAcc as mm.ViewAccessor, positions, from, to)),
        teardown() {
          memAcc?.close();
          memMap?.close();
        },
      },
      {
        name: 'DataView on an in-heap copy (no API, no map)',
        ops: WARM_OPS,
        async setup() {
          heap ??= await heapCopy(set);
        },
        run: (count) => inChunks(count, (from, to) => heap8(heap as DataView, positions, from, to)),
        teardown() {},
      },
    ],
  };
}

// --- Figures 3 and 4: sequential read and write ------------------------------------
// A write figure writes the same 1 MiB of floats over each MiB of the file and
// flushes (timed). The checksum reads the first and last word of each 1 MiB
// chunk read or written.

/** handle.read (or write, then flush) of the first `chunks` MiB of the file, in calls of `piece` bytes. */
function rawSequential(h: SyncHandle, size: number, piece: number, buf: Uint8Array, words: Float64Array, chunks: number, write: boolean): number {
  let sum = 0;
  const last = words.length - 1;
  for (let c = 0, off = 0; c < chunks && off < size; c++, off += SEQ_CHUNK) {
    for (let k = 0; k < SEQ_CHUNK; k += piece) {
      const part = buf.subarray(k, k + piece);
      const done = write ? h.write(part, { at: off + k }) : h.read(part, { at: off + k });
      if (done !== piece) throw new Error(write ? 'short write' : 'short read');
    }
    sum += (words[0] as number) + (words[last] as number);
  }
  if (write) h.flush();
  return sum;
}

/** stream.read (or write, then flush) of `chunks` chunks of 1 MiB, each in calls of `piece` bytes. */
function streamSequential(stream: mm.ViewStream, buf: Uint8Array, words: Float64Array, chunks: number, write: boolean, piece = SEQ_CHUNK): number {
  let sum = 0;
  const last = words.length - 1;
  for (let c = 0; c < chunks && stream.position < stream.length; c++) {
    for (let k = 0; k < SEQ_CHUNK; k += piece) {
      if (write) stream.write(buf, k, piece);
      else stream.read(buf, k, piece);
    }
    sum += (words[0] as number) + (words[last] as number);
  }
  if (write) stream.flush();
  return sum;
}

function sequentialFigure(size: number, write: boolean): FigureSpec {
  const chunks = size / SEQ_CHUNK;
  const buf = new Uint8Array(SEQ_CHUNK);
  if (write) fillWithFloats(buf, 0x5eed);
  const words = new Float64Array(buf.buffer);
  const verb = write ? 'write' : 'read';
  const streamContender = (name: string, pageSize: number, target?: number, piece = SEQ_CHUNK, advice?: mm.Advice): Contender => {
    const m = new OpenMap();
    return {
      name,
      ops: chunks,
      bytesPerOp: SEQ_CHUNK,
      target,
      setup: () => m.open(pageSize, 'stream', write ? 'readWrite' : 'read', advice),
      run: (count) => streamSequential(m.stream as mm.ViewStream, buf, words, count, write, piece),
      teardown: () => m.close(),
    };
  };
  const raw = (name: string, piece: number): Contender =>
    rawContender(name, chunks, (h, n) => rawSequential(h, size, piece, buf, words, n, write), { bytesPerOp: SEQ_CHUNK });
  const figure = write
    ? `sequential write of the whole ${size / MiB} MiB file from a 1 MiB buffer, then flush (fresh map, cache 16 MiB)`
    : `sequential read of the whole ${size / MiB} MiB file into a 1 MiB buffer (fresh map, cache 16 MiB)`;
  return {
    figure,
    unit: 'GB/s',
    baseline: raw(`raw handle.${verb} in 64 KiB chunks (page size)`, DEFAULT_PAGE),
    others: write
      ? [
          // Whole pages: the map does not read them before overwriting them.
          streamContender('map stream.write 1 MiB, 64 KiB pages (default)', DEFAULT_PAGE),
          raw('raw handle.write in 1 MiB chunks', SEQ_CHUNK),
        ]
      : [
          streamContender('map stream.read 1 MiB, 64 KiB pages (default)', DEFAULT_PAGE, 0.8),
          // Read as the baseline reads: in page-size chunks.
          streamContender('map stream.read 64 KiB, 64 KiB pages (default)', DEFAULT_PAGE, 0.9, DEFAULT_PAGE),
          streamContender("map stream.read 64 KiB, 64 KiB pages, advise('sequential')", DEFAULT_PAGE, 1.0, DEFAULT_PAGE, 'sequential'),
          raw('raw handle.read in 1 MiB chunks', SEQ_CHUNK),
          streamContender('map stream.read 1 MiB, 1 MiB pages', MiB),
        ],
  };
}

async function run(request: BenchRequest): Promise<FigureResult[]> {
  const size = request.sizeMiB * MiB;
  let t = performance.now();
  await mm.ready();
  await writeFile(size);
  progress(`setup: wrote ${request.sizeMiB} MiB to OPFS in ${Math.round(performance.now() - t)} ms`);
  const figures: FigureResult[] = [];
  try {
    const figureSpecs = [coldFigure(size), warmFigure(size, WARM_SMALL_SET, 3, 100), warmFigure(size, WARM_SET, 1), sequentialFigure(size, false), sequentialFigure(size, true)];
    for (const spec of figureSpecs) {
      t = performance.now();
      figures.push(await runFigure(spec, request.rounds));
      progress(`measured: ${spec.figure} (${Math.round(performance.now() - t)} ms)`);
    }
  } finally {
    await removeFolder();
  }
  return figures;
}

self.onmessage = async (event: MessageEvent<BenchRequest>) => {
  try {
    const figures = await run(event.data);
    self.postMessage({ figures, userAgent: navigator.userAgent } satisfies BenchMessage);
  } catch (err) {
    await removeFolder();
    self.postMessage({ error: `${(err as Error)?.name}: ${(err as Error)?.message}\n${(err as Error)?.stack ?? ''}` } satisfies BenchMessage);
  }
};
