/**
 * describeBackend: every contract suite is written once, as a function of a
 * backend, and instantiated here for each backend this platform has. Today
 * that is the native addon; further backends join this list and so run every
 * suite unchanged.
 */
import { MemoryMappedFile } from '../../src/index.js';
import type { BackendName } from '../../src/backend.js';

export interface BackendUnderTest {
  readonly name: BackendName;
  /** The API entry point, bound to this backend. */
  readonly MemoryMappedFile: typeof MemoryMappedFile;
}

const backends: BackendUnderTest[] = [{ name: 'native', MemoryMappedFile }];

export function describeBackend(title: string, suite: (backend: BackendUnderTest) => void): void {
  for (const backend of backends) {
    describe(`${title} [${backend.name}]`, function () {
      suite(backend);
    });
  }
}
