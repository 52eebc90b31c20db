/**
 * The option and result types of `AsyncRing`'s ops.
 *
 * @module
 */
import type { AsyncOpOptions } from "../engine/mod.ts";
import type { RingOptions, SocketAddress } from "../ring/mod.ts";

export type { AsyncOpOptions } from "../engine/mod.ts";
export type { StatxResult } from "../ring/mod.ts";

/**
 * Options for `new AsyncRing()`: the `Ring` options, and how completions wake JavaScript.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type AsyncRingOptions } from "../../mod.ts";
 * const options: AsyncRingOptions = { entries: 32, cqEntries: 256 };
 * await using io = new AsyncRing(options);
 * assertEquals([io.ring.sqEntries, io.ring.cqEntries], [32, 256]);
 * await io.nop();
 * ```
 */
export interface AsyncRingOptions extends RingOptions {
  /**
   * How a completion wakes JavaScript while the event loop is idle with ops in flight.
   * `"socket"` (the default): the ring starts on the worker-thread wake-up and, once it has
   * proven long-lived (1024 idle wakes), moves to one that stays on this thread: an eventfd
   * registered on the ring, read by a linked `READ → SEND` chain in the ring itself into a socket
   * pair that Deno's own event loop watches (two more fds; the ring's eventfd slot is taken, and
   * if the caller registered one first, a poll on a small second ring is used instead).
   * `"thread"`: always a nonblocking FFI call sleeping in `io_uring_enter` on one of Deno's worker
   * threads (two thread hops per wake). `deferTaskrun` rings always use the thread, with an
   * eventfd. What each costs: `bench/README.md`, "Wake-up".
   */
  wakeup?: "socket" | "thread";
}

/**
 * Options of `AsyncRing.link()`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertInstanceOf } from "@std/assert";
 * import { AsyncRing, type LinkOptions, UringError } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const options: LinkOptions = { hardlink: true }; // go on after a failed op
 * const [closed, nop] = await io.link((c) => c.closeFd(999_999).nop(), options);
 * assertInstanceOf(closed, UringError);
 * assertEquals([closed.code, nop], ["EBADF", 0]);
 * ```
 */
export interface LinkOptions extends AsyncOpOptions {
  /** `IOSQE_IO_HARDLINK`: the chain goes on after a failed op. */
  hardlink?: boolean;
  /** `IOSQE_IO_DRAIN` on the first op: it starts after everything submitted before it. */
  drain?: boolean;
}

/**
 * Options of ops that can create a direct descriptor (a slot of the registered file table).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type DirectOptions, fixed, Sock } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * using files = io.ring.registerFiles(4); // empty slots for direct descriptors
 * const options: DirectOptions = { direct: true };
 * const slot = await io.socket(Sock.AF_INET, Sock.SOCK_DGRAM, 0, options);
 * assertEquals(slot, 0); // no fd was made: the socket is fixed(0)
 * await io.closeFd(fixed(slot));
 * ```
 */
export interface DirectOptions extends AsyncOpOptions {
  /** Put the new file in a free slot of the registered file table; the promise gives the slot. */
  direct?: boolean;
}

/**
 * `Deno.OpenOptions` for `AsyncRing.open()`, plus options for every async op.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type AsyncOpenOptions } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const path = await Deno.makeTempFile();
 * const options: AsyncOpenOptions = { append: true, timeoutMs: 1000 };
 * const fd = await io.open(path, options);
 * await io.write(fd, new TextEncoder().encode("line\n")); // at the end: O_APPEND
 * await io.closeFd(fd);
 * assertEquals(await Deno.readTextFile(path), "line\n");
 * await Deno.remove(path);
 * ```
 */
export interface AsyncOpenOptions extends Deno.OpenOptions {
  /** Open into a free slot of the registered file table; the promise gives the slot. */
  direct?: boolean;
  /** As for every op: aborting cancels the open (a file that opens anyway is closed). */
  signal?: AbortSignal;
  /** As for every op: cancel after this many milliseconds. */
  timeoutMs?: number;
}

/**
 * How a child changed state, from `AsyncRing.waitid()` (`siginfo_t`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type WaitidResult } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const child = new Deno.Command("sleep", { args: ["10"] }).spawn();
 * child.kill("SIGKILL");
 * const result: WaitidResult = await io.waitid(child);
 * assertEquals([result.pid, result.code, result.status], [child.pid, "killed", 9]);
 * await child.status;
 * ```
 */
export interface WaitidResult {
  /** The child's pid. */
  pid: number;
  /** What happened (`CLD_*`). */
  code: "exited" | "killed" | "dumped" | "trapped" | "stopped" | "continued";
  /** The exit code for `"exited"`, otherwise the signal number. */
  status: number;
}

/**
 * The provided-buffer ring `recvMultishot`/`readMultishot` pick buffers from (a `BufferRing`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type BufferRingLike } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const group: BufferRingLike = io.ring.registerBufRing({ group: 1, entries: 4, size: 64 });
 * const [r, w] = await io.pipe();
 * await io.write(w, new TextEncoder().encode("hi"));
 * for await (const chunk of io.readMultishot(r, group)) {
 *   assertEquals(new TextDecoder().decode(chunk), "hi"); // a view into one of the group's buffers
 *   break;
 * }
 * await io.closeFd(r);
 * await io.closeFd(w);
 * ```
 */
export interface BufferRingLike {
  /** The buffer group id. */
  readonly group: number;
  /** Number of buffers. */
  readonly entries: number;
  /** Size of each buffer. */
  readonly size: number;
  /** A view over the first `length` bytes of buffer `bid`. */
  get(bid: number, length: number): Uint8Array;
  /** Gives buffer `bid` back to the kernel. */
  recycle(bid: number): void;
}

/**
 * Options of `AsyncRing.listenTcp()`.
 *
 * @example
 * ```ts
 * import { assertGreaterOrEqual } from "@std/assert";
 * import { AsyncRing, type ListenTcpOptions } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 16 });
 * const options: ListenTcpOptions = { hostname: "127.0.0.1", port: 0, backlog: 16 };
 * const lfd = await io.listenTcp(options);
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: io.localAddr(lfd).port });
 * const fd = await io.accept(lfd);
 * assertGreaterOrEqual(fd, 0);
 * conn.close();
 * for (const f of [fd, lfd]) await io.closeFd(f);
 * ```
 */
export interface ListenTcpOptions {
  /** IP address to bind; default `"0.0.0.0"`. `"::"` listens on IPv6 (and IPv4-mapped). */
  hostname?: string;
  /** Port; 0 lets the kernel pick (see `localAddr()`). */
  port: number;
  /** listen(2) backlog; default 511. */
  backlog?: number;
  /** Set `SO_REUSEADDR` first; default true. */
  reuseAddress?: boolean;
  /**
   * Set `SO_REUSEPORT`, so that several listeners (one per thread and ring) share the port and
   * the kernel spreads connections over them; default false.
   */
  reusePort?: boolean;
  /** Set `TCP_NODELAY` on the listener; accepted connections inherit it. Default false. */
  noDelay?: boolean;
}

/**
 * Options of `AsyncRing.connectTcp()`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type ConnectTcpOptions } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 16 });
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const options: ConnectTcpOptions = { hostname: "localhost", port: listener.addr.port };
 * const [fd, conn] = await Promise.all([io.connectTcp(options), listener.accept()]);
 * await io.send(fd, new TextEncoder().encode("ping"));
 * const buf = new Uint8Array(4);
 * assertEquals(await conn.read(buf), 4);
 * conn.close();
 * await io.closeFd(fd);
 * ```
 */
export interface ConnectTcpOptions {
  /** IP address to connect to; `"localhost"` means 127.0.0.1. */
  hostname: string;
  /** Port. */
  port: number;
  /** Set `TCP_NODELAY` (as `Deno.connect` does); default true. */
  noDelay?: boolean;
}

/**
 * A socket address given as `{ hostname, port }` or as `struct sockaddr` bytes.
 *
 * @example
 * ```ts
 * import { assertGreater } from "@std/assert";
 * import { AsyncRing, Sock, sockaddr, type SocketAddressLike } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const fd = await io.socket(Sock.AF_INET, Sock.SOCK_DGRAM);
 * const addr: SocketAddressLike = sockaddr({ hostname: "127.0.0.1", port: 0 }); // or the object
 * await io.bind(fd, addr);
 * assertGreater(io.localAddr(fd).port, 0);
 * await io.closeFd(fd);
 * ```
 */
export type SocketAddressLike = SocketAddress | ArrayBufferView;

/**
 * Maps the result of an op started with `AsyncRing.recvWith`/`sendWith` to its promise's value:
 * `res` is the CQE's result (bytes moved, 0 at the end of a stream, or `-errno`) and `ctx` the
 * object the caller passed. A returned `Error` rejects the promise; anything else resolves it.
 * Keep it a function made once (not a closure per call): that is the point of these ops.
 *
 * @example
 * ```ts
 * import type { ResultDecoder } from "../../mod.ts";
 * // What a Deno.Conn read resolves: the bytes read, null at the end of the stream.
 * const readResult: ResultDecoder<string, number | null> = (what, res) =>
 *   res > 0 ? res : res === 0 ? null : new Error(`${what}: errno ${-res}`);
 * console.log(readResult("recv", 0)); // null
 * ```
 */
export type ResultDecoder<C, T> = (ctx: C, res: number) => T | Error;
