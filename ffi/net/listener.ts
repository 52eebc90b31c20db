/**
 * `Listener`: a listening socket shaped like `Deno.Listener`, on an `AsyncRing`.
 *
 * @module
 */
import { _acceptFrom, type AsyncRing } from "../async/mod.ts";
import { parseSockaddr } from "../ring/mod.ts";
import { alignedBuffer, Sock } from "../sys/mod.ts";
import { unixPath } from "./_addr.ts";
import { localSockaddr, netAddr } from "./_sockname.ts";
import { syncClose, syncShutdown, syncUnlink } from "./_sync.ts";
import { type Conn, netError, TcpConn, UnixConn } from "./conn.ts";

function listenerClosed(): Error {
  return new Deno.errors.BadResource("Listener has been closed");
}

/**
 * A listening TCP or Unix socket, shaped like `Deno.Listener`: `accept()` one connection at a
 * time (a second concurrent call rejects with `Deno.errors.Busy`, as Deno's), or
 * `for await (const conn of listener)`; `close()` settles a pending `accept()` with
 * `Deno.errors.BadResource("Listener has been closed")` and ends an iteration. A Unix
 * listener removes its socket file when closed, as Deno's does.
 *
 * After `unref()`, a pending `accept()` does not keep the process alive, as with Deno's
 * (see `AsyncRing.unrefFd()` for the rings where it cannot let go).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { listen } from "../../mod.ts";
 * const listener = listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * for await (const conn of listener) {
 *   await conn.write(new TextEncoder().encode("bye"));
 *   conn.close();
 *   break; // closes the listener
 * }
 * const buf = new Uint8Array(3);
 * assertEquals(await client.read(buf), 3);
 * client.close();
 * ```
 */
export class Listener<C extends Conn = Conn, A extends Deno.Addr = Deno.Addr>
  implements Deno.Listener<C, A>, AsyncIterableIterator<C> {
  #io: AsyncRing;
  #fd: number;
  #addr: A;
  #open = true;
  #accepting = false;
  #unref = false;
  /** Where the kernel writes each peer's address: memory it may write at any time. */
  #peer = alignedBuffer(256, 8);
  #peerLen = new Uint32Array(this.#peer.buffer, 128, 1);
  #peerAddr = this.#peer.subarray(0, 128);
  /** Whether the listener's address is the accepted sockets' local address (not a wildcard). */
  #fixedLocal: boolean;

  /** @internal Made by `listen()`. */
  constructor(io: AsyncRing, fd: number, addr: A) {
    this.#io = io;
    this.#fd = fd;
    this.#addr = addr;
    const a = addr as Deno.Addr;
    this.#fixedLocal = a.transport !== "tcp" || (a.hostname !== "0.0.0.0" && a.hostname !== "::");
  }

  /** The address it listens on (the kernel's port for port 0). */
  get addr(): A {
    return this.#addr;
  }

  #onAccept = (fd: number): C => {
    this.#accepting = false;
    if (!this.#open) {
      syncClose(fd);
      this.#release();
      throw listenerClosed();
    }
    const a = this.#addr as Deno.Addr;
    if (a.transport === "unix") {
      const local = { transport: "unix", path: a.path } as Deno.UnixAddr;
      const remote = {
        transport: "unix",
        path: unixPath(this.#peerAddr, this.#peerLen[0]),
      } as Deno.UnixAddr;
      return new UnixConn(this.#io, fd, local, remote) as unknown as C;
    }
    const p = parseSockaddr(this.#peerAddr);
    const remote = netAddr(p.hostname, p.port);
    const own = a as Deno.NetAddr;
    const local = this.#fixedLocal ? netAddr(own.hostname, own.port) : localSockaddr(fd);
    return new TcpConn(this.#io, fd, local, remote) as unknown as C;
  };

  #onAcceptFail = (err: unknown): never => {
    this.#accepting = false;
    if (!this.#open) {
      this.#release();
      throw listenerClosed();
    }
    throw netError(err);
  };

  /**
   * Waits for the next connection.
   *
   * @throws {Deno.errors.BadResource} `Listener has been closed` (also when closed meanwhile)
   * @throws {Deno.errors.Busy} while another `accept()` is pending
   */
  accept(): Promise<C> {
    if (!this.#open) return Promise.reject(listenerClosed());
    if (this.#accepting) {
      const unix = (this.#addr as Deno.Addr).transport === "unix";
      return Promise.reject(
        new Deno.errors.Busy(unix ? "Listener already in use" : "Another accept task is ongoing"),
      );
    }
    this.#accepting = true;
    this.#peerLen[0] = 128;
    return _acceptFrom(this.#io, this.#fd, this.#peerAddr, this.#peerLen).then(
      this.#onAccept,
      this.#onAcceptFail,
    );
  }

  /** The next connection, or `done` once the listener is closed. */
  async next(): Promise<IteratorResult<C>> {
    try {
      return { value: await this.accept(), done: false };
    } catch (err) {
      if (err instanceof Deno.errors.BadResource || err instanceof Deno.errors.Interrupted) {
        return { value: undefined, done: true };
      }
      throw err;
    }
  }

  /** Ends an iteration (`break`): closes the listener. */
  return(value?: unknown): Promise<IteratorResult<C>> {
    if (this.#open) this.close();
    return Promise.resolve({ value, done: true } as IteratorResult<C>);
  }

  /** Itself: `for await (const conn of listener)`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<C> {
    return this;
  }

  /** Closes the fd once nothing in flight uses it. */
  #release(): void {
    if (this.#unref && this.#fd >= 0) {
      this.#unref = false; // the number is reused once closed
      this.#io.refFd(this.#fd);
    }
    if (this.#fd >= 0 && !this.#accepting) {
      syncClose(this.#fd);
      this.#fd = -1;
    }
  }

  /**
   * Stops listening: the port (or socket file) is free again at once; a pending `accept()`
   * rejects with `Deno.errors.BadResource`.
   *
   * @throws {Deno.errors.BadResource} `Bad resource ID` when already closed
   */
  close(): void {
    if (!this.#open) throw new Deno.errors.BadResource("Bad resource ID");
    this.#open = false;
    const a = this.#addr as Deno.Addr;
    if (a.transport === "unix" && a.path !== null && !a.path.startsWith("\0")) {
      syncUnlink(a.path);
    }
    // A pending accept (maybe not yet submitted) ends with EINVAL on a shut-down socket; the
    // fd's number stays taken until it has, so it cannot accept on a socket reusing it.
    if (this.#accepting) syncShutdown(this.#fd, Sock.SHUT_RDWR);
    this.#release();
  }

  /** `close()` if still open. */
  [Symbol.dispose](): void {
    if (this.#open) this.close();
  }

  /** Lets the process exit while an accept is pending. */
  unref(): void {
    if (this.#unref || this.#fd < 0) return;
    this.#unref = true;
    this.#io.unrefFd(this.#fd);
  }

  /** Undoes `unref()`: a pending accept keeps the process alive again. */
  ref(): void {
    if (!this.#unref || this.#fd < 0) return;
    this.#unref = false;
    this.#io.refFd(this.#fd);
  }
}
