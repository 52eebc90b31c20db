/**
 * `listen()`: `Deno.listen` on io_uring.
 *
 * @module
 */
import { type AsyncRing, defaultRing } from "../async/mod.ts";
import { sockaddr } from "../ring/mod.ts";
import { denoNetError, Sock } from "../sys/mod.ts";
import { checkTcp, checkUnix, hostOf, portOf, unixSockaddr } from "./_addr.ts";
import { resolveSync } from "./_resolve.ts";
import { localSockaddr } from "./_sockname.ts";
import { syncBind, syncClose, syncListen, syncSetFlag, syncSocket } from "./_sync.ts";
import type { TcpConn, UnixConn } from "./conn.ts";
import { Listener } from "./listener.ts";

/** listen(2) backlog, as Deno's. */
const BACKLOG = 511;

/** A listening socket made with socket, options, bind and listen; the fd, or throws Deno's error. */
function listenSocket(domain: number, addr: Uint8Array, flags: readonly number[]): number {
  const fd = syncSocket(domain, Sock.SOCK_STREAM);
  if (fd < 0) throw denoNetError(-fd);
  let res = 0;
  for (const name of flags) if (res >= 0) res = syncSetFlag(fd, Sock.SOL_SOCKET, name, true);
  if (res >= 0) res = syncBind(fd, addr);
  if (res >= 0) res = syncListen(fd, BACKLOG);
  if (res < 0) {
    syncClose(fd);
    throw denoNetError(-res);
  }
  return fd;
}

/** {@link listen} on ring `io`: a TCP listener. */
export function listenOn(
  io: AsyncRing,
  options: Deno.TcpListenOptions & { transport?: "tcp" },
): Listener<TcpConn, Deno.NetAddr>;
/** {@link listen} on ring `io`: a Unix-socket listener. */
export function listenOn(
  io: AsyncRing,
  options: Deno.UnixListenOptions & { transport: "unix" },
): Listener<UnixConn, Deno.UnixAddr>;
export function listenOn(
  io: AsyncRing,
  options:
    | (Deno.TcpListenOptions & { transport?: "tcp" })
    | (Deno.UnixListenOptions & { transport: "unix" }),
): Listener<TcpConn, Deno.NetAddr> | Listener<UnixConn, Deno.UnixAddr> {
  const transport = options.transport ?? "tcp";
  if (transport === "tcp") {
    const o = options as Deno.TcpListenOptions;
    const port = portOf(o.port, false);
    const hostname = hostOf(o.hostname, "0.0.0.0");
    checkTcp(hostname, port);
    const bytes = sockaddr(resolveSync(hostname, port));
    const domain = bytes.length === 16 ? Sock.AF_INET : Sock.AF_INET6;
    const flags = o.reusePort === true
      ? [Sock.SO_REUSEADDR, Sock.SO_REUSEPORT]
      : [Sock.SO_REUSEADDR];
    const fd = listenSocket(domain, bytes, flags);
    return new Listener<TcpConn, Deno.NetAddr>(io, fd, localSockaddr(fd));
  }
  if (transport === "unix") {
    const path = (options as Deno.UnixListenOptions).path;
    checkUnix(path);
    const fd = listenSocket(Sock.AF_UNIX, unixSockaddr(path), []);
    return new Listener<UnixConn, Deno.UnixAddr>(io, fd, { transport: "unix", path });
  }
  throw new TypeError(`Unsupported transport: '${transport}'`);
}

/**
 * Listens on a TCP port or a Unix socket, like `Deno.listen` (same options, listener, errors
 * and `--allow-net` checks; a Unix socket also needs read and write access to its path). Host
 * names are resolved by the system resolver, as Deno does. Synchronous like Deno's: the socket
 * is set up with io_uring ops submitted and waited for at once on a small private ring.
 *
 * @param options `{ hostname = "0.0.0.0", port = 0, reusePort }` or `{ transport: "unix", path }`
 * @returns the listener; its connections read and write on the module's default ring
 * @throws {Deno.errors.AddrInUse} when the address is taken
 * @throws {Deno.errors.AddrNotAvailable} for an address not on this host
 * @throws {Deno.errors.NotCapable} outside `--allow-net` (and `--allow-read`/`--allow-write` for a Unix path)
 * @throws {RangeError|TypeError} for an invalid port, as Deno
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { listen } from "../../mod.ts";
 * using listener = listen({ hostname: "127.0.0.1", port: 0 });
 * assertEquals(listener.addr.transport, "tcp");
 * const accepted = listener.accept();
 * const client = await Deno.connect({ port: listener.addr.port });
 * const conn = await accepted;
 * assertEquals(conn.remoteAddr.port, client.localAddr.port);
 * conn.close();
 * client.close();
 * ```
 */
export function listen(
  options: Deno.TcpListenOptions & { transport?: "tcp" },
): Listener<TcpConn, Deno.NetAddr>;
/**
 * Listens on a Unix socket, like `Deno.listen({ transport: "unix", path })`; see the TCP form.
 *
 * @param options `{ transport: "unix", path }`
 * @returns the listener
 *
 * @example
 * ```ts
 * import { listen } from "../../mod.ts";
 * using listener = listen({ transport: "unix", path: `${Deno.makeTempDirSync()}/a.sock` });
 * ```
 */
export function listen(
  options: Deno.UnixListenOptions & { transport: "unix" },
): Listener<UnixConn, Deno.UnixAddr>;
export function listen(
  options:
    | (Deno.TcpListenOptions & { transport?: "tcp" })
    | (Deno.UnixListenOptions & { transport: "unix" }),
): Listener<TcpConn, Deno.NetAddr> | Listener<UnixConn, Deno.UnixAddr> {
  return listenOn(defaultRing(), options as Deno.TcpListenOptions);
}
