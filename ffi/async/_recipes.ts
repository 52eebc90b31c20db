/**
 * One recipe per op: how the op fills its SQE. `AsyncRing`'s method and `AsyncLinkBuilder`'s
 * method of the same name both use it, so a new op touches its constant, its `Sqe.prepX`, its
 * recipe here and its test. (The hot single-buffer ops, `read`/`write`/`send`/`recv`, have a
 * closure-free path in `AsyncRing` over the same `prepOne`.)
 *
 * A recipe runs inside the engine's start/finish bracket: what it throws rejects the op before
 * anything reaches the kernel; the `Bounce` it returns (pool memory standing in for a caller
 * buffer) is released by the op's final CQE.
 *
 * @internal
 * @module
 */
import { At, FSYNC_DATASYNC, Op, SocketCmd, TimeoutFlag } from "../sys/mod.ts";
import type { FdLike } from "../sys/mod.ts";
import { type _BouncePool, type Bounce, checkFixedSafe, prepOne, prepVec } from "../engine/mod.ts";
import { AT_FDCWD, type FixedBufferSource, type Sqe, SqeWord } from "../ring/mod.ts";

/** Fills one SQE; returns the pool memory it lent the kernel, if any. */
export type Prep = (s: Sqe, pool: _BouncePool) => Bounce | void;

/** A file descriptor argument as the ops check it. */
export function checkFdNumber(fd: unknown): number {
  if (typeof fd !== "number" || (fd | 0) !== fd || fd < 0) {
    throw new TypeError(`fd must be a non-negative integer file descriptor, got ${String(fd)}`);
  }
  return fd;
}

/** A NOP: `io_uring_prep_nop(3)`. */
export const nop = (): Prep => (s) => s.prepNop();

/** read(2)/pread(2) into one buffer: `io_uring_prep_read(3)`. */
export const read = (fd: FdLike, buf: ArrayBufferView, offset: number): Prep => (s, pool) =>
  prepOne(s, pool, Op.READ, fd, buf, offset, true);

/** write(2)/pwrite(2) from one buffer: `io_uring_prep_write(3)`. */
export const write = (fd: FdLike, data: ArrayBufferView, offset: number): Prep => (s, pool) =>
  prepOne(s, pool, Op.WRITE, fd, data, offset, false);

/** readv(2): `io_uring_prep_readv(3)`. */
export const readv =
  (fd: FdLike, bufs: readonly ArrayBufferView[], offset: number): Prep => (s, pool) =>
    prepVec(pool, bufs, true, (v) => s.prepReadv(fd, v, offset));

/** writev(2): `io_uring_prep_writev(3)`. */
export const writev =
  (fd: FdLike, bufs: readonly ArrayBufferView[], offset: number): Prep => (s, pool) =>
    prepVec(pool, bufs, false, (v) => s.prepWritev(fd, v, offset));

/** A read into or write from registered buffer `index`: `io_uring_prep_read_fixed(3)`. */
export const fixedRw = (
  op: typeof Op.READ_FIXED | typeof Op.WRITE_FIXED,
  fd: FdLike,
  buffers: FixedBufferSource,
  index: number,
  offset: number,
  length: number | undefined,
): Prep =>
(s) => {
  checkFixedSafe(buffers, index);
  s._fixedRw(op, fd, buffers, index, offset, length);
};

/** fsync(2), or fdatasync(2) with `datasync`: `io_uring_prep_fsync(3)`. */
export const fsync = (fd: FdLike, datasync = false): Prep => (s) =>
  s.prepFsync(fd, datasync ? FSYNC_DATASYNC : 0);

/** fallocate(2): `io_uring_prep_fallocate(3)`. */
export const fallocate = (fd: FdLike, offset: number, length: number, mode: number): Prep => (s) =>
  s.prepFallocate(fd, mode, offset, length);

/** ftruncate(2): `io_uring_prep_ftruncate(3)`. */
export const ftruncate = (fd: FdLike, length: number): Prep => (s) => s.prepFtruncate(fd, length);

/** openat(2), or into a file-table slot: `io_uring_prep_openat(3)`/`_direct(3)`. */
export const openat = (
  dirfd: FdLike,
  path: string | URL,
  flags: number,
  mode: number,
  fileIndex?: number,
): Prep =>
(s) => {
  if (fileIndex === undefined) s.prepOpenat(dirfd, path, flags, mode);
  else s.prepOpenatDirect(dirfd, path, flags, mode, fileIndex);
};

/**
 * statx(2) into `statxbuf` (at least 256 bytes): `io_uring_prep_statx(3)`. `path` may be given
 * encoded, as UTF-8 bytes ending in a NUL.
 */
export const statx = (
  dirfd: FdLike,
  path: string | URL | Uint8Array,
  flags: number,
  mask: number,
  statxbuf: ArrayBufferView,
): Prep => {
  if (!(path instanceof Uint8Array)) {
    return (s) => s.prepStatx(dirfd, path, flags, mask, statxbuf);
  }
  if (path.length === 0 || path[path.length - 1] !== 0) {
    throw new TypeError("an encoded path must end in a NUL byte");
  }
  if (statxbuf.byteLength < 256) throw new RangeError("statxbuf must be at least 256 bytes");
  return (s) => {
    s.prepRw(Op.STATX, dirfd, path, mask, 0);
    s._addrAt(SqeWord.OFF, statxbuf);
    s.opFlags = flags;
  };
};

/** close(2), or emptying a `fixed(i)` slot: `io_uring_prep_close(3)`/`_direct(3)`. */
export const closeFd = (fd: FdLike): Prep => (s) => {
  if (typeof fd === "number") s.prepClose(checkFdNumber(fd));
  else if (typeof fd === "object" && fd !== null && fd.fixedFile === true) {
    s.prepCloseDirect(fd.index);
  } else throw new TypeError("fd must be a number or a fixed(index) marker");
};

/** unlink(2), or rmdir(2) with `dir`: `io_uring_prep_unlinkat(3)`. */
export const unlink = (path: string | URL, dir: boolean): Prep => (s) =>
  s.prepUnlinkat(AT_FDCWD, path, dir ? At.REMOVEDIR : 0);

/** rename(2)/renameat2(2): `io_uring_prep_renameat(3)`. */
export const renameat =
  (oldPath: string | URL, newPath: string | URL, flags: number): Prep => (s) =>
    s.prepRenameat(AT_FDCWD, oldPath, AT_FDCWD, newPath, flags);

/** mkdir(2): `io_uring_prep_mkdir(3)`. */
export const mkdirat = (path: string | URL, mode: number): Prep => (s) => s.prepMkdir(path, mode);

/** symlink(2): `io_uring_prep_symlink(3)`. */
export const symlinkat = (target: string | URL, linkPath: string | URL): Prep => (s) =>
  s.prepSymlink(target, linkPath);

/** link(2), a hard link: `io_uring_prep_link(3)`. */
export const hardLink = (oldPath: string | URL, newPath: string | URL): Prep => (s) =>
  s.prepLink(oldPath, newPath);

/** A kernel timer that completes with 0 when it fires: `io_uring_prep_timeout(3)`. */
export const timer = (ms: number): Prep => (s) => s.prepTimeout(ms, 0, TimeoutFlag.ETIME_SUCCESS);

/** send(2) or recv(2) on one buffer: `io_uring_prep_send(3)`/`_recv(3)`. */
export const sendRecv = (
  op: typeof Op.SEND | typeof Op.RECV,
  fd: FdLike,
  buf: ArrayBufferView,
  flags: number,
): Prep =>
(s, pool) => {
  const b = prepOne(s, pool, op, fd, buf, 0, op === Op.RECV);
  s.opFlags = flags;
  return b;
};

/** connect(2) to `struct sockaddr` bytes: `io_uring_prep_connect(3)`. */
export const connectSocket = (fd: FdLike, addr: ArrayBufferView): Prep => (s) =>
  s.prepConnect(fd, addr);

/** bind(2) to `struct sockaddr` bytes: `io_uring_prep_bind(3)`. */
export const bind = (fd: FdLike, addr: ArrayBufferView): Prep => (s) => s.prepBind(fd, addr);

/** listen(2): `io_uring_prep_listen(3)`. */
export const listenSocket = (fd: FdLike, backlog: number): Prep => (s) => s.prepListen(fd, backlog);

/** setsockopt(2) with bytes the op owns: `io_uring_prep_cmd_sock(3)`. */
export const setsockopt =
  (fd: FdLike, level: number, name: number, value: Uint8Array): Prep => (s) =>
    s.prepCmdSock(SocketCmd.SETSOCKOPT, fd, level, name, value);

/** poll(2) for one fd: `io_uring_prep_poll_add(3)`. */
export const poll = (fd: FdLike, events: number): Prep => (s) => s.prepPollAdd(fd, events);

/** shutdown(2): `io_uring_prep_shutdown(3)`. */
export const shutdown = (fd: FdLike, how: number): Prep => (s) => s.prepShutdown(fd, how);

/** splice(2): `io_uring_prep_splice(3)`. */
export const splice = (
  fdIn: FdLike,
  offIn: number,
  fdOut: FdLike,
  offOut: number,
  nbytes: number,
  flags: number,
): Prep =>
(s) => s.prepSplice(fdIn, offIn, fdOut, offOut, nbytes, flags);

/** tee(2): `io_uring_prep_tee(3)`. */
export const tee = (fdIn: FdLike, fdOut: FdLike, nbytes: number, flags: number): Prep => (s) =>
  s.prepTee(fdIn, fdOut, nbytes, flags);
