/**
 * The wasm backend's shared arena of named maps, at its limits: 256 names at
 * once, 4 GiB of maps; past them a clear ENOSPC at once, with nothing
 * allocated, and the arena still usable.
 */
import assert from 'node:assert/strict';
import { MemoryMappedFile } from '../node/index.js';
import { nodeArena } from '../wasm/node-arena.js';

describe('the wasm shared arena at its limits', () => {
  const wasm = { backend: 'wasm' } as const;
  const prefix = `arena-limits-${process.pid}`;

  it('holds 256 named maps at once; the 257th is ENOSPC, and a freed name makes room again', () => {
    const maps: MemoryMappedFile[] = [];
    // Maps other suites of this process still hold (some by workers they terminated) count too.
    MemoryMappedFile.createNewSync(`${prefix}-probe`, 64, wasm).close(); // the arena exists
    const held = nodeArena().list().length;
    try {
      for (let i = held; i < 256; i++) maps.push(MemoryMappedFile.createNewSync(`${prefix}-${i}`, 64, wasm));
      assert.equal(nodeArena().list().length, 256);
      assert.throws(() => MemoryMappedFile.createNewSync(`${prefix}-256`, 64, wasm), { code: 'ENOSPC', message: /256 named maps/ });
      (maps.pop() as MemoryMappedFile).close();
      maps.push(MemoryMappedFile.createNewSync(`${prefix}-256`, 64, wasm));
    } finally {
      for (const map of maps) map.close();
    }
  });

  it('holds at most 4 GiB of maps: a larger one is ENOSPC at once, without growing the arena', () => {
    MemoryMappedFile.createNewSync(`${prefix}-first`, 64, wasm).close(); // the arena exists
    const size = nodeArena().buffer.byteLength;
    assert.throws(() => MemoryMappedFile.createNewSync(`${prefix}-huge`, 2 ** 32, wasm), { code: 'ENOSPC', message: /4 GiB/ });
    assert.equal(nodeArena().buffer.byteLength, size, 'the arena did not grow');
    using map = MemoryMappedFile.createNewSync(`${prefix}-after`, 4096, wasm);
    using view = map.createViewAccessorSync();
    view.writeUint32(0, 42);
    assert.equal(view.readUint32(0), 42);
  });
});
