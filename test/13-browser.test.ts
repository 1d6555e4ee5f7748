/**
 * The browser build in real headless browsers of all three engines —
 * Chromium, Firefox ESR and WebKitGTK, launched by scripts/browsers.mjs — on
 * a page served from 127.0.0.1 with COOP/COEP headers (scripts/serve.mjs).
 * Runs, on the real bundle dist/browser/memmap.mjs, in each engine:
 *   - the contract suites (test/contract/) in a dedicated worker, over OPFS;
 *   - a 1 GiB OPFS file through a 32 MiB cache against a model;
 *   - data that survives close, a page reload and a browser restart;
 *   - two workers sharing a named map with the page, counting with Atomics;
 *   - disposal with or without the engine's Symbol.dispose;
 *   - the page's shared arena: a worker that has not adopted it gets a clear
 *     error, and a worker terminated while it holds the arena's lock does not
 *     hang the page;
 *   - the clear errors on the main thread, without cross-origin isolation,
 *     where OPFS cannot back persisted maps, and for a module URL that a
 *     server answers with an HTML page.
 *
 * WebKitGTK on Linux has no OPFS access handles, so there the tests that need
 * files are reported as skipped with the reason (never as passed), and the
 * clear EUNSUPPORTED error is tested instead: in the WebDriver session (which
 * has no OPFS at all) and in a normal session, where the page reports on its
 * own (OPFS works there, createSyncAccessHandle() rejects). It runs without
 * JSC_useExplicitResourceManagement, so it has no Symbol.dispose, as the
 * WebKit users have today.
 *
 * The engines run one after another while this file loads (top-level await);
 * each result becomes a test of its own under a describe per engine, and each
 * engine's counts are printed at the end of its describe.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without declarations
import { bundleForBrowser } from '../scripts/bundle-browser.mjs';
// @ts-expect-error: a plain .mjs script without declarations
import { ENGINES, ENGINE_NAMES, launchBrowser, openInMiniBrowser } from '../scripts/browsers.mjs';
// @ts-expect-error: a plain .mjs script without declarations
import { startServer } from '../scripts/serve.mjs';
import type { TestResult } from './browser/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Why an engine's OPFS cannot back persisted maps (null: it can). */
const NO_OPFS: Record<string, string | null> = {
  chromium: null,
  firefox: null,
  // createSyncAccessHandle() rejects there, and in WebDriver sessions navigator.storage.getDirectory() too.
  webkit: 'WebKitGTK on Linux has no OPFS access handles, so persisted maps cannot work',
};

interface Browser {
  name: string;
  log: string[];
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  waitForGlobal(name: string): Promise<void>;
  call(name: string, args: unknown[]): Promise<unknown>;
  evaluate(fn: () => unknown): Promise<unknown>;
  close(): Promise<void>;
}

interface Group {
  title: string;
  results: TestResult[];
}

interface EngineRun {
  name: string;
  groups: Group[];
  /** Why the run stopped early, with the browser's console. */
  error?: string;
  seconds: number;
}

/** Where pages that report on their own (no driver can ask them) post their results. */
class Reports {
  readonly #waiting = new Map<string, (body: string) => void>();
  #next = 0;

  /** For startServer's onPost. */
  readonly onPost = (path: string, body: string): void => this.#waiting.get(path)?.(body);

  /** A path to post to, and the results posted there (or an error after `timeoutMs`). */
  expect(timeoutMs: number): { path: string; results: Promise<TestResult[]> } {
    const path = `/report/${this.#next++}`;
    const results = new Promise<TestResult[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no report at ${path} within ${timeoutMs} ms`)), timeoutMs);
      this.#waiting.set(path, (body) => {
        clearTimeout(timer);
        this.#waiting.delete(path);
        const answer = JSON.parse(body) as { results?: TestResult[]; error?: string };
        if (answer.results) resolve(answer.results);
        else reject(new Error(answer.error));
      });
    });
    return { path, results };
  }
}

/**
 * Runs a scenario in WebKitGTK outside WebDriver, whose sessions are
 * ephemeral and have no OPFS: a normal MiniBrowser session with its data on
 * disk, where OPFS works but createSyncAccessHandle() rejects.
 */
async function inWebKitSession(serverUrl: string, reports: Reports, scenario: string): Promise<TestResult[]> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-webkit-session-'));
  const { path: to, results } = reports.expect(120_000);
  const page = openInMiniBrowser(`${serverUrl}/test/browser/index.html?report=${scenario}&to=${to}`, profile);
  try {
    return await results;
  } finally {
    await page.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function runEngine(engine: string, serverUrl: string, reports: Reports): Promise<EngineRun> {
  const start = Date.now();
  const name = ENGINE_NAMES[engine] as string;
  const noOpfs = NO_OPFS[engine] ?? null;
  const groups: Group[] = [];
  // One profile for both launches, so that OPFS data can outlive a restart.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `memmap-${engine}-profile-`));
  let browser: Browser | undefined;
  let error: string | undefined;
  const open = async (url: string) => {
    await browser!.goto(url);
    await browser!.waitForGlobal('memmapTest');
  };
  const run = (scenario: string, extra: Record<string, unknown> = {}) =>
    browser!.call('memmapTest', [scenario, { noOpfs, ...extra }]) as Promise<TestResult[]>;
  try {
    browser = (await launchBrowser(engine, { profile })) as Browser;
    await open(`${serverUrl}/test/browser/index.html`);
    const isolated = await browser.evaluate(() => globalThis.crossOriginIsolated);
    groups.push({
      title: 'the test page',
      results: [{ title: 'is cross-origin isolated (COOP/COEP)', ok: isolated === true, error: `crossOriginIsolated is ${isolated}`, ms: 0 }],
    });
    groups.push({ title: 'contract suites in a dedicated worker (wasm backend, OPFS)', results: await run('contract') });
    groups.push({ title: 'OPFS at scale', results: await run('big') });
    groups.push({ title: 'OPFS files and handles', results: await run('handle') });
    groups.push({ title: 'an engine whose OPFS cannot back persisted maps', results: await run('no-opfs') });
    groups.push({ title: 'loading the module', results: await run('wasm-html') });
    const persistence: TestResult[] = [...(await run('persist-write'))];
    await browser.reload();
    await browser.waitForGlobal('memmapTest');
    persistence.push(...(await run('persist-check', { title: 'the data survives close and a page reload' })));
    const restarted = 'the data survives a browser restart with the same profile';
    if (noOpfs === null) {
      await browser.close();
      browser = undefined;
      browser = (await launchBrowser(engine, { profile })) as Browser;
      await open(`${serverUrl}/test/browser/index.html`);
      persistence.push(...(await run('persist-check', { title: restarted })));
    } else {
      persistence.push({ title: restarted, ok: false, skipped: noOpfs, ms: 0 });
    }
    groups.push({ title: 'persistence', results: persistence });
    groups.push({ title: 'disposal', results: await run('dispose') });
    groups.push({ title: 'named maps shared with workers', results: await run('shared-count') });
    groups.push({ title: "the page's shared arena", results: await run('arena') });
    groups.push({ title: 'the main thread', results: await run('main-thread') });
    await open(`${serverUrl}/no-coi/test/browser/index.html`);
    groups.push({ title: 'a page without cross-origin isolation', results: await run('no-isolation') });
    if (engine === 'webkit') {
      groups.push({ title: 'a session outside WebDriver (website data on disk)', results: await inWebKitSession(serverUrl, reports, 'no-sync-handles') });
    }
  } catch (err) {
    const log = browser?.log.length ? `\nbrowser console:\n${browser.log.join('\n')}` : '';
    error = `${(err as Error).stack ?? (err as Error).message}${log}`;
  } finally {
    await browser?.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return { name, groups, error, seconds: (Date.now() - start) / 1000 };
}

async function runAll(): Promise<EngineRun[]> {
  await bundleForBrowser(['test/browser/page.ts', 'test/browser/worker.ts'], 'build/browser-tests');
  const reports = new Reports();
  const server = await startServer({ dir: root, onPost: reports.onPost });
  try {
    const runs: EngineRun[] = [];
    for (const engine of ENGINES as string[]) runs.push(await runEngine(engine, server.url, reports));
    return runs;
  } finally {
    await server.close();
  }
}

const runs = await runAll();

for (const engine of runs) {
  describe(`browser build in ${engine.name}`, () => {
    for (const group of engine.groups) {
      describe(group.title, () => {
        if (group.results.length === 0) {
          it('ran its tests', () => {
            throw new Error('the browser reported no results');
          });
        }
        for (const result of group.results) {
          if (result.skipped !== undefined) {
            it(`${result.title} (skipped on ${engine.name}: ${result.skipped})`, function () {
              this.skip();
            });
          } else {
            it(result.title, () => {
              if (!result.ok) throw new Error(result.error);
            });
          }
        }
      });
    }
    if (engine.error !== undefined) {
      it(`runs every scenario in ${engine.name}`, () => {
        throw new Error(engine.error);
      });
    }
    after(() => {
      const all = engine.groups.flatMap((g) => g.results);
      const skipped = all.filter((r) => r.skipped !== undefined).length;
      const passed = all.filter((r) => r.ok).length;
      const failed = all.length - passed - skipped + (engine.error === undefined ? 0 : 1);
      process.stderr.write(
        `      ${engine.name}: ${passed} passed, ${failed} failed, ${skipped} skipped (with their reasons above), ${engine.seconds.toFixed(1)} s\n`,
      );
    });
  });
}
