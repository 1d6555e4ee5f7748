/**
 * README.md's examples, run as written: each ```ts block is saved as a file
 * and run — the Node ones with tsx (TypeScript compiles their `using`) on
 * the built package, the browser ones bundled with esbuild as README says
 * (memmap.wasm copied next to the bundle) and run in Chromium. The test adds
 * only what observes them: a check appended to the browser page, and a
 * unique map name instead of 'jobs' (the map of processes A and B, and the
 * job queue's channel), so that runs in parallel do not meet.
 * A new example in README must be added here, or this test fails.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
// @ts-expect-error: a plain .mjs script without declarations
import { launchBrowser } from '../scripts/browsers.mjs';
// @ts-expect-error: a plain .mjs script without declarations
import { startServer } from '../scripts/serve.mjs';
import { makeTempDir } from './support/files.js';
import { root } from './support/package.js';

/** README's ```ts blocks, by the first line that tells them apart. */
function examples(): Map<string, string> {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
  const named = new Map<string, string>();
  for (const block of blocks) {
    const first = block.split('\n')[0] as string;
    const name =
      first.startsWith('// process A') ? 'process-a'
      : first.startsWith('// process B') ? 'process-b'
      : first.startsWith('// worker.js') ? 'worker'
      : first.startsWith('// page') ? 'page'
      : block.includes("MemoryMappedFile.createFromFile('data.bin'") ? 'quickstart'
      : first.startsWith('// jobs.ts') ? 'jobs'
      : first.startsWith('// wav.ts') ? 'wav'
      : `unknown: ${first}`;
    named.set(name, block);
  }
  return named;
}

/** tsx, by its file URL: the examples live outside any folder that could resolve it by name. */
const tsx = import.meta.resolve('tsx');

describe("README's examples, as written", function () {
  this.timeout(300000);
  const blocks = examples();
  // Inside the repository, so that `import … from 'memmap'` finds the built package by its own name.
  const dir = path.join(root, 'build/readme-examples');
  const cwd = makeTempDir('memmap-readme-');
  before(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'browser'), { recursive: true });
  });
  after(() => cwd.cleanup());

  it('are the seven this test knows: the Node quickstart, the WAV file, processes A and B, the job queue, the worker and the page', () => {
    assert.deepEqual([...blocks.keys()].sort(), ['jobs', 'page', 'process-a', 'process-b', 'quickstart', 'wav', 'worker']);
  });

  const node = (file: string) => ['--import', tsx, path.join(dir, file)];

  it('the Node quickstart maps a 1 GiB file, writes π, and copies 4 KiB through a Node stream', () => {
    fs.writeFileSync(path.join(dir, 'quickstart.ts'), blocks.get('quickstart') as string);
    const r = spawnSync(process.execPath, node('quickstart.ts'), { cwd: cwd.dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${Math.PI} 24`);
    assert.equal(fs.statSync(cwd.file('data.bin')).size, 2 ** 30);
    const head = fs.readFileSync(cwd.file('head.bin'));
    assert.equal(head.length, 4096);
    assert.equal(head.readDoubleLE(8), Math.PI);
  });

  it('the WAV example writes a header field by field and its samples through a typed array: a valid WAV file', () => {
    fs.writeFileSync(path.join(dir, 'wav.ts'), blocks.get('wav') as string);
    const r = spawnSync(process.execPath, node('wav.ts'), { cwd: cwd.dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const sample = (i: number) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 44100));
    assert.equal(r.stdout.trim(), `WAVE 44100 ${sample(10)} 52494646`);
    const file = fs.readFileSync(cwd.file('tone.wav'));
    assert.equal(file.length, 44 + 2 * 4410);
    assert.equal(file.toString('latin1', 0, 4), 'RIFF');
    assert.equal(file.readUInt32LE(4), file.length - 8);
    assert.equal(file.toString('latin1', 8, 16), 'WAVEfmt ');
    assert.deepEqual([file.readUInt16LE(20), file.readUInt16LE(22), file.readUInt32LE(24), file.readUInt16LE(34)], [1, 1, 44100, 16]);
    assert.equal(file.toString('latin1', 36, 40), 'data');
    assert.equal(file.readUInt32LE(40), 2 * 4410);
    for (const i of [0, 10, 100, 4409]) assert.equal(file.readInt16LE(44 + 2 * i), sample(i), `sample ${i} is in the file`);
  });

  it('process B counts in the map that process A holds, and A then closes it: the map is gone', async () => {
    const name = `memmap-readme-${process.pid}-${Date.now()}`;
    const rename = (code: string) => code.replaceAll("'jobs'", `'${name}'`);
    fs.writeFileSync(path.join(dir, 'process-a.ts'), rename(blocks.get('process-a') as string));
    fs.writeFileSync(path.join(dir, 'process-b.ts'), rename(blocks.get('process-b') as string));
    const a = spawn(process.execPath, node('process-a.ts'), { cwd: cwd.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    a.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => a.once('exit', (code) => resolve(code)));
    try {
      const shm = `/dev/shm/${name}`;
      for (const start = Date.now(); !fs.existsSync(shm); ) {
        assert.equal(a.exitCode, null, `process A exited early: ${stderr}`);
        assert.ok(Date.now() - start < 60_000, 'process A made the map within 60 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const b = spawnSync(process.execPath, node('process-b.ts'), { cwd: cwd.dir, encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
      const timeout = setTimeout(() => a.kill('SIGKILL'), 60_000);
      assert.equal(await exited, 0, `process A ends by itself once B has counted: ${stderr}`);
      clearTimeout(timeout);
      assert.equal(fs.existsSync(shm), false, 'the last holder closed: the map is gone');
    } finally {
      if (a.exitCode === null) a.kill('SIGKILL');
    }
  });

  it('the job queue: the parent sends three jobs through a Channel, its child process prints them and ends', () => {
    const name = `memmap-readme-jobs-${process.pid}-${Date.now()}`;
    fs.writeFileSync(path.join(dir, 'jobs.ts'), (blocks.get('jobs') as string).replaceAll("'jobs'", `'${name}'`));
    const r = spawnSync(process.execPath, node('jobs.ts'), { cwd: cwd.dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), ['a.csv', 'b.csv', 'c.csv'].map((f) => `worker got ${f}`).join('\n'));
    assert.equal(fs.existsSync(`/dev/shm/${name}`), false, 'both closed: the channel is gone');
  });

  it('the browser worker and page, bundled with esbuild (README step: memmap.wasm next to the bundle), run in Chromium', async () => {
    const browserDir = path.join(dir, 'browser');
    fs.writeFileSync(path.join(browserDir, 'worker.ts'), blocks.get('worker') as string);
    // The page as written, then the check that observes it.
    const check = `
(globalThis as unknown as { readmeCheck: () => Promise<unknown> }).readmeCheck = async () => {
  using probe = await counter.createViewAccessor();
  const cells = new Int32Array(probe.bytes.buffer, probe.bytes.byteOffset, 1);
  for (let i = 0; i < 600 && Atomics.load(cells, 0) === 0; i++) await new Promise((r) => setTimeout(r, 50));
  let first = -1, size = -1;
  for (let i = 0; i < 600 && first !== 42; i++) {
    try {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('data');
      const file = await (await dir.getFileHandle('big.bin')).getFile();
      size = file.size;
      first = new DataView(await file.slice(0, 4).arrayBuffer()).getUint32(0, true);
    } catch {
      // not made, or still open in the worker
    }
    if (first !== 42) await new Promise((r) => setTimeout(r, 50));
  }
  return { count: Atomics.load(cells, 0), size, first };
};
`;
    fs.writeFileSync(path.join(browserDir, 'page.ts'), `${blocks.get('page')}\n${check}`);
    fs.writeFileSync(path.join(browserDir, 'index.html'), '<!doctype html>\n<script type="module" src="out/page.js"></script>\n');
    await build({
      entryPoints: [path.join(browserDir, 'page.ts'), path.join(browserDir, 'worker.ts')],
      outdir: path.join(browserDir, 'out'),
      bundle: true,
      format: 'esm',
      logLevel: 'warning',
    });
    fs.copyFileSync(path.join(root, 'dist/browser/memmap.wasm'), path.join(browserDir, 'out/memmap.wasm'));
    const server = await startServer({ dir: root });
    const browser = await launchBrowser('chromium');
    try {
      await browser.goto(`${server.url}/build/readme-examples/browser/index.html`);
      await browser.waitForGlobal('readmeCheck');
      const result = await browser.call('readmeCheck', []);
      assert.deepEqual(result, { count: 1, size: 2 ** 30, first: 42 }, browser.log.join('\n'));
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
