// The native benchmarks (bench/persisted.ts, bench/shared.ts) on Windows x64
// under wine: bundled with esbuild (Windows Node has no tsx here), run by the
// registry's node.exe with the mingw build of the addon (scripts/wine.mjs).
// The figures are ratios against in-heap baselines measured in the same run,
// as on Linux; they are wine's figures, not Windows': wine turns each Windows
// call into Linux ones, and its file and section emulation has costs of its own.
//
//   npm run bench:wine [-- --size-mib N --rounds N]
// Writes build/bench-wine/<name>.json (bench/harness.ts rows) and prints each
// benchmark's output.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildWindows, nodeExe, wineRun, wineStop } from './wine.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build/bench-wine');
const BENCHMARKS = ['persisted', 'shared'];

const addon = buildWindows({ tests: false });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [...BENCHMARKS, 'shared-child'].map((name) => join(root, 'bench', `${name}.ts`)),
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  logLevel: 'error',
  banner: { js: "import { createRequire as __memmapRequire } from 'node:module'; const require = __memmapRequire(import.meta.url);" },
});
let failed = 0;
try {
  for (const name of BENCHMARKS) {
    console.log(`\n=== bench/${name}.ts on Windows Node 22 under wine ===`);
    const r = wineRun([nodeExe(), join(out, `${name}.mjs`), ...process.argv.slice(2), '--json', join(out, `${name}.json`)], {
      extraEnv: { MEMMAP_NATIVE_ADDON: addon, MEMMAP_WASM: join(root, 'wasm/memmap.wasm') },
      timeout: 3600000,
    });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.status !== 0) failed++;
  }
} finally {
  wineStop();
}
process.exitCode = failed === 0 ? 0 : 1;
