/**
 * Runs every benchmark in bench/ (`npm run bench`), each in its own Node
 * process so that one benchmark's heap, mappings and JIT state do not skew the
 * next. Arguments are passed through to each benchmark (e.g. `--size-mib 64`),
 * except `--json-dir DIR` (default build/bench), which becomes
 * `--json DIR/<name>.json` per benchmark, and `--report DIR` (default
 * docs/bench), where bench/report.ts then writes results.json and the SVG
 * charts that README.md shows.
 *
 * The exit code is non-zero only when a benchmark failed to run (an error or a
 * checksum mismatch); ratios below their targets are reported, not failures.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport } from './report.js';

/** The benchmarks, in the order they run. Add a file here to add a benchmark. */
const BENCHMARKS = ['persisted.ts', 'typed.ts', 'shared.ts', 'coordination.ts', 'live-maps.ts', 'wasm.ts', 'prefetch.ts', 'peers.ts', 'browser/run.ts'];

function main(): number {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const args = process.argv.slice(2);
  let jsonDir: string | undefined = 'build/bench';
  let reportDir = 'docs/bench';
  const passThrough: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--json-dir') jsonDir = args[++i];
    else if (arg.startsWith('--json-dir=')) jsonDir = arg.slice('--json-dir='.length);
    else if (arg === '--report') reportDir = args[++i] as string;
    else passThrough.push(arg);
  }
  if (args.includes('--json-dir') && jsonDir === undefined) {
    console.error('--json-dir needs a directory');
    return 2;
  }

  if (jsonDir !== undefined) fs.mkdirSync(jsonDir, { recursive: true });
  const failed: string[] = [];
  for (const name of BENCHMARKS) {
    console.log(`\n=== bench/${name} ===`);
    const extra = jsonDir === undefined ? [] : ['--json', path.join(jsonDir, name.replace(/\.ts$/, '.json'))];
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, name), ...passThrough, ...extra], {
      stdio: 'inherit',
    });
    if (result.error) {
      console.error(`bench/${name} could not start: ${result.error.message}`);
      failed.push(name);
    } else if (result.status !== 0) {
      console.error(`bench/${name} failed (${result.signal ?? `exit code ${result.status}`})`);
      failed.push(name);
    }
  }
  if (failed.length > 0) console.error(`\nfailed: ${failed.join(', ')}`);
  const charts = writeReport(jsonDir as string, reportDir);
  console.log(`\nreport: ${path.join(reportDir, 'results.json')} and ${charts.length} charts in ${reportDir}`);
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = main();
