/**
 * A worker_thread for test/34-prefetch-lifetime.test.ts and
 * test/35-prefetch-terminate.test.ts: maps a large file
 * on the native backend, starts a prefetch of all of it and posts 'started',
 * so that the parent can terminate it while the prefetch runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MemoryMappedFile } from '../../node/index.js';

const { file, capacity } = workerData as { file: string; capacity: number };
const map = MemoryMappedFile.createFromFileSync(file, { mode: 'openOrCreate', capacity, backend: 'native' });
const view = map.createViewAccessorSync();
view.prefetch().catch(() => {});
parentPort!.postMessage('started');
