/**
 * A FileHost that wraps another one and throws on command: the JS side of
 * fault injection for the WASM core (core/storage_fault.h is the C side).
 * Arm an operation to fail its Nth call from now, once or from then on, with
 * a given error; every call is counted.
 */
import type { FileHost, FileOpenFlags } from '../../wasm/file-host.js';

export type HostOp = 'open' | 'size' | 'resize' | 'read' | 'write' | 'sync';

interface Fault {
  countdown: number;
  persistent: boolean;
  error: () => Error;
}

export class FaultyHost implements FileHost {
  readonly calls: Record<HostOp, number> = { open: 0, size: 0, resize: 0, read: 0, write: 0, sync: 0 };
  readonly #inner: FileHost;
  readonly #faults = new Map<HostOp, Fault>();

  constructor(inner: FileHost) {
    this.#inner = inner;
  }

  /** The nth call of `op` from now (1 = the next) throws error(); with persistent, every later one too. */
  arm(op: HostOp, nth: number, error: () => Error, persistent = false): void {
    this.#faults.set(op, { countdown: nth, persistent, error });
  }

  disarm(op: HostOp): void {
    this.#faults.delete(op);
  }

  #enter(op: HostOp): void {
    this.calls[op]++;
    const fault = this.#faults.get(op);
    if (fault === undefined) return;
    if (fault.countdown > 1) {
      fault.countdown--;
      return;
    }
    if (!fault.persistent) this.#faults.delete(op);
    throw fault.error();
  }

  open(path: string, flags: FileOpenFlags): number {
    this.#enter('open');
    return this.#inner.open(path, flags);
  }

  kind(id: number): 'file' | 'directory' | 'other' {
    return this.#inner.kind(id);
  }

  identity(id: number): string {
    return this.#inner.identity(id);
  }

  size(id: number): number {
    this.#enter('size');
    return this.#inner.size(id);
  }

  resize(id: number, size: number): void {
    this.#enter('resize');
    this.#inner.resize(id, size);
  }

  close(id: number): void {
    this.#inner.close(id);
  }

  unlink(path: string): void {
    this.#inner.unlink(path);
  }

  read(id: number, dst: Uint8Array, offset: number): number {
    this.#enter('read');
    return this.#inner.read(id, dst, offset);
  }

  write(id: number, src: Uint8Array, offset: number): void {
    this.#enter('write');
    this.#inner.write(id, src, offset);
  }

  sync(id: number): void {
    this.#enter('sync');
    this.#inner.sync(id);
  }
}
