/**
 * Persisted-map read benchmark: how close reads through a ViewAccessor and a
 * ViewStream over a mapped file come to the same reads from an in-heap
 * ArrayBuffer, and how far ahead of `fs.readSync` they are.
 *
 *   contender                         bytes come from
 *   --------------------------------  -----------------------------------------
 *   DataView / set() on ArrayBuffer   V8 heap backing store (the baseline)
 *   accessor / stream                 mapping ─► page cache   (memmap's API)
 *   raw DataView / bytes on mapping   mapping ─► page cache   (no API: its limit)
 *   fs.readSync                       syscall ─► page cache ─► copy
 *
 * Figures asked for by the issue, each a ratio against a baseline measured in
 * the same run, on a 1 GiB file, warm:
 *
 *   1. random 8-byte reads: `accessor.readFloat64` ≥ 0.5× `DataView.getFloat64`
 *      on an in-heap ArrayBuffer; `fs.readSync` of 8 bytes is reported too.
 *   2. random 4 KiB reads: `accessor.readArray` into a Uint8Array(4096) ≥ 0.8×
 *      `Uint8Array.set` of the same 4 KiB out of the in-heap buffer (the limit;
 *      `fs.readSync` of 4 KiB is reported too).
 *   3. sequential read of the whole view through `ViewStream.read` in 1 MiB
 *      chunks ≥ 0.7× copying the same chunks out of the in-heap buffer.
 *
 * How it keeps the comparison fair:
 * - The file and the heap buffer hold the same bytes and have the same size,
 *   and every contender of a figure reads the same precomputed, seeded random
 *   positions spread over the whole size, so cache and TLB misses are alike.
 *   Each 8-byte word is a float64 in [1, 2) (random mantissa), so sums of
 *   what was read are finite and bit-for-bit equal between contenders.
 * - The file is written in 16 MiB chunks (not sparse: every page is real data)
 *   and fsynced, so no writeback runs during the timings; then every page is
 *   touched once through the accessor's and the stream's mappings (each view
 *   is its own mmap with its own page tables), so the timings are "warm".
 * - The raw mapping rows separate what the mapping costs (external memory,
 *   4 KiB pages) from what the API adds (checks, allocations).
 * - `fs.readSync` rows do fewer operations (they are ~100× slower) and are
 *   checked against the baseline over the same operations.
 *
 * Usage: node --import tsx bench/persisted.ts [--size-mib N] [--rounds N] [--json PATH]
 * (the size defaults to 1024 MiB, or MEMMAP_BENCH_SIZE_MIB). The exit code is
 * 0 whatever the ratios (a benchmark is not a test) and non-zero on errors.
 *
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryMappedFile, type ViewAccessor, type ViewStream } from '../node/index.js';
import {
  printFigure,
  printSpeedup,
  randomPositions,
  rowsToJson,
  runFigure,
  sinkValue,
  type Row,
} from './harness.js';
import { runBench, writeJson } from './output.js';
import { benchOptions, type BenchOptions } from './options.js';
import { fillWithFloats, writeFileFully } from './data.js';
import { PAGE, copyPages, readArrayPages, touchPages } from './page-copies.js';

const MiB = 1 << 20;
const SEQ_CHUNK = MiB;
// Random-read operation counts per run: enough for ~0.1 s per contender.
const OPS_8B = 1 << 22;
const OPS_4K = 1 << 18;
// fs.readSync is a syscall per read, ~1–2 µs: it does a fraction of the operations.
const FS_DIVISOR = 16;


// The positions live in a Uint32Array and the accessor's fast path takes
// positions below 2^32; 2 GiB also bounds the heap baseline's allocation.
function parseOptions(): BenchOptions {
  return benchOptions({ fallback: 1024, min: 1, max: 2048 });
}

// --- Figure 1: random 8-byte reads -------------------------------------------
// One function per contender, so each call site stays monomorphic.

function dataViewRead8(dv: DataView, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += dv.getFloat64(positions[i] as number, true);
  return sum;
}

function accessorRead8(acc: ViewAccessor, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += acc.readFloat64(positions[i] as number);
  return sum;
}

function fsRead8(fd: number, buf: Uint8Array, dv: DataView, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    if (fs.readSync(fd, buf, 0, 8, positions[i] as number) !== 8) throw new Error('short read');
    sum += dv.getFloat64(0, true);
  }
  return sum;
}

// --- Figure 2: random 4 KiB reads ---------------------------------------------
// The checksum reads the first and last word of each copied page.

function fsRead4k(fd: number, dst: Uint8Array, dstWords: Float64Array, positions: Uint32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    if (fs.readSync(fd, dst, 0, PAGE, positions[i] as number) !== PAGE) throw new Error('short read');
    sum += (dstWords[0] as number) + (dstWords[PAGE / 8 - 1] as number);
  }
  return sum;
}

// --- Figure 3: sequential read in 1 MiB chunks ---------------------------------

function heapSequential(src: Uint8Array, dst: Uint8Array, dstWords: Float64Array, passes: number): number {
  let sum = 0;
  const last = SEQ_CHUNK / 8 - 1;
  for (let pass = 0; pass < passes; pass++) {
    for (let off = 0; off < src.length; off += SEQ_CHUNK) {
      dst.set(src.subarray(off, off + SEQ_CHUNK));
      sum += (dstWords[0] as number) + (dstWords[last] as number);
    }
  }
  return sum;
}

function streamSequential(stream: ViewStream, dst: Uint8Array, dstWords: Float64Array, passes: number): number {
  let sum = 0;
  const last = SEQ_CHUNK / 8 - 1;
  for (let pass = 0; pass < passes; pass++) {
    stream.seek(0, 'begin');
    while (stream.read(dst) > 0) sum += (dstWords[0] as number) + (dstWords[last] as number);
  }
  return sum;
}

function fsSequential(fd: number, size: number, dst: Uint8Array, dstWords: Float64Array, passes: number): number {
  let sum = 0;
  const last = SEQ_CHUNK / 8 - 1;
  for (let pass = 0; pass < passes; pass++) {
    for (let off = 0; off < size; off += SEQ_CHUNK) {
      if (fs.readSync(fd, dst, 0, SEQ_CHUNK, off) !== SEQ_CHUNK) throw new Error('short read');
      sum += (dstWords[0] as number) + (dstWords[last] as number);
    }
  }
  return sum;
}

function main(): void {
  const opts = parseOptions();
  const size = opts.sizeMiB * MiB;
  console.log(
    `persisted map reads: ${opts.sizeMiB} MiB file, warm; median of ${opts.rounds} interleaved rounds; ` +
      `node ${process.version}, ${os.cpus().length} CPUs`,
  );

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-bench-'));
  const file = path.join(dir, 'persisted.bin');
  let map: MemoryMappedFile | undefined;
  let acc: ViewAccessor | undefined;
  let stream: ViewStream | undefined;
  let fd: number | undefined;
  try {
    let t = Date.now();
    const heap = new Uint8Array(new ArrayBuffer(size));
    fillWithFloats(heap, 0x5eed);
    writeFileFully(file, heap);
    console.log(`setup: filled and wrote ${opts.sizeMiB} MiB in ${Date.now() - t} ms`);

    t = Date.now();
    map = MemoryMappedFile.createFromFileSync(file, { mode: 'open', access: 'read' });
    acc = map.createViewAccessorSync(0, 0);
    stream = map.createViewStreamSync(0, 0);
    fd = fs.openSync(file, 'r');
    touchPages(acc.bytes);
    const chunk = new Uint8Array(SEQ_CHUNK);
    const chunkWords = new Float64Array(chunk.buffer);
    streamSequential(stream, chunk, chunkWords, 1);
    console.log(`warm-up: touched every page through both views in ${Date.now() - t} ms`);

    const heapDv = new DataView(heap.buffer);
    const rows: Row[] = [];

    // Figure 1.
    const pos8 = randomPositions(OPS_8B, size, 8, 1);
    const fsOps8 = OPS_8B / FS_DIVISOR;
    const mapDv = acc.dataView;
    const small = new Uint8Array(8);
    const smallDv = new DataView(small.buffer);
    const a = acc;
    const expected8 = dataViewRead8(heapDv, pos8, OPS_8B);
    const fig1 = runFigure({
      figure: 'random 8-byte reads (readFloat64 at 8-aligned positions)',
      unit: 'ns/op',
      rounds: opts.rounds,
      baseline: {
        name: 'DataView.getFloat64 on heap ArrayBuffer',
        ops: OPS_8B,
        run: () => dataViewRead8(heapDv, pos8, OPS_8B),
        expected: expected8,
      },
      others: [
        {
          name: 'accessor.readFloat64',
          ops: OPS_8B,
          run: () => accessorRead8(a, pos8, OPS_8B),
          expected: expected8,
          target: 0.5,
        },
        {
          name: 'raw DataView on the mapping (no API)',
          ops: OPS_8B,
          run: () => dataViewRead8(mapDv, pos8, OPS_8B),
          expected: expected8,
        },
        {
          name: 'fs.readSync 8 B',
          ops: fsOps8,
          run: () => fsRead8(fd as number, small, smallDv, pos8, fsOps8),
          expected: dataViewRead8(heapDv, pos8, fsOps8),
        },
      ],
    });
    printFigure(fig1);
    printSpeedup(fig1[1] as Row, fig1[3] as Row);
    rows.push(...fig1);

    // Figure 2.
    const pos4k = randomPositions(OPS_4K, size, PAGE, 2);
    const fsOps4k = OPS_4K / FS_DIVISOR;
    const page = new Uint8Array(PAGE);
    const pageWords = new Float64Array(page.buffer);
    const mapBytes = acc.bytes;
    const expected4k = copyPages(heap, page, pageWords, pos4k, OPS_4K);
    const fig2 = runFigure({
      figure: 'random 4 KiB reads (page-aligned, into a Uint8Array(4096))',
      unit: 'ns/op',
      rounds: opts.rounds,
      baseline: {
        name: 'set(subarray) from heap ArrayBuffer',
        ops: OPS_4K,
        run: () => copyPages(heap, page, pageWords, pos4k, OPS_4K),
        expected: expected4k,
      },
      others: [
        {
          name: 'accessor.readArray',
          ops: OPS_4K,
          run: () => readArrayPages(a, page, pageWords, pos4k, OPS_4K),
          expected: expected4k,
          target: 0.8,
        },
        {
          name: 'raw set(subarray) from the mapping (no API)',
          ops: OPS_4K,
          run: () => copyPages(mapBytes, page, pageWords, pos4k, OPS_4K),
          expected: expected4k,
        },
        {
          name: 'fs.readSync 4 KiB',
          ops: fsOps4k,
          run: () => fsRead4k(fd as number, page, pageWords, pos4k, fsOps4k),
          expected: copyPages(heap, page, pageWords, pos4k, fsOps4k),
        },
      ],
    });
    printFigure(fig2);
    printSpeedup(fig2[0] as Row, fig2[3] as Row);
    printSpeedup(fig2[1] as Row, fig2[3] as Row);
    rows.push(...fig2);

    // Figure 3: at least 1 GiB per run, so small quick-run files still time a while.
    const passes = Math.max(1, Math.ceil(1024 / opts.sizeMiB));
    const chunks = (size / SEQ_CHUNK) * passes;
    const s = stream;
    const expectedSeq = heapSequential(heap, chunk, chunkWords, passes);
    const fig3 = runFigure({
      figure: 'sequential read of the whole view in 1 MiB chunks',
      unit: 'GB/s',
      rounds: opts.rounds,
      baseline: {
        name: 'set(subarray) from heap ArrayBuffer',
        ops: chunks,
        bytesPerOp: SEQ_CHUNK,
        run: () => heapSequential(heap, chunk, chunkWords, passes),
        expected: expectedSeq,
      },
      others: [
        {
          name: 'stream.read',
          ops: chunks,
          bytesPerOp: SEQ_CHUNK,
          run: () => streamSequential(s, chunk, chunkWords, passes),
          expected: expectedSeq,
          target: 0.7,
        },
        {
          name: 'raw set(subarray) from the mapping (no API)',
          ops: chunks,
          bytesPerOp: SEQ_CHUNK,
          run: () => heapSequential(mapBytes, chunk, chunkWords, passes),
          expected: expectedSeq,
        },
        {
          name: 'fs.readSync 1 MiB',
          ops: chunks,
          bytesPerOp: SEQ_CHUNK,
          run: () => fsSequential(fd as number, size, chunk, chunkWords, passes),
          expected: expectedSeq,
        },
      ],
    });
    printFigure(fig3);
    printSpeedup(fig3[1] as Row, fig3[3] as Row);
    rows.push(...fig3);

    console.log(`\n(checksum sink ${sinkValue()})`);
    writeJson(opts.jsonPath, rowsToJson(rows));
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    stream?.close();
    acc?.close();
    map?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await runBench(main);
