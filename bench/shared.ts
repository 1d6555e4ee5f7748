/**
 * Named non-persisted maps on the native backend: what sharing memory by name
 * buys over the other ways two Node processes talk, and what a map costs to
 * make.
 *
 *   1. Round-trip latency between two processes. The parent and a child
 *      (bench/shared-child.ts) both map one named map and bounce a counter in
 *      one Int32 cell: the parent stores an odd value, the child spins with
 *      `Atomics.load` until it sees it and stores the next even value, the
 *      parent spins until it sees that (bench/spin.ts). The baseline is the
 *      same ping-pong over the `child_process` IPC channel (`process.send`
 *      and 'message', between the same two processes), which is what a Node
 *      program uses when it has no shared memory. Target: the shm round trip
 *      ≥ 20× faster. Both ping-pongs run in the same run, interleaved.
 *
 *        parent ── Atomics.store(cell, 2i+1) ──▶ /dev/shm page ◀── Atomics.load ── child
 *               ◀─ Atomics.load ─────────────── (one cache line) ─ Atomics.store(cell, 2i+2)
 *
 *      Spinning needs both processes on a CPU at once: this machine has 2,
 *      so any other busy process (a test run, the child's GC) stalls round
 *      trips for a scheduler tick. The spread column shows how noisy a run
 *      was, and one more run of each, timed trip by trip, prints the median
 *      and tail trips: a busy machine inflates a run's mean (the figure) but
 *      not its median trip. A shm run's time includes one IPC message that
 *      starts the child spinning and one that reports it done (well under 1%
 *      of a run).
 *
 *   2. The cost of a map's life: create a 1 MiB map, make one accessor view,
 *      write and read one byte (so a page is really allocated and faulted
 *      in), close the view and the map. A named map (shm_open, ftruncate,
 *      flock, mmap; unlinked on close) and an anonymous one (null name) are
 *      compared with the same cycle on a persisted map (createFromFileSync
 *      with mode 'create' and capacity 1 MiB in a temporary directory: open,
 *      grow, mmap), the baseline. A named map of 4 KiB is a context row.
 *
 *   3. Creation is independent of the capacity: create and close a 1 GiB
 *      named map and a 1 GiB anonymous map (no view: nothing is touched)
 *      against the same cycle on a 4 KiB named map, the baseline. Target:
 *      ≥ 0.5× (at most twice the small map's time), and each under 10 ms.
 *
 * Usage: node --import tsx bench/shared.ts [--rounds N] [--json PATH]
 * (`--size-mib` is accepted, because bench/run.ts passes its arguments to
 * every benchmark, and ignored: these sizes are fixed). The exit code is 0
 * whatever the ratios (a benchmark is not a test) and non-zero on errors.
 *
 * @module
 */
import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryMappedFile, type ViewAccessor } from '../node/index.js';
import { printFigure, printSpeedup, rowsToJson, runFigure, runFigureAsync, sinkValue, type Row } from './harness.js';
import { runBench, writeJson } from './output.js';
import { benchOptions, type BenchOptions } from './options.js';
import { PING_CELL, spinUntil } from './spin.js';

const MiB = 1 << 20;
const SHM_TRIPS = 100_000;
const IPC_TRIPS = 10_000;
/**
 * Map-life cycles per run. A 1 MiB cycle takes ~0.5–1 ms here: creating a
 * non-persisted map reserves all of its memory (posix_fallocate), and this
 * VM takes ~2.5 µs to allocate and zero a page.
 */
const CYCLES = 1000;
/** The small map of the context row that separates a map's fixed cost from its per-byte cost. */
const SMALL = 4096;
/** Maps created and closed per run of figure 3. */
const CREATES = 200;
/** How long the parent waits for the child (to start, or to answer) before failing. */
const CHILD_TIMEOUT_MS = 30_000;


/** --size-mib is accepted (bench/run.ts passes it to every benchmark) and has no use here. */
function parseOptions(): BenchOptions {
  return benchOptions({ fallback: 1, min: 1, max: Number.MAX_SAFE_INTEGER });
}

/**
 * The child process and its messages: `next()` resolves with the next
 * message, and rejects if the child exits or does not answer in time.
 */
class Peer {
  readonly child: ChildProcess;
  #waiting: { resolve: (m: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  #queued: unknown[] = [];
  #exited: Error | null = null;

  constructor(mapName: string) {
    // The TypeScript child with tsx; or, next to a bundle of this file (Windows under wine,
    // scripts/bench-wine.mjs), the child's bundle.
    const here = path.dirname(fileURLToPath(import.meta.url));
    const source = path.join(here, 'shared-child.ts');
    const script = fs.existsSync(source) ? source : path.join(here, 'shared-child.mjs');
    const execArgv = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
    this.child = fork(script, [mapName], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m) => {
      const w = this.#waiting;
      if (w === null) {
        this.#queued.push(m);
        return;
      }
      this.#waiting = null;
      clearTimeout(w.timer);
      w.resolve(m);
    });
    this.child.on('exit', (code, signal) => {
      this.#exited = new Error(`the ping-pong child exited (${signal ?? `code ${code}`})`);
      const w = this.#waiting;
      this.#waiting = null;
      if (w !== null) {
        clearTimeout(w.timer);
        w.reject(this.#exited);
      }
    });
  }

  send(message: Serializable): void {
    if (this.#exited) throw this.#exited;
    this.child.send(message);
  }

  next(): Promise<unknown> {
    if (this.#queued.length > 0) return Promise.resolve(this.#queued.shift());
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = null;
        reject(new Error(`the ping-pong child did not answer within ${CHILD_TIMEOUT_MS} ms`));
      }, CHILD_TIMEOUT_MS);
      this.#waiting = { resolve, reject, timer };
    });
  }

  /** Asks the child to exit and waits for it (killing it if it does not go). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.send({ exit: true });
    const timer = setTimeout(() => this.child.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }
}

// --- Figure 1: ping-pong -----------------------------------------------------

/**
 * `trips` round trips through the map's cell; resolves to the cell's final
 * value. With `latencies`, also stores each trip's time in µs there.
 */
async function shmPingPong(peer: Peer, cells: Int32Array, trips: number, latencies?: Float64Array): Promise<number> {
  // The child is idle (waiting for a message), so the cell can be reset.
  Atomics.store(cells, PING_CELL, 0);
  peer.send({ shm: trips, from: 0 });
  const deadline = Date.now() + CHILD_TIMEOUT_MS;
  if (latencies === undefined) {
    for (let value = 0; value < 2 * trips; value += 2) {
      Atomics.store(cells, PING_CELL, value + 1);
      spinUntil(cells, PING_CELL, value + 2, deadline);
    }
  } else {
    let last = performance.now();
    for (let i = 0, value = 0; i < trips; i++, value += 2) {
      Atomics.store(cells, PING_CELL, value + 1);
      spinUntil(cells, PING_CELL, value + 2, deadline);
      const now = performance.now();
      latencies[i] = (now - last) * 1000;
      last = now;
    }
  }
  const done = (await peer.next()) as { done?: number };
  if (done.done !== trips) throw new Error(`the child answered ${JSON.stringify(done)} after the shm ping-pong`);
  return Atomics.load(cells, PING_CELL);
}

/**
 * `trips` round trips over IPC; resolves to the sum of the echoed numbers.
 * With `latencies`, also stores each trip's time in µs there.
 */
async function ipcPingPong(peer: Peer, trips: number, latencies?: Float64Array): Promise<number> {
  let sum = 0;
  let last = performance.now();
  for (let i = 0; i < trips; i++) {
    peer.send(i);
    const echo = await peer.next();
    if (echo !== i) throw new Error(`the child echoed ${JSON.stringify(echo)} for ${i}`);
    sum += echo;
    if (latencies !== undefined) {
      const now = performance.now();
      latencies[i] = (now - last) * 1000;
      last = now;
    }
  }
  return sum;
}

/** The q-quantile (0..1) of `values`, which it sorts. */
function quantile(values: Float64Array, q: number): number {
  values.sort();
  return values[Math.min(values.length - 1, Math.floor(q * values.length))] as number;
}

/**
 * One more run of each ping-pong, timed trip by trip, printed as quantiles.
 * A run's mean (the figure) counts every trip that waited for a process the
 * scheduler had put aside; the median trip does not, so the two together
 * say how much of a run was the machine being busy.
 */
async function printTripQuantiles(peer: Peer, cells: Int32Array): Promise<{ shm: number; ipc: number }> {
  const shm = new Float64Array(SHM_TRIPS);
  const ipc = new Float64Array(IPC_TRIPS);
  await shmPingPong(peer, cells, SHM_TRIPS, shm);
  await ipcPingPong(peer, IPC_TRIPS, ipc);
  const line = (name: string, lat: Float64Array): string =>
    `    ${name.padEnd(5)} p50 ${quantile(lat, 0.5).toFixed(2)}  p90 ${quantile(lat, 0.9).toFixed(2)}  ` +
    `p99 ${quantile(lat, 0.99).toFixed(2)}  max ${quantile(lat, 1).toFixed(0)} µs`;
  console.log('  per-trip latency, one more run each timed trip by trip (performance.now adds ~0.05 µs to a shm trip):');
  console.log(line('shm', shm));
  console.log(line('IPC', ipc));
  const p50 = { shm: quantile(shm, 0.5), ipc: quantile(ipc, 0.5) };
  console.log(`  → median trip: named map ${(p50.ipc / p50.shm).toFixed(1)}× as fast as IPC`);
  return p50;
}

// --- Figure 2: a map's life ----------------------------------------------------

/** One write and one read of byte 0: the page is allocated and faulted in. */
function touch(view: ViewAccessor): number {
  view.writeUint8(0, 1);
  return view.readUint8(0);
}

function persistedCycles(file: string, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    using map = MemoryMappedFile.createFromFileSync(file, { mode: 'create', capacity: MiB, backend: 'native' });
    using view = map.createViewAccessorSync();
    sum += touch(view);
  }
  return sum;
}

function sharedCycles(name: string | null, capacity: number, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    using map = MemoryMappedFile.createNewSync(name, capacity, { backend: 'native' });
    using view = map.createViewAccessorSync();
    sum += touch(view);
  }
  return sum;
}

/** Removes a named map's shm object if a failed run left it behind (Linux keeps them in /dev/shm). */
function removeShmName(name: string): void {
  if (process.platform === 'linux') fs.rmSync(path.join('/dev/shm', name), { force: true });
}

async function main(): Promise<void> {
  const opts = parseOptions();
  console.log(
    `named maps, native backend: median of ${opts.rounds} interleaved rounds; node ${process.version}, ` +
      `${os.cpus().length} CPUs, load average ${os.loadavg()[0]?.toFixed(2)}`,
  );
  const tag = `memmap-bench-${process.pid}`;
  const pingName = `${tag}-ping`;
  const cycleName = `${tag}-cycle`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-bench-'));
  let map: MemoryMappedFile | undefined;
  let view: ViewAccessor | undefined;
  let peer: Peer | undefined;
  try {
    const rows: Row[] = [];

    // Figure 1.
    map = MemoryMappedFile.createNewSync(pingName, 4096, { backend: 'native' });
    view = map.createViewAccessorSync();
    const bytes = view.bytes;
    const cells = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
    const t = Date.now();
    peer = new Peer(pingName);
    const ready = (await peer.next()) as { ready?: boolean };
    if (ready.ready !== true) throw new Error(`the child said ${JSON.stringify(ready)} instead of ready`);
    console.log(`setup: child process started and mapped '${pingName}' in ${Date.now() - t} ms`);
    const p = peer;
    const fig1 = await runFigureAsync({
      figure: `ping-pong round trip between two processes (${SHM_TRIPS / 1000}k shm, ${IPC_TRIPS / 1000}k IPC trips per run)`,
      unit: 'µs/op',
      rounds: opts.rounds,
      baseline: {
        name: 'child_process IPC (process.send / message)',
        ops: IPC_TRIPS,
        run: () => ipcPingPong(p, IPC_TRIPS),
        expected: (IPC_TRIPS * (IPC_TRIPS - 1)) / 2,
      },
      others: [
        {
          name: 'named map, Atomics.load/store spin',
          ops: SHM_TRIPS,
          run: () => shmPingPong(p, cells, SHM_TRIPS),
          expected: 2 * SHM_TRIPS,
          target: 20,
        },
      ],
    });
    printFigure(fig1);
    printSpeedup(fig1[1] as Row, fig1[0] as Row);
    rows.push(...fig1);
    const p50 = await printTripQuantiles(p, cells);
    await peer.stop();
    peer = undefined;
    view.close();
    map.close();

    // Figure 2.
    const file = path.join(dir, 'cycle.bin');
    const expected = persistedCycles(file, 1) * CYCLES;
    const fig2 = runFigure({
      figure: 'create 1 MiB map, one view, touch one byte, close',
      unit: 'µs/op',
      rounds: opts.rounds,
      baseline: {
        name: "persisted file (mode 'create')",
        ops: CYCLES,
        run: () => persistedCycles(file, CYCLES),
        expected,
      },
      others: [
        {
          name: 'named map (createNew)',
          ops: CYCLES,
          run: () => sharedCycles(cycleName, MiB, CYCLES),
          expected,
        },
        {
          name: 'anonymous map (createNew null)',
          ops: CYCLES,
          run: () => sharedCycles(null, MiB, CYCLES),
          expected,
        },
        {
          name: `named map of ${SMALL / 1024} KiB (fixed cost)`,
          ops: CYCLES,
          run: () => sharedCycles(cycleName, SMALL, CYCLES),
          expected,
        },
      ],
    });
    printFigure(fig2);
    printSpeedup(fig2[1] as Row, fig2[0] as Row);
    rows.push(...fig2);

    // Figure 3.
    const made = (name: string | null, capacity: number) => () => {
      for (let i = 0; i < CREATES; i++) MemoryMappedFile.createNewSync(name, capacity, { backend: 'native' }).close();
      return CREATES;
    };
    const fig3 = runFigure({
      figure: 'create and close a non-persisted map (no view)',
      unit: 'µs/op',
      rounds: opts.rounds,
      baseline: { name: `named map of ${SMALL / 1024} KiB`, ops: CREATES, run: made(cycleName, SMALL), expected: CREATES },
      others: [
        { name: 'named map of 1 GiB', ops: CREATES, run: made(cycleName, 1 << 30), expected: CREATES, target: 0.5 },
        { name: 'anonymous map of 1 GiB', ops: CREATES, run: made(null, 1 << 30), expected: CREATES, target: 0.5 },
      ],
    });
    printFigure(fig3);
    rows.push(...fig3);

    console.log(`\n(checksum sink ${sinkValue()})`);
    const medianTrips = [
      { figure: 'median ping-pong round trip', contender: 'child_process IPC', value: p50.ipc, unit: 'µs', ratio: 1, target: null },
      { figure: 'median ping-pong round trip', contender: 'named map', value: p50.shm, unit: 'µs', ratio: p50.ipc / p50.shm, target: 20 },
    ];
    writeJson(opts.jsonPath, [...rowsToJson(rows), ...medianTrips]);
  } finally {
    if (peer) await peer.stop();
    view?.close();
    map?.close();
    removeShmName(pingName);
    removeShmName(cycleName);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await runBench(main);
