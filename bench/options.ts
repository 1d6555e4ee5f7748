/**
 * The command-line options every benchmark takes (Node only; harness.ts is
 * also bundled into the browser benchmark's worker).
 *
 * @module
 */
import { parseArgs } from 'node:util';

/** The options every benchmark takes. */
export interface BenchOptions {
  /** --size-mib (or MEMMAP_BENCH_SIZE_MIB): the data size in MiB. */
  sizeMiB: number;
  /** --rounds: measured rounds per figure. */
  rounds: number;
  /** --json PATH: where to write the rows, if anywhere. */
  jsonPath: string | undefined;
}

/**
 * Reads --size-mib (default `size.fallback`, allowed `size.min`..`size.max`;
 * MEMMAP_BENCH_SIZE_MIB overrides the default), --rounds and --json, with a
 * RangeError that names the option for a bad value.
 */
export function benchOptions(size: { fallback: number; min: number; max: number }, defaultRounds = 5): BenchOptions {
  const { values } = parseArgs({
    options: { 'size-mib': { type: 'string' }, rounds: { type: 'string' }, json: { type: 'string' } },
  });
  const sizeText = values['size-mib'] ?? process.env.MEMMAP_BENCH_SIZE_MIB ?? String(size.fallback);
  const sizeMiB = Number(sizeText);
  if (!Number.isInteger(sizeMiB) || sizeMiB < size.min || sizeMiB > size.max) {
    throw new RangeError(`--size-mib must be an integer from ${size.min} to ${size.max}, got '${sizeText}'`);
  }
  const rounds = Number(values.rounds ?? defaultRounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError(`--rounds must be a positive integer, got '${values.rounds}'`);
  }
  return { sizeMiB, rounds, jsonPath: values.json };
}
