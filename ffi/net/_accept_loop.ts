/**
 * The accept loop of the servers (`serveTcp`, `serve`): one multishot accept, a handler per
 * connection, and the accept errors that pass.
 *
 * @internal
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { Errno, UringError } from "../sys/mod.ts";

/** accept(2) errors that pass: out of fds or memory, or a connection gone before it was taken. */
const RETRY_ACCEPT = new Set<number>([
  Errno.EMFILE,
  Errno.ENFILE,
  Errno.ENOBUFS,
  Errno.ENOMEM,
  Errno.ECONNABORTED,
]);
/** How long a server waits before accepting again after such an error. */
const ACCEPT_RETRY_MS = 50;

/**
 * Accepts on `lfd` until `signal` aborts, calling `serve` for each connection and keeping its
 * promise in `running` until it settles. Out of fds or memory, it accepts again 50 ms later (the
 * connections wait in the listen backlog meanwhile); any other accept error rejects.
 */
export async function _acceptLoop(
  io: AsyncRing,
  lfd: number,
  signal: AbortSignal,
  serve: (fd: number) => Promise<void>,
  running: Set<Promise<void>>,
): Promise<void> {
  while (!signal.aborted) {
    try {
      for await (const fd of io.acceptMultishot(lfd, { signal })) {
        const p = serve(fd);
        running.add(p);
        p.finally(() => running.delete(p));
      }
      return;
    } catch (err) {
      if (signal.aborted) return;
      if (!(err instanceof UringError && RETRY_ACCEPT.has(err.errno))) throw err;
      await io.timeout(ACCEPT_RETRY_MS, { signal }).catch(() => {});
    }
  }
}
