/**
 * Socket calls that Deno makes synchronously (`Deno.listen()`, `conn.close()`,
 * `conn.setNoDelay()`), made with libc on the calling thread, as Deno makes them. They return at
 * once (nothing they do waits for the network). libc rather than a private ring: a ring made
 * inside a `Deno.test` with `permissions` (which revokes `--allow-ffi`) could not be mapped, and
 * a libc call needs no setup.
 *
 * @module
 */
import { cString, lastErrno, libc, Sock } from "../sys/mod.ts";

/** A libc result as the ring would give it: `-errno` when the call failed. */
function result(r: number): number {
  return r < 0 ? -lastErrno() : r;
}

/** socket(2); returns the fd or `-errno`. */
export function syncSocket(domain: number, type: number): number {
  return result(libc().socket(domain, type | Sock.SOCK_CLOEXEC, 0));
}

/** bind(2); returns 0 or `-errno`. */
export function syncBind(fd: number, addr: Uint8Array): number {
  return result(libc().bind(fd, addr, addr.byteLength));
}

/** listen(2); returns 0 or `-errno`. */
export function syncListen(fd: number, backlog: number): number {
  return result(libc().listen(fd, backlog));
}

const ONE = new Int32Array([1]);
const ZERO = new Int32Array([0]);

/** setsockopt(2) of a boolean option; returns 0 or `-errno`. */
export function syncSetFlag(fd: number, level: number, name: number, on: boolean): number {
  return result(libc().setsockopt(fd, level, name, on ? ONE : ZERO, 4));
}

/** shutdown(2); returns 0 or `-errno`. */
export function syncShutdown(fd: number, how: number): number {
  return result(libc().shutdown(fd, how));
}

/** close(2); returns 0 or `-errno`. */
export function syncClose(fd: number): number {
  return result(libc().close(fd));
}

/** unlink(2) of a socket file; returns 0 or `-errno`. */
export function syncUnlink(path: string): number {
  return result(libc().unlink(cString(path)));
}
