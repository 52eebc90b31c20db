/**
 * `serve()`: `Deno.serve` for HTTP/1.1 over `AsyncRing`.
 *
 * @module
 */
import { _acceptLoop } from "./_accept_loop.ts";
import type { AsyncRing } from "../async/mod.ts";
import { defaultRing } from "../async/mod.ts";
import type { BufferRing } from "../ring/mod.ts";
import { checkNet, Sock } from "../sys/mod.ts";
import { HttpRequestParser } from "./http.ts";
import type { HttpConn } from "./_http_conn.ts";
import type { ServeState } from "./_http_parts.ts";
import { httpLoaded, loadHttp } from "./_lazy_http.ts";
import { closeSync, listenTcpSync } from "./_libc.ts";
import { portOf } from "./_addr.ts";

/**
 * A request handler, as for `Deno.serve`: gets the `Request` and `info` (`remoteAddr`,
 * `completed`), returns a `Response` or a promise of one.
 *
 * @example
 * ```ts
 * import { type ServeHandler } from "../../mod.ts";
 * const hello: ServeHandler = (req, info) =>
 *   new Response(`${req.method} from ${info.remoteAddr.hostname}`);
 * ```
 */
export type ServeHandler = (
  request: Request,
  info: ServeHandlerInfo,
) => Response | Promise<Response>;

/**
 * What a handler learns besides the request, as `Deno.ServeHandlerInfo`.
 *
 * @example
 * ```ts
 * import { serve, type ServeHandlerInfo } from "../../mod.ts";
 * const server = serve({ port: 0, onListen() {} }, (_req, info: ServeHandlerInfo) => {
 *   info.completed.then(() => {}); // the response went out whole
 *   return new Response(info.remoteAddr.hostname);
 * });
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * console.log(await res.text()); // 127.0.0.1
 * await server.shutdown();
 * ```
 */
export interface ServeHandlerInfo {
  /** The client's address. */
  readonly remoteAddr: Deno.NetAddr;
  /** Resolves when the response was sent whole; rejects (`Deno.errors.Interrupted`) when not. */
  readonly completed: Promise<void>;
}

/**
 * Options of {@link serve}, as `Deno.ServeTcpOptions` (without TLS).
 *
 * @example
 * ```ts
 * import { serve, type ServeOptions } from "../../mod.ts";
 * const ac = new AbortController();
 * const options: ServeOptions = { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} };
 * const server = serve(options, () => new Response("hi"));
 * ac.abort();
 * await server.finished;
 * ```
 */
export interface ServeOptions {
  /** TCP port; default 8000 (0: the kernel picks one). */
  port?: number;
  /** Address to listen on; default `"0.0.0.0"`. */
  hostname?: string;
  /** Stops the server (as `shutdown()`) when aborted. */
  signal?: AbortSignal;
  /** `SO_REUSEPORT`: several servers (one per Worker) share the port. */
  reusePort?: boolean;
  /** Called with the address once listening; default: logs `Listening on http://H:P/`. */
  onListen?: (localAddr: Deno.NetAddr) => void;
  /** Answers for a handler that threw; default: logs the error and answers 500. */
  onError?: (error: unknown) => Response | Promise<Response>;
  /** The handler (when not given as a separate argument). */
  handler?: ServeHandler;
  /** listen(2) backlog; default 511. */
  tcpBacklog?: number;
  /** Not supported: TLS is not served here (use `Deno.serve` for HTTPS). */
  cert?: string;
  /** Not supported: TLS is not served here (use `Deno.serve` for HTTPS). */
  key?: string;
}

/**
 * A running server, as `Deno.HttpServer`.
 *
 * @example
 * ```ts
 * import { serve, type HttpServer } from "../../mod.ts";
 * const server: HttpServer = serve({ port: 0, onListen() {} }, () => new Response("hi"));
 * console.log(server.addr.port > 0); // true
 * await server.shutdown();
 * ```
 */
export interface HttpServer extends AsyncDisposable {
  /** Settles when the server has stopped. */
  readonly finished: Promise<void>;
  /** The address it listens on. */
  readonly addr: Deno.NetAddr;
  /** Keeps the process alive while the server runs (the default). */
  ref(): void;
  /**
   * Lets the process end while the server runs: neither the pending accept nor its
   * connections' reads keep it alive (see `AsyncRing.unrefFd()` for the rings where they do).
   */
  unref(): void;
  /**
   * Stops accepting, lets the requests in hand finish, closes idle connections, and resolves
   * when every connection is closed.
   */
  shutdown(): Promise<void>;
}

const BUFFERS = 256;
let nextGroup = 0x5e00;

/** Each ring gets one shared buffer ring for every server on it. */
const groups = new WeakMap<AsyncRing, { group: BufferRing; users: number }>();

function takeGroup(io: AsyncRing): BufferRing {
  let g = groups.get(io);
  if (g === undefined || g.users === 0) {
    const group = io.ring.registerBufRing({
      group: nextGroup++ & 0xffff,
      entries: BUFFERS,
      size: 16384,
    });
    g = { group, users: 0 };
    groups.set(io, g);
  }
  g.users++;
  return g.group;
}

function dropGroup(io: AsyncRing): void {
  const g = groups.get(io);
  if (g === undefined) return;
  if (--g.users === 0) {
    groups.delete(io);
    if (!io.closed) g.group.close();
  }
}

/** `serve()`'s arguments, as `Deno.serve` sorts them. */
function serveArgs(
  a: ServeHandler | ServeOptions | undefined,
  b: ServeHandler | undefined,
): [ServeOptions, ServeHandler] {
  let options: ServeOptions | undefined, handler: ServeHandler | undefined;
  if (typeof a === "function") handler = a;
  else if (typeof b === "function") {
    handler = b;
    options = a;
  } else options = a;
  if (handler === undefined) {
    if (options === undefined) {
      throw new TypeError(
        "Cannot serve HTTP requests: either a `handler` or `options` must be specified",
      );
    }
    handler = options.handler;
  }
  if (typeof handler !== "function") {
    throw new TypeError(
      `Cannot serve HTTP requests: handler must be a function, received ${typeof handler}`,
    );
  }
  return [options ?? {}, handler];
}

/**
 * Serves HTTP/1.1 like `Deno.serve` (same call forms, options, handler arguments, server
 * object and answers), with the sockets on `AsyncRing`: a web `Request` per request (URL from
 * the `Host` field, headers, a streamed body, `signal` aborted when the client goes away),
 * any `Response` back (string, bytes, `ReadableStream`, `Blob`, `FormData`, ...), keep-alive,
 * pipelining, chunked bodies both ways, `Expect: 100-continue`, `HEAD`, `Date`, and 400 / 413
 * for requests it cannot take, as `Deno.serve` answers them (a head over 64 KiB or with more
 * than 128 fields is a 400). Uses the module's default ring; `serveOn(io, ...)` names another.
 *
 * Not served: TLS (`cert`/`key` throw; use `Deno.serve` for HTTPS), HTTP/2, Unix sockets. As
 * for every FFI function, `--allow-ffi` is full trust; the `--allow-net` check for the
 * address is made as `Deno.serve` makes it.
 *
 * @returns the running server (listening already, as with `Deno.serve`)
 * @throws {TypeError} for a missing handler or TLS options
 * @throws {Deno.errors.AddrInUse} when the address is taken
 * @throws {Deno.errors.NotCapable} without net permission for the address
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { serve } from "../../mod.ts";
 * const server = serve({ port: 0, onListen() {} }, async (req) =>
 *   new Response(`${req.method} ${new URL(req.url).pathname} ${await req.text()}`));
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/x`, { method: "POST", body: "hi" });
 * assertEquals(await res.text(), "POST /x hi");
 * await server.shutdown();
 * ```
 */
export function serve(handler: ServeHandler): HttpServer;
/** Serves with options and a handler. */
export function serve(options: ServeOptions, handler: ServeHandler): HttpServer;
/** Serves with the handler inside the options. */
export function serve(options: ServeOptions & { handler: ServeHandler }): HttpServer;
export function serve(a: ServeHandler | ServeOptions, b?: ServeHandler): HttpServer {
  return serveOn(defaultRing(), a as ServeOptions, b as ServeHandler);
}

/**
 * {@link serve} on a ring of the caller's: the same arguments after `io`. The ring stays open
 * when the server stops.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, serveOn } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 256, coopTaskrun: true });
 * const server = serveOn(io, { port: 0, onListen() {} }, () => new Response("hi"));
 * assertEquals(await (await fetch(`http://127.0.0.1:${server.addr.port}/`)).text(), "hi");
 * await server.shutdown();
 * ```
 */
export function serveOn(
  io: AsyncRing,
  a: ServeHandler | ServeOptions,
  b?: ServeHandler,
): HttpServer {
  const [options, handler] = serveArgs(a, b);
  if (options.cert !== undefined || options.key !== undefined) {
    throw new TypeError(
      "serve() does not serve TLS: use Deno.serve with 'cert' and 'key' for HTTPS",
    );
  }
  const hostname = options.hostname ?? "0.0.0.0";
  const port = options.port === undefined ? 8000 : portOf(options.port, false);
  checkNet(hostname, port);
  const { fd: lfd, addr: bound } = listenTcpSync(
    hostname,
    port,
    options.reusePort === true,
    options.tcpBacklog ?? 511,
  );
  let group: BufferRing;
  try {
    group = takeGroup(io);
  } catch (e) {
    closeSync(lfd);
    throw e;
  }
  const addr: Deno.NetAddr = { transport: "tcp", hostname: bound.hostname, port: bound.port };
  // the per-connection code loads now, while the first client connects
  const http = loadHttp();
  http.catch(() => {});
  const onError = options.onError ?? ((error: unknown) => {
    console.error(error);
    return httpLoaded()!.internalServerError(); // errors come from connections: it is loaded
  });
  // a request without Host gets the listener's address, "localhost" for a wildcard one
  const hostForUrl = addr.hostname === "0.0.0.0" || addr.hostname === "::"
    ? "localhost"
    : addr.hostname.includes(":")
    ? `[${addr.hostname}]`
    : addr.hostname;
  // pool and parser are made with the first connection, from the HTTP code loaded by then
  const st: Omit<ServeState, "pool" | "parser"> & Partial<Pick<ServeState, "pool" | "parser">> = {
    io,
    group,
    handler: handler as ServeState["handler"],
    onError,
    fallbackHost: `${hostForUrl}:${addr.port}`,
    closing: false,
  };

  const stop = new AbortController();
  const conns = new Set<HttpConn>();
  const running = new Set<Promise<void>>();

  let refd = true;
  const serveConn = async (fd: number) => {
    let impl = httpLoaded();
    if (impl === undefined) {
      try {
        impl = await http;
      } catch (e) {
        await io.closeFd(fd).catch(() => {});
        throw e;
      }
      if (st.closing) {
        await io.closeFd(fd).catch(() => {});
        return;
      }
    }
    st.pool ??= new impl.SendPool();
    st.parser ??= new HttpRequestParser({
      maxHeadBytes: impl.MAX_HEAD,
      maxHeaders: 128, // Deno.serve's limit
      allowChunked: true,
      requireHost: false,
      allowBareLf: true,
    });
    const conn = new impl.HttpConn(fd, st as ServeState);
    conns.add(conn);
    if (!refd) io.unrefFd(fd);
    try {
      await conn.run();
    } catch {
      // the connection ends; the server goes on
    } finally {
      conns.delete(conn);
      io.refFd(fd); // the number is reused once closed
      if (!io.closed) {
        if (!conn.rx.eof) await io.shutdown(fd, Sock.SHUT_RDWR).catch(() => {});
        await io.closeFd(fd).catch(() => {});
      }
    }
  };

  const accepting = _acceptLoop(io, lfd, stop.signal, serveConn, running);

  let stopping: Promise<void> | undefined;
  const shutdown = (abortive = false) =>
    stopping ??= (async () => {
      st.closing = true;
      stop.abort();
      // an abort ends every connection now, before any later write of theirs is submitted
      if (abortive && !io.closed) {
        for (const c of conns) {
          if (c._upgrade === null) io.shutdown(c.fd, Sock.SHUT_RDWR).catch(() => {});
          c._abort();
        }
      }
      await accepting.catch(() => {});
      io.refFd(lfd);
      if (!io.closed) await io.closeFd(lfd).catch(() => {});
      // upgraded ones get a close frame; idle ones end now; busy ones after the request in hand
      for (const c of conns) if (c._upgrade !== null) c._upgrade._shutdown(abortive);
      if (!io.closed) {
        await Promise.all(
          [...conns].filter((c) => abortive || c.idle).map((c) =>
            io.shutdown(c.fd, Sock.SHUT_RDWR).catch(() => {})
          ),
        );
      }
      await Promise.all(running);
      dropGroup(io);
    })();

  const finished = accepting.then(() => shutdown(), async (err) => {
    await shutdown();
    throw err;
  });
  finished.catch(() => {});

  const signal = options.signal;
  if (signal !== undefined) {
    if (signal.aborted) shutdown(true);
    else signal.addEventListener("abort", () => shutdown(true), { once: true });
  }

  if (options.onListen !== undefined) options.onListen(addr);
  else {
    const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
    const helper = addr.hostname === "0.0.0.0" || addr.hostname === "::"
      ? ` (http://localhost:${addr.port}/)`
      : "";
    console.log(`Listening on http://${host}:${addr.port}/${helper}`);
  }

  /** The listening socket and every connection's: their ops count or not. */
  const setRef = (keep: boolean) => {
    if (refd === keep) return;
    refd = keep;
    if (stopping !== undefined) return; // lfd is closed or closing
    const fds = [lfd, ...[...conns].map((c) => c.fd)];
    for (const fd of fds) keep ? io.refFd(fd) : io.unrefFd(fd);
  };
  return {
    finished,
    addr,
    ref() {
      setRef(true);
    },
    unref() {
      setRef(false);
    },
    shutdown: () => shutdown(),
    [Symbol.asyncDispose]: () => shutdown(),
  };
}
