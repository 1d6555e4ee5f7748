/**
 * The liveness of this process's threads on Linux: a thread is named by its
 * kernel thread id and start time, and is alive while /proc/self/task/<tid>
 * exists with that start time and is not a zombie. A worker_thread's task
 * disappears within milliseconds of `worker.terminate()`; the start time
 * guards against a new thread that was given the same id. Two users:
 *
 *   - the shared arena's locks (wasm/shared-arena.ts), which name a thread by
 *     identity = start time (clock ticks since boot, low 31 bits) << 32 | tid;
 *     null where there is no /proc (other systems, restricted sandboxes): the
 *     arena then presumes silent holders dead after a while;
 *   - MapMutex and Channel on the wasm backend (src/threads.ts), which name a
 *     thread by (tid, token = the same start time); elsewhere they use Web
 *     Locks where Node has them (24), else ids without liveness.
 *
 * @module
 */
import fs from 'node:fs';
import type { ThreadLiveness } from './shared-arena.js';
import { webLockThreads, type ThreadId, type Threads } from '../src/threads.js';

/** The state and start time of a task, from its /proc stat line (proc(5): fields 3 and 22). */
function parseStat(stat: string): { state: string; start: number } {
  // The name (field 2) is in parentheses and may hold spaces: count from after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] as string, start: Number(fields[19]) % 2 ** 31 };
}

export function linuxThreadLiveness(): ThreadLiveness | null {
  if (typeof process === 'undefined' || process.platform !== 'linux') return null;
  let self: bigint;
  try {
    // "<pid>/task/<tid>"
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/')[2]);
    const { start } = parseStat(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'latin1'));
    if (!Number.isSafeInteger(tid) || tid <= 0 || !Number.isSafeInteger(start)) return null;
    self = (BigInt(start) << 32n) | BigInt(tid);
  } catch {
    return null;
  }
  return {
    self,
    alive(thread: bigint): boolean | undefined {
      if (thread <= 0n) return undefined; // not an identity from this probe
      const tid = Number(thread & 0xffffffffn);
      try {
        const { state, start } = parseStat(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'latin1'));
        return state !== 'Z' && state !== 'X' && BigInt(start) === thread >> 32n;
      } catch (err) {
        const code = (err as { code?: string }).code;
        return code === 'ENOENT' || code === 'ESRCH' ? false : undefined;
      }
    },
  };
}

/** A task of this process: its state and start time, null when it is gone, undefined when it cannot be read. */
function taskStat(tid: number): { state: string; start: number } | null | undefined {
  try {
    return parseStat(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'latin1'));
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'ENOENT' || code === 'ESRCH' ? null : undefined;
  }
}

/** The threads of MapMutex and Channel on the wasm backend (src/threads.ts). */
export function nodeThreads(): Threads {
  const probe = linuxThreadLiveness();
  if (!probe) return webLockThreads();
  const me: ThreadId = { id: Number(probe.self & 0xffffffffn), token: Number(probe.self >> 32n) };
  // A token of 0 matches any start time: an owner that took a lock but had not recorded its token.
  const alive = (id: number, token: number): boolean | null => {
    const stat = taskStat(id);
    if (stat === undefined) return null;
    return stat !== null && stat.state !== 'Z' && stat.state !== 'X' && (token === 0 || stat.start === token);
  };
  return { liveness: 'sync', self: () => me, alive, aliveAsync: async (id, token) => alive(id, token) };
}
