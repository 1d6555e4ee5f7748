/**
 * Runs a snippet of memmap code as an unprivileged user. Permission checks do
 * not apply to root, so on CI (which runs as root) the "file without read or
 * write permission" cases run in a child process as `nobody`, against a copy
 * of the built bundle and addon in a world-readable temporary directory.
 * As a normal user the snippet runs in a child process under the same user.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ChildResult {
  code: string | null;
  output: string;
}

/**
 * Evaluates `body` (an async function body that receives `MemoryMappedFile`)
 * in a child on `backend`; returns the `code` of the error it threw, or null if none.
 */
export function runUnprivileged(body: string, backend: 'native' | 'wasm'): ChildResult {
  const bundle = path.join(root, 'dist/index.mjs');
  const addon = path.join(root, 'build/Release/memmap_native.node');
  const wasm = path.join(root, 'wasm/memmap.wasm');
  if (!fs.existsSync(bundle) || !fs.existsSync(addon)) {
    throw new Error('run `npm run build` first: the unprivileged child needs dist/index.mjs and the addon');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-child-'));
  try {
    fs.chmodSync(dir, 0o755);
    fs.copyFileSync(bundle, path.join(dir, 'index.mjs'));
    fs.copyFileSync(addon, path.join(dir, 'memmap_native.node'));
    fs.copyFileSync(wasm, path.join(dir, 'memmap.wasm'));
    const script =
      `import { MemoryMappedFile } from ${JSON.stringify(path.join(dir, 'index.mjs'))};\n` +
      `const probe = MemoryMappedFile.createNewSync(null, 1); console.log('backend=' + probe.backend); probe.close();\n` +
      `try { await (async (MemoryMappedFile) => { ${body} })(MemoryMappedFile); console.log('RESULT null'); }\n` +
      `catch (e) { console.log('RESULT ' + (e && e.code)); console.error(String(e && e.message)); }\n`;
    const isRoot = process.getuid?.() === 0;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        MEMMAP_BACKEND: backend,
        MEMMAP_NATIVE_ADDON: path.join(dir, 'memmap_native.node'),
        MEMMAP_WASM: path.join(dir, 'memmap.wasm'),
      },
      ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    const m = /RESULT (\S+)/.exec(r.stdout);
    const output = `${r.stdout}${r.stderr}`;
    if (!m) throw new Error(`the child printed no result (exit ${r.status}): ${output}`);
    return { code: m[1] === 'null' ? null : (m[1] as string), output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
