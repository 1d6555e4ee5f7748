/**
 * Browser benchmark: how reads and writes through a persisted map of the
 * browser build (OPFS file, page cache in WASM memory) compare with reading
 * and writing the same file through a raw FileSystemSyncAccessHandle, in a
 * dedicated worker of headless Chromium and of headless Firefox. The figures
 * and how they are made fair are described in bench/browser/worker.ts, which
 * measures them; this driver builds it, serves it and prints the table.
 *
 *   node (this file) ─ esbuild ─► build/bench-browser/worker.js
 *        │  scripts/serve.mjs (127.0.0.1, COOP/COEP)
 *        ▼
 *   each engine (scripts/browsers.mjs), fresh profile on disk
 *     bench/browser/index.html ─► worker.js ─► /dist/browser/memmap.mjs + memmap.wasm
 *                                      └─► OPFS memmap-bench/data.bin
 *
 * The worker times each run with performance.now() and returns the runs;
 * medians, ratios, the table and the JSON come from bench/harness.ts, as for
 * the Node benchmarks. Each figure's title starts with its engine's name.
 * WebKitGTK is not measured: it has no OPFS access handles on Linux.
 *
 * Usage: node --import tsx bench/browser/run.ts [--size-mib N] [--rounds N] [--json PATH]
 * (size 256 MiB by default; engines from MEMMAP_BENCH_BROWSERS, default
 * "chromium,firefox"; builds dist/browser with `npx rollup -c` when it is
 * missing). The exit code is 0 whatever the ratios and non-zero on errors.
 *
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without declarations
import { bundleForBrowser } from '../../scripts/bundle-browser.mjs';
// @ts-expect-error: a plain .mjs script without declarations
import { ENGINE_NAMES, launchBrowser } from '../../scripts/browsers.mjs';
// @ts-expect-error: a plain .mjs script without declarations
import { startServer } from '../../scripts/serve.mjs';
import { printFigure, rowsOf, rowsToJson, type Row } from '../harness.js';
import { runBench, writeJson } from '../output.js';
import { benchOptions } from '../options.js';
import type { BenchMessage, BenchRequest, FigureResult } from './worker.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Options extends BenchRequest {
  jsonPath: string | undefined;
}

function parseOptions(): Options {
  // 16 MiB at least: the warm figure's working set is 8 MiB inside a 16 MiB cache.
  // 2 GiB at most: offsets are kept in Uint32Arrays.
  // 11 rounds: a raw OPFS read's cost swings by ±15% from run to run here; the medians need the samples.
  return benchOptions({ fallback: 256, min: 16, max: 2048 }, 11);
}



/** The engines measured: those with OPFS access handles. */
const BENCH_ENGINES = ['chromium', 'firefox'];

function enginesToRun(): string[] {
  const text = process.env.MEMMAP_BENCH_BROWSERS ?? BENCH_ENGINES.join(',');
  const engines = text.split(',').map((e) => e.trim());
  for (const e of engines) {
    if (!BENCH_ENGINES.includes(e)) throw new RangeError(`MEMMAP_BENCH_BROWSERS: '${e}' is not one of ${BENCH_ENGINES.join(', ')}`);
  }
  return engines;
}

interface Measured {
  figures: FigureResult[];
  userAgent: string;
}

async function measureIn(engine: string, request: BenchRequest, serverUrl: string): Promise<Measured> {
  const browser = await launchBrowser(engine);
  try {
    browser.onConsole((type: string, text: string) => {
      if (type === 'log') console.log(`  ${text}`);
    });
    await browser.goto(`${serverUrl}/bench/browser/index.html`);
    await browser.waitForGlobal('runBench');
    const result = (await browser.call('runBench', [request])) as BenchMessage;
    if (!('figures' in result)) throw new Error('the worker answered without figures');
    return result;
  } catch (err) {
    const log = browser.log.filter((line: string) => !line.startsWith('log: '));
    throw new Error(`${engine}: ${(err as Error).message}${log.length > 0 ? `\nbrowser console:\n${log.join('\n')}` : ''}`);
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const engines = enginesToRun();
  const start = Date.now();
  console.log(
    `browser map reads and writes: ${opts.sizeMiB} MiB OPFS file, dedicated worker in headless ${engines.map((e) => ENGINE_NAMES[e]).join(' and ')}; ` +
      `median of ${opts.rounds} interleaved rounds; ${os.cpus().length} CPUs`,
  );
  await bundleForBrowser(['bench/browser/worker.ts'], 'build/bench-browser');
  const server = await startServer({ dir: root });
  const rows: Row[] = [];
  try {
    for (const engine of engines) {
      const name = ENGINE_NAMES[engine] as string;
      const { figures, userAgent } = await measureIn(engine, { sizeMiB: opts.sizeMiB, rounds: opts.rounds }, server.url);
      console.log(`\n${name}: ${userAgent}`);
      for (const figure of figures) {
        const named = { ...figure, figure: `${name}: ${figure.figure}` };
        const figureRows = rowsOf(named, [figure.baseline, ...figure.others].map((c) => c.samplesNs));
        printFigure(figureRows);
        rows.push(...figureRows);
      }
    }
  } finally {
    await server.close();
  }
  console.log(`\n(${((Date.now() - start) / 1000).toFixed(1)} s in all)`);
  writeJson(opts.jsonPath, rowsToJson(rows));
}

await runBench(main);
