/**
 * Shared benchmark machinery: a seeded PRNG, a timer that runs contenders
 * interleaved over several rounds and keeps each one's median, checksum
 * checks, and the table / JSON output.
 *
 * Why it is shaped this way:
 * - These machines are noisy (two cores shared with other work), so every
 *   figure is a ratio against a baseline measured in the same run, contenders
 *   run interleaved (the order rotates each round so none always runs right
 *   after a page-cache- or JIT-disturbing neighbour), and each contender's
 *   figure is the median of its rounds. Each row also reports how far its
 *   rounds scattered, so a noisy run shows itself instead of hiding in a
 *   median.
 * - A first, unmeasured round lets the JIT optimize every contender before
 *   any time counts.
 * - Every contender returns a checksum of what it read. The checksum is
 *   compared with the one the baseline gets over the same operations, which
 *   both keeps the JIT from dropping the reads as dead code and proves each
 *   contender read the same bytes. A mismatch throws: the benchmark fails
 *   loudly instead of reporting the speed of a wrong answer.
 *
 * @module
 */

/** A seeded 32-bit PRNG (mulberry32): same seed, same sequence, in every run. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * `count` positions drawn uniformly from [0, limit) and rounded down to a
 * multiple of `align`. `limit` must be at most 2^32 (the positions are kept
 * in a Uint32Array so the timed loops read small integers, not doubles).
 */
export function randomPositions(count: number, limit: number, align: number, seed: number): Uint32Array {
  if (limit > 2 ** 32) throw new RangeError(`limit ${limit} does not fit in a Uint32Array`);
  const next = mulberry32(seed);
  const slots = Math.floor(limit / align);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    // Two draws give 53 bits, so slots above 2^32 / align stay uniform too.
    const r = (next() * 2 ** 21 + (next() >>> 11)) / 2 ** 53;
    out[i] = Math.floor(r * slots) * align;
  }
  return out;
}

/**
 * What a figure's result is measured in. `ns/op` and `µs/op`: lower is
 * better; `GB/s` and `M/s` (millions of operations per second): higher is
 * better.
 */
export type Unit = 'ns/op' | 'µs/op' | 'GB/s' | 'M/s';

/** Whether lower values of `unit` are better (times per operation). */
function lowerIsBetter(unit: Unit): boolean {
  return unit !== 'GB/s' && unit !== 'M/s';
}

export interface Contender {
  /** What the row is called in the table. */
  name: string;
  /** Operations per run (a contender much slower than the rest may do fewer). */
  ops: number;
  /** Bytes one operation moves; needed for `GB/s` figures. */
  bytesPerOp?: number;
  /** Does `ops` operations and returns a checksum of the bytes read. */
  run: () => number;
  /** The checksum `run` must return (from the baseline over the same operations). */
  expected: number;
  /** The minimum ratio against the baseline that the issue asks for; none for context rows. */
  target?: number;
}

/** A contender whose operations finish asynchronously (e.g. messages to another process). */
export interface AsyncContender extends Omit<Contender, 'run'> {
  /** Does `ops` operations and resolves to a checksum of what was read. */
  run: () => Promise<number>;
}

export interface FigureSpec<C = Contender> {
  /** The figure's title, e.g. "random 8-byte reads". */
  figure: string;
  unit: Unit;
  /** The contender every ratio is taken against. */
  baseline: C;
  others: C[];
  /** Measured rounds (after one warm-up round). */
  rounds: number;
  /**
   * Whether to run the unmeasured warm-up round first (default true). Only
   * for figures whose runs take seconds, where the JIT is warm within a run.
   */
  warmUp?: boolean;
}

export interface Row {
  figure: string;
  contender: string;
  /** Median over the rounds, in `unit`. */
  value: number;
  unit: Unit;
  /** Throughput against the baseline: > 1 means faster than the baseline. */
  ratio: number;
  /**
   * How far the rounds scattered: (slowest − fastest) / median round time.
   * Large spreads (say above 0.3) mean the machine was busy and the medians
   * are less trustworthy.
   */
  spread: number;
  /** The minimum ratio asked for, or null for the baseline and context rows. */
  target: number | null;
  baseline: boolean;
}

// Checksums go here too, so no run's result is ever unused.
let sink = 0;

/** The checksum sink; printing it makes the reads observable. */
export function sinkValue(): number {
  return sink;
}

function checkRun(c: Omit<Contender, 'run'>, checksum: number): void {
  if (!Object.is(checksum, c.expected)) {
    throw new Error(`${c.name}: checksum ${checksum} differs from the baseline's ${c.expected}: it read different bytes`);
  }
  sink += checksum;
}

function timeRun(c: Contender): number {
  const start = process.hrtime.bigint();
  const checksum = c.run();
  const ns = Number(process.hrtime.bigint() - start);
  checkRun(c, checksum);
  return ns;
}

async function timeRunAsync(c: AsyncContender): Promise<number> {
  const start = process.hrtime.bigint();
  const checksum = await c.run();
  const ns = Number(process.hrtime.bigint() - start);
  checkRun(c, checksum);
  return ns;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What a row needs of a contender (a Contender, or a run measured elsewhere, as in the browser). */
export type RowSource = Pick<Contender, 'name' | 'ops' | 'bytesPerOp' | 'target'>;

function valueOf(c: RowSource, ns: number, unit: Unit): number {
  if (unit === 'ns/op') return ns / c.ops;
  if (unit === 'µs/op') return ns / 1000 / c.ops;
  if (unit === 'M/s') return (c.ops / ns) * 1000; // operations per ns × 1000 = millions per second
  if (c.bytesPerOp === undefined) throw new Error(`${c.name}: a GB/s figure needs bytesPerOp`);
  return (c.ops * c.bytesPerOp) / ns; // bytes per ns = GB/s (10^9 bytes)
}

/** The order contenders run in, in a round: rotated by one each round. */
export function roundOrder(count: number, round: number): number[] {
  return Array.from({ length: count }, (_, k) => (k + round) % count);
}

/** One row per contender (baseline first) from each one's round times (in ns). */
export function rowsOf(spec: Pick<FigureSpec<RowSource>, 'figure' | 'unit' | 'baseline' | 'others'>, samples: readonly number[][]): Row[] {
  const all = [spec.baseline, ...spec.others];
  const values = all.map((c, i) => valueOf(c, median(samples[i] as number[]), spec.unit));
  const base = values[0] as number;
  return all.map((c, i) => {
    const value = values[i] as number;
    const ns = samples[i] as number[];
    return {
      figure: spec.figure,
      contender: c.name,
      value,
      unit: spec.unit,
      ratio: lowerIsBetter(spec.unit) ? base / value : value / base,
      spread: (Math.max(...ns) - Math.min(...ns)) / median(ns),
      target: c.target ?? null,
      baseline: i === 0,
    };
  });
}

/**
 * Runs one warm-up round (unless `warmUp` is false) and `rounds` measured
 * rounds, interleaved; returns one row per contender.
 */
export function runFigure(spec: FigureSpec): Row[] {
  const all = [spec.baseline, ...spec.others];
  const samples: number[][] = all.map(() => []);
  for (let round = spec.warmUp === false ? 1 : 0; round <= spec.rounds; round++) {
    for (const i of roundOrder(all.length, round)) {
      const ns = timeRun(all[i] as Contender);
      if (round > 0) (samples[i] as number[]).push(ns);
    }
  }
  return rowsOf(spec, samples);
}

/** {@link runFigure} for contenders whose runs are asynchronous; each run is awaited before the next starts. */
export async function runFigureAsync(spec: FigureSpec<AsyncContender>): Promise<Row[]> {
  const all = [spec.baseline, ...spec.others];
  const samples: number[][] = all.map(() => []);
  for (let round = spec.warmUp === false ? 1 : 0; round <= spec.rounds; round++) {
    for (const i of roundOrder(all.length, round)) {
      const ns = await timeRunAsync(all[i] as AsyncContender);
      if (round > 0) (samples[i] as number[]).push(ns);
    }
  }
  return rowsOf(spec, samples);
}

function formatValue(value: number, unit: Unit): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

/** Three significant digits below 1, so a ratio just under a target such as 0.3 never prints as 0.30. */
function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio >= 1 ? ratio.toFixed(2) : ratio >= 0.1 ? ratio.toFixed(3) : ratio.toFixed(4)}×`;
}

/**
 * Prints one figure's rows as a table block: value, the rounds' spread, ratio,
 * target and PASS/BELOW.
 */
export function printFigure(rows: readonly Row[]): void {
  const nameWidth = Math.max(...rows.map((r) => r.contender.length));
  const first = rows[0];
  if (!first) return;
  console.log(`\n${first.figure}`);
  console.log(
    `  ${'contender'.padEnd(nameWidth)}  ${'value'.padStart(13)}  ${'spread'.padStart(6)}  ${'vs base'.padStart(8)}  ${'target'.padStart(7)}  verdict`,
  );
  for (const r of rows) {
    const target = r.target === null ? '' : `≥ ${r.target}×`;
    const verdict = r.baseline ? 'baseline' : r.target === null ? '' : r.ratio >= r.target ? 'PASS' : 'BELOW';
    const spread = `${Math.round(r.spread * 100)}%`;
    console.log(
      `  ${r.contender.padEnd(nameWidth)}  ${formatValue(r.value, r.unit).padStart(13)}  ${spread.padStart(6)}  ${formatRatio(r.ratio).padStart(8)}  ${target.padStart(7)}  ${verdict}`,
    );
  }
}

/** Prints "<a> is N× faster than <b>" from two rows of the same figure. */
export function printSpeedup(faster: Row, slower: Row): void {
  const times = lowerIsBetter(faster.unit) ? slower.value / faster.value : faster.value / slower.value;
  console.log(`  → ${faster.contender} is ${formatRatio(times)} as fast as ${slower.contender}`);
}

/** The JSON form of the rows, as `--json` writes it. */
export function rowsToJson(rows: readonly Row[]): object[] {
  return rows.map((r) => ({
    figure: r.figure,
    contender: r.contender,
    value: r.value,
    unit: r.unit,
    ratio: r.ratio,
    spread: r.spread,
    target: r.target,
  }));
}
