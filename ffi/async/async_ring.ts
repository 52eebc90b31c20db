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
 * in `bench/README.md`.
 *
 * @module
 */
import {
  At,
  FILE_INDEX_ALLOC,
  Futex2,
  FUTEX_BITSET_MATCH_ANY,
  Op,
  OpenFlag,
  Sock,
} from "../sys/mod.ts";
import { CancelFlag, CqeFlag, SqeFlag, StatxMask } from "../sys/mod.ts";
import type { Sqe } from "../ring/mod.ts";
import { _Engine } from "../engine/mod.ts";
import {
  type AsyncOpOptions,
  type Decoder,
  F_DIRECT,
  K_BOUNCE,
  K_DEC,
  K_FD,
  K_NUM,
  K_PIPE,
  K_RAW,
  K_VOID,
} from "../engine/mod.ts";
import { type Bounce, type ChainOp, ownCopy, prepOne } from "../engine/mod.ts";
import { decodeStatx } from "../ring/mod.ts";
import { MS_ACCEPT, MS_POLL, MS_READ, MS_RECV, MultishotIterator } from "./multishot.ts";
import { AsyncLinkBuilder, chainOps } from "./link_builder.ts";
import * as R from "./_recipes.ts";
import * as tcp from "./_tcp.ts";
import { decodeSiginfo, openFlags, openMode, SIGNALS, sockaddrOf } from "./_args.ts";
import type {
  AsyncOpenOptions,
  AsyncRingOptions,
  BufferRingLike,
  ConnectTcpOptions,
  DirectOptions,
  LinkOptions,
  ListenTcpOptions,
  ResultDecoder,
  SocketAddressLike,
  StatxResult,
  WaitidResult,
} from "./options.ts";
import { Errno, UringError } from "../sys/mod.ts";
import type { FdLike } from "../sys/mod.ts";
import { native } from "../sys/mod.ts";
import { Ring } from "../ring/mod.ts";
import * as files from "./files.ts";
import type { ReadFilesOptions } from "./files.ts";
import { parseSockaddr, type SocketAddress } from "../ring/mod.ts";
import { AT_FDCWD, type FixedBufferSource } from "../ring/mod.ts";
const { ETIME, EAGAIN, ECHILD, ENOENT, EALREADY } = Errno;

const P_PID = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const STATX_MASK = StatxMask.BASIC_STATS | StatxMask.BTIME;

/** `path` as the error messages quote it. */
function quoted(path: string | URL): string {
  return `'${path instanceof URL ? decodeURIComponent(path.pathname) : String(path)}'`;
}

/**
 * `p`, whose `UringError` names the path(s) it acted on: `mkdir '/tmp/x' failed: EEXIST (errno
 * 17)`, `rename '/a' -> '/b' failed: ...`. Only path ops pay for it (one `catch` per call).
 */
function onPath<T>(p: Promise<T>, path: string | URL, to?: string | URL): Promise<T> {
  return p.catch((e) => {
    if (!(e instanceof UringError) || e.target !== undefined) throw e;
    const target = to === undefined ? quoted(path) : `${quoted(path)} -> ${quoted(to)}`;
    throw new UringError(e.errno, e.call, undefined, target);
  });
}

const decodeTimeout: Decoder = (_aux, res) =>
  res >= 0 || res === -ETIME ? undefined : new UringError(-res, "timeout");
const decodeCancel: Decoder = (_aux, res) =>
  res >= 0 ? res : res === -ENOENT || res === -EALREADY ? 0 : new UringError(-res, "cancelFd");
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
export class AsyncRing implements AsyncDisposable, Disposable {
  #e: _Engine;

  /**
   * Sets up a ring (`new Ring(options)`) and the completion machinery over it.
   *
   * @param options the `Ring` options; `entries` defaults to 256. With `singleIssuer` and
   *   `deferTaskrun`, completion work runs on this thread in each flush (see the module doc)
   * @throws {TypeError} when `options` is not an object, or `wakeup` is not "socket" or "thread"
   * @throws {UringError} when the kernel refuses the ring (see `Ring`)
   */
  constructor(options?: AsyncRingOptions) {
    if (options === undefined) options = {};
    if (typeof options !== "object" || options === null) {
      throw new TypeError("options must be an object");
    }
    const wakeup = options.wakeup ?? "socket";
    if (wakeup !== "socket" && wakeup !== "thread") {
      throw new TypeError(`wakeup must be "socket" or "thread", got ${String(wakeup)}`);
    }
    // deferTaskrun: TASKRUN_FLAG lets a flush see pending completion work without a syscall
    const ring = new Ring(
      options.deferTaskrun && options.taskrunFlag === undefined
        ? { ...options, taskrunFlag: true }
        : options,
    );
    // User data are slot numbers, unique among ops in flight: a buffer never waits on an op
    // that was only counted (say a long timer started before the first read).
    ring._uniqueUserData();
    try {
      this.#e = new _Engine(ring, wakeup);
    } catch (e) {
      ring.close();
      throw e;
    }
  }

  /** The underlying {@link Ring}, for registrations (buffers, files, buffer rings). */
  get ring(): Ring {
    return this.#e.ring;
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.#e.closed;
  }

  /** Ops started and not yet settled (armed multishot ops included). */
  get pending(): number {
    return this.#e.inflight;
  }

  // ---- no-op, timers ----------------------------------------------------------------------

  /**
   * Starts an op whose SQE `prep` fills: the common shape of the ops below (the hot ones, `nop`,
   * `read` and `write`, spell it out to save the closure).
   */
  #op<T>(
    kind: number,
    name: string,
    options: AsyncOpOptions | undefined,
    prep: R.Prep,
    aux?: unknown,
  ): Promise<T> {
    const e = this.#e;
    const s = e.start(options);
    if (s === null) return e.early;
    try {
      prep(s, e.pool);
    } catch (err) {
      return e.abandon(s, err);
    }
    return e.finish(s, kind, name, options, aux);
  }

  /**
   * A no-op through the kernel: `io_uring_prep_nop(3)`. Linux 5.1. Resolves once its CQE is
   * reaped (inline, in the same turn's flush).
   *
   * @example
   * ```ts
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 8 });
   * await io.nop();
   * ```
   */
  nop(options?: AsyncOpOptions): Promise<void> {
    const e = this.#e;
    const s = e.start(options);
    if (s === null) return e.early;
    s.prepNop();
    return e.finish(s, K_VOID, "nop", options);
  }

  /**
   * Resolves after `ms` milliseconds of a kernel timer: `io_uring_prep_timeout(3)`. Linux 5.4.
   *
   * @example
   * ```ts
   * import { assertGreaterOrEqual } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 8 });
   * const t0 = performance.now();
   * await io.timeout(20);
   * assertGreaterOrEqual(performance.now() - t0, 19);
   * ```
   */
  timeout(ms: number, options?: AsyncOpOptions): Promise<void> {
    return this.#op(K_RAW, "timeout", options, (s) => s.prepTimeout(ms), {
      decode: decodeTimeout,
      data: null,
    });
  }

  // ---- files --------------------------------------------------------------------------------

  /**
   * Opens `path` with `Deno.OpenOptions` semantics (default read-only; `write`, `append`,
   * `create`, `createNew`, `truncate`, `mode`), close-on-exec: `io_uring_prep_openat(3)`.
   * Linux 5.6.
   *
   * @returns the new fd (or, with `direct`, the file-table slot; use it as `fixed(slot)`)
   * @throws {TypeError} for option combinations Deno rejects
   *
   * @example
   * ```ts
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 8 });
   * const path = await Deno.makeTempFile();
   * const fd = await io.open(path, { write: true, create: true, truncate: true, mode: 0o600 });
   * await io.closeFd(fd);
   * await io.unlink(path);
   * ```
   */
  open(path: string | URL, options?: AsyncOpenOptions): Promise<number> {
    const e = this.#e;
    let flags: number, mode: number;
    try {
      flags = openFlags(options);
      mode = openMode(options);
    } catch (err) {
      return Promise.reject(err);
    }
    const direct = options?.direct === true;
    const s = e.start(options);
    if (s === null) return e.early;
    try {
      if (direct) {
        s.prepOpenatDirect(AT_FDCWD, path, flags & ~OpenFlag.CLOEXEC, mode, FILE_INDEX_ALLOC);
      } else s.prepOpenat(AT_FDCWD, path, flags, mode);
    } catch (err) {
      return e.abandon(s, err);
    }
    return onPath(e.finish(s, K_FD, "open", options, undefined, direct ? F_DIRECT : 0), path);
  }

  /**
   * openat(2) with raw `O_*` flags (`OpenFlag`): `io_uring_prep_openat(3)`. Linux 5.6.
   *
   * @param dirfd directory fd or `AT_FDCWD` (-100)
   * @returns the new fd (or the slot, with `direct`)
   */
  openat(
    dirfd: FdLike,
    path: string | URL,
    flags: number = OpenFlag.RDONLY | OpenFlag.CLOEXEC,
    mode: number = 0,
    options?: DirectOptions,
  ): Promise<number> {
    const e = this.#e;
    const direct = options?.direct === true;
    const s = e.start(options);
    if (s === null) return e.early;
    try {
      R.openat(dirfd, path, flags, mode, direct ? FILE_INDEX_ALLOC : undefined)(s, e.pool);
    } catch (err) {
      return e.abandon(s, err);
    }
    return onPath(e.finish(s, K_FD, "openat", options, undefined, direct ? F_DIRECT : 0), path);
  }

  /**
   * Reads into `buf` (its whole length) at `offset`: `io_uring_prep_read(3)`. Linux 5.6.
   *
   * @param offset file offset; -1 (default) reads at the file position
   * @returns the bytes read, 0 at end of file
   *
   * @example
   * ```ts
   * import { assertGreater } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 8 });
   * const fd = await io.open("/proc/self/stat");
   * const n = await io.read(fd, new Uint8Array(64), 0);
   * assertGreater(n, 0);
   * await io.closeFd(fd);
   * ```
   */
  read(
    fd: FdLike,
    buf: ArrayBufferView,
    offset: number = -1,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return this.#rw(Op.READ, "read", fd, buf, offset, options);
  }

  /**
   * Writes `data` at `offset` (-1: the file position): `io_uring_prep_write(3)`. Linux 5.6.
   *
   * @returns the bytes written
   */
  write(
    fd: FdLike,
    data: ArrayBufferView,
    offset: number = -1,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return this.#rw(Op.WRITE, "write", fd, data, offset, options);
  }

  /**
   * A read, write, send or recv on one buffer, started and finished without a closure (the hot
   * path of `read` and `write`); `msgFlags` are the send/recv flags.
   */
  #rw(
    op: number,
    name: string,
    fd: FdLike,
    buf: ArrayBufferView,
    offset: number,
    options: AsyncOpOptions | undefined,
    msgFlags: number = 0,
  ): Promise<number> {
    const e = this.#e;
    const s = e.start(options);
    if (s === null) return e.early;
    let b: Bounce | undefined;
    try {
      b = prepOne(s, e.pool, op, fd, buf, offset, op === Op.READ || op === Op.RECV);
      if (msgFlags !== 0) s.opFlags = msgFlags;
    } catch (err) {
      b?.done(0);
      return e.abandon(s, err);
    }
    if (b === undefined) return e.finish(s, K_NUM, name, options);
    return e.finish(s, K_BOUNCE, name, options, b);
  }

  /** A vectored op: in place for kernel-safe buffers, the others through pool memory. */
  #rwv(name: string, options: AsyncOpOptions | undefined, prep: R.Prep): Promise<number> {
    const e = this.#e;
    const s = e.start(options);
    if (s === null) return e.early;
    let b: Bounce | void;
    try {
      b = prep(s, e.pool);
    } catch (err) {
      return e.abandon(s, err);
    }
    if (b === undefined) return e.finish(s, K_NUM, name, options);
    return e.finish(s, K_BOUNCE, name, options, b);
  }

  /** Scatter read into `bufs`: `io_uring_prep_readv(3)`. Linux 5.1. Returns the bytes read. */
  readv(
    fd: FdLike,
    bufs: readonly ArrayBufferView[],
    offset: number = -1,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return this.#rwv("readv", options, R.readv(fd, bufs, offset));
  }

  /** Gather write from `bufs`: `io_uring_prep_writev(3)`. Linux 5.1. Returns bytes written. */
  writev(
    fd: FdLike,
    bufs: readonly ArrayBufferView[],
    offset: number = -1,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return this.#rwv("writev", options, R.writev(fd, bufs, offset));
  }

  /**
   * Reads into registered buffer `index` of `buffers` (from `io.ring.registerBuffers()`):
   * `io_uring_prep_read_fixed(3)`. Linux 5.1.
   *
   * @param options `length` (default the buffer size) besides signal/timeoutMs
   * @returns the bytes read
   */
  readFixed(
    fd: FdLike,
    buffers: FixedBufferSource,
    index: number,
    offset: number = -1,
    options?: AsyncOpOptions & { length?: number },
  ): Promise<number> {
    return this.#fixedRw(Op.READ_FIXED, "readFixed", fd, buffers, index, offset, options);
  }

  /**
   * Writes from registered buffer `index`: `io_uring_prep_write_fixed(3)`. Linux 5.1.
   *
   * @returns the bytes written
   */
  writeFixed(
    fd: FdLike,
    buffers: FixedBufferSource,
    index: number,
    offset: number = -1,
    options?: AsyncOpOptions & { length?: number },
  ): Promise<number> {
    return this.#fixedRw(Op.WRITE_FIXED, "writeFixed", fd, buffers, index, offset, options);
  }

  /** `readFixed` and `writeFixed`. */
  #fixedRw(
    op: typeof Op.READ_FIXED | typeof Op.WRITE_FIXED,
    name: string,
    fd: FdLike,
    buffers: FixedBufferSource,
    index: number,
    offset: number,
    options: (AsyncOpOptions & { length?: number }) | undefined,
  ): Promise<number> {
    const e = this.#e;
    const s = e.start(options);
    if (s === null) return e.early;
    try {
      R.fixedRw(op, fd, buffers, index, offset, options?.length)(s, e.pool);
    } catch (err) {
      return e.abandon(s, err);
    }
    return e.finish(s, K_NUM, name, options);
  }

  /**
   * File status of a path (symlinks followed unless `followSymlinks: false`) or an open fd:
   * `io_uring_prep_statx(3)`. Linux 5.6.
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 8 });
   * const st = await io.statx("/");
   * assert(st.isDirectory && st.mtimeMs > 0);
   * ```
   */
  statx(
    target: string | URL | number,
    options?: AsyncOpOptions & { followSymlinks?: boolean },
  ): Promise<StatxResult> {
    const e = this.#e;
    const s = e.start(options);
    if (s === null) return e.early;
    const buf = new Uint8Array(256);
    try {
      if (typeof target === "number") {
        s.prepStatx(R.checkFdNumber(target), "", At.EMPTY_PATH, STATX_MASK, buf);
      } else {
        const flags = options?.followSymlinks === false ? At.SYMLINK_NOFOLLOW : 0;
        s.prepStatx(AT_FDCWD, target, flags, STATX_MASK, buf);
      }
    } catch (err) {
      return e.abandon(s, err);
    }
    const p: Promise<StatxResult> = e.finish(s, K_DEC, "statx", options, {
      decode: decodeStatx,
      data: buf,
    });
    return typeof target === "number" ? p : onPath(p, target);
  }

  /** fsync(2): `io_uring_prep_fsync(3)`. Linux 5.1. */
  fsync(fd: FdLike, options?: AsyncOpOptions): Promise<void> {
    return this.#op(K_VOID, "fsync", options, R.fsync(fd));
  }

  /** fdatasync(2): `io_uring_prep_fsync(3)` with `IORING_FSYNC_DATASYNC`. Linux 5.1. */
  fdatasync(fd: FdLike, options?: AsyncOpOptions): Promise<void> {
    return this.#op(K_VOID, "fdatasync", options, R.fsync(fd, true));
  }

  /** fallocate(2): `io_uring_prep_fallocate(3)`. Linux 5.6. `mode` 0 allocates. */
  fallocate(
    fd: FdLike,
    offset: number,
    length: number,
    mode: number = 0,
    options?: AsyncOpOptions,
  ): Promise<void> {
    return this.#op(K_VOID, "fallocate", options, R.fallocate(fd, offset, length, mode));
  }

  /** ftruncate(2): `io_uring_prep_ftruncate(3)`. Linux 6.9. */
  ftruncate(fd: FdLike, length: number, options?: AsyncOpOptions): Promise<void> {
    return this.#op(K_VOID, "ftruncate", options, R.ftruncate(fd, length));
  }

  /**
   * close(2) as an op: `io_uring_prep_close(3)`; a `fixed(i)` slot is emptied with
   * `io_uring_prep_close_direct(3)`. Linux 5.6 (direct 5.15). Not to be confused with
   * `io.close()`, which closes the ring.
   */
  closeFd(fd: FdLike, options?: AsyncOpOptions): Promise<void> {
    return this.#op(K_VOID, "closeFd", options, R.closeFd(fd));
  }

  /** unlink(2), or rmdir(2) with `dir: true`: `io_uring_prep_unlinkat(3)`. Linux 5.11. */
  unlink(path: string | URL, options?: AsyncOpOptions & { dir?: boolean }): Promise<void> {
    return onPath(this.#op(K_VOID, "unlink", options, R.unlink(path, options?.dir === true)), path);
  }

  /** rename(2) (renameat2 `flags`): `io_uring_prep_renameat(3)`. Linux 5.11. */
  rename(
    oldPath: string | URL,
    newPath: string | URL,
    options?: AsyncOpOptions & { flags?: number },
  ): Promise<void> {
    const p = this.#op<void>(
      K_VOID,
      "rename",
      options,
      R.rename(oldPath, newPath, options?.flags ?? 0),
    );
    return onPath(p, oldPath, newPath);
  }

  /** mkdir(2): `io_uring_prep_mkdir(3)`. Linux 5.15. */
  mkdir(path: string | URL, mode: number = 0o777, options?: AsyncOpOptions): Promise<void> {
    return onPath(this.#op(K_VOID, "mkdir", options, R.mkdir(path, mode)), path);
  }

  /** symlink(2): `linkPath` points at `target`. `io_uring_prep_symlink(3)`. Linux 5.15. */
  symlink(target: string | URL, linkPath: string | URL, options?: AsyncOpOptions): Promise<void> {
    return onPath(
      this.#op(K_VOID, "symlink", options, R.symlink(target, linkPath)),
      target,
      linkPath,
    );
  }

  /**
   * Submits the ops that `build` adds as one `IOSQE_IO_LINK` chain (`io_uring_prep_*` with
   * `IOSQE_IO_LINK`, Linux 5.3; `hardlink` 5.5; `drain` 5.2). Resolves to one entry per op, in
   * order: its result, or the `UringError` that ended it (ops after a failure end with
   * `ECANCELED`). Rejects only when the chain could not be submitted. `timeoutMs` bounds the
   * whole chain (a kernel timer that cancels what has not completed).
   *
   * (With two strings, the deprecated form of `hardLink()`.)
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 8 });
   * const path = await Deno.makeTempFile();
   * const fd = await io.open(path, { write: true });
   * const [written, synced] = await io.link((c) => {
   *   c.write(fd, new TextEncoder().encode("header"), 0);
   *   c.fsync(fd);
   * });
   * assertEquals([written, synced], [6, 0]);
   * await io.closeFd(fd);
   * await io.unlink(path);
   * ```
   */
  link(
    build: (chain: AsyncLinkBuilder) => unknown,
    options?: LinkOptions,
  ): Promise<(number | UringError)[]>;
  /**
   * link(2), a hard link `newPath` to `oldPath` like `Deno.link`: `io_uring_prep_link(3)`.
   * Linux 5.15.
   *
   * @deprecated Use `hardLink()`: `link` names the linked chain of ops.
   */
  link(oldPath: string | URL, newPath: string | URL, options?: AsyncOpOptions): Promise<void>;
  link(
    a: ((chain: AsyncLinkBuilder) => unknown) | string | URL,
    b?: LinkOptions | string | URL,
    c?: AsyncOpOptions,
  ): Promise<unknown> {
    const e = this.#e;
    if (typeof a === "function") {
      const options = b as LinkOptions | undefined;
      const builder = new AsyncLinkBuilder();
      try {
        a(builder);
      } catch (err) {
        return Promise.reject(err);
      }
      return e.link(
        chainOps(builder),
        options,
        options?.hardlink === true,
        options?.drain === true,
      );
    }
    return onPath(
      this.#op(K_VOID, "link", c, R.hardLink(a, b as string | URL)),
      a,
      b as string | URL,
    );
  }

  /**
   * link(2): a hard link `newPath` to `oldPath`, like `Deno.link`: `io_uring_prep_link(3)`.
   * Linux 5.15.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 8 });
   * const path = await Deno.makeTempFile();
   * await io.hardLink(path, path + ".2");
   * assertEquals((await Deno.stat(path)).nlink, 2);
   * await Deno.remove(path + ".2");
   * await Deno.remove(path);
   * ```
   */
  hardLink(oldPath: string | URL, newPath: string | URL, options?: AsyncOpOptions): Promise<void> {
    return onPath(
      this.#op(K_VOID, "hardLink", options, R.hardLink(oldPath, newPath)),
      oldPath,
      newPath,
    );
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
    const e = this.#e;
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
    return this.#op(K_VOID, "bind", options, R.bind(fd, a));
  }

  /** listen(2): `io_uring_prep_listen(3)`. Linux 6.11. */
  listen(fd: FdLike, backlog: number = 511, options?: AsyncOpOptions): Promise<void> {
    return this.#op(K_VOID, "listen", options, R.listen(fd, backlog));
  }

  /** connect(2): `io_uring_prep_connect(3)`. Linux 5.5. */
  connect(fd: FdLike, addr: SocketAddressLike, options?: AsyncOpOptions): Promise<void> {
    let a: ArrayBufferView;
    try {
      a = sockaddrOf(addr);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#op(K_VOID, "connect", options, R.connect(fd, a));
  }

  /**
   * Accepts one connection, close-on-exec: `io_uring_prep_accept(3)`. Linux 5.5 (direct 5.15).
   *
   * @returns the connection fd (or the slot, with `direct`)
   */
  accept(fd: FdLike, options?: DirectOptions & { flags?: number }): Promise<number> {
    const e = this.#e;
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
    return this.#rw(Op.RECV, "recv", fd, buf, 0, options, options?.flags ?? 0);
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
    return this.#rw(Op.SEND, "send", fd, data, 0, options, options?.flags ?? Sock.MSG_NOSIGNAL);
  }

  /** shutdown(2): `io_uring_prep_shutdown(3)`. Linux 5.11. `how` defaults to `SHUT_RDWR`. */
  shutdown(fd: FdLike, how: number = Sock.SHUT_RDWR, options?: AsyncOpOptions): Promise<void> {
    return this.#op(K_VOID, "shutdown", options, R.shutdown(fd, how));
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
    return this.#op(
      K_VOID,
      "setsockopt",
      options,
      R.setsockopt(fd, level, name, v),
    );
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
    const e = this.#e;
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
    return this.#op(
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
    return this.#op(
      K_NUM,
      "tee",
      options,
      R.tee(fdIn, fdOut, nbytes, options?.flags ?? 0),
    );
  }

  // ---- polling, futexes, processes --------------------------------------------------------

  /** Waits until `fd` is ready: `io_uring_prep_poll_add(3)`. Linux 5.1. Returns the mask. */
  poll(fd: FdLike, events: number, options?: AsyncOpOptions): Promise<number> {
    return this.#op(K_NUM, "poll", options, R.poll(fd, events));
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
    return this.#op(K_RAW, "futexWait", options, (s) => {
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
    return this.#op(
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
    const e = this.#e;
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
      this.#e,
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
      this.#e,
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
      this.#e,
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
      this.#e,
      MS_READ,
      "readMultishot",
      (s) => s.prepReadMultishot(fd, nbytes, 0, group.group),
      group,
      options?.signal,
    );
  }

  // ---- life cycle -----------------------------------------------------------------------

  /**
   * Rejects every pending op with `Error("AsyncRing is closed")`, ends the multishot iterators,
   * cancels what is in the kernel and closes the ring (once the completion waiter is back: at
   * once, or a moment later; `await using` waits for it). Idempotent.
   *
   * This closes the ring itself; `closeFd(fd)` is close(2) of a file descriptor, as an op.
   */
  close(): void {
    this.#e.close();
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.#e.close();
  }

  /** `close()`, then waits until the waiter thread is back and the ring is closed. */
  [Symbol.asyncDispose](): Promise<void> {
    this.#e.close();
    return this.#e.idle();
  }

  // ---- drop-in file functions (ffi/async/files.ts) --------------------------------------------

  /**
   * Reads a whole file, like `Deno.readFile` (same errors, `file:` URLs, size-0 files read to
   * their end). Same as `readFile(io, ...)` of `files.ts`; not subject to `--allow-read` (FFI is full trust).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing();
   * assertEquals(await io.readFile("/etc/hostname"), await Deno.readFile("/etc/hostname"));
   * ```
   */
  readFile(path: string | URL, options?: Deno.ReadFileOptions): Promise<Uint8Array<ArrayBuffer>> {
    return files.readFile(this, path, options);
  }

  /**
   * Reads a whole file as UTF-8, like `Deno.readTextFile`. Same as `readTextFile(io, ...)` of `files.ts`.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing();
   * assertEquals(await io.readTextFile("/etc/hostname"), await Deno.readTextFile("/etc/hostname"));
   * ```
   */
  readTextFile(path: string | URL, options?: Deno.ReadFileOptions): Promise<string> {
    return files.readTextFile(this, path, options);
  }

  /**
   * Writes a file, like `Deno.writeFile` (`append`, `create`, `createNew`, `mode`, `signal`;
   * truncates by default). Same as `writeFile(io, ...)` of `files.ts`; not subject to `--allow-write`.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing();
   * const path = await Deno.makeTempFile();
   * await io.writeFile(path, new Uint8Array([1, 2, 3]), { mode: 0o600 });
   * assertEquals(await Deno.readFile(path), new Uint8Array([1, 2, 3]));
   * await Deno.remove(path);
   * ```
   */
  writeFile(
    path: string | URL,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options?: Deno.WriteFileOptions,
  ): Promise<void> {
    return files.writeFile(this, path, data, options);
  }

  /**
   * Writes text as UTF-8, like `Deno.writeTextFile`. Same as `writeTextFile(io, ...)` of `files.ts`.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing();
   * const path = await Deno.makeTempFile();
   * await io.writeTextFile(path, "hi");
   * assertEquals(await Deno.readTextFile(path), "hi");
   * await Deno.remove(path);
   * ```
   */
  writeTextFile(
    path: string | URL,
    text: string | ReadableStream<string>,
    options?: Deno.WriteFileOptions,
  ): Promise<void> {
    return files.writeTextFile(this, path, text, options);
  }

  /**
   * `Deno.FileInfo` of a path, symlinks followed, every field as `Deno.stat` gives it. See
   * `stat(io, ...)` of `files.ts`.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing();
   * assertEquals(await io.stat("/tmp"), await Deno.stat("/tmp"));
   * ```
   */
  stat(path: string | URL): Promise<Deno.FileInfo> {
    return files.stat(this, path);
  }

  /**
   * `Deno.FileInfo` of a path itself (no symlink followed), as `Deno.lstat`. See
   * `lstat(io, ...)` of `files.ts`.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing();
   * assertEquals(await io.lstat("/tmp"), await Deno.lstat("/tmp"));
   * ```
   */
  lstat(path: string | URL): Promise<Deno.FileInfo> {
    return files.lstat(this, path);
  }

  /**
   * Reads many whole files, results in the order of `paths`; the first failure rejects naming
   * its path, and nothing stays open. Same as `readFiles(io, ...)` of `files.ts`.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { AsyncRing } from "../../mod.ts";
   * await using io = new AsyncRing();
   * const [a, b] = await io.readFiles(["/etc/hostname", "/proc/self/comm"]);
   * assertEquals(a, await Deno.readFile("/etc/hostname"));
   * assertEquals(new TextDecoder().decode(b), "deno\n");
   * ```
   */
  readFiles(
    paths: readonly (string | URL)[],
    options?: ReadFilesOptions,
  ): Promise<Uint8Array<ArrayBuffer>[]> {
    return files.readFiles(this, paths, options);
  }
  // Ops added for the net layer

  /**
   * Accepts one connection, close-on-exec, and writes the peer's address: `io_uring_prep_accept(3)`
   * with an address. Linux 5.5. `addrLen[0]` holds the room in `addr` going in and the address's
   * length coming out. The kernel writes both when the connection comes, so they must be memory
   * JavaScript cannot free or detach meanwhile (`alignedBuffer()`, a `SharedArrayBuffer`); the op
   * holds them until it settles.
   *
   * @returns the connection fd
   * @throws {TypeError} for `addr`/`addrLen` in memory the kernel must not be given
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { alignedBuffer, AsyncRing, parseSockaddr } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 16 });
   * const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
   * const mem = alignedBuffer(256);
   * const addr = mem.subarray(0, 128), addrLen = new Uint32Array(mem.buffer, 128, 1);
   * addrLen[0] = 128;
   * const [cfd, conn] = await Promise.all([
   *   io.connectTcp({ hostname: "127.0.0.1", port: io.localAddr(lfd).port }),
   *   io.acceptFrom(lfd, addr, addrLen),
   * ]);
   * assertEquals(addrLen[0], 16); // a sockaddr_in
   * assertEquals(parseSockaddr(addr), io.localAddr(cfd));
   * for (const fd of [cfd, conn, lfd]) await io.closeFd(fd);
   * ```
   */
  acceptFrom(
    fd: FdLike,
    addr: Uint8Array,
    addrLen: Uint32Array,
    options?: AsyncOpOptions,
  ): Promise<number> {
    return this.#op(
      K_FD,
      "accept",
      options,
      (s) => s.prepAccept(fd, addr, addrLen, Sock.SOCK_CLOEXEC),
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
    let sink!: MultishotSinkLike;
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
      this.#e.multishot(sink);
    } catch (err) {
      return Promise.reject(err);
    }
    return p;
  }

  // Ops added for FsFile

  /**
   * Cancels every op in flight on `fd`: `io_uring_prep_cancel_fd(3)` with
   * `IORING_ASYNC_CANCEL_ALL`. Linux 5.19. The cancelled ops reject with `UringError`
   * `ECANCELED`; an op a kernel worker is already running (a regular file's read) is not
   * stopped, it completes as usual.
   *
   * @returns how many ops were cancelled (0 when none was found)
   *
   * @example
   * ```ts
   * import { assertEquals, assertRejects } from "@std/assert";
   * import { AsyncRing, UringError } from "../../mod.ts";
   * await using io = new AsyncRing({ entries: 8 });
   * const [r, w] = await io.pipe();
   * const read = io.read(r, new Uint8Array(8)); // nothing is ever written: it waits
   * assertEquals(await io.cancelFd(r), 1);
   * assertEquals((await assertRejects(() => read, UringError)).code, "ECANCELED");
   * await io.closeFd(r);
   * await io.closeFd(w);
   * ```
   */
  cancelFd(fd: FdLike, options?: AsyncOpOptions): Promise<number> {
    return this.#op(K_RAW, "cancelFd", options, (s) => s.prepCancelFd(fd, CancelFlag.ALL), {
      decode: decodeCancel,
      data: null,
    });
  }

  // ---- Ops on memory the caller encoded (for the fs layer's pooled paths and buffers) -----

  /**
   * @internal One op with raw fields, for a layer above that keeps its own memory: `addr` and
   * `off` are numbers (addresses of memory the caller keeps, unchanged, until the op settles,
   * which is after its CQE), nothing is held or copied. Resolves to the CQE's `res`, or rejects
   * with `UringError` named `name`. Saves a C string, an `UnsafePointer.of` and a `WeakMap`
   * entry per path that `mkdir(path)` and friends pay.
   *
   * @param op the opcode (`Op.*`)
   * @param fd the `fd` field (`AT_FDCWD` for a path)
   * @param addr the `addr` field (a path's address)
   * @param len the `len` field (a mode, a statx mask, a byte count)
   * @param off the `off` field (a second path's or a buffer's address, an offset)
   * @param opFlags the op's flags (`open_flags`, `unlink_flags`, `statx_flags`, ...)
   */
  _rawOp(
    name: string,
    op: number,
    fd: number,
    addr: number,
    len: number,
    off: number,
    opFlags: number,
  ): Promise<number> {
    const e = this.#e;
    const s = e.start(undefined);
    if (s === null) return e.early;
    try {
      s.prepRw(op, fd, addr, len, off);
      if (opFlags !== 0) s.opFlags = opFlags;
    } catch (err) {
      return e.abandon(s, err);
    }
    return e.finish(s, K_NUM, name, undefined);
  }

  /**
   * @internal `_rawOp`s as one `IOSQE_IO_LINK` chain, each given as `[name, op, fd, addr, len,
   * off, opFlags]`; resolves to one entry per op as `link()` does.
   */
  _rawLink(
    ops: readonly (readonly [string, number, number, number, number, number, number])[],
  ): Promise<(number | UringError)[]> {
    const chain: ChainOp[] = ops.map(([name, op, fd, addr, len, off, opFlags]) => ({
      name,
      prep: (s: Sqe) => {
        s.prepRw(op, fd, addr, len, off);
        if (opFlags !== 0) s.opFlags = opFlags;
      },
    }));
    return this.#e.link(chain, undefined, false, false);
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
    return this.#rwWith(Op.RECV, "recv", fd, buf, decode, ctx, flags);
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
    return this.#rwWith(Op.SEND, "send", fd, data, decode, ctx, flags);
  }

  /** `#rw` with a caller decoder, as one `K_RAW` op: one object per op, no closure. */
  #rwWith<C, T>(
    op: number,
    name: string,
    fd: FdLike,
    buf: ArrayBufferView,
    decode: ResultDecoder<C, T>,
    ctx: C,
    msgFlags: number,
  ): Promise<T> {
    if (typeof decode !== "function") throw new TypeError("decode must be a function");
    const e = this.#e;
    const s = e.start(undefined);
    if (s === null) return e.early;
    let b: Bounce | undefined;
    try {
      b = prepOne(s, e.pool, op, fd, buf, 0, op === Op.RECV);
      if (msgFlags !== 0) s.opFlags = msgFlags;
    } catch (err) {
      b?.done(0);
      e.abandon(s, err).catch(ignore); // the caller gets the error synchronously instead
      throw err;
    }
    return e.finish(
      s,
      K_RAW,
      name,
      undefined,
      new WithOp(b, decode as ResultDecoder<unknown, T>, ctx),
    );
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
    this.#e.refFd(fd, false);
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
    this.#e.refFd(fd, true);
  }
}

const ignore = () => {};

/**
 * The `K_RAW` aux of `recvWith`/`sendWith`. The engine calls `aux.decode(aux.data, res)`, and
 * `data` is the op itself, so the bounce, the caller's decoder and its context ride in one
 * object.
 */
class WithOp<T> {
  readonly decode: Decoder = settleWith;
  readonly data: WithOp<T>;
  readonly bounce: Bounce | undefined;
  readonly fn: ResultDecoder<unknown, T>;
  readonly ctx: unknown;
  constructor(bounce: Bounce | undefined, fn: ResultDecoder<unknown, T>, ctx: unknown) {
    this.data = this;
    this.bounce = bounce;
    this.fn = fn;
    this.ctx = ctx;
  }
}

/**
 * Finishes a `WithOp`: the bytes are copied out before the caller's decoder sees `res`, and the
 * decoder runs even when they could not be (a buffer detached in flight): its bookkeeping holds,
 * and the copy's error rejects the promise.
 */
function settleWith(op: unknown, res: number): unknown {
  const w = op as WithOp<unknown>;
  const err = w.bounce === undefined ? undefined : w.bounce.done(res);
  const v = w.fn(w.ctx, res);
  return err ?? v;
}

/** The engine's multishot sink, as `recvSelect` fills it in. */
interface MultishotSinkLike {
  _cqe(res: number, flags: number, final: boolean): void;
  _prep(sqe: Sqe): void;
  _close(err: Error): void;
}
