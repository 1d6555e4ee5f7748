/**
 * The wasm backend's platform in the browser:
 *   - the module is fetched from memmap.wasm next to the bundle, or from a URL
 *     or bytes given to configure(), on the first async open;
 *   - files are OPFS files through FileSystemSyncAccessHandle (opfs-host.ts),
 *     which needs a dedicated worker;
 *   - named non-persisted maps live in a shared arena (a growable
 *     SharedArrayBuffer) that the page creates and hands to its workers:
 *     page `worker.postMessage(sharedArena())`, worker `useSharedArena(buffer)`.
 *     A worker never makes an arena of its own (it would be a second, silent
 *     namespace): a named map in a worker that has not adopted the page's
 *     arena is EUNSUPPORTED, saying so. Browsers have no way to tell a
 *     terminated worker's thread from a live one synchronously, so the
 *     arena presumes a silent lock holder dead after a while (see
 *     wasm/shared-arena.ts).
 *
 * @module
 */
import { MemmapError } from '../src/errors.js';
import { checkOptions } from '../src/validate.js';
import { SharedArena, presumedLiveness } from '../wasm/shared-arena.js';
import { webLockThreads } from '../src/threads.js';
import type { WasmPlatform } from '../wasm/backend.js';
import { WasmCore, type WasmSource } from '../wasm/loader.js';
import { OpfsFileHost, type OpfsOptions } from './opfs-host.js';

export interface BrowserOptions extends OpfsOptions {
  /** Where the module is: a URL (default: memmap.wasm next to the bundle), its bytes, or a compiled module. */
  wasm?: WasmSource;
}

let options: BrowserOptions = {};
let host = new OpfsFileHost();
let core: WasmCore | undefined;
let loading: Promise<WasmCore> | undefined;
let arena: SharedArena | undefined;
let arenaUsed = false;
const threads = presumedLiveness();
/** A worker (dedicated, shared or service) rather than a page: it never makes an arena. */
const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function';

/** Sets where the module comes from and OPFS options; call before the first map. */
export function configure(next: BrowserOptions): void {
  const checked = checkOptions(next, 'options', ['wasm', 'unsafeSharedAccess']) as BrowserOptions;
  if (core || loading) throw new MemmapError('EBUSY', 'configure() must come before the first map is opened');
  options = { ...checked };
  host = new OpfsFileHost(options);
}

function load(): Promise<WasmCore> {
  loading ??= WasmCore.load(options.wasm ?? new URL('./memmap.wasm', import.meta.url), { host }).then((c) => {
    core = c;
    return c;
  });
  return loading;
}

/** Loads the module now (the async factories do it on their own); after it, the ...Sync factories work too. */
export async function ready(): Promise<void> {
  await load();
}

/** The arena: the page makes it; a worker has the one it adopted, or none (EUNSUPPORTED). */
function theArena(): SharedArena {
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new MemmapError(
      'EUNSUPPORTED',
      'SharedArrayBuffer is unavailable: serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp',
    );
  }
  if (arena) return arena;
  if (inWorker) {
    throw new MemmapError(
      'EUNSUPPORTED',
      "a worker's named maps live in its page's shared arena: post sharedArena() from the page to this worker " +
        'and call useSharedArena(buffer) here before the first named map',
    );
  }
  arena = SharedArena.create(threads);
  return arena;
}

/**
 * The shared arena of named non-persisted maps, to post to a dedicated
 * worker so that it shares this context's named maps (in a worker: the
 * arena it adopted, to pass on to its own workers).
 */
export function sharedArena(): SharedArrayBuffer {
  return theArena().buffer;
}

/** Adopts the shared arena posted by the page (in a worker, before its first named map). */
export function useSharedArena(buffer: SharedArrayBuffer): void {
  if (arena?.buffer === buffer) return;
  if (arenaUsed) throw new MemmapError('EBUSY', 'named maps were already opened here with another arena');
  arena = new SharedArena(buffer, threads);
}

export const browserPlatform: WasmPlatform = {
  core(): WasmCore {
    if (!core) {
      throw new MemmapError('EUNSUPPORTED', 'the wasm module is not loaded yet: await ready() or use the async factories');
    }
    return core;
  },
  loadCore: load,
  async prepareFile(target, mode) {
    const path = await host.prepare(target, mode);
    return { path, settle: (opened: boolean) => host.settle(path, opened) };
  },
  sab: {
    arena(): SharedArena {
      const used = theArena();
      arenaUsed = true;
      return used;
    },
    existsElsewhere: () => false,
    threads: webLockThreads(),
  },
};
