/**
 * Crash safety with real processes: a child writes through a persisted map,
 * flushes, goes on writing, and is killed with SIGKILL at a random moment.
 * The parent then finds every flushed byte on disk, every byte of the range
 * the child was writing either old or new (never anything else), and every
 * byte outside that range untouched. On both backends.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBackend } from './support/backends.js';
import { makeTempDir, patternBytes } from './support/files.js';

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), '../node/index.ts');
const SIZE = 8 << 20;
const FROM = 1 << 20;
const TO = 5 << 20;

describeBackend('crash safety (SIGKILL)', ({ name: backend }) => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  for (const delay of [0, 5, 20, 60]) {
    it(`a child killed ${delay} ms after its flush loses nothing flushed and changes nothing outside its range`, async function () {
      this.timeout(60000);
      const file = tmp.file(`crash-${delay}.bin`);
      const before = patternBytes(SIZE, 3);
      fs.writeFileSync(file, before);
      // First pass writes 0x11 over [FROM, TO) and flushes; then it rewrites the range with 0x22, unflushed, until killed.
      const script = `
        import { MemoryMappedFile } from ${JSON.stringify(entry)};
        const map = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { backend: '${backend}', pageSize: 4096, cacheSize: 1 << 20 });
        const view = map.createViewAccessorSync(${FROM}, ${TO - FROM});
        const one = new Uint8Array(4096).fill(0x11), two = new Uint8Array(4096).fill(0x22);
        for (let at = 0; at < ${TO - FROM}; at += 4096) view.writeArray(at, one);
        view.flush();
        console.log('flushed');
        for (;;) for (let at = 0; at < ${TO - FROM}; at += 4096) view.writeArray(at, two);`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      assert.match(line.toString(), /flushed/);
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      const [, signal] = await once(child, 'exit');
      assert.equal(signal, 'SIGKILL');
      const after = fs.readFileSync(file);
      assert.equal(after.length, SIZE);
      assert.ok(after.subarray(0, FROM).equals(before.subarray(0, FROM)), 'bytes before the range are untouched');
      assert.ok(after.subarray(TO).equals(before.subarray(TO)), 'bytes after the range are untouched');
      for (let i = FROM; i < TO; i++) {
        const b = after[i];
        if (b !== 0x11 && b !== 0x22) assert.fail(`byte ${i} is ${b}: neither the flushed nor the newer value`);
      }
    });
  }
});
