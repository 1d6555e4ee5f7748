/**
 * The wasm backend's platform on Node: the committed wasm/memmap.wasm,
 * node:fs for file I/O, and the process's one shared arena for named
 * non-persisted maps (node-arena.ts).
 *
 * @module
 */
import fs from 'node:fs';
import type { WasmPlatform } from './backend.js';
import { WasmCore, wasmFilePath } from './loader.js';
import { nodeArena } from './node-arena.js';
import { NodeFileHost } from './node-files.js';

let core: WasmCore | undefined;
let failure: Error | undefined;

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
