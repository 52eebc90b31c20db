/**
 * Socket calls that Deno makes synchronously (`Deno.listen()`, `conn.close()`,
 * `conn.setNoDelay()`), run on a small private `Ring` of their own: one SQE, submitted and waited
 * for at once. These ops complete inside `io_uring_enter` (nothing they do waits for the
 * network), so the thread does not block for longer than the system call would.
 *
 * @module
 */
import { CqeBatch, Ring, type Sqe } from "../ring/mod.ts";
import { Sock, SocketCmd } from "../sys/mod.ts";

let ring: Ring | undefined;
const batch = new CqeBatch(1);

/** Runs the op `prep` writes and returns its CQE's `res` (`-errno` on failure). */
function run(prep: (s: Sqe) => void): number {
  if (ring === undefined || ring.closed) ring = new Ring({ entries: 4, registerRingFd: false });
  const s = ring.getSqe()!;
  prep(s);
  s.userData = 1;
  ring.submitAndWait(1);
  ring.copyCqes(batch, 1);
  return batch.res(0);
}

/** socket(2); returns the fd or `-errno`. */
export function syncSocket(domain: number, type: number): number {
  return run((s) => s.prepSocket(domain, type | Sock.SOCK_CLOEXEC, 0));
}

/** bind(2); returns 0 or `-errno`. */
export function syncBind(fd: number, addr: Uint8Array): number {
  return run((s) => s.prepBind(fd, addr));
}

/** listen(2); returns 0 or `-errno`. */
export function syncListen(fd: number, backlog: number): number {
  return run((s) => s.prepListen(fd, backlog));
}

const ONE = new Int32Array([1]);
const ZERO = new Int32Array([0]);

/** setsockopt(2) of a boolean option; returns 0 or `-errno`. */
export function syncSetFlag(fd: number, level: number, name: number, on: boolean): number {
  return run((s) => s.prepCmdSock(SocketCmd.SETSOCKOPT, fd, level, name, on ? ONE : ZERO));
}

/** shutdown(2); returns 0 or `-errno`. */
export function syncShutdown(fd: number, how: number): number {
  return run((s) => s.prepShutdown(fd, how));
}

/** close(2); returns 0 or `-errno`. */
export function syncClose(fd: number): number {
  return run((s) => s.prepClose(fd));
}

/** unlink(2) of a socket file; returns 0 or `-errno`. */
export function syncUnlink(path: string): number {
  return run((s) => s.prepUnlink(path));
}
