/**
 * The page of the browser tests: starts workers, runs the page-side checks,
 * and exposes window.memmapTest(scenario, options) to the Node driver
 * (test/13-browser.test.ts), which awaits it through the engine's driver
 * (scripts/browsers.mjs). options.noOpfs: null where the engine's OPFS backs
 * persisted maps, else the reason it cannot (passed on to the workers);
 * options.title: the title of a persistence check.
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

interface Options {
  noOpfs: string | null;
  title?: string;
}

/** Runs a worker scenario; the worker shares this page's named maps (it adopts the page's arena first). */
async function inWorker(scenario: string, options: Options): Promise<TestResult[]> {
  const worker = startWorker();
  try {
    return await ask(worker, { scenario, arena: mm.sharedArena(), ...options });
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

/** The dispose key of memmap's objects: the engine's Symbol.dispose, or the one TypeScript's helpers use without it. */
const disposeKey: symbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');

const scenarios: Record<string, (options: Options) => Promise<TestResult[]>> = {
  contract: (options) => inWorker('contract', options),
  big: (options) => inWorker('big', options),
  handle: (options) => inWorker('handle', options),
  'no-opfs': (options) => inWorker('no-opfs', options),
  'wasm-html': (options) => inWorker('wasm-html', options),
  'no-sync-handles': (options) => inWorker('no-sync-handles', options),
  'persist-write': (options) => inWorker('persist-write', options),
  'persist-check': (options) => inWorker('persist-check', options),

  async dispose() {
    return [
      await check(`maps, views and streams are disposable under ${String(disposeKey)}, and \`using\` closes them`, async () => {
        let map: mm.MemoryMappedFile;
        let view: mm.ViewAccessor;
        let stream: mm.ViewStream;
        {
          using m = await mm.MemoryMappedFile.createNew(null, 4096);
          using v = await m.createViewAccessor();
          using s = await m.createViewStream();
          [map, view, stream] = [m, v, s];
          for (const o of [m, v, s]) {
            if (typeof (o as unknown as Record<symbol, unknown>)[disposeKey] !== 'function') throw new Error(`no ${String(disposeKey)} method`);
            if ('undefined' in o) throw new Error('a method is keyed "undefined"');
          }
        }
        await expectCode(Promise.resolve().then(() => map.createViewAccessorSync()), 'ECLOSED', /closed/);
        await expectCode(Promise.resolve().then(() => view.readUint8(0)), 'ECLOSED', /closed/);
        await expectCode(Promise.resolve().then(() => stream.readByte()), 'ECLOSED', /closed/);
      }),
    ];
  },

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

  async 'arena'() {
    return [
      await check("a worker that has not adopted the page's arena: a named map is EUNSUPPORTED saying to post sharedArena()", async () => {
        const worker = startWorker();
        try {
          const results = await ask(worker, { scenario: 'named-without-arena' });
          if (!results[0]?.ok) throw new Error(results[0]?.error ?? 'no result');
        } finally {
          worker.terminate();
        }
      }),
      await check('a worker terminated while it holds the arena\'s lock does not hang the page: its lock is presumed dead after a while', async () => {
        const worker = startWorker();
        await ask(worker, { scenario: 'hold-lock', arena: mm.sharedArena() });
        worker.terminate();
        const t = performance.now();
        // The page's thread may not Atomics.wait: it spins, bounded, then takes the lock over.
        using map = await mm.MemoryMappedFile.createNew(`after-a-dead-holder-${Date.now()}`, 4096);
        const ms = performance.now() - t;
        if (map.capacity !== 4096) throw new Error('the map was not made');
        if (ms < 1500) throw new Error(`the lock was taken over after ${ms} ms, before the holder could be presumed dead`);
      }),
    ];
  },

  async 'main-thread'() {
    return [
      await check('configure() with a misspelt option is a TypeError naming it (before its EBUSY)', () => {
        try {
          mm.configure({ unsafeSharedAcess: true } as object);
        } catch (err) {
          const e = err as { name?: string; code?: string; message?: string };
          if (e.name !== 'TypeError' || e.code !== 'EINVAL' || !/unsafeSharedAcess/.test(String(e.message))) {
            throw new Error(`${e.name} ${e.code}: ${e.message}`);
          }
          return;
        }
        throw new Error('the misspelt option was accepted');
      }),
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

function memmapTest(scenario: string, options: Options): Promise<TestResult[]> {
  const run = scenarios[scenario];
  if (!run) return Promise.reject(new Error(`unknown scenario ${scenario}`));
  return run(options);
}
(globalThis as { memmapTest?: typeof memmapTest }).memmapTest = memmapTest;

// A page that no driver can ask (?report=<scenario>&to=<path>) runs the scenario itself and posts
// { results } or { error } to the test server.
const params = new URLSearchParams(location.search);
const reported = params.get('report');
if (reported !== null) {
  const post = (body: unknown) => fetch(params.get('to') as string, { method: 'POST', body: JSON.stringify(body) });
  memmapTest(reported, { noOpfs: null }).then(
    (results) => post({ results }),
    (err: Error) => post({ error: `${err?.name}: ${err?.message}\n${err?.stack}` }),
  );
}
