/**
 * Browser benchmark: how reads and writes through a persisted map of the
 * browser build (OPFS file, page cache in WASM memory) compare with reading
 * and writing the same file through a raw FileSystemSyncAccessHandle, in a
 * dedicated worker of headless Chromium. The figures and how they are made
 * fair are described in bench/browser/worker.ts, which measures them; this
 * driver builds it, serves it and prints the table.
 *
 *   node (this file) ─ esbuild ─► build/bench-browser/worker.js
 *        │  scripts/serve.mjs (127.0.0.1, COOP/COEP)
 *        ▼
 *   Chromium, fresh persistent profile (OPFS on disk, not in memory)
 *     bench/browser/index.html ─► worker.js ─► /dist/browser/memmap.mjs + memmap.wasm
 *                                      └─► OPFS memmap-bench/data.bin
 *
 * The worker times each run with performance.now() and returns the runs;
 * medians, ratios, the table and the JSON come from bench/harness.ts, as for
 * the Node benchmarks.
 *
 * Usage: node --import tsx bench/browser/run.ts [--size-mib N] [--rounds N] [--json PATH]
 * (size 256 MiB by default; Chromium from MEMMAP_CHROMIUM or /usr/bin/chromium;
 * builds dist/browser with `npx rollup -c` when it is missing). The exit code
 * is 0 whatever the ratios and non-zero on errors.
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
import { launchChromium } from '../../scripts/chromium.mjs';
// @ts-expect-error: a plain .mjs script without declarations
import { startServer } from '../../scripts/serve.mjs';
import { printFigure, rowsOf, rowsToJson, type Row } from '../harness.js';
import { benchOptions } from '../options.js';
import type { BenchMessage, BenchRequest, FigureResult } from './worker.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TIMEOUT_MS = 5 * 60_000;

interface Options extends BenchRequest {
  jsonPath: string | undefined;
}

function parseOptions(): Options {
  // 16 MiB at least: the warm figure's working set is 8 MiB inside a 16 MiB cache.
  // 2 GiB at most: offsets are kept in Uint32Arrays.
  // 11 rounds: a raw OPFS read's cost swings by ±15% from run to run here; the medians need the samples.
  return benchOptions({ fallback: 256, min: 16, max: 2048 }, 11);
}



async function measureInChromium(request: BenchRequest): Promise<{ figures: FigureResult[]; userAgent: string }> {
  await bundleForBrowser(['bench/browser/worker.ts'], 'build/bench-browser');
  const server = await startServer({ dir: root });
  const log: string[] = [];
  try {
    const browser = await launchChromium('memmap-bench-chromium-');
    const context = browser.context as import('playwright-core').BrowserContext;
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(TIMEOUT_MS);
      page.on('console', (m) => {
        if (m.type() === 'log') console.log(`  ${m.text()}`);
        else log.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
      await page.goto(`${server.url}/bench/browser/index.html`);
      await page.waitForFunction(() => typeof (globalThis as { runBench?: unknown }).runBench === 'function');
      const result = await page.evaluate(
        (r) => (globalThis as unknown as { runBench(r: BenchRequest): Promise<BenchMessage> }).runBench(r),
        request,
      );
      if (!('figures' in result)) throw new Error('the worker answered without figures');
      return result;
    } finally {
      await browser.close();
    }
  } catch (err) {
    throw new Error(`${(err as Error).message}${log.length > 0 ? `\nbrowser console:\n${log.join('\n')}` : ''}`);
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const start = Date.now();
  console.log(
    `browser map reads and writes: ${opts.sizeMiB} MiB OPFS file, dedicated worker in headless Chromium; ` +
      `median of ${opts.rounds} interleaved rounds; ${os.cpus().length} CPUs`,
  );
  const { figures, userAgent } = await measureInChromium({ sizeMiB: opts.sizeMiB, rounds: opts.rounds });
  console.log(`  ${userAgent}`);
  const rows: Row[] = [];
  for (const figure of figures) {
    const figureRows = rowsOf(figure, [figure.baseline, ...figure.others].map((c) => c.samplesNs));
    printFigure(figureRows);
    rows.push(...figureRows);
  }
  console.log(`\n(${((Date.now() - start) / 1000).toFixed(1)} s in all)`);
  if (opts.jsonPath !== undefined) {
    fs.mkdirSync(path.dirname(opts.jsonPath), { recursive: true });
    fs.writeFileSync(opts.jsonPath, JSON.stringify(rowsToJson(rows), null, 2) + '\n');
    console.log(`wrote ${opts.jsonPath}`);
  }
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
}
