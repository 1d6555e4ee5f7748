/**
 * Thread liveness by Web Locks (webLockThreads in src/threads.ts), which
 * MapMutex and Channel use on the wasm backend wherever /proc cannot tell
 * (browsers, Node off Linux): each thread holds a lock named after it, and
 * a holder whose lock is free is dead. Node 24 has navigator.locks, so the
 * same code runs here in real worker_threads, which are terminated as a
 * browser terminates a worker. Node 24 answers `query()` with the calling
 * thread's own locks only, so a check must see another thread's lock some
 * other way; and a thread whose lock request has not reached the lock
 * manager yet must not be taken for dead.
 *
 * Skipped, with the reason in the title, where Node has no navigator.locks
 * (Node 20 and 22).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { webLockThreads } from '../src/threads.js';

const locks = (globalThis as { navigator?: { locks?: unknown } }).navigator?.locks as
  | { request<T>(name: string, options: object, callback: (lock: unknown) => T | Promise<T>): Promise<T> }
  | undefined;

const threadsModule = new URL('../src/threads.ts', import.meta.url).href;
// Workers do not inherit tsx's loader: register it in the worker, then load the TypeScript module.
const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
// The worker listens on its port, which keeps it running (a held lock does not) until terminate().
const bootstrap = `
  const { parentPort } = require('node:worker_threads');
  parentPort.on('message', () => {});
  import(${JSON.stringify(tsxApi)})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(threadsModule)}); })
    .then(({ webLockThreads }) => parentPort.postMessage(webLockThreads().self().id));`;

describe('thread liveness by Web Locks (Node with navigator.locks: 24 and later)', () => {
  const workers: Worker[] = [];
  let canTell = false;
  before(() => {
    canTell = webLockThreads().liveness === 'async';
  });
  beforeEach(function () {
    // skip reason: this Node has no navigator.locks (title); the threads say so themselves.
    if (!canTell) this.skip();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  async function startThread(): Promise<{ worker: Worker; id: number }> {
    const worker = new Worker(bootstrap, { eval: true });
    workers.push(worker);
    const [id] = (await once(worker, 'message')) as [number];
    return { worker, id };
  }

  it('another thread is alive while it runs, and dead once terminate() stopped it', async function () {
    this.timeout(60000);
    const threads = webLockThreads();
    const { worker, id } = await startThread();
    assert.notEqual(id, threads.self().id);
    assert.equal(await threads.aliveAsync(id, 0), true);
    // Checking takes nothing from the holder: it is still alive after many checks.
    for (let i = 0; i < 20; i++) assert.equal(await threads.aliveAsync(id, 0), true);
    await worker.terminate();
    assert.equal(await threads.aliveAsync(id, 0), false);
  });

  it('each of several threads is told apart: terminating one leaves the others alive', async function () {
    this.timeout(60000);
    const threads = webLockThreads();
    const started = await Promise.all([startThread(), startThread(), startThread()]);
    assert.equal(new Set(started.map((t) => t.id)).size, 3);
    await (started[1] as { worker: Worker }).worker.terminate();
    const answers = await Promise.all(started.map((t) => threads.aliveAsync(t.id, 0)));
    assert.deepEqual(answers, [true, false, true]);
  });

  it('the calling thread is alive to itself, with one id for its whole life', async () => {
    const threads = webLockThreads();
    const me = threads.self();
    assert.equal(threads.self(), me);
    assert.ok(Number.isInteger(me.id) && me.id >= 1 && me.id < 2 ** 30);
    assert.equal(await threads.aliveAsync(me.id, 0), true);
    assert.equal(threads.alive(me.id, 0), null, 'Web Locks answer only asynchronously');
  });

  it('an id that no thread holds is dead', async () => {
    const threads = webLockThreads();
    const free = ((threads.self().id + 12345) % (2 ** 30 - 1)) + 1;
    assert.equal(await threads.aliveAsync(free, 0), false);
  });

  it('a thread whose lock request reaches the lock manager just after a first check is not taken for dead', async function () {
    this.timeout(60000);
    const threads = webLockThreads();
    const late = ((threads.self().id + 777) % (2 ** 30 - 1)) + 1;
    const answer = threads.aliveAsync(late, 0);
    // The late thread's request, made while the check waits to look again.
    await new Promise((resolve) => setTimeout(resolve, 50));
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      void (locks as NonNullable<typeof locks>).request(`memmap-thread-${late}`, { mode: 'exclusive' }, () => {
        resolve();
        return new Promise<void>((done) => {
          release = done;
        });
      });
    });
    await held;
    try {
      assert.equal(await answer, true);
    } finally {
      release();
    }
  });
});
