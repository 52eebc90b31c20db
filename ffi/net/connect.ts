/**
 * `connect()`: `Deno.connect` on io_uring.
 *
 * @module
 */
import { type AsyncRing, defaultRing } from "../async/mod.ts";
import { sockaddr } from "../ring/mod.ts";
import { Sock } from "../sys/mod.ts";
import { checkTcp, checkUnix, hostOf, portOf, unixSockaddr } from "./_addr.ts";
import { resolve } from "./_resolve.ts";
import { localSockaddr, localUnixAddr, netAddr } from "./_sockname.ts";
import { netError, TcpConn, UnixConn } from "./conn.ts";

/** Socket, then connect on `io`; the fd, or Deno's error with nothing left open. */
async function connectSocket(
  io: AsyncRing,
  domain: number,
  addr: Uint8Array,
  signal: AbortSignal | undefined,
): Promise<number> {
  const fd = await io.socket(domain, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC).catch((err) => {
    throw netError(err);
  });
  try {
    await io.connect(fd, addr, signal ? { signal } : undefined);
  } catch (err) {
    if (!io.closed) await io.closeFd(fd).catch(() => {});
    throw netError(err);
  }
  return fd;
}

/** {@link connect} on ring `io`: a TCP connection. */
export function connectOn(io: AsyncRing, options: Deno.ConnectOptions): Promise<TcpConn>;
/** {@link connect} on ring `io`: a Unix-socket connection. */
export function connectOn(io: AsyncRing, options: Deno.UnixConnectOptions): Promise<UnixConn>;
export async function connectOn(
  io: AsyncRing,
  options: Deno.ConnectOptions | Deno.UnixConnectOptions,
): Promise<TcpConn | UnixConn> {
  const transport = options.transport ?? "tcp";
  if (transport === "tcp") {
    const o = options as Deno.ConnectOptions;
    const port = portOf(o.port, true);
    const hostname = hostOf(o.hostname, "127.0.0.1");
    checkTcp(hostname, port);
    const signal = o.signal;
    signal?.throwIfAborted();
    const peer = await resolve(hostname, port);
    signal?.throwIfAborted();
    const bytes = sockaddr(peer);
    const domain = bytes.length === 16 ? Sock.AF_INET : Sock.AF_INET6;
    const fd = await connectSocket(io, domain, bytes, signal);
    return new TcpConn(io, fd, localSockaddr(fd), netAddr(peer.hostname, port));
  }
  if (transport === "unix") {
    const path = (options as Deno.UnixConnectOptions).path;
    checkUnix(path);
    const fd = await connectSocket(io, Sock.AF_UNIX, unixSockaddr(path), undefined);
    return new UnixConn(io, fd, localUnixAddr(fd), { transport: "unix", path });
  }
  throw new TypeError(`Unsupported transport: '${transport}'`);
}

/**
 * Connects to a TCP port or a Unix socket, like `Deno.connect` (same options, connection,
 * errors and `--allow-net` checks). Host names are resolved by the system resolver (as Deno:
 * the first address it gives), on a worker thread.
 *
 * @param options `{ hostname = "127.0.0.1", port, signal }` or `{ transport: "unix", path }`
 * @returns the connection, reading and writing on the module's default ring
 * @throws {Deno.errors.ConnectionRefused} when nothing listens there
 * @throws {Deno.errors.NotCapable} outside `--allow-net` (and `--allow-read`/`--allow-write` for a Unix path)
 * @throws {RangeError|TypeError} for an invalid port, as Deno
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { connect } from "../../mod.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using conn = await connect({ hostname: "localhost", port: listener.addr.port });
 * assertEquals(conn.remoteAddr.port, listener.addr.port);
 * listener.close();
 * await assertRejects(() => connect({ port: listener.addr.port }), Deno.errors.ConnectionRefused);
 * ```
 */
export function connect(options: Deno.ConnectOptions): Promise<TcpConn>;
/**
 * Connects to a Unix socket, like `Deno.connect({ transport: "unix", path })`; see the TCP form.
 *
 * @param options `{ transport: "unix", path }`
 * @returns the connection
 *
 * @example
 * ```ts
 * import { connect, listen } from "../../mod.ts";
 * const path = `${Deno.makeTempDirSync()}/c.sock`;
 * using _listener = listen({ transport: "unix", path });
 * using _conn = await connect({ transport: "unix", path });
 * ```
 */
export function connect(options: Deno.UnixConnectOptions): Promise<UnixConn>;
export function connect(
  options: Deno.ConnectOptions | Deno.UnixConnectOptions,
): Promise<TcpConn | UnixConn> {
  return connectOn(defaultRing(), options as Deno.ConnectOptions);
}
