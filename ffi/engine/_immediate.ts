/**
 * `immediate(fn)`: runs `fn` in a task of its own once the event loop has had a turn, like
 * `setImmediate`. Deno's global `setImmediate` is a getter that loads its Node timers on first use
 * (~5 ms), so it is looked up when the first yield is needed, never at import: a program that
 * never runs 2048 inline ops in a row never loads it. (A `MessageChannel` message, tried as a
 * cheaper task, let the engine's yields starve timers: a 10 ms timer under an `await io.nop()`
 * loop fired after 70-150 ms; and `setTimeout(fn, 0)` waits ~2 ms.)
 *
 * @internal
 * @module
 */

type Immediate = (fn: () => void) => unknown;
let impl: Immediate | undefined;

function pick(): Immediate {
  const g = (globalThis as { setImmediate?: Immediate }).setImmediate;
  return typeof g === "function" ? g : (fn) => setTimeout(fn, 0);
}

/**
 * Queues `fn` to run after the event loop's next turn (timers and I/O callbacks due by then run
 * first). A pending one keeps the process alive.
 *
 * @internal
 */
export function immediate(fn: () => void): void {
  (impl ??= pick())(fn);
}
