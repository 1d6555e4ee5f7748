/**
 * memmap's built bundle (dist/index.mjs) on runtimes other than Node: Bun and
 * Deno, from the npm registry (scripts/runtimes.mjs). A smoke run each
 * (support/runtime-smoke.mjs): a file on the native backend, a named map
 * shared with a second process of the same runtime, a file on the wasm
 * backend. The whole suite runs on Node 20, 22 and 24 (scripts/test.mjs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without declarations
import { runtime } from '../scripts/runtimes.mjs';
import { makeTempDir } from './support/files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const smoke = path.join(root, 'test/support/runtime-smoke.mjs');
const CASES = [
  'maps a file on the native backend: a write reaches the file',
  'shares a named map with a second process of the same runtime',
  'maps a file on the wasm backend: a flushed write reaches the file',
];

for (const [name, args] of [['bun', []], ['deno', ['run', '-A']]] as const) {
  describe(`the bundle on ${name}`, function () {
    this.timeout(180_000);
    let results: Record<string, string | null> = {};
    const tmp = makeTempDir();
    before(() => {
      const bin = runtime(name) as string;
      const r = spawnSync(bin, [...args, smoke, path.join(root, 'dist/index.mjs'), tmp.dir], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
        timeout: 120_000,
      });
      assert.equal(r.status, 0, `${name} exited with ${r.status}: ${r.stderr}`);
      results = JSON.parse(r.stdout.trim().split('\n').pop()!);
    });
    after(() => tmp.cleanup());
    for (const title of CASES) {
      it(title, () => {
        assert.ok(title in results, `${name} did not run this case`);
        assert.equal(results[title], null);
      });
    }
  });
}
