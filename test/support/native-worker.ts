/**
 * A worker_thread for support/native-worker-child.ts: maps a file and named
 * maps on the native backend, leaves some views open, keeps or moves their
 * bytes (transfer()), closes others, posts 'ready' and then either stays
 * (to be terminated) or ends on its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MemoryMappedFile } from '../../src/index.js';

const { file, name, round } = workerData as { file: string; name: string; round: number };
const keep: Uint8Array[] = [];
for (let i = 0; i < 20; i++) {
  const map = MemoryMappedFile.createFromFileSync(file, { backend: 'native' });
  const view = map.createViewAccessorSync();
  view.writeUint32(4 * (round % 1000), round);
  const buffer = view.bytes.buffer as ArrayBuffer & { transfer?: () => ArrayBuffer };
  if (i % 3 === 0) keep.push(view.bytes);
  if (i % 3 === 1 && buffer.transfer) keep.push(new Uint8Array(buffer.transfer()));
  if (i % 5 === 0) {
    view.close();
    map.close();
  }
  MemoryMappedFile.createNewSync(`${name}-${i}`, 4096, { backend: 'native' }).createViewAccessorSync().writeUint8(0, 1);
}
(globalThis as { keep?: unknown }).keep = keep;
parentPort!.postMessage('ready');
if (round % 2 === 0) setInterval(() => {}, 1000);
