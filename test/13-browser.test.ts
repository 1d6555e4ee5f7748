/**
 * The browser build in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core), on a page served from 127.0.0.1 with COOP/COEP headers
 * (scripts/serve.mjs), with a fresh persistent profile (OPFS in a default
 * incognito context is in memory). Runs, on the real bundle
 * dist/browser/memmap.mjs:
 *   - the contract suites (test/contract/) in a dedicated worker, over OPFS;
 *   - a 1 GiB OPFS file through a 32 MiB cache against a model;
 *   - data that survives close and a page reload;
 *   - one OPFS file opened at once and by different spellings (one handle, one cache);
 *   - the browser entry's configure/ready/useSharedArena errors;
 *   - two workers sharing a named map with the page, counting with Atomics;
 *   - the page's shared arena: a worker that has not adopted it gets a clear
 *     error, and a worker terminated while it holds the arena's lock does not
 *     hang the page;
 *   - the clear errors on the main thread and without cross-origin isolation.
 * Chromium runs once, while this file loads (top-level await); each result
 * becomes a test of its own below.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
// @ts-expect-error: a plain .mjs script without declarations
import { bundleForBrowser } from '../scripts/bundle-browser.mjs';
// @ts-expect-error: a plain .mjs script without declarations
import { launchChromium } from '../scripts/chromium.mjs';
// @ts-expect-error: a plain .mjs script without declarations
import { startServer } from '../scripts/serve.mjs';
import type { TestResult } from './browser/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Group {
  title: string;
  results: TestResult[];
}

async function runChromium(): Promise<Group[]> {
  await bundleForBrowser(['test/browser/page.ts', 'test/browser/worker.ts'], 'build/browser-tests');
  const server = await startServer({ dir: root });
  const browser = await launchChromium();
  const context = browser.context as BrowserContext;
  const groups: Group[] = [];
  const log: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    const open = async (url: string) => {
      await page.goto(url);
      await page.waitForFunction(() => typeof (globalThis as { memmapTest?: unknown }).memmapTest === 'function');
    };
    const run = (scenario: string) =>
      page.evaluate((s) => (globalThis as unknown as { memmapTest(s: string): Promise<TestResult[]> }).memmapTest(s), scenario);

    await open(`${server.url}/test/browser/index.html`);
    const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
    groups.push({
      title: 'the test page',
      results: [{ title: 'is cross-origin isolated (COOP/COEP)', ok: isolated === true, error: `crossOriginIsolated is ${isolated}`, ms: 0 }],
    });
    groups.push({ title: 'contract suites in a dedicated worker (wasm backend, OPFS)', results: await run('contract') });
    groups.push({ title: 'OPFS at scale', results: await run('big') });
    groups.push({ title: 'OPFS files and handles', results: await run('handle') });
    groups.push({ title: 'one OPFS file opened twice', results: await run('same-file') });
    groups.push({ title: 'the browser entry', results: await run('entry') });
    const written = await run('persist-write');
    await page.reload();
    await page.waitForFunction(() => typeof (globalThis as { memmapTest?: unknown }).memmapTest === 'function');
    groups.push({ title: 'persistence', results: [...written, ...(await run('persist-check'))] });
    groups.push({ title: 'named maps shared with workers', results: await run('shared-count') });
    groups.push({ title: "the page's shared arena", results: await run('arena') });
    groups.push({ title: 'the main thread', results: await run('main-thread') });
    await open(`${server.url}/no-coi/test/browser/index.html`);
    groups.push({ title: 'a page without cross-origin isolation', results: await run('no-isolation') });
  } catch (err) {
    throw new Error(`${(err as Error).message}\nbrowser console:\n${log.join('\n')}`);
  } finally {
    await browser.close();
    await server.close();
  }
  return groups;
}

const groups = await runChromium();

describe('browser build in Chromium', () => {
  for (const group of groups) {
    describe(group.title, () => {
      if (group.results.length === 0) {
        it('ran its tests', () => {
          throw new Error('the browser reported no results');
        });
      }
      for (const result of group.results) {
        it(result.title, () => {
          if (!result.ok) throw new Error(result.error);
        });
      }
    });
  }
});
