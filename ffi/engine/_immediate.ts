/**
 * `immediate(fn)`: runs `fn` in a task of its own once the event loop has had a turn, like
 * `setImmediate`, without loading Deno's Node compatibility layer (`node:timers` costs a few ms
 * at start-up, and `setTimeout(fn, 0)` waits about 2 ms). A `MessageChannel` message is such a
 * task. The channel is closed once its message arrived: a port listening for the next message
 * would keep the process alive.
 *
 * @internal
 * @module
 */

let queue: (() => void)[] = [];
let ports: MessageChannel | undefined;

function run(): void {
  const q = queue, ch = ports!;
  queue = [];
  ports = undefined;
  ch.port1.close();
  ch.port2.close();
  for (const fn of q) fn();
}

/**
 * Queues `fn` to run after the event loop's next turn (timers and I/O callbacks due by then run
 * first). Callbacks run in the order queued; a pending one keeps the process alive.
 *
 * @internal
 */
export function immediate(fn: () => void): void {
  if (queue.push(fn) === 1) {
    const ch = ports = new MessageChannel();
    ch.port1.onmessage = run;
    ch.port2.postMessage(null);
  }
}
