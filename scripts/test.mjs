// `npm test`: everything, in one command, on a fresh checkout after `npm ci`.
//
//   1. the C core's unit tests (ctest) built with AddressSanitizer + UBSan, the
//      same tests under valgrind (memcheck, zero errors), and the libFuzzer
//      harnesses of core/fuzz for a bounded time (when clang is installed);
//   2. the WASM module rebuilt from core/ with emscripten (when emcc is
//      installed, as on CI: the suites then run on the rebuilt file, and the
//      rebuilt file must equal the committed one), the native addon (built if
//      npm's install step could not) and dist/ (rollup);
//   3. every mocha suite (test/*.test.ts) against both backends.
//
// It ends by printing one line `N passed, N failed` with the totals of all
// three, also written to build/test-summary.txt so that .ci/run can repeat it
// as its last line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const totals = { passed: 0, failed: 0 };
/** What the reliability checks did, printed before the final line. */
const report = { sanitizerFailures: 0, valgrindRuns: 0, valgrindErrors: 0, fuzzExecutions: 0, fuzzOperations: 0, faultsInjected: 0 };

function run(title, cmd, args, options = {}) {
  console.log(`\n=== ${title}: ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  return { status: result.status ?? 1, out: `${result.stdout ?? ''}\n${result.stderr ?? ''}` };
}

function step(title, cmd, args, options) {
  const r = run(title, cmd, args, options);
  if (r.status !== 0) {
    console.error(`${title} failed (exit ${r.status})`);
    totals.failed += 1;
  }
  return r.status === 0;
}

// 1. C unit tests under sanitizers.
const ctestDir = join(root, 'build/ctest-asan');
if (
  step('configure core tests', 'cmake', ['-S', '.', '-B', ctestDir, '-G', 'Ninja', '-DMM_BUILD_TESTS=ON', '-DMM_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=Debug']) &&
  step('build core tests', 'cmake', ['--build', ctestDir])
) {
  const r = run('core unit tests (ASan+UBSan)', 'ctest', ['--test-dir', ctestDir, '--output-on-failure'], {
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1' },
  });
  const m = /(\d+)% tests passed, (\d+) tests failed out of (\d+)/.exec(r.out);
  if (m) {
    report.sanitizerFailures += Number(m[2]);
    totals.failed += Number(m[2]);
    totals.passed += Number(m[3]) - Number(m[2]);
  } else {
    totals.failed += 1;
  }
}

// 1b. The same tests under valgrind, built without sanitizers.
const plainDir = join(root, 'build/ctest-plain');
if (
  spawnSync('valgrind', ['--version']).status === 0 &&
  step('configure core tests (plain)', 'cmake', ['-S', '.', '-B', plainDir, '-G', 'Ninja', '-DMM_BUILD_TESTS=ON', '-DCMAKE_BUILD_TYPE=Debug']) &&
  step('build core tests (plain)', 'cmake', ['--build', plainDir])
) {
  for (const name of readdirSync(join(plainDir, 'core')).filter((f) => /^test_\w+$/.test(f)).sort()) {
    const r = run(`valgrind ${name}`, 'valgrind', ['-q', '--error-exitcode=99', '--leak-check=full', '--errors-for-leak-kinds=definite', join(plainDir, 'core', name)]);
    report.valgrindRuns += 1;
    if (r.status === 99) report.valgrindErrors += 1;
    if (r.status === 0) totals.passed += 1;
    else totals.failed += 1;
  }
} else {
  console.log('\n=== valgrind is not installed: skipping the memcheck runs (counted as failed)');
  totals.failed += 1;
}

// 1c. Fuzzing for a bounded time.
const fuzzSeconds = Number(process.env.MEMMAP_FUZZ_SECONDS ?? 30);
if (spawnSync('clang', ['--version']).status === 0) {
  const fuzzDir = join(root, 'build/fuzz');
  if (
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
      console.log(`fuzz ${name}: ${done ? done[1] : '?'} executions, exit ${r.status}`);
      if (r.status === 0 && done) totals.passed += 1;
      else totals.failed += 1;
    }
  }
} else {
  console.log('\n=== clang is not installed: skipping the fuzzers (counted as failed)');
  totals.failed += 1;
}

// 2. The WASM module, the addon and the bundle.
const emcc = spawnSync('emcc', ['--version'], { env: { ...process.env, NODE_PATH: '/usr/share/nodejs' } });
if (emcc.status === 0) {
  step('rebuild wasm/memmap.wasm from core/ (must equal the committed file)', process.execPath, [
    join(root, 'scripts/build-wasm.mjs'),
    '--check',
  ]);
} else {
  console.log('\n=== wasm: emcc is not installed here; the suites run on the committed wasm/memmap.wasm');
}
if (!existsSync(join(root, 'build/Release/memmap_native.node'))) {
  step('build native addon', process.execPath, [join(root, 'node_modules/cmake-js/bin/cmake-js'), 'compile', '--out', 'build/Release']);
}
step('bundle (rollup)', process.execPath, [join(root, 'node_modules/rollup/dist/bin/rollup'), '-c']);

// 3. Mocha suites.
{
  const r = run('mocha suites', process.execPath, [join(root, 'node_modules/mocha/bin/mocha.js')]);
  const passing = /(\d+) passing/.exec(r.out);
  const failing = /(\d+) failing/.exec(r.out);
  const ok = r.out.split('\n').filter((line) => line.includes('✔'));
  report.propertyRuns = ok.reduce((n, line) => n + Number(/\((\d+) runs\)/.exec(line)?.[1] ?? 0), 0);
  report.propertyTests = ok.filter((line) => /\(\d+ runs\)/.test(line)).length;
  report.badInputs = ok.filter((line) => line.includes(' → ')).length;
  report.crashScenarios = ok.filter((line) => /SIGKILL|killed|crash/i.test(line)).length;
  totals.passed += passing ? Number(passing[1]) : 0;
  totals.failed += failing ? Number(failing[1]) : 0;
  if (!passing && !failing) totals.failed += 1;
  if (r.status !== 0 && !failing) totals.failed += 1;
}

console.log(
  '\nreliability report: ' +
    `${report.propertyTests ?? 0} model-based property tests × their runs = ${report.propertyRuns ?? 0} random sequences; ` +
    `${report.badInputs ?? 0} bad inputs checked; ${report.crashScenarios ?? 0} crash scenarios; ` +
    `ctest under ASan+UBSan: ${report.sanitizerFailures} failing; valgrind: ${report.valgrindRuns} runs, ${report.valgrindErrors} with errors; ` +
    `fuzzing: ${report.fuzzExecutions} executions, ${report.fuzzOperations} operations, ${report.faultsInjected} storage faults injected`,
);
const line = `${totals.passed} passed, ${totals.failed} failed`;
mkdirSync(join(root, 'build'), { recursive: true });
writeFileSync(join(root, 'build/test-summary.txt'), line + '\n');
console.log(`\n${line}`);
process.exit(totals.failed === 0 ? 0 : 1);
