/**
 * Bad input that needs an unprivileged user: files and directories without
 * permission, checked in a child process as `nobody` when the suite runs as
 * root (CI does). Each gives EACCES and leaves the disk unchanged, and the
 * same call succeeds once the permission is there. (The bad-input table of
 * the contract is test/contract/bad-input.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describeBackend } from './support/backends.js';
import { makeTempDir, patternBytes, snapshot } from './support/files.js';
import { runUnprivileged } from './support/unprivileged.js';

const small = patternBytes(5000, 11);

describeBackend('bad input', ({ name: backend }) => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  let counter = 0;

  function prepare(setup: 'small' | 'directory'): string {
    const file = tmp.file(`bad-${counter++}`);
    if (setup === 'small') fs.writeFileSync(file, small);
    else fs.mkdirSync(file);
    return file;
  }

  describe('permissions (checked as an unprivileged user)', () => {
    before(() => fs.chmodSync(tmp.dir, 0o755));

    it('a file without read permission → EACCES, the file unchanged; with it, the map opens', () => {
      const file = prepare('small');
      const open = `MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { access: 'read' });`;
      fs.chmodSync(file, 0o200);
      const before = snapshot(file);
      const r = runUnprivileged(open, backend);
      assert.equal(r.code, 'EACCES', r.output);
      assert.match(r.output, new RegExp(`backend=${backend}`), 'the child ran on the backend under test');
      assert.deepEqual(snapshot(file), before);
      fs.chmodSync(file, 0o644);
      assert.equal(runUnprivileged(open, backend).code, null, 'the control succeeds');
    });

    it('a file without write permission → EACCES for readWrite, while read access works', () => {
      const file = prepare('small');
      fs.chmodSync(file, 0o444);
      const before = snapshot(file);
      const rw = runUnprivileged(`MemoryMappedFile.createFromFileSync(${JSON.stringify(file)});`, backend);
      assert.equal(rw.code, 'EACCES', rw.output);
      const ro = runUnprivileged(
        `const m = MemoryMappedFile.createFromFileSync(${JSON.stringify(file)}, { access: 'read' });\n` +
          `const v = m.createViewAccessorSync(); if (v.readUint8(4999) !== ${small[4999]}) throw new Error('bad byte');`,
        backend,
      );
      assert.equal(ro.code, null, ro.output);
      assert.deepEqual(snapshot(file), before);
    });

    it('a directory without write permission → EACCES for createNew, nothing created', () => {
      const dir = prepare('directory');
      fs.chmodSync(dir, 0o555);
      const r = runUnprivileged(
        `MemoryMappedFile.createFromFileSync(${JSON.stringify(dir + '/new.bin')}, { mode: 'createNew', capacity: 10 });`,
        backend,
      );
      assert.equal(r.code, 'EACCES', r.output);
      assert.deepEqual(fs.readdirSync(dir), []);
      fs.chmodSync(dir, 0o777);
      const ok = runUnprivileged(
        `MemoryMappedFile.createFromFileSync(${JSON.stringify(dir + '/new.bin')}, { mode: 'createNew', capacity: 10 });`,
        backend,
      );
      assert.equal(ok.code, null, 'the control succeeds');
    });
  });
});
