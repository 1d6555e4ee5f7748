/**
 * The second process of `npm run demo`: attaches to the named map the demo
 * created and answers each ping (cell 0) with a pong (cell 1).
 */
import { MemoryMappedFile } from '../node/index.js';

const [name, roundsText] = process.argv.slice(2) as [string, string];
const rounds = Number(roundsText);
using map = MemoryMappedFile.openExistingSync(name, { backend: 'native' });
using view = map.createViewAccessorSync();
const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, 4);
Atomics.store(cells, 2, process.pid); // attached
for (let i = 1; i <= rounds; i++) {
  while (Atomics.load(cells, 0) !== i);
  Atomics.store(cells, 1, i);
}
