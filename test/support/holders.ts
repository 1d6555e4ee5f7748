/** The parent's side of support/holder.ts: fork holders, talk to them, kill them all in afterEach. */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The holder: its TypeScript source, run with tsx; or, next to suites bundled
 * for a Node without tsx (Windows under wine, test/30-windows.test.ts), its bundle.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const script = fs.existsSync(path.join(here, 'holder.ts')) ? path.join(here, 'holder.ts') : path.join(here, 'support/holder.mjs');
const execArgv = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
const live = new Set<ChildProcess>();

export interface Reply {
  ok: boolean;
  value?: unknown;
  code?: string;
  message?: string;
}

export class Holder {
  readonly child: ChildProcess;
  #replies: Reply[] = [];
  #waiters: ((r: Reply) => void)[] = [];

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (r: Reply) => {
      const w = this.#waiters.shift();
      if (w) w(r);
      else this.#replies.push(r);
    });
  }

  static async start(): Promise<Holder> {
    const child = fork(script, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    live.add(child);
    child.on('exit', () => live.delete(child));
    const h = new Holder(child);
    await h.#next();
    return h;
  }

  #next(): Promise<Reply> {
    const r = this.#replies.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      this.#waiters.push(resolve);
      this.child.once('exit', (code, signal) => reject(new Error(`holder exited (${code ?? signal})`)));
    });
  }

  /** Sends a command; resolves with the reply (errors are replies with ok: false). */
  async send(msg: Record<string, unknown>): Promise<Reply> {
    this.child.send(msg);
    return this.#next();
  }

  /** Sends a command that must succeed; resolves with its value. */
  async do(msg: Record<string, unknown>): Promise<unknown> {
    const r = await this.send(msg);
    if (!r.ok) throw new Error(`${msg.op} failed: ${r.code} ${r.message}`);
    return r.value;
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await gone;
  }
}

/** Kills every holder still alive (use in afterEach, so a failed test leaves none behind). */
export async function killAllHolders(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
