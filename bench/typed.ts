/**
 * Typed-array views and readArray's per-call cost, on the native backend.
 *
 *   contender                              elements come from
 *   -------------------------------------  ------------------------------------------
 *   Float64Array in the V8 heap            heap backing store (figure 1's baseline)
 *   view.typedArray(Float64Array)          the mapping, zero-copy (memmap's API)
 *   view.readFloat64 in a loop             the mapping, one checked call per element
 *   typedArray over a SharedArrayBuffer    a wasm-backend non-persisted map
 *   raw set(subarray) from the mapping     the mapping, no API (figure 2's baseline)
 *   view.readArray                         the mapping, through the API
 *
 * Figures asked for, each a ratio against a baseline measured in the same run:
 *
 *   1. the sum of 256 MiB of float64: `typedArray(Float64Array)` over a
 *      persisted map ≥ 0.95× the same sum over an in-heap Float64Array;
 *      `readFloat64` in a loop and a SharedArrayBuffer map are reported too.
 *   2. random 4 KiB pages copied into a Uint8Array(4096): `readArray` ≥ 0.95×
 *      the same copy straight from the mapping (`dst.set(bytes.subarray(…))`),
 *      over the whole file (warm), and within its first MiB, where the copy
 *      is cache-resident and the per-call cost shows most.
 *
 * The file and the heap array hold the same float64 words in [1, 2) (see
 * data.ts), so every sum is finite and bit-for-bit equal between contenders
 * that read the same words in the same order; the harness checks it. Every
 * page is touched once before the timings (warm).
 *
 * Usage: node --import tsx bench/typed.ts [--size-mib N] [--rounds N] [--json PATH]
 * (default 256 MiB, or MEMMAP_BENCH_SIZE_MIB). The exit code is 0 whatever
 * the ratios and non-zero on errors.
 *
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryMappedFile, type ViewAccessor } from '../node/index.js';
import { fillWithFloats, writeFileFully } from './data.js';
import { printFigure, randomPositions, rowsToJson, runFigure, sinkValue, type Row } from './harness.js';
import { runBench, writeJson } from './output.js';
import { benchOptions } from './options.js';
import { PAGE, copyPages, readArrayPages, touchPages } from './page-copies.js';

const MiB = 1 << 20;
const OPS_4K = 1 << 18;

// One function per contender, so that each call site stays monomorphic.

/** Passes over the data per run of figure 1: a run of one pass is short enough for noise to matter. */
const PASSES = 4;

function sumArray(a: Float64Array): number {
  let sum = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    for (let i = 0; i < a.length; i++) sum += a[i] as number;
  }
  return sum;
}

function sumReads(acc: ViewAccessor, size: number): number {
  let sum = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    for (let p = 0; p < size; p += 8) sum += acc.readFloat64(p);
  }
  return sum;
}

function main(): void {
  const opts = benchOptions({ fallback: 256, min: 2, max: 2048 });
  const size = opts.sizeMiB * MiB;
  console.log(
    `typed arrays and readArray: ${opts.sizeMiB} MiB, warm; median of ${opts.rounds} interleaved rounds; ` +
      `node ${process.version}, ${os.cpus().length} CPUs`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-bench-typed-'));
  const file = path.join(dir, 'typed.bin');
  const opened: Array<{ close(): void }> = [];
  try {
    const heap = new Float64Array(size / 8);
    const heapBytes = new Uint8Array(heap.buffer);
    fillWithFloats(heapBytes, 0x7e57);
    writeFileFully(file, heapBytes);
    const map = MemoryMappedFile.createFromFileSync(file, { mode: 'open', access: 'read', backend: 'native' });
    opened.push(map);
    const acc = map.createViewAccessorSync();
    opened.unshift(acc);
    touchPages(acc.bytes);
    const shared = MemoryMappedFile.createNewSync(null, size, { backend: 'wasm' });
    opened.push(shared);
    const sharedAcc = shared.createViewAccessorSync();
    opened.unshift(sharedAcc);
    sharedAcc.writeArray(0, heapBytes);
    const rows: Row[] = [];

    // Figure 1: the same sum, over the heap, the map through typedArray, and readFloat64.
    const mapped = acc.typedArray(Float64Array);
    const sab = sharedAcc.typedArray(Float64Array);
    const expectedSum = sumArray(heap);
    const fig1 = runFigure({
      figure: `sum of ${opts.sizeMiB} MiB of float64`,
      unit: 'GB/s',
      rounds: opts.rounds,
      baseline: { name: 'in-heap Float64Array', ops: PASSES, bytesPerOp: size, run: () => sumArray(heap), expected: expectedSum },
      others: [
        { name: 'view.typedArray(Float64Array) (persisted map)', ops: PASSES, bytesPerOp: size, run: () => sumArray(mapped), expected: expectedSum, target: 0.95 },
        { name: 'view.readFloat64 in a loop', ops: PASSES, bytesPerOp: size, run: () => sumReads(acc, size), expected: expectedSum },
        { name: 'typedArray over a SharedArrayBuffer map (wasm)', ops: PASSES, bytesPerOp: size, run: () => sumArray(sab), expected: expectedSum },
      ],
    });
    printFigure(fig1);
    rows.push(...fig1);

    // Figure 2: readArray against the same copy straight from the mapping.
    const dst = new Uint8Array(PAGE);
    const words = new Float64Array(dst.buffer);
    const src = acc.bytes;
    for (const [label, limit, seed] of [
      [`over ${opts.sizeMiB} MiB`, size, 3],
      ['within the first MiB (cache-resident)', MiB, 4],
    ] as const) {
      const positions = randomPositions(OPS_4K, limit, PAGE, seed);
      const expected = copyPages(heapBytes, dst, words, positions, OPS_4K);
      const fig = runFigure({
        figure: `random 4 KiB pages into a Uint8Array(4096), ${label}`,
        unit: 'ns/op',
        rounds: opts.rounds,
        baseline: { name: 'raw set(subarray) from the mapping (no API)', ops: OPS_4K, run: () => copyPages(src, dst, words, positions, OPS_4K), expected },
        others: [{ name: 'view.readArray', ops: OPS_4K, run: () => readArrayPages(acc, dst, words, positions, OPS_4K), expected, target: 0.95 }],
      });
      printFigure(fig);
      rows.push(...fig);
    }

    console.log(`\n(checksum sink ${sinkValue()})`);
    writeJson(opts.jsonPath, rowsToJson(rows));
  } finally {
    for (const o of opened) o.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await runBench(main);
