/**
 * The page of the browser tests: starts workers, runs the page-side checks,
 * and exposes window.memmapTest(scenario) to the Node driver
 * (test/13-browser.test.ts), which awaits it through Playwright.
 */
// The real bundle, as a browser loads it (tsconfig maps this path to browser/index.ts for types).
import * as mm from '/dist/browser/memmap.mjs';
import { check, type TestResult } from './harness.js';


const workerUrl = new URL('./worker.js', import.meta.url);

function startWorker(): Worker {
  return new Worker(workerUrl, { type: 'module' });
}

function ask(worker: Worker, message: Record<string, unknown>): Promise<TestResult[]> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.results));
    worker.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
    worker.postMessage(message);
  });
}

async function inWorker(scenario: string): Promise<TestResult[]> {
  const worker = startWorker();
  try {
    return await ask(worker, { scenario });
  } finally {
    worker.terminate();
  }
}

async function expectCode(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code !== code) throw new Error(`expected ${code}, got ${e.code}: ${e.message}`);
    if (!pattern.test(String(e.message))) throw new Error(`message '${e.message}' does not match ${pattern}`);
    return;
  }
  throw new Error(`expected ${code}, got success`);
}

const scenarios: Record<string, () => Promise<TestResult[]>> = {
  contract: () => inWorker('contract'),
  big: () => inWorker('big'),
  handle: () => inWorker('handle'),
  'persist-write': () => inWorker('persist-write'),
  'persist-check': () => inWorker('persist-check'),
  'same-file': () => inWorker('same-file'),
  entry: () => inWorker('entry'),

  async 'shared-count'() {
    return [
      await check('two workers share a named map with the page and count with Atomics to an exact total', async () => {
        const name = `count-${Date.now()}`;
        const times = 200000;
        using map = await mm.MemoryMappedFile.createNew(name, 4096);
        using view = await map.createViewAccessor();
        const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, 16);
        const arena = mm.sharedArena();
        const workers = [startWorker(), startWorker()];
        try {
          await Promise.all(workers.map((w) => ask(w, { scenario: 'count', arena, name, times, parties: 2 })));
        } finally {
          workers.forEach((w) => w.terminate());
        }
        if (Atomics.load(cells, 1) !== 2 * times) throw new Error(`total ${Atomics.load(cells, 1)}, expected ${2 * times}`);
      }),
    ];
  },

  async 'main-thread'() {
    return [
      await check('a persisted open on the main thread is EUNSUPPORTED and says to use a worker', () =>
        expectCode(mm.MemoryMappedFile.createFromFile('main/file.bin', { mode: 'openOrCreate', capacity: 10 }), 'EUNSUPPORTED', /worker/i),
      ),
    ];
  },

  async 'no-isolation'() {
    return [
      await check('without cross-origin isolation a non-persisted map is EUNSUPPORTED naming COOP/COEP', () =>
        expectCode(mm.MemoryMappedFile.createNew('x', 10), 'EUNSUPPORTED', /Cross-Origin-Opener-Policy.*Cross-Origin-Embedder-Policy/),
      ),
    ];
  },
};

(globalThis as { memmapTest?: (s: string) => Promise<TestResult[]> }).memmapTest = (scenario: string) => {
  const run = scenarios[scenario];
  if (!run) return Promise.reject(new Error(`unknown scenario ${scenario}`));
  return run();
};
