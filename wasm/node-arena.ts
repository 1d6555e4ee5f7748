/**
 * The one shared arena of a Node process (wasm/shared-arena.ts): where the
 * wasm backend's named maps live, for every worker_thread, whatever the order
 * in which memmap is imported, workers are started and maps are opened.
 *
 *   main thread   makes the arena when memmap is imported and publishes it
 *                 with setEnvironmentData, so every worker started after
 *                 that inherits it; it also answers late workers (below).
 *   worker        uses the arena it inherited. A worker started before
 *                 memmap was imported in the main thread inherited nothing:
 *                 it asks on a BroadcastChannel, and the main thread answers
 *                 with the arena from its event loop; the worker reads the
 *                 answer synchronously (receiveMessageOnPort) at its first
 *                 named open, waiting up to JOIN_MS. With no answer (memmap
 *                 is not loaded in the main thread, or the main thread is
 *                 busy), the named open is EUNSUPPORTED and says what to do;
 *                 a worker never makes an arena of its own, which would be a
 *                 second, silent namespace.
 *
 * Only the main thread makes an arena, so there is at most one per process.
 * Two copies of memmap in one thread (ESM and CommonJS builds) share it
 * through the same environment data key.
 *
 * @module
 */
import {
  BroadcastChannel,
  getEnvironmentData,
  isMainThread,
  receiveMessageOnPort,
  setEnvironmentData,
} from 'node:worker_threads';
import { MemmapError } from '../src/errors.js';
import { SharedArena, presumedLiveness } from './shared-arena.js';
import { linuxThreadLiveness } from './node-threads.js';

/** Versioned with the arena's layout: a memmap of another layout neither inherits nor answers this one. */
const ARENA_KEY = 'memmap:shared-arena:2';
/** How long a late worker's first named open waits for the main thread's answer. */
const JOIN_MS = 1000;
/** A late worker asks again this often while it waits (the main thread may start listening meanwhile). */
const ASK_EVERY_MS = 50;

const threads = linuxThreadLiveness() ?? presumedLiveness();
let arena: SharedArena | undefined;
let channel: BroadcastChannel | undefined;
/** Why this thread has no arena, when making or joining one failed outright. */
let failure: string | undefined;

/** The arena this thread inherited from the thread that started it, if any. */
function inherited(): SharedArrayBuffer | undefined {
  const buffer = getEnvironmentData(ARENA_KEY);
  return buffer instanceof SharedArrayBuffer ? buffer : undefined;
}

/** Publishes the main thread's arena to workers started from now on, and answers those started before. */
function publish(made: SharedArena): void {
  setEnvironmentData(ARENA_KEY, made.buffer);
  const answers = new BroadcastChannel(ARENA_KEY);
  answers.unref();
  answers.onmessage = (event: unknown) => {
    if ((event as { data?: unknown }).data === 'ask') answers.postMessage(made.buffer);
  };
}

try {
  const buffer = inherited();
  if (buffer) {
    arena = new SharedArena(buffer, threads);
  } else if (isMainThread) {
    arena = SharedArena.create(threads);
    publish(arena);
  } else {
    channel = new BroadcastChannel(ARENA_KEY);
    channel.unref();
    channel.postMessage('ask');
  }
} catch (err) {
  // A runtime without worker_threads' environment data or BroadcastChannel: the main thread keeps
  // its arena (if it made one), and workers cannot share it.
  failure = (err as Error).message;
}

/** receiveMessageOnPort takes a BroadcastChannel too (Node 15.12+; its types name MessagePort only). */
const receive = receiveMessageOnPort as unknown as (port: BroadcastChannel) => { message: unknown } | undefined;

/** Waits up to JOIN_MS for the main thread's arena; undefined when none came. */
function join(asking: BroadcastChannel): SharedArena | undefined {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const deadline = performance.now() + JOIN_MS;
  let asked = performance.now();
  for (;;) {
    for (let m = receive(asking); m; m = receive(asking)) {
      if (m.message instanceof SharedArrayBuffer) {
        const joined = new SharedArena(m.message, threads);
        setEnvironmentData(ARENA_KEY, joined.buffer);
        asking.close();
        return joined;
      }
    }
    const now = performance.now();
    if (now >= deadline) return undefined;
    if (now - asked >= ASK_EVERY_MS) {
      asking.postMessage('ask');
      asked = now;
    }
    Atomics.wait(sleeper, 0, 0, 5);
  }
}

/** The process's shared arena, joined on first use by a worker that started before memmap was imported in the main thread. */
export function nodeArena(): SharedArena {
  if (arena) return arena;
  if (channel) {
    try {
      arena = join(channel);
    } catch (err) {
      failure = (err as Error).message;
      channel = undefined;
    }
  }
  if (arena) return arena;
  throw new MemmapError(
    'EUNSUPPORTED',
    failure !== undefined
      ? `named maps of the wasm backend need worker_threads' environment data and BroadcastChannel: ${failure}`
      : 'this worker started before memmap was imported in the main thread, and the main thread did not ' +
        `hand over its shared arena of named maps within ${JOIN_MS} ms: import memmap in the main thread ` +
        'before starting workers that use named maps (or keep its event loop free while they open them)',
  );
}
