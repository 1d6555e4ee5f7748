/**
 * The other side of bench/coordination.ts: a child process (forked with tsx,
 * commands over the IPC channel) or a worker_thread (commands on its
 * parentPort). Not a benchmark on its own: bench/run.ts does not list it.
 *
 *   command                      answer
 *   ---------------------------  ------------------------------------------------
 *   a number n                   n, echoed (the IPC / MessagePort ping-pong)
 *   a string s                   s, echoed (64-byte messages over IPC, one way back)
 *   { setup: Setup }             opens the map and the channels, connects the
 *                                Unix socket (echoing every chunk on it);
 *                                { ready: true }
 *   { futex: trips, from }       blocking ping-pong on cell 0: waits with wait()
 *                                while it holds from + 2i, stores from + 2i + 1
 *                                and notifies; { done: trips }
 *   { spin: trips, from }        the same ping-pong spinning on the cell (no waits)
 *   { echo: trips }              receives `trips` messages on `ping` (spinning) and
 *                                sends each back on `pong`; { done: trips }
 *   { send: count, size, via }   sends `count` messages of `size` bytes: via
 *                                'channel' (spinning), 'socket' (one write each,
 *                                answering once drained), 'ipc' or 'port'
 *                                (process.send / postMessage of a string);
 *                                { done: count } after the last
 *   { exit: true }               closes everything and exits
 *
 * @module
 */
import net from 'node:net';
import { parentPort } from 'node:worker_threads';
import { Channel, MemoryMappedFile, type ViewAccessor } from '../node/index.js';

export interface Setup {
  map: string;
  ping: string;
  pong: string;
  bulk: string;
  socket: string;
}

type Command =
  | number
  | string
  | { setup: Setup }
  | { futex: number; from: number }
  | { spin: number; from: number }
  | { echo: number }
  | { send: number; size: number; via: 'channel' | 'socket' | 'ipc' | 'port' }
  | { exit: true };

const post = (m: unknown): void => {
  if (parentPort) parentPort.postMessage(m);
  else process.send!(m);
};

/** A phase that outlives this is a dead or stuck parent: give up instead of spinning forever. */
const PHASE_TIMEOUT_MS = 60_000;
/** Channel sides spin this many looks before they sleep (the benchmark measures spinning). */
const SPIN = 10_000_000;

let map: MemoryMappedFile | undefined;
let view: ViewAccessor | undefined;
let cells: Int32Array | undefined;
let ping: Channel | undefined;
let pong: Channel | undefined;
let bulk: Channel | undefined;
let socket: net.Socket | undefined;

function setup(s: Setup): Promise<void> {
  map = MemoryMappedFile.openExistingSync(s.map);
  view = map.createViewAccessorSync();
  cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, 16);
  ping = Channel.open(s.ping, { spin: SPIN });
  pong = Channel.open(s.pong, { spin: SPIN });
  bulk = Channel.open(s.bulk, { spin: SPIN });
  return new Promise((resolve, reject) => {
    socket = net.connect(s.socket, () => resolve());
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      if (chunk.length === 8) socket!.write(chunk); // ping-pong chunks are 8 bytes; bulk goes the other way
    });
  });
}

function futex(trips: number, from: number): void {
  const v = view as ViewAccessor;
  const c = cells as Int32Array;
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  let value = from;
  for (let i = 0; i < trips; i++) {
    while (Atomics.load(c, 0) === value) {
      if (v.wait(0, value, 1000) === 'timed-out' && Date.now() > deadline) throw new Error('futex ping-pong: no ping');
    }
    value += 2;
    Atomics.store(c, 0, value);
    v.notify(0, 1);
  }
}

function spin(trips: number, from: number): void {
  const c = cells as Int32Array;
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  let value = from;
  for (let i = 0; i < trips; i++) {
    let n = 0;
    while (Atomics.load(c, 0) !== value + 1) {
      if (++n === 1 << 20) {
        n = 0;
        if (Date.now() > deadline) throw new Error('spin ping-pong: no ping');
      }
    }
    value += 2;
    Atomics.store(c, 0, value);
  }
}

async function send(count: number, size: number, via: 'channel' | 'socket' | 'ipc' | 'port'): Promise<void> {
  if (via === 'channel') {
    const message = new Uint8Array(size).fill(7);
    for (let i = 0; i < count; i++) (bulk as Channel).send(message, PHASE_TIMEOUT_MS);
  } else if (via === 'socket') {
    const chunk = Buffer.alloc(size, 7);
    const s = socket as net.Socket;
    for (let i = 0; i < count; i++) {
      if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
    }
  } else {
    const text = 'x'.repeat(size);
    for (let i = 0; i < count; i++) post(text);
  }
}

async function handle(m: Command): Promise<void> {
  if (typeof m === 'number' || typeof m === 'string') return post(m);
  if ('setup' in m) {
    await setup(m.setup);
    return post({ ready: true });
  }
  if ('futex' in m) {
    futex(m.futex, m.from);
    return post({ done: m.futex });
  }
  if ('spin' in m) {
    spin(m.spin, m.from);
    return post({ done: m.spin });
  }
  if ('echo' in m) {
    for (let i = 0; i < m.echo; i++) (pong as Channel).send((ping as Channel).receive(PHASE_TIMEOUT_MS) as Uint8Array);
    return post({ done: m.echo });
  }
  if ('send' in m) {
    await send(m.send, m.size, m.via);
    return post({ done: m.send });
  }
  socket?.destroy();
  for (const c of [ping, pong, bulk]) c?.close();
  view?.close();
  map?.close();
  if (parentPort) parentPort.close();
  else process.disconnect();
}

const listen = (fn: (m: Command) => void) => (parentPort ? parentPort.on('message', fn) : process.on('message', fn));
listen((m) => {
  handle(m).catch((err: Error) => {
    console.error(err);
    process.exit(1);
  });
});
