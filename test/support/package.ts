/**
 * The package as npm publishes it: `npm pack` of the built repository, made
 * once per test run and shared by the suites that install it into empty
 * projects (test/06-package.test.ts, test/15-consumers.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let packed: { dir: string; tarball: string } | undefined;

/** Runs a command; fails the test with its output when it fails. Returns stdout. */
export function sh(cmd: string, args: string[], cwd: string, options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26, ...options, env: { ...process.env, ...options.env } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${r.error ?? ''}${r.stdout}\n${r.stderr}`);
  return String(r.stdout).trim();
}

/**
 * The path of the packed tarball of the built repository (dist/ must be
 * built: `npm test` builds it first). Packed without scripts, so that it
 * holds exactly the dist/ under test.
 */
export function packedTarball(): string {
  if (packed && fs.existsSync(packed.tarball)) return packed.tarball;
  assert.ok(fs.existsSync(path.join(root, 'dist/index.mjs')), 'dist/ is not built: run `npx rollup -c` (npm test does)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-pack-'));
  const name = sh('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], root).split('\n').pop() as string;
  packed = { dir, tarball: path.join(dir, name) };
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  assert.ok(fs.existsSync(packed.tarball), `${packed.tarball} exists`);
  return packed.tarball;
}

/** The files in a tarball, without npm's `package/` prefix. */
export function tarballFiles(tarball: string): string[] {
  return sh('tar', ['-tzf', tarball], root)
    .split('\n')
    .map((f) => f.replace(/^package\//, ''))
    .filter((f) => f !== '' && !f.endsWith('/'));
}

/**
 * Makes an empty project in `dir` (an ES module package) and installs the
 * tarball and `packages` into it the way a user would, without install
 * scripts (the addon's build is tested in 06-package) and preferring npm's
 * cache (after `npm ci`, every package here is in it: they are devDependencies
 * of this repository, at the versions its lockfile pins).
 */
export function installProject(dir: string, packages: string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: path.basename(dir), version: '1.0.0', private: true, type: 'module' }));
  const pinned = packages.map((name) => `${name}@${JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version}`);
  sh('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', packedTarball(), ...pinned], dir);
}
