/**
 * A TCP greeting server on the `Ring` layer, where user space wakes only when there is work.
 *
 * - One multishot `accept_direct` puts every new connection into a free slot of a sparse file
 *   table: the connection never gets a real fd.
 * - For each connection, `send(greeting)` and `recv(first data)` go in as one `IO_LINK` chain on
 *   the fixed descriptor, submitted together. The send carries `CQE_SKIP_SUCCESS`, so when it
 *   succeeds the kernel posts nothing, and the recv waits in the kernel: JavaScript hears about
 *   the connection again only when the peer's first data has arrived.
 * - Then `send(echo)` and `close_direct` go in as one more chain.
 *
 * So each connection wakes user space twice: once for the accept, once for its first data (the
 * echo and close usually complete inline with that submission). The server counts these wakeups
 * per connection and prints them.
 *
 * It waits with `ring.waitAsync()`, which sleeps on a worker thread, so Deno's event loop stays
 * free: the same process can run a `Deno.connect` client, as the test and the demo do. (A worker
 * running a blocking `submitAndWait` loop would do too, but would need messages to report.)
 *
 * Run: `deno run --allow-ffi --allow-read --allow-net examples/greeting_server.ts [port]`, then
 * `nc 127.0.0.1 <port>`. Port 0 (the default) lets the kernel pick; the port is printed.
 *
 * @module
 */
import { AsyncRing, type Cqe, CqeBatch, CqeFlag, fixed, Ring, Sock, SqeFlag } from "../mod.ts";

/** Options of {@link startGreetingServer}. */
export interface GreetingServerOptions {
  /** TCP port; 0 (the default) lets the kernel pick one. */
  port?: number;
  /** Address to listen on; default `"127.0.0.1"`. */
  hostname?: string;
  /** What each connection is sent first; default `"hello from io_uring\n"`. */
  greeting?: string;
  /** Connections served at once (slots in the file table); default 256. */
  maxConnections?: number;
  /** Called once per finished connection with its wakeup counts (the CLI prints them). */
  onConnection?: (stats: ConnectionStats) => void;
}

/** How often user space woke for one connection. */
export interface ConnectionStats {
  /** Slot of the connection in the file table. */
  slot: number;
  /** Wakeups up to and including the one that saw the peer's first data: 2 (accept, data). */
  untilData: number;
  /** Wakeups in all, including the close's when it did not complete inline. */
  total: number;
  /** The bytes echoed back. */
  echoed: number;
}

/** A running greeting server. */
export interface GreetingServer {
  /** The port it listens on (the kernel's choice for port 0). */
  readonly port: number;
  /** Times user space woke up (a wait on the ring returned) so far. */
  wakeups(): number;
  /** Stats of every finished connection, in the order they finished. */
  connections(): ConnectionStats[];
  /** Stops accepting, closes open connections and the ring. */
  close(): Promise<void>;
}

const enc = new TextEncoder();
const ECANCELED = 125;
const RECV_BYTES = 1024;

// user data: slot * 8 + kind; the accept uses its own value
const ACCEPT = 2 ** 40;
const GREET = 1, RECV = 2, ECHO = 3, CLOSE = 4;

interface Conn {
  wakeups: number;
  lastWake: number;
  untilData: number;
  echoed: number;
}

/**
 * Starts the server: listens, arms one multishot accept, and serves connections until
 * `close()`.
 *
 * @example
 * ```ts
 * import { startGreetingServer } from "./greeting_server.ts";
 * const server = await startGreetingServer({ greeting: "hi\n" });
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
 * const buf = new Uint8Array(16);
 * await conn.read(buf); // "hi\n"
 * await conn.write(new TextEncoder().encode("ping\n"));
 * const n = await conn.read(buf); // "ping\n" echoed
 * console.assert(new TextDecoder().decode(buf.subarray(0, n!)) === "ping\n");
 * conn.close();
 * await server.close();
 * ```
 */
export async function startGreetingServer(
  options: GreetingServerOptions = {},
): Promise<GreetingServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const greeting = enc.encode(options.greeting ?? "hello from io_uring\n");
  const max = options.maxConnections ?? 256;

  // Setting up the listening socket is a one-off: AsyncRing's listenTcp (socket, SO_REUSEADDR,
  // bind, listen) and localAddr (getsockname) do it; the serving below is all on a plain Ring.
  let lfd: number, port: number;
  {
    await using setup = new AsyncRing({ entries: 8 });
    lfd = await setup.listenTcp({ hostname, port: options.port ?? 0 });
    port = setup.localAddr(lfd).port;
  }

  const ring = new Ring({ entries: 256, cqEntries: 1024 });
  const files = ring.registerFiles(max); // sparse: every slot empty
  const conns: (Conn | undefined)[] = new Array(max);
  const buffers: Uint8Array[] = []; // one receive buffer per slot, reused
  const finished: ConnectionStats[] = [];
  let wakes = 0;
  let closing = false;

  // The peer address buffers are not read here; handing them over also makes the ring track the
  // buffers of its ops from the very first SQE.
  const peer = new Uint8Array(128);
  const peerLen = new Uint32Array([128]);
  let acceptArmed = false;
  const armAccept = () => {
    const sqe = ring.getSqe()!;
    sqe.prepMultishotAcceptDirect(lfd, peer, peerLen); // (no SOCK_CLOEXEC: there is no fd)
    sqe.userData = ACCEPT;
    acceptArmed = true;
  };

  const closeDirect = (slot: number) => {
    const sqe = ring.getSqe()!;
    sqe.prepCloseDirect(slot);
    sqe.userData = slot * 8 + CLOSE;
  };

  const onAccept = (res: number, flags: number) => {
    if (!(flags & CqeFlag.MORE)) {
      // The multishot accept ended. Without an error (CQ overflow), arm it again now; after an
      // error such as ENFILE (every slot taken), once a connection closes.
      acceptArmed = false;
      if (res >= 0 && !closing) armAccept();
    }
    if (res < 0) return;
    const slot = res;
    conns[slot] = { wakeups: 1, lastWake: wakes, untilData: 0, echoed: 0 };
    const buf = buffers[slot] ??= new Uint8Array(RECV_BYTES);
    // send(greeting) -> recv(first data), one chain; no CQE for the send when it succeeds
    const send = ring.getSqe()!;
    send.prepSend(fixed(slot), greeting, Sock.MSG_NOSIGNAL);
    send.flags |= SqeFlag.IO_LINK | SqeFlag.CQE_SKIP_SUCCESS;
    send.userData = slot * 8 + GREET;
    const recv = ring.getSqe()!;
    recv.prepRecv(fixed(slot), buf);
    recv.userData = slot * 8 + RECV;
  };

  const onRecv = (slot: number, conn: Conn, res: number) => {
    conn.untilData = conn.wakeups;
    if (res <= 0) return closeDirect(slot); // EOF, error, or cancelled after a failed greeting
    const data = buffers[slot].subarray(0, res);
    const nl = data.indexOf(10);
    const line = nl < 0 ? data : data.subarray(0, nl + 1);
    conn.echoed = line.byteLength;
    // send(echo) -> close_direct, one chain; the close's CQE is the only one on success
    const send = ring.getSqe()!;
    send.prepSend(fixed(slot), line, Sock.MSG_NOSIGNAL);
    send.flags |= SqeFlag.IO_LINK | SqeFlag.CQE_SKIP_SUCCESS;
    send.userData = slot * 8 + ECHO;
    closeDirect(slot);
  };

  const onCqe = (cqe: Cqe) => {
    if (cqe.userData === ACCEPT) return onAccept(cqe.res, cqe.flags);
    const slot = Math.floor(cqe.userData / 8), kind = cqe.userData % 8;
    const conn = conns[slot];
    if (conn === undefined) return;
    if (conn.lastWake !== wakes) {
      conn.lastWake = wakes;
      conn.wakeups++;
    }
    if (kind === RECV) return onRecv(slot, conn, cqe.res);
    if (kind === CLOSE) {
      if (cqe.res === -ECANCELED) return closeDirect(slot); // the echo failed: close again
      conns[slot] = undefined;
      if (!acceptArmed && !closing) armAccept(); // a slot is free again
      const stats = { slot, untilData: conn.untilData, total: conn.wakeups, echoed: conn.echoed };
      finished.push(stats);
      options.onConnection?.(stats);
    }
    // GREET / ECHO CQEs only come on failure; the linked op after them is cancelled and handled
  };

  armAccept();
  ring.submit();

  const loop = (async () => {
    const batch = new CqeBatch(256);
    while (!closing) {
      if (ring.cqReady() === 0) {
        // Nothing to do: sleep (on a worker thread) until the kernel posts a CQE.
        try {
          await ring.waitAsync(1);
        } catch {
          break; // the ring was closed under us
        }
        if (closing) break;
        wakes++;
      }
      // Awake: handle everything ready, including what completes inline with our submissions.
      while (ring.copyCqes(batch) > 0) {
        for (const cqe of batch) onCqe(cqe);
        ring.submit();
      }
    }
  })();

  return {
    port,
    wakeups: () => wakes,
    connections: () => finished.slice(),
    async close() {
      if (closing) return loop;
      closing = true;
      // Wake the loop (the cancel's CQE does) so that it stops waiting, then tear down.
      const sqe = ring.getSqe();
      if (sqe !== null) {
        sqe.prepCancel(ACCEPT);
        sqe.userData = 0;
        ring.submit();
      }
      await loop;
      const cl = ring.getSqe();
      if (cl !== null) {
        cl.prepClose(lfd);
        cl.userData = 1;
        ring.submitAndWait(1);
      }
      files.close();
      ring.close(); // cancels what is still in flight, then releases the rings
    },
  };
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? 0);
  const server = await startGreetingServer({
    port,
    onConnection: (s) =>
      console.log(
        `connection in slot ${s.slot}: user space woke ${s.untilData} times until its first ` +
          `data (accept, data), ${s.total} in all; echoed ${s.echoed} bytes`,
      ),
  });
  console.log(`greeting server on 127.0.0.1:${server.port} (Ctrl-C to stop)`);
  Deno.addSignalListener("SIGINT", async () => {
    await server.close();
    console.log(`${server.connections().length} connections, ${server.wakeups()} wakeups`);
    Deno.exit(0);
  });
}
