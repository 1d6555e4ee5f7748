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
import { MUTANTS } from './mutants-list.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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
  const mocha = mutant.mocha.length === 0 ? { ok: true, out: '' } : run('mocha', process.execPath, [
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
