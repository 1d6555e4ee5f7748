/**
 * wait / waitAsync / notify on a view's Int32 words, within one thread: the
 * results, the counts, and what closing does. Between processes and threads:
 * test/25-coordination.test.ts.
 */
import type { ContractEnv, TestApi } from './env.js';
import { equal, rejects } from './expect.js';

export function waitSuite(t: TestApi, env: () => ContractEnv): void {
  t.describe('wait and notify', () => {
    const prefix = `memmap-waits-${Math.floor(Math.random() * 1e9)}-`;
    let counter = 0;
    const freshName = () => `${prefix}${counter++}`;

    t.it("wait: 'not-equal' at once, 'timed-out' after the timeout; notify with nobody waiting wakes 0", async () => {
      const { MemoryMappedFile } = env();
      using map = await MemoryMappedFile.createNew(freshName(), 4096);
      using view = await map.createViewAccessor();
      view.writeInt32(8, 5);
      equal(view.wait(8, 4), 'not-equal');
      equal(view.wait(8, 5, 0), 'timed-out');
      const start = performance.now();
      equal(view.wait(8, 5, 20), 'timed-out');
      equal(performance.now() - start >= 19, true, 'waited for the timeout');
      equal(view.notify(8), 0);
      equal(view.notify(8, 0), 0);
      equal(await view.waitAsync(8, 4), 'not-equal');
      equal(await view.waitAsync(8, 5, 0), 'timed-out');
      equal(await view.waitAsync(8, 5, 10), 'timed-out');
    });

    t.it("waitAsync settles 'ok' when notified, and notify counts the waiters it woke", async () => {
      const { MemoryMappedFile } = env();
      using map = await MemoryMappedFile.createNew(freshName(), 4096);
      using view = await map.createViewAccessor();
      const a = view.waitAsync(16, 0);
      const b = view.waitAsync(16, 0, 60000);
      // A wait counts once it sleeps (on the native backend, once a hub thread took it): notify
      // one at a time until one is woken, and let it settle before waking the other.
      const wakeOne = async () => {
        let woken = 0;
        for (let i = 0; i < 5000 && woken === 0; i++) {
          woken = view.notify(16, 1);
          if (woken === 0) await new Promise((r) => setTimeout(r, 1));
        }
        equal(woken, 1, 'notify(…, 1) woke one');
      };
      await wakeOne();
      equal(await Promise.race([a, b]), 'ok');
      await wakeOne();
      equal(await a, 'ok');
      equal(await b, 'ok');
      equal(view.notify(16), 0, 'nobody is left');
    });

    t.it('-1 and 0xffffffff expect the same word', async () => {
      const { MemoryMappedFile } = env();
      using map = await MemoryMappedFile.createNew(freshName(), 4096);
      using view = await map.createViewAccessor();
      view.writeInt32(0, -1);
      equal(view.wait(0, 0xffffffff, 0), 'timed-out');
      equal(view.wait(0, -1, 0), 'timed-out');
      equal(view.wait(0, 0x7fffffff, 0), 'not-equal');
    });

    t.it('a read view waits, and a writer of another map of the same name wakes it', async () => {
      const { MemoryMappedFile } = env();
      const name = freshName();
      using writer = await MemoryMappedFile.createNew(name, 4096);
      using w = await writer.createViewAccessor();
      using reader = await MemoryMappedFile.openExisting(name, { access: 'read' });
      using r = await reader.createViewAccessor();
      const pending = r.waitAsync(32, 0);
      let woken = 0;
      for (let i = 0; i < 2000 && woken < 1; i++) {
        woken += w.notify(32);
        if (woken < 1) await new Promise((res) => setTimeout(res, 1));
      }
      equal(woken, 1);
      equal(await pending, 'ok');
      w.writeInt32(32, 7);
      equal(r.readInt32(32), 7, 'the read view still sees later writes');
    });

    t.it('closing a view rejects its pending waitAsync with ECLOSED', async () => {
      const { MemoryMappedFile } = env();
      using map = await MemoryMappedFile.createNew(freshName(), 4096);
      const view = await map.createViewAccessor();
      const pending = view.waitAsync(0, 0);
      view.close();
      await rejects(pending, { name: 'MemmapError', code: 'ECLOSED' });
    });

    t.it('persisted maps: native views wait; paged views (wasm) are EUNSUPPORTED', async () => {
      const { MemoryMappedFile, files, paged } = env();
      const file = files.path('waits.bin');
      using map = await MemoryMappedFile.createFromFile(file, { mode: 'createNew', capacity: 8192 });
      using view = await map.createViewAccessor(4096);
      if (paged) {
        await rejects(view.waitAsync(0, 0, 0), { name: 'MemmapError', code: 'EUNSUPPORTED' });
        await rejects(async () => view.notify(0), { name: 'MemmapError', code: 'EUNSUPPORTED' });
      } else {
        equal(view.wait(0, 0, 0), 'timed-out');
        equal(view.notify(0), 0);
      }
    });
  });
}
