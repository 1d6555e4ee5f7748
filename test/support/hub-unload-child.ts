/**
 * A child process for test/25-coordination.test.ts: the native addon is
 * loaded by worker threads only (never by this thread), and each worker
 * leaves a waitAsync pending when it is terminated, so the addon's waiter
 * threads run while Node unloads the addon with its last environment. Then
 * this thread lives on for a while: it prints 'alive' unless the process
 * crashed. Workers load the built package (dist/), which starts fast, so that
 * there are many rounds: without the pin, a round crashes only when a waiter
 * thread happens to run after the unloading.
 */
import { Worker } from 'node:worker_threads';

const entry = new URL('../../dist/index.mjs', import.meta.url).href;
const code = `import(${JSON.stringify(entry)}).then(({ MemoryMappedFile }) => {
  const { parentPort } = require('node:worker_threads');
  const map = MemoryMappedFile.createNewSync(null, 4096, { backend: 'native' });
  const view = map.createViewAccessorSync();
  view.waitAsync(0, 0);
  parentPort.postMessage('waiting');
});`;

for (let round = 0; round < 24; round++) {
  const worker = new Worker(code, { eval: true });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await new Promise((r) => setTimeout(r, 20));
  await worker.terminate();
  await new Promise((r) => setTimeout(r, 50));
}
console.log('alive');
