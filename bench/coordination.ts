/**
 * Coordination between processes on the native backend: what wait/notify
 * and Channel buy over the other ways two Node programs talk. This process
 * and a child (bench/coordination-peer.ts; a worker_thread for the
 * MessagePort rows) share a named map and three channels.
 *
 *   1. Round trip with blocking waits (no spinning): the parent stores a
 *      number in a map's cell and notifies, the child sleeps in wait() until
 *      it changes, answers the same way, and the parent sleeps until then.
 *      Baseline: the same ping-pong over the child_process IPC channel.
 *      Also: a Unix domain socket (8-byte echo), a MessagePort to a
 *      worker_thread, and waitAsync in the parent (the native hub's threads
 *      sleep for it). Target: ≤ 20 µs and ≥ 8× IPC.
 *
 *   2. One-way latency of a 64-byte message, with spinning: half a round
 *      trip through two channels (this process sends on `ping`, the child
 *      receives and sends it back on `pong`), both sides spinning instead of
 *      sleeping. Baseline: half an IPC round trip of a 64-character string.
 *      Context: half a round trip of a bare Atomics cell (no message), the
 *      floor of any shared-memory protocol here. Target: ≤ 0.5 µs.
 *
 *   3. 64-byte messages per second, child to parent: the child sends as fast
 *      as it can, the parent receives (spinning), with a copy (receive) and
 *      without (receiveInPlace, reading the first byte). Baseline: IPC
 *      (process.send of a 64-character string); context: a MessagePort from
 *      a worker_thread. Target: ≥ 3 M messages/s.
 *
 *   4. 64 KiB messages, GB/s, child to parent: the same with 64 KiB. Baseline:
 *      a Unix domain socket (64 KiB writes, bytes counted on arrival).
 *      Target: ≥ 2 GB/s.
 *
 * Two cores, shared with other work: a spinning side needs a core of its
 * own, so a busy machine shows in the spread column. Absolute targets are
 * printed after the figures.
 *
 * Usage: node --import tsx bench/coordination.ts [--rounds N] [--json PATH]
 * (`--size-mib` is accepted and ignored, as bench/run.ts passes it to all).
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Channel, MemoryMappedFile, type ViewAccessor } from '../node/index.js';
import { printFigure, printSpeedup, rowsToJson, runFigureAsync, sinkValue, type Row } from './harness.js';
import { runBench, writeJson } from './output.js';
import { benchOptions } from './options.js';
import type { Setup } from './coordination-peer.js';

const KiB = 1024;
/** How long the parent waits for an answer before failing (a dead or stuck peer). */
const ANSWER_TIMEOUT_MS = 60_000;
/** Channel sides spin this many looks before they sleep. */
const SPIN = 10_000_000;

const peerPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'coordination-peer.ts');

/** A child process or worker and its answers, in order. */
class Peer {
  #queued: unknown[] = [];
  #waiting: ((m: unknown) => void) | null = null;
  readonly send: (m: unknown) => void;
  readonly stop: () => Promise<void>;

  constructor(readonly handle: ChildProcess | Worker) {
    handle.on('message', (m: unknown) => {
      const w = this.#waiting;
      this.#waiting = null;
      if (w) w(m);
      else this.#queued.push(m);
    });
    if (handle instanceof Worker) {
      this.send = (m) => handle.postMessage(m);
      this.stop = async () => {
        await handle.terminate();
      };
    } else {
      this.send = (m) => handle.send(m as never);
      // Asks it to exit, and kills it if it has not within 5 s.
      this.stop = async () => {
        if (handle.exitCode !== null || handle.signalCode !== null) return;
        const exited = new Promise((r) => handle.once('exit', r));
        if (handle.connected) handle.send({ exit: true });
        const timer = setTimeout(() => handle.kill(), 5000);
        await exited;
        clearTimeout(timer);
      };
    }
    handle.on('exit', () => {
      const w = this.#waiting;
      this.#waiting = null;
      w?.(new Error('the peer exited'));
    });
  }

  next(): Promise<unknown> {
    if (this.#queued.length > 0) return Promise.resolve(this.#queued.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
      this.#waiting = (m) => {
        clearTimeout(timer);
        if (m instanceof Error) reject(m);
        else resolve(m);
      };
    });
  }

  async ask(m: unknown): Promise<unknown> {
    this.send(m);
    return this.next();
  }
}

function startChild(): Peer {
  return new Peer(fork(peerPath, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
}

function startWorker(): Peer {
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((t) => { t.register(); return import(${JSON.stringify(pathToFileURL(peerPath).href)}); });`;
  return new Peer(new Worker(code, { eval: true }));
}

/** `trips` number echoes; resolves to their sum. */
async function echoes(peer: Peer, trips: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < trips; i++) sum += (await peer.ask(i)) as number;
  return sum;
}

async function main(): Promise<void> {
  const opts = benchOptions({ fallback: 1, min: 1, max: Number.MAX_SAFE_INTEGER });
  console.log(
    `coordination between processes, native backend: median of ${opts.rounds} interleaved rounds; node ${process.version}, ` +
      `${os.cpus().length} CPUs, load average ${os.loadavg()[0]?.toFixed(2)}`,
  );
  const tag = `memmap-bench-coord-${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-bench-'));
  const socketPath = path.join(dir, 'echo.sock');
  const setupNames: Setup = { map: `${tag}-map`, ping: `${tag}-ping`, pong: `${tag}-pong`, bulk: `${tag}-bulk`, socket: socketPath };
  const map = MemoryMappedFile.createNewSync(setupNames.map, 4096, { backend: 'native' });
  const view: ViewAccessor = map.createViewAccessorSync();
  const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, 16);
  const ping = Channel.create(setupNames.ping, 64 * KiB, { backend: 'native', spin: SPIN });
  const pong = Channel.create(setupNames.pong, 64 * KiB, { backend: 'native', spin: SPIN });
  const bulk = Channel.create(setupNames.bulk, 4096 * KiB, { backend: 'native', spin: SPIN });
  let accepted: net.Socket | undefined;
  const server = net.createServer((s) => {
    accepted = s;
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  const child = startChild();
  const worker = startWorker();
  try {
    if ((await child.ask({ setup: setupNames })) === null) throw new Error('setup failed');
    const sock = accepted as net.Socket;
    const rows: Row[] = [];

    // --- Figure 1: round trips with blocking waits ---------------------------
    // The parent stores value + 1 and notifies; the child answers value + 2 (coordination-peer.ts).
    let value = 0;
    const futexTrips = async (trips: number): Promise<number> => {
      child.send({ futex: trips, from: value });
      for (let i = 0; i < trips; i++, value += 2) {
        Atomics.store(cells, 0, value + 1);
        view.notify(0, 1);
        while (Atomics.load(cells, 0) === value + 1) view.wait(0, value + 1, 1000);
      }
      await child.next();
      return trips;
    };
    const futexTripsAsync = async (trips: number): Promise<number> => {
      child.send({ futex: trips, from: value });
      for (let i = 0; i < trips; i++, value += 2) {
        Atomics.store(cells, 0, value + 1);
        view.notify(0, 1);
        while (Atomics.load(cells, 0) === value + 1) await view.waitAsync(0, value + 1, 1000);
      }
      await child.next();
      return trips;
    };
    const socketTrips = async (trips: number): Promise<number> => {
      const chunk = Buffer.alloc(8);
      let received = 0;
      for (let i = 0; i < trips; i++) {
        const answer = new Promise<void>((r) => {
          const onData = (d: Buffer) => {
            received += d.length;
            if (received % 8 === 0) {
              sock.off('data', onData);
              r();
            }
          };
          sock.on('data', onData);
        });
        sock.write(chunk);
        await answer;
      }
      return trips;
    };
    const ipcTrips = 5000;
    const fig1 = await runFigureAsync({
      figure: 'round trip between two processes with blocking waits (no spinning)',
      unit: 'µs/op',
      rounds: opts.rounds,
      baseline: { name: 'child_process IPC (process.send / message)', ops: ipcTrips, run: async () => (await echoes(child, ipcTrips), ipcTrips), expected: ipcTrips },
      others: [
        { name: 'Unix domain socket (8-byte echo)', ops: 10_000, run: () => socketTrips(10_000), expected: 10_000 },
        { name: 'worker_threads MessagePort (threads)', ops: 10_000, run: async () => (await echoes(worker, 10_000), 10_000), expected: 10_000 },
        { name: 'named map, wait / notify (futex)', ops: 20_000, run: () => futexTrips(20_000), expected: 20_000, target: 8 },
        { name: 'named map, waitAsync here / wait there', ops: 5_000, run: () => futexTripsAsync(5_000), expected: 5_000 },
      ],
    });
    printFigure(fig1);
    printSpeedup(fig1[3] as Row, fig1[0] as Row);
    rows.push(...fig1);

    // --- Figure 2: one-way latency of a 64-byte message, spinning ---------------
    const text64 = 'x'.repeat(64);
    const message64 = new Uint8Array(64).fill(1);
    const ipcOneWay = async (trips: number): Promise<number> => {
      for (let i = 0; i < trips; i++) if ((await child.ask(text64)) !== text64) throw new Error('IPC echo');
      return 2 * trips;
    };
    const channelOneWay = async (trips: number): Promise<number> => {
      child.send({ echo: trips });
      for (let i = 0; i < trips; i++) {
        ping.send(message64);
        if ((pong.receive(ANSWER_TIMEOUT_MS) as Uint8Array).length !== 64) throw new Error('channel echo');
      }
      await child.next();
      return 2 * trips;
    };
    const cellOneWay = async (trips: number): Promise<number> => {
      Atomics.store(cells, 0, 0);
      child.send({ spin: trips, from: 0 });
      for (let v = 0; v < 2 * trips; v += 2) {
        Atomics.store(cells, 0, v + 1);
        while (Atomics.load(cells, 0) !== v + 2);
      }
      await child.next();
      return 2 * trips;
    };
    const fig2 = await runFigureAsync({
      figure: 'one-way latency of a 64-byte message between two processes, spinning',
      unit: 'µs/op',
      rounds: opts.rounds,
      baseline: { name: 'child_process IPC (half a round trip)', ops: 2 * 5000, run: () => ipcOneWay(5000), expected: 2 * 5000 },
      others: [
        { name: 'Channel, send / receive spinning (half a round trip)', ops: 2 * 100_000, run: () => channelOneWay(100_000), expected: 2 * 100_000 },
        { name: 'bare Atomics cell, no message (half a round trip)', ops: 2 * 100_000, run: () => cellOneWay(100_000), expected: 2 * 100_000 },
      ],
    });
    printFigure(fig2);
    printSpeedup(fig2[1] as Row, fig2[0] as Row);
    rows.push(...fig2);

    // --- Figures 3 and 4: messages per second, GB per second --------------------
    const receiveAll = async (count: number, inPlace: boolean, size: number): Promise<number> => {
      child.send({ send: count, size, via: 'channel' });
      let sum = 0;
      for (let i = 0; i < count; i++) {
        if (inPlace) {
          const m = bulk.receiveInPlace(ANSWER_TIMEOUT_MS) as { bytes: Uint8Array; release(): void };
          sum += m.bytes.length;
          m.release();
        } else {
          sum += (bulk.receive(ANSWER_TIMEOUT_MS) as Uint8Array).length;
        }
      }
      await child.next();
      return sum;
    };
    const receiveMessages = async (peer: Peer, count: number, size: number): Promise<number> => {
      peer.send({ send: count, size, via: peer === worker ? 'port' : 'ipc' });
      let sum = 0;
      for (let i = 0; i < count; i++) sum += ((await peer.next()) as string).length;
      await peer.next();
      return sum;
    };
    const receiveSocket = async (count: number, size: number): Promise<number> => {
      const total = count * size;
      let got = 0;
      const done = new Promise<void>((r) => {
        const onData = (d: Buffer) => {
          got += d.length;
          if (got >= total) {
            sock.off('data', onData);
            r();
          }
        };
        sock.on('data', onData);
      });
      child.send({ send: count, size, via: 'socket' });
      await done;
      await child.next();
      return got;
    };
    const small = 64;
    const fig3 = await runFigureAsync({
      figure: '64-byte messages per second from one process to another',
      unit: 'M/s',
      rounds: opts.rounds,
      baseline: { name: 'child_process IPC (process.send)', ops: 20_000, run: () => receiveMessages(child, 20_000, small), expected: 20_000 * small },
      others: [
        { name: 'worker_threads MessagePort (threads)', ops: 50_000, run: () => receiveMessages(worker, 50_000, small), expected: 50_000 * small },
        { name: 'Channel, receive (a copy)', ops: 1_000_000, run: () => receiveAll(1_000_000, false, small), expected: 1_000_000 * small },
        { name: 'Channel, receiveInPlace (zero-copy)', ops: 1_000_000, run: () => receiveAll(1_000_000, true, small), expected: 1_000_000 * small },
      ],
    });
    printFigure(fig3);
    printSpeedup(fig3[2] as Row, fig3[0] as Row);
    rows.push(...fig3);

    const big = 64 * KiB;
    const bigCount = 4096;
    const fig4 = await runFigureAsync({
      figure: '64 KiB messages from one process to another, GB/s',
      unit: 'GB/s',
      rounds: opts.rounds,
      baseline: { name: 'Unix domain socket (64 KiB writes)', ops: bigCount, bytesPerOp: big, run: () => receiveSocket(bigCount, big), expected: bigCount * big },
      others: [
        { name: 'Channel, receive (a copy)', ops: bigCount, bytesPerOp: big, run: () => receiveAll(bigCount, false, big), expected: bigCount * big },
        { name: 'Channel, receiveInPlace (zero-copy)', ops: bigCount, bytesPerOp: big, run: () => receiveAll(bigCount, true, big), expected: bigCount * big },
      ],
    });
    printFigure(fig4);
    printSpeedup(fig4[1] as Row, fig4[0] as Row);
    rows.push(...fig4);

    const absolute = (what: string, value: number, unit: string, ok: boolean, target: string) =>
      console.log(`  ${what.padEnd(58)} ${value.toFixed(value < 10 ? 2 : 1).padStart(8)} ${unit.padEnd(6)} target ${target.padEnd(9)} ${ok ? 'PASS' : 'BELOW'}`);
    const f = (rs: Row[], i: number) => (rs[i] as Row).value;
    console.log('\nabsolute targets');
    absolute('round trip, wait / notify between processes', f(fig1, 3), 'µs', f(fig1, 3) <= 20, '≤ 20 µs');
    absolute('one-way 64-byte message latency, Channel spinning', f(fig2, 1), 'µs', f(fig2, 1) <= 0.5, '≤ 0.5 µs');
    absolute('64-byte messages, Channel receive', f(fig3, 2), 'M/s', f(fig3, 2) >= 3, '≥ 3 M/s');
    absolute('64-byte messages, Channel receiveInPlace', f(fig3, 3), 'M/s', f(fig3, 3) >= 3, '≥ 3 M/s');
    absolute('64 KiB messages, Channel receive', f(fig4, 1), 'GB/s', f(fig4, 1) >= 2, '≥ 2 GB/s');
    absolute('64 KiB messages, Channel receiveInPlace', f(fig4, 2), 'GB/s', f(fig4, 2) >= 2, '≥ 2 GB/s');

    console.log(`\n(checksum sink ${sinkValue()})`);
    writeJson(opts.jsonPath, rowsToJson(rows));
  } finally {
    await child.stop();
    await worker.stop();
    server.close();
    for (const c of [ping, pong, bulk]) c.close();
    view.close();
    map.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await runBench(main);
