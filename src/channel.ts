/**
 * Channel: a bounded ring of variable-size messages in a named map, between
 * processes (native) or threads (wasm: worker_threads, a page and its
 * workers). A message is written once into the map by its sender and read
 * in place by its receiver: `receiveInPlace` lends it without a copy.
 *
 *   map:     [ header (512 bytes) | ring (capacity bytes) ]
 *   header:  +0 magic, +4 version, +8 capacity, +12 flags (1: many senders)
 *            +64  head    (the sender's cursor)    +68  receivers sleeping
 *            +128 tail    (the receiver's cursor)  +132 senders sleeping
 *            +192 sender   id, token, state        (state 0: none,
 *            +208 receiver id, token, state         1: attached, 2: closed)
 *            +256 the senders' MapMutex (many senders)
 *   record:  [ int32 length | payload | padding to 8 ]; length -1 marks the
 *            ring's end (the next record starts at 0): records never wrap,
 *            so every message is one contiguous span of the map.
 *
 * Cursors count bytes modulo 2 × capacity (so that full and empty differ);
 * the ring index is the cursor modulo capacity. The sender writes a record,
 * then publishes it by storing the head (Atomics: the receiver sees the
 * whole record or nothing, never a torn one); the receiver reads it, then
 * frees it by storing the tail. Each side sleeps on the other's cursor
 * (ViewAccessor.wait: a futex between processes) after counting itself in
 * its "sleeping" word, and the other side notifies only when that count is
 * not 0, so a busy channel makes no system calls.
 *
 * Peers: the first send claims the sender's place, the first receive the
 * receiver's, recording the thread (src/threads.ts). A sleeper wakes up
 * every SLICE_MS to see whether its peer still runs: a receiver whose
 * sender died gets the messages the sender completed, then ECONNRESET; a
 * sender whose receiver died gets ECONNRESET when the ring is full. A peer
 * that closes ends the stream (receive returns null once the ring is
 * drained) or refuses sends (EPIPE).
 *
 * Many senders (`senders: 'many'` at create): sends take the MapMutex in the
 * header, so messages from several threads and processes interleave whole.
 * A sender that dies inside loses only its unpublished message (the next
 * sender's lock says ownerDied, and writes over it). The senders then have
 * no single place: their deaths and closes are not reported to the
 * receiver, whose stream ends only when it closes.
 *
 * @module
 */
import { disposeSymbol } from './dispose.js';
import { MemmapError, closedError, rangeError, typeError } from './errors.js';
import { MapMutex } from './map-mutex.js';
import type { NodeReadable, NodeWritable } from './platform-types.js';
import { MemoryMappedFile } from './memory-mapped-file.js';
import type { BackendName } from './backend.js';
import { drive, driveAsync, type Steps } from './steps.js';
import type { Threads } from './threads.js';
import { checkBlocking, checkTimeout, type ViewWaiter } from './wait.js';
import { checkIndex, checkMapName, checkOptions, describe } from './validate.js';
import { ViewAccessor } from './view-accessor.js';

const MAGIC = 0x48434d4d; // "MMCH"
const VERSION = 1;
const HEADER = 512;
const MANY_SENDERS = 1;
// Int32 cells of the header.
const C_MAGIC = 0;
const C_VERSION = 1;
const C_CAPACITY = 2;
const C_FLAGS = 3;
const C_HEAD = 16;
const C_RECEIVER_SLEEPS = 17;
const C_TAIL = 32;
const C_SENDER_SLEEPS = 33;
const C_SENDER = 48; // id, token, state
const C_RECEIVER = 52;
const MUTEX_AT = 256;
const ATTACHED = 1;
const CLOSED = 2;
const END_MARK = -1;
/** How long a sleeper sleeps before it looks whether its peer still runs. */
const SLICE_MS = 50;
/** The smallest and largest ring. */
const MIN_CAPACITY = 16;
const MAX_CAPACITY = 2 ** 30;
/** How long open() waits for a creator that has not finished writing the header. */
const OPEN_WAIT_MS = 1000;

/** Options of Channel.create and Channel.open. */
export interface ChannelOptions {
  /** Which backend holds the channel's map (default: as for MemoryMappedFile). */
  backend?: BackendName;
  /**
   * How many times send and receive look again before they sleep (default
   * 200): spinning trades CPU for latency (a few µs instead of a futex
   * wake-up's tens). 0 sleeps at once.
   */
  spin?: number;
}

/** Options of Channel.create. */
export interface ChannelCreateOptions extends ChannelOptions {
  /** 'one' (default): one sender at a time. 'many': any number of senders (a lock per send). */
  senders?: 'one' | 'many';
}

/** A message lent in place by Channel.receiveInPlace: its bytes are the map's until release(). */
export interface InPlaceMessage {
  /** The message, zero-copy: valid until release(); the sender may overwrite it after. */
  readonly bytes: Uint8Array;
  /** Gives the message's space back to the sender. Releasing twice is harmless. */
  release(): void;
  [Symbol.dispose](): void;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

function checkMessage(bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && bytes instanceof SharedArrayBuffer)) {
    return new Uint8Array(bytes);
  }
  throw typeError(`a message must be a typed array, DataView or ArrayBuffer, got ${describe(bytes)}`);
}

function checkSpin(value: unknown): number {
  if (value === undefined) return 200;
  return checkIndex(value, 'spin');
}

/** A message lent by receiveInPlace (one object per message; the channel frees its bytes on release). */
class Lent implements InPlaceMessage {
  readonly bytes: Uint8Array;
  #release: (() => void) | null;

  constructor(bytes: Uint8Array, release: () => void) {
    this.bytes = bytes;
    this.#release = release;
  }

  release(): void {
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  [disposeSymbol](): void {
    this.release();
  }
}

/** A bounded channel of messages over a named map (see the module comment). */
export class Channel {
  /** The channel's name (its map's name). */
  readonly name: string;
  /** The ring's size in bytes. */
  readonly capacity: number;
  /** The largest message: capacity - 4 bytes (a record is a 4-byte length and the message). */
  readonly maxMessageSize: number;
  /** 'one' or 'many' senders, as the creator chose. */
  readonly senders: 'one' | 'many';

  readonly #map: MemoryMappedFile;
  readonly #view: ViewAccessor;
  readonly #waiter: ViewWaiter;
  readonly #threads: Threads;
  readonly #cells: Int32Array;
  readonly #ring: Uint8Array;
  readonly #ringView: DataView;
  readonly #spin: number;
  readonly #mutex: MapMutex | null;
  #role = { sender: false, receiver: false };
  #closed = false;
  /** The receiver's cursor (this side owns it) and what it last saw of the head. */
  #tail = 0;
  #headSeen = 0;
  /** What the sender last saw of the receiver's tail. */
  #tailSeen = 0;
  /** A message lent by receiveInPlace: the tail after it, or -1. */
  #lentTail = -1;
  /** The peer died: every call after says so. */
  #reset: MemmapError | null = null;

  private constructor(name: string, map: MemoryMappedFile, view: ViewAccessor, spin: number) {
    const waiter = ViewAccessor.waiterOf(view) as ViewWaiter;
    const bytes = view.bytes;
    this.name = name;
    this.#map = map;
    this.#view = view;
    this.#waiter = waiter;
    this.#threads = waiter.threads;
    this.#cells = new Int32Array(bytes.buffer, bytes.byteOffset, HEADER / 4);
    this.capacity = Atomics.load(this.#cells, C_CAPACITY);
    this.maxMessageSize = this.capacity - 4;
    this.senders = Atomics.load(this.#cells, C_FLAGS) & MANY_SENDERS ? 'many' : 'one';
    this.#ring = new Uint8Array(bytes.buffer, bytes.byteOffset + HEADER, this.capacity);
    this.#ringView = new DataView(bytes.buffer, bytes.byteOffset + HEADER, this.capacity);
    this.#spin = spin;
    this.#mutex = this.senders === 'many' ? new MapMutex(view, MUTEX_AT) : null;
  }

  /**
   * Creates the channel `name`: a named map of 512 + capacityBytes bytes
   * (capacityBytes from 16 to 2^30, rounded up to a multiple of 8).
   * Errors: `TypeError`/`RangeError` (arguments), `EEXIST` (a live map has
   * the name), `ENOSPC`, `EUNSUPPORTED` (no shared maps on this backend).
   */
  static create(name: string, capacityBytes: number, options?: ChannelCreateOptions): Channel {
    const mapName = checkMapName(name);
    let capacity = checkIndex(capacityBytes, 'capacityBytes');
    if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
      throw rangeError(`capacityBytes must be from ${MIN_CAPACITY} to ${MAX_CAPACITY}, got ${capacity}`);
    }
    capacity = align8(capacity);
    const opts = checkOptions(options, 'options', ['backend', 'spin', 'senders']);
    const spin = checkSpin(opts.spin);
    if (opts.senders !== undefined && opts.senders !== 'one' && opts.senders !== 'many') {
      throw typeError(`senders must be 'one' or 'many', got ${describe(opts.senders)}`);
    }
    const map = MemoryMappedFile.createNewSync(mapName, HEADER + capacity, { backend: opts.backend as BackendName | undefined });
    try {
      const view = Channel.#openView(map);
      const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, HEADER / 4);
      Atomics.store(cells, C_CAPACITY, capacity);
      Atomics.store(cells, C_FLAGS, opts.senders === 'many' ? MANY_SENDERS : 0);
      Atomics.store(cells, C_VERSION, VERSION);
      Atomics.store(cells, C_MAGIC, MAGIC); // last: an opener that sees it sees the rest
      return new Channel(mapName, map, view, spin);
    } catch (err) {
      map.close();
      throw err;
    }
  }

  /**
   * Opens the live channel `name`. Errors: `ENOENT` (no such map), `EINVAL`
   * (the map is not a channel), and those of MemoryMappedFile.openExisting.
   */
  static open(name: string, options?: ChannelOptions): Channel {
    const mapName = checkMapName(name);
    const opts = checkOptions(options, 'options', ['backend', 'spin']);
    const spin = checkSpin(opts.spin);
    const map = MemoryMappedFile.openExistingSync(mapName, { backend: opts.backend as BackendName | undefined });
    try {
      if (map.capacity < HEADER + MIN_CAPACITY) throw new MemmapError('EINVAL', `the map '${mapName}' is not a channel`);
      const view = Channel.#openView(map);
      const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, HEADER / 4);
      const deadline = performance.now() + OPEN_WAIT_MS;
      while (Atomics.load(cells, C_MAGIC) !== MAGIC) {
        // A creator is writing the header (microseconds), or this map is something else.
        if (Atomics.load(cells, C_MAGIC) !== 0 || performance.now() > deadline) {
          throw new MemmapError('EINVAL', `the map '${mapName}' is not a channel`);
        }
      }
      const capacity = Atomics.load(cells, C_CAPACITY);
      if (Atomics.load(cells, C_VERSION) !== VERSION || capacity < MIN_CAPACITY || HEADER + capacity > map.capacity) {
        throw new MemmapError('EINVAL', `the map '${mapName}' is not a channel of this version`);
      }
      return new Channel(mapName, map, view, spin);
    } catch (err) {
      map.close();
      throw err;
    }
  }

  static #openView(map: MemoryMappedFile): ViewAccessor {
    const view = map.createViewAccessorSync();
    if (!ViewAccessor.waiterOf(view)) {
      view.close();
      throw new MemmapError('EUNSUPPORTED', 'this backend cannot wait on the channel map');
    }
    return view;
  }

  /** Whether close() has run. */
  get closed(): boolean {
    return this.#closed;
  }

  // ---- peers ----

  #check(): void {
    if (this.#closed) throw closedError('channel');
    if (this.#reset) throw this.#reset;
  }

  /** Claims the place `at` (C_SENDER or C_RECEIVER) for this thread, once. */
  #claim(at: number, what: 'sender' | 'receiver'): void {
    const me = this.#threads.self();
    for (;;) {
      const id = Atomics.load(this.#cells, at);
      const state = Atomics.load(this.#cells, at + 2);
      if (state === CLOSED) throw new MemmapError('EPIPE', `the channel's ${what} has closed`);
      if (id === 0 || id === me.id) {
        if (Atomics.compareExchange(this.#cells, at, id, me.id) !== id) continue;
      } else if (this.#threads.alive(id, Atomics.load(this.#cells, at + 1)) === false) {
        if (Atomics.compareExchange(this.#cells, at, id, me.id) !== id) continue; // a dead one's place
      } else {
        throw new MemmapError(
          'EBUSY',
          `the channel has a ${what} already (another thread or process)` +
            (what === 'sender' ? "; create it with { senders: 'many' } for several" : ''),
        );
      }
      Atomics.store(this.#cells, at + 1, me.token);
      Atomics.store(this.#cells, at + 2, ATTACHED);
      return;
    }
  }

  #asSender(): void {
    if (this.#role.sender) return;
    if (this.#mutex === null) this.#claim(C_SENDER, 'sender');
    this.#tailSeen = Atomics.load(this.#cells, C_TAIL);
    this.#role.sender = true;
  }

  #asReceiver(): void {
    if (this.#role.receiver) return;
    this.#claim(C_RECEIVER, 'receiver');
    this.#tail = Atomics.load(this.#cells, C_TAIL);
    this.#headSeen = this.#tail;
    this.#role.receiver = true;
  }

  /** The peer recorded at `at`: its thread, and its state (0: not there yet, ATTACHED, CLOSED). */
  #peer(at: number): { id: number; token: number; state: number } {
    return {
      id: Atomics.load(this.#cells, at),
      token: Atomics.load(this.#cells, at + 1),
      state: Atomics.load(this.#cells, at + 2),
    };
  }

  #died(what: string): MemmapError {
    this.#reset = new MemmapError('ECONNRESET', `the channel's ${what} died`);
    return this.#reset;
  }

  // ---- sending ----

  /** Cursor arithmetic modulo 2 × capacity. */
  #advance(cursor: number, by: number): number {
    const next = cursor + by;
    return next >= 2 * this.capacity ? next - 2 * this.capacity : next;
  }

  #index(cursor: number): number {
    return cursor >= this.capacity ? cursor - this.capacity : cursor;
  }

  /** The free bytes of the ring between the head and a tail. */
  #free(head: number, tail: number): number {
    return this.capacity - (head >= tail ? head - tail : head + 2 * this.capacity - tail);
  }

  /**
   * Writes `message` if the ring has room; false when it is full. The
   * caller is the sender (and holds the senders' lock with many senders).
   */
  #write(message: Uint8Array): boolean {
    const record = align8(4 + message.length);
    const head = Atomics.load(this.#cells, C_HEAD);
    const at = this.#index(head);
    const room = this.capacity - at;
    // The one sender reads the receiver's tail again only when what it last saw of it leaves no
    // room (the tail moves with every message: reading it each time would cost a cache miss each
    // time). That stays exact because its head is never more than a ring ahead of what it saw.
    // Many senders move the head for each other, so they read the tail each time.
    if (this.#mutex !== null || this.#free(head, this.#tailSeen) < Math.min(record, room)) {
      this.#tailSeen = Atomics.load(this.#cells, C_TAIL);
    }
    const free = this.#free(head, this.#tailSeen);
    if (record > room) {
      // The record does not fit before the ring's end: mark the end, publish the mark (the
      // receiver skips it and frees its bytes), and write at 0 once there is room there.
      if (free < room) return false;
      this.#ringView.setInt32(at, END_MARK, true);
      this.#publish(this.#advance(head, room));
      return false;
    }
    if (free < record) return false;
    this.#ringView.setInt32(at, message.length, true);
    this.#ring.set(message, at + 4);
    this.#publish(this.#advance(head, record));
    return true;
  }

  /** Stores the head, waking a sleeping receiver. */
  #publish(head: number): void {
    Atomics.store(this.#cells, C_HEAD, head);
    if (Atomics.load(this.#cells, C_RECEIVER_SLEEPS) > 0) this.#waiter.notify(C_HEAD * 4, 1);
  }

  #checkSend(bytes: unknown): Uint8Array {
    const message = checkMessage(bytes);
    if (message.length > this.maxMessageSize) {
      throw rangeError(`a message of ${message.length} bytes does not fit the channel (at most ${this.maxMessageSize})`);
    }
    return message;
  }

  /** Refuses sends to a receiver that closed. */
  #receiverOpen(): void {
    if (Atomics.load(this.#cells, C_RECEIVER + 2) === CLOSED) {
      throw new MemmapError('EPIPE', "the channel's receiver has closed");
    }
  }

  /**
   * Writes `message` if there is room (or publishes a ring-end mark and then
   * writes at the ring's start). With many senders the senders' lock is held
   * for the write only, never while waiting for room: a thread with several
   * sends in flight (sendAsync) never waits for itself.
   */
  *#writeLocked(message: Uint8Array, left: number): Steps<boolean> {
    if (this.#mutex === null) return this.#write(message) || this.#write(message);
    const guard = yield* MapMutex.lockSteps(this.#mutex, left);
    try {
      return this.#write(message) || this.#write(message);
    } finally {
      guard[disposeSymbol]();
    }
  }

  /** The sending loop of send() and sendAsync(): waits for room while the ring is full. */
  *#send(message: Uint8Array, timeout: number): Steps<void> {
    const deadline = performance.now() + timeout;
    for (;;) {
      this.#check();
      this.#receiverOpen();
      if (yield* this.#writeLocked(message, Math.max(0, deadline - performance.now()))) return;
      const tail = Atomics.load(this.#cells, C_TAIL);
      let moved = false;
      for (let i = 0; i < this.#spin && !moved; i++) moved = Atomics.load(this.#cells, C_TAIL) !== tail;
      if (moved) continue;
      const left = deadline - performance.now();
      if (left <= 0) throw new MemmapError('ETIMEDOUT', `the channel stayed full for ${timeout} ms`);
      Atomics.add(this.#cells, C_SENDER_SLEEPS, 1);
      let result: unknown = 'not-equal';
      try {
        if (Atomics.load(this.#cells, C_TAIL) === tail) {
          result = yield { position: C_TAIL * 4, value: tail, ms: Math.min(SLICE_MS, left) };
        }
      } finally {
        if (!this.#closed) Atomics.sub(this.#cells, C_SENDER_SLEEPS, 1);
      }
      if (result !== 'timed-out') continue;
      const peer = this.#peer(C_RECEIVER);
      if (peer.state === ATTACHED && (yield { owner: peer.id, token: peer.token }) === false) {
        throw this.#died('receiver');
      }
    }
  }

  /**
   * Sends one message (a copy of `bytes` into the ring), waiting while the
   * ring is full for at most `timeoutMs` (default: no limit). Errors:
   * `TypeError` (not bytes), `ERANGE` (larger than maxMessageSize; timeout
   * negative or NaN), `ECLOSED`, `EBUSY` (the channel has another sender:
   * see `senders`), `EPIPE` (the receiver closed), `ECONNRESET` (the
   * receiver died), `ETIMEDOUT`, `EUNSUPPORTED` (a thread that may not
   * block: use sendAsync).
   */
  send(bytes: ArrayBufferView | ArrayBuffer, timeoutMs?: number): void {
    const message = this.#checkSend(bytes);
    const timeout = checkTimeout(timeoutMs);
    this.#check();
    checkBlocking(this.#waiter);
    this.#asSender();
    if (this.#mutex === null) {
      // The common case without a generator: room now.
      this.#receiverOpen();
      if (this.#write(message)) return;
    }
    drive(this.#send(message, timeout), this.#waiter);
  }

  /** send() without blocking the thread. Errors as send(), as rejections. */
  async sendAsync(bytes: ArrayBufferView | ArrayBuffer, timeoutMs?: number): Promise<void> {
    const message = this.#checkSend(bytes);
    const timeout = checkTimeout(timeoutMs);
    this.#check();
    this.#asSender();
    if (this.#mutex === null) {
      this.#receiverOpen();
      if (this.#write(message)) return;
    }
    return driveAsync(this.#send(message, timeout), this.#waiter);
  }

  /**
   * Sends one message if the ring has room now: true, or false when it is
   * full (nothing is overwritten). Errors as send(), but never ETIMEDOUT.
   */
  trySend(bytes: ArrayBufferView | ArrayBuffer): boolean {
    const message = this.#checkSend(bytes);
    this.#check();
    this.#asSender();
    this.#receiverOpen();
    const guard = this.#mutex?.tryLock();
    if (guard === null) return false;
    try {
      return this.#write(message) || this.#write(message);
    } finally {
      guard?.[disposeSymbol]();
    }
  }

  // ---- receiving ----

  /**
   * The next record's place, or -1 when the ring is empty: [payload index, length]
   * in #next. Skips end marks.
   */
  #peek(): number {
    for (;;) {
      if (this.#headSeen === this.#tail) {
        this.#headSeen = Atomics.load(this.#cells, C_HEAD);
        if (this.#headSeen === this.#tail) return -1;
      }
      const at = this.#index(this.#tail);
      if (this.#ringView.getInt32(at, true) !== END_MARK) return at;
      this.#consume(this.#advance(this.#tail, this.capacity - at));
    }
  }

  /** Frees the ring up to the receiver's cursor, waking a sleeping sender. */
  #consume(tail: number): void {
    this.#tail = tail;
    Atomics.store(this.#cells, C_TAIL, tail);
    if (Atomics.load(this.#cells, C_SENDER_SLEEPS) > 0) this.#waiter.notify(C_TAIL * 4, Infinity);
  }

  /** The next message's index after looking up to `spin` times (-1: none yet). */
  #spinning(): number {
    let at = this.#peek();
    for (let i = 0; i < this.#spin && at < 0; i++) at = this.#peek();
    return at;
  }

  /** The receiving loop: the index of the next message, or -1 at the end of the stream. */
  *#receive(timeout: number): Steps<number> {
    const deadline = performance.now() + timeout;
    for (;;) {
      this.#check();
      let at = this.#spinning();
      if (at >= 0) return at;
      const sender = this.#peer(C_SENDER);
      if (sender.state === CLOSED) {
        at = this.#peek(); // the last messages were published before the close
        return at;
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new MemmapError('ETIMEDOUT', `no message came within ${timeout} ms`);
      Atomics.add(this.#cells, C_RECEIVER_SLEEPS, 1);
      let result: unknown = 'not-equal';
      try {
        if (Atomics.load(this.#cells, C_HEAD) === this.#tail) {
          result = yield { position: C_HEAD * 4, value: this.#tail, ms: Math.min(SLICE_MS, left) };
        }
      } finally {
        if (!this.#closed) Atomics.sub(this.#cells, C_RECEIVER_SLEEPS, 1);
      }
      if (result !== 'timed-out' || this.senders === 'many') continue;
      if (sender.state === ATTACHED && (yield { owner: sender.id, token: sender.token }) === false) {
        if (this.#peek() >= 0) continue; // deliver what it completed first
        throw this.#died('sender');
      }
    }
  }

  #checkReceive(timeoutMs: unknown): number {
    const timeout = checkTimeout(timeoutMs);
    this.#check();
    if (this.#lentTail >= 0) throw new MemmapError('EBUSY', 'a message lent by receiveInPlace is not released yet');
    this.#asReceiver();
    return timeout;
  }

  /** A copy of the message at `at`, freeing its space. */
  #take(at: number): Uint8Array | null {
    if (at < 0) return null;
    const length = this.#ringView.getInt32(at, true);
    const message = this.#ring.slice(at + 4, at + 4 + length);
    this.#consume(this.#advance(this.#tail, align8(4 + length)));
    return message;
  }

  /** The message at `at`, lent in place until released. */
  #lend(at: number): InPlaceMessage | null {
    if (at < 0) return null;
    const length = this.#ringView.getInt32(at, true);
    this.#lentTail = this.#advance(this.#tail, align8(4 + length));
    return new Lent(this.#ring.subarray(at + 4, at + 4 + length), this.#giveBack);
  }

  /** Gives a lent message's bytes back (once, and only while the channel is open). */
  readonly #giveBack = (): void => {
    const after = this.#lentTail;
    this.#lentTail = -1;
    if (after >= 0 && !this.#closed) this.#consume(after);
  };

  /**
   * Receives the next message (a copy), waiting for at most `timeoutMs`
   * (default: no limit); null once the sender closed and every message was
   * received. Errors: `ERANGE` (timeout), `ECLOSED`, `EBUSY` (another
   * receiver; a message lent and not released), `ECONNRESET` (the sender
   * died: the messages it completed come first), `ETIMEDOUT`,
   * `EUNSUPPORTED` (a thread that may not block: use receiveAsync).
   */
  receive(timeoutMs?: number): Uint8Array | null {
    return this.#take(this.#next(timeoutMs));
  }

  /** receive() without blocking the thread. Errors as receive(), as rejections. */
  async receiveAsync(timeoutMs?: number): Promise<Uint8Array | null> {
    return this.#take(await this.#nextAsync(timeoutMs));
  }

  /** The next message if one is there now (a copy), else undefined; null at the end of the stream. */
  tryReceive(): Uint8Array | null | undefined {
    this.#checkReceive(undefined);
    const at = this.#peek();
    if (at >= 0) return this.#take(at);
    return Atomics.load(this.#cells, C_SENDER + 2) === CLOSED ? this.#take(this.#peek()) : undefined;
  }

  /**
   * receive() without a copy: the message is lent in place (its bytes are
   * the map's) until release() (or disposal), and the next receive waits
   * for that. Errors as receive().
   */
  receiveInPlace(timeoutMs?: number): InPlaceMessage | null {
    return this.#lend(this.#next(timeoutMs));
  }

  /** receiveInPlace() without blocking the thread. */
  async receiveInPlaceAsync(timeoutMs?: number): Promise<InPlaceMessage | null> {
    return this.#lend(await this.#nextAsync(timeoutMs));
  }

  /** The next message's index, blocking while there is none (-1: the end of the stream). */
  #next(timeoutMs: unknown): number {
    const timeout = this.#checkReceive(timeoutMs);
    checkBlocking(this.#waiter);
    const at = this.#spinning();
    return at >= 0 ? at : drive(this.#receive(timeout), this.#waiter);
  }

  /** #next without blocking the thread. */
  async #nextAsync(timeoutMs: unknown): Promise<number> {
    const timeout = this.#checkReceive(timeoutMs);
    const at = this.#spinning();
    return at >= 0 ? at : driveAsync(this.#receive(timeout), this.#waiter);
  }

  /** The messages (copies) until the end of the stream: `for await (const m of channel)`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      const message = await this.receiveAsync();
      if (message === null) return;
      yield message;
    }
  }

  // ---- streams ----

  /** A web ReadableStream of the messages (one chunk each), ending with the stream. */
  toReadableStream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const message = await this.receiveAsync();
        if (message === null) controller.close();
        else controller.enqueue(message);
      },
    });
  }

  /** A web WritableStream that sends each chunk as one message; closing it closes the channel. */
  toWritableStream(): WritableStream<ArrayBufferView | ArrayBuffer> {
    return new WritableStream<ArrayBufferView | ArrayBuffer>({
      write: (chunk) => this.sendAsync(chunk),
      close: () => this.close(),
    });
  }

  /** A Node Readable of the messages (one Buffer each; Node only). */
  toNodeReadable(): NodeReadable {
    if (!nodeStreams) throw new MemmapError('EUNSUPPORTED', 'Node streams exist only on Node; use toReadableStream()');
    return nodeStreams.toReadable(this);
  }

  /** A Node Writable that sends each chunk as one message; ending it closes the channel (Node only). */
  toNodeWritable(): NodeWritable {
    if (!nodeStreams) throw new MemmapError('EUNSUPPORTED', 'Node streams exist only on Node; use toWritableStream()');
    return nodeStreams.toWritable(this);
  }

  /**
   * Leaves the channel: a sender's close ends the receiver's stream (after
   * the messages already sent), a receiver's makes sends fail with EPIPE;
   * a peer sleeping in a call wakes up and sees it. The map goes when its
   * last holder closes. Closing twice is harmless.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const me = this.#threads.self();
    if (this.#role.sender && this.#mutex === null && Atomics.load(this.#cells, C_SENDER) === me.id) {
      Atomics.store(this.#cells, C_SENDER + 2, CLOSED);
      this.#waiter.notify(C_HEAD * 4, Infinity);
    }
    if (this.#role.receiver && Atomics.load(this.#cells, C_RECEIVER) === me.id) {
      Atomics.store(this.#cells, C_RECEIVER + 2, CLOSED);
      this.#waiter.notify(C_TAIL * 4, Infinity);
    }
    this.#view.close();
    this.#map.close();
  }

  [disposeSymbol](): void {
    this.close();
  }
}

/** Node stream conversions, registered by the Node entry (channel-streams.ts) so that browsers never load node:stream. */
export interface ChannelStreamFactory {
  toReadable(channel: Channel): NodeReadable;
  toWritable(channel: Channel): NodeWritable;
}

let nodeStreams: ChannelStreamFactory | undefined;

/** @internal Called by the Node entry point. */
export function registerChannelStreams(factory: ChannelStreamFactory): void {
  nodeStreams = factory;
}
