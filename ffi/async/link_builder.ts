/**
 * `AsyncLinkBuilder`: the ops of one `AsyncRing.link()` chain, each from the same recipe as
 * the `AsyncRing` method of its name (`_recipes.ts`).
 *
 * @module
 */
import { Op, Sock } from "../sys/mod.ts";
import type { FdLike } from "../sys/mod.ts";
import { type ChainOp, ownCopy } from "../engine/mod.ts";
import type { FixedBufferSource } from "../ring/mod.ts";
import * as R from "./_recipes.ts";
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

  #add(name: string, prep: R.Prep, timer: boolean = false): this {
    this.#ops.push({ name, prep, timer });
    return this;
  }

  /** A NOP (`io_uring_prep_nop(3)`). */
  nop(): this {
    return this.#add("nop", R.nop());
  }

  /** A read (`io_uring_prep_read(3)`); its entry is the bytes read. */
  read(fd: FdLike, buf: ArrayBufferView, offset: number = -1): this {
    return this.#add("read", R.read(fd, buf, offset));
  }

  /** A write (`io_uring_prep_write(3)`); its entry is the bytes written. */
  write(fd: FdLike, data: ArrayBufferView, offset: number = -1): this {
    return this.#add("write", R.write(fd, data, offset));
  }

  /** A vectored read (`io_uring_prep_readv(3)`). */
  readv(fd: FdLike, bufs: readonly ArrayBufferView[], offset: number = -1): this {
    return this.#add("readv", R.readv(fd, bufs, offset));
  }

  /** A vectored write (`io_uring_prep_writev(3)`). */
  writev(fd: FdLike, bufs: readonly ArrayBufferView[], offset: number = -1): this {
    return this.#add("writev", R.writev(fd, bufs, offset));
  }

  /** A read into registered buffer `index` (`io_uring_prep_read_fixed(3)`). */
  readFixed(
    fd: FdLike,
    buffers: FixedBufferSource,
    index: number,
    offset: number = -1,
    length?: number,
  ): this {
    return this.#add("readFixed", R.fixedRw(Op.READ_FIXED, fd, buffers, index, offset, length));
  }

  /** A write from registered buffer `index` (`io_uring_prep_write_fixed(3)`). */
  writeFixed(
    fd: FdLike,
    buffers: FixedBufferSource,
    index: number,
    offset: number = -1,
    length?: number,
  ): this {
    return this.#add("writeFixed", R.fixedRw(Op.WRITE_FIXED, fd, buffers, index, offset, length));
  }

  /** fsync(2) (`io_uring_prep_fsync(3)`). */
  fsync(fd: FdLike): this {
    return this.#add("fsync", R.fsync(fd));
  }

  /** fdatasync(2) (`io_uring_prep_fsync(3)` with `IORING_FSYNC_DATASYNC`). */
  fdatasync(fd: FdLike): this {
    return this.#add("fdatasync", R.fsync(fd, true));
  }

  /** fallocate(2) (`io_uring_prep_fallocate(3)`). */
  fallocate(fd: FdLike, offset: number, length: number, mode: number = 0): this {
    return this.#add("fallocate", R.fallocate(fd, offset, length, mode));
  }

  /** ftruncate(2) (`io_uring_prep_ftruncate(3)`). */
  ftruncate(fd: FdLike, length: number): this {
    return this.#add("ftruncate", R.ftruncate(fd, length));
  }

  /** openat(2) with raw `O_*` flags (`io_uring_prep_openat(3)`); its entry is the fd. */
  openat(dirfd: FdLike, path: string | URL, flags: number, mode: number = 0): this {
    return this.#add("openat", R.openat(dirfd, path, flags, mode));
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
    return this.#add("openat", R.openat(dirfd, path, flags, mode, fileIndex));
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
    return this.#add("statx", R.statx(dirfd, path, flags, mask, statxbuf));
  }

  /** close(2) (`io_uring_prep_close(3)`, `io_uring_prep_close_direct(3)` for `fixed(i)`). */
  closeFd(fd: FdLike): this {
    return this.#add("closeFd", R.closeFd(fd));
  }

  /** unlink(2), or rmdir(2) with `{ dir: true }` (`io_uring_prep_unlink(3)`). */
  unlink(path: string | URL, options?: { dir?: boolean }): this {
    return this.#add("unlink", R.unlink(path, options?.dir === true));
  }

  /** rename(2) (`io_uring_prep_renameat(3)`). */
  rename(oldPath: string | URL, newPath: string | URL, flags: number = 0): this {
    return this.#add("rename", R.renameat(oldPath, newPath, flags));
  }

  /** mkdir(2) (`io_uring_prep_mkdir(3)`). */
  mkdir(path: string | URL, mode: number = 0o777): this {
    return this.#add("mkdir", R.mkdirat(path, mode));
  }

  /** symlink(2) (`io_uring_prep_symlink(3)`). */
  symlink(target: string | URL, linkPath: string | URL): this {
    return this.#add("symlink", R.symlinkat(target, linkPath));
  }

  /** link(2), a hard link (`io_uring_prep_link(3)`). */
  hardLink(oldPath: string | URL, newPath: string | URL): this {
    return this.#add("hardLink", R.hardLink(oldPath, newPath));
  }

  /**
   * link(2), a hard link (`io_uring_prep_link(3)`).
   *
   * @deprecated Use `hardLink()`: on `AsyncRing`, `link` names the chain itself.
   */
  link(oldPath: string | URL, newPath: string | URL): this {
    return this.hardLink(oldPath, newPath);
  }

  /** A kernel timer in the chain (`io_uring_prep_timeout(3)`); its entry is 0 when it fires. */
  timeout(ms: number): this {
    return this.#add("timeout", R.timer(ms), true);
  }

  /** send(2) (`io_uring_prep_send(3)`); its entry is the bytes sent. */
  send(fd: FdLike, data: ArrayBufferView, flags: number = Sock.MSG_NOSIGNAL): this {
    return this.#add("send", R.sendRecv(Op.SEND, fd, data, flags));
  }

  /** recv(2) (`io_uring_prep_recv(3)`); its entry is the bytes received. */
  recv(fd: FdLike, buf: ArrayBufferView, flags: number = 0): this {
    return this.#add("recv", R.sendRecv(Op.RECV, fd, buf, flags));
  }

  /** connect(2) (`io_uring_prep_connect(3)`). */
  connect(fd: FdLike, addr: SocketAddressLike): this {
    return this.#add("connect", R.connectSocket(fd, sockaddrOf(addr)));
  }

  /** bind(2) (`io_uring_prep_bind(3)`). */
  bind(fd: FdLike, addr: SocketAddressLike): this {
    return this.#add("bind", R.bind(fd, sockaddrOf(addr)));
  }

  /** listen(2) (`io_uring_prep_listen(3)`). */
  listen(fd: FdLike, backlog: number = 511): this {
    return this.#add("listen", R.listenSocket(fd, backlog));
  }

  /** setsockopt(2) (`io_uring_prep_cmd_sock(3)` with `SOCKET_URING_OP_SETSOCKOPT`). */
  setsockopt(fd: FdLike, level: number, name: number, value: ArrayBufferView): this {
    return this.#add("setsockopt", R.setsockopt(fd, level, name, ownCopy(value)));
  }

  /** poll(2) for one fd (`io_uring_prep_poll_add(3)`); its entry is the ready mask. */
  poll(fd: FdLike, events: number): this {
    return this.#add("poll", R.poll(fd, events));
  }

  /** shutdown(2) (`io_uring_prep_shutdown(3)`). */
  shutdown(fd: FdLike, how: number = Sock.SHUT_RDWR): this {
    return this.#add("shutdown", R.shutdown(fd, how));
  }

  /** splice(2) (`io_uring_prep_splice(3)`); its entry is the bytes moved. */
  splice(
    fdIn: FdLike,
    offIn: number,
    fdOut: FdLike,
    offOut: number,
    nbytes: number,
    flags: number = 0,
  ): this {
    return this.#add("splice", R.splice(fdIn, offIn, fdOut, offOut, nbytes, flags));
  }

  /** tee(2) (`io_uring_prep_tee(3)`); its entry is the bytes duplicated. */
  tee(fdIn: FdLike, fdOut: FdLike, nbytes: number, flags: number = 0): this {
    return this.#add("tee", R.tee(fdIn, fdOut, nbytes, flags));
  }
}
