/**
 * Whose shared memory a named map joins (native backend, Linux):
 *   - an object that another user could have planted or can read (not owned
 *     by the caller's effective user, or granting group or other access) is
 *     never joined: EACCES naming its owner — also when it looks stale and
 *     cannot be removed because it is someone else's (/dev/shm is sticky);
 *   - another program's object (Python's multiprocessing.shared_memory here)
 *     is joined as it is and never resized, truncated or removed, and an
 *     object memmap made is an ordinary POSIX shm object Python can attach.
 * Two users need root (CI runs as root: the other user is `nobody`).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { bindBackend } from './support/backends.js';
import { PythonShm, exitAllPython } from './support/python-shm.js';
import { runUnprivileged } from './support/unprivileged.js';

const MemoryMappedFile = bindBackend('native');
const isRoot = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };
const prefix = `memmap-test-owner-${process.pid}-`;
let counter = 0;
const freshName = () => `${prefix}${counter++}`;
const shmPath = (name: string) => `/dev/shm/${name}`;
const needsRoot = isRoot ? '' : ' [skipped: needs root, to act as two users]';

function codeOf(fn: () => unknown): { code: string | undefined; message: string } {
  try {
    (fn() as { close?(): void })?.close?.();
    return { code: undefined, message: '' };
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
}

describe('shared memory of other users and other programs [native]', function () {
  this.timeout(30_000);
  afterEach(async () => {
    await exitAllPython();
    for (const n of fs.readdirSync('/dev/shm').filter((f) => f.startsWith(prefix))) fs.rmSync(shmPath(n), { force: true });
  });

  it(`an object another user planted with mode 0666 and holds a flock on is never joined: EACCES naming the owner${needsRoot}`, async function () {
    if (!isRoot) this.skip();
    const name = freshName();
    const attacker = new PythonShm(NOBODY);
    await attacker.do({ op: 'plant', name, mode: 0o666 });
    const before = fs.readFileSync(shmPath(name));
    for (const open of [
      () => MemoryMappedFile.createOrOpenSync(name, 4096),
      () => MemoryMappedFile.openExistingSync(name),
      () => MemoryMappedFile.createNewSync(name, 4096),
    ]) {
      const r = codeOf(open);
      assert.equal(r.code, 'EACCES');
      assert.match(r.message, /owned by user 65534 \(nobody\) with mode 0666/);
    }
    assert.deepEqual(fs.readFileSync(shmPath(name)), before, 'the object is untouched');
  });

  it(`the same as an unprivileged victim: root's planted object is EACCES for nobody${needsRoot}`, async function () {
    if (!isRoot) this.skip();
    const name = freshName();
    const attacker = new PythonShm();
    await attacker.do({ op: 'plant', name, mode: 0o666 });
    for (const call of [
      `MemoryMappedFile.createOrOpenSync(${JSON.stringify(name)}, 4096)`,
      `MemoryMappedFile.openExistingSync(${JSON.stringify(name)})`,
      `MemoryMappedFile.createNewSync(${JSON.stringify(name)}, 4096)`,
    ]) {
      const r = runUnprivileged(`${call}.close();`, 'native');
      assert.equal(r.code, 'EACCES', r.output);
      assert.match(r.output, /owned by user 0 \(root\) with mode 0666/);
    }
    assert.equal(fs.readFileSync(shmPath(name)).subarray(0, 7).toString(), 'planted');
  });

  it(`a stale-looking object of another user that anyone may open cannot be removed: EACCES, not ENOENT or EBUSY${needsRoot}`, async function () {
    if (!isRoot) this.skip();
    for (const mode of [0o1666, 0o666]) {
      const name = freshName();
      // No holder, so it looks stale; but /dev/shm is sticky: nobody cannot remove root's object.
      fs.writeFileSync(shmPath(name), Buffer.alloc(4096), { mode });
      fs.chmodSync(shmPath(name), mode);
      for (const call of [
        `MemoryMappedFile.openExistingSync(${JSON.stringify(name)})`,
        `MemoryMappedFile.createNewSync(${JSON.stringify(name)}, 4096)`,
        `MemoryMappedFile.createOrOpenSync(${JSON.stringify(name)}, 4096)`,
      ]) {
        const r = runUnprivileged(`${call}.close();`, 'native');
        assert.equal(r.code, 'EACCES', `mode ${mode.toString(8)}: ${r.output}`);
      }
      assert.ok(fs.existsSync(shmPath(name)));
    }
  });

  it('an object of our own user that grants group or other access is never joined', () => {
    const name = freshName();
    fs.writeFileSync(shmPath(name), Buffer.alloc(4096));
    fs.chmodSync(shmPath(name), 0o644);
    const r = codeOf(() => MemoryMappedFile.openExistingSync(name));
    assert.equal(r.code, 'EACCES');
    assert.match(r.message, /with mode 0644/);
  });

  it('Python creates; memmap joins it as it is, reads, writes and closes; Python\'s object survives and sees the write', async () => {
    const name = freshName();
    const py = new PythonShm();
    await py.do({ op: 'create', name, size: 4096, text: 'hello' });
    assert.throws(() => MemoryMappedFile.createNewSync(name, 4096), { code: 'EEXIST' });
    assert.throws(() => MemoryMappedFile.createOrOpenSync(name, 8192), { code: 'ERANGE' });
    {
      using map = MemoryMappedFile.openExistingSync(name);
      using joined = MemoryMappedFile.createOrOpenSync(name, 4096);
      assert.equal(map.capacity, 4096);
      using view = map.createViewAccessorSync();
      const text = new Uint8Array(5);
      view.readArray(0, text);
      assert.equal(Buffer.from(text).toString(), 'hello');
      view.writeArray(0, Buffer.from('world'));
      assert.equal(joined.capacity, 4096);
    }
    assert.ok(fs.existsSync(shmPath(name)), 'memmap neither unlinked nor resized it');
    assert.equal(fs.statSync(shmPath(name)).size, 4096);
    assert.equal((await py.do({ op: 'read', length: 5 })).text, 'world');
    await py.do({ op: 'close' });
    await py.do({ op: 'unlink' }); // Python's unlink succeeds: the object was still there
  });

  it('another program\'s object with no process holding it is not taken for stale', async () => {
    const name = freshName();
    const py = new PythonShm();
    await py.do({ op: 'create', name, size: 8192, text: 'left' });
    await py.do({ op: 'close' });
    // Python keeps it (as shm_open users do until someone unlinks); no flock holder anywhere.
    {
      using map = MemoryMappedFile.openExistingSync(name);
      assert.equal(map.capacity, 8192);
      using view = map.createViewAccessorSync();
      assert.equal(view.readUint8(0), 'l'.charCodeAt(0));
    }
    assert.ok(fs.existsSync(shmPath(name)), 'still there after memmap closed it');
    await py.do({ op: 'unlink' });
  });

  it('memmap creates; Python attaches, reads and writes; memmap sees it; the last memmap close removes it', async () => {
    const name = freshName();
    const map = MemoryMappedFile.createNewSync(name, 4096);
    const view = map.createViewAccessorSync();
    view.writeArray(0, Buffer.from('from-node'));
    const py = new PythonShm();
    await py.do({ op: 'attach', name });
    assert.equal((await py.do({ op: 'size' })).size, 4096);
    assert.equal((await py.do({ op: 'read', length: 9 })).text, 'from-node');
    await py.do({ op: 'write', text: 'from-py' });
    const got = new Uint8Array(7);
    view.readArray(0, got);
    assert.equal(Buffer.from(got).toString(), 'from-py');
    await py.do({ op: 'close' });
    view.close();
    map.close();
    assert.equal(fs.existsSync(shmPath(name)), false);
  });
});
