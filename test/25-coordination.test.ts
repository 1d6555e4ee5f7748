/**
 * Coordination with real processes and threads: wait/notify across
 * processes, MapMutex under contention and when its owner is killed, and
 * Channel between processes and threads, also when a peer dies.
 *
 * Processes are forked children (test/support/coordination-peer.ts, with
 * tsx) on the native backend; threads are worker_threads on both backends
 * (a wasm map is shared by the threads of one process). Every child and
 * worker is bounded by a deadline and killed at the end of its test.
 */
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Channel, MapMutex, MemoryMappedFile } from '../node/index.js';
import { bindBackend } from './support/backends.js';
import { message, sameBytes } from './support/messages.js';

const peerPath = new URL('./support/coordination-peer.ts', import.meta.url);
const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(peerPath.href)}); });`;
const DEADLINE_MS = 60_000;
let counter = 0;
const freshName = () => `memmap-coord-${process.pid}-${counter++}`;

/** A peer (child process or worker) and its answers, each awaited with a deadline. */
class Peer {
  readonly #answers: unknown[] = [];
  readonly #waiting: ((m: unknown) => void)[] = [];
  readonly kill: () => Promise<void>;
  readonly exited: Promise<unknown>;

  constructor(readonly handle: ChildProcess | Worker) {
    handle.on('message', (m: unknown) => {
      const w = this.#waiting.shift();
      if (w) w(m);
      else this.#answers.push(m);
    });
    this.exited = once(handle, 'exit');
    this.kill =
      handle instanceof Worker
        ? async () => {
            await handle.terminate();
          }
        : async () => {
            if (handle.exitCode === null && handle.signalCode === null) {
              handle.kill('SIGKILL');
              await this.exited;
            }
          };
  }

  next(ms = DEADLINE_MS): Promise<unknown> {
    const ready = this.#answers.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the peer within ${ms} ms`)), ms);
      this.#waiting.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }
}

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.kill()));
});

function processPeer(job: Record<string, unknown>): Peer {
  const child = fork(peerPath, [JSON.stringify({ backend: 'native', ...job })], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const peer = new Peer(child);
  peers.push(peer);
  return peer;
}

function threadPeer(job: Record<string, unknown>): Peer {
  const peer = new Peer(new Worker(bootstrap, { eval: true, workerData: job }));
  peers.push(peer);
  return peer;
}

type Start = (job: Record<string, unknown>) => Peer;

const settings: { title: string; backend: 'native' | 'wasm'; start: Start; how: string }[] = [
  { title: 'processes [native]', backend: 'native', start: processPeer, how: 'SIGKILL' },
  { title: 'worker_threads [native]', backend: 'native', start: (j) => threadPeer({ backend: 'native', ...j }), how: 'worker.terminate()' },
  { title: 'worker_threads [wasm]', backend: 'wasm', start: (j) => threadPeer({ backend: 'wasm', ...j }), how: 'worker.terminate()' },
];

describe('wait and notify between processes [native]', () => {
  it("a child asleep in wait() is woken by notify() from this process: 'ok', and notify counts it", async () => {
    const name = freshName();
    using map = MemoryMappedFile.createNewSync(name, 4096, { backend: 'native' });
    using view = map.createViewAccessorSync();
    const peer = processPeer({ job: 'wait', name, position: 64, expected: 0, timeoutMs: DEADLINE_MS });
    let woken = 0;
    const start = performance.now();
    while (woken === 0 && performance.now() - start < DEADLINE_MS) {
      woken = view.notify(64, 1);
      if (woken === 0) await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(woken, 1);
    assert.equal(await peer.next(), 'ok');
  });

  it("a child's waitAsync settles 'ok' when this process stores and notifies", async () => {
    const name = freshName();
    using map = MemoryMappedFile.createNewSync(name, 4096, { backend: 'native' });
    using view = map.createViewAccessorSync();
    const peer = processPeer({ job: 'wait', async: true, name, position: 64, expected: 0, timeoutMs: DEADLINE_MS });
    let woken = 0;
    const start = performance.now();
    while (woken === 0 && performance.now() - start < DEADLINE_MS) {
      woken = view.notify(64, 1);
      if (woken === 0) await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(woken, 1, 'the hub thread that sleeps for the child counts as one waiter');
    assert.equal(await peer.next(), 'ok');
  });
});

for (const setting of settings) {
  describe(`MapMutex between ${setting.title}`, () => {
    const M = bindBackend(setting.backend);

    it('4 peers × 100k lock / plain increment / unlock lose nothing; without the lock they lose increments', async function () {
      this.timeout(180_000);
      const name = freshName();
      using map = M.createNewSync(name, 4096);
      using view = map.createViewAccessorSync();
      const times = 100_000;
      const run = async (locked: boolean, n: number): Promise<number> => {
        view.writeInt32(16, 0); // the start barrier
        const group = [0, 1, 2, 3].map(() => setting.start({ job: 'count', name, locked, times: n, parties: 4 }));
        let interleaved = 0;
        for (const p of group) interleaved += ((await p.next()) as { interleaved: number }).interleaved;
        return interleaved;
      };
      const interleaved = await run(true, times);
      assert.equal(view.readInt32(32), 4 * times, 'every locked increment counted');
      assert.ok(interleaved > 0, 'the peers took turns inside the lock (they overlapped)');
      // The control: the same peers racing without the lock lose increments. A round can happen
      // to run its peers one after another on a busy machine: up to 5 rounds of 1M each.
      let lost = 0;
      for (let round = 0; round < 5 && lost === 0; round++) {
        view.writeInt32(48, 0);
        await run(false, times * 10);
        lost = 40 * times - view.readInt32(48);
      }
      assert.ok(lost > 0, 'without the lock increments are lost');
    });

    it(`an owner killed (${setting.how}) inside the critical section: the next lock() returns ownerDied within 1 s`, async () => {
      const name = freshName();
      using map = M.createNewSync(name, 4096);
      using view = map.createViewAccessorSync();
      const mutex = new MapMutex(view, 0);
      const owner = setting.start({ job: 'hold', name });
      assert.equal(await owner.next(), 'locked');
      assert.equal(mutex.tryLock(), null, 'a live owner holds it');
      await owner.kill();
      const start = performance.now();
      using guard = mutex.lock(5000);
      const ms = performance.now() - start;
      assert.equal(guard.ownerDied, true);
      assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
    });

    it(`a peer asleep in lock() gets the lock with ownerDied within 1 s of the owner's death (${setting.how})`, async () => {
      const name = freshName();
      using map = M.createNewSync(name, 4096);
      using view = map.createViewAccessorSync();
      const owner = setting.start({ job: 'hold', name });
      assert.equal(await owner.next(), 'locked');
      const taker = setting.start({ job: 'take', name, timeoutMs: 10_000 });
      const start = performance.now();
      while (view.readInt32(8) === 0 && performance.now() - start < DEADLINE_MS) await new Promise((r) => setTimeout(r, 5));
      await owner.kill();
      const killed = performance.now();
      const answer = (await taker.next()) as { ownerDied: boolean; ms: number };
      assert.equal(answer.ownerDied, true);
      assert.ok(performance.now() - killed < 1000, `took ${(performance.now() - killed).toFixed(0)} ms after the kill`);
    });
  });

  describe(`Channel between ${setting.title}`, () => {
    const M = bindBackend(setting.backend);
    const maxLength = 3000;

    it('every message arrives whole and in order, through a ring much smaller than the stream', async function () {
      this.timeout(120_000);
      const name = freshName();
      using channel = Channel.create(name, 16 * 1024, { backend: setting.backend });
      const receiver = setting.start({ job: 'channel-receive', name, maxLength });
      const count = 5000;
      for (let i = 0; i < count; i++) await channel.sendAsync(message(i, maxLength));
      channel.close();
      assert.deepEqual(await receiver.next(), { count, ok: true });
    });

    it(`a sender killed (${setting.how}) mid-stream: the receiver gets whole messages, then ECONNRESET, never a hang`, async function () {
      this.timeout(120_000);
      const name = freshName();
      using channel = Channel.create(name, 8 * 1024, { backend: setting.backend });
      const sender = setting.start({ job: 'channel-send', name, count: -1, maxLength });
      let i = 0;
      for (; i < 500; i++) {
        const m = await channel.receiveAsync(DEADLINE_MS);
        assert.ok(m && sameBytes(m, message(i, maxLength)), `message ${i}`);
      }
      await sender.kill();
      const start = performance.now();
      let code: string | undefined;
      try {
        for (;; i++) {
          const m = await channel.receiveAsync(DEADLINE_MS);
          assert.ok(m && sameBytes(m, message(i, maxLength)), `message ${i} after the kill is whole`);
        }
      } catch (err) {
        code = (err as { code?: string }).code;
      }
      assert.equal(code, 'ECONNRESET');
      assert.ok(performance.now() - start < 5000, 'the death was seen within seconds');
      await assert.rejects(channel.receiveAsync(0), { code: 'ECONNRESET' });
    });

    it(`a receiver killed (${setting.how}): a sender waiting on the full ring gets ECONNRESET`, async function () {
      this.timeout(120_000);
      const name = freshName();
      using channel = Channel.create(name, 4096, { backend: setting.backend });
      const receiver = setting.start({ job: 'channel-receive', name, maxLength: 100 });
      // The receiver's place (header bytes 208..219) says ATTACHED once its first receive began.
      using map = M.openExistingSync(name);
      using header = map.createViewAccessorSync(0, 512);
      const start0 = performance.now();
      while (header.readInt32(216) !== 1 && performance.now() - start0 < DEADLINE_MS) await new Promise((r) => setTimeout(r, 5));
      assert.equal(header.readInt32(216), 1, 'the receiver attached');
      await receiver.kill();
      const start = performance.now();
      await assert.rejects(async () => {
        for (let i = 0; ; i++) await channel.sendAsync(message(i, 100), DEADLINE_MS);
      }, { code: 'ECONNRESET' });
      assert.ok(performance.now() - start < 5000);
    });
  });
}

describe('waitAsync on the native backend beyond the kernel slots of its threads', () => {
  it('600 pending waits (508 in futex_waitv sets, the rest polled) all settle once their words change and are notified', async function () {
    this.timeout(60_000);
    using map = MemoryMappedFile.createNewSync(freshName(), 8192, { backend: 'native' });
    using view = map.createViewAccessorSync();
    const waits = Array.from({ length: 600 }, (_, i) => view.waitAsync(4 * i, 0, DEADLINE_MS));
    await new Promise((r) => setTimeout(r, 300)); // the hub's threads fall asleep on them
    let woken = 0;
    for (let i = 0; i < 600; i++) {
      view.writeInt32(4 * i, 1);
      woken += view.notify(4 * i);
    }
    assert.ok(woken > 0, 'notify counts the waits that sleep in the kernel');
    assert.deepEqual(new Set(await Promise.all(waits)), new Set(['ok']));
  });
});

describe('Channel on Node', () => {
  it('a second sender in another thread is EBUSY (one sender at a time unless created for many)', async function () {
    this.timeout(60_000);
    const name = freshName();
    using channel = Channel.create(name, 4096, { backend: 'native' });
    const sender = threadPeer({ backend: 'native', job: 'channel-send', name, count: -1, maxLength: 10 });
    assert.ok(await channel.receiveAsync(DEADLINE_MS), 'the worker sends');
    using other = Channel.open(name, { backend: 'native' });
    assert.throws(() => other.trySend(new Uint8Array(1)), { code: 'EBUSY' });
    await sender.kill();
  });

  it('Node streams: a Writable sends each chunk, a Readable yields each message; ending the Writable ends the stream', async () => {
    const name = freshName();
    using receiver = Channel.create(name, 4096);
    const sender = Channel.open(name);
    const { Readable, Writable } = await import('node:stream');
    const { pipeline } = await import('node:stream/promises');
    const chunks = [Buffer.from('one'), Buffer.from('two'), Buffer.from('three')];
    const writing = pipeline(Readable.from(chunks), sender.toNodeWritable());
    const got: Buffer[] = [];
    await pipeline(receiver.toNodeReadable(), new Writable({ write: (c: Buffer, _e, cb) => { got.push(c); cb(); } }));
    await writing;
    assert.deepEqual(got.map(String), ['one', 'two', 'three']);
    assert.equal(sender.closed, true);
  });

  it('many senders in 3 processes, one killed mid-stream: every message the receiver gets is whole', async function () {
    this.timeout(120_000);
    const name = freshName();
    using channel = Channel.create(name, 8192, { senders: 'many', backend: 'native' });
    const senders = [0, 1, 2].map(() => processPeer({ job: 'channel-send', name, count: -1, maxLength: 500 }));
    const whole = (m: Uint8Array) => m.length < 4 || m.every((b, k) => k < 4 || b === (m[0] as number));
    for (let i = 0; i < 2000; i++) {
      const m = await channel.receiveAsync(DEADLINE_MS);
      assert.ok(m && whole(m), `message ${i} is whole`);
    }
    await (senders[0] as Peer).kill();
    for (let i = 0; i < 2000; i++) {
      const m = await channel.receiveAsync(DEADLINE_MS);
      assert.ok(m && whole(m), `message ${i} after the kill is whole`);
    }
  });
});

describe('waitAsync and the life of a process or worker', () => {
  for (const backend of ['native', 'wasm'] as const) {
    it(`a pending waitAsync keeps the process alive until it settles [${backend}]`, async function () {
      this.timeout(60_000);
      const entry = new URL('../node/index.ts', import.meta.url).href;
      const script = `
        import { MemoryMappedFile } from ${JSON.stringify(entry)};
        const map = MemoryMappedFile.createNewSync(null, 4096, { backend: '${backend}' });
        const view = map.createViewAccessorSync();
        const start = Date.now();
        view.waitAsync(0, 0, 300).then((r) => console.log(r, Date.now() - start >= 290));`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
      assert.equal(out.trim(), 'timed-out true');
    });
  }

  it('a worker terminated with native waitAsync calls pending leaves the process working', async function () {
    this.timeout(60_000);
    const name = freshName();
    using map = MemoryMappedFile.createNewSync(name, 4096, { backend: 'native' });
    using view = map.createViewAccessorSync();
    for (let round = 0; round < 3; round++) {
      const peer = threadPeer({ backend: 'native', job: 'wait', async: true, name, position: 0, expected: 0, timeoutMs: DEADLINE_MS });
      await new Promise((r) => setTimeout(r, 100));
      await peer.kill();
    }
    // The hub still serves this thread.
    const pending = view.waitAsync(0, 0, DEADLINE_MS);
    let woken = 0;
    for (let i = 0; i < 1000 && woken === 0; i++) {
      woken = view.notify(0);
      if (woken === 0) await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(await pending, 'ok');
  });
});

describe('the native waiter threads and the addon they run in', () => {
  it('workers that were the addon\'s only users end with waits pending: Node unloads nothing under the waiter threads, no crash', async function () {
    this.timeout(120_000);
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./support/hub-unload-child.ts', import.meta.url).pathname], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const [code, signal] = await once(child, 'exit');
    assert.equal(signal, null, `the process died of ${signal}`);
    assert.equal(code, 0);
    assert.equal(out.trim(), 'alive');
  });
});
