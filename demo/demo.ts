/**
 * The demo page (demo/index.html): starts the workers of demo/worker.ts and
 * shows what they do.
 *
 *   (a) one worker maps a large OPFS file, fills it and does random reads
 *       and writes; the page shows its progress messages;
 *   (b) several workers share a named map with the page (the page posts its
 *       shared arena to each); the page reads their counters live with
 *       Atomics.load on every animation frame.
 *
 * Without cross-origin isolation there is no SharedArrayBuffer: (b) shows
 * the error memmap gives then, and (a) still runs (OPFS needs no isolation).
 */
// The real bundle, as a browser loads it (tsconfig maps this path to browser/index.ts for types).
import * as mm from '/dist/browser/memmap.mjs';
import { CELLS, type CountJob, type CountProgress, type FileJob, type FileProgress } from './worker.js';

const workerUrl = new URL('./worker.js', import.meta.url);
const MiB = 1 << 20;

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
}

function input(id: string): HTMLInputElement {
  return $(id) as HTMLInputElement;
}

function numberIn(id: string, min: number, max: number): number {
  const value = Math.round(Number(input(id).value));
  if (!Number.isFinite(value) || value < min || value > max) throw new RangeError(`${input(id).labels?.[0]?.textContent?.trim() ?? id} must be from ${min} to ${max}`);
  return value;
}

const fmt = new Intl.NumberFormat('en-US');
const fmt1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

/** 12345678 → "12.3 M" */
function short(n: number): string {
  if (n >= 1e9) return `${fmt1.format(n / 1e9)} G`;
  if (n >= 1e6) return `${fmt1.format(n / 1e6)} M`;
  if (n >= 1e4) return `${fmt1.format(n / 1e3)} k`;
  return fmt.format(Math.round(n));
}

function setBar(id: string, fraction: number, done = false): void {
  const bar = $(id);
  (bar.firstElementChild as HTMLElement).style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  bar.classList.toggle('done', done);
}

/** An error's message, with its memmap code in front (MemmapError messages already start with it). */
function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  return e?.code && !message.startsWith(`${e.code}:`) ? `${e.code}: ${message}` : message;
}

// --- Cross-origin isolation ----------------------------------------------------

function showIsolation(): void {
  const note = $('isolation');
  if (globalThis.crossOriginIsolated) {
    note.className = 'note ok';
    note.textContent =
      'This page is cross-origin isolated (served with Cross-Origin-Opener-Policy: same-origin and ' +
      'Cross-Origin-Embedder-Policy: require-corp): SharedArrayBuffer works, so the page and its workers can share named maps.';
    return;
  }
  note.className = 'note';
  note.innerHTML =
    '<strong>This page is not cross-origin isolated</strong>, so SharedArrayBuffer is unavailable and part (b) cannot run. ' +
    'Serve it with the headers <code>Cross-Origin-Opener-Policy: same-origin</code> and ' +
    '<code>Cross-Origin-Embedder-Policy: require-corp</code> (<code>npm run demo:browser</code> does, except under <code>/no-coi/</code>). ' +
    'Part (a) still works: OPFS files need a worker, not isolation.';
}

// --- (a) a large OPFS file -------------------------------------------------------

let fileRunning = false;

function runFile(job: FileJob): Promise<void> {
  const worker = new Worker(workerUrl, { type: 'module' });
  let lastOps = 0;
  let lastSeconds = 0;
  return new Promise<void>((resolve, reject) => {
    worker.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
    worker.onmessage = (event: MessageEvent<FileProgress>) => {
      const m = event.data;
      switch (m.phase) {
        case 'fill': {
          setBar('fill-bar', m.written / m.total, m.written === m.total);
          $('fill-text').textContent = `${fmt.format(m.written / MiB)} / ${fmt.format(m.total / MiB)} MiB · ${fmt1.format(m.seconds)} s`;
          $('fill-rate').textContent = `${fmt.format(Math.round(m.written / MiB / Math.max(m.seconds, 1e-3)))} MiB/s`;
          $('fill-io').textContent = `${fmt.format(m.storage.pageLoads)} · ${fmt.format(m.storage.writeBacks)}`;
          $('file-phase').textContent = 'Filling the file through a view stream: pages are written back to OPFS as the cache evicts them.';
          break;
        }
        case 'flush':
          $('file-phase').textContent = `Flushing the last dirty pages (${fmt1.format(m.seconds)} s so far)…`;
          $('fill-io').textContent = `${fmt.format(m.storage.pageLoads)} · ${fmt.format(m.storage.writeBacks)}`;
          break;
        case 'random': {
          setBar('random-bar', m.seconds / job.seconds, m.done);
          const rate = m.seconds > lastSeconds ? (m.ops - lastOps) / (m.seconds - lastSeconds) : 0;
          lastOps = m.ops;
          lastSeconds = m.seconds;
          const hits = m.ops - m.storage.pageLoads;
          $('random-text').textContent = `${fmt.format(m.ops)} ops · ${fmt1.format(m.seconds)} s`;
          $('ops-rate').textContent = short(m.done ? m.ops / m.seconds : rate);
          $('hit-rate').textContent = `${fmt1.format((100 * hits) / Math.max(1, m.ops))}\u00a0%`;
          $('read-write').textContent = `${short(m.reads)} · ${short(m.writes)}`;
          $('checks').innerHTML =
            m.mismatches === 0
              ? `<span class="good">${short(m.ops)} ok</span>`
              : `<span class="bad">${fmt.format(m.mismatches)} wrong</span>`;
          $('random-io').textContent = `${fmt.format(m.storage.pageLoads)} · ${fmt.format(m.storage.writeBacks)}`;
          $('file-phase').textContent = m.done
            ? `Random phase done: ${fmt.format(m.ops)} operations at ${short(m.ops / m.seconds)}/s on average, ${fmt.format(hits)} served from the cache. Flushing and closing…`
            : `Random reads and writes (${job.hotPercent} % in a hot region of ${fmt.format(job.cacheMiB / 2)} MiB), page loads and write-backs counted during this phase.`;
          break;
        }
        case 'done':
          $('file-state').textContent = m.kept ? `kept: ${m.path}` : 'closed, deleted';
          $('file-phase').textContent += ' Done.';
          worker.terminate();
          resolve();
          break;
        case 'error':
          worker.terminate();
          reject(new Error(m.message));
          break;
      }
    };
    worker.postMessage(job);
  });
}

$('file-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (fileRunning) return;
  $('file-error').textContent = '';
  let job: FileJob;
  try {
    job = {
      job: 'file',
      sizeMiB: numberIn('size', 16, 8192),
      cacheMiB: numberIn('cache', 1, 512),
      seconds: numberIn('seconds', 1, 60),
      hotPercent: numberIn('hot', 0, 100),
      pageSize: Number((document.getElementById('page-size') as HTMLSelectElement).value),
      keep: input('keep').checked,
    };
  } catch (err) {
    $('file-error').textContent = errorText(err);
    return;
  }
  fileRunning = true;
  (document.getElementById('file-start') as HTMLButtonElement).disabled = true;
  document.body.dataset.file = 'running';
  for (const id of ['ops-rate', 'hit-rate', 'read-write', 'checks', 'fill-io', 'random-io', 'fill-rate', 'file-state', 'fill-text', 'random-text']) {
    $(id).textContent = '–';
  }
  setBar('fill-bar', 0);
  setBar('random-bar', 0);
  $('file-state').textContent = `open, ${fmt.format(job.sizeMiB)} MiB`;
  try {
    await runFile(job);
    document.body.dataset.file = 'done';
  } catch (err) {
    $('file-error').textContent = errorText(err);
    $('file-state').textContent = job.keep ? 'failed (kept what was made)' : 'failed, deleted';
    document.body.dataset.file = 'failed';
  } finally {
    fileRunning = false;
    (document.getElementById('file-start') as HTMLButtonElement).disabled = false;
  }
});

// --- (b) workers sharing a named map -----------------------------------------------

let countRunning = false;

function workerRows(count: number): { bar: HTMLElement; value: HTMLElement }[] {
  const rows = $('worker-rows');
  rows.textContent = '';
  const out: { bar: HTMLElement; value: HTMLElement }[] = [];
  for (let i = 0; i < count; i++) {
    const row = document.createElement('div');
    row.className = 'row';
    row.innerHTML = `<span class="label">worker ${i + 1}</span><div class="bar"><div></div></div><span class="value">0</span>`;
    rows.append(row);
    out.push({ bar: row.querySelector('.bar') as HTMLElement, value: row.querySelector('.value') as HTMLElement });
  }
  return out;
}

async function runCount(workers: number, seconds: number): Promise<void> {
  const name = `demo-counters-${Date.now()}`;
  // Cells: see CELLS in worker.ts.
  using map = await mm.MemoryMappedFile.createNew(name, 4096);
  using view = await map.createViewAccessor();
  const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, view.bytes.byteLength / 4);
  const arena = mm.sharedArena();
  const rows = workerRows(workers);
  const started: Worker[] = [];
  const stopped: Promise<void>[] = [];
  const ready: Promise<void>[] = [];
  try {
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(workerUrl, { type: 'module' });
      started.push(worker);
      let onReady!: () => void;
      ready.push(new Promise<void>((resolve) => (onReady = resolve)));
      stopped.push(
        new Promise<void>((resolve, reject) => {
          worker.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
          worker.onmessage = (event: MessageEvent<CountProgress>) => {
            if (event.data.phase === 'ready') onReady();
            else if (event.data.phase === 'stopped') resolve();
            else reject(new Error(event.data.message));
          };
        }),
      );
      worker.postMessage({ job: 'count', arena, name, index: i } satisfies CountJob);
    }
    await Promise.race([Promise.all(ready), Promise.all(stopped)]);

    const start = performance.now();
    let lastTotal = 0;
    let lastTime = start;
    let rate = 0;
    const draw = (): void => {
      const counts = rows.map((_, i) => Atomics.load(cells, CELLS.firstWorker + i));
      const max = Math.max(1, ...counts);
      counts.forEach((c, i) => {
        (rows[i]!.bar.firstElementChild as HTMLElement).style.width = `${(100 * c) / max}%`;
        rows[i]!.value.textContent = fmt.format(c);
      });
      const total = Atomics.load(cells, CELLS.atomicTotal);
      const now = performance.now();
      if (now - lastTime >= 250) {
        rate = ((total - lastTotal) * 1000) / (now - lastTime);
        lastTotal = total;
        lastTime = now;
      }
      $('atomic-total').textContent = fmt.format(total);
      $('worker-sum').textContent = fmt.format(counts.reduce((a, b) => a + b, 0));
      $('plain-total').textContent = fmt.format(Atomics.load(cells, CELLS.plainTotal));
      $('count-rate').textContent = short(rate);
    };
    let frame = 0;
    const tick = (): void => {
      draw();
      frame = requestAnimationFrame(tick);
    };
    $('count-verdict').textContent = `Counting for ${seconds} s…`;
    Atomics.store(cells, CELLS.state, 1);
    Atomics.notify(cells, CELLS.state);
    tick();
    // Timers drive the stop (animation frames pause in background tabs).
    const timer = setInterval(draw, 250);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    Atomics.store(cells, CELLS.state, 2);
    await Promise.all(stopped);
    cancelAnimationFrame(frame);
    clearInterval(timer);
    draw();
    const elapsed = (performance.now() - start) / 1000;
    const total = Atomics.load(cells, CELLS.atomicTotal);
    const sum = rows.reduce((a, _, i) => a + Atomics.load(cells, CELLS.firstWorker + i), 0);
    const plain = Atomics.load(cells, CELLS.plainTotal);
    $('count-rate').textContent = short(total / elapsed);
    rows.forEach((r) => r.bar.classList.add('done'));
    const exact = total === sum;
    const lost = total - plain;
    $('count-verdict').innerHTML =
      `<span class="${exact ? 'good' : 'bad'}">${exact ? '✓' : '✗'} Atomics.add total ${fmt.format(total)} ${exact ? '=' : '≠'} sum of the workers' cells ${fmt.format(sum)}</span>` +
      ` · plain <code>++</code> lost ${fmt.format(lost)} of ${fmt.format(total)} increments (${fmt1.format((100 * lost) / Math.max(1, total))}&nbsp;%) to races between ${workers} workers.`;
  } finally {
    Atomics.store(cells, CELLS.state, 2);
    for (const w of started) w.terminate();
  }
}

$('count-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (countRunning) return;
  $('count-error').textContent = '';
  $('count-verdict').textContent = '';
  let workers: number;
  let seconds: number;
  try {
    workers = numberIn('workers', 1, 16);
    seconds = numberIn('count-seconds', 1, 60);
  } catch (err) {
    $('count-error').textContent = errorText(err);
    return;
  }
  countRunning = true;
  (document.getElementById('count-start') as HTMLButtonElement).disabled = true;
  document.body.dataset.count = 'running';
  try {
    await runCount(workers, seconds);
    document.body.dataset.count = 'done';
  } catch (err) {
    $('count-error').textContent = errorText(err);
    document.body.dataset.count = 'failed';
  } finally {
    countRunning = false;
    (document.getElementById('count-start') as HTMLButtonElement).disabled = false;
  }
});

showIsolation();
input('workers').value = String(Math.max(2, Math.min(4, navigator.hardwareConcurrency || 2)));
if (!globalThis.crossOriginIsolated) {
  // Show memmap's own error, which says what to change.
  mm.MemoryMappedFile.createNew('probe', 8).then(
    (map) => map.close(),
    (err) => {
      $('count-error').textContent = `MemoryMappedFile.createNew here: ${errorText(err)}`;
    },
  );
  (document.getElementById('count-start') as HTMLButtonElement).disabled = true;
}
document.body.dataset.ready = 'yes';
