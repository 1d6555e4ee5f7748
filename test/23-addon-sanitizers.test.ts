/**
 * The native addon under AddressSanitizer and LeakSanitizer: the addon and the
 * core are built with -fsanitize=address,undefined (build/asan-addon), and
 * the child processes of the native-memory, moved-buffer and worker tests run
 * on that build with the ASan runtime preloaded into Node. Any invalid access,
 * or any allocation of ours still unfreed at exit, fails the run (Node's own
 * allocations are freed at exit, but for a few of OpenSSL's, which
 * support/lsan-suppressions.txt names by functions that no stack of ours
 * passes through).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from './support/files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const addon = path.join(root, 'build/asan-addon/Release/memmap_native.node');
const hasTransfer = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

function underAsan(script: string, args: string[]): string {
  const libasan = spawnSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).stdout.trim();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(root, 'test/support', script), ...args], {
    encoding: 'utf8',
    cwd: root,
    timeout: 300_000,
    env: {
      ...process.env,
      LD_PRELOAD: libasan,
      ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
      LSAN_OPTIONS: `suppressions=${path.join(root, 'test/support/lsan-suppressions.txt')}:print_suppressions=0`,
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
      MEMMAP_NATIVE_ADDON: addon,
      MEMMAP_BACKEND: 'native',
    },
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.doesNotMatch(out, /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/, out.slice(0, 4000));
  assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}: ${out.slice(0, 2000)}`);
  return r.stdout.trim().split('\n').pop()!;
}

describe('the native addon under ASan + LSan', function () {
  this.timeout(600_000);
  before(() => {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/cmake-js/bin/cmake-js'), 'compile', '--out', 'build/asan-addon', '--CDMM_SANITIZE=ON'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `building the sanitized addon failed: ${r.stdout}\n${r.stderr}`);
    assert.ok(fs.existsSync(addon));
  });

  for (const kind of ['accessor', 'stream', 'named', 'anonymous']) {
    it(`20,000 cycles of ${kind}: no invalid access, nothing leaked, nothing left alive`, () => {
      const r = JSON.parse(underAsan('soak-child.ts', [kind, '20000', '1000']));
      assert.deepEqual(r.live, { maps: 0, views: 0, boxes: 0 });
    });
  }

  it('maps and views dropped without close(), and kept bytes', () => {
    const r = JSON.parse(underAsan('dropped-child.ts', []));
    assert.deepEqual(r.liveAfterKeptDropped, { maps: 0, views: 0, boxes: 0 });
  });

  it('worker threads ending with maps and views open', () => {
    const r = JSON.parse(underAsan('native-worker-child.ts', []));
    assert.deepEqual(r.live, { maps: 0, views: 0, boxes: 0 });
  });

  for (const scenario of ['transfer', 'release', 'postMessage', 'aliases']) {
    const needs = hasTransfer || !['transfer', 'release'].includes(scenario) ? '' : ' [skipped: ArrayBuffer.prototype.transfer needs Node >= 21]';
    it(`buffers kept or moved past close: ${scenario}${needs}`, function () {
      if (needs) this.skip();
      const tmp = makeTempDir();
      try {
        underAsan('moved-buffer-child.ts', [scenario, tmp.dir]);
      } finally {
        tmp.cleanup();
      }
    });
  }
});
