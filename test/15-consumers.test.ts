/**
 * The package as its users meet it: the packed tarball installed into empty
 * projects (test/fixtures/), built by each bundler with its defaults and
 * README's steps only and run in Chromium, type-checked by TypeScript in each
 * module resolution mode, and checked by arethetypeswrong.
 *
 *   project     installs                                    fixtures
 *   ----------  ------------------------------------------  ------------------------------------------
 *   browser     memmap, webpack(-cli), vite, esbuild,       bundlers/{webpack,vite,esbuild,rollup}
 *               rollup + plugin-node-resolve, typescript    typescript/bundler (no @types/node here)
 *   node        memmap, typescript, @types/node             typescript/{nodenext,node16-cjs}
 *
 * Each bundler fixture builds a page and a dedicated worker (bundlers/src):
 * the worker maps an OPFS file, writes, flushes, reopens and reads it, and
 * writes into a named map that the page made and then reads.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
// @ts-expect-error: a plain .mjs script without declarations
import { launchBrowser } from '../scripts/browsers.mjs';
// @ts-expect-error: a plain .mjs script without declarations
import { startServer } from '../scripts/serve.mjs';
import { makeTempDir } from './support/files.js';
import { installProject, packedTarball, root, sh } from './support/package.js';

const fixtures = path.join(root, 'test/fixtures');
const BUNDLERS = ['webpack', 'webpack-cli', 'vite', 'esbuild', 'rollup', '@rollup/plugin-node-resolve', 'typescript'];

interface Browser {
  goto(url: string): Promise<void>;
  waitForGlobal(name: string): Promise<void>;
  call(name: string, args: unknown[]): Promise<unknown>;
  log: string[];
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface FixtureResult {
  error?: string;
  backend?: string;
  reopenedMatches?: boolean;
  seenByPage?: number;
}

describe('the package as its users meet it', function () {
  this.timeout(600000);
  const tmp = makeTempDir('memmap-consumers-');
  const browserProject = path.join(tmp.dir, 'browser-app');
  const nodeProject = path.join(tmp.dir, 'node-app');
  const seconds: Record<string, number> = {};
  let started = 0;

  const timed = <T>(what: string, fn: () => T): T => {
    const start = Date.now();
    try {
      return fn();
    } finally {
      seconds[what] = (Date.now() - start) / 1000;
    }
  };

  before(() => {
    started = Date.now();
    timed('pack and install', () => {
      packedTarball();
      installProject(browserProject, BUNDLERS);
      installProject(nodeProject, ['typescript', '@types/node']);
    });
    for (const name of ['webpack', 'vite', 'esbuild', 'rollup']) {
      fs.cpSync(path.join(fixtures, 'bundlers', name), path.join(browserProject, name), { recursive: true });
      fs.cpSync(path.join(fixtures, 'bundlers/src'), path.join(browserProject, name, 'src'), { recursive: true });
    }
    fs.cpSync(path.join(fixtures, 'typescript/bundler'), path.join(browserProject, 'ts-bundler'), { recursive: true });
    for (const name of ['nodenext', 'node16-cjs']) {
      fs.cpSync(path.join(fixtures, 'typescript', name), path.join(nodeProject, name), { recursive: true });
    }
  });

  after(() => {
    tmp.cleanup();
    const parts = Object.entries(seconds).map(([what, s]) => `${what} ${s.toFixed(1)} s`);
    process.stderr.write(`      consumers: ${((Date.now() - started) / 1000).toFixed(1)} s in all (${parts.join(', ')})\n`);
  });

  describe('arethetypeswrong', () => {
    it('finds no problem in the packed tarball for node10, node16 from CommonJS and ESM, and bundlers', () => {
      const attw = path.join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
      const report = timed('attw', () =>
        JSON.parse(sh(process.execPath, [attw, packedTarball(), '--format', 'json'], root)) as {
          analysis: { problems: unknown[]; entrypoints: Record<string, { resolutions: Record<string, unknown> }> };
        },
      );
      assert.deepEqual(report.analysis.problems, []);
      assert.deepEqual(Object.keys(report.analysis.entrypoints['.']?.resolutions ?? {}).sort(), ['bundler', 'node10', 'node16-cjs', 'node16-esm']);
    });
  });

  describe('TypeScript (strict, tsc --noEmit on a realistic program)', () => {
    const tsc = (project: string, ...args: string[]) =>
      timed(`tsc ${path.basename(project)}${args.join(' ')}`, () =>
        sh(process.execPath, [path.join(project, '../node_modules/typescript/bin/tsc'), '-p', project, ...args], project),
      );

    it('module nodenext without the DOM lib: the Node types need none of it, and the file parameter is typed', () => {
      tsc(path.join(nodeProject, 'nodenext'));
    });

    it('module nodenext with skipLibCheck: the file parameter is still typed, not `any`', () => {
      tsc(path.join(nodeProject, 'nodenext'), '--skipLibCheck');
    });

    it('moduleResolution bundler with the DOM lib and no @types/node: the browser exports, without node:stream', () => {
      tsc(path.join(browserProject, 'ts-bundler'));
    });

    it('module node16 from CommonJS: CommonJS declarations, not ES module ones', () => {
      tsc(path.join(nodeProject, 'node16-cjs'));
    });
  });

  describe('bundlers (default configuration and README steps only, run in Chromium)', () => {
    let browser: Browser;
    before(async () => {
      browser = (await launchBrowser('chromium')) as Browser;
    });
    after(async () => {
      await browser?.close();
    });

    async function runPage(url: string): Promise<void> {
      await browser.goto(url);
      await browser.waitForGlobal('runFixture');
      const result = (await browser.call('runFixture', [])) as FixtureResult;
      assert.equal(result.error, undefined, `the worker failed: ${result.error}\n${browser.log.join('\n')}`);
      assert.equal(result.backend, 'wasm');
      assert.equal(result.reopenedMatches, true, 'the reopened OPFS file holds what was written');
      assert.equal(result.seenByPage, 0xc0ffee, "the page sees the worker's write to the named map");
    }

    async function serveAndRun(dir: string, page: string): Promise<void> {
      const server = await startServer({ dir });
      try {
        await runPage(`${server.url}/${page}`);
      } finally {
        await server.close();
      }
    }

    const build = (name: string, cmd: string, args: string[]) =>
      timed(`build ${name}`, () => sh(cmd, args, path.join(browserProject, name)));
    const bin = (name: string) => path.join(browserProject, 'node_modules/.bin', name);
    /** README's one step for bundlers that do not copy the module: memmap.wasm next to the bundle. */
    const copyWasm = (name: string) =>
      fs.copyFileSync(path.join(browserProject, 'node_modules/memmap/dist/browser/memmap.wasm'), path.join(browserProject, name, 'dist/memmap.wasm'));

    it('webpack 5 finds memmap.wasm on its own (no configuration at all)', async () => {
      build('webpack', bin('webpack'), []);
      assert.ok(fs.readdirSync(path.join(browserProject, 'webpack/dist')).some((f) => f.endsWith('.wasm')), 'webpack emitted the module');
      await serveAndRun(path.join(browserProject, 'webpack'), 'index.html');
    });

    it('Vite build finds memmap.wasm on its own', async () => {
      const out = build('vite', bin('vite'), ['build']);
      assert.doesNotMatch(out, /memmap\.wasm.*(didn't resolve|not exist|warning)/i);
      await serveAndRun(path.join(browserProject, 'vite/dist'), 'index.html');
    });

    it("Vite's dev server serves it (cross-origin isolated as README says)", async () => {
      const start = Date.now();
      const port = await freePort();
      const vite = spawn(bin('vite'), ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
        cwd: path.join(browserProject, 'vite'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      vite.stdout.on('data', (d) => output.push(String(d)));
      vite.stderr.on('data', (d) => output.push(String(d)));
      const exited = new Promise((resolve) => vite.once('exit', resolve));
      try {
        const url = `http://127.0.0.1:${port}/`;
        for (let ready = false; !ready; ) {
          if (vite.exitCode !== null) throw new Error(`vite exited:\n${output.join('')}`);
          if (Date.now() - start > 60_000) throw new Error(`vite did not answer in 60 s:\n${output.join('')}`);
          ready = await fetch(url).then((r) => r.ok, () => false);
          if (!ready) await new Promise((r) => setTimeout(r, 200));
        }
        await runPage(url);
      } finally {
        vite.kill('SIGTERM');
        await exited;
        seconds['vite dev server'] = (Date.now() - start) / 1000;
      }
    });

    it('esbuild, with README\'s step (copy memmap.wasm next to the bundle)', async () => {
      build('esbuild', bin('esbuild'), ['src/index.js', 'src/worker.js', '--bundle', '--format=esm', '--outdir=dist']);
      copyWasm('esbuild');
      await serveAndRun(path.join(browserProject, 'esbuild'), 'index.html');
    });

    it("Rollup with @rollup/plugin-node-resolve, with README's step (copy memmap.wasm next to the bundle)", async () => {
      build('rollup', bin('rollup'), ['-c']);
      copyWasm('rollup');
      await serveAndRun(path.join(browserProject, 'rollup'), 'index.html');
    });
  });
});
