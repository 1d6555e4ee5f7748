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

/**
 * Told once, on the first map, when a preferred backend was unavailable and
 * memmap fell back to another without being asked: the backend it runs on,
 * and why each preferred one is unavailable.
 */
export type FallbackNotice = (backend: BackendName, reasons: string[]) => void;
let fallbackNotice: FallbackNotice | undefined;
/** The reasons of the fallback in effect (null when the first choice runs), for the errors that depend on it. */
let fallbackReasons: string[] | null = null;

/** @internal Called by the entry point of each platform, in order of preference. */
export function registerBackend(backend: Backend, unavailable: () => string | null): void {
  registered.push({ backend, unavailable });
}

/** @internal Called by an entry point that has somewhere to say that memmap fell back (Node: stderr). */
export function registerFallbackNotice(notice: FallbackNotice): void {
  fallbackNotice = notice;
}

/** Why the preferred backends are unavailable, when memmap fell back to another without being asked; else null. */
export function fallbackInEffect(): string[] | null {
  return fallbackReasons;
}

/** The `backend` option: undefined, or the name of a backend of this platform (an argument check). */
export function checkBackendName(requested: unknown): BackendName | undefined {
  if (requested === undefined || registered.some((r) => r.backend.name === requested)) {
    return requested as BackendName | undefined;
  }
  throw typeError(
    `backend must be one of ${registered.map((r) => `'${r.backend.name}'`).join(', ')}, got ${describe(requested)}`,
  );
}

/** The backend to use: the one asked for (see {@link BackendChoice}), if it can run here. */
export function chooseBackend(requested: BackendName | undefined): Backend {
  let name: unknown = requested;
  if (name === undefined && typeof process !== 'undefined' && process.env?.MEMMAP_BACKEND) {
    name = checkBackendName(process.env.MEMMAP_BACKEND);
  }
  if (name !== undefined) {
    const entry = registered.find((r) => r.backend.name === name) as RegisteredBackend;
    const why = entry.unavailable();
    if (why !== null) throw new MemmapError('EUNSUPPORTED', `the ${entry.backend.name} backend is unavailable: ${why}`);
    return entry.backend;
  }
  const reasons: string[] = [];
  for (const entry of registered) {
    const why = entry.unavailable();
    if (why === null) {
      if (reasons.length > 0 && fallbackReasons === null) {
        fallbackReasons = reasons;
        fallbackNotice?.(entry.backend.name, reasons);
      }
      return entry.backend;
    }
    reasons.push(`${entry.backend.name}: ${why}`);
  }
  throw new MemmapError('EUNSUPPORTED', `no memmap backend is available here (${reasons.join('; ')})`);
}
