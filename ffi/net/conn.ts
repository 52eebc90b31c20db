/**
 * `Conn`, `TcpConn` and `UnixConn`: connected stream sockets shaped like Deno's, on an
 * `AsyncRing`. A `read` is one `recv` op and a `write` one `send` op (buffers JavaScript could
 * detach go through the ring's bounce pool), each with one promise and no closure: the ring hands
 * the result to the decoders below (`AsyncRing.recvWith`/`sendWith`).
 *
 * @module
 */
import type { AsyncRing, ResultDecoder } from "../async/mod.ts";
import { denoNetError, Sock, UringError } from "../sys/mod.ts";
import { syncClose, syncSetFlag, syncShutdown } from "./_sync.ts";

const EPIPE = 32;

/** Deno's read size for `readable` when the reader brings no buffer. */
const CHUNK = 64 * 1024;

function badResource(): Error {
  return new Deno.errors.BadResource("Bad resource ID");
}

function interrupted(): Error {
  const err = new Deno.errors.Interrupted("operation canceled") as Error & { code: string };
  err.code = "EINTR";
  return err;
}

/** A ring error as Deno's socket functions report it. */
export function netError(err: unknown): unknown {
  return err instanceof UringError ? denoNetError(err.errno) : err;
}

/** A read's CQE, as the ring hands it over: one promise per read, no `.then`. */
let readResult: ResultDecoder<Conn, number | null>;
/** A write's CQE. */
let writeResult: ResultDecoder<Conn, number>;

/**
 * A connected stream socket, shaped like `Deno.Conn`: `read` resolves `null` at the end of
 * the stream, `write` makes one send and resolves the bytes it took (fewer than given when the
 * socket's send buffer fills, as with Deno), `readable`/`writable` are web streams over the same
 * socket, and `close()` ends pending reads and writes with `Deno.errors.Interrupted`.
 *
 * After `unref()`, a pending read does not keep the process alive, as with Deno's; unlike
 * Deno's, a pending write does not either (see `AsyncRing.unrefFd()`, which works per fd, and
 * for the rings where it cannot let go).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { connect, listen } from "../../mod.ts";
 * using listener = listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const server = await listener.accept();
 * await client.write(new TextEncoder().encode("hi"));
 * const buf = new Uint8Array(8);
 * assertEquals(await server.read(buf), 2);
 * client.close();
 * assertEquals(await server.read(buf), null); // the peer closed
 * server.close();
 * ```
 */
export class Conn<A extends Deno.Addr = Deno.Addr> implements Deno.Conn<A> {
  #io: AsyncRing;
  #fd: number;
  #open = true;
  #pending = 0;
  #local: A;
  #remote: A;
  #unref = false;
  /** `closeWrite()` was called: later writes fail as the kernel would fail them. */
  #writeShut = false;
  /** The last write started, which `closeWrite()` lets finish first. */
  #lastWrite: Promise<unknown> | undefined;
  /** The last read started (see `close()`). */
  #lastRead: Promise<unknown> | undefined;
  #readable: ReadableStream<Uint8Array<ArrayBuffer>> | undefined;
  #writable: WritableStream<Uint8Array<ArrayBufferLike>> | undefined;

  /** @internal Made by `listen().accept()` and `connect()`. */
  constructor(io: AsyncRing, fd: number, localAddr: A, remoteAddr: A) {
    this.#io = io;
    this.#fd = fd;
    this.#local = localAddr;
    this.#remote = remoteAddr;
  }

  /** The local address. */
  get localAddr(): A {
    return this.#local;
  }

  /** The peer's address. */
  get remoteAddr(): A {
    return this.#remote;
  }

  /** @internal The socket fd while open, -1 after `close()`. */
  get _fd(): number {
    return this.#open ? this.#fd : -1;
  }

  #done(): void {
    if (--this.#pending === 0 && !this.#open && this.#fd >= 0) {
      syncClose(this.#fd);
      this.#fd = -1;
    }
  }

  static {
    // set here, where the private members can be reached, and named without the class's own
    // binding (a bundler renames a class whose body names itself)
    readResult = (c, res) => {
      c.#done();
      if (res > 0) return res;
      if (!c.#open) return interrupted(); // the 0 of our own shutdown, not the peer's end
      return res === 0 ? null : denoNetError(-res);
    };
    writeResult = (c, res) => {
      c.#done();
      if (res >= 0) return res;
      return c.#open ? denoNetError(-res) : interrupted();
    };
  }

  /**
   * Reads into `p`: one receive.
   *
   * @returns the bytes read, `null` at the end of the stream, 0 for an empty `p`
   * @throws {Deno.errors.BadResource} after `close()`
   * @throws {Deno.errors.Interrupted} when `close()` is called while it is pending
   */
  read(p: Uint8Array): Promise<number | null> {
    if (!this.#open) return Promise.reject(badResource());
    if (!(p instanceof Uint8Array)) {
      return Promise.reject(new TypeError("expected typed ArrayBufferView"));
    }
    if (p.length === 0) return Promise.resolve(0);
    this.#pending++;
    try {
      return this.#lastRead = this.#io.recvWith(this.#fd, p, readResult, this);
    } catch (err) {
      this.#pending--;
      return Promise.reject(err);
    }
  }

  /**
   * Writes `p`: one send, which may take fewer bytes than `p` holds (as Deno's `write`; loop, or
   * use `writable`, to write everything).
   *
   * @returns the bytes written
   * @throws {Deno.errors.BadResource} after `close()`
   * @throws {Deno.errors.BrokenPipe} after `closeWrite()` or when the peer is gone
   */
  write(p: Uint8Array): Promise<number> {
    if (!this.#open) return Promise.reject(badResource());
    if (!ArrayBuffer.isView(p)) {
      return Promise.reject(new TypeError("expected typed ArrayBufferView"));
    }
    if (this.#writeShut) return Promise.reject(denoNetError(EPIPE));
    this.#pending++;
    try {
      return this.#lastWrite = this.#io.sendWith(this.#fd, p, writeResult, this);
    } catch (err) {
      this.#pending--;
      return Promise.reject(err);
    }
  }

  /** Writes all of `p` (what `writable` does with each chunk). */
  async #writeAll(p: Uint8Array): Promise<void> {
    let done = 0;
    while (done < p.byteLength) done += await this.write(done === 0 ? p : p.subarray(done));
  }

  /**
   * Shuts the sending half down (the peer reads the end of the stream); reading goes on.
   *
   * @throws {Deno.errors.BadResource} after `close()`
   */
  closeWrite(): Promise<void> {
    if (!this.#open) return Promise.reject(badResource());
    this.#writeShut = true;
    const before = this.#lastWrite;
    // Deno shuts the socket down at once. Writes started before still go out first (as they
    // would have been written by then under Deno); writes started after fail with EPIPE.
    if (before === undefined) return this.#shutWrite();
    this.#pending++;
    return before.then(this.#shutAfter, this.#shutAfter);
  }

  #shutAfter = (): Promise<void> => {
    this.#done();
    return this.#shutWrite();
  };

  #shutWrite(): Promise<void> {
    if (!this.#open) return Promise.reject(badResource());
    this.#lastWrite = undefined;
    const res = syncShutdown(this.#fd, Sock.SHUT_WR);
    return res < 0 ? Promise.reject(denoNetError(-res)) : Promise.resolve();
  }

  /**
   * Closes the socket. Pending reads and writes reject with `Deno.errors.Interrupted`; the
   * socket is shut down at once (the peer sees the end of the stream) and its fd is closed when
   * they have settled.
   *
   * @throws {Deno.errors.BadResource} when already closed
   */
  close(): void {
    if (!this.#open) throw badResource();
    this.#open = false;
    if (this.#unref) {
      this.#unref = false; // the number is reused once closed
      if (!this.#io.closed) this.#io.refFd(this.#fd);
    }
    if (this.#pending === 0 || this.#io.closed) {
      // (A closed ring runs no op of ours any more, and settles none through `#done`.)
      syncClose(this.#fd);
      this.#fd = -1;
    } else {
      // Ends the ops in flight (and those started this turn, not yet submitted); the fd's
      // number stays taken until they have settled, so no op can reach a socket reusing it.
      syncShutdown(this.#fd, Sock.SHUT_RDWR);
      // Their results come through `#done`, unless the ring closes first: then they reject
      // without it, and the fd is closed here.
      this.#lastRead?.then(this.#closeIfRingClosed, this.#closeIfRingClosed);
      this.#lastWrite?.then(this.#closeIfRingClosed, this.#closeIfRingClosed);
    }
  }

  #closeIfRingClosed = (): void => {
    if (this.#fd >= 0 && this.#io.closed) {
      syncClose(this.#fd);
      this.#fd = -1;
    }
  };

  /** `close()` if still open. */
  [Symbol.dispose](): void {
    if (this.#open) this.close();
  }

  /** Lets the process exit while a read is pending. */
  unref(): void {
    if (this.#unref || !this.#open) return;
    this.#unref = true;
    this.#io.unrefFd(this.#fd);
  }

  /** Undoes `unref()`: a pending read keeps the process alive again. */
  ref(): void {
    if (!this.#unref || !this.#open) return;
    this.#unref = false;
    this.#io.refFd(this.#fd);
  }

  /**
   * The socket as a byte stream (64 KiB reads, or into the reader's own buffer). Its end, an
   * error or `cancel()` closes the connection, as Deno's does.
   */
  get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
    return this.#readable ??= new ReadableStream({
      type: "bytes",
      autoAllocateChunkSize: CHUNK,
      pull: async (controller) => {
        const req = controller.byobRequest!;
        const v = req.view as Uint8Array<ArrayBuffer>;
        try {
          const n = await this.read(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          if (n === null) {
            this[Symbol.dispose]();
            controller.close();
            req.respond(0);
          } else req.respond(n);
        } catch (err) {
          controller.error(err);
          this[Symbol.dispose]();
        }
      },
      cancel: () => this[Symbol.dispose](),
    });
  }

  /** The socket as a byte sink: each chunk written whole; closing or aborting closes the connection. */
  get writable(): WritableStream<Uint8Array<ArrayBufferLike>> {
    return this.#writable ??= new WritableStream({
      write: async (chunk, controller) => {
        try {
          await this.#writeAll(chunk);
        } catch (err) {
          controller.error(err);
          this[Symbol.dispose]();
        }
      },
      close: () => this[Symbol.dispose](),
      abort: () => this[Symbol.dispose](),
    });
  }

  /** @internal Sets a boolean socket option, as Deno's sync setters do. */
  _setFlag(level: number, name: number, on: boolean): void {
    if (!this.#open) throw badResource();
    const res = syncSetFlag(this.#fd, level, name, on);
    if (res < 0) throw denoNetError(-res);
  }
}

/**
 * A TCP connection, shaped like `Deno.TcpConn`: a {@link Conn} with `setNoDelay` and
 * `setKeepAlive`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { connect, listen, TcpConn } from "../../mod.ts";
 * using listener = listen({ hostname: "127.0.0.1", port: 0 });
 * using conn = await connect({ port: listener.addr.port });
 * assert(conn instanceof TcpConn);
 * conn.setNoDelay(true);
 * conn.setKeepAlive(true);
 * ```
 */
export class TcpConn extends Conn<Deno.NetAddr> implements Deno.TcpConn {
  /** Sets `TCP_NODELAY` (default true): small writes go out without waiting. */
  setNoDelay(noDelay = true): void {
    this._setFlag(Sock.IPPROTO_TCP, Sock.TCP_NODELAY, noDelay);
  }

  /** Sets `SO_KEEPALIVE` (default true). */
  setKeepAlive(keepAlive = true): void {
    this._setFlag(Sock.SOL_SOCKET, SO_KEEPALIVE, keepAlive);
  }
}

const SO_KEEPALIVE = 9;

/**
 * A Unix stream connection, shaped like `Deno.UnixConn`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { connect, listen, UnixConn } from "../../mod.ts";
 * const path = `${Deno.makeTempDirSync()}/s.sock`;
 * using listener = listen({ transport: "unix", path });
 * using conn = await connect({ transport: "unix", path });
 * assertEquals(conn instanceof UnixConn, true);
 * assertEquals(conn.remoteAddr, { transport: "unix", path });
 * ```
 */
export class UnixConn extends Conn<Deno.UnixAddr> implements Deno.UnixConn {}
