/**
 * One scenario of the wasm backend's shared arena in a process of its own
 * (test/22-shared-arena.test.ts runs it with a time limit, so that a hang is
 * a failure and not a stuck suite), with real worker_threads
 * (arena-worker.ts). Prints one JSON line: what happened.
 *
 *   node --import tsx test/support/arena-child.ts <scenario>
 *
 *   after-import      a worker started after memmap loaded, before any named open, opens a map of this thread
 *   before-import     a worker started (and loaded memmap) before memmap loaded here joins this thread's arena
 *   never-imported    memmap never loads in the main thread: a worker's named open is EUNSUPPORTED
 *   dead-lock-holder  a worker terminated while it holds the arena's lock
 *   live-holder       a worker that holds the lock for 300 ms and lets go: waited for, not taken over
 *   presumed-dead     an arena without a thread probe (as in browsers): a silent holder is presumed dead
 *   dead-creator      a worker terminated while it zeroes a map it is making
 *   churn             workers making and dropping maps, terminated at random moments
 *
 * Memmap is imported dynamically, so that "before-import" and
 * "never-imported" can start workers before (or without) it.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
const workerScript = new URL('./arena-worker.ts', import.meta.url).href;
// Workers do not inherit tsx's loader: register it in the worker, then load the TypeScript script.
const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerScript)}); });`;
const MiB = 1 << 20;

type Reply = {
  value?: unknown;
  code?: string;
  message?: string;
  started?: boolean;
  ready?: boolean;
  self?: string;
  ops?: number;
  violation?: string;
};

function reply(worker: Worker, wanted: (r: Reply) => boolean): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: Reply) => {
      if (!wanted(r)) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(r);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

/** The identity each worker reported (its thread, for the arena's lock). */
const identities = new WeakMap<Worker, bigint>();

async function start(): Promise<Worker> {
  const worker = new Worker(bootstrap, { eval: true });
  const ready = await reply(worker, (r) => r.ready === true);
  identities.set(worker, BigInt(ready.self as string));
  return worker;
}

function ask(worker: Worker, message: Record<string, unknown>): Promise<Reply> {
  const answer = reply(worker, (r) => 'value' in r || 'code' in r);
  worker.postMessage(message);
  return answer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const memmap = () => import('../../node/index.js');
const processArena = async () => (await import('../../wasm/node-arena.js')).nodeArena();
const wasm = { backend: 'wasm' as const };

const scenarios: Record<string, () => Promise<Record<string, unknown>>> = {
  async 'after-import'() {
    const { MemoryMappedFile } = await memmap();
    const worker = await start();
    using map = MemoryMappedFile.createNewSync('after-import', 4096, wasm);
    using view = map.createViewAccessorSync();
    view.writeInt32(0, 42);
    const seen = await ask(worker, { op: 'open', mode: 'openExisting', name: 'after-import' });
    await worker.terminate();
    return { seen };
  },

  async 'before-import'() {
    const worker = await start();
    const { MemoryMappedFile } = await memmap();
    using map = MemoryMappedFile.createNewSync('before-import', 4096, wasm);
    using view = map.createViewAccessorSync();
    view.writeInt32(0, 42);
    const joined = await ask(worker, { op: 'open', mode: 'createOrOpen', name: 'before-import', capacity: 4096 });
    const maps = (await processArena()).list().filter((e) => e.name === 'before-import');
    await worker.terminate();
    return { joined, maps: maps.length, holders: maps[0]?.holders };
  },

  async 'never-imported'() {
    const worker = await start();
    const made = await ask(worker, { op: 'open', mode: 'createNew', name: 'never-imported', capacity: 4096 });
    await worker.terminate();
    return { made };
  },

  async 'dead-lock-holder'() {
    const { MemoryMappedFile } = await memmap();
    const arena = await processArena();
    const worker = await start();
    const held = await ask(worker, { op: 'hold-lock' });
    await worker.terminate();
    const t = performance.now();
    MemoryMappedFile.createNewSync('after-the-dead-holder', 4096, wasm).close();
    const ms = performance.now() - t;
    return { held: held.value, ms, takeovers: arena.takeovers, lockFree: new BigInt64Array(arena.buffer, 0, 1)[0] === 0n };
  },

  async 'live-holder'() {
    const { MemoryMappedFile } = await memmap();
    const arena = await processArena();
    const worker = await start();
    const held = await ask(worker, { op: 'hold-lock', ms: 300 });
    const t = performance.now();
    MemoryMappedFile.createNewSync('after-the-live-holder', 4096, wasm).close();
    const ms = performance.now() - t;
    await worker.terminate();
    return { held: held.value, ms, takeovers: arena.takeovers };
  },

  async 'presumed-dead'() {
    // An arena without a thread probe, as in browsers: a silent holder is presumed dead after a while.
    const { SharedArena, presumedLiveness, PRESUMED_DEAD_MS } = await import('../../wasm/shared-arena.js');
    const arena = SharedArena.create(presumedLiveness());
    const worker = await start();
    const held = await ask(worker, { op: 'hold-lock', arena: arena.buffer, token: presumedLiveness().self });
    await worker.terminate();
    const t = performance.now();
    arena.release(arena.open('after-the-silent-holder', 4096, 'createNew'));
    const ms = performance.now() - t;
    return { held: held.value, ms, presumedAfter: PRESUMED_DEAD_MS, takeovers: arena.takeovers };
  },

  async 'dead-creator'() {
    const { MemoryMappedFile } = await memmap();
    const arena = await processArena();
    const size = 64 * MiB;
    for (let attempt = 0; attempt < 8; attempt++) {
      // A freed region full of old bytes, which the next map of this size reuses (first fit) and must zero.
      {
        using filler = MemoryMappedFile.createNewSync(`filler-${attempt}`, size, wasm);
        using bytes = filler.createViewAccessorSync();
        bytes.bytes.fill(0xab);
      }
      const name = `dead-creator-${attempt}`;
      const worker = await start();
      const started = reply(worker, (r) => r.started === true);
      worker.postMessage({ op: 'create', name, capacity: size });
      await started;
      const deadline = performance.now() + 3000;
      while (performance.now() < deadline && !arena.list().some((e) => e.name === name && e.creating)) {
        // watch for the claim; the worker zeroes 64 MiB in chunks meanwhile
      }
      await worker.terminate();
      if (!arena.list().some((e) => e.name === name && e.creating)) continue; // it finished first: again
      const t = performance.now();
      let openCode: string | undefined;
      try {
        MemoryMappedFile.openExistingSync(name, wasm).close();
      } catch (err) {
        openCode = (err as { code?: string }).code;
      }
      const ms = performance.now() - t;
      using again = MemoryMappedFile.createOrOpenSync(name, size, wasm);
      using view = again.createViewAccessorSync();
      const nonZero = view.bytes.findIndex((b) => b !== 0);
      return { attempt, openCode, ms, nonZero, takeovers: arena.takeovers };
    }
    return { attempt: -1 };
  },

  async churn() {
    const { MemoryMappedFile } = await memmap();
    const arena = await processArena();
    const sizes = [4096, 65536, MiB, 3 * MiB];
    const violations: string[] = [];
    let ops = 0;
    let seed = 1;
    const prefixes: string[] = [];
    const churner = async (prefix: string): Promise<Worker> => {
      const worker = await start();
      worker.on('message', (r: Reply) => {
        if (r.violation) violations.push(r.violation);
        if (r.ops) ops += 64;
      });
      worker.postMessage({ op: 'churn', seed: seed++, prefix, sizes });
      await reply(worker, (r) => r.ops !== undefined);
      return worker;
    };
    const rounds = 12;
    let mainMaxMs = 0;
    let lockHeldByDead = 0;
    const workers: Worker[] = [];
    for (let i = 0; i < 3; i++) workers.push(await churner('r0-'));
    prefixes.push('r0-');
    for (let round = 1; round <= rounds; round++) {
      await sleep(Math.random() * 25);
      const victim = Math.floor(Math.random() * workers.length);
      await (workers[victim] as Worker).terminate();
      if (new BigInt64Array(arena.buffer, 0, 1)[0] === identities.get(workers[victim] as Worker)) lockHeldByDead++;
      // This thread goes on through whatever the dead worker left.
      const t = performance.now();
      const name = `${prefixes[prefixes.length - 1]}${round % 6}`;
      try {
        MemoryMappedFile.createOrOpenSync(name, 4096, wasm).close();
      } catch (err) {
        if ((err as { code?: string }).code !== 'ERANGE') violations.push(`main: ${(err as Error).message}`);
      }
      mainMaxMs = Math.max(mainMaxMs, performance.now() - t);
      const prefix = `r${round}-`;
      prefixes.push(prefix);
      workers[victim] = await churner(prefix);
    }
    await Promise.all(workers.map((w) => w.terminate()));
    // Every name, opened once more: a claim left by a dead creator is taken over, none blocks.
    for (const prefix of prefixes) {
      for (let k = 0; k < 6; k++) {
        try {
          MemoryMappedFile.openExistingSync(`${prefix}${k}`, wasm).close();
        } catch (err) {
          if ((err as { code?: string }).code !== 'ENOENT') violations.push(`final open: ${(err as Error).message}`);
        }
      }
    }
    const entries = arena.list().sort((a, b) => a.offset - b.offset);
    let overlaps = 0;
    for (let i = 1; i < entries.length; i++) {
      const prev = entries[i - 1] as { offset: number; size: number };
      if ((entries[i] as { offset: number }).offset < prev.offset + prev.size) overlaps++;
    }
    const outside = entries.filter((e) => e.offset + e.size > arena.buffer.byteLength).length;
    return {
      rounds,
      ops,
      violations,
      mainMaxMs,
      lockHeldByDead,
      takeovers: arena.takeovers,
      overlaps,
      outside,
      creatingLeft: entries.filter((e) => e.creating).length,
      lockFree: new BigInt64Array(arena.buffer, 0, 1)[0] === 0n,
    };
  },
};

const run = scenarios[process.argv[2] as string];
if (!run) throw new Error(`unknown scenario ${process.argv[2]}`);
console.log(JSON.stringify(await run()));
process.exit(0);
