/** The contract suites (test/contract/) on Node, for every backend, over real files in a temp dir. */
import fs from 'node:fs';
import { contractSuites, type ContractEnv, type FileEnv } from './contract/index.js';
import { MapMutex, ViewAccessor } from '../node/index.js';
import { describeBackend } from './support/backends.js';
import { makeTempDir } from './support/files.js';

function nodeFiles(dir: string): FileEnv {
  let counter = 0;
  return {
    path: (name) => `${dir}/${counter++}-${name}`,
    write: async (path, bytes) => fs.writeFileSync(path, bytes),
    read: async (path) => (fs.existsSync(path) && fs.statSync(path).isFile() ? new Uint8Array(fs.readFileSync(path)) : null),
    mkdir: async (path) => fs.mkdirSync(path),
    list: async () => fs.readdirSync(dir).sort(),
  };
}

describeBackend('contract', (backend) => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  const env: ContractEnv = {
    backend: backend.name,
    platform: 'node',
    MemoryMappedFile: backend.MemoryMappedFile,
    MapMutex,
    ViewAccessor,
    Channel: backend.Channel,
    files: nodeFiles(tmp.dir),
    paged: backend.pagedFiles,
    sharedSizeUnit: backend.name === 'native' && process.platform === 'win32' ? 4096 : 1,
    wine: process.env.MEMMAP_TEST_WINE === '1',
  };
  contractSuites({ describe, it }, () => env);
});
