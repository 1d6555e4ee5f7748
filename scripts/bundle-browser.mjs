// Browser-side code of the tests, the benchmark and the demo: makes sure the
// library's browser bundle exists (dist/browser/memmap.mjs + memmap.wasm,
// built by `npx rollup -c` when missing), and bundles the given TypeScript
// entry points with esbuild, leaving their import of /dist/browser/memmap.mjs
// as it is, so that what runs in the browser is the real bundle.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds dist/browser with rollup if it is missing; throws when that fails. */
export function ensureLibraryBundle() {
  if (existsSync(join(root, 'dist/browser/memmap.mjs'))) return;
  console.log('dist/browser/memmap.mjs is missing: building it with `npx rollup -c`');
  const result = spawnSync('npx', ['rollup', '-c'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('`npx rollup -c` failed');
}

/** Bundles `entryPoints` (paths from the repository root) into `outdir` (from the root too). */
export async function bundleForBrowser(entryPoints, outdir) {
  ensureLibraryBundle();
  await build({
    entryPoints: entryPoints.map((p) => join(root, p)),
    outdir: join(root, outdir),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    external: ['/dist/browser/memmap.mjs'],
    logLevel: 'warning',
  });
}
