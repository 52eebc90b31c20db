/**
 * The parts of `Sqe` every op shares: the ring's SQE memory, the field accessors, the argument
 * checks and the common writer `prepRw`. `_sqe_file.ts` and `sqe.ts` add the `prepX` methods on
 * top, one class each.
 *
 * @module
 */
import { FILE_INDEX_ALLOC, SqeFlag } from "./constants.ts";
import { addressOf, checkBuffer, checkedAddress } from "./_memory.ts";
import { type FdLike, isFixed } from "./fixed.ts";

// Module-local on purpose: V8 folds a local const, not an exported one (a real division then).
const TWO32 = 4294967296;
const MAX_USER_DATA = Number.MAX_SAFE_INTEGER;

// Word (u32) indexes of the SQE fields the prep methods write; tests/abi_test.ts pins them
// against the C compiler's offsetof().
/** @internal */
export const SqeWord = {
  OPCODE_FLAGS_IOPRIO: 0,
  FD: 1,
  OFF: 2, // off / addr2 / cmd_op
  ADDR: 4, // addr / splice_off_in / level+optname
  LEN: 6,
  OP_FLAGS: 7, // rw_flags, msg_flags, timeout_flags, ... (one union)
  USER_DATA: 8,
  BUF_INDEX: 10, // u16 buf_index / buf_group, then u16 personality
  FILE_INDEX: 11, // splice_fd_in / file_index / optlen / addr_len
  ADDR3: 12, // addr3 / cmd
} as const;

/**
 * The SQE memory of one ring, shared by the ring and its `Sqe` objects.
 *
 * @internal
 */
export class _SqMemory {
  /** The SQE array as bytes. */
  u8: Uint8Array;
  /** The SQE array as 32-bit words. */
  u32: Uint32Array;
  /** The SQE array as 8-byte words, for zeroing. */
  f64: Float64Array;
  /** Buffers held per SQ slot until the SQE is published. */
  readonly refs: unknown[];
  /** Words per SQE: 16, or 32 with SQE128. */
  readonly stride: number;
  /** Memory handed to the kernel for the ring's lifetime (legacy provided buffers). */
  readonly forever: unknown[] = [];
  /** Set once any prep holds a buffer: from then on, the ring tracks every op's user data. */
  tracking = false;
  /** Set by `Ring.close()`. */
  closed = false;

  constructor(u8: Uint8Array, entries: number, sqe128: boolean) {
    this.u8 = u8;
    this.u32 = new Uint32Array(u8.buffer, u8.byteOffset, u8.byteLength >>> 2);
    this.f64 = new Float64Array(u8.buffer, u8.byteOffset, u8.byteLength >>> 3);
    this.refs = new Array(entries).fill(undefined);
    this.stride = sqe128 ? 32 : 16;
  }

  /** Makes every later write a no-op; stale `Sqe` objects cannot reach unmapped memory. */
  close(): void {
    this.closed = true;
    this.u8 = new Uint8Array(0);
    this.u32 = new Uint32Array(0);
    this.f64 = new Float64Array(0);
  }
}

/** Registered buffers as `prepReadFixed` and friends see them (see `FixedBuffers`). */
export interface FixedBufferSource {
  /** Number of buffers. */
  readonly count: number;
  /** Size of each buffer in bytes. */
  readonly size: number;
  /**
   * Address of buffer `index` plus `offset`, and the buffer's index in the kernel's table.
   *
   * @internal
   */
  _address(index: number, offset: number): number;
  /** @internal */
  _kernelIndex(index: number): number;
}

/** A time for timeouts: milliseconds, or seconds and nanoseconds. */
export type Timespec = number | { sec: number; nsec: number };

/** One futex of `prepFutexWaitv`. */
export interface FutexWait {
  /** A view whose first element is the futex word (usually over a SharedArrayBuffer). */
  futex: Int32Array | Uint32Array;
  /** The value expected in the futex word. */
  val: number;
  /** `FUTEX2_*` flags; default `Futex2.SIZE_U32 | Futex2.PRIVATE`. */
  flags?: number;
}

/** `struct open_how` for `prepOpenat2`. */
export interface OpenHow {
  /** `O_*` flags. */
  flags: number;
  /** Mode for created files. */
  mode?: number;
  /** `RESOLVE_*` flags. */
  resolve?: number;
}

/** @internal Throws the error for a bad fd argument. */
export function badFd(fd: unknown): never {
  if (typeof fd === "number") {
    throw new RangeError(`fd must be an integer in -1..2**31-1 or AT_FDCWD, got ${fd}`);
  }
  throw new TypeError("fd must be a number or a fixed(index) marker");
}

/** Throws `TypeError` unless `buf` is an ArrayBufferView (cheap; prepRw checks the rest). */
export function isView(buf: unknown, what = "buffer"): void {
  if (!ArrayBuffer.isView(buf)) {
    throw new TypeError(`${what} must be a Uint8Array or another ArrayBufferView`);
  }
}

/** @internal Throws `RangeError` unless `off` is a file offset (-1 for the current one). */
export function checkOffset(off: number): void {
  if (!(off >= -1 && off <= Number.MAX_SAFE_INTEGER && Math.floor(off) === off)) {
    throw new RangeError(`offset must be an integer in -1..2**53-1, got ${off}`);
  }
}

/** @internal Throws `RangeError` unless `v` is a u32. */
export function checkU32(v: number, what: string): void {
  if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) {
    throw new RangeError(`${what} must be an integer in 0..2**32-1, got ${v}`);
  }
}

/** Encodes a {@link Timespec} as `struct __kernel_timespec` (16 bytes). */
export function timespec(t: Timespec): Uint8Array<ArrayBuffer> {
  let sec: number, nsec: number;
  if (typeof t === "number") {
    if (!(t >= 0 && Number.isFinite(t))) {
      throw new RangeError(`time must be a finite number of milliseconds >= 0, got ${t}`);
    }
    sec = Math.floor(t / 1000);
    nsec = Math.round((t - sec * 1000) * 1e6);
  } else if (typeof t === "object" && t !== null) {
    ({ sec, nsec } = t);
    if (!Number.isSafeInteger(sec) || sec < 0 || !Number.isInteger(nsec) || nsec < 0) {
      throw new RangeError("timespec needs integer sec >= 0 and nsec >= 0");
    }
  } else {
    throw new TypeError("time must be milliseconds or { sec, nsec }");
  }
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setBigInt64(0, BigInt(sec), true);
  v.setBigInt64(8, BigInt(nsec), true);
  return out;
}

/** Builds an `iovec` array for `bufs`; returns it with the buffers it points at. */
export function iovecs(bufs: readonly ArrayBufferView[]): Uint32Array<ArrayBuffer> {
  if (!Array.isArray(bufs)) throw new TypeError("iovecs must be an array of buffers");
  const out = new Uint32Array(bufs.length * 4);
  for (let i = 0; i < bufs.length; i++) {
    const b = bufs[i];
    checkBuffer(b, `iovecs[${i}]`);
    const addr = addressOf(b);
    out[i * 4] = addr % TWO32;
    out[i * 4 + 1] = addr / TWO32;
    out[i * 4 + 2] = b.byteLength;
  }
  return out;
}

/** @internal Returns `length` once it is checked against `buf`; throws `RangeError` if too long. */
export function checkLength(length: number, buf: ArrayBufferView): number {
  checkBuffer(buf);
  if (!Number.isInteger(length) || length < 0 || length > buf.byteLength) {
    throw new RangeError(`length ${length} is out of range 0..${buf.byteLength}`);
  }
  return length;
}

/** `AT_FDCWD`: paths relative to the current working directory. */
export const AT_FDCWD: -100 = -100;

/** Something with a `struct msghdr` in `bytes` that keeps its buffers alive (see `MsgHdr`). */
export interface MsgHdrLike {
  /** The 56-byte `struct msghdr`. */
  readonly bytes: ArrayBufferView;
}

/** A region handed to the kernel with PROVIDE_BUFFERS: never released before the ring closes. */
export class ProvidedRegion {
  /** The region. */
  readonly region: ArrayBufferView;
  /** @param region the memory the kernel may fill at any time */
  constructor(region: ArrayBufferView) {
    this.region = region;
  }
}

/**
 * The fields of one SQE and the writers every `prepX` builds on. Users get `Sqe`, which extends
 * this through `_FileSqe`.
 *
 * @internal
 */
export class _SqeBase {
  /** @internal */
  readonly _m: _SqMemory;
  /** @internal first u32 word of this SQE */
  readonly _w: number;
  /** @internal SQ slot */
  readonly _slot: number;

  /** @internal Made by `Ring` only, one per SQ slot. */
  constructor(memory: _SqMemory, slot: number) {
    this._m = memory;
    this._slot = slot;
    this._w = slot * memory.stride;
  }

  /** The opcode (`Op`). */
  get opcode(): number {
    return this._m.u8[this._w * 4];
  }
  set opcode(op: number) {
    this._m.u8[this._w * 4] = op;
  }

  /** The raw `IOSQE_*` bits (`SqeFlag`). */
  get flags(): number {
    return this._m.u8[this._w * 4 + 1];
  }
  set flags(v: number) {
    this._m.u8[this._w * 4 + 1] = v;
  }

  /** The `ioprio` field (also op-specific flags for accept, recv and send). */
  get ioprio(): number {
    return this._m.u32[this._w] >>> 16;
  }
  set ioprio(v: number) {
    const m = this._m, w = this._w;
    m.u32[w] = (m.u32[w] & 0xffff) | ((v & 0xffff) << 16);
  }

  /** The `fd` field as written (a fixed-file index when `SqeFlag.FIXED_FILE` is set). */
  get fd(): number {
    return this._m.u32[this._w + SqeWord.FD] | 0;
  }

  /** User data, returned unchanged in the CQE: a number in 0..2**53-1. */
  get userData(): number {
    const u = this._m.u32, w = this._w + SqeWord.USER_DATA;
    return u[w + 1] * TWO32 + u[w];
  }
  set userData(v: number) {
    const u = this._m.u32, w = this._w + SqeWord.USER_DATA;
    if ((v >>> 0) === v) { // the common case: a 32-bit integer
      u[w] = v;
      u[w + 1] = 0;
      return;
    }
    if (!(v >= 0 && v <= MAX_USER_DATA && Math.floor(v) === v)) {
      throw new RangeError(`userData must be an integer in 0..2**53-1, got ${v}`);
    }
    const hi = Math.floor(v / TWO32);
    u[w] = v - hi * TWO32;
    u[w + 1] = hi;
  }

  /** The `buf_index` field: registered buffer index (fixed ops). */
  get bufIndex(): number {
    return this._m.u32[this._w + SqeWord.BUF_INDEX] & 0xffff;
  }
  set bufIndex(v: number) {
    const m = this._m, w = this._w + SqeWord.BUF_INDEX;
    m.u32[w] = (m.u32[w] & 0xffff0000) | (v & 0xffff);
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
    return this._m.u32[this._w + SqeWord.BUF_INDEX] >>> 16;
  }
  set personality(v: number) {
    const m = this._m, w = this._w + SqeWord.BUF_INDEX;
    m.u32[w] = (m.u32[w] & 0xffff) | ((v & 0xffff) << 16);
  }

  /** The `file_index` / `splice_fd_in` word. */
  get fileIndex(): number {
    return this._m.u32[this._w + SqeWord.FILE_INDEX];
  }
  set fileIndex(v: number) {
    this._m.u32[this._w + SqeWord.FILE_INDEX] = v;
  }

  /** The op-specific flags word (`rw_flags`, `msg_flags`, `timeout_flags`, ...). */
  get opFlags(): number {
    return this._m.u32[this._w + SqeWord.OP_FLAGS];
  }
  set opFlags(v: number) {
    this._m.u32[this._w + SqeWord.OP_FLAGS] = v;
  }

  /** @internal Writes a 64-bit field at word `w` from a number in -2**31..2**53-1. */
  _set64(word: number, v: number): void {
    const u = this._m.u32, w = this._w + word;
    if (v < 0) {
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
    const m = this._m, s = this._slot;
    if (ref instanceof ProvidedRegion) {
      m.forever.push(ref);
      return;
    }
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
   * @param len the `len` field
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
    const m = this._m;
    if (m.closed) throw new Error("ring is closed");
    const w = this._w, u = m.u32;
    const f = this._fd(fd);
    u[w] = (u[w] & 0xffffff00) | op;
    u[w + SqeWord.FD] = f;
    this._set64(SqeWord.OFF, offset);
    if (addr !== null && typeof addr === "object") {
      const a = checkedAddress(addr);
      const hi = Math.floor(a / TWO32); // no fmod: x86-64 user addresses are below 2**47
      u[w + SqeWord.ADDR] = a - hi * TWO32;
      u[w + SqeWord.ADDR + 1] = hi;
      this._hold(addr);
    } else if (addr !== null && addr !== 0) {
      this._set64(SqeWord.ADDR, addr);
    }
    u[w + SqeWord.LEN] = len;
  }

  /** @internal Like `__io_uring_set_target_fixed_file`: stores `index + 1` as the target slot. */
  _target(index: number): void {
    if (index === FILE_INDEX_ALLOC) {
      this._m.u32[this._w + SqeWord.FILE_INDEX] = FILE_INDEX_ALLOC;
      return;
    }
    checkU32(index, "file index");
    this._m.u32[this._w + SqeWord.FILE_INDEX] = index + 1;
  }

  /** @internal Writes a buffer's address at word `word` and holds the buffer. */
  _addrAt(word: number, buf: ArrayBufferView): void {
    checkBuffer(buf);
    this._set64(word, addressOf(buf));
    this._hold(buf);
  }

  // ---- no-op -----------------------------------------------------------------------------

  /** Like `io_uring_prep_nop(3)`: completes with 0. Linux 5.1. */
  prepNop(): void {
    const m = this._m;
    if (m.closed) throw new Error("ring is closed");
    m.u32[this._w] &= 0xffffff00; // opcode 0 on a zeroed SQE
  }
}
