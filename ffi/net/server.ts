/**
 * What every TCP server on `AsyncRing` needs and the ring does not give by itself: a send that
 * finishes partial sends ({@link sendAll}), and a listener that accepts with one multishot SQE,
 * runs a handler per connection, and on shutdown ends every connection and closes every fd
 * ({@link serveTcp}).
 *
 * @module
 */
import { _acceptLoop } from "./_accept_loop.ts";
import type { AsyncOpOptions, AsyncRing } from "../async/mod.ts";
import { Errno, UringError } from "../sys/mod.ts";
import { Sock } from "../sys/mod.ts";

/**
 * Sends all of `data` on socket `fd`: `io.send()` again for what a partial send left over (a
 * stream socket may take fewer bytes than asked when its send buffer fills). The common case of
 * one complete send costs one op and no allocation besides its promise.
 *
 * `data` must stay unchanged until the promise settles. Under the memory contract of
 * `AsyncRing`, buffers from `alignedBuffer()` or a `SharedArrayBuffer` are handed to the kernel
 * as they are; a plain `ArrayBuffer` may be copied.
 *
 * @param io the ring to send on
 * @param fd a connected stream socket (or a fixed slot)
 * @param data the bytes to send
 * @param options `signal` and `timeoutMs` apply to each send
 * @returns the byte count, `data.byteLength`
 * @throws {UringError} when a send fails (`EPIPE`, `ECONNRESET`, ...), or with `EPIPE` when the
 *   kernel reports 0 bytes sent for a non-empty buffer
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, sendAll } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 16 });
 * const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
 * const [cfd, conn] = await Promise.all([
 *   io.connectTcp({ hostname: "127.0.0.1", port: io.localAddr(lfd).port }),
 *   io.accept(lfd),
 * ]);
 * const big = new Uint8Array(4 << 20).fill(7); // more than one send takes at once
 * const sent = sendAll(io, conn, big);
 * const buf = new Uint8Array(1 << 16);
 * let got = 0;
 * while (got < big.length) got += await io.recv(cfd, buf);
 * assertEquals(await sent, big.length);
 * for (const fd of [cfd, conn, lfd]) await io.closeFd(fd);
 * ```
 */
export async function sendAll(
  io: AsyncRing,
  fd: number,
  data: Uint8Array,
  options?: AsyncOpOptions,
): Promise<number> {
  const total = data.byteLength;
  let done = await io.send(fd, data, options);
  while (done < total) {
    const n = await io.send(fd, data.subarray(done), options);
    if (n === 0) throw new UringError(Errno.EPIPE, "send");
    done += n;
  }
  return total;
}

/**
 * Options of {@link serveTcp}: where to listen.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { AsyncRing, serveTcp, type ServeTcpOptions } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 32 });
 * const options: ServeTcpOptions = { hostname: "127.0.0.1", port: 0, reusePort: true };
 * const server = await serveTcp(io, options, async () => {});
 * assert(server.addr.port > 0); // the port the kernel chose
 * await server.shutdown();
 * ```
 */
export interface ServeTcpOptions {
  /** Address to listen on; default `"127.0.0.1"`. */
  hostname?: string;
  /** TCP port; 0 (the default) lets the kernel pick one. */
  port?: number;
  /** `SO_REUSEPORT`: several servers (one per Worker, each with its own ring) share the port. */
  reusePort?: boolean;
  /** `TCP_NODELAY` on every connection (set once, on the listener); default true. */
  noDelay?: boolean;
  /** listen(2) backlog; default 511. */
  backlog?: number;
}

/**
 * Serves one connection: reads and writes `fd` on `io` until the peer is done, then returns
 * (the server closes `fd`). `signal` aborts when the server shuts down; by then the socket has
 * been shut down too, so a pending receive ends with 0 bytes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type ConnectionHandler, sendAll, serveTcp } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 32 });
 * const hello: ConnectionHandler = async (fd) => {
 *   await sendAll(io, fd, new TextEncoder().encode("hello\n"));
 * };
 * const server = await serveTcp(io, { port: 0 }, hello);
 * const conn = await Deno.connect({ port: server.addr.port });
 * const got = new Uint8Array(6);
 * assertEquals(await conn.read(got), 6);
 * conn.close();
 * await server.shutdown();
 * ```
 */
export type ConnectionHandler = (fd: number, signal: AbortSignal) => Promise<void>;

/**
 * A running {@link serveTcp} server.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, serveTcp, type TcpServer } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 32 });
 * const server: TcpServer = await serveTcp(io, { port: 0 }, async () => {});
 * assertEquals(server.connections, 0);
 * await server.shutdown(); // closes every connection and the listener
 * await server.finished;
 * ```
 */
export interface TcpServer extends AsyncDisposable {
  /** The address it listens on (the kernel's port for port 0). */
  readonly addr: { hostname: string; port: number };
  /** Connections open now. */
  readonly connections: number;
  /**
   * Stops accepting, shuts every open connection down (pending receives end with 0 bytes,
   * sends fail), waits for their handlers, closes their fds and the listener. Idempotent.
   */
  shutdown(): Promise<void>;
  /** Settles when the server has stopped: after `shutdown()`, or when accepting failed. */
  readonly finished: Promise<void>;
}

/**
 * A TCP server on `io`: listens (socket, options, bind and listen as one chain), accepts with one
 * multishot SQE (`io_uring_prep_multishot_accept(3)`), and calls `handler` for each connection,
 * concurrently. When a handler settles (returns or throws) its fd is closed. A handler that
 * throws ends only its own connection. When accepting fails for lack of fds or memory (`EMFILE`,
 * `ENFILE`, `ENOBUFS`, `ENOMEM`), the server accepts again 50 ms later; connections wait in the
 * listen backlog meanwhile.
 *
 * The ring is the caller's: `shutdown()` leaves it open. A ring made with `coopTaskrun: true`
 * serves faster: the kernel then runs completion work when the thread next enters it rather than
 * interrupting it (measured +12-14% HTTP requests/s and up to +60% with `recvMultishot`).
 *
 * @param io the ring every op of the server runs on
 * @param options where to listen
 * @param handler serves one connection
 * @returns the running server, once it listens
 * @throws {UringError} when the socket cannot be set up (`EADDRINUSE`, ...)
 * @throws {TypeError} for options that are not an object or a handler that is not a function
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, alignedBuffer, sendAll, serveTcp } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 64 });
 * const server = await serveTcp(io, { port: 0 }, async (fd) => {
 *   const buf = alignedBuffer(4096);
 *   for (let n; (n = await io.recv(fd, buf)) > 0;) await sendAll(io, fd, buf.subarray(0, n));
 * });
 * const conn = await Deno.connect({ port: server.addr.port });
 * await conn.write(new TextEncoder().encode("ping"));
 * const got = new Uint8Array(4);
 * assertEquals(await conn.read(got), 4);
 * assertEquals(new TextDecoder().decode(got), "ping");
 * conn.close();
 * await server.shutdown();
 * ```
 */
export async function serveTcp(
  io: AsyncRing,
  options: ServeTcpOptions,
  handler: ConnectionHandler,
): Promise<TcpServer> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object");
  }
  if (typeof handler !== "function") throw new TypeError("handler must be a function");
  const hostname = options.hostname ?? "127.0.0.1";
  const lfd = await io.listenTcp({
    hostname,
    port: options.port ?? 0,
    backlog: options.backlog,
    reusePort: options.reusePort === true,
    noDelay: options.noDelay !== false,
  });
  const addr = { hostname, port: io.localAddr(lfd).port };
  const stop = new AbortController();
  const open = new Set<number>();
  const running = new Set<Promise<void>>();

  const serve = async (fd: number) => {
    open.add(fd);
    try {
      await handler(fd, stop.signal);
    } catch {
      // The handler's own connection ends; the server goes on. A receive it left in flight would
      // keep the socket open after close(2): shutting it down ends that receive.
      if (!io.closed) await io.shutdown(fd, Sock.SHUT_RDWR).catch(() => {});
    } finally {
      open.delete(fd);
      if (!io.closed) await io.closeFd(fd).catch(() => {});
    }
  };

  const accepting = _acceptLoop(io, lfd, stop.signal, serve, running);

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    stopping ??= (async () => {
      stop.abort();
      await accepting.catch(() => {});
      if (!io.closed) {
        await Promise.all([...open].map((fd) => io.shutdown(fd, Sock.SHUT_RDWR).catch(() => {})));
      }
      await Promise.all(running);
      if (!io.closed) await io.closeFd(lfd).catch(() => {});
    })();

  const finished = accepting.then(
    () => shutdown(),
    async (err) => {
      await shutdown();
      throw err;
    },
  );
  finished.catch(() => {});

  return {
    addr,
    get connections() {
      return open.size;
    },
    shutdown,
    finished,
    [Symbol.asyncDispose]: shutdown,
  };
}
