/**
 * `AsyncLinkBuilder`: the ops of one `AsyncRing.link()` chain.
 *
 * @module
 */
import { At, FSYNC_DATASYNC, Op, SocketCmd, TimeoutFlag } from "../sys/mod.ts";
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
import type { FdLike } from "../sys/mod.ts";
import type { Sqe } from "../ring/mod.ts";
import { AT_FDCWD, type FixedBufferSource } from "../ring/mod.ts";
import { sockaddrOf } from "./_args.ts";
import type { SocketAddressLike } from "./options.ts";

/** The ops a builder recorded, for `AsyncRing.link()`. @internal */
export let chainOps: (builder: AsyncLinkBuilder) => ChainOp[];

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
  #ops: ChainOp[] = [];

  static {
    chainOps = (builder) => builder.#ops;
  }

  #add(name: string, prep: (s: Sqe, pool: _BouncePool) => Bounce | void, timer = false): this {
    this.#ops.push({ name, prep, timer });
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
