/**
 * The mutants of `npm run mutants` (scripts/mutants-list.mjs) measure the
 * suite's strength only while they still apply: a mutant whose text is no
 * longer in its file measures nothing. Each must find its text exactly
 * once, change it, and name suites and builds that exist.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without declarations
import { MUTANTS } from '../scripts/mutants-list.mjs';

interface Mutant {
  name: string;
  what: string;
  file: string;
  find: string;
  replace: string;
  build: string[];
  ctest?: boolean;
  mocha: string[];
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the mutants of npm run mutants', () => {
  it('there are mutants, with distinct names', () => {
    const names = (MUTANTS as Mutant[]).map((m) => m.name);
    assert.ok(names.length >= 4);
    assert.equal(new Set(names).size, names.length);
  });

  for (const m of MUTANTS as Mutant[]) {
    it(`${m.name}: its text occurs once in ${m.file}, the change changes it, and what it runs exists`, () => {
      const source = fs.readFileSync(path.join(root, m.file), 'utf8');
      assert.equal(source.split(m.find).length - 1, 1, `the text of mutant ${m.name} must occur exactly once in ${m.file}`);
      assert.notEqual(m.replace, m.find);
      for (const step of m.build) assert.ok(['wasm', 'core tests', 'addon'].includes(step), `unknown build step ${step}`);
      for (const suite of m.mocha) assert.ok(fs.existsSync(path.join(root, suite)), `${suite} is missing`);
      assert.ok(m.mocha.length > 0 || m.ctest, `mutant ${m.name} runs no suite`);
      if (m.file.startsWith('core/')) assert.ok(m.build.includes('core tests') || m.build.includes('wasm') || m.build.includes('addon'));
    });
  }
});
