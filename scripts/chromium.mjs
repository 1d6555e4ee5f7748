// Headless Chromium for the browser tests and the browser benchmark, the way
// it works on these machines (Debian's `chromium`, driven by playwright-core):
// a fresh persistent profile — OPFS in a default (incognito) context is kept
// in memory and is about 200× slower — and launch flags that keep it off the
// network it cannot reach.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.MEMMAP_CHROMIUM ?? '/usr/bin/chromium';

export const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches headless Chromium with a fresh profile. Returns the Playwright
 * context and close(), which also removes the profile.
 */
export async function launchChromium(prefix = 'memmap-chromium-') {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), prefix));
  try {
    // MEMMAP_JS_FLAGS passes V8 flags, for profiling (e.g. "--trace-opt --trace-deopt", or
    // "--perf-prof" for jit-<pid>.dump files; DEBUG=pw:browser shows V8's output).
    const jsFlags = process.env.MEMMAP_JS_FLAGS ? [`--js-flags=${process.env.MEMMAP_JS_FLAGS}`] : [];
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...jsFlags] });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
