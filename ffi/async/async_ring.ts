/**
 * `AsyncRing`: io_uring as ordinary awaitable Deno I/O.
 *
 * - **Submission**: an op writes its SQE straight into the SQ and returns a promise; one
 *   microtask flush per event-loop turn publishes everything started in that turn with a single
 *   `io_uring_enter`. A full SQ is flushed and the op retried; if the kernel still takes
 *   nothing, the SQE waits in a backlog for the next flush, so an op is never refused or lost.
 * - **Completions** are reaped right after each `io_uring_enter`: NOPs and page-cache reads
 *   complete inside it, with no thread hop. Ops still in flight when JavaScript goes idle are
 *   woken through Deno's own event loop (`wakeup` in `AsyncRingOptions`); with nothing in
 *   flight nothing keeps the process alive.
 * - **Close**: pending ops reject, a cancel-all is submitted, and the ring is unmapped only after
 *   the kernel is done with every buffer.
 * - **Memory**: buffers that cannot be detached (`alignedBuffer()`, `SharedArrayBuffer`) go to
 *   the kernel in place; any other caller buffer goes through pool memory of the ring's own
 *   (copied in for writes, out for reads), so no sequence of JavaScript calls lets the kernel
 *   write into freed memory.
 *
 * The engine under it is in `ffi/engine/`; what was measured, and why it is built this way, is
 * in `bench/README.md`. The engine's holder, the file ops and the whole-file drop-ins are in
 * `ring_base.ts` (`AsyncRingBase`); this file adds the socket, pipe, process and multishot ops.
 *
 * @module
 */
import { CqeFlag, Errno, FILE_INDEX_ALLOC, Futex2, native, Op } from "../sys/mod.ts";
import { FUTEX_BITSET_MATCH_ANY, OpenFlag, Sock, SqeFlag, UringError } from "../sys/mod.ts";
import type { FdLike } from "../sys/mod.ts";
import {
  type AsyncOpOptions,
  type Decoder,
  F_DIRECT,
  K_DEC,
  K_FD,
  K_NUM,
  K_PIPE,
  K_RAW,
  K_VOID,
  type MultishotSink,
  ownCopy,
} from "../engine/mod.ts";
import { parseSockaddr, type SocketAddress, type Sqe } from "../ring/mod.ts";
import { MS_ACCEPT, MS_POLL, MS_READ, MS_RECV, MultishotIterator } from "./multishot.ts";
import * as R from "./_recipes.ts";
import * as tcp from "./_tcp.ts";
import { decodeSiginfo, SIGNALS, sockaddrOf } from "./_args.ts";
import { ENGINE, runOp, rw, rwWith } from "./_submit.ts";
import { AsyncRingBase } from "./ring_base.ts";
import type {
  AsyncRingOptions,
  BufferRingLike,
  ConnectTcpOptions,
  DirectOptions,
  ListenTcpOptions,
  ResultDecoder,
  SocketAddressLike,
  WaitidResult,
} from "./options.ts";
const { EAGAIN, ECHILD } = Errno;

const P_PID = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;

const decodeFutexWait: Decoder = (_aux, res) =>
  res >= 0 ? "ok" : res === -EAGAIN ? "not-equal" : new UringError(-res, "futexWait");

/**
 * io_uring as promises: every op returns a promise, ops started in one event-loop turn go to
 * the kernel in one `io_uring_enter`, and completions settle without blocking the event loop.
 * Built on {@link Ring} (`io.ring`, for registrations).
 *
 * Every op takes `{ signal, timeoutMs }`: aborting cancels it in the kernel
 * (`IORING_OP_ASYNC_CANCEL`) and rejects with `signal.reason` (a file or socket that was
 * created anyway is closed); `timeoutMs` links an `IORING_OP_LINK_TIMEOUT` and rejects with
 * `UringError` `ECANCELED`. Failed ops reject with `UringError` (`errno`, `code`, the op's
 * name); bad arguments reject with `TypeError`/`RangeError` before anything reaches the kernel.
 * Buffers stay referenced until the op's final completion.
 *
 * The ops on files (`open`, `read`, `write`, `statx`, ...), `nop`, `timeout`, `link` chains,
 * `close()` and the whole-file functions (`readFile`, `stat`, ...) are documented on
 * {@link AsyncRingBase}, which this class extends.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 64 });
 * const path = await Deno.makeTempFile();
 * const fd = await io.open(path, { write: true, truncate: true });
 * await io.write(fd, new TextEncoder().encode("hello"), 0);
 * await io.closeFd(fd);
 * const rfd = await io.open(path);
 * const buf = new Uint8Array(16);
 * const n = await io.read(rfd, buf, 0);
 * assertEquals(new TextDecoder().decode(buf.subarray(0, n)), "hello");
 * await io.closeFd(rfd);
 * await io.unlink(path);
 * ```
 */
export class AsyncRing extends AsyncRingBase {
  /**
   * Sets up a ring (`new Ring(options)`) and the completion machinery over it.
   *
   * @param options the `Ring` options; `entries` defaults to 256. With `singleIssuer` and
   *   `deferTaskrun`, completion work runs on this thread in each flush (see the module doc)
   * @throws {TypeError} when `options` is not an object, or `wakeup` is not "socket" or "thread"
   * @throws {UringError} when the kernel refuses the ring (see `Ring`)
   */
  constructor(options?: AsyncRingOptions) {
    super(options);
  }

  // ---- sockets ------------------------------------------------------------------------------

  /**
   * socket(2): `io_uring_prep_socket(3)`. Linux 5.19.
   *
   * @param domain `Sock.AF_INET`, `Sock.AF_INET6`, `Sock.AF_UNIX`
   * @param type `Sock.SOCK_STREAM` or `Sock.SOCK_DGRAM`, optionally OR `Sock.SOCK_CLOEXEC`
   * @returns the socket fd (or the slot, with `direct`)
   */
  socket(
    domain: number,
    type: number,
    protocol: number = 0,
    options?: DirectOptions,
  ): Promise<number> {
    const e = this[ENGINE];
    const direct = options?.direct === true;
    const s = e.start(options);
    if (s === null) return e.early;
    try {
      if (direct) {
        s.prepSocketDirectAlloc(domain, type & ~Sock.SOCK_CLOEXEC, protocol);
      } else s.prepSocket(domain, type, protocol);
    } catch (err) {
      return e.abandon(s, err);
    }
    return e.finish(s, K_FD, "socket", options, undefined, direct ? F_DIRECT : 0);
  }

  /** bind(2): `io_uring_prep_bind(3)`. Linux 6.11. */
  bind(fd: FdLike, addr: SocketAddressLike, options?: AsyncOpOptions): Promise<void> {
    let a: ArrayBufferView;
    try {
      a = sockaddrOf(addr);
    } catch (err) {
      return Promise.reject(err);
    }
    return runOp(this[ENGINE], K_VOID, "bind", options, R.bind(fd, a));
  }

  /** listen(2): `io_uring_prep_listen(3)`. Linux 6.11. */
  listen(fd: FdLike, backlog: number = 511, options?: AsyncOpOptions): Promise<void> {
    return runOp(this[ENGINE], K_VOID, "listen", options, R.listenSocket(fd, backlog));
  }

  /** connect(2): `io_uring_prep_connect(3)`. Linux 5.5. */
  connect(fd: FdLike, addr: SocketAddressLike, options?: AsyncOpOptions): Promise<void> {
    let a: ArrayBufferView;
    try {
      a = sockaddrOf(addr);
    } catch (err) {
      return Promise.reject(err);
    }
    return runOp(this[ENGINE], K_VOID, "connect", options, R.connectSocket(fd, a));
  }

  /**
   * Accepts one connection, close-on-exec: `io_uring_prep_accept(3)`. Linux 5.5 (direct 5.15).
   *
   * @returns the connection fd (or the slot, with `direct`)
   */
  accept(fd: FdLike, options?: DirectOptions & { flags?: number }): Promise<number> {
    const e = this[ENGINE];
    const direct = options?.direct === true;
    const s = e.start(options);
    if (s === null) return e.early;
    try {
      const flags = options?.flags ?? (direct ? 0 : Sock.SOCK_CLOEXEC);
      if (direct) s.prepAcceptDirect(fd, null, null, flags, FILE_INDEX_ALLOC);
      else s.prepAccept(fd, null, null, flags);
    } catch (err) {
      return e.abandon(s, err);
    }
    return e.finish(s, K_FD, "accept", options, undefined, direct ? F_DIRECT : 0);
  }

  /**
   * Receives into `buf`: `io_uring_prep_recv(3)`. Linux 5.6.
   *
   * @returns the bytes received, 0 at end of stream
   */
  recv(
    fd: FdLike,
    buf: ArrayBufferView,
    options?: AsyncOpOptions & { flags?: number },
  ): Promise<number> {
    return rw(this[ENGINE], Op.RECV, "recv", fd, buf, 0, options, options?.flags ?? 0);
  }

  /**
   * Sends `data` (`MSG_NOSIGNAL` unless `flags` says otherwise): `io_uring_prep_send(3)`.
   * Linux 5.6.
   *
   * @returns the bytes sent
   */
  send(
    fd: FdLike,
    data: ArrayBufferView,
    options?: AsyncOpOptions & { flags?: number },
  ): Promise<number> {
    return rw(
      this[ENGINE],
      Op.SEND,
      "send",
      fd,
      data,
      0,
      options,
      options?.flags ?? Sock.MSG_NOSIGNAL,
    );
  }

  /** shutdown(2): `io_uring_prep_shutdown(3)`. Linux 5.11. `how` defaults to `SHUT_RDWR`. */
  shutdown(fd: FdLike, how: number = Sock.SHUT_RDWR, options?: AsyncOpOptions): Promise<void> {
    return runOp(this[ENGINE], K_VOID, "shutdown", options, R.shutdown(fd, how));
  }

  /**
   * setsockopt(2): `io_uring_prep_cmd_sock(3)` with `SOCKET_URING_OP_SETSOCKOPT`. Linux 6.7.
   *
   * @param value the option's bytes (an `Int32Array` of 1 for boolean options)
   */
  setsockopt(
    fd: FdLike,
    level: number,
    name: number,
    value: ArrayBufferView,
    options?: AsyncOpOptions,
  ): Promise<void> {
    let v: Uint8Array;
    try {
      v = ownCopy(value);
    } catch (err) {
      return Promise.reject(err);
    }
    return runOp(this[ENGINE], K_VOID, "setsockopt", options, R.setsockopt(fd, level, name, v));
  }

  /**
   * A listening TCP socket: socket, then `SO_REUSEADDR` (and `SO_REUSEPORT`, `TCP_NODELAY` when
   * asked), bind and listen as one linked chain (IPv4 or IPv6 from the hostname). Linux 6.11.
   *
   * @returns the listening fd; `localAddr(fd)` tells the port the kernel chose for port 0
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 16 });
   * const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
   * const { port } = io.localAddr(lfd);
   * const [cfd, conn] = await Promise.all([
   *   io.connectTcp({ hostname: "127.0.0.1", port }),
   *   io.accept(lfd),
   * ]);
   * await io.send(cfd, new TextEncoder().encode("ping"));
   * const buf = new Uint8Array(4);
   * assertEquals(await io.recv(conn, buf), 4);
   * for (const fd of [cfd, conn, lfd]) await io.closeFd(fd);
   * ```
   */
  listenTcp(opts: ListenTcpOptions, options?: AsyncOpOptions): Promise<number> {
    return tcp.listenTcp(this, opts, options);
  }

  /**
   * A connected TCP socket: socket, then (with `noDelay`, the default) `TCP_NODELAY` and
   * connect as one linked chain. Linux 6.7.
   *
   * @returns the connected fd
   */
  connectTcp(opts: ConnectTcpOptions, options?: AsyncOpOptions): Promise<number> {
    return tcp.connectTcp(this, opts, options);
  }

  /** Runs the ops `build` adds as one chain, or one by one on a ring too small for it. */
  /**
   * The local address of socket `fd` (getsockname(2), synchronous: io_uring has no op for it).
   *
   * @throws {UringError} when `fd` is not a socket
   */
  localAddr(fd: number): SocketAddress {
    R.checkFdNumber(fd);
    const buf = new Uint8Array(128);
    const n = native().uring_getsockname(fd, buf, 128);
    if (n < 0) throw new UringError(-n, "getsockname");
    return parseSockaddr(buf);
  }

  // ---- pipes, splice, tee ---------------------------------------------------------------

  /**
   * A pipe, close-on-exec: `io_uring_prep_pipe(3)`. Linux 6.16.
   *
   * @returns `[readFd, writeFd]`
   */
  pipe(options?: AsyncOpOptions): Promise<[number, number]> {
    const e = this[ENGINE];
    const s = e.start(options);
    if (s === null) return e.early;
    const fds = new Int32Array(2);
    try {
      s.prepPipe(fds, OpenFlag.CLOEXEC);
    } catch (err) {
      return e.abandon(s, err);
    }
    return e.finish(s, K_PIPE, "pipe", options, fds);
  }

  /**
   * Moves `nbytes` between an fd and a pipe: `io_uring_prep_splice(3)`. Linux 5.7. Offsets are
   * -1 for "none" (required on the pipe side).
   *
   * @returns the bytes moved
   */
  splice(
    fdIn: FdLike,
    offIn: number,
    fdOut: FdLike,
    offOut: number,
    nbytes: number,
    options?: AsyncOpOptions & { flags?: number },
  ): Promise<number> {
    return runOp(
      this[ENGINE],
      K_NUM,
      "splice",
      options,
      R.splice(fdIn, offIn, fdOut, offOut, nbytes, options?.flags ?? 0),
    );
  }

  /** Duplicates `nbytes` from pipe to pipe: `io_uring_prep_tee(3)`. Linux 5.8. */
  tee(
    fdIn: FdLike,
    fdOut: FdLike,
    nbytes: number,
    options?: AsyncOpOptions & { flags?: number },
  ): Promise<number> {
    return runOp(
      this[ENGINE],
      K_NUM,
      "tee",
      options,
      R.tee(fdIn, fdOut, nbytes, options?.flags ?? 0),
    );
  }

  // ---- polling, futexes, processes --------------------------------------------------------

  /** Waits until `fd` is ready: `io_uring_prep_poll_add(3)`. Linux 5.1. Returns the mask. */
  poll(fd: FdLike, events: number, options?: AsyncOpOptions): Promise<number> {
    return runOp(this[ENGINE], K_NUM, "poll", options, R.poll(fd, events));
  }

  /**
   * Sleeps while element 0 of `futex` (a view, usually over a SharedArrayBuffer) holds
   * `expected`, until `futexWake`: `io_uring_prep_futex_wait(3)`. Linux 6.7. Like
   * `Atomics.waitAsync`, resolves `"ok"` when woken and `"not-equal"` when the value differed.
   */
  futexWait(
    futex: Int32Array | Uint32Array,
    expected: number,
    options?: AsyncOpOptions,
  ): Promise<"ok" | "not-equal"> {
    return runOp(this[ENGINE], K_RAW, "futexWait", options, (s) => {
      s.prepFutexWait(
        futex,
        expected >>> 0,
        FUTEX_BITSET_MATCH_ANY,
        Futex2.SIZE_U32 | Futex2.PRIVATE,
      );
    }, { decode: decodeFutexWait, data: null });
  }

  /**
   * Wakes up to `count` waiters of element 0 of `futex`: `io_uring_prep_futex_wake(3)`.
   * Linux 6.7.
   *
   * @returns how many were woken
   */
  futexWake(
    futex: Int32Array | Uint32Array,
    count: number = 1,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return runOp(
      this[ENGINE],
      K_NUM,
      "futexWake",
      options,
      (s) =>
        s.prepFutexWake(futex, count, FUTEX_BITSET_MATCH_ANY, Futex2.SIZE_U32 | Futex2.PRIVATE),
    );
  }

  /**
   * Waits for a child process to exit: `io_uring_prep_waitid(3)` with `WEXITED | WNOWAIT`.
   * Linux 6.7. `WNOWAIT` leaves the child for Deno to reap, so `child.status` still works; when
   * Deno reaped it first (`ECHILD`) and `child` is a `Deno.ChildProcess`, its status is used.
   *
   * @param child a `Deno.ChildProcess` or a pid
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 8 });
   * const child = new Deno.Command("sh", { args: ["-c", "exit 3"] }).spawn();
   * const r = await io.waitid(child);
   * assertEquals([r.code, r.status], ["exited", 3]);
   * await child.status;
   * ```
   */
  async waitid(
    child: Deno.ChildProcess | number,
    options?: AsyncOpOptions,
  ): Promise<WaitidResult> {
    const pid = typeof child === "number" ? child : child.pid;
    const e = this[ENGINE];
    const s = e.start(options);
    if (s === null) return e.early;
    const info = new Uint8Array(128);
    let p: Promise<WaitidResult>;
    try {
      s.prepWaitid(P_PID, pid, info, WEXITED | WNOWAIT);
      p = e.finish(s, K_DEC, "waitid", options, { decode: decodeSiginfo, data: info });
    } catch (err) {
      return e.abandon(s, err);
    }
    try {
      return await p;
    } catch (err) {
      if (!(err instanceof UringError && err.errno === ECHILD && typeof child === "object")) {
        throw err;
      }
      const st = await child.status;
      return st.signal !== null
        ? { pid, code: "killed", status: SIGNALS[st.signal] ?? 0 }
        : { pid, code: "exited", status: st.code };
    }
  }

  // ---- multishot ------------------------------------------------------------------------

  /**
   * Accepts connections with one SQE (`io_uring_prep_multishot_accept(3)`, Linux 5.19),
   * yielding each connection's fd (close-on-exec), or its slot with `direct`. Armed on the first
   * `next()`, re-armed when the kernel ends it; `break`, `return()` or the signal cancel it.
   *
   * @example
   * ```ts
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 16 });
   * const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
   * const client = Deno.connect({ hostname: "127.0.0.1", port: io.localAddr(lfd).port });
   * for await (const fd of io.acceptMultishot(lfd)) {
   *   await io.closeFd(fd);
   *   break;
   * }
   * (await client).close();
   * await io.closeFd(lfd);
   * ```
   */
  acceptMultishot(
    fd: FdLike,
    options?: { signal?: AbortSignal; direct?: boolean },
  ): MultishotIterator<number> {
    const direct = options?.direct === true;
    return new MultishotIterator<number>(
      this[ENGINE],
      MS_ACCEPT,
      "acceptMultishot",
      (s) => {
        if (direct) s.prepMultishotAcceptDirect(fd, null, null, 0);
        else s.prepMultishotAccept(fd, null, null, Sock.SOCK_CLOEXEC);
      },
      null,
      options?.signal,
      direct,
    );
  }

  /**
   * Receives with one SQE into buffers of `group` (`io_uring_prep_recv_multishot(3)`, Linux 6.0),
   * yielding a view per receive until the peer closes. Each view is valid until the next
   * iteration, when its buffer goes back to the kernel. Re-armed after `ENOBUFS` once the
   * consumer has released buffers; stopped by `break`, `return()` or the signal.
   *
   * @param group a buffer ring registered on `io.ring` (`io.ring.registerBufRing()`)
   */
  recvMultishot(
    fd: FdLike,
    group: BufferRingLike,
    options?: { signal?: AbortSignal; flags?: number },
  ): MultishotIterator<Uint8Array> {
    const flags = options?.flags ?? 0;
    return new MultishotIterator<Uint8Array>(
      this[ENGINE],
      MS_RECV,
      "recvMultishot",
      (s) => s.prepRecvMultishot(fd, group.group, flags),
      group,
      options?.signal,
    );
  }

  /**
   * Polls `fd` with one SQE (`io_uring_prep_poll_multishot(3)`, Linux 5.13), yielding the ready
   * mask each time it becomes ready.
   */
  pollMultishot(
    fd: FdLike,
    events: number,
    options?: { signal?: AbortSignal },
  ): MultishotIterator<number> {
    return new MultishotIterator<number>(
      this[ENGINE],
      MS_POLL,
      "pollMultishot",
      (s) => s.prepPollMultishot(fd, events),
      null,
      options?.signal,
    );
  }

  /**
   * Reads a pipe or socket with one SQE into buffers of `group`
   * (`io_uring_prep_read_multishot(3)`, Linux 6.7), yielding views like `recvMultishot`.
   */
  readMultishot(
    fd: FdLike,
    group: BufferRingLike,
    options?: { signal?: AbortSignal; nbytes?: number },
  ): MultishotIterator<Uint8Array> {
    const nbytes = options?.nbytes ?? 0;
    return new MultishotIterator<Uint8Array>(
      this[ENGINE],
      MS_READ,
      "readMultishot",
      (s) => s.prepReadMultishot(fd, nbytes, 0, group.group),
      group,
      options?.signal,
    );
  }

  // Ops added for serve()

  /**
   * One receive whose buffer the kernel picks from `group` only when data arrives
   * (`io_uring_prep_recv(3)` with `IOSQE_BUFFER_SELECT`, one shot). Linux 5.7. A connection
   * waiting for data holds no buffer of its own: the buffers are shared by every receive on the
   * group, and each is lent only from the completion until the caller recycles it.
   *
   * @param fd a connected stream socket
   * @param group the provided-buffer ring to take the buffer from (`io.ring.registerBufRing()`)
   * @returns `bytes * 0x10000 + bufferId` (bytes > 0; read them with `group.get(id, bytes)`, then
   *   `group.recycle(id)`), or 0 at end of stream
   * @throws {UringError} `ENOBUFS` when every buffer of `group` was out as the data came, or the
   *   receive's own error
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 16 });
   * using group = io.ring.registerBufRing({ group: 7, entries: 4, size: 64 });
   * const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
   * const [cfd, conn] = await Promise.all([
   *   io.connectTcp({ hostname: "127.0.0.1", port: io.localAddr(lfd).port }),
   *   io.accept(lfd),
   * ]);
   * const got = io.recvSelect(conn, group);
   * await io.send(cfd, new TextEncoder().encode("hi"));
   * const r = await got;
   * const bytes = Math.floor(r / 0x10000), id = r % 0x10000;
   * assertEquals(new TextDecoder().decode(group.get(id, bytes).slice()), "hi");
   * group.recycle(id);
   * await io.closeFd(cfd);
   * assertEquals(await io.recvSelect(conn, group), 0); // end of stream
   * for (const fd of [conn, lfd]) await io.closeFd(fd);
   * ```
   */
  recvSelect(fd: FdLike, group: BufferRingLike): Promise<number> {
    const bgid = group.group;
    let sink!: MultishotSink;
    const p = new Promise<number>((resolve, reject) => {
      sink = {
        _prep(s: Sqe) {
          s._m.tracking = true; // no buffer of ours is held; counted like the multishot ops
          s.prepRw(Op.RECV, fd, null, 0, 0);
          s.bufGroup = bgid;
          s.flags |= SqeFlag.BUFFER_SELECT;
        },
        _cqe(res: number, flags: number) {
          if (res > 0 && (flags & CqeFlag.BUFFER) !== 0) resolve(res * 0x10000 + (flags >>> 16));
          else if (res >= 0) {
            if (flags & CqeFlag.BUFFER) group.recycle(flags >>> 16);
            resolve(0);
          } else reject(new UringError(-res, "recvSelect"));
        },
        _close(err: Error) {
          reject(err);
        },
      };
    });
    try {
      this[ENGINE].multishot(sink);
    } catch (err) {
      return Promise.reject(err);
    }
    return p;
  }

  // Ops added for Conn

  /**
   * A receive into `buf` (as `recv`) whose promise settles with `decode(ctx, res)`: one promise
   * per receive for callers that map every result (a `Deno.Conn` read resolves `null` at the
   * end of the stream and reports errors its own way), where `recv(...).then(...)` makes two.
   * `res` is the bytes received, 0 at the end of the stream, or `-errno`; a buffer that went
   * through pool memory has its bytes copied out first. `decode` runs exactly once for an op
   * whose CQE arrives, and never when the ring is closed first (the promise then rejects with the
   * ring's error). Takes no `signal`/`timeoutMs`: `decode` would not run for an aborted op.
   *
   * @param decode a function made once, not a closure per call
   * @throws {TypeError} synchronously (not through the promise) when `buf`, `fd` or `decode` is
   *   unusable: no op started and `decode` will not run
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing, type ResultDecoder } from "../../mod.ts";
   * const orNull: ResultDecoder<null, number | null> = (_, res) =>
   *   res > 0 ? res : res === 0 ? null : new Error(`errno ${-res}`);
   * await using io = new AsyncRing({ entries: 16 });
   * const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
   * const [cfd, conn] = await Promise.all([
   *   io.connectTcp({ hostname: "127.0.0.1", port: io.localAddr(lfd).port }),
   *   io.accept(lfd),
   * ]);
   * const buf = new Uint8Array(8);
   * await io.send(cfd, new TextEncoder().encode("hi"));
   * assertEquals(await io.recvWith(conn, buf, orNull, null), 2);
   * await io.closeFd(cfd);
   * assertEquals(await io.recvWith(conn, buf, orNull, null), null); // the peer closed
   * for (const fd of [conn, lfd]) await io.closeFd(fd);
   * ```
   */
  recvWith<C, T>(
    fd: FdLike,
    buf: ArrayBufferView,
    decode: ResultDecoder<C, T>,
    ctx: C,
    flags: number = 0,
  ): Promise<T> {
    return rwWith(this[ENGINE], Op.RECV, "recv", fd, buf, decode, ctx, flags);
  }

  /**
   * A send of `data` (as `send`, `MSG_NOSIGNAL` unless `flags` says otherwise) whose promise
   * settles with `decode(ctx, res)`, on the terms of {@link AsyncRing.recvWith}.
   *
   * @param decode a function made once, not a closure per call
   * @throws {TypeError} synchronously when `data`, `fd` or `decode` is unusable (no op started)
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing, type ResultDecoder } from "../../mod.ts";
   * const sent: ResultDecoder<{ ops: number }, number> = (stats, res) => {
   *   stats.ops++;
   *   return res >= 0 ? res : new Error(`errno ${-res}`);
   * };
   * await using io = new AsyncRing({ entries: 16 });
   * const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
   * const [cfd, conn] = await Promise.all([
   *   io.connectTcp({ hostname: "127.0.0.1", port: io.localAddr(lfd).port }),
   *   io.accept(lfd),
   * ]);
   * const stats = { ops: 0 };
   * assertEquals(await io.sendWith(cfd, new Uint8Array(5), sent, stats), 5);
   * assertEquals(stats.ops, 1);
   * for (const fd of [cfd, conn, lfd]) await io.closeFd(fd);
   * ```
   */
  sendWith<C, T>(
    fd: FdLike,
    data: ArrayBufferView,
    decode: ResultDecoder<C, T>,
    ctx: C,
    flags: number = Sock.MSG_NOSIGNAL,
  ): Promise<T> {
    return rwWith(this[ENGINE], Op.SEND, "send", fd, data, decode, ctx, flags);
  }

  // Keeping the process alive

  /**
   * Lets the process exit while ops on `fd` wait: from now on, those in flight and those
   * started later do not keep Deno's event loop alive (as `Deno.Conn.unref()` does for a
   * pending read). They still complete while the process lives for other reasons. `fd` is the
   * number as the ops' SQEs carry it (a registered file's index for fixed-file ops). Undo it
   * with {@link AsyncRing.refFd} before the fd is closed, since the number is reused.
   *
   * On a ring made with `wakeup: "thread"` or `deferTaskrun`, ops in flight keep the process
   * alive all the same: the completion waiter there is an FFI call on a worker thread, which
   * Deno always waits for. Other rings move to the event-loop wake-up for this (it loads
   * `node:net`).
   *
   * @param fd the descriptor whose ops stop counting
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 8 });
   * const [r, w] = await io.pipe();
   * io.unrefFd(r);
   * const read = io.read(r, new Uint8Array(8)); // alone, it would not keep the process alive
   * await io.write(w, new Uint8Array([7]));
   * assertEquals(await read, 1);
   * io.refFd(r);
   * for (const fd of [r, w]) await io.closeFd(fd);
   * ```
   */
  unrefFd(fd: number): void {
    this[ENGINE].refFd(fd, false);
  }

  /**
   * Undoes {@link AsyncRing.unrefFd}: ops on `fd` (in flight and later) keep the process alive
   * again, the default.
   *
   * @param fd the descriptor given to `unrefFd()`
   *
   * @example
   * ```ts
   * import { AsyncRing } from "../../mod.ts";
   * using io = new AsyncRing({ entries: 8 });
   * io.unrefFd(0);
   * io.refFd(0);
   * ```
   */
  refFd(fd: number): void {
    this[ENGINE].refFd(fd, true);
  }
}
