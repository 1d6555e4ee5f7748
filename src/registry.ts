/**
 * The backend registry: each platform's entry point (node/index.ts,
 * browser/index.ts) registers its backends in order of preference, and the
 * factories of MemoryMappedFile choose one per call.
 *
 * @module
 */
import { MemmapError, typeError } from './errors.js';
import type { Backend, BackendName } from './backend.js';
import { describe } from './validate.js';

/**
 * How a backend is chosen: the `backend` option of a factory if given, else
 * the environment variable `MEMMAP_BACKEND` (`native` or `wasm`) if set, else
 * the first available backend of the platform (Node: `native` when the addon
 * loads, `wasm` otherwise).
 */
export type BackendChoice = BackendName | undefined;

interface RegisteredBackend {
  backend: Backend;
  /** null when the backend can be used here, else why not. */
  unavailable(): string | null;
}

const registered: RegisteredBackend[] = [];

/** @internal Called by the entry point of each platform, in order of preference. */
export function registerBackend(backend: Backend, unavailable: () => string | null): void {
  registered.push({ backend, unavailable });
}

export function chooseBackend(requested: unknown): Backend {
  let name = requested;
  if (name === undefined && typeof process !== 'undefined' && process.env?.MEMMAP_BACKEND) {
    name = process.env.MEMMAP_BACKEND;
  }
  if (name !== undefined) {
    const entry = registered.find((r) => r.backend.name === name);
    if (!entry) {
      throw typeError(
        `backend must be one of ${registered.map((r) => `'${r.backend.name}'`).join(', ')}, got ${describe(name)}`,
      );
    }
    const why = entry.unavailable();
    if (why !== null) throw new MemmapError('EUNSUPPORTED', `the ${entry.backend.name} backend is unavailable: ${why}`);
    return entry.backend;
  }
  const reasons: string[] = [];
  for (const entry of registered) {
    const why = entry.unavailable();
    if (why === null) return entry.backend;
    reasons.push(`${entry.backend.name}: ${why}`);
  }
  throw new MemmapError('EUNSUPPORTED', `no memmap backend is available here (${reasons.join('; ')})`);
}

