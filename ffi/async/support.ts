/**
 * Types, argument mapping and result decoding for `AsyncRing`, and the `io.link()` builder.
 *
 * @module
 */
import { At, FSYNC_DATASYNC, Op, OpenFlag, SocketCmd, TimeoutFlag } from "../sys/mod.ts";
import {
  type _BouncePool,
  type Bounce,
  checkFixedSafe,
  ownCopy,
  prepOne,
  prepVec,
} from "../engine/mod.ts";
import { SqeWord } from "../ring/mod.ts";
import type { ChainOp } from "../engine/mod.ts";
import type { StatxResult } from "../ring/mod.ts";
import type { FdLike } from "../sys/mod.ts";
import { sockaddr, type SocketAddress } from "../ring/mod.ts";
import type { Sqe } from "../ring/mod.ts";
import { AT_FDCWD, type FixedBufferSource } from "../ring/mod.ts";

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

const textOf = (v: unknown) => typeof v === "string" ? `"${v}"` : String(v);

/**
 * `O_*` flags for `Deno.OpenOptions`, with Deno's checks and Rust's `OpenOptions` mapping.
 * Options that set none of `read`, `write`, `append` open read-only.
 *
 * @throws {TypeError} for combinations Deno rejects
 */
export function openFlags(o: Deno.OpenOptions | undefined): number {
  if (o === undefined) return OpenFlag.RDONLY | OpenFlag.CLOEXEC;
  if (typeof o !== "object" || o === null) throw new TypeError("options must be an object");
  const { write, append, truncate, create, createNew } = o;
  // Options that name no access mode (only `signal`, `mode`, ...) mean read-only, as no options do.
  const read = o.read ?? (write === undefined && append === undefined);
  if (!read && !write && !append) {
    throw new TypeError("'options' requires at least one option to be true");
  }
  if ((create || createNew) && !write && !append) {
    throw new TypeError("'create' or 'createNew' options require 'write' or 'append' to be true");
  }
  if (truncate && !write) throw new TypeError("'truncate' option requires 'write' to be true");
  if (truncate && append && !createNew) {
    throw new TypeError("'truncate' and 'append' cannot be used together");
  }
  let f = OpenFlag.CLOEXEC;
  if (write || append) f |= read ? OpenFlag.RDWR : OpenFlag.WRONLY;
  if (append) f |= OpenFlag.APPEND;
  if (createNew) f |= OpenFlag.CREAT | OpenFlag.EXCL;
  else {
    if (create) f |= OpenFlag.CREAT;
    if (truncate) f |= OpenFlag.TRUNC;
  }
  return f;
}

/** The file mode for `open()`: `mode`, default 0o666 (the umask applies). */
export function openMode(o: Deno.OpenOptions | undefined): number {
  const mode = o?.mode ?? 0o666;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new RangeError(`mode must be an integer in 0..0o7777, got ${textOf(mode)}`);
  }
  return mode;
}

const CLD = ["exited", "killed", "dumped", "trapped", "stopped", "continued"] as const;

/** Decodes the `siginfo_t` of a waitid. */
export function decodeSiginfo(buf: unknown): WaitidResult {
  const b = buf as Uint8Array<ArrayBuffer>;
  const v = new DataView(b.buffer, b.byteOffset, 128);
  const code = v.getInt32(8, true);
  return {
    pid: v.getInt32(16, true),
    code: CLD[code - 1] ?? "exited",
    status: v.getInt32(24, true),
  };
}

/** Signal numbers of the names `Deno.CommandStatus.signal` uses (x86-64/aarch64 Linux). */
export const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

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

/** `struct sockaddr` bytes for `addr`. */
export function sockaddrOf(addr: SocketAddressLike): ArrayBufferView {
  if (ArrayBuffer.isView(addr)) return ownCopy(addr);
  if (typeof addr !== "object" || addr === null) {
    throw new TypeError("address must be { hostname, port } or sockaddr bytes");
  }
  return sockaddr(addr);
}

/**
 * Records the ops of one `AsyncRing.link()` chain. Each method adds one SQE, with the same
 * arguments as the `AsyncRing` method of that name, and returns the builder.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const [a, b] = await io.link((c) => c.nop().nop());
 * assertEquals([a, b], [0, 0]);
 * ```
 */
export class AsyncLinkBuilder {
  /** @internal the recorded ops */
  readonly _ops: ChainOp[] = [];

  #add(name: string, prep: (s: Sqe, pool: _BouncePool) => Bounce | void, timer = false): this {
    this._ops.push({ name, prep, timer });
    return this;
  }

  /** A NOP (`io_uring_prep_nop(3)`). */
  nop(): this {
    return this.#add("nop", (s) => s.prepNop());
  }

  /** A read (`io_uring_prep_read(3)`); its entry is the bytes read. */
  read(fd: FdLike, buf: ArrayBufferView, offset = -1): this {
    return this.#add("read", (s, pool) => prepOne(s, pool, Op.READ, fd, buf, offset, true));
  }

  /** A write (`io_uring_prep_write(3)`); its entry is the bytes written. */
  write(fd: FdLike, data: ArrayBufferView, offset = -1): this {
    return this.#add("write", (s, pool) => prepOne(s, pool, Op.WRITE, fd, data, offset, false));
  }

  /** A vectored read (`io_uring_prep_readv(3)`). */
  readv(fd: FdLike, bufs: readonly ArrayBufferView[], offset = -1): this {
    return this.#add(
      "readv",
      (s, pool) => prepVec(pool, bufs, true, (v) => s.prepReadv(fd, v, offset)),
    );
  }

  /** A vectored write (`io_uring_prep_writev(3)`). */
  writev(fd: FdLike, bufs: readonly ArrayBufferView[], offset = -1): this {
    return this.#add(
      "writev",
      (s, pool) => prepVec(pool, bufs, false, (v) => s.prepWritev(fd, v, offset)),
    );
  }

  /** A read into registered buffer `index` (`io_uring_prep_read_fixed(3)`). */
  readFixed(
    fd: FdLike,
    buffers: FixedBufferSource,
    index: number,
    offset = -1,
    length?: number,
  ): this {
    return this.#add("readFixed", (s) => {
      checkFixedSafe(buffers, index);
      s.prepReadFixed(fd, buffers, index, offset, length);
    });
  }

  /** A write from registered buffer `index` (`io_uring_prep_write_fixed(3)`). */
  writeFixed(
    fd: FdLike,
    buffers: FixedBufferSource,
    index: number,
    offset = -1,
    length?: number,
  ): this {
    return this.#add("writeFixed", (s) => {
      checkFixedSafe(buffers, index);
      s.prepWriteFixed(fd, buffers, index, offset, length);
    });
  }

  /** fsync(2) (`io_uring_prep_fsync(3)`). */
  fsync(fd: FdLike): this {
    return this.#add("fsync", (s) => s.prepFsync(fd));
  }

  /** fdatasync(2) (`io_uring_prep_fsync(3)` with `IORING_FSYNC_DATASYNC`). */
  fdatasync(fd: FdLike): this {
    return this.#add("fdatasync", (s) => s.prepFsync(fd, FSYNC_DATASYNC));
  }

  /** fallocate(2) (`io_uring_prep_fallocate(3)`). */
  fallocate(fd: FdLike, offset: number, length: number, mode = 0): this {
    return this.#add("fallocate", (s) => s.prepFallocate(fd, mode, offset, length));
  }

  /** ftruncate(2) (`io_uring_prep_ftruncate(3)`). */
  ftruncate(fd: FdLike, length: number): this {
    return this.#add("ftruncate", (s) => s.prepFtruncate(fd, length));
  }

  /** openat(2) with raw `O_*` flags (`io_uring_prep_openat(3)`); its entry is the fd. */
  openat(dirfd: FdLike, path: string | URL, flags: number, mode = 0): this {
    return this.#add("openat", (s) => s.prepOpenat(dirfd, path, flags, mode));
  }

  /**
   * openat(2) into slot `fileIndex` of the ring's file table (`io_uring_prep_openat_direct(3)`,
   * Linux 5.15): later ops of the chain use it as `fixed(fileIndex)`; no fd is ever made.
   */
  openatDirect(
    dirfd: FdLike,
    path: string | URL,
    flags: number,
    mode: number,
    fileIndex: number,
  ): this {
    return this.#add("openat", (s) => s.prepOpenatDirect(dirfd, path, flags, mode, fileIndex));
  }

  /**
   * statx(2) into `statxbuf` (at least 256 bytes, `struct statx`), undecoded
   * (`io_uring_prep_statx(3)`); its entry is 0. `path` may be given encoded, as UTF-8 bytes
   * ending in a NUL (say a view into memory whose address is known already).
   */
  statx(
    dirfd: FdLike,
    path: string | URL | Uint8Array,
    flags: number,
    mask: number,
    statxbuf: ArrayBufferView,
  ): this {
    if (!(path instanceof Uint8Array)) {
      return this.#add("statx", (s) => s.prepStatx(dirfd, path, flags, mask, statxbuf));
    }
    if (path.length === 0 || path[path.length - 1] !== 0) {
      throw new TypeError("an encoded path must end in a NUL byte");
    }
    if (statxbuf.byteLength < 256) throw new RangeError("statxbuf must be at least 256 bytes");
    return this.#add("statx", (s) => {
      s.prepRw(Op.STATX, dirfd, path, mask, 0);
      s._addrAt(SqeWord.OFF, statxbuf);
      s.opFlags = flags;
    });
  }

  /** close(2) (`io_uring_prep_close(3)`, `io_uring_prep_close_direct(3)` for `fixed(i)`). */
  closeFd(fd: FdLike): this {
    return this.#add("closeFd", (s) => {
      if (typeof fd === "number") s.prepClose(fd);
      else s.prepCloseDirect(fd.index);
    });
  }

  /** unlink(2), or rmdir(2) with `{ dir: true }` (`io_uring_prep_unlink(3)`). */
  unlink(path: string | URL, options?: { dir?: boolean }): this {
    const f = options?.dir ? At.REMOVEDIR : 0;
    return this.#add("unlink", (s) => s.prepUnlinkat(AT_FDCWD, path, f));
  }

  /** rename(2) (`io_uring_prep_renameat(3)`). */
  rename(oldPath: string | URL, newPath: string | URL, flags = 0): this {
    return this.#add("rename", (s) => s.prepRenameat(AT_FDCWD, oldPath, AT_FDCWD, newPath, flags));
  }

  /** mkdir(2) (`io_uring_prep_mkdir(3)`). */
  mkdir(path: string | URL, mode = 0o777): this {
    return this.#add("mkdir", (s) => s.prepMkdir(path, mode));
  }

  /** symlink(2) (`io_uring_prep_symlink(3)`). */
  symlink(target: string | URL, linkPath: string | URL): this {
    return this.#add("symlink", (s) => s.prepSymlink(target, linkPath));
  }

  /** link(2) (`io_uring_prep_link(3)`). */
  link(oldPath: string | URL, newPath: string | URL): this {
    return this.#add("link", (s) => s.prepLink(oldPath, newPath));
  }

  /** A kernel timer in the chain (`io_uring_prep_timeout(3)`); its entry is 0 when it fires. */
  timeout(ms: number): this {
    return this.#add("timeout", (s) => s.prepTimeout(ms, 0, TimeoutFlag.ETIME_SUCCESS), true);
  }

  /** send(2) (`io_uring_prep_send(3)`); its entry is the bytes sent. */
  send(fd: FdLike, data: ArrayBufferView, flags = 0x4000): this {
    return this.#add("send", (s, pool) => {
      const b = prepOne(s, pool, Op.SEND, fd, data, 0, false);
      s.opFlags = flags;
      return b;
    });
  }

  /** recv(2) (`io_uring_prep_recv(3)`); its entry is the bytes received. */
  recv(fd: FdLike, buf: ArrayBufferView, flags = 0): this {
    return this.#add("recv", (s, pool) => {
      const b = prepOne(s, pool, Op.RECV, fd, buf, 0, true);
      s.opFlags = flags;
      return b;
    });
  }

  /** connect(2) (`io_uring_prep_connect(3)`). */
  connect(fd: FdLike, addr: SocketAddressLike): this {
    const a = sockaddrOf(addr);
    return this.#add("connect", (s) => s.prepConnect(fd, a));
  }

  /** bind(2) (`io_uring_prep_bind(3)`). */
  bind(fd: FdLike, addr: SocketAddressLike): this {
    const a = sockaddrOf(addr);
    return this.#add("bind", (s) => s.prepBind(fd, a));
  }

  /** listen(2) (`io_uring_prep_listen(3)`). */
  listen(fd: FdLike, backlog = 511): this {
    return this.#add("listen", (s) => s.prepListen(fd, backlog));
  }

  /** setsockopt(2) (`io_uring_prep_cmd_sock(3)` with `SOCKET_URING_OP_SETSOCKOPT`). */
  setsockopt(fd: FdLike, level: number, name: number, value: ArrayBufferView): this {
    const v = ownCopy(value);
    return this.#add("setsockopt", (s) => s.prepCmdSock(SocketCmd.SETSOCKOPT, fd, level, name, v));
  }

  /** poll(2) for one fd (`io_uring_prep_poll_add(3)`); its entry is the ready mask. */
  poll(fd: FdLike, events: number): this {
    return this.#add("poll", (s) => s.prepPollAdd(fd, events));
  }

  /** shutdown(2) (`io_uring_prep_shutdown(3)`). */
  shutdown(fd: FdLike, how = 2): this {
    return this.#add("shutdown", (s) => s.prepShutdown(fd, how));
  }

  /** splice(2) (`io_uring_prep_splice(3)`); its entry is the bytes moved. */
  splice(
    fdIn: FdLike,
    offIn: number,
    fdOut: FdLike,
    offOut: number,
    nbytes: number,
    flags = 0,
  ): this {
    return this.#add("splice", (s) => s.prepSplice(fdIn, offIn, fdOut, offOut, nbytes, flags));
  }

  /** tee(2) (`io_uring_prep_tee(3)`); its entry is the bytes duplicated. */
  tee(fdIn: FdLike, fdOut: FdLike, nbytes: number, flags = 0): this {
    return this.#add("tee", (s) => s.prepTee(fdIn, fdOut, nbytes, flags));
  }
}

export type { StatxResult };
