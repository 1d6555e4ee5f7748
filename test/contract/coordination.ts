/**
 * MapMutex and Channel within one thread, on every backend and platform:
 * what a single user sees. Between processes and threads, and when a peer
 * dies: test/25-coordination.test.ts (Node) and the browser scenarios.
 */
import type { ContractEnv, TestApi } from './env.js';
import { deepEqual, equal, ok, rejects, throws } from './expect.js';

/** The dispose key of memmap's objects: the engine's Symbol.dispose, or the one `using` helpers use without it. */
const disposeKey: typeof Symbol.dispose = (Symbol.dispose ?? Symbol.for('Symbol.dispose')) as typeof Symbol.dispose;

/** An id that no thread has (the largest id): an owner that is surely dead. */
const DEAD_ID = 2 ** 30 - 1;

export function coordinationSuite(t: TestApi, env: () => ContractEnv): void {
  const prefix = `memmap-coord-${Math.floor(Math.random() * 1e9)}-`;
  let counter = 0;
  const freshName = () => `${prefix}${counter++}`;

  t.describe('MapMutex', () => {
    t.it('a zeroed mutex is free; lock, unlock, tryLock; disposing the guard or the mutex unlocks', async () => {
      const { MemoryMappedFile, MapMutex } = env();
      using map = await MemoryMappedFile.createNew(freshName(), 4096);
      using view = await map.createViewAccessor();
      const mutex = new MapMutex(view, 64);
      {
        using guard = mutex.lock();
        equal(guard.ownerDied, false);
        ok(view.readInt32(64) !== 0, 'the state names the owner');
      }
      equal(view.readInt32(64), 0, 'disposing the guard unlocked');
      const again = mutex.tryLock();
      ok(again && again.ownerDied === false);
      mutex[disposeKey]();
      equal(view.readInt32(64), 0, 'disposing the mutex unlocked');
      mutex[disposeKey](); // not held: nothing
      const viaAsync = await mutex.lockAsync(1000);
      equal(viaAsync.ownerDied, false);
      mutex.unlock();
      equal(MapMutex.byteLength, 12);
      {
        using early = mutex.lock();
        mutex.unlock(); // by hand, inside the scope
        ok(early.ownerDied === false);
        const later = mutex.lock();
        later[disposeKey]();
        early[disposeKey](); // an old guard: unlocks nothing, throws nothing
        equal(view.readInt32(64), 0);
        mutex.lock();
      } // `early` again: the lock taken after it stays held
      ok(view.readInt32(64) !== 0, 'a stale guard left a newer lock alone');
      mutex.unlock();
    });

    t.it("a lock held by a thread that does not run is taken with ownerDied (lockAsync; and lock, tryLock where liveness is synchronous; where the threads cannot tell a dead one, as wasm on Node off Linux without Web Locks: ETIMEDOUT)", async () => {
      const { MemoryMappedFile, MapMutex, ViewAccessor } = env();
      using map = await MemoryMappedFile.createNew(freshName(), 4096);
      using view = await map.createViewAccessor();
      const mutex = new MapMutex(view, 0);
      // How this backend and platform tell a dead holder: the code's answer (src/threads.ts).
      const liveness = ViewAccessor.waiterOf(view)!.threads.liveness;
      view.writeInt32(0, DEAD_ID);
      if (liveness === 'none') {
        // The documented limit (src/threads.ts): without liveness a dead owner's lock stays held.
        await rejects(() => mutex.lockAsync(100), { name: 'MemmapError', code: 'ETIMEDOUT' });
        return;
      }
      const guard = await mutex.lockAsync(5000);
      equal(guard.ownerDied, true);
      mutex.unlock();
      if (liveness === 'sync') {
        view.writeInt32(0, DEAD_ID);
        equal(mutex.lock(5000).ownerDied, true);
        mutex.unlock();
        view.writeInt32(0, DEAD_ID);
        equal(mutex.tryLock()?.ownerDied, true);
        mutex.unlock();
      }
    });

    t.it('a persisted map: native views lock; paged views (wasm) are EUNSUPPORTED', async () => {
      const { MemoryMappedFile, MapMutex, files, paged } = env();
      using map = await MemoryMappedFile.createFromFile(files.path('mutex.bin'), { mode: 'createNew', capacity: 4096 });
      using view = await map.createViewAccessor();
      if (paged) {
        throws(() => new MapMutex(view, 0), { name: 'MemmapError', code: 'EUNSUPPORTED' });
      } else {
        const mutex = new MapMutex(view, 0);
        mutex.lock();
        mutex.unlock();
      }
    });
  });

  t.describe('Channel', () => {
    t.it('messages go through whole and in order, wrapping around the ring many times', async () => {
      const { Channel } = env();
      using a = Channel.create(freshName(), 1000);
      using b = Channel.open(a.name);
      equal(a.capacity, 1000);
      equal(b.capacity, 1000);
      equal(a.maxMessageSize, 996);
      equal(b.tryReceive(), undefined, 'nothing yet');
      for (let i = 0; i < 3000; i++) {
        const m = new Uint8Array((i * 131) % 997).fill(i & 0xff);
        while (!a.trySend(m)) equal(b.tryReceive(), undefined, 'only the ring-end mark was in the way');
        const r = b.receive(0);
        ok(r !== null && r.length === m.length && r.every((x) => x === (i & 0xff)), `message ${i}`);
      }
    });

    t.it('a full ring refuses (trySend false) and times out (send, sendAsync); nothing is overwritten', async () => {
      const { Channel } = env();
      using ch = Channel.create(freshName(), 64);
      equal(ch.capacity, 64);
      let sent = 0;
      while (ch.trySend(new Uint8Array([sent]))) sent++;
      equal(sent, 8, 'eight 8-byte records fill 64 bytes');
      throws(() => ch.send(new Uint8Array([99]), 10), { name: 'MemmapError', code: 'ETIMEDOUT' });
      await rejects(ch.sendAsync(new Uint8Array([99]), 10), { name: 'MemmapError', code: 'ETIMEDOUT' });
      for (let i = 0; i < sent; i++) deepEqual(ch.receive(0), new Uint8Array([i]));
      throws(() => ch.receive(5), { name: 'MemmapError', code: 'ETIMEDOUT' });
    });

    t.it('receiveInPlace lends the message in the map itself until released', async () => {
      const { Channel } = env();
      using ch = Channel.create(freshName(), 4096);
      ch.send(new Uint8Array([1, 2, 3]));
      ch.send(new Uint8Array([4]));
      {
        using lent = ch.receiveInPlace(0);
        ok(lent !== null);
        deepEqual(lent.bytes, new Uint8Array([1, 2, 3]));
        equal(lent.bytes.buffer.byteLength >= 512 + 4096, true, 'the bytes are a window on the map, not a copy');
        throws(() => ch.receive(0), { name: 'MemmapError', code: 'EBUSY' });
      }
      const next = await ch.receiveInPlaceAsync(0);
      deepEqual(next?.bytes, new Uint8Array([4]));
      next?.release();
      next?.release();
      equal(ch.tryReceive(), undefined);
    });

    t.it("the sender's close ends the stream after its last message; the async iterator ends there", async () => {
      const { Channel } = env();
      using receiver = Channel.create(freshName(), 4096);
      const sender = Channel.open(receiver.name);
      for (let i = 0; i < 5; i++) await sender.sendAsync(new Uint8Array([i]));
      sender.close();
      sender.close();
      const got: number[] = [];
      for await (const m of receiver) got.push(m[0] as number);
      deepEqual(got, [0, 1, 2, 3, 4]);
      equal(receiver.receive(0), null);
      equal(await receiver.receiveAsync(), null);
      equal(receiver.tryReceive(), null);
    });

    t.it("the receiver's close makes sends fail with EPIPE", async () => {
      const { Channel } = env();
      using sender = Channel.create(freshName(), 4096);
      const receiver = Channel.open(sender.name);
      sender.send(new Uint8Array(1));
      equal(receiver.receive(0)?.length, 1);
      receiver.close();
      throws(() => sender.send(new Uint8Array(1)), { name: 'MemmapError', code: 'EPIPE' });
      throws(() => sender.trySend(new Uint8Array(1)), { name: 'MemmapError', code: 'EPIPE' });
    });

    t.it('web streams: a WritableStream sends each chunk, a ReadableStream yields each message', async () => {
      const { Channel } = env();
      using receiver = Channel.create(freshName(), 4096);
      const sender = Channel.open(receiver.name);
      const chunks = [new Uint8Array([1]), new Uint8Array([2, 3]), new Uint8Array(0), new Uint8Array([4, 5, 6])];
      const writing = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(c);
          controller.close();
        },
      }).pipeTo(sender.toWritableStream());
      const got: Uint8Array[] = [];
      const reader = receiver.toReadableStream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        got.push(value);
      }
      await writing;
      equal(sender.closed, true, 'closing the writable closed the channel');
      deepEqual(got, chunks);
    });

    t.it("many senders: each send takes the senders' lock, so messages stay whole", async () => {
      const { Channel } = env();
      using receiver = Channel.create(freshName(), 256, { senders: 'many' });
      equal(receiver.senders, 'many');
      using a = Channel.open(receiver.name);
      using b = Channel.open(receiver.name);
      equal(a.senders, 'many');
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 50; i++) sends.push((i % 2 ? a : b).sendAsync(new Uint8Array(40).fill(i)));
      const seen = new Set<number>();
      for (let i = 0; i < 50; i++) {
        const m = await receiver.receiveAsync(5000);
        ok(m !== null && m.length === 40 && m.every((x) => x === m[0]), 'a whole message');
        seen.add(m[0] as number);
      }
      await Promise.all(sends);
      equal(seen.size, 50);
    });
  });
}
