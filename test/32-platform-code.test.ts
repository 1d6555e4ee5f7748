/**
 * The platform code this machine cannot run: the POSIX files' branches for
 * systems other than Linux (macOS takes them) must at least compile. There is
 * no macOS SDK here, so they are compiled against glibc's headers with
 * __linux__ undefined and macOS's F_FULLFSYNC defined (what could be checked;
 * the __APPLE__ branches themselves need Apple's headers and are verified by
 * reading only, see README). The Windows files are compiled and run under wine
 * (test/30-windows.test.ts), the arm64 build is checked in test/31-install.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('platform code for systems other than this one', () => {
  for (const file of ['core/src/platform/posix.c', 'core/src/platform/posix_named.c', 'core/src/platform/posix_storage.c']) {
    it(`${file} compiles without __linux__ and with F_FULLFSYNC (the other-POSIX and macOS flush branches; gcc -fsyntax-only)`, () => {
      const r = spawnSync(
        'gcc',
        ['-std=c11', '-fsyntax-only', '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter', '-U__linux__', '-DF_FULLFSYNC=51',
          '-D_GNU_SOURCE', '-Icore/include', '-Icore/src', file],
        { cwd: root, encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
    });
  }
});
