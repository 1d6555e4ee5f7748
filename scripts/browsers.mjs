// The three browser engines of the browser tests and the browser benchmark,
// launched the way they work on these machines, behind one small interface:
//
//   engine     binary (Debian package)               driven by
//   ---------  ------------------------------------  -----------------------------------------
//   chromium   /usr/bin/chromium (chromium)           puppeteer-core, DevTools protocol
//   firefox    /usr/bin/firefox-esr (firefox-esr)     puppeteer-core, WebDriver BiDi
//   webkit     MiniBrowser (webkit2gtk-driver)        selenium-webdriver through WebKitWebDriver,
//                                                      under xvfb-run (xvfb, xauth)
//
// Chromium and Firefox get a profile folder on disk (OPFS in an in-memory
// profile is about 200× slower in Chromium), which a caller may keep and
// launch again to test persistence across a browser restart. WebKitGTK runs
// with SharedArrayBuffer switched on (JSC_useSharedArrayBuffer=1: only macOS
// enables it for cross-origin isolated pages) and the file system features
// of MiniBrowser; its explicit resource management (Symbol.dispose) stays
// off, as in the WebKit that users have, unless the caller asks for it.
// Nothing is downloaded: a missing binary is an error that names its package.
//
// WebDriver's WebKitGTK sessions are ephemeral (no OPFS at all);
// openInMiniBrowser() opens a page in a normal session instead, undriven.
//
//   const b = await launchBrowser('firefox');
//   await b.goto(url); await b.waitForGlobal('memmapTest');
//   const results = await b.call('memmapTest', ['contract']);   // awaits globalThis.memmapTest('contract')
//   await b.close();
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

export const ENGINE_NAMES = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

const CHROMIUM = process.env.MEMMAP_CHROMIUM ?? '/usr/bin/chromium';
const FIREFOX = process.env.MEMMAP_FIREFOX ?? '/usr/bin/firefox-esr';
const WEBKIT_DRIVER = process.env.MEMMAP_WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** MiniBrowser's switches for OPFS and its access handles (off by default in MiniBrowser). */
const WEBKIT_FEATURES = '--features=+StorageAPI,+FileSystem,+AccessHandle,+FileSystemWritableStream';

/** A long time: scenarios have their own time limits; this only bounds a hung driver. */
const CALL_TIMEOUT_MS = 20 * 60_000;

function need(path, pkg) {
  if (!existsSync(path)) throw new Error(`no ${path}: apt-get install ${pkg} (.ci/run does)`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Chromium and Firefox through puppeteer-core. */
async function launchPuppeteer(engine, profile) {
  const puppeteer = (await import('puppeteer-core')).default;
  // MEMMAP_JS_FLAGS passes V8 flags to Chromium, for profiling (e.g. "--trace-opt --trace-deopt").
  const jsFlags = process.env.MEMMAP_JS_FLAGS ? [`--js-flags=${process.env.MEMMAP_JS_FLAGS}`] : [];
  const browser = await puppeteer.launch(
    engine === 'chromium'
      ? { browser: 'chrome', executablePath: CHROMIUM, headless: true, userDataDir: profile, args: [...CHROMIUM_FLAGS, ...jsFlags], protocolTimeout: CALL_TIMEOUT_MS }
      : { browser: 'firefox', protocol: 'webDriverBiDi', executablePath: FIREFOX, headless: true, userDataDir: profile, protocolTimeout: CALL_TIMEOUT_MS },
  );
  try {
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    page.setDefaultTimeout(CALL_TIMEOUT_MS);
    const log = [];
    page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    return {
      log,
      userAgent: () => browser.userAgent(),
      goto: async (url) => void (await page.goto(url)),
      reload: async () => void (await page.reload()),
      waitForGlobal: async (name) => void (await page.waitForFunction((n) => typeof globalThis[n] === 'function', {}, name)),
      call: (name, args) => page.evaluate((n, a) => globalThis[n](...a), name, args),
      evaluate: (fn) => page.evaluate(fn),
      onConsole: (listener) => page.on('console', (m) => listener(m.type(), m.text())),
      close: () => browser.close(),
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** The MiniBrowser of the webkit2gtk-driver package. */
function miniBrowser() {
  need(WEBKIT_DRIVER, 'webkit2gtk-driver');
  need('/usr/bin/xvfb-run', 'xvfb xauth');
  const binary = readdirSync('/usr/lib')
    .map((arch) => `/usr/lib/${arch}/webkit2gtk-4.1/MiniBrowser`)
    .find((path) => existsSync(path));
  if (!binary) throw new Error('no MiniBrowser under /usr/lib/*/webkit2gtk-4.1: apt-get install webkit2gtk-driver (.ci/run does)');
  return binary;
}

/**
 * The environment of WebKitGTK's processes (the driver, MiniBrowser and its
 * web processes inherit it): the profile folder stands in for HOME and the
 * XDG folders, so that MiniBrowser's data (and OPFS) stays out of the user's,
 * and SharedArrayBuffer is switched on.
 */
function webkitEnv(profile, explicitResourceManagement) {
  const env = {
    ...process.env,
    HOME: profile,
    XDG_DATA_HOME: join(profile, 'data'),
    XDG_CACHE_HOME: join(profile, 'cache'),
    XDG_CONFIG_HOME: join(profile, 'config'),
    JSC_useSharedArrayBuffer: '1',
  };
  for (const key of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) mkdirSync(env[key], { recursive: true });
  if (explicitResourceManagement) env.JSC_useExplicitResourceManagement = '1';
  return env;
}

/**
 * Runs a program in a virtual X display (xvfb-run), in its own process group,
 * so that stop() ends xvfb-run, Xvfb, the program and its children together.
 */
function inVirtualDisplay(program, args, env) {
  const child = spawn('/usr/bin/xvfb-run', ['-a', program, ...args], { env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = [];
  child.stderr.on('data', (d) => stderr.push(String(d)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone between the two signals
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  return { child, stderr, stop };
}

/** MiniBrowser of WebKitGTK through WebKitWebDriver, in a virtual X display. */
async function launchWebKit(profile, { explicitResourceManagement = false } = {}) {
  const binary = miniBrowser();
  const { Builder } = await import('selenium-webdriver');
  const port = await freePort();
  const { child: driverProcess, stderr, stop } = inVirtualDisplay(
    WEBKIT_DRIVER,
    [`--port=${port}`, '--host=127.0.0.1'],
    webkitEnv(profile, explicitResourceManagement),
  );
  let driver;
  try {
    const capabilities = {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary, args: ['--automation', WEBKIT_FEATURES] },
    };
    const started = Date.now();
    for (;;) {
      try {
        driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(capabilities).build();
        break;
      } catch (err) {
        // The driver needs a moment to listen; give up after 30 s or when it has exited.
        if (driverProcess.exitCode !== null || Date.now() - started > 30_000) {
          throw new Error(`WebKitWebDriver did not start a session: ${err.message}\n${stderr.join('')}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await driver.manage().setTimeouts({ script: CALL_TIMEOUT_MS, pageLoad: 60_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  const log = [];
  return {
    log,
    userAgent: () => driver.executeScript('return navigator.userAgent'),
    goto: (url) => driver.get(url),
    reload: () => driver.navigate().refresh(),
    waitForGlobal: (name) =>
      driver.wait(() => driver.executeScript('return typeof globalThis[arguments[0]] === "function"', name), 60_000, `${name}() never appeared`),
    async call(name, args) {
      const answer = await driver.executeAsyncScript(
        'const [name, args, done] = arguments;' +
          'Promise.resolve().then(() => globalThis[name](...args)).then(' +
          '(value) => done({ value }), (e) => done({ error: `${e && e.name}: ${e && e.message}\\n${e && e.stack}` }));',
        name,
        args,
      );
      if (answer.error !== undefined) throw new Error(answer.error);
      return answer.value;
    },
    evaluate: (fn) => driver.executeScript(`return (${fn.toString()})()`),
    onConsole: () => {},
    async close() {
      try {
        await driver.quit();
      } finally {
        await stop();
      }
    },
  };
}

/**
 * Opens `url` in WebKitGTK's MiniBrowser outside WebDriver: a normal session
 * whose website data (OPFS among it) lives in `profile`, which WebDriver's
 * sessions never have (they are ephemeral). Nothing drives the page; it
 * reports on its own (to the test server). Returns { close() }.
 */
export function openInMiniBrowser(url, profile) {
  const { stop } = inVirtualDisplay(miniBrowser(), [WEBKIT_FEATURES, url], webkitEnv(profile, false));
  return { close: stop };
}

/**
 * Launches `engine` (one of ENGINES) headless. `profile` is a folder to use
 * (and keep) as the profile; without it a fresh temporary one is made and
 * removed by close(). Returns { engine, name, log, userAgent(), goto(url),
 * reload(), waitForGlobal(name), call(name, args) -> the awaited result of
 * globalThis[name](...args) (JSON values only), evaluate(fn), onConsole(fn),
 * close() }. `log` collects the page's console where the driver reports it
 * (not on WebKit).
 */
export async function launchBrowser(engine, { profile, explicitResourceManagement } = {}) {
  if (!ENGINES.includes(engine)) throw new Error(`unknown engine ${engine}; one of ${ENGINES.join(', ')}`);
  if (engine === 'chromium') need(CHROMIUM, 'chromium');
  if (engine === 'firefox') need(FIREFOX, 'firefox-esr');
  const dir = profile ?? mkdtempSync(join(tmpdir(), `memmap-${engine}-`));
  const removeDir = () => {
    if (!profile) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const session = engine === 'webkit' ? await launchWebKit(dir, { explicitResourceManagement }) : await launchPuppeteer(engine, dir);
    return {
      ...session,
      engine,
      name: ENGINE_NAMES[engine],
      close: async () => {
        try {
          await session.close();
        } finally {
          removeDir();
        }
      },
    };
  } catch (err) {
    removeDir();
    throw err;
  }
}
