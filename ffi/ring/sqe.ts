/**
 * `Sqe`: one submission queue entry, written in place in the ring's shared SQE memory.
 *
 * Every liburing `io_uring_prep_X(sqe, ...)` is `sqe.prepX(...)` here. All of them are a few lines
 * over one common writer, {@link Sqe.prepRw}, the way liburing's `io_uring_prep_rw` works.
 *
 * @module
 */
import {
  AcceptFlag,
  CancelFlag,
  FILE_INDEX_ALLOC,
  FSYNC_DATASYNC,
  Op,
  PollFlag,
  RecvSendFlag,
  SPLICE_F_FD_IN_FIXED,
  SqeFlag,
  TimeoutFlag,
} from "../sys/mod.ts";
import { addressOf, checkBuffer, checkedAddress, cString } from "../sys/mod.ts";
import {
  AT_FDCWD,
  badFd,
  checkLength,
  checkOffset,
  checkU32,
  type FixedBufferSource,
  type FutexWait,
  iovecs,
  isView,
  MAX_RW,
  type MsgHdrLike,
  type OpenHow,
  ProvidedRegion,
  ringClosed,
  type Timespec,
  timespec,
} from "./sqe_args.ts";
import { type _SqMemory, MAY_MORE, SqeWord } from "./sqe_memory.ts";
import { type FdLike, isFixed } from "../sys/mod.ts";

const TWO32 = 4294967296;
const MAX_USER_DATA = Number.MAX_SAFE_INTEGER;

/**
 * One submission queue entry in the ring's shared memory. Get one from `Ring.getSqe()`; it is
 * zeroed when handed out and valid until the next `submit*` call.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Ring, SqeFlag } from "../../mod.ts";
 * using ring = new Ring({ entries: 8 });
 * const sqe = ring.getSqe()!;
 * sqe.prepNop();
 * sqe.userData = 2 ** 53 - 1;
 * sqe.flags |= SqeFlag.ASYNC;
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.userData, 2 ** 53 - 1);
 * ```
 */
export class Sqe {
  /** @internal */
  readonly _m: _SqMemory;
  /** @internal first u32 word of this SQE */
  readonly _w: number = 0;
  /** @internal SQ slot */
  readonly _slot: number = 0;

  /**
   * @internal The SQE array as 32-bit words (the same view as `_m.u32`, kept here to save a
   * load per field on the hot path); empty once the ring is closed.
   */
  _u32: Uint32Array;

  /** @internal The `Sqe` of the next SQ slot: `Ring.getSqe()` follows these links. */
  _next: Sqe = this;

  /** @internal Made by `Ring` only, one per SQ slot. */
  constructor(memory: _SqMemory, slot: number) {
    this._m = memory;
    this._slot = slot;
    this._w = slot * memory.stride;
    this._u32 = memory.u32;
    memory.sqes.push(this);
  }

  /** The opcode (`Op`). */
  get opcode(): number {
    return this._m.u8[this._w * 4];
  }
  set opcode(op: number) {
    if (MAY_MORE[op & 0xff]) this._m.tracking = true;
    this._m.u8[this._w * 4] = op;
  }

  /** The raw `IOSQE_*` bits (`SqeFlag`). */
  get flags(): number {
    return this._m.u8[this._w * 4 + 1];
  }
  set flags(v: number) {
    // An op that may post no CQE must be tracked by user data (see _HeldRefs), never only counted.
    if (v & SqeFlag.CQE_SKIP_SUCCESS) this._m.tracking = true;
    this._m.u8[this._w * 4 + 1] = v;
  }

  /** The `ioprio` field (also op-specific flags for accept, recv and send). */
  get ioprio(): number {
    return this._u32[this._w] >>> 16;
  }
  set ioprio(v: number) {
    const w = this._w;
    const u = this._u32;
    u[w] = (u[w] & 0xffff) | ((v & 0xffff) << 16);
  }

  /** The `fd` field as written (a fixed-file index when `SqeFlag.FIXED_FILE` is set). */
  get fd(): number {
    return this._u32[this._w + SqeWord.FD] | 0;
  }

  /** User data, returned unchanged in the CQE: a number in 0..2**53-1. */
  get userData(): number {
    const u = this._u32, w = this._w + SqeWord.USER_DATA;
    return u[w + 1] * TWO32 + u[w];
  }
  set userData(v: number) {
    // A literal offset: TurboFan loads SqeWord's fields at run time (SqeWord.USER_DATA is 8).
    const u = this._u32, w = this._w + 8;
    if ((v >>> 0) === v) { // the common case: a 32-bit integer
      u[w] = v;
      u[w + 1] = 0;
      return;
    }
    this._userData53(v);
  }

  /** @internal The rest of the `userData` setter, out of line so the 32-bit path inlines. */
  _userData53(v: number): void {
    if (!(v >= 0 && v <= MAX_USER_DATA && Math.floor(v) === v)) {
      throw new RangeError(`userData must be an integer in 0..2**53-1, got ${v}`);
    }
    const u = this._u32, w = this._w + SqeWord.USER_DATA;
    const hi = Math.floor(v / TWO32);
    u[w] = v - hi * TWO32;
    u[w + 1] = hi;
  }

  /** The `buf_index` field: registered buffer index (fixed ops). */
  get bufIndex(): number {
    return this._u32[this._w + SqeWord.BUF_INDEX] & 0xffff;
  }
  set bufIndex(v: number) {
    const w = this._w + SqeWord.BUF_INDEX;
    const u = this._u32;
    u[w] = (u[w] & 0xffff0000) | (v & 0xffff);
  }

  /** The `buf_group` field (same word as `bufIndex`): provided-buffer group id. */
  get bufGroup(): number {
    return this.bufIndex;
  }
  set bufGroup(v: number) {
    this.bufIndex = v;
  }

  /** The credentials id from `Ring.registerPersonality()`, 0 for none. */
  get personality(): number {
    return this._u32[this._w + SqeWord.BUF_INDEX] >>> 16;
  }
  set personality(v: number) {
    const w = this._w + SqeWord.BUF_INDEX;
    const u = this._u32;
    u[w] = (u[w] & 0xffff) | ((v & 0xffff) << 16);
  }

  /** The `file_index` / `splice_fd_in` word. */
  get fileIndex(): number {
    return this._u32[this._w + SqeWord.FILE_INDEX];
  }
  set fileIndex(v: number) {
    this._u32[this._w + SqeWord.FILE_INDEX] = v;
  }

  /** The op-specific flags word (`rw_flags`, `msg_flags`, `timeout_flags`, ...). */
  get opFlags(): number {
    return this._u32[this._w + SqeWord.OP_FLAGS];
  }
  set opFlags(v: number) {
    this._u32[this._w + SqeWord.OP_FLAGS] = v;
  }

  /** @internal Writes a 64-bit field at word `w` from a number in -2**31..2**53-1. */
  _set64(word: number, v: number): void {
    const u = this._u32, w = this._w + word;
    if ((v >>> 0) === v) { // the common case: below 2**32
      u[w] = v;
      u[w + 1] = 0;
    } else if (v < 0) {
      u[w] = v >>> 0;
      u[w + 1] = 0xffffffff;
    } else {
      const hi = Math.floor(v / TWO32);
      u[w] = v - hi * TWO32;
      u[w + 1] = hi;
    }
  }

  /**
   * @internal Keeps `ref` alive until the CQE that ends this SQE's op is reaped.
   */
  _hold(ref: unknown): void {
    if (ref instanceof ProvidedRegion) this._m.forever.push(ref);
    else this._holdRef(ref);
  }

  /** @internal `_hold` for anything but a `ProvidedRegion` (kept for the ring's life). */
  _holdRef(ref: unknown): void {
    const m = this._m, s = this._slot;
    m.tracking = true;
    const cur = m.refs[s];
    if (cur === undefined) m.refs[s] = ref;
    else if (Array.isArray(cur)) cur.push(ref);
    else m.refs[s] = [cur, ref];
  }

  /** @internal Resolves an fd or fixed marker, setting `IOSQE_FIXED_FILE` for a fixed one. */
  _fd(fd: FdLike): number {
    if (typeof fd === "number") {
      if ((fd | 0) !== fd || (fd < -1 && fd !== AT_FDCWD)) badFd(fd);
      return fd;
    }
    if (isFixed(fd)) {
      this._m.u8[this._w * 4 + 1] |= SqeFlag.FIXED_FILE;
      return fd.index;
    }
    return badFd(fd);
  }

  /**
   * The common writer, like liburing's `io_uring_prep_rw`: opcode, fd, addr, len and offset.
   * Every `prepX` is a thin layer over it; use it directly for anything they do not cover.
   *
   * @param op the opcode
   * @param fd a file descriptor or `fixed(i)`
   * @param addr a buffer (its address is written and it is held until the op ends), or a raw
   *   64-bit number for fields that are not pointers
   * @param len the `len` field (a u32, or an s32 such as `AT_FDCWD`)
   * @param offset the `off` field; `-1` is the current file position
   * @throws {TypeError} for a bad fd or a detached or resizable buffer
   * @throws {Error} when the ring is closed
   */
  prepRw(
    op: number,
    fd: FdLike,
    addr: ArrayBufferView | number | null,
    len: number,
    offset: number,
  ): void {
    const w = this._w, u = this._u32;
    if (u.length === 0) ringClosed();
    // The buffer is checked before anything is written (a prep that throws on it leaves a
    // zeroed SQE, a NOP); `_fd` only sets FIXED_FILE once the fd is valid.
    const isBuffer = addr !== null && typeof addr === "object";
    const a = isBuffer ? checkedAddress(addr) : 0;
    const f = this._fd(fd);
    if (MAY_MORE[op & 0xff]) this._m.tracking = true;
    u[w] = (u[w] & 0xffffff00) | op;
    u[w + SqeWord.FD] = f;
    this._set64(SqeWord.OFF, offset);
    if (isBuffer) {
      this._set64(SqeWord.ADDR, a);
      this._hold(addr);
    } else if (addr !== null && addr !== 0) {
      this._set64(SqeWord.ADDR, addr);
    }
    // A u32, or an s32 for ops that put an fd there (renameat's newdfd may be AT_FDCWD)
    if ((len >>> 0) !== len && (len | 0) !== len) {
      throw new RangeError(`len must be an integer in -2**31..2**32-1, got ${len}`);
    }
    u[w + SqeWord.LEN] = len;
  }

  /**
   * @internal `prepRw` for an op on one buffer (read, write, send, recv): the same checks and
   * writes, small enough for TurboFan to inline into the caller's loop.
   */
  _rwBuffer(op: number, fd: FdLike, buf: ArrayBufferView, offset: number, length?: number): void {
    const w = this._w, u = this._u32;
    if (u.length === 0) ringClosed();
    const a = checkedAddress(buf);
    const whole = length === undefined ? buf.byteLength : checkLength(length, buf);
    // The kernel moves at most MAX_RW_COUNT bytes per op; the SQE's len is a u32.
    const len = whole > MAX_RW ? MAX_RW : whole;
    checkOffset(offset);
    const f = this._fd(fd);
    u[w] = (u[w] & 0xffffff00) | op; // no MAY_MORE op takes this path
    u[w + 1] = f; // SqeWord.FD
    this._set64(2, offset); // SqeWord.OFF
    this._set64(4, a); // SqeWord.ADDR
    u[w + 6] = len; // SqeWord.LEN
    this._holdRef(buf);
  }

  /**
   * @internal `_rwBuffer` for a buffer whose address the caller already checked and found
   * (`kernelSafeAddress`, or a chunk of AsyncRing's pool): `ref` is held until the CQE.
   */
  _rwAt(op: number, fd: FdLike, addr: number, ref: unknown, len: number, offset: number): void {
    const w = this._w, u = this._u32;
    if (u.length === 0) ringClosed();
    if (!(len >= 0 && len <= MAX_RW && Math.floor(len) === len)) {
      throw new RangeError(`len must be an integer in 0..${MAX_RW}, got ${len}`);
    }
    checkOffset(offset);
    const f = this._fd(fd);
    u[w] = (u[w] & 0xffffff00) | op; // no MAY_MORE op takes this path
    u[w + 1] = f; // SqeWord.FD
    this._set64(2, offset); // SqeWord.OFF
    this._set64(4, addr); // SqeWord.ADDR
    u[w + 6] = len; // SqeWord.LEN
    this._holdRef(ref);
  }

  /** @internal Like `__io_uring_set_target_fixed_file`: stores `index + 1` as the target slot. */
  _target(index: number): void {
    if (index === FILE_INDEX_ALLOC) {
      this._u32[this._w + SqeWord.FILE_INDEX] = FILE_INDEX_ALLOC;
      return;
    }
    checkU32(index, "file index");
    this._u32[this._w + SqeWord.FILE_INDEX] = index + 1;
  }

  /** @internal Writes a buffer's address at word `word` and holds the buffer. */
  _addrAt(word: number, buf: ArrayBufferView): void {
    checkBuffer(buf);
    this._set64(word, addressOf(buf));
    this._hold(buf);
  }

  // ---- no-op and file I/O ----------------------------------------------------------------

  /** Like `io_uring_prep_nop(3)`: completes with 0. Linux 5.1. */
  prepNop(): void {
    const u = this._u32;
    if (u.length === 0) ringClosed();
    u[this._w] &= 0xffffff00; // opcode 0 on a zeroed SQE
  }

  /**
   * Like `io_uring_prep_read(3)`: read into `buf` (its whole length) at `offset`. Linux 5.6.
   *
   * @param fd file descriptor or `fixed(i)`
   * @param buf destination; held until the op's CQE is reaped
   * @param offset file offset, or -1 for the current position
   * @param length bytes to read; defaults to `buf.byteLength`
   */
  prepRead(fd: FdLike, buf: ArrayBufferView, offset: number, length?: number): void {
    this._rwBuffer(Op.READ, fd, buf, offset, length);
  }

  /** Like `io_uring_prep_write(3)`: write `buf` at `offset` (-1: current position). Linux 5.6. */
  prepWrite(fd: FdLike, buf: ArrayBufferView, offset: number, length?: number): void {
    this._rwBuffer(Op.WRITE, fd, buf, offset, length);
  }

  /** Like `io_uring_prep_readv2(3)`: scatter read into `bufs`. Linux 5.1 (flags 5.6). */
  prepReadv(fd: FdLike, bufs: readonly ArrayBufferView[], offset: number, flags: number = 0): void {
    checkOffset(offset);
    const iov = iovecs(bufs);
    this.prepRw(Op.READV, fd, iov, bufs.length, offset);
    this._hold(bufs.slice());
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_writev2(3)`: gather write from `bufs`. Linux 5.1 (flags 5.6). */
  prepWritev(
    fd: FdLike,
    bufs: readonly ArrayBufferView[],
    offset: number,
    flags: number = 0,
  ): void {
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
    if (this._m.holdFixed) this._hold(buffers);
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
  prepFsync(fd: FdLike, flags: number = 0): void {
    this.prepRw(Op.FSYNC, fd, null, 0, 0);
    this.opFlags = flags & FSYNC_DATASYNC;
  }

  /** Like `io_uring_prep_sync_file_range(3)`. Linux 5.2. */
  prepSyncFileRange(fd: FdLike, len: number, offset: number, flags: number = 0): void {
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
  prepOpenat(dfd: FdLike, path: string | URL, flags: number, mode: number = 0): void {
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
    flags: number = 0,
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
  prepUnlinkat(dfd: FdLike, path: string | URL, flags: number = 0): void {
    this.prepRw(Op.UNLINKAT, dfd, cString(path), 0, 0);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_unlink(3)`. Linux 5.11. */
  prepUnlink(path: string | URL, flags: number = 0): void {
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
    flags: number = 0,
  ): void {
    this.prepRw(Op.LINKAT, olddfd, cString(oldpath), newdfd, 0);
    this._addrAt(SqeWord.OFF, cString(newpath));
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_link(3)`. Linux 5.15. */
  prepLink(oldpath: string | URL, newpath: string | URL, flags: number = 0): void {
    this.prepLinkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, flags);
  }

  // ---- extended attributes ---------------------------------------------------------------

  /** Like `io_uring_prep_fsetxattr(3)`: set attribute `name` of `fd` to `value`. Linux 5.19. */
  prepFsetxattr(fd: FdLike, name: string, value: ArrayBufferView, flags: number = 0): void {
    this.prepRw(Op.FSETXATTR, fd, cString(name, "name"), value.byteLength, 0);
    this._addrAt(SqeWord.OFF, value);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_setxattr(3)`: set attribute `name` of `path`. Linux 5.19. */
  prepSetxattr(name: string, value: ArrayBufferView, path: string | URL, flags: number = 0): void {
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
    flags: number = 0,
  ): void {
    checkOffset(offIn);
    checkOffset(offOut);
    this.prepRw(Op.SPLICE, fdOut, null, nbytes, offOut);
    this._set64(SqeWord.ADDR, offIn);
    this._spliceIn(fdIn, flags);
  }

  /** Like `io_uring_prep_tee(3)`: duplicate `nbytes` from pipe `fdIn` into pipe `fdOut`. 5.8. */
  prepTee(fdIn: FdLike, fdOut: FdLike, nbytes: number, flags: number = 0): void {
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
  prepPipe(fds: Int32Array, flags: number = 0): void {
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

  // ---- polling, epoll --------------------------------------------------------------------

  /** Like `io_uring_prep_poll_add(3)`: `res` is the ready `PollEvent` mask. Linux 5.1. */
  prepPollAdd(fd: FdLike, pollMask: number): void {
    this.prepRw(Op.POLL_ADD, fd, null, 0, 0);
    this.opFlags = pollMask;
  }

  /** Like `io_uring_prep_poll_multishot(3)`: a CQE each time `fd` becomes ready. Linux 5.13. */
  prepPollMultishot(fd: FdLike, pollMask: number): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    this.prepPollAdd(fd, pollMask);
    this._u32[this._w + SqeWord.LEN] = PollFlag.ADD_MULTI;
  }

  /** Like `io_uring_prep_poll_remove(3)`: cancel the poll whose user data is `userData`. 5.1. */
  prepPollRemove(userData: number): void {
    this.prepRw(Op.POLL_REMOVE, -1, null, 0, 0);
    this._set64(SqeWord.ADDR, userData);
  }

  /**
   * Like `io_uring_prep_poll_update(3)`: change the events and/or user data of an armed poll
   * (`PollFlag.UPDATE_EVENTS`, `PollFlag.UPDATE_USER_DATA`). Linux 5.13.
   */
  prepPollUpdate(oldUserData: number, newUserData: number, pollMask: number, flags: number): void {
    this.prepRw(Op.POLL_REMOVE, -1, null, flags, newUserData);
    this._set64(SqeWord.ADDR, oldUserData);
    this.opFlags = pollMask;
  }

  /**
   * Like `io_uring_prep_epoll_ctl(3)`: `op` is `EPOLL_CTL_ADD` (1), `DEL` (2) or `MOD` (3), with
   * `events` and 64-bit `data` as in `struct epoll_event`. Linux 5.6.
   */
  prepEpollCtl(epfd: FdLike, fd: number, op: number, events: number = 0, data: number = 0): void {
    const ev = new Uint8Array(12);
    const v = new DataView(ev.buffer);
    v.setUint32(0, events, true);
    v.setUint32(4, data % TWO32, true);
    v.setUint32(8, data / TWO32, true);
    this.prepRw(Op.EPOLL_CTL, epfd, ev, op, fd);
  }

  /**
   * Like `io_uring_prep_epoll_wait(3)`: waits for events on `epfd`; `events` receives up to
   * `maxEvents` packed 12-byte `struct epoll_event`s, `res` is their count. Linux 6.15.
   */
  prepEpollWait(epfd: FdLike, events: ArrayBufferView, maxEvents: number, flags: number = 0): void {
    isView(events, "events");
    if (events.byteLength < maxEvents * 12) {
      throw new RangeError(`events must hold ${maxEvents} epoll_event structs (12 bytes each)`);
    }
    this.prepRw(Op.EPOLL_WAIT, epfd, events, maxEvents, 0);
    this.opFlags = flags;
  }

  // ---- timeouts and cancellation -----------------------------------------------------------

  /**
   * Like `io_uring_prep_timeout(3)`: completes with `-ETIME` after `ts`, or with 0 once `count`
   * other CQEs were posted. Linux 5.4.
   *
   * @param ts milliseconds, or `{ sec, nsec }`
   * @param count CQEs that end the timeout early; 0 for a pure timer
   * @param flags `TimeoutFlag` bits
   */
  prepTimeout(ts: Timespec, count: number = 0, flags: number = 0): void {
    if (flags & TimeoutFlag.MULTISHOT) this._m.tracking = true;
    this.prepRw(Op.TIMEOUT, -1, timespec(ts), 1, count);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_timeout_remove(3)`: cancel the timeout with `userData`. Linux 5.5. */
  prepTimeoutRemove(userData: number, flags: number = 0): void {
    this.prepRw(Op.TIMEOUT_REMOVE, -1, null, 0, 0);
    this._set64(SqeWord.ADDR, userData);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_timeout_update(3)`: re-arm the timeout with `userData`. Linux 5.11. */
  prepTimeoutUpdate(ts: Timespec, userData: number, flags: number = 0): void {
    this.prepRw(Op.TIMEOUT_REMOVE, -1, null, 0, 0);
    this._addrAt(SqeWord.OFF, timespec(ts));
    this._set64(SqeWord.ADDR, userData);
    this.opFlags = flags | TimeoutFlag.UPDATE;
  }

  /**
   * Like `io_uring_prep_link_timeout(3)`: cancels the SQE linked before this one (which must
   * carry `SqeFlag.IO_LINK`) if it has not completed after `ts`. Linux 5.5.
   */
  prepLinkTimeout(ts: Timespec, flags: number = 0): void {
    this.prepRw(Op.LINK_TIMEOUT, -1, timespec(ts), 1, 0);
    this.opFlags = flags;
  }

  /**
   * Like `io_uring_prep_cancel64(3)`: cancel the request whose user data is `userData`.
   * `CancelFlag.ALL` cancels every match, `CancelFlag.ANY` every request. Linux 5.5 (flags 5.19).
   */
  prepCancel(userData: number, flags: number = 0): void {
    this.prepRw(Op.ASYNC_CANCEL, -1, null, 0, 0);
    this._set64(SqeWord.ADDR, userData);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_cancel_fd(3)`: cancel requests on `fd`. Linux 5.19. */
  prepCancelFd(fd: FdLike, flags: number = 0): void {
    this.prepRw(Op.ASYNC_CANCEL, fd, null, 0, 0);
    let f = flags | CancelFlag.FD;
    if (this.flags & SqeFlag.FIXED_FILE) {
      this.flags &= ~SqeFlag.FIXED_FILE;
      f |= CancelFlag.FD_FIXED;
    }
    this.opFlags = f;
  }

  // ---- sockets ---------------------------------------------------------------------------

  /**
   * Like `io_uring_prep_socket(3)`: `res` is the new socket fd. Linux 5.19.
   *
   * @param domain `AF_INET` (2), `AF_INET6` (10), `AF_UNIX` (1)
   * @param type `SOCK_STREAM` (1), `SOCK_DGRAM` (2), optionally with `SOCK_CLOEXEC`/`SOCK_NONBLOCK`
   */
  prepSocket(domain: number, type: number, protocol: number = 0, flags: number = 0): void {
    this.prepRw(Op.SOCKET, domain, null, protocol, type);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_socket_direct(3)`: the socket goes into slot `fileIndex`. 5.19. */
  prepSocketDirect(
    domain: number,
    type: number,
    protocol: number,
    flags: number,
    fileIndex: number,
  ) {
    this.prepSocket(domain, type, protocol, flags);
    this._target(fileIndex);
  }

  /** Like `io_uring_prep_socket_direct_alloc(3)`: the kernel picks the slot (`res`). 5.19. */
  prepSocketDirectAlloc(
    domain: number,
    type: number,
    protocol: number = 0,
    flags: number = 0,
  ): void {
    this.prepSocketDirect(domain, type, protocol, flags, FILE_INDEX_ALLOC);
  }

  /** Like `io_uring_prep_bind(3)`: `addr` is a `struct sockaddr` (see `sockaddr()`). Linux 6.11. */
  prepBind(fd: FdLike, addr: ArrayBufferView): void {
    isView(addr, "addr");
    this.prepRw(Op.BIND, fd, addr, 0, addr.byteLength);
  }

  /** Like `io_uring_prep_listen(3)`. Linux 6.11. */
  prepListen(fd: FdLike, backlog: number): void {
    this.prepRw(Op.LISTEN, fd, null, backlog, 0);
  }

  /** Like `io_uring_prep_connect(3)`: `addr` is a `struct sockaddr`. Linux 5.5. */
  prepConnect(fd: FdLike, addr: ArrayBufferView): void {
    isView(addr, "addr");
    this.prepRw(Op.CONNECT, fd, addr, 0, addr.byteLength);
  }

  /**
   * Like `io_uring_prep_accept(3)`: `res` is the connection fd. `addr` (a sockaddr buffer) and
   * `addrLen` (its length in element 0, updated by the kernel) may both be null. Linux 5.5.
   */
  prepAccept(
    fd: FdLike,
    addr: ArrayBufferView | null = null,
    addrLen: Uint32Array | null = null,
    flags: number = 0,
  ): void {
    if (addr !== null) isView(addr, "addr");
    this.prepRw(Op.ACCEPT, fd, addr, 0, 0);
    if (addrLen !== null) this._addrAt(SqeWord.OFF, addrLen);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_accept_direct(3)`: the connection goes into slot `fileIndex`. 5.15. */
  prepAcceptDirect(
    fd: FdLike,
    addr: ArrayBufferView | null,
    addrLen: Uint32Array | null,
    flags: number,
    fileIndex: number,
  ): void {
    this.prepAccept(fd, addr, addrLen, flags);
    this._target(fileIndex);
  }

  /** Like `io_uring_prep_multishot_accept(3)`: one CQE per connection. Linux 5.19. */
  prepMultishotAccept(
    fd: FdLike,
    addr: ArrayBufferView | null = null,
    addrLen: Uint32Array | null = null,
    flags: number = 0,
  ): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    this.prepAccept(fd, addr, addrLen, flags);
    this.ioprio = this.ioprio | AcceptFlag.MULTISHOT;
  }

  /**
   * Like `io_uring_prep_multishot_accept_direct(3)`: each connection goes into a free slot of the
   * file table, `res` is the slot. Linux 5.19.
   */
  prepMultishotAcceptDirect(
    fd: FdLike,
    addr: ArrayBufferView | null = null,
    addrLen: Uint32Array | null = null,
    flags: number = 0,
  ): void {
    this.prepMultishotAccept(fd, addr, addrLen, flags);
    this._target(FILE_INDEX_ALLOC);
  }

  /** Like `io_uring_prep_send(3)`: `res` is the bytes sent. Linux 5.6. */
  prepSend(fd: FdLike, buf: ArrayBufferView, flags: number = 0): void {
    isView(buf);
    this.prepRw(Op.SEND, fd, buf, buf.byteLength, 0);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_sendto(3)`: send to `addr` (a `struct sockaddr`). Linux 6.0. */
  prepSendto(fd: FdLike, buf: ArrayBufferView, flags: number, addr: ArrayBufferView): void {
    isView(addr, "addr");
    this.prepSend(fd, buf, flags);
    this._addrAt(SqeWord.OFF, addr);
    const w = this._w + SqeWord.FILE_INDEX, u = this._u32;
    u[w] = (u[w] & 0xffff0000) | (addr.byteLength & 0xffff);
  }

  /**
   * Like `io_uring_prep_send_bundle(3)`: send as many buffers of group `bufGroup` as are queued
   * (`RecvSendFlag.BUNDLE`). Linux 6.10.
   */
  prepSendBundle(fd: FdLike, len: number, flags: number, bufGroup: number): void {
    this.prepRw(Op.SEND, fd, null, len, 0);
    this.opFlags = flags;
    this.ioprio = this.ioprio | RecvSendFlag.BUNDLE;
    this.bufGroup = bufGroup;
    this.flags |= SqeFlag.BUFFER_SELECT;
  }

  /**
   * Like `io_uring_prep_send_zc(3)`: zero-copy send. Two CQEs: the result with `CqeFlag.MORE`,
   * then a `CqeFlag.NOTIF` one when `buf` may be reused; the buffer is held until then. 6.0.
   */
  prepSendZc(fd: FdLike, buf: ArrayBufferView, flags: number = 0, zcFlags: number = 0): void {
    isView(buf);
    this.prepRw(Op.SEND_ZC, fd, buf, buf.byteLength, 0);
    this.opFlags = flags;
    this.ioprio = zcFlags;
  }

  /** Like `io_uring_prep_recv(3)`: `res` is the bytes received, 0 at EOF. Linux 5.6. */
  prepRecv(fd: FdLike, buf: ArrayBufferView, flags: number = 0): void {
    isView(buf);
    this.prepRw(Op.RECV, fd, buf, buf.byteLength, 0);
    this.opFlags = flags;
  }

  /**
   * Like `io_uring_prep_recv_multishot(3)` with buffer selection: one CQE per receive, each into
   * a buffer of group `bufGroup` (`CqeFlag.BUFFER`, id in `flags >>> 16`). Linux 6.0.
   */
  prepRecvMultishot(fd: FdLike, bufGroup: number, flags: number = 0): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    this.prepRw(Op.RECV, fd, null, 0, 0);
    this.opFlags = flags;
    this.ioprio = this.ioprio | RecvSendFlag.RECV_MULTISHOT;
    this.bufGroup = bufGroup;
    this.flags |= SqeFlag.BUFFER_SELECT;
  }

  /**
   * Zero-copy multishot receive (`IORING_OP_RECV_ZC`, as liburing's zcrx test prepares it): data
   * lands in the memory of interface queue `ifqIndex`. Needs `IORING_REGISTER_ZCRX_IFQ` and a NIC
   * with header split and a dedicated rx queue; without them the CQE is `-EINVAL`. Linux 6.15.
   *
   * @param len bytes to receive in all, 0 for no limit
   * @param flags extra `RecvSendFlag` bits for `ioprio` (`POLL_FIRST`); multishot is always set
   */
  prepRecvZc(fd: FdLike, len: number, ifqIndex: number, flags: number = 0): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    checkU32(ifqIndex, "ifqIndex");
    this.prepRw(Op.RECV_ZC, fd, null, len, 0);
    this.ioprio = this.ioprio | flags | RecvSendFlag.RECV_MULTISHOT;
    this.fileIndex = ifqIndex; // zcrx_ifq_idx shares the file_index word
  }

  /** Like `io_uring_prep_sendmsg(3)`: `msg` from `MsgHdr`. Linux 5.3. */
  prepSendmsg(fd: FdLike, msg: MsgHdrLike, flags: number = 0): void {
    this.prepRw(Op.SENDMSG, fd, msg.bytes, 1, 0);
    this._hold(msg);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_sendmsg_zc(3)`. Linux 6.1. */
  prepSendmsgZc(fd: FdLike, msg: MsgHdrLike, flags: number = 0): void {
    this.prepSendmsg(fd, msg, flags);
    this.opcode = Op.SENDMSG_ZC;
  }

  /** Like `io_uring_prep_recvmsg(3)`: `msg` from `MsgHdr`. Linux 5.3. */
  prepRecvmsg(fd: FdLike, msg: MsgHdrLike, flags: number = 0): void {
    this.prepRw(Op.RECVMSG, fd, msg.bytes, 1, 0);
    this._hold(msg);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_recvmsg_multishot(3)`: with buffer group `bufGroup`. Linux 6.0. */
  prepRecvmsgMultishot(fd: FdLike, msg: MsgHdrLike, flags: number, bufGroup: number): void {
    this._m.tracking = true; // see _HeldRefs: a multishot op must never be only counted
    this.prepRecvmsg(fd, msg, flags);
    this.ioprio = this.ioprio | RecvSendFlag.RECV_MULTISHOT;
    this.bufGroup = bufGroup;
    this.flags |= SqeFlag.BUFFER_SELECT;
  }

  /** Like `io_uring_prep_shutdown(3)`: `how` is `SHUT_RD` (0), `SHUT_WR` (1) or both (2). 5.11. */
  prepShutdown(fd: FdLike, how: number): void {
    this.prepRw(Op.SHUTDOWN, fd, null, how, 0);
  }

  /**
   * Like `io_uring_prep_cmd_sock(3)`: a socket command (`SocketCmd`), such as `SIOCINQ` (bytes
   * queued for reading, in `res`) or get/setsockopt with `optval`. Linux 6.7.
   */
  prepCmdSock(
    cmdOp: number,
    fd: FdLike,
    level: number = 0,
    optname: number = 0,
    optval: ArrayBufferView | null = null,
  ): void {
    this.prepRw(Op.URING_CMD, fd, null, 0, 0);
    const u = this._u32, w = this._w;
    u[w + SqeWord.OFF] = cmdOp;
    u[w + SqeWord.ADDR] = level;
    u[w + SqeWord.ADDR + 1] = optname;
    if (optval !== null) {
      this._addrAt(SqeWord.ADDR3, optval);
      u[w + SqeWord.FILE_INDEX] = optval.byteLength;
    }
  }

  /**
   * A raw `IORING_OP_URING_CMD` (`io_uring_prep_uring_cmd`): `cmdOp` and up to 16 bytes of
   * command payload (80 with `sqe128`), as the driver behind `fd` defines them. Linux 5.19.
   */
  prepUringCmd(fd: FdLike, cmdOp: number, cmd?: Uint8Array): void {
    this.prepRw(Op.URING_CMD, fd, null, 0, 0);
    this._u32[this._w + SqeWord.OFF] = cmdOp;
    if (cmd !== undefined) {
      const room = this._m.stride * 4 - 48;
      if (cmd.byteLength > room) throw new RangeError(`cmd holds at most ${room} bytes here`);
      this._m.u8.set(cmd, this._w * 4 + 48);
    }
  }

  // ---- buffers, files, rings -------------------------------------------------------------

  /**
   * Like `io_uring_prep_provide_buffers(3)`: hands `nr` buffers of `len` bytes each, carved from
   * `region`, to group `bufGroup` with ids from `bid`. The ring holds `region` until it closes,
   * since the kernel may write into it at any later time. Linux 5.7.
   */
  prepProvideBuffers(
    region: ArrayBufferView,
    len: number,
    nr: number,
    bufGroup: number,
    bid: number,
  ): void {
    if (len * nr > region.byteLength) {
      throw new RangeError(`region of ${region.byteLength} bytes is smaller than ${nr} x ${len}`);
    }
    isView(region, "region");
    this.prepRw(Op.PROVIDE_BUFFERS, nr, region, len, bid);
    this.bufGroup = bufGroup;
    this._hold(new ProvidedRegion(region));
  }

  /** Like `io_uring_prep_remove_buffers(3)`: take `nr` buffers back from group `bufGroup`. 5.7. */
  prepRemoveBuffers(nr: number, bufGroup: number): void {
    this.prepRw(Op.REMOVE_BUFFERS, nr, null, 0, 0);
    this.bufGroup = bufGroup;
  }

  /**
   * Like `io_uring_prep_files_update(3)`: sets registered files from `offset` to `fds`
   * (-1 empties a slot); with `offset` `FILE_INDEX_ALLOC` the kernel picks slots and writes them
   * back into `fds`. Linux 5.6.
   */
  prepFilesUpdate(fds: Int32Array, offset: number): void {
    if (!(fds instanceof Int32Array)) throw new TypeError("fds must be an Int32Array");
    this.prepRw(Op.FILES_UPDATE, -1, fds, fds.length, offset >>> 0);
  }

  /**
   * Like `io_uring_prep_fixed_fd_install(3)`: turns direct descriptor `fixedIndex` into a real
   * fd (`res`), close-on-exec unless `FIXED_FD_NO_CLOEXEC`. Linux 6.8.
   */
  prepFixedFdInstall(fixedIndex: number, flags: number = 0): void {
    this.prepRw(Op.FIXED_FD_INSTALL, fixedIndex, null, 0, 0);
    this.flags |= SqeFlag.FIXED_FILE;
    this.opFlags = flags;
  }

  /**
   * Like `io_uring_prep_msg_ring(3)`: posts a CQE on the ring `fd` with `res` = `len` and user
   * data `data`. Linux 5.18. The target ring takes that CQE for the end of its own op with user
   * data `data`, if it has one in flight (see `Ring`): use user data no op there uses.
   */
  prepMsgRing(fd: FdLike, len: number, data: number, flags: number = 0): void {
    this.prepRw(Op.MSG_RING, fd, null, len, data);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_msg_ring_cqe_flags(3)`: also sets the target CQE's flags. Linux 6.3. */
  prepMsgRingCqeFlags(fd: FdLike, len: number, data: number, flags: number, cqeFlags: number) {
    this.prepMsgRing(fd, len, data, flags | 2 /* IORING_MSG_RING_FLAGS_PASS */);
    this.fileIndex = cqeFlags;
  }

  /**
   * Like `io_uring_prep_msg_ring_fd(3)`: installs this ring's fixed file `sourceIndex` into slot
   * `targetIndex` (or `FILE_INDEX_ALLOC`) of ring `fd`'s table, posting a CQE with `data` there.
   * Linux 6.0.
   */
  prepMsgRingFd(
    fd: FdLike,
    sourceIndex: number,
    targetIndex: number,
    data: number,
    flags: number = 0,
  ) {
    this.prepRw(Op.MSG_RING, fd, 1, /* IORING_MSG_SEND_FD */ 0, data);
    this._set64(SqeWord.ADDR3, sourceIndex);
    this._target(targetIndex);
    this.opFlags = flags;
  }

  // ---- processes and futexes -------------------------------------------------------------

  /**
   * Like `io_uring_prep_waitid(3)`: waits for a child like waitid(2); `infop` (128 bytes,
   * `siginfo_t`) may be null. Linux 6.7.
   *
   * @param idtype `P_ALL` (0), `P_PID` (1), `P_PGID` (2), `P_PIDFD` (3)
   * @param options `WEXITED` (4) and friends
   */
  prepWaitid(
    idtype: number,
    id: number,
    infop: ArrayBufferView | null,
    options: number,
    flags: number = 0,
  ): void {
    this.prepRw(Op.WAITID, id, null, idtype, 0);
    this.opFlags = flags;
    this.fileIndex = options;
    if (infop !== null) {
      if (infop.byteLength < 128) throw new RangeError("infop must be at least 128 bytes");
      this._addrAt(SqeWord.OFF, infop);
    }
  }

  /**
   * Like `io_uring_prep_futex_wait(3)`: sleeps while the futex word (element 0 of `futex`) holds
   * `val`. Linux 6.7.
   *
   * @param futexFlags `FUTEX2_*` (`Futex2.SIZE_U32 | Futex2.PRIVATE` for a process-private u32)
   */
  prepFutexWait(
    futex: Int32Array | Uint32Array,
    val: number,
    mask: number,
    futexFlags: number,
    flags: number = 0,
  ): void {
    isView(futex, "futex");
    this.prepRw(Op.FUTEX_WAIT, futexFlags, futex, 0, val);
    this._set64(SqeWord.ADDR3, mask);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_futex_wake(3)`: wakes up to `val` waiters; `res` is how many. 6.7. */
  prepFutexWake(
    futex: Int32Array | Uint32Array,
    val: number,
    mask: number,
    futexFlags: number,
    flags: number = 0,
  ): void {
    isView(futex, "futex");
    this.prepRw(Op.FUTEX_WAKE, futexFlags, futex, 0, val);
    this._set64(SqeWord.ADDR3, mask);
    this.opFlags = flags;
  }

  /** Like `io_uring_prep_futex_waitv(3)`: `res` is the index of the futex that woke. 6.7. */
  prepFutexWaitv(futexes: readonly FutexWait[], flags: number = 0): void {
    const v = new Uint32Array(futexes.length * 6); // struct futex_waitv: u64 val, u64 uaddr, u32 flags, u32 pad
    for (let i = 0; i < futexes.length; i++) {
      const f = futexes[i];
      checkBuffer(f.futex, `futexes[${i}].futex`);
      const a = addressOf(f.futex);
      v[i * 6] = f.val >>> 0;
      v[i * 6 + 2] = a % TWO32;
      v[i * 6 + 3] = a / TWO32;
      v[i * 6 + 4] = f.flags ?? 0x82;
    }
    this.prepRw(Op.FUTEX_WAITV, 0, v, futexes.length, 0);
    this._hold(futexes.map((f) => f.futex));
    this.opFlags = flags;
  }
}
