/**
 * The bad-input table: every row is an input, the error it must give (class
 * and stable code), and a check that the path on disk is unchanged by the
 * failed call (same existence, size, contents and mtime; no file left behind).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describeBackend } from './support/backends.js';
import { makeTempDir, patternBytes, snapshot } from './support/files.js';
import { runUnprivileged } from './support/unprivileged.js';
import type { MemoryMappedFile as MMF } from '../src/index.js';

type Setup = 'missing' | 'empty' | 'small' | 'directory';

interface Row {
  title: string;
  setup: Setup;
  call: (M: typeof MMF, file: string) => unknown;
  name: 'MemmapError' | 'TypeError' | 'RangeError';
  code: string;
}

const small = patternBytes(5000, 11);

const rows: Row[] = [
  // capacities
  ...[-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, Number.MAX_VALUE].map((capacity): Row => ({
    title: `capacity ${capacity}`,
    setup: 'small',
    call: (M, f) => M.createFromFileSync(f, { capacity }),
    name: 'RangeError',
    code: 'ERANGE',
  })),
  ...['10', 10n, null, {}].map((capacity): Row => ({
    title: `capacity of type ${typeof capacity} (${String(capacity)})`,
    setup: 'small',
    call: (M, f) => M.createFromFileSync(f, { capacity: capacity as number }),
    name: 'TypeError',
    code: 'EINVAL',
  })),
  { title: 'capacity below the file size', setup: 'small', call: (M, f) => M.createFromFileSync(f, { capacity: 4999 }), name: 'MemmapError', code: 'ERANGE' },
  { title: 'capacity 0 on an empty file', setup: 'empty', call: (M, f) => M.createFromFileSync(f), name: 'MemmapError', code: 'EINVAL' },
  { title: 'capacity 0 with mode createNew', setup: 'missing', call: (M, f) => M.createFromFileSync(f, { mode: 'createNew' }), name: 'MemmapError', code: 'EINVAL' },
  { title: 'capacity 0 with mode create on an existing file', setup: 'small', call: (M, f) => M.createFromFileSync(f, { mode: 'create' }), name: 'MemmapError', code: 'EINVAL' },
  { title: 'capacity 0 with openOrCreate on a missing file (no file left)', setup: 'missing', call: (M, f) => M.createFromFileSync(f, { mode: 'openOrCreate' }), name: 'MemmapError', code: 'EINVAL' },
  { title: 'a capacity beyond the largest file (createNew leaves no file)', setup: 'missing', call: (M, f) => M.createFromFileSync(f, { mode: 'createNew', capacity: 2 ** 53 - 1 }), name: 'MemmapError', code: 'EFBIG' },
  { title: 'a capacity beyond the largest file (create keeps the old file)', setup: 'small', call: (M, f) => M.createFromFileSync(f, { mode: 'create', capacity: 2 ** 53 - 1 }), name: 'MemmapError', code: 'EFBIG' },
  { title: 'a capacity beyond the largest file (open keeps the file)', setup: 'small', call: (M, f) => M.createFromFileSync(f, { capacity: 2 ** 53 - 1 }), name: 'MemmapError', code: 'EFBIG' },
  // modes
  { title: 'mode open on a missing file', setup: 'missing', call: (M, f) => M.createFromFileSync(f, { mode: 'open' }), name: 'MemmapError', code: 'ENOENT' },
  { title: 'mode createNew on an existing file', setup: 'small', call: (M, f) => M.createFromFileSync(f, { mode: 'createNew', capacity: 10 }), name: 'MemmapError', code: 'EEXIST' },
  { title: 'mode truncate (refused as in .NET)', setup: 'small', call: (M, f) => M.createFromFileSync(f, { mode: 'truncate' as 'open' }), name: 'TypeError', code: 'EINVAL' },
  { title: 'mode append (refused as in .NET)', setup: 'small', call: (M, f) => M.createFromFileSync(f, { mode: 'append' as 'open' }), name: 'TypeError', code: 'EINVAL' },
  { title: 'an unknown mode', setup: 'small', call: (M, f) => M.createFromFileSync(f, { mode: 'Open' as 'open' }), name: 'TypeError', code: 'EINVAL' },
  { title: 'a missing parent directory', setup: 'missing', call: (M, f) => M.createFromFileSync(f + '/child.bin', { mode: 'createNew', capacity: 1 }), name: 'MemmapError', code: 'ENOENT' },
  { title: 'a file used as a directory', setup: 'small', call: (M, f) => M.createFromFileSync(f + '/child.bin', { mode: 'openOrCreate', capacity: 1 }), name: 'MemmapError', code: 'ENOTDIR' },
  // directories
  ...(['open', 'openOrCreate', 'create', 'createNew'] as const).map((mode): Row => ({
    title: `a directory as the path (mode ${mode})`,
    setup: 'directory',
    call: (M, f) => M.createFromFileSync(f, { mode, capacity: 10 }),
    name: 'MemmapError',
    code: mode === 'createNew' ? 'EEXIST' : 'EISDIR',
  })),
  // access
  { title: "access 'write' for a file map (refused as in .NET)", setup: 'small', call: (M, f) => M.createFromFileSync(f, { access: 'write' }), name: 'MemmapError', code: 'EINVAL' },
  { title: 'a read-only map that would grow the file', setup: 'small', call: (M, f) => M.createFromFileSync(f, { access: 'read', capacity: 6000 }), name: 'MemmapError', code: 'EACCES' },
  { title: 'mode create with read access', setup: 'small', call: (M, f) => M.createFromFileSync(f, { mode: 'create', access: 'read', capacity: 10 }), name: 'MemmapError', code: 'EACCES' },
  { title: 'an unknown access', setup: 'small', call: (M, f) => M.createFromFileSync(f, { access: 'rw' as 'read' }), name: 'TypeError', code: 'EINVAL' },
  { title: 'a non-null mapName on a persisted map', setup: 'small', call: (M, f) => M.createFromFileSync(f, { mapName: 'x' }), name: 'MemmapError', code: 'EUNSUPPORTED' },
  // paths
  { title: 'an empty path', setup: 'small', call: (M) => M.createFromFileSync(''), name: 'TypeError', code: 'EINVAL' },
  { title: 'a path with a NUL byte', setup: 'small', call: (M, f) => M.createFromFileSync(f + '\0x'), name: 'TypeError', code: 'EINVAL' },
  { title: 'a number as the path', setup: 'small', call: (M) => M.createFromFileSync(3 as unknown as string), name: 'TypeError', code: 'EINVAL' },
  { title: 'options that are not an object', setup: 'small', call: (M, f) => M.createFromFileSync(f, 5 as unknown as object), name: 'TypeError', code: 'EINVAL' },
  { title: 'a non-file URL', setup: 'small', call: (M) => M.createFromFileSync(new URL('http://localhost/x')), name: 'TypeError', code: 'EINVAL' },
];

interface ViewRow {
  title: string;
  call: (map: MMF) => unknown;
  name: 'MemmapError' | 'TypeError' | 'RangeError';
  code: string;
}

const viewRows: ViewRow[] = [
  ...[-1, 0.5, NaN, 2 ** 53, Infinity].flatMap((bad): ViewRow[] => [
    { title: `view offset ${bad}`, call: (m) => m.createViewAccessorSync(bad), name: 'RangeError', code: 'ERANGE' },
    { title: `view size ${bad}`, call: (m) => m.createViewAccessorSync(0, bad), name: 'RangeError', code: 'ERANGE' },
    { title: `stream offset ${bad}`, call: (m) => m.createViewStreamSync(bad), name: 'RangeError', code: 'ERANGE' },
    { title: `stream size ${bad}`, call: (m) => m.createViewStreamSync(0, bad), name: 'RangeError', code: 'ERANGE' },
  ]),
  { title: 'view offset of type string', call: (m) => m.createViewAccessorSync('0' as unknown as number), name: 'TypeError', code: 'EINVAL' },
  { title: 'view offset equal to the capacity', call: (m) => m.createViewAccessorSync(5000), name: 'RangeError', code: 'ERANGE' },
  { title: 'view offset + size beyond the capacity', call: (m) => m.createViewAccessorSync(4000, 1001), name: 'RangeError', code: 'ERANGE' },
  { title: 'stream offset + size beyond the capacity', call: (m) => m.createViewStreamSync(1, 5000), name: 'RangeError', code: 'ERANGE' },
  { title: 'an unknown view access', call: (m) => m.createViewAccessorSync(0, 0, 'all' as 'read'), name: 'TypeError', code: 'EINVAL' },
  { title: 'a write through a read-only view', call: (m) => m.createViewAccessorSync(0, 0, 'read').writeUint8(0, 1), name: 'MemmapError', code: 'EACCES' },
  { title: 'a write through a read-only stream', call: (m) => m.createViewStreamSync(0, 0, 'read').write(new Uint8Array(1)), name: 'MemmapError', code: 'EACCES' },
  { title: 'an executable view of a map without execute access', call: (m) => m.createViewAccessorSync(0, 0, 'readExecute'), name: 'MemmapError', code: 'EACCES' },
];

describeBackend('bad input', ({ MemoryMappedFile, name: backend }) => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  let counter = 0;

  function prepare(setup: Setup): string {
    const file = tmp.file(`bad-${counter++}`);
    if (setup === 'empty') fs.writeFileSync(file, '');
    if (setup === 'small') fs.writeFileSync(file, small);
    if (setup === 'directory') fs.mkdirSync(file);
    return file;
  }

  for (const row of rows) {
    it(`${row.title} → ${row.name} ${row.code}, the disk unchanged`, () => {
      const file = prepare(row.setup);
      const before = snapshot(file);
      const listing = fs.readdirSync(tmp.dir).sort();
      assert.throws(() => row.call(MemoryMappedFile, file), (err: Error & { code?: string }) => {
        assert.equal(err.name, row.name, err.message);
        assert.equal(err.code, row.code, err.message);
        assert.ok(err.message.length > 10, 'the message says what is wrong');
        return true;
      });
      assert.deepEqual(snapshot(file), before);
      assert.deepEqual(fs.readdirSync(tmp.dir).sort(), listing, 'no file left behind');
    });
  }

  for (const row of viewRows) {
    it(`${row.title} → ${row.name} ${row.code}, the file unchanged`, () => {
      const file = prepare('small');
      using map = MemoryMappedFile.createFromFileSync(file);
      const before = snapshot(file);
      assert.throws(() => row.call(map), (err: Error & { code?: string }) => {
        assert.equal(err.name, row.name, err.message);
        assert.equal(err.code, row.code, err.message);
        return true;
      });
      assert.deepEqual(snapshot(file), before);
    });
  }

  it('any call on a closed map is ECLOSED', () => {
    const map = MemoryMappedFile.createFromFileSync(prepare('small'));
    map.close();
    for (const call of [
      () => map.createViewAccessorSync(),
      () => map.createViewStreamSync(),
      () => map.createViewAccessorSync(-1),
    ]) {
      assert.throws(call, { name: 'MemmapError', code: 'ECLOSED' });
    }
  });

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
