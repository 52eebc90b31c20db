/**
 * `AsyncRingBase`: the part of `AsyncRing` that holds the engine (its construction, state and
 * close), the no-op and timer, the file ops and the whole-file drop-ins; `AsyncRing` (in
 * `async_ring.ts`, where the design is described) adds the socket, pipe, process and multishot
 * ops.
 *
 * @module
 */
import { At, CancelFlag, FILE_INDEX_ALLOC, Op, OpenFlag, StatxMask } from "../sys/mod.ts";
import { Errno, UringError } from "../sys/mod.ts";
import type { FdLike } from "../sys/mod.ts";
import {
  _Engine,
  type AsyncOpOptions,
  type Bounce,
  type Decoder,
  F_DIRECT,
  K_BOUNCE,
  K_DEC,
  K_FD,
  K_NUM,
  K_RAW,
  K_VOID,
} from "../engine/mod.ts";
import { AT_FDCWD, decodeStatx, type FixedBufferSource, Ring } from "../ring/mod.ts";
import { AsyncLinkBuilder, chainOps } from "./link_builder.ts";
import * as R from "./_recipes.ts";
import { openFlags, openMode } from "./_args.ts";
import { ENGINE, runOp, rw } from "./_submit.ts";
import type {
  AsyncOpenOptions,
  AsyncRingOptions,
  DirectOptions,
  LinkOptions,
  StatxResult,
} from "./options.ts";
import * as files from "./files.ts";
import { type ReadFilesOptions, ringReadFiles } from "./files_many.ts";
const { ETIME, ENOENT, EALREADY } = Errno;

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

/**
 * The engine of an `AsyncRing` and the ops on files: construction, `ring`, `closed`,
 * `pending`, `close()`, `nop`, `timeout`, `open` ... `hardLink`, `link` chains and the
 * whole-file drop-ins (`readFile`, `stat`, ...). Not made on its own: it is the base of
 * `AsyncRing`, which adds the socket, pipe, process and multishot ops, and documents the
 * options every op takes.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { AsyncRing, AsyncRingBase } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * assert(io instanceof AsyncRingBase);
 * await io.nop();
 * ```
 */
export abstract class AsyncRingBase implements AsyncDisposable, Disposable {
  /** @internal The engine, for `AsyncRing` and the async layer's own files (`_submit.ts`). */
  readonly [ENGINE]: _Engine;

  /**
   * Sets up a ring and the completion machinery over it: see `AsyncRing`'s constructor.
   *
   * @param options the `Ring` options and the wake-up strategy
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
      this[ENGINE] = new _Engine(ring, wakeup);
    } catch (e) {
      ring.close();
      throw e;
    }
  }

  /** The underlying {@link Ring}, for registrations (buffers, files, buffer rings). */
  get ring(): Ring {
    return this[ENGINE].ring;
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this[ENGINE].closed;
  }

  /** Ops started and not yet settled (armed multishot ops included). */
  get pending(): number {
    return this[ENGINE].inflight;
  }

  // ---- no-op, timers ----------------------------------------------------------------------

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
    const e = this[ENGINE];
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
    return runOp(this[ENGINE], K_RAW, "timeout", options, (s) => s.prepTimeout(ms), {
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
    const e = this[ENGINE];
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
    const e = this[ENGINE];
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
    return rw(this[ENGINE], Op.READ, "read", fd, buf, offset, options);
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
    return rw(this[ENGINE], Op.WRITE, "write", fd, data, offset, options);
  }

  /** A vectored op: in place for kernel-safe buffers, the others through pool memory. */
  #rwv(name: string, options: AsyncOpOptions | undefined, prep: R.Prep): Promise<number> {
    const e = this[ENGINE];
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
    const e = this[ENGINE];
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
    const e = this[ENGINE];
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
    return runOp(this[ENGINE], K_VOID, "fsync", options, R.fsync(fd));
  }

  /** fdatasync(2): `io_uring_prep_fsync(3)` with `IORING_FSYNC_DATASYNC`. Linux 5.1. */
  fdatasync(fd: FdLike, options?: AsyncOpOptions): Promise<void> {
    return runOp(this[ENGINE], K_VOID, "fdatasync", options, R.fsync(fd, true));
  }

  /** fallocate(2): `io_uring_prep_fallocate(3)`. Linux 5.6. `mode` 0 allocates. */
  fallocate(
    fd: FdLike,
    offset: number,
    length: number,
    mode: number = 0,
    options?: AsyncOpOptions,
  ): Promise<void> {
    return runOp(this[ENGINE], K_VOID, "fallocate", options, R.fallocate(fd, offset, length, mode));
  }

  /** ftruncate(2): `io_uring_prep_ftruncate(3)`. Linux 6.9. */
  ftruncate(fd: FdLike, length: number, options?: AsyncOpOptions): Promise<void> {
    return runOp(this[ENGINE], K_VOID, "ftruncate", options, R.ftruncate(fd, length));
  }

  /**
   * close(2) as an op: `io_uring_prep_close(3)`; a `fixed(i)` slot is emptied with
   * `io_uring_prep_close_direct(3)`. Linux 5.6 (direct 5.15). Not to be confused with
   * `io.close()`, which closes the ring.
   */
  closeFd(fd: FdLike, options?: AsyncOpOptions): Promise<void> {
    return runOp(this[ENGINE], K_VOID, "closeFd", options, R.closeFd(fd));
  }

  /** unlink(2), or rmdir(2) with `dir: true`: `io_uring_prep_unlinkat(3)`. Linux 5.11. */
  unlink(path: string | URL, options?: AsyncOpOptions & { dir?: boolean }): Promise<void> {
    return onPath(
      runOp(this[ENGINE], K_VOID, "unlink", options, R.unlink(path, options?.dir === true)),
      path,
    );
  }

  /** rename(2) (renameat2 `flags`): `io_uring_prep_renameat(3)`. Linux 5.11. */
  rename(
    oldPath: string | URL,
    newPath: string | URL,
    options?: AsyncOpOptions & { flags?: number },
  ): Promise<void> {
    const p = runOp<void>(
      this[ENGINE],
      K_VOID,
      "rename",
      options,
      R.renameat(oldPath, newPath, options?.flags ?? 0),
    );
    return onPath(p, oldPath, newPath);
  }

  /** mkdir(2): `io_uring_prep_mkdir(3)`. Linux 5.15. */
  mkdir(path: string | URL, mode: number = 0o777, options?: AsyncOpOptions): Promise<void> {
    return onPath(runOp(this[ENGINE], K_VOID, "mkdir", options, R.mkdirat(path, mode)), path);
  }

  /** symlink(2): `linkPath` points at `target`. `io_uring_prep_symlink(3)`. Linux 5.15. */
  symlink(target: string | URL, linkPath: string | URL, options?: AsyncOpOptions): Promise<void> {
    return onPath(
      runOp(this[ENGINE], K_VOID, "symlink", options, R.symlinkat(target, linkPath)),
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
    const e = this[ENGINE];
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
      runOp(this[ENGINE], K_VOID, "link", c, R.hardLink(a, b as string | URL)),
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
      runOp(this[ENGINE], K_VOID, "hardLink", options, R.hardLink(oldPath, newPath)),
      oldPath,
      newPath,
    );
  }

  // ---- cancelling (FsFile uses it) ---------------------------------------------------------

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
    return runOp(
      this[ENGINE],
      K_RAW,
      "cancelFd",
      options,
      (s) => s.prepCancelFd(fd, CancelFlag.ALL),
      {
        decode: decodeCancel,
        data: null,
      },
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
    this[ENGINE].close();
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this[ENGINE].close();
  }

  /** `close()`, then waits until the waiter thread is back and the ring is closed. */
  [Symbol.asyncDispose](): Promise<void> {
    this[ENGINE].close();
    return this[ENGINE].idle();
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
    return files.ringReadFile(this, path, options);
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
    return files.ringReadTextFile(this, path, options);
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
    return files.ringWriteFile(this, path, data, options);
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
    return files.ringWriteTextFile(this, path, text, options);
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
    return files.ringStat(this, path);
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
    return files.ringLstat(this, path);
  }

  /**
   * Reads many whole files, results in the order of `paths`; the first failure rejects naming
   * its path, and nothing stays open. Same as `readFiles(io, ...)` of `files_many.ts`.
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
    return ringReadFiles(this, paths, options);
  }
}
