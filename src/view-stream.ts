/**
 * ViewStream: sequential access to a view, with a position, as .NET's
 * `MemoryMappedViewStream`. The length is fixed (the view's size): writing
 * past the end fails with `ENOSPC` and writes nothing; seeking past the end is
 * allowed and reads there return 0; `setLength` is `EUNSUPPORTED`.
 *
 * Conversions: {@link ViewStream.toReadableStream} / {@link ViewStream.toWritableStream}
 * (web streams, everywhere) and {@link ViewStream.toNodeReadable} /
 * {@link ViewStream.toNodeWritable} (Node streams, on Node). They read and
 * write from the stream's current position and advance it; chunks handed out
 * are copies, so they stay valid after the view closes.
 *
 * @module
 */
import { bytesOf, viewParts } from './array-bytes.js';
import type { BackendView } from './backend.js';
import { windowOf, type ByteWindow } from './byte-window.js';
import type { NodeReadable, NodeWritable } from './platform-types.js';
import { disposeSymbol } from './dispose.js';
import { MemmapError, closedError, rangeError, typeError } from './errors.js';
import { accessCanRead, accessCanWrite, type MemoryMappedFileAccess, type SeekOrigin } from './types.js';
import { checkArraySpan } from './view-accessor.js';
import { checkFlushRange, checkIndex, checkOptions, checkSignedIndex, describe } from './validate.js';

/** Options of the stream conversions. */
export interface StreamConversionOptions {
  /** Bytes per chunk handed out by readable conversions (default 65536). */
  chunkSize?: number;
}

/** Node stream conversions, registered by the Node entry point (see node/streams.ts). */
export interface NodeStreamFactory {
  toReadable(stream: ViewStream, chunkSize: number): NodeReadable;
  toWritable(stream: ViewStream): NodeWritable;
}

let nodeStreams: NodeStreamFactory | undefined;

/** @internal Called once by the Node entry point. */
export function registerNodeStreams(factory: NodeStreamFactory): void {
  nodeStreams = factory;
}

function chunkSizeOf(options: StreamConversionOptions | undefined): number {
  const opts = checkOptions(options, 'options', ['chunkSize']);
  if (opts.chunkSize === undefined) return 65536;
  const n = checkIndex(opts.chunkSize, 'chunkSize');
  if (n === 0) throw rangeError('chunkSize must be at least 1');
  return n;
}

export class ViewStream {
  /** The view's offset in the map, in bytes. */
  readonly offset: number;
  /** offset modulo the allocation granularity. */
  readonly pointerOffset: number;
  /** The view's access. */
  readonly access: MemoryMappedFileAccess;
  readonly canRead: boolean;
  readonly canWrite: boolean;
  /** Always true: a view stream can seek anywhere at or after 0. */
  readonly canSeek = true;

  #view: BackendView;
  #window: ByteWindow;
  #length: number;
  #one = new Uint8Array(1);
  #position = 0;
  #closed = false;

  /** @internal Made by `MemoryMappedFile.createViewStream`. */
  constructor(view: BackendView, offset: number, access: MemoryMappedFileAccess) {
    this.#view = view;
    this.#window = windowOf(view);
    this.offset = offset;
    this.#length = view.size;
    this.pointerOffset = view.pointerOffset;
    this.access = access;
    this.canRead = accessCanRead(access);
    this.canWrite = accessCanWrite(access);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The stream's fixed length: the view's size in bytes. */
  get length(): number {
    if (this.#closed) throw closedError('view stream');
    return this.#length;
  }

  /** The current position; may be set anywhere at or after 0 (past the end too). */
  get position(): number {
    if (this.#closed) throw closedError('view stream');
    return this.#position;
  }

  set position(value: number) {
    const next = checkIndex(value, 'position');
    if (this.#closed) throw closedError('view stream');
    this.#position = next;
  }

  #checkRead(): void {
    if (this.#closed) throw closedError('view stream');
    if (!this.canRead) {
      throw new MemmapError('EACCES', `cannot read from a view stream opened with '${this.access}' access`);
    }
  }

  #checkWrite(): void {
    if (this.#closed) throw closedError('view stream');
    if (!this.canWrite) {
      throw new MemmapError('EACCES', `cannot write to a view stream opened with '${this.access}' access`);
    }
  }

  /**
   * Reads up to `count` bytes (default: to the buffer's end) into
   * `buffer[offset ..]`, advances the position and returns the number of
   * bytes read: 0 at or past the end. The arguments are checked before the
   * stream's state, as in .NET.
   */
  read(buffer: ArrayBufferView, offset = 0, count?: number): number {
    // Arguments first (reading them runs no user code), then the state, then the copy.
    const target = viewParts(buffer, 'buffer');
    const want = checkArraySpan(target.length, offset, count);
    this.#checkRead();
    const pos = this.#position;
    const n = pos >= this.#length ? 0 : Math.min(want, this.#length - pos);
    if (n > 0) {
      this.#window.read(pos, bytesOf(target, offset, n));
      this.#position = pos + n;
    }
    return n;
  }

  /** Reads one byte and advances, or returns -1 at or past the end. */
  readByte(): number {
    this.#checkRead();
    const pos = this.#position;
    if (pos >= this.#length) return -1;
    this.#window.read(pos, this.#one);
    this.#position = pos + 1;
    return this.#one[0] as number;
  }

  /**
   * Writes `count` bytes (default: to the buffer's end) of `buffer[offset ..]`
   * at the position and advances it. All or nothing: when they do not fit
   * before the end, nothing is written and `ENOSPC` is thrown. The arguments
   * are checked before the stream's state and access, as in .NET.
   */
  write(buffer: ArrayBufferView, offset = 0, count?: number): void {
    const source = viewParts(buffer, 'buffer');
    const n = checkArraySpan(source.length, offset, count);
    this.#checkWrite();
    const pos = this.#position;
    if (n === 0) return;
    if (pos + n > this.#length) {
      throw new MemmapError(
        'ENOSPC',
        `a view stream has a fixed length of ${this.#length} bytes: cannot write ${n} bytes at position ${pos}`,
      );
    }
    this.#window.write(pos, bytesOf(source, offset, n));
    this.#position = pos + n;
  }

  /** Writes one byte (its low 8 bits) and advances; `ENOSPC` at or past the end. */
  writeByte(value: number): void {
    // Checked, never converted (as typed writes): no valueOf of the caller's runs inside the call.
    if (typeof value !== 'number') throw typeError(`value must be a number, got ${describe(value)}`);
    this.#checkWrite();
    const pos = this.#position;
    if (pos >= this.#length) {
      throw new MemmapError('ENOSPC', `a view stream has a fixed length of ${this.#length} bytes`);
    }
    this.#one[0] = value;
    this.#window.write(pos, this.#one);
    this.#position = pos + 1;
  }

  /**
   * Moves the position to `offset` counted from `origin` and returns it.
   * A position before 0 is a RangeError (`ERANGE`); past the end is allowed.
   */
  seek(offset: number, origin: SeekOrigin = 'begin'): number {
    if (this.#closed) throw closedError('view stream');
    const delta = checkSignedIndex(offset, 'offset');
    let base: number;
    if (origin === 'begin') base = 0;
    else if (origin === 'current') base = this.#position;
    else if (origin === 'end') base = this.#length;
    else throw typeError(`origin must be 'begin', 'current' or 'end', got ${describe(origin)}`);
    const next = base + delta;
    if (next < 0) throw rangeError(`cannot seek to ${next}, before the beginning of the stream`);
    if (!Number.isSafeInteger(next)) throw rangeError(`cannot seek to ${next}: not a safe integer`);
    this.#position = next;
    return next;
  }

  /**
   * Always fails: a view stream's length is fixed (`EUNSUPPORTED`), as in
   * .NET; a bad `length` is an argument error first.
   */
  setLength(length: number): never {
    checkIndex(length, 'length');
    if (this.#closed) throw closedError('view stream');
    throw new MemmapError('EUNSUPPORTED', 'a view stream has a fixed length; map a larger view instead');
  }

  /**
   * Writes the stream's modified pages to the file and waits, as the
   * accessor's flush(): the whole stream, or the bytes [offset, offset +
   * length) from its start. Errors: `ERANGE`, `ECLOSED`, the system's.
   */
  flush(offset?: number, length?: number): void {
    const [off, len] = checkFlushRange(offset, length, this.#view.size, 'stream');
    if (this.#closed) throw closedError('view stream');
    this.#view.flush(off, len);
  }

  /** flush() without blocking the event loop, as the accessor's flushAsync(). */
  async flushAsync(offset?: number, length?: number): Promise<void> {
    const [off, len] = checkFlushRange(offset, length, this.#view.size, 'stream');
    if (this.#closed) throw closedError('view stream');
    return this.#view.flushAsync(off, len);
  }

  /** A web ReadableStream of the bytes from the position to the end (copies). */
  toReadableStream(options?: StreamConversionOptions): ReadableStream<Uint8Array> {
    const chunkSize = chunkSizeOf(options);
    this.#checkRead();
    return new ReadableStream<Uint8Array>({
      pull: (controller) => {
        const chunk = new Uint8Array(Math.max(0, Math.min(chunkSize, this.#length - this.#position)));
        const n = chunk.length === 0 ? 0 : this.read(chunk);
        if (n === 0) controller.close();
        else controller.enqueue(chunk);
      },
    });
  }

  /** A web WritableStream that writes each chunk at the position (`ENOSPC` past the end). */
  toWritableStream(): WritableStream<ArrayBufferView> {
    this.#checkWrite();
    return new WritableStream<ArrayBufferView>({
      write: (chunk) => {
        this.write(chunk);
      },
    });
  }

  /** A Node Readable of the bytes from the position to the end (Node only; copies). */
  toNodeReadable(options?: StreamConversionOptions): NodeReadable {
    const chunkSize = chunkSizeOf(options);
    this.#checkRead();
    if (!nodeStreams) throw new MemmapError('EUNSUPPORTED', 'Node streams exist only on Node; use toReadableStream()');
    return nodeStreams.toReadable(this, chunkSize);
  }

  /** A Node Writable that writes each chunk at the position (Node only). */
  toNodeWritable(): NodeWritable {
    this.#checkWrite();
    if (!nodeStreams) throw new MemmapError('EUNSUPPORTED', 'Node streams exist only on Node; use toWritableStream()');
    return nodeStreams.toWritable(this);
  }

  /** Unmaps the view. Closing twice is harmless. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#view.close();
  }

  [disposeSymbol](): void {
    this.close();
  }
}
