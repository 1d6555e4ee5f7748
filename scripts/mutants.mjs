// `npm run mutants`: measures the suite's strength instead of assuming it.
// Each mutant is a small, plausible bug put into a copy of the working tree
// (build/mutants/<name>/, never the tree itself); the parts it touches are
// rebuilt there, and the suites that guard that part run on the copy. A
// mutant is killed when any of them fails. Exits 1 unless every mutant is
// killed.
//
//   node scripts/mutants.mjs [name ...]     all mutants, or the named ones
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * file: where the bug goes; find / replace: the change (`find` must occur
 * exactly once); build: what to rebuild in the copy ('wasm', 'core tests',
 * 'addon'); ctest: run the core's C tests; mocha: the suites to run.
 */
const MUTANTS = [
  {
    name: 'wasm-flush-noop',
    what: 'flush on the wasm backend does nothing',
    file: 'wasm/backend.ts',
    find: '      this.#core.flushView(this.#handle);\n',
    replace: '',
    build: [],
    mocha: ['test/12-contract.test.ts', 'test/26-paged-safety.test.ts', 'test/11-wasm-pager.test.ts'],
  },
  {
    name: 'shared-inode-recheck-removed',
    what: 'an opener of a named map does not check, once locked, that the name still names its object',
    file: 'core/src/shared.c',
    find: '  rc = mm__plat_lock(handle, MM__LOCK_SHARED, 0, os_errno);\n  if (rc < 0) return rc;\n  if (!mm__plat_shm_is_named(handle, name)) return 1;\n',
    replace: '  rc = mm__plat_lock(handle, MM__LOCK_SHARED, 0, os_errno);\n  if (rc < 0) return rc;\n',
    build: ['core tests', 'addon'],
    ctest: true,
    mocha: ['test/07-shared.test.ts', 'test/05-processes.test.ts'],
  },
  {
    name: 'readArray-off-by-one',
    what: 'readArray reads one element past the end of the view',
    file: 'src/view-accessor.ts',
    find: 'const n = Math.min(want, Math.floor((this.capacity - pos) / target.bytesPerElement));',
    replace: 'const n = Math.min(want, Math.floor((this.capacity - pos + 1) / target.bytesPerElement));',
    build: [],
    mocha: ['test/02-accessor.test.ts', 'test/12-contract.test.ts'],
  },
  {
    name: 'cow-write-reaches-shared-page',
    what: "a copy-on-write view's write lands in the file's shared page",
    file: 'core/src/paged.c',
    find: '  if (v->own != NULL) {\n    /* Private pages',
    replace: '  if (v->own != NULL && kind == MM_PIN_READ) {\n    /* Private pages',
    build: ['wasm', 'core tests'],
    ctest: true,
    mocha: ['test/12-contract.test.ts', 'test/26-paged-safety.test.ts', 'test/10-wasm-core.test.ts'],
  },
];

function run(title, cmd, args, cwd, env = {}) {
  console.log(`  ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The working tree's files (tracked and new, as they are now) copied to `dir`, with node_modules linked. */
function copyTree(dir) {
  rmSync(dir, { recursive: true, force: true });
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .stdout.split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      cpSync(join(root, file), join(dir, file));
    } catch {
      // A file deleted in the working tree but still in the index.
    }
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
}

const BUILDS = {
  wasm: (dir) => run('rebuild wasm/memmap.wasm', process.execPath, [join(dir, 'scripts/build-wasm.mjs'), '--source', dir, '--out', join(dir, 'wasm/memmap.wasm')], dir),
  'core tests': (dir) => {
    const out = join(dir, 'build/ctest');
    const configure = run('configure core tests', 'cmake', ['-S', dir, '-B', out, '-G', 'Ninja', '-DMM_BUILD_TESTS=ON', '-DCMAKE_BUILD_TYPE=Debug'], dir);
    return configure.ok ? run('build core tests', 'cmake', ['--build', out], dir) : configure;
  },
  addon: (dir) => run('build the addon', process.execPath, [join(dir, 'node_modules/cmake-js/bin/cmake-js'), 'compile', '--out', 'build/Release'], dir),
};

const wanted = process.argv.slice(2);
const chosen = wanted.length ? MUTANTS.filter((m) => wanted.includes(m.name)) : MUTANTS;
if (chosen.length === 0) {
  console.error(`unknown mutant; known: ${MUTANTS.map((m) => m.name).join(', ')}`);
  process.exit(2);
}

const results = [];
for (const mutant of chosen) {
  console.log(`\n=== mutant ${mutant.name}: ${mutant.what}`);
  const dir = join(root, 'build/mutants', mutant.name);
  copyTree(dir);
  const target = join(dir, mutant.file);
  const source = readFileSync(target, 'utf8');
  const count = source.split(mutant.find).length - 1;
  if (count !== 1) {
    console.log(`  the mutation's text occurs ${count} times in ${mutant.file} (expected once): the mutant is out of date`);
    results.push({ mutant, killedBy: null, error: 'out of date' });
    continue;
  }
  writeFileSync(target, source.replace(mutant.find, mutant.replace));
  let error = null;
  for (const step of mutant.build) {
    const r = BUILDS[step](dir);
    if (!r.ok) {
      error = `the ${step} build failed:\n${r.out.slice(-2000)}`;
      break;
    }
  }
  if (error) {
    console.log(`  ${error}`);
    results.push({ mutant, killedBy: null, error });
    continue;
  }
  const killedBy = [];
  if (mutant.ctest) {
    const r = run('core unit tests', 'ctest', ['--test-dir', join(dir, 'build/ctest'), '--output-on-failure'], dir);
    if (!r.ok) killedBy.push('ctest');
  }
  const mocha = run('mocha', process.execPath, [
    join(dir, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--node-option', 'import=tsx', '--node-option', 'expose-gc',
    '--timeout', '120000', '--reporter', 'dot', ...mutant.mocha,
  ], dir, { MEMMAP_NATIVE_ADDON: join(mutant.build.includes('addon') ? dir : root, 'build/Release/memmap_native.node') });
  if (!mocha.ok) {
    killedBy.push('mocha');
    const failing = mocha.out.split('\n').filter((line) => /^\s+\d+\) /.test(line)).slice(0, 6);
    for (const line of failing) console.log(`    ${line.trim()}`);
  }
  console.log(killedBy.length ? `  killed by ${killedBy.join(' and ')}` : '  SURVIVED');
  results.push({ mutant, killedBy: killedBy.length ? killedBy : null, error: null });
}

console.log('\nmutants:');
for (const { mutant, killedBy, error } of results) {
  console.log(`  ${mutant.name}: ${killedBy ? `killed (${killedBy.join(', ')})` : error ? `not run (${error.split('\n')[0]})` : 'SURVIVED'}`);
}
const killed = results.filter((r) => r.killedBy).length;
console.log(`${killed} of ${results.length} mutants killed`);
process.exit(killed === results.length ? 0 : 1);
