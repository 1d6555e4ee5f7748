/**
 * The busy-wait both sides of bench/shared.ts's ping-pong use: a loop of
 * `Atomics.load` on one Int32 cell of a named map's bytes (an external, not
 * shared, ArrayBuffer over the same physical page in both processes).
 *
 * `Atomics.load` is what keeps the JIT from hoisting the load out of the loop
 * and what orders it against the other side's `Atomics.store` (a locked store
 * on x86-64), so each round trip is a cache line going to the other core and
 * back. `Atomics.wait` would sleep instead of spinning, but it needs a
 * SharedArrayBuffer (DESIGN.md §6), and sleeping would measure the scheduler.
 *
 * @module
 */

/** The Int32 index of the ping-pong cell in the map. */
export const PING_CELL = 0;

/** Spins between clock checks: the clock is a call, the load is a cache hit. */
const SPINS_PER_CHECK = 1 << 20;

/**
 * Spins until `cells[index]` is `want`. Throws when `deadline` (a Date.now()
 * value) passes first, so a dead peer makes the benchmark fail instead of
 * hanging.
 */
export function spinUntil(cells: Int32Array, index: number, want: number, deadline: number): void {
  let spins = 0;
  while (Atomics.load(cells, index) !== want) {
    if (++spins === SPINS_PER_CHECK) {
      spins = 0;
      if (Date.now() > deadline) {
        throw new Error(`spun past the deadline waiting for cell ${index} to become ${want} (it is ${Atomics.load(cells, index)})`);
      }
    }
  }
}
