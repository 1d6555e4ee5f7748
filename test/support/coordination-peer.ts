/**
 * The other side of test/25-coordination.test.ts, as a child process
 * (forked with tsx, arguments in argv[2] as JSON, answers over IPC) or as a
 * worker_thread (arguments in workerData, answers on parentPort). It opens
 * the named map and does one job:
 *
 *   { job: 'count', locked, times, parties }  start barrier at byte 16, then
 *        `times` plain (non-atomic) increments of the Int32 at byte 32, each
 *        inside the MapMutex at byte 0 when `locked`, else of the Int32 at
 *        byte 48 with no lock (the control); answers { interleaved }: how often
 *        (locked) the counter had moved since this peer's last increment
 *   { job: 'hold' }     locks the mutex, answers 'locked', then stays in the
 *        critical section (writing into it) until it is killed
 *   { job: 'wait', position, expected, timeoutMs, async }  view.wait (or
 *        waitAsync) at `position`; answers its result
 *   { job: 'take', timeoutMs }  locks the mutex (sleeping in lock()), answers
 *        { ownerDied, ms }, unlocks
 *   { job: 'channel-send', count, maxLength }  sends `count` messages (-1: until
 *        killed) made by message(i, maxLength) on the channel `name`; answers 'sent'
 *   { job: 'channel-receive', maxLength }  receives until the end of the
 *        stream, checking each message against message(i, maxLength); answers
 *        { count, ok } or, when the channel breaks, { count, ok, code }
 *
 * Errors are answered as { error, code }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Channel, MapMutex, MemoryMappedFile } from '../../node/index.js';
import { message, sameBytes } from './messages.js';

interface Job {
  job: string;
  name: string;
  backend: 'native' | 'wasm';
  [key: string]: unknown;
}

const job = (parentPort ? workerData : JSON.parse(process.argv[2] as string)) as Job;
const answer = (message: unknown): void => {
  if (parentPort) parentPort.postMessage(message);
  else process.send!(message);
};

async function run(): Promise<void> {
  if (job.job === 'channel-send') {
    using channel = Channel.open(job.name, { backend: job.backend });
    const count = job.count as number;
    for (let i = 0; count < 0 || i < count; i++) await channel.sendAsync(message(i, job.maxLength as number));
    answer('sent');
    return;
  }
  if (job.job === 'channel-receive') {
    using channel = Channel.open(job.name, { backend: job.backend });
    let count = 0;
    let ok = true;
    try {
      for await (const m of channel) ok &&= sameBytes(m, message(count++, job.maxLength as number));
    } catch (err) {
      answer({ count, ok, code: (err as { code?: string }).code });
      return;
    }
    answer({ count, ok });
    return;
  }
  using map = MemoryMappedFile.openExistingSync(job.name, { backend: job.backend });
  using view = map.createViewAccessorSync();
  const mutex = new MapMutex(view, 0);
  const cells = new Int32Array(view.bytes.buffer, view.bytes.byteOffset, 16);
  switch (job.job) {
    case 'count': {
      const times = job.times as number;
      Atomics.add(cells, 4, 1);
      while (Atomics.load(cells, 4) < (job.parties as number));
      // `interleaved`: how often another peer's increments came between two of ours (proof of overlap).
      let interleaved = 0;
      if (job.locked) {
        let mine = -1;
        for (let i = 0; i < times; i++) {
          mutex.lock();
          const seen = view.readInt32(32);
          if (mine >= 0 && seen !== mine) interleaved++;
          view.writeInt32(32, seen + 1);
          mine = seen + 1;
          mutex.unlock();
        }
      } else {
        for (let i = 0; i < times; i++) view.writeInt32(48, view.readInt32(48) + 1);
      }
      answer({ interleaved });
      return;
    }
    case 'hold': {
      mutex.lock();
      answer('locked');
      for (let i = 0; ; i++) view.writeInt32(32, i);
    }
    case 'wait': {
      const args = [job.position as number, job.expected as number, job.timeoutMs as number] as const;
      answer(job.async ? await view.waitAsync(...args) : view.wait(...args));
      return;
    }
    case 'take': {
      const start = performance.now();
      const guard = mutex.lock(job.timeoutMs as number);
      answer({ ownerDied: guard.ownerDied, ms: performance.now() - start });
      mutex.unlock();
      return;
    }
    default:
      throw new Error(`unknown job ${job.job}`);
  }
}

run().catch((err: Error & { code?: string }) => answer({ error: err.message, code: err.code }));
