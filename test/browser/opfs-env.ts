/** The contract suites' FileEnv over OPFS, for a dedicated worker. */
import type { FileEnv } from '../contract/env.js';
import { Skip } from './harness.js';

interface SyncHandle {
  write(buffer: ArrayBufferView, options?: { at?: number }): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}

async function walk(path: string, create: boolean): Promise<{ dir: FileSystemDirectoryHandle; name: string }> {
  const parts = path.split('/');
  const name = parts.pop() as string;
  let dir = await navigator.storage.getDirectory();
  for (const part of parts) dir = await dir.getDirectoryHandle(part, { create });
  return { dir, name };
}

/** Files under the OPFS folder `root` (made fresh by the caller). */
export function opfsFiles(root: string): FileEnv {
  let counter = 0;
  return {
    path: (name) => `${root}/${counter++}-${name}`,
    async write(path, bytes) {
      const { dir, name } = await walk(path, true);
      const file = await dir.getFileHandle(name, { create: true });
      const handle = (await (file as unknown as { createSyncAccessHandle(): Promise<SyncHandle> }).createSyncAccessHandle());
      try {
        handle.truncate(0);
        handle.write(bytes, { at: 0 });
        handle.flush();
      } finally {
        handle.close();
      }
    },
    async read(path) {
      try {
        const { dir, name } = await walk(path, false);
        const file = await (await dir.getFileHandle(name)).getFile();
        return new Uint8Array(await file.arrayBuffer());
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'NotFoundError' || name === 'TypeMismatchError') return null;
        throw err;
      }
    },
    async mkdir(path) {
      const { dir, name } = await walk(path, true);
      await dir.getDirectoryHandle(name, { create: true });
    },
    async list() {
      const { dir, name } = await walk(`${root}/x`, true);
      void name;
      const names: string[] = [];
      for await (const key of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key);
      return names.sort();
    },
  };
}

/**
 * The FileEnv of an engine whose OPFS cannot back persisted maps: every use
 * skips the test with `reason`, so the suites' file tests are reported as
 * skipped there and the rest of each suite still runs.
 */
export function unavailableFiles(reason: string): FileEnv {
  const skip = (): never => {
    throw new Skip(reason);
  };
  return { path: skip, write: skip, read: skip, mkdir: skip, list: skip };
}
