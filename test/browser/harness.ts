/**
 * A minimal describe/it runner for the contract suites inside a browser
 * worker, where mocha does not run. Tests run one at a time, in order, each
 * with a time limit; the results go back to the page and from there to the
 * Node test that drives the browser (test/13-browser.test.ts), which reports
 * each as a test of its own.
 */
import type { TestApi } from '../contract/env.js';

export interface TestResult {
  title: string;
  ok: boolean;
  error?: string;
  /** Why the test could not run on this engine; set only with ok false. */
  skipped?: string;
  ms: number;
}

/**
 * Thrown by a test that cannot run on this engine (e.g. it needs OPFS access
 * handles the engine lacks): the test is reported as skipped with the reason,
 * never as passed.
 */
export class Skip extends Error {
  constructor(readonly reason: string) {
    super(`skipped: ${reason}`);
    this.name = 'Skip';
  }
}

export function createHarness(): { api: TestApi; run(timeoutMs?: number): Promise<TestResult[]> } {
  const tests: { title: string; fn: () => Promise<void> | void }[] = [];
  const path: string[] = [];
  const api: TestApi = {
    describe(title, fn) {
      path.push(title);
      try {
        fn();
      } finally {
        path.pop();
      }
    },
    it(title, fn) {
      tests.push({ title: [...path, title].join(' › '), fn });
    },
  };
  async function run(timeoutMs = 60000): Promise<TestResult[]> {
    const results: TestResult[] = [];
    for (const test of tests) results.push(await check(test.title, test.fn, timeoutMs));
    return results;
  }
  return { api, run };
}

/** Runs one test with a time limit and reports its result (never throws). */
export async function check(title: string, fn: () => Promise<void> | void, timeoutMs = 60000): Promise<TestResult> {
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { title, ok: true, ms: performance.now() - start };
  } catch (err) {
    if (err instanceof Skip) return { title, ok: false, skipped: err.reason, ms: performance.now() - start };
    const e = err as Error;
    return { title, ok: false, error: `${e?.name}: ${e?.message}\n${e?.stack ?? ''}`, ms: performance.now() - start };
  } finally {
    clearTimeout(timer);
  }
}
