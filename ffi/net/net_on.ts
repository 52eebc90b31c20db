/**
 * `netOn(io)`: the Deno-shaped network functions bound to a ring of the caller's.
 *
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { connectOn } from "./connect.ts";
import type { TcpConn, UnixConn } from "./conn.ts";
import { listenOn } from "./listen.ts";
import type { Listener } from "./listener.ts";

/**
 * The network functions of this module, bound to `io` (for a ring of one's own: a `Worker`'s,
 * or one made with other options). The plain functions use the module's default ring.
 *
 * @param io the ring every socket made through the result reads and writes on
 * @returns `{ listen, connect }`, each with the signature of the plain function
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, netOn } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 64 });
 * const net = netOn(io);
 * using listener = net.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await net.connect({ port: listener.addr.port });
 * using server = await listener.accept();
 * await client.write(new Uint8Array([1, 2, 3]));
 * assertEquals(await server.read(new Uint8Array(8)), 3);
 * ```
 */
export function netOn(io: AsyncRing): NetFunctions {
  return {
    listen: ((options: Deno.TcpListenOptions) => listenOn(io, options)) as NetFunctions["listen"],
    connect: ((options: Deno.ConnectOptions) => connectOn(io, options)) as NetFunctions["connect"],
  };
}

/**
 * What {@link netOn} returns.
 *
 * @example
 * ```ts
 * import { AsyncRing, netOn, type NetFunctions } from "../../mod.ts";
 * using io = new AsyncRing({ entries: 8 });
 * const net: NetFunctions = netOn(io);
 * net.listen({ port: 0 }).close();
 * ```
 */
export interface NetFunctions {
  /** `listen()` on the bound ring. */
  listen(options: Deno.TcpListenOptions & { transport?: "tcp" }): Listener<TcpConn, Deno.NetAddr>;
  /** `listen()` of a Unix socket on the bound ring. */
  listen(
    options: Deno.UnixListenOptions & { transport: "unix" },
  ): Listener<UnixConn, Deno.UnixAddr>;
  /** `connect()` on the bound ring. */
  connect(options: Deno.ConnectOptions): Promise<TcpConn>;
  /** `connect()` to a Unix socket on the bound ring. */
  connect(options: Deno.UnixConnectOptions): Promise<UnixConn>;
}
