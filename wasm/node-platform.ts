/**
 * The wasm backend's platform on Node: the committed wasm/memmap.wasm,
 * node:fs for file I/O, and a shared arena for named non-persisted maps that
 * every worker_thread started after memmap loads receives (worker_threads
 * environment data shares the SharedArrayBuffer itself).
 *
 * @module
 */
import fs from 'node:fs';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { SharedArena } from './shared-arena.js';
import type { WasmPlatform } from './backend.js';
import { WasmCore, wasmFilePath } from './loader.js';
import { NodeFileHost } from './node-files.js';

const ARENA_KEY = 'memmap:shared-arena';

let core: WasmCore | undefined;
let failure: Error | undefined;
let arena: SharedArena | undefined;

/** The shared arena of this thread's agent cluster, made by the first thread that needs it. */
export function nodeArena(): SharedArena {
  if (arena) return arena;
  const inherited = getEnvironmentData(ARENA_KEY);
  arena = inherited instanceof SharedArrayBuffer ? new SharedArena(inherited) : SharedArena.create();
  setEnvironmentData(ARENA_KEY, arena.buffer);
  return arena;
}

export const nodeWasmPlatform: WasmPlatform = {
  core(): WasmCore {
    if (core) return core;
    if (failure) throw failure;
    const path = process.env.MEMMAP_WASM ?? wasmFilePath();
    try {
      core = WasmCore.loadSync(fs.readFileSync(path), { host: new NodeFileHost() });
      return core;
    } catch (err) {
      failure = err as Error;
      throw err;
    }
  },
  sab: {
    arena: nodeArena,
    existsElsewhere: (name: string) => process.platform === 'linux' && fs.existsSync(`/dev/shm/${name}`),
  },
};
