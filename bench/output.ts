/**
 * What the Node benchmarks share at their ends: the JSON they write for
 * `--json PATH`, and how a failed run sets the exit code. Node only
 * (bench/harness.ts is bundled into the browser benchmark's worker too).
 *
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a benchmark's records to `jsonPath` as JSON (`--json PATH`), making
 * its folder, and says so; nothing when no path was given. `records` are the
 * rows (as {@link rowsToJson} makes them) and any records of the benchmark's own.
 */
export function writeJson(jsonPath: string | undefined, records: readonly object[]): void {
  if (jsonPath === undefined) return;
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  fs.writeFileSync(jsonPath, JSON.stringify(records, null, 2) + '\n');
  console.log(`wrote ${jsonPath}`);
}

/** Runs a benchmark's main: an error, thrown or rejected, is printed and makes the exit code 1. */
export async function runBench(main: () => unknown): Promise<void> {
  try {
    await main();
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  }
}
