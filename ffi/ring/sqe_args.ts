/**
 * What `Sqe.prepX` methods take besides fds and buffers (registered buffer sets, times, futex
 * waits, `open_how`, message headers, provided regions), how they are encoded for the kernel, and
 * the argument checks the preps share.
 *
 * @module
 */
import { addressOf, checkBuffer } from "../sys/mod.ts";

const TWO32 = 4294967296;
/** `MAX_RW_COUNT`: the most one read or write moves (INT_MAX rounded down to a page). */
export const MAX_RW = 0x7ffff000;

/**
 * Registered buffers as `prepReadFixed` and friends see them (see `FixedBuffers`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type FixedBufferSource } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "fixed");
 * await using io = new AsyncRing({ entries: 8 });
 * using buffers = io.ring.registerBuffers(2, 4096);
 * const source: FixedBufferSource = buffers;
 * const fd = await io.open(path);
 * assertEquals(await io.readFixed(fd, source, 1, 0), 5); // into registered buffer 1
 * assertEquals(new TextDecoder().decode(buffers.get(1).subarray(0, 5)), "fixed");
 * await io.closeFd(fd);
 * await Deno.remove(path);
 * ```
 */
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

/**
 * A time for timeouts: milliseconds, or seconds and nanoseconds.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Ring, type Timespec } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const ts: Timespec = { sec: 0, nsec: 2_000_000 }; // the same as 2 (milliseconds)
 * ring.getSqe()!.prepTimeout(ts);
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, -62); // -ETIME: the timer expired
 * ```
 */
export type Timespec = number | { sec: number; nsec: number };

/**
 * One futex of `prepFutexWaitv`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Futex2, FUTEX_BITSET_MATCH_ANY, type FutexWait, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const words = new Int32Array(new SharedArrayBuffer(8)); // two futex words, both 0
 * const futexes: FutexWait[] = [
 *   { futex: words.subarray(0, 1), val: 0 },
 *   { futex: words.subarray(1), val: 0 },
 * ];
 * ring.getSqe()!.prepFutexWaitv(futexes); // sleeps until either is woken
 * ring.submit();
 * const flags = Futex2.SIZE_U32 | Futex2.PRIVATE;
 * ring.getSqe()!.prepFutexWake(words.subarray(1), 1, FUTEX_BITSET_MATCH_ANY, flags);
 * ring.submitAndWait(2);
 * assertEquals([ring.waitCqe()!.res, ring.waitCqe()!.res], [1, 1]); // one woken; it was futexes[1]
 * ```
 */
export interface FutexWait {
  /** A view whose first element is the futex word (usually over a SharedArrayBuffer). */
  futex: Int32Array | Uint32Array;
  /** The value expected in the futex word. */
  val: number;
  /** `FUTEX2_*` flags; default `Futex2.SIZE_U32 | Futex2.PRIVATE`. */
  flags?: number;
}

/**
 * `struct open_how` for `prepOpenat2`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { At, OpenFlag, type OpenHow, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const how: OpenHow = { flags: OpenFlag.RDONLY, resolve: 0x08 }; // RESOLVE_BENEATH
 * ring.getSqe()!.prepOpenat2(At.FDCWD, "/", how); // an absolute path is not beneath "."
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, -18); // -EXDEV
 * ```
 */
export interface OpenHow {
  /** `O_*` flags. */
  flags: number;
  /** Mode for created files. */
  mode?: number;
  /** `RESOLVE_*` flags. */
  resolve?: number;
}

/** Throws the error of a prep on a closed ring. */
export function ringClosed(): never {
  throw new Error("ring is closed");
}

/** Throws the error for a bad fd argument. */
export function badFd(fd: unknown): never {
  if (typeof fd === "number") {
    throw new RangeError(`fd must be an integer in -1..2**31-1 or AT_FDCWD, got ${fd}`);
  }
  throw new TypeError("fd must be a number or a fixed(index) marker");
}

/** Throws `TypeError` unless `buf` is an ArrayBufferView (cheap; prepRw checks the rest). */
export function isView(buf: unknown, what: string = "buffer"): void {
  if (!ArrayBuffer.isView(buf)) {
    throw new TypeError(`${what} must be a Uint8Array or another ArrayBufferView`);
  }
}

/** Throws `RangeError` unless `off` is a file offset: an integer in -1..2**53-1. */
export function checkOffset(off: number): void {
  if (!(off >= -1 && off <= Number.MAX_SAFE_INTEGER && Math.floor(off) === off)) {
    throw new RangeError(`offset must be an integer in -1..2**53-1, got ${off}`);
  }
}

/** Throws `RangeError` unless `v` is an integer in 0..2**32-1. */
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
    const len = b.byteLength; // iov_len is a u64: a buffer may pass 4 GiB
    out[i * 4 + 2] = len % TWO32;
    out[i * 4 + 3] = len / TWO32;
  }
  return out;
}

/**
 * `AT_FDCWD`: paths relative to the current working directory.
 *
 * @example
 * ```ts
 * import { assertGreaterOrEqual } from "@std/assert";
 * import { AT_FDCWD, OpenFlag, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * ring.getSqe()!.prepOpenat(AT_FDCWD, ".", OpenFlag.RDONLY | OpenFlag.DIRECTORY);
 * ring.submitAndWait(1);
 * const fd = ring.waitCqe()!.res; // the current directory
 * assertGreaterOrEqual(fd, 0);
 * ring.getSqe()!.prepClose(fd);
 * ring.submitAndWait(1);
 * ```
 */
export const AT_FDCWD: -100 = -100;

/**
 * Something with a `struct msghdr` in `bytes` that keeps its buffers alive (see `MsgHdr`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, MsgHdr, type MsgHdrLike, Ring, Sock } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 8 });
 * const fd = await io.socket(Sock.AF_INET, Sock.SOCK_DGRAM);
 * await io.bind(fd, { hostname: "127.0.0.1", port: 0 });
 * await io.connect(fd, io.localAddr(fd)); // a socket that talks to itself
 * await io.send(fd, new TextEncoder().encode("hi"));
 * using ring = new Ring({ entries: 2 });
 * const msg: MsgHdrLike = new MsgHdr({ iov: [new Uint8Array(8)], name: new Uint8Array(16) });
 * ring.getSqe()!.prepRecvmsg(fd, msg);
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, 2);
 * await io.closeFd(fd);
 * ```
 */
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

/** `length` if it fits `buf` (a live, fixed-size buffer), else a `RangeError`. */
export function checkLength(length: number, buf: ArrayBufferView): number {
  checkBuffer(buf);
  if (!Number.isInteger(length) || length < 0 || length > buf.byteLength) {
    throw new RangeError(`length ${length} is out of range 0..${buf.byteLength}`);
  }
  return length;
}
