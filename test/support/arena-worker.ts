/**
 * A worker_thread of the shared-arena scenarios (arena-child.ts): loads
 * memmap when it starts, then does what each message asks, on the wasm
 * backend, and answers { value } or { code, message }:
 *
 *   { op: 'open', mode, name, capacity }  opens a named map (kept open), answers the Int32 at 0
 *   { op: 'hold-lock', arena?, token?, ms? }  takes the lock of the process's arena (or of `arena`, with
 *                                         identity `token`) as a holder would and answers; then lets go
 *                                         after `ms`, or spins for ever
 *   { op: 'create', name, capacity }      answers { started } and makes the map (to be terminated meanwhile)
 *   { op: 'churn', seed, prefix, sizes }  makes, joins, checks and releases maps for ever, posting
 *                                         { ops } now and then and { violation } when a check fails
 *
 * The checks of 'churn': a map this worker made is all zeros; a map it joined
 * carries its maker's stamp (a tag at its first and last word, its size in
 * the second) or none yet, never another map's bytes.
 */
import { parentPort } from 'node:worker_threads';
import { MemoryMappedFile } from '../../node/index.js';
import { nodeArena } from '../../wasm/node-arena.js';
import { linuxThreadLiveness } from '../../wasm/node-threads.js';
import { xorshift32 } from '../contract/env.js';

type Mode = 'createNew' | 'createOrOpen' | 'openExisting';
const port = parentPort!;
const self = (linuxThreadLiveness() as { self: bigint }).self;
const held: MemoryMappedFile[] = [];

function open(mode: Mode, name: string, capacity: number): MemoryMappedFile {
  const options = { backend: 'wasm' as const };
  if (mode === 'openExisting') return MemoryMappedFile.openExistingSync(name, options);
  return MemoryMappedFile[`${mode}Sync`](name, capacity, options);
}

function churn(seed: number, prefix: string, sizes: number[]): never {
  const next = xorshift32(seed);
  const modes: Mode[] = ['createNew', 'createOrOpen', 'openExisting'];
  for (let ops = 1; ; ops++) {
    const name = `${prefix}${next() % 6}`;
    const mode = modes[next() % 3] as Mode;
    const size = sizes[next() % sizes.length] as number;
    let map: MemoryMappedFile;
    try {
      map = open(mode, name, mode === 'createOrOpen' ? 4096 : size);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EEXIST' || code === 'ENOENT' || code === 'ERANGE') continue;
      port.postMessage({ violation: `${mode} '${name}': ${(err as Error).message}` });
      continue;
    }
    const view = map.createViewAccessorSync();
    const words = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, view.capacity / 4);
    if (mode === 'createNew') {
      for (let i = 0; i < words.length; i++) {
        if (words[i] !== 0) {
          port.postMessage({ violation: `a new map '${name}' of ${size} bytes has ${words[i]} at byte ${i * 4}` });
          break;
        }
      }
      const tag = (next() | 1) >>> 0;
      Atomics.store(words, 1, size);
      Atomics.store(words, words.length - 1, tag | 0);
      Atomics.store(words, 0, tag | 0);
    } else {
      const tag = Atomics.load(words, 0);
      const made = Atomics.load(words, 1);
      if (tag !== 0 && made <= view.capacity && Atomics.load(words, made / 4 - 1) !== tag) {
        port.postMessage({ violation: `'${name}' (${made} bytes) has tag ${tag} at its start but not at its end` });
      }
    }
    view.close();
    map.close();
    if ((ops & 63) === 0) port.postMessage({ ops });
  }
}

interface Message {
  op: string;
  mode: Mode;
  name: string;
  capacity: number;
  seed: number;
  prefix: string;
  sizes: number[];
  arena?: SharedArrayBuffer;
  token?: bigint;
  ms?: number;
}

port.on('message', (msg: Message) => {
  try {
    if (msg.op === 'open') {
      const map = open(msg.mode, msg.name, msg.capacity);
      held.push(map);
      using view = map.createViewAccessorSync();
      port.postMessage({ value: view.readInt32(0) });
    } else if (msg.op === 'hold-lock') {
      // The lock is the arena's first 8 bytes: the identity of its holder, 0 when free.
      const lock = new BigInt64Array(msg.arena ?? nodeArena().buffer, 0, 1);
      const holder = msg.token ?? self;
      if (Atomics.compareExchange(lock, 0, 0n, holder) !== 0n) throw new Error('the lock was not free');
      port.postMessage({ value: 'held' });
      const until = msg.ms === undefined ? Infinity : performance.now() + msg.ms;
      while (performance.now() < until) {
        // a holder that makes no progress: terminated here, or letting go after `ms`
      }
      Atomics.store(lock, 0, 0n);
      Atomics.notify(lock, 0);
    } else if (msg.op === 'create') {
      port.postMessage({ started: true });
      held.push(open('createNew', msg.name, msg.capacity));
      port.postMessage({ value: 'made' });
    } else if (msg.op === 'churn') {
      churn(msg.seed, msg.prefix, msg.sizes);
    }
  } catch (err) {
    port.postMessage({ code: (err as { code?: string }).code, message: (err as Error).message });
  }
});
port.postMessage({ ready: true, self: String(self) });
