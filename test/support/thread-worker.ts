/**
 * A worker_thread for 08-threads.test.ts: opens the named map it is given
 * (workerData: { name, backend, times, parties }), waits at a start barrier
 * in cell 0, adds 1 to cell 1 `times` times with Atomics, posts 'counted',
 * then waits for 'close' before closing, so the parent controls who holds
 * the map last.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MemoryMappedFile } from '../../node/index.js';

const { name, backend, times, parties } = workerData as { name: string; backend: 'native' | 'wasm'; times: number; parties: number };
const map = MemoryMappedFile.openExistingSync(name, { backend });
const view = map.createViewAccessorSync();
const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, 16);
Atomics.add(cells, 0, 1);
while (Atomics.load(cells, 0) < parties);
for (let i = 0; i < times; i++) Atomics.add(cells, 1, 1);
parentPort!.postMessage('counted');
parentPort!.once('message', () => {
  view.close();
  map.close();
  parentPort!.postMessage('closed');
});
