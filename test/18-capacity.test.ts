/**
 * A capacity never takes the host down: non-persisted maps are made in time
 * independent of their capacity with nothing committed until a page is
 * touched, and a capacity the system can never provide is refused at once —
 * ENOMEM for an anonymous map (above RAM plus swap), ENOSPC for a named one
 * (above the free space of /dev/shm, or above what the backend can hold) —
 * with nothing allocated and nothing left in /dev/shm.
 *
 * Each backend runs in a child process while this process watches
 * /proc/meminfo: a child that commits more than 512 MiB of shared memory, or
 * lets the machine's available memory fall by more than 2 GiB, is killed at
 * once and the test fails, so a regression cannot harm the machine.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const childScript = path.join(here, 'support/capacity-child.ts');

function meminfo(field: string): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
}

/** Free bytes of /dev/shm. */
function shmRoom(): number {
  const st = fs.statfsSync('/dev/shm');
  return st.bavail * st.bsize;
}

async function watched(backend: string, name: string, room: number): Promise<any> {
  const shmem0 = meminfo('Shmem');
  const available0 = meminfo('MemAvailable');
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, backend, name, String(room)], {
    cwd: path.join(here, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  let killedFor = '';
  const watchdog = setInterval(() => {
    const shmem = meminfo('Shmem') - shmem0;
    const fell = available0 - meminfo('MemAvailable');
    if (shmem > 512 * 2 ** 20) killedFor = `it committed ${shmem >> 20} MiB of shared memory`;
    else if (fell > 2 * 2 ** 30) killedFor = `available memory fell by ${fell >> 20} MiB`;
    if (killedFor) child.kill('SIGKILL');
  }, 10);
  const timeout = setTimeout(() => {
    killedFor = 'it ran for more than 60 s';
    child.kill('SIGKILL');
  }, 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(watchdog);
  clearTimeout(timeout);
  fs.rmSync(`/dev/shm/${name}`, { force: true });
  if (killedFor) throw new Error(`the child was killed because ${killedFor}`);
  if (code !== 0) throw new Error(`the child exited with ${code}: ${err}`);
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('capacities the system cannot provide', function () {
  this.timeout(90_000);
  let counter = 0;
  const freshName = () => `memmap-test-capacity-${process.pid}-${counter++}`;

  it('native: ENOMEM / ENOSPC at once for 2^53 - 1 bytes and above /dev/shm\'s free space; 1 GiB maps commit nothing until touched', async () => {
    const name = freshName();
    const r = await watched('native', name, shmRoom() + 2 ** 30);
    assert.deepEqual(
      { anonymousHuge: r.anonymousHuge, namedHuge: r.namedHuge, namedAboveRoom: r.namedAboveRoom, createOrOpenAboveRoom: r.createOrOpenAboveRoom },
      { anonymousHuge: 'ENOMEM', namedHuge: 'ENOSPC', namedAboveRoom: 'ENOSPC', createOrOpenAboveRoom: 'ENOSPC' },
    );
    assert.equal(r.leftAfterRefusals, false, 'a refused create leaves nothing in /dev/shm');
    assert.ok(r.committedMiB < 64, `two 1 GiB maps committed ${r.committedMiB} MiB before any touch`);
    assert.deepEqual(r.firstTouch, [7, 7]);
  });

  it('wasm: ENOMEM / ENOSPC at once for 2^53 - 1 bytes; 1 GiB maps commit nothing until touched', async () => {
    const r = await watched('wasm', freshName(), 2 ** 33);
    assert.deepEqual(
      { anonymousHuge: r.anonymousHuge, namedHuge: r.namedHuge, namedAboveRoom: r.namedAboveRoom },
      { anonymousHuge: 'ENOMEM', namedHuge: 'ENOSPC', namedAboveRoom: 'ENOSPC' },
    );
    assert.deepEqual(r.firstTouch, [7, 7]);
  });
});
