/** Coherence with the real file across processes: fs in another process, and maps in another process. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBackend } from './support/backends.js';
import { makeTempDir } from './support/files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, '../node/index.ts');

/** Runs an ES module snippet in a child Node process (with tsx, so it can import the sources). */
function child(code: string): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    cwd: path.join(here, '..'),
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

describeBackend('coherence across processes', ({ MemoryMappedFile, name: backend }) => {
  // A native map is the OS page cache itself; a paged (wasm) map caches pages
  // in the process, so only what is flushed reaches other processes.
  const sharedPages: (title: string, fn: Mocha.Func) => void = backend === 'native' ? it : () => {};
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  sharedPages('a write by another process through fs is visible in an open view at once', () => {
    const file = tmp.file('fs-writer.bin');
    fs.writeFileSync(file, Buffer.alloc(1 << 16));
    using map = MemoryMappedFile.createFromFileSync(file);
    using view = map.createViewAccessorSync();
    child(`import fs from 'node:fs';
      const fd = fs.openSync(${JSON.stringify(file)}, 'r+');
      const b = Buffer.alloc(8); b.writeDoubleLE(123.5);
      fs.writeSync(fd, b, 0, 8, 40000); fs.closeSync(fd);`);
    assert.equal(view.readFloat64(40000), 123.5);
  });

  it('a write through a view is what another process reads with fs after flush', () => {
    const file = tmp.file('fs-reader.bin');
    using map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 1 << 20 });
    using view = map.createViewAccessorSync();
    view.writeBigUint64(999992, 0x0102030405060708n);
    view.flush();
    const out = child(`import fs from 'node:fs';
      console.log(fs.readFileSync(${JSON.stringify(file)}).readBigUint64LE(999992).toString(16));`);
    assert.equal(out, '102030405060708');
  });

  sharedPages('maps of one file in two processes share their pages without a flush', () => {
    const file = tmp.file('two-maps.bin');
    using map = MemoryMappedFile.createFromFileSync(file, { mode: 'createNew', capacity: 8192 });
    using view = map.createViewAccessorSync();
    view.writeInt32(100, 7);
    const out = child(`import { MemoryMappedFile } from ${JSON.stringify(entry)};
      const m = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)});
      const v = m.createViewAccessorSync();
      const seen = v.readInt32(100);
      v.writeInt32(104, seen * 6);
      console.log(seen);`);
    assert.equal(out, '7');
    assert.equal(view.readInt32(104), 42);
  });
});
