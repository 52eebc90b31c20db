/**
 * File I/O for `Sqe`: reads and writes, sync and allocation, opening, closing and paths,
 * extended attributes, splice, tee and pipes.
 *
 * @module
 */
import { FSYNC_DATASYNC, Op, SPLICE_F_FD_IN_FIXED, SqeFlag } from "./constants.ts";
import { checkBuffer, cString } from "./_memory.ts";
import { type FdLike, isFixed } from "./fixed.ts";
import {
  _SqeBase,
  AT_FDCWD,
  badFd,
  checkLength,
  checkOffset,
  type FixedBufferSource,
  iovecs,
  isView,
  type OpenHow,
  SqeWord,
} from "./_sqe_base.ts";

/**
 * The file I/O `prepX` methods of `Sqe`, which extends this class.
 *
 * @internal
 */
export class _FileSqe extends _SqeBase {
  // ---- file I/O --------------------------------------------------------------------------

  /**
   * Like `io_uring_prep_read(3)`: read into `buf` (its whole length) at `offset`. Linux 5.6.
   *
   * @param fd file descriptor or `fixed(i)`
   * @param buf destination; held until the op's CQE is reaped
   * @param offset file offset, or -1 for the current position
   * @param length bytes to read; defaults to `buf.byteLength`
   */
  prepRead(fd: FdLike, buf: ArrayBufferView, offset: number, length?: number): void {
    isView(buf);
    checkOffset(offset);
    this.prepRw(
      Op.READ,
      fd,
      buf,
      length === undefined ? buf.byteLength : checkLength(length, buf),
      offset,
    );
  }

  /** Like `io_uring_prep_write(3)`: write `buf` at `offset` (-1: current position). Linux 5.6. */
  prepWrite(fd: FdLike, buf: ArrayBufferView, offset: number, length?: number): void {
    isView(buf);
    checkOffset(offset);
    this.prepRw(
      Op.WRITE,
      fd,
      buf,
      length === undefined ? buf.byteLength : checkLength(length, buf),
      offset,
    );
  }

  /** Like `io_uring_prep_readv2(3)`: scatter read into `bufs`. Linux 5.1 (flags 5.6). */
  prepReadv(fd: FdLike, bufs: readonly ArrayBufferView[], offset: number, flags = 0): void {
    checkOffset(offset);
    const iov = iovecs(bufs);
    this.prepRw(Op.READV, fd, iov, bufs.length, offset);
    this._hold(bufs.slice());
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_writev2(3)`: gather write from `bufs`. Linux 5.1 (flags 5.6). */
  prepWritev(fd: FdLike, bufs: readonly ArrayBufferView[], offset: number, flags = 0): void {
    checkOffset(offset);
    const iov = iovecs(bufs);
    this.prepRw(Op.WRITEV, fd, iov, bufs.length, offset);
    this._hold(bufs.slice());
    this.opFlags = flags;
  }

  /**
   * Like `io_uring_prep_read_fixed(3)`: read into registered buffer `index`. Linux 5.1.
   *
   * @param fd file descriptor or `fixed(i)`
   * @param buffers the ring's registered buffers (`ring.registerBuffers()`)
   * @param index which buffer
   * @param offset file offset, or -1 for the current position
   * @param length bytes, at most the buffer size; defaults to the whole buffer
   * @throws {RangeError} for an index or length out of range
   */
  prepReadFixed(
    fd: FdLike,
    buffers: FixedBufferSource,
    index: number,
    offset: number,
    length?: number,
  ): void {
    this._fixedRw(Op.READ_FIXED, fd, buffers, index, offset, length);
  }

  /** Like `io_uring_prep_write_fixed(3)`: write from registered buffer `index`. Linux 5.1. */
  prepWriteFixed(
    fd: FdLike,
    buffers: FixedBufferSource,
    index: number,
    offset: number,
    length?: number,
  ): void {
    this._fixedRw(Op.WRITE_FIXED, fd, buffers, index, offset, length);
  }

  /** @internal */
  _fixedRw(
    op: number,
    fd: FdLike,
    buffers: FixedBufferSource,
    index: number,
    offset: number,
    length?: number,
  ): void {
    checkOffset(offset);
    if (!Number.isInteger(index) || index < 0 || index >= buffers.count) {
      throw new RangeError(`buffer index ${index} is out of range 0..${buffers.count - 1}`);
    }
    const len = length ?? buffers.size;
    if (!Number.isInteger(len) || len < 0 || len > buffers.size) {
      throw new RangeError(`length ${len} is out of range 0..${buffers.size}`);
    }
    this.prepRw(op, fd, buffers._address(index, 0), len, offset);
    this.bufIndex = buffers._kernelIndex(index);
    this._hold(buffers);
  }

  /**
   * Like `io_uring_prep_readv_fixed(3)`: scatter read into parts of registered buffer `index`.
   * Every view in `bufs` must lie inside that buffer (views from `buffers.get(index)`). Linux 6.15.
   */
  prepReadvFixed(
    fd: FdLike,
    bufs: readonly ArrayBufferView[],
    offset: number,
    flags: number,
    buffers: FixedBufferSource,
    index: number,
  ): void {
    this.prepReadv(fd, bufs, offset, flags);
    this.opcode = Op.READV_FIXED;
    this.bufIndex = buffers._kernelIndex(index);
    this._hold(buffers);
  }

  /** Like `io_uring_prep_writev_fixed(3)`: gather write from registered buffer `index`. 6.15. */
  prepWritevFixed(
    fd: FdLike,
    bufs: readonly ArrayBufferView[],
    offset: number,
    flags: number,
    buffers: FixedBufferSource,
    index: number,
  ): void {
    this.prepWritev(fd, bufs, offset, flags);
    this.opcode = Op.WRITEV_FIXED;
    this.bufIndex = buffers._kernelIndex(index);
    this._hold(buffers);
  }

  /**
   * Like `io_uring_prep_read_multishot(3)`: read repeatedly into buffers picked from provided
   * buffer group `bufGroup`, one CQE per read, until EOF or error. Linux 6.7.
   */
  prepReadMultishot(fd: FdLike, nbytes: number, offset: number, bufGroup: number): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    this.prepRw(Op.READ_MULTISHOT, fd, null, nbytes, offset);
    this.bufGroup = bufGroup;
    this.flags |= SqeFlag.BUFFER_SELECT;
  }

  /** Like `io_uring_prep_fsync(3)`; `FSYNC_DATASYNC` in `flags` for fdatasync. Linux 5.1. */
  prepFsync(fd: FdLike, flags = 0): void {
    this.prepRw(Op.FSYNC, fd, null, 0, 0);
    this.opFlags = flags & FSYNC_DATASYNC;
  }

  /** Like `io_uring_prep_sync_file_range(3)`. Linux 5.2. */
  prepSyncFileRange(fd: FdLike, len: number, offset: number, flags = 0): void {
    checkOffset(offset);
    this.prepRw(Op.SYNC_FILE_RANGE, fd, null, len, offset);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_fallocate(3)`: `mode` as in fallocate(2). Linux 5.6. */
  prepFallocate(fd: FdLike, mode: number, offset: number, len: number): void {
    checkOffset(offset);
    this.prepRw(Op.FALLOCATE, fd, null, mode, offset);
    this._set64(SqeWord.ADDR, len);
  }

  /** Like `io_uring_prep_fadvise(3)`: `advice` is a `POSIX_FADV_*` value. Linux 5.6. */
  prepFadvise(fd: FdLike, offset: number, len: number, advice: number): void {
    checkOffset(offset);
    this.prepRw(Op.FADVISE, fd, null, len, offset);
    this.opFlags = advice;
  }

  /** Like `io_uring_prep_madvise(3)` over the memory of `buf`. Linux 5.6. */
  prepMadvise(buf: ArrayBufferView, advice: number): void {
    isView(buf);
    this.prepRw(Op.MADVISE, -1, buf, buf.byteLength, 0);
    this.opFlags = advice;
  }

  /** Like `io_uring_prep_ftruncate(3)`: truncate to `len` bytes. Linux 6.9. */
  prepFtruncate(fd: FdLike, len: number): void {
    checkOffset(len);
    this.prepRw(Op.FTRUNCATE, fd, null, 0, len);
  }

  // ---- opening, closing, paths ----------------------------------------------------------

  /**
   * Like `io_uring_prep_openat(3)`: the CQE's `res` is the new fd. Linux 5.6.
   *
   * @param dfd directory fd, or `AT_FDCWD` (-100)
   * @param path the path (held until the CQE)
   * @param flags `O_*` flags
   * @param mode mode for a created file
   */
  prepOpenat(dfd: FdLike, path: string | URL, flags: number, mode = 0): void {
    this.prepRw(Op.OPENAT, dfd, cString(path), mode, 0);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_openat_direct(3)`: open into slot `fileIndex` of the file table. 5.15. */
  prepOpenatDirect(
    dfd: FdLike,
    path: string | URL,
    flags: number,
    mode: number,
    fileIndex: number,
  ): void {
    this.prepOpenat(dfd, path, flags, mode);
    this._target(fileIndex);
  }

  /** Like `io_uring_prep_openat2(3)`, with `how` as `struct open_how`. Linux 5.6. */
  prepOpenat2(dfd: FdLike, path: string | URL, how: OpenHow): void {
    const h = new BigUint64Array(3);
    h[0] = BigInt(how.flags);
    h[1] = BigInt(how.mode ?? 0);
    h[2] = BigInt(how.resolve ?? 0);
    this.prepRw(Op.OPENAT2, dfd, cString(path), 24, 0);
    this._addrAt(SqeWord.OFF, h);
  }

  /** Like `io_uring_prep_openat2_direct(3)`. Linux 5.15. */
  prepOpenat2Direct(dfd: FdLike, path: string | URL, how: OpenHow, fileIndex: number): void {
    this.prepOpenat2(dfd, path, how);
    this._target(fileIndex);
  }

  /** Like `io_uring_prep_close(3)`. Linux 5.6. */
  prepClose(fd: number): void {
    this.prepRw(Op.CLOSE, fd, null, 0, 0);
  }

  /** Like `io_uring_prep_close_direct(3)`: empty slot `fileIndex` of the file table. 5.15. */
  prepCloseDirect(fileIndex: number): void {
    this.prepClose(0);
    this._target(fileIndex);
  }

  /**
   * Like `io_uring_prep_statx(3)`: fills `statxbuf` (at least 256 bytes) with `struct statx`.
   * Linux 5.6.
   */
  prepStatx(
    dfd: FdLike,
    path: string | URL,
    flags: number,
    mask: number,
    statxbuf: ArrayBufferView,
  ): void {
    checkBuffer(statxbuf, "statxbuf");
    if (statxbuf.byteLength < 256) throw new RangeError("statxbuf must be at least 256 bytes");
    this.prepRw(Op.STATX, dfd, cString(path), mask, 0);
    this._addrAt(SqeWord.OFF, statxbuf);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_renameat(3)`; `flags` are renameat2(2)'s. Linux 5.11. */
  prepRenameat(
    olddfd: FdLike,
    oldpath: string | URL,
    newdfd: number,
    newpath: string | URL,
    flags = 0,
  ): void {
    this.prepRw(Op.RENAMEAT, olddfd, cString(oldpath), newdfd, 0);
    this._addrAt(SqeWord.OFF, cString(newpath));
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_rename(3)`: relative to the current directory. Linux 5.11. */
  prepRename(oldpath: string | URL, newpath: string | URL): void {
    this.prepRenameat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
  }

  /** Like `io_uring_prep_unlinkat(3)`; `AT_REMOVEDIR` (0x200) removes a directory. 5.11. */
  prepUnlinkat(dfd: FdLike, path: string | URL, flags = 0): void {
    this.prepRw(Op.UNLINKAT, dfd, cString(path), 0, 0);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_unlink(3)`. Linux 5.11. */
  prepUnlink(path: string | URL, flags = 0): void {
    this.prepUnlinkat(AT_FDCWD, path, flags);
  }

  /** Like `io_uring_prep_mkdirat(3)`. Linux 5.15. */
  prepMkdirat(dfd: FdLike, path: string | URL, mode: number): void {
    this.prepRw(Op.MKDIRAT, dfd, cString(path), mode, 0);
  }

  /** Like `io_uring_prep_mkdir(3)`. Linux 5.15. */
  prepMkdir(path: string | URL, mode: number): void {
    this.prepMkdirat(AT_FDCWD, path, mode);
  }

  /** Like `io_uring_prep_symlinkat(3)`: `linkpath` points at `target`. Linux 5.15. */
  prepSymlinkat(target: string | URL, newdirfd: FdLike, linkpath: string | URL): void {
    this.prepRw(Op.SYMLINKAT, newdirfd, cString(target), 0, 0);
    this._addrAt(SqeWord.OFF, cString(linkpath));
  }

  /** Like `io_uring_prep_symlink(3)`. Linux 5.15. */
  prepSymlink(target: string | URL, linkpath: string | URL): void {
    this.prepSymlinkat(target, AT_FDCWD, linkpath);
  }

  /** Like `io_uring_prep_linkat(3)`: a hard link. Linux 5.15. */
  prepLinkat(
    olddfd: FdLike,
    oldpath: string | URL,
    newdfd: number,
    newpath: string | URL,
    flags = 0,
  ): void {
    this.prepRw(Op.LINKAT, olddfd, cString(oldpath), newdfd, 0);
    this._addrAt(SqeWord.OFF, cString(newpath));
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_link(3)`. Linux 5.15. */
  prepLink(oldpath: string | URL, newpath: string | URL, flags = 0): void {
    this.prepLinkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, flags);
  }

  // ---- extended attributes ---------------------------------------------------------------

  /** Like `io_uring_prep_fsetxattr(3)`: set attribute `name` of `fd` to `value`. Linux 5.19. */
  prepFsetxattr(fd: FdLike, name: string, value: ArrayBufferView, flags = 0): void {
    this.prepRw(Op.FSETXATTR, fd, cString(name, "name"), value.byteLength, 0);
    this._addrAt(SqeWord.OFF, value);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_setxattr(3)`: set attribute `name` of `path`. Linux 5.19. */
  prepSetxattr(name: string, value: ArrayBufferView, path: string | URL, flags = 0): void {
    this.prepRw(Op.SETXATTR, 0, cString(name, "name"), value.byteLength, 0);
    this._addrAt(SqeWord.OFF, value);
    this._addrAt(SqeWord.ADDR3, cString(path));
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_fgetxattr(3)`: `res` is the value's length. Linux 5.19. */
  prepFgetxattr(fd: FdLike, name: string, value: ArrayBufferView): void {
    this.prepRw(Op.FGETXATTR, fd, cString(name, "name"), value.byteLength, 0);
    this._addrAt(SqeWord.OFF, value);
  }

  /** Like `io_uring_prep_getxattr(3)`. Linux 5.19. */
  prepGetxattr(name: string, value: ArrayBufferView, path: string | URL): void {
    this.prepRw(Op.GETXATTR, 0, cString(name, "name"), value.byteLength, 0);
    this._addrAt(SqeWord.OFF, value);
    this._addrAt(SqeWord.ADDR3, cString(path));
  }

  // ---- pipes, splice, tee ----------------------------------------------------------------

  /**
   * Like `io_uring_prep_splice(3)`: move `nbytes` from `fdIn` to `fdOut`; an offset of -1 means
   * none (required for the pipe end). Linux 5.7.
   */
  prepSplice(
    fdIn: FdLike,
    offIn: number,
    fdOut: FdLike,
    offOut: number,
    nbytes: number,
    flags = 0,
  ): void {
    checkOffset(offIn);
    checkOffset(offOut);
    this.prepRw(Op.SPLICE, fdOut, null, nbytes, offOut);
    this._set64(SqeWord.ADDR, offIn);
    this._spliceIn(fdIn, flags);
  }

  /** Like `io_uring_prep_tee(3)`: duplicate `nbytes` from pipe `fdIn` into pipe `fdOut`. 5.8. */
  prepTee(fdIn: FdLike, fdOut: FdLike, nbytes: number, flags = 0): void {
    this.prepRw(Op.TEE, fdOut, null, nbytes, 0);
    this._spliceIn(fdIn, flags);
  }

  /** @internal */
  _spliceIn(fdIn: FdLike, flags: number): void {
    if (isFixed(fdIn)) {
      this.fileIndex = fdIn.index;
      flags |= SPLICE_F_FD_IN_FIXED;
    } else {
      if (typeof fdIn !== "number" || (fdIn | 0) !== fdIn) badFd(fdIn);
      this.fileIndex = fdIn;
    }
    this.opFlags = flags;
  }

  /**
   * Like `io_uring_prep_pipe(3)`: creates a pipe; the CQE's `res` is 0 and `fds` receives the
   * read and write ends. Linux 6.16.
   */
  prepPipe(fds: Int32Array, flags = 0): void {
    if (!(fds instanceof Int32Array) || fds.length < 2) {
      throw new TypeError("fds must be an Int32Array of at least 2 elements");
    }
    this.prepRw(Op.PIPE, 0, fds, 0, 0);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_pipe_direct(3)`: both ends go into the file table. Linux 6.16. */
  prepPipeDirect(fds: Int32Array, flags: number, fileIndex: number): void {
    this.prepPipe(fds, flags);
    this._target(fileIndex);
  }
}
