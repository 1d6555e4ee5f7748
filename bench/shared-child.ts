/**
 * The other process of bench/shared.ts's ping-pong. It opens the named map
 * given as its argument and answers the parent over the IPC channel:
 *
 *   message                 answer
 *   ----------------------  ----------------------------------------------
 *   a number n              n, echoed (the IPC ping-pong, one message each)
 *   { shm: trips, from }    spins on the map's cell PING_CELL: waits for
 *                           from + 2i + 1, stores from + 2i + 2, `trips`
 *                           times; then { done: trips }
 *   { exit: true }          closes the map and exits
 *
 * It reports { ready: true } once the map is open. While it spins for the
 * shm ping-pong its event loop does not run, so the parent sends the next
 * message only after the { done } answer.
 *
 * Not a benchmark on its own: bench/run.ts does not list it.
 *
 * @module
 */
import { MemoryMappedFile } from '../node/index.js';
import { PING_CELL, spinUntil } from './spin.js';

/** How long one spin phase may take before the child gives up (the parent died or hung). */
const PHASE_TIMEOUT_MS = 30_000;

interface ShmCommand {
  shm: number;
  from: number;
}

function main(): void {
  const name = process.argv[2];
  if (name === undefined || typeof process.send !== 'function') {
    throw new Error('usage: spawned by bench/shared.ts with an IPC channel and the map name as the argument');
  }
  const send = process.send.bind(process);
  const map = MemoryMappedFile.openExistingSync(name, { backend: 'native' });
  const view = map.createViewAccessorSync();
  const bytes = view.bytes;
  const cells = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);

  process.on('message', (message: number | ShmCommand | { exit: true }) => {
    if (typeof message === 'number') {
      send(message);
    } else if ('shm' in message) {
      const deadline = Date.now() + PHASE_TIMEOUT_MS;
      let value = message.from;
      for (let i = 0; i < message.shm; i++) {
        spinUntil(cells, PING_CELL, value + 1, deadline);
        value += 2;
        Atomics.store(cells, PING_CELL, value);
      }
      send({ done: message.shm });
    } else {
      view.close();
      map.close();
      process.disconnect();
    }
  });
  send({ ready: true });
}

main();
