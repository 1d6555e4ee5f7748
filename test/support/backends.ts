/**
 * describeBackend: every contract suite is written once, as a function of a
 * backend, and instantiated here for each backend of this platform: the
 * native addon (real mmap) and the core compiled to WebAssembly (page cache
 * over node:fs, SharedArrayBuffer maps). The API handed to a suite is the
 * real MemoryMappedFile with `backend` added to the options of every factory.
 */
import { Channel, MemoryMappedFile } from '../../node/index.js';
import type { BackendName } from '../../src/backend.js';

export interface BackendUnderTest {
  readonly name: BackendName;
  /** The API entry point, bound to this backend. */
  readonly MemoryMappedFile: typeof MemoryMappedFile;
  /** Channel, its factories bound to this backend. */
  readonly Channel: typeof Channel;
  /** Whether views have one zero-copy `bytes` array for persisted maps (native) or are paged (wasm). */
  readonly pagedFiles: boolean;
}

function withBackend(options: unknown, backend: BackendName): unknown {
  if (options === undefined) return { backend };
  if (options !== null && typeof options === 'object' && !('backend' in options)) return { ...options, backend };
  return options;
}

/** MemoryMappedFile with every factory bound to `backend`. */
export function bindBackend(backend: BackendName): typeof MemoryMappedFile {
  const bound: Record<string, unknown> = {
    createFromFile: (path: string, o?: object) => MemoryMappedFile.createFromFile(path, withBackend(o, backend) as object),
    createFromFileSync: (path: string, o?: object) => MemoryMappedFile.createFromFileSync(path, withBackend(o, backend) as object),
    createNew: (name: string | null, c: number, o?: object) => MemoryMappedFile.createNew(name, c, withBackend(o, backend) as object),
    createNewSync: (name: string | null, c: number, o?: object) => MemoryMappedFile.createNewSync(name, c, withBackend(o, backend) as object),
    createOrOpen: (name: string, c: number, o?: object) => MemoryMappedFile.createOrOpen(name, c, withBackend(o, backend) as object),
    createOrOpenSync: (name: string, c: number, o?: object) => MemoryMappedFile.createOrOpenSync(name, c, withBackend(o, backend) as object),
    openExisting: (name: string, o?: object) => MemoryMappedFile.openExisting(name, withBackend(o, backend) as object),
    openExistingSync: (name: string, o?: object) => MemoryMappedFile.openExistingSync(name, withBackend(o, backend) as object),
  };
  return new Proxy(MemoryMappedFile, {
    get: (target, prop, receiver) => (typeof prop === 'string' && prop in bound ? bound[prop] : Reflect.get(target, prop, receiver)),
  });
}

/** Channel with its factories bound to `backend`. */
export function bindChannel(backend: BackendName): typeof Channel {
  const bound: Record<string, unknown> = {
    create: (name: string, c: number, o?: object) => Channel.create(name, c, withBackend(o, backend) as object),
    open: (name: string, o?: object) => Channel.open(name, withBackend(o, backend) as object),
  };
  return new Proxy(Channel, {
    get: (target, prop, receiver) => (typeof prop === 'string' && prop in bound ? bound[prop] : Reflect.get(target, prop, receiver)),
  });
}

const backends: BackendUnderTest[] = (['native', 'wasm'] as const).map((name) => ({
  name,
  MemoryMappedFile: bindBackend(name),
  Channel: bindChannel(name),
  pagedFiles: name === 'wasm',
}));

export function describeBackend(title: string, suite: (backend: BackendUnderTest) => void): void {
  for (const backend of backends) {
    describe(`${title} [${backend.name}]`, function () {
      suite(backend);
    });
  }
}

/** Reads a whole view through the API (works for direct and paged views). */
export function contents(view: { capacity: number; readArray(p: number, a: Uint8Array): number }): Buffer {
  const out = Buffer.alloc(view.capacity);
  view.readArray(0, out);
  return out;
}
