/**
 * The demo's dedicated worker (demo/demo.ts starts it). Two jobs, one per
 * message:
 *
 *   { job: 'file', sizeMiB, cacheMiB, pageSize, seconds, hotPercent, keep }
 *       maps a large OPFS file (persisted maps need a worker: only workers
 *       have FileSystemSyncAccessHandle), fills it through a view stream,
 *       then does random reads and writes through a view accessor for
 *       `seconds`, posting progress as it goes.
 *   { job: 'count', arena, name, index }
 *       opens the page's named map through the shared arena and increments
 *       counters in it until the page says stop.
 *
 * Cache figures come from map.cacheStats(): page loads are its storage
 * reads, write-backs its storage writes. During the random phase every
 * operation touches one page, so hits = operations − page loads. The fill
 * loads no page: a stream that writes whole pages does not read them first.
 */
// The real bundle, as a browser loads it (tsconfig maps this path to browser/index.ts for types).
import * as mm from '/dist/browser/memmap.mjs';

export interface FileJob {
  job: 'file';
  sizeMiB: number;
  cacheMiB: number;
  pageSize: number;
  seconds: number;
  hotPercent: number;
  keep: boolean;
}

export interface CountJob {
  job: 'count';
  arena: SharedArrayBuffer;
  name: string;
  index: number;
}

/** Counters of what reached OPFS. */
export interface Storage {
  pageLoads: number;
  writeBacks: number;
}

export type FileProgress =
  | { phase: 'fill'; written: number; total: number; seconds: number; storage: Storage }
  | { phase: 'flush'; seconds: number; storage: Storage }
  | {
      phase: 'random';
      seconds: number;
      ops: number;
      reads: number;
      writes: number;
      mismatches: number;
      storage: Storage;
      done: boolean;
    }
  | { phase: 'done'; kept: boolean; path: string }
  | { phase: 'error'; message: string };

export type CountProgress = { phase: 'ready' } | { phase: 'stopped'; index: number } | { phase: 'error'; message: string };

/** The cells of the page's counter map (Int32 indices). */
export const CELLS = {
  /** 0 while the workers get ready, 1 while they count, 2 to stop. */
  state: 0,
  /** Workers that opened the map and are waiting for the start. */
  ready: 1,
  /** Incremented with Atomics.add by every worker: exact. */
  atomicTotal: 2,
  /** Incremented with a plain `++` by every worker: loses updates when they race. */
  plainTotal: 3,
  /** Worker i's own count, with Atomics.add, at firstWorker + i. */
  firstWorker: 8,
} as const;

const MiB = 1 << 20;
const FILE = 'memmap-demo/big.bin';

function post(message: FileProgress | CountProgress): void {
  self.postMessage(message);
}

/** The page cache's storage calls so far. */
function snapshot(map: mm.MemoryMappedFile): Storage {
  const stats = map.cacheStats();
  return { pageLoads: stats?.storageReads ?? 0, writeBacks: stats?.storageWrites ?? 0 };
}

async function removeFile(): Promise<void> {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry('memmap-demo', { recursive: true }).catch(() => {});
}

/**
 * The file's contents: 8-byte slots, slot i holding i in its low 32 bits
 * (written by the fill) and a write counter in its high 32 bits (bumped by
 * the random phase), so every read can be checked.
 */
function fillChunk(chunk: Uint32Array, firstSlot: number): void {
  for (let j = 0, slot = firstSlot; j < chunk.length; j += 2, slot++) {
    chunk[j] = slot;
    chunk[j + 1] = 0;
  }
}

async function fileJob(job: FileJob): Promise<void> {
  const size = job.sizeMiB * MiB;
  const cacheSize = job.cacheMiB * MiB;
  await removeFile();
  const estimate = await navigator.storage.estimate();
  const free = (estimate.quota ?? Infinity) - (estimate.usage ?? 0);
  if (free < size) {
    throw new Error(`the origin's storage quota leaves ${Math.floor(free / MiB)} MiB, less than the ${job.sizeMiB} MiB asked for`);
  }

  const map = await mm.MemoryMappedFile.createFromFile(FILE, { mode: 'createNew', capacity: size, cacheSize, pageSize: job.pageSize });
  try {
    // Fill: 1 MiB chunks through a view stream.
    const start = performance.now();
    let lastPost = 0;
    {
      using stream = await map.createViewStream();
      const chunk = new Uint32Array(MiB / 4);
      const bytes = new Uint8Array(chunk.buffer);
      for (let off = 0; off < size; off += MiB) {
        fillChunk(chunk, off / 8);
        stream.write(bytes);
        const now = performance.now();
        if (now - lastPost > 100 || off + MiB >= size) {
          lastPost = now;
          post({ phase: 'fill', written: off + MiB, total: size, seconds: (now - start) / 1000, storage: snapshot(map) });
          await new Promise((resolve) => setTimeout(resolve, 0)); // let the message go out
        }
      }
      post({ phase: 'flush', seconds: (performance.now() - start) / 1000, storage: snapshot(map) });
      stream.flush();
      post({ phase: 'flush', seconds: (performance.now() - start) / 1000, storage: snapshot(map) });
    }

    // Random reads and writes: each checks the slot's index; a write bumps its counter.
    using view = await map.createViewAccessor();
    const slots = size / 8;
    const hotSlots = Math.max(1, Math.min(slots, Math.floor(cacheSize / 2 / 8)));
    const hotFirst = Math.floor(Math.random() * (slots - hotSlots + 1));
    const hotShare = job.hotPercent / 100;
    const before = snapshot(map);
    let ops = 0;
    let reads = 0;
    let writes = 0;
    let mismatches = 0;
    let x = (Math.random() * 2 ** 32) >>> 0 || 1;
    const random = (): number => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x / 2 ** 32;
    };
    const t0 = performance.now();
    const deadline = t0 + job.seconds * 1000;
    let next = t0 + 200;
    for (;;) {
      for (let k = 0; k < 1000; k++) {
        const slot = random() < hotShare ? hotFirst + Math.floor(random() * hotSlots) : Math.floor(random() * slots);
        const pos = slot * 8;
        if (view.readUint32(pos) !== slot >>> 0) mismatches++;
        if (random() < 0.2) {
          view.writeUint32(pos + 4, view.readUint32(pos + 4) + 1);
          writes++;
        } else {
          reads++;
        }
        ops++;
      }
      const now = performance.now();
      if (now >= next || now >= deadline) {
        next = now + 200;
        const done = now >= deadline;
        const s = snapshot(map);
        post({
          phase: 'random',
          seconds: (now - t0) / 1000,
          ops,
          reads,
          writes,
          mismatches,
          storage: { pageLoads: s.pageLoads - before.pageLoads, writeBacks: s.writeBacks - before.writeBacks },
          done,
        });
        if (done) break;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    view.flush();
  } finally {
    map.close();
  }
  if (!job.keep) await removeFile();
  post({ phase: 'done', kept: job.keep, path: FILE });
}

async function countJob(job: CountJob): Promise<void> {
  mm.useSharedArena(job.arena);
  using map = await mm.MemoryMappedFile.openExisting(job.name);
  using view = await map.createViewAccessor();
  const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, view.bytes.byteLength / 4);
  const mine = CELLS.firstWorker + job.index;
  Atomics.add(cells, CELLS.ready, 1);
  post({ phase: 'ready' });
  // A worker may block (the page's thread may not): wait for the start signal.
  while (Atomics.load(cells, CELLS.state) === 0) Atomics.wait(cells, CELLS.state, 0, 100);
  while (Atomics.load(cells, CELLS.state) === 1) {
    for (let k = 0; k < 1000; k++) {
      Atomics.add(cells, CELLS.atomicTotal, 1);
      Atomics.add(cells, mine, 1);
      cells[CELLS.plainTotal] = (cells[CELLS.plainTotal] as number) + 1;
    }
  }
  post({ phase: 'stopped', index: job.index });
}

self.onmessage = async (event: MessageEvent<FileJob | CountJob>) => {
  try {
    if (event.data.job === 'file') await fileJob(event.data);
    else await countJob(event.data);
  } catch (err) {
    if (event.data.job === 'file' && !event.data.keep) await removeFile();
    // MemmapError messages start with their code; other errors get theirs in front.
    const e = err as { code?: string; message?: string };
    const message = e?.message ?? String(err);
    post({ phase: 'error', message: e?.code && !message.startsWith(`${e.code}:`) ? `${e.code}: ${message}` : message });
  }
};
