/**
 * Thread identity and liveness for the wasm backend on Node (src/threads.ts).
 * On Linux every worker_thread is a kernel thread: /proc/thread-self names it
 * (`<pid>/task/<tid>`), field 22 of its stat file is its start time, and
 * /proc/<tid> is gone within milliseconds of worker.terminate() or the
 * process's death; a zombie (state Z or X) is dead too. Elsewhere, Web Locks
 * where Node has them (24), else ids without liveness.
 *
 * @module
 */
import fs from 'node:fs';
import { webLockThreads, type ThreadId, type Threads } from '../src/threads.js';

/** State (field 3) and start time (field 22) of a /proc stat file; null when it is gone. */
function readStat(path: string): { state: string; start: number } | null {
  let text: string;
  try {
    text = fs.readFileSync(path, 'latin1');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces and ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', start: Number(fields[19]) };
}

/** The start time as a 32-bit token, never 0 (0 matches any), as the core's posix_sync.c does. */
function tokenOf(start: number): number {
  const t = (start % 2 ** 32) ^ Math.floor(start / 2 ** 32);
  return t >>> 0 === 0 ? 1 : t >>> 0;
}

function alive(id: number, token: number): boolean {
  const stat = readStat(`/proc/${id}/stat`);
  if (stat === null || stat.state === 'Z' || stat.state === 'X') return false;
  return token === 0 || tokenOf(stat.start) === token;
}

function procThreads(): Threads {
  let me: ThreadId | undefined;
  return {
    self(): ThreadId {
      if (me) return me;
      const tid = Number(fs.readlinkSync('/proc/thread-self').split('/')[2]);
      const stat = readStat('/proc/thread-self/stat');
      me = { id: tid, token: stat ? tokenOf(stat.start) : 0 };
      return me;
    },
    alive,
    aliveAsync: async (id: number, token: number) => alive(id, token),
  };
}

/** The threads of this platform. */
export function nodeThreads(): Threads {
  return process.platform === 'linux' && fs.existsSync('/proc/thread-self') ? procThreads() : webLockThreads();
}
