/**
 * The waiting loops of MapMutex and Channel are written once, as generators
 * that yield what they need done — sleep on a word while it holds a value,
 * or say whether a thread runs — and are driven either blocking (lock,
 * send, receive: ViewWaiter.wait, Threads.alive) or not (lockAsync,
 * sendAsync, receiveAsync: waitAsync, aliveAsync). An error thrown while
 * answering is thrown into the generator, so that its `finally` blocks run.
 *
 * @module
 */
import type { ViewWaiter, WaitResult } from './wait.js';

/** Sleep while the Int32 at `position` holds `value`, for at most `ms`; or: does thread (owner, token) run? */
export type Step = { position: number; value: number; ms: number } | { owner: number; token: number };

/** The answer to a step: a wait's result, or true / false / null (cannot tell) for a thread. */
export type Answer = WaitResult | boolean | null;

export type Steps<T> = Generator<Step, T, Answer>;

/** Runs `steps` to the end, blocking the thread in each wait. */
export function drive<T>(steps: Steps<T>, waiter: ViewWaiter): T {
  let step = steps.next();
  while (!step.done) {
    const want = step.value;
    let answer: Answer;
    try {
      answer = 'position' in want ? waiter.wait(want.position, want.value, want.ms) : waiter.threads.alive(want.owner, want.token);
    } catch (err) {
      step = steps.throw(err);
      continue;
    }
    step = steps.next(answer);
  }
  return step.value;
}

/** Runs `steps` to the end without blocking the thread. */
export async function driveAsync<T>(steps: Steps<T>, waiter: ViewWaiter): Promise<T> {
  let step = steps.next();
  while (!step.done) {
    const want = step.value;
    let answer: Answer;
    try {
      answer = 'position' in want
        ? await waiter.waitAsync(want.position, want.value, want.ms)
        : await waiter.threads.aliveAsync(want.owner, want.token);
    } catch (err) {
      step = steps.throw(err);
      continue;
    }
    step = steps.next(answer);
  }
  return step.value;
}
