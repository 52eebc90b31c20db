/**
 * The few socket calls `serve()` makes synchronously, as `Deno.serve` returns its server (with
 * `addr`) synchronously: the listening socket is made with libc's socket/setsockopt/bind/listen,
 * and a connection's peer address is read with getpeername(2) when a handler asks for it.
 * io_uring has no getpeername op, and an op would make `serve()` return a promise.
 *
 * @internal
 * @module
 */
import { parseSockaddr, sockaddr, type SocketAddress } from "../ring/mod.ts";
import { lastErrno as errno, libc, Sock } from "../sys/mod.ts";

const ERRORS: Record<number, [string, new (m: string) => Error]> = {
  98: ["Address already in use", Deno.errors.AddrInUse],
  99: ["Cannot assign requested address", Deno.errors.AddrNotAvailable],
  13: ["Permission denied", Deno.errors.PermissionDenied],
};

/** A Deno-style error for a failed socket call (`Address already in use (os error 98)`). */
function socketError(code: number): Error {
  const [text, Cls] = ERRORS[code] ?? [`os error ${code}`, Error];
  const e = new Cls(`${text} (os error ${code})`);
  (e as { code?: string }).code = code === 98 ? "EADDRINUSE" : undefined;
  return e;
}

/**
 * A listening TCP socket (close-on-exec; `SO_REUSEADDR`, `TCP_NODELAY` inherited by accepted
 * sockets, `SO_REUSEPORT` when asked), made synchronously.
 *
 * @returns the fd and its bound address (the kernel's port for port 0)
 */
export function listenTcpSync(
  hostname: string,
  port: number,
  reusePort: boolean,
  backlog = 511,
): { fd: number; addr: SocketAddress } {
  const addr = sockaddr({ hostname, port });
  const c = libc();
  const fd = c.socket(addr.length === 16 ? Sock.AF_INET : Sock.AF_INET6, 1 | 0o2000000, 0);
  if (fd < 0) throw socketError(errno());
  const one = new Int32Array([1]);
  const fail = () => {
    const e = errno();
    c.close(fd);
    return socketError(e);
  };
  if (c.setsockopt(fd, Sock.SOL_SOCKET, Sock.SO_REUSEADDR, one, 4) < 0) throw fail();
  if (reusePort && c.setsockopt(fd, Sock.SOL_SOCKET, Sock.SO_REUSEPORT, one, 4) < 0) throw fail();
  if (c.setsockopt(fd, Sock.IPPROTO_TCP, Sock.TCP_NODELAY, one, 4) < 0) throw fail();
  if (c.bind(fd, addr, addr.length) < 0) throw fail();
  if (c.listen(fd, backlog) < 0) throw fail();
  const bound = nameOf(fd, false);
  if (bound === null) throw fail();
  return { fd, addr: bound };
}

/** getsockname(2) (`peer` false) or getpeername(2) of `fd`; null when it fails. */
export function nameOf(fd: number, peer: boolean): SocketAddress | null {
  const buf = new Uint8Array(128);
  const len = new Uint32Array([128]);
  const c = libc();
  const r = peer ? c.getpeername(fd, buf, len) : c.getsockname(fd, buf, len);
  return r < 0 ? null : parseSockaddr(buf);
}

/** close(2) of a socket that never reached the ring. */
export function closeSync(fd: number): void {
  libc().close(fd);
}
