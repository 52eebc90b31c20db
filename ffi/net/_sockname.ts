/**
 * Socket addresses in Deno's shapes: getsockname(2) (io_uring has no op for it; the shim's
 * `uring_getsockname` is one system call) decoded to `Deno.NetAddr` / `Deno.UnixAddr`.
 *
 * @module
 */
import { parseSockaddr } from "../ring/mod.ts";
import { denoNetError, native } from "../sys/mod.ts";
import { unixPath } from "./_addr.ts";

/** A `Deno.NetAddr` as Deno makes them (an object without a prototype). */
export function netAddr(hostname: string, port: number): Deno.NetAddr {
  const a = Object.create(null) as Deno.NetAddr;
  a.hostname = hostname;
  a.port = port;
  a.transport = "tcp";
  return a;
}

const buf = new Uint8Array(128);

function sockname(fd: number): number {
  const n = native().uring_getsockname(fd, buf, buf.length);
  if (n < 0) throw denoNetError(-n);
  return n;
}

/** The local address of TCP socket `fd`. */
export function localSockaddr(fd: number): Deno.NetAddr {
  sockname(fd);
  const a = parseSockaddr(buf);
  return netAddr(a.hostname, a.port);
}

/** The local address of Unix socket `fd` (`path` null when it has no name). */
export function localUnixAddr(fd: number): Deno.UnixAddr {
  const n = sockname(fd);
  return { transport: "unix", path: unixPath(buf, n) } as Deno.UnixAddr;
}
