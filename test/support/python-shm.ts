/** The parent's side of support/python-shm.py: another program's shared memory, in Python. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python-shm.py');
const live = new Set<PythonShm>();

export class PythonShm {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #replies: ((line: string) => void)[] = [];

  /** Starts python3 with the driver, as `uid`/`gid` when given (root only). */
  constructor(user?: { uid: number; gid: number }) {
    this.#child = spawn('python3', [script], { stdio: 'pipe', ...(user ?? {}) });
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#replies.shift()?.(line));
    live.add(this);
  }

  /** Sends one command; resolves with its reply, rejects when Python reports an error. */
  async do(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    const line = await new Promise<string>((resolve) => {
      this.#replies.push(resolve);
      this.#child.stdin.write(JSON.stringify(msg) + '\n');
    });
    const reply = JSON.parse(line) as Record<string, unknown>;
    if (!reply.ok) throw new Error(`python: ${reply.error as string}`);
    return reply;
  }

  /** Ends Python (its objects stay unless it unlinked them). */
  async exit(): Promise<void> {
    live.delete(this);
    this.#child.stdin.end();
    if (this.#child.exitCode === null) await new Promise((resolve) => this.#child.once('exit', resolve));
  }
}

/** Ends every Python driver still running (afterEach). */
export async function exitAllPython(): Promise<void> {
  await Promise.all([...live].map((p) => p.exit()));
}
