/**
 * Argument structs of `io_uring_register(2)`, built in TypeScript, and the small registrations
 * that `Ring` delegates to (eventfd, personality, sync cancel, NAPI).
 *
 * @module
 */
import { CancelFlag, RegisterOp } from "../sys/mod.ts";
import { type FdLike, isFixed } from "../sys/mod.ts";
import type { RingHandle } from "./_handle.ts";
import { type Timespec, timespec } from "./sqe_args.ts";

const TWO32 = 4294967296;

/** `IORING_RSRC_REGISTER_SPARSE`: register a table of empty slots. @internal */
export const RSRC_REGISTER_SPARSE = 1;
/** `IORING_REGISTER_DST_REPLACE`: clone buffers into a ring that already has a table. @internal */
export const REGISTER_DST_REPLACE = 2;

/** Writes `n` (0..2**53-1) as a little-endian u64 at byte `at` of `v`. @internal */
export function setU64(v: DataView, at: number, n: number): void {
  v.setUint32(at, n % TWO32, true);
  v.setUint32(at + 4, Math.floor(n / TWO32), true);
}

/** Reads a little-endian u64 at byte `at` of `v` as a number. @internal */
export function getU64(v: DataView, at: number): number {
  return v.getUint32(at + 4, true) * TWO32 + v.getUint32(at, true);
}

/**
 * `struct io_uring_rsrc_register` (32 bytes): `{ u32 nr; u32 flags; u64 resv2; u64 data;
 * u64 tags }`, for `IORING_REGISTER_FILES2` / `BUFFERS2` (whose `nr_args` is the struct size).
 *
 * @internal
 */
export function rsrcRegister(nr: number, flags: number, data: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(32);
  const v = new DataView(out.buffer);
  v.setUint32(0, nr, true);
  v.setUint32(4, flags, true);
  setU64(v, 16, data);
  return out;
}

/**
 * `struct io_uring_rsrc_update2` (32 bytes): `{ u32 offset; u32 resv; u64 data; u64 tags;
 * u32 nr; u32 resv2 }`, for `IORING_REGISTER_FILES_UPDATE2` / `BUFFERS_UPDATE`.
 *
 * @internal
 */
export function rsrcUpdate2(offset: number, data: number, nr: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(32);
  const v = new DataView(out.buffer);
  v.setUint32(0, offset, true);
  setU64(v, 8, data);
  v.setUint32(24, nr, true);
  return out;
}

/**
 * Options of `Ring.registerEventfd()`.
 *
 * @example
 * ```ts
 * import { eventfd, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const efd = eventfd();
 * ring.registerEventfd(efd, { async: true }); // only completions from io-wq workers
 * ring.unregisterEventfd();
 * ring.getSqe()!.prepClose(efd);
 * ring.submitAndWait(1);
 * ```
 */
export interface EventfdOptions {
  /**
   * Signal only completions run by an io-wq worker, not those done inline or by task work
   * (`IORING_REGISTER_EVENTFD_ASYNC`). Default false.
   */
  async?: boolean;
}

/**
 * What `Ring.registerSyncCancel()` cancels: the fields of `struct io_uring_sync_cancel_reg`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { Ring, UringError } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const sqe = ring.getSqe()!;
 * sqe.prepTimeout(60_000); // a timer that would run for a minute
 * sqe.userData = 5;
 * ring.submit();
 * ring.registerSyncCancel({ userData: 5 }); // returns once it is gone
 * assertEquals(ring.waitCqe()!.res, -125); // ECANCELED
 * const again = () => ring.registerSyncCancel({ userData: 5, timeout: 10 });
 * assertEquals(assertThrows(again, UringError).code, "ENOENT"); // nothing left to cancel
 * ```
 */
export interface SyncCancelOptions {
  /** Match requests with this user data (the default key when no `fd`/`opcode`/`any`). */
  userData?: number;
  /** Match requests on this fd, or on a fixed file with `fixed(i)`. */
  fd?: FdLike;
  /** Match requests with this opcode (`Op`). */
  opcode?: number;
  /** Cancel every match, not just the first (`IORING_ASYNC_CANCEL_ALL`). */
  all?: boolean;
  /** Match any request (`IORING_ASYNC_CANCEL_ANY`). */
  any?: boolean;
  /** Give up with `ETIME` after this long; default: wait until the matches are gone. */
  timeout?: Timespec;
}

/**
 * NAPI busy-poll settings of a ring, as `Ring.registerNapi()` and `unregisterNapi()` report them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Ring, type NapiSettings, UringError } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * try {
 *   ring.registerNapi({ busyPollTimeout: 50 });
 *   const before: NapiSettings = ring.unregisterNapi();
 *   assertEquals(before, { busyPollTimeout: 50, preferBusyPoll: false });
 * } catch (e) {
 *   if (!(e instanceof UringError)) throw e; // a kernel without CONFIG_NET_RX_BUSY_POLL refuses
 * }
 * ```
 */
export interface NapiSettings {
  /** Busy-poll time in microseconds (the kernel caps it at 10 000). */
  busyPollTimeout: number;
  /** Whether preferred busy polling is on. */
  preferBusyPoll: boolean;
}

/**
 * Options of `Ring.registerNapi()`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Ring, UringError } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * try {
 *   const old = ring.registerNapi({ busyPollTimeout: 100, preferBusyPoll: true });
 *   assertEquals(old.busyPollTimeout, 0); // off before
 * } catch (e) {
 *   if (!(e instanceof UringError)) throw e; // a kernel without CONFIG_NET_RX_BUSY_POLL refuses
 * }
 * ```
 */
export interface NapiOptions {
  /** Busy-poll time in microseconds before sleeping in a wait. */
  busyPollTimeout: number;
  /** Prefer busy polling over interrupts (`SO_PREFER_BUSY_POLL`). Default false. */
  preferBusyPoll?: boolean;
  /**
   * `"dynamic"` (default): the kernel tracks the NAPI ids of the sockets used by ops;
   * `"static"`: only ids added explicitly. Linux 6.13 for anything but the default.
   */
  tracking?: "dynamic" | "static";
}

/** @internal `Ring.registerEventfd()`. */
export function registerEventfd(ring: RingHandle, fd: number, options: EventfdOptions = {}): void {
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
    throw new RangeError(`fd must be an integer in 0..2**31-1, got ${fd}`);
  }
  const arg = new Int32Array([fd]);
  const op = options.async ? RegisterOp.EVENTFD_ASYNC : RegisterOp.EVENTFD;
  ring.register(op, new Uint8Array(arg.buffer), 1);
}

/** @internal `Ring.registerSyncCancel()`. */
export function syncCancel(ring: RingHandle, o: SyncCancelOptions): number {
  if (typeof o !== "object" || o === null) throw new TypeError("options must be an object");
  // struct io_uring_sync_cancel_reg { u64 addr; s32 fd; u32 flags;
  //   struct __kernel_timespec timeout; u8 opcode; u8 pad[7]; u64 pad2[3]; } = 64 bytes
  const reg = new Uint8Array(64);
  const v = new DataView(reg.buffer);
  let flags = 0;
  if (o.userData !== undefined) {
    if (!Number.isSafeInteger(o.userData) || o.userData < 0) {
      throw new RangeError(`userData must be an integer in 0..2**53-1, got ${o.userData}`);
    }
    setU64(v, 0, o.userData);
  }
  if (o.fd !== undefined) {
    if (isFixed(o.fd)) {
      v.setInt32(8, o.fd.index, true);
      flags |= CancelFlag.FD | CancelFlag.FD_FIXED;
    } else if (Number.isInteger(o.fd) && o.fd >= 0 && o.fd <= 0x7fffffff) {
      v.setInt32(8, o.fd, true);
      flags |= CancelFlag.FD;
    } else {
      throw new TypeError("fd must be a non-negative fd or a fixed(index) marker");
    }
  }
  if (o.opcode !== undefined) {
    if (!Number.isInteger(o.opcode) || o.opcode < 0 || o.opcode > 255) {
      throw new RangeError(`opcode must be an integer in 0..255, got ${o.opcode}`);
    }
    reg[32] = o.opcode;
    flags |= CancelFlag.OP;
  }
  if (o.userData !== undefined && (flags & (CancelFlag.FD | CancelFlag.OP))) {
    flags |= CancelFlag.USERDATA;
  }
  if (o.all) flags |= CancelFlag.ALL;
  if (o.any) flags |= CancelFlag.ANY;
  v.setUint32(12, flags, true);
  if (o.timeout === undefined) {
    v.setBigInt64(16, -1n, true);
    v.setBigInt64(24, -1n, true);
  } else {
    reg.set(timespec(o.timeout), 16);
  }
  return ring.register(RegisterOp.SYNC_CANCEL, reg, 1);
}

function napiSettings(bytes: Uint8Array): NapiSettings {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { busyPollTimeout: v.getUint32(0, true), preferBusyPoll: bytes[4] !== 0 };
}

/** @internal `Ring.registerNapi()`. */
export function registerNapi(ring: RingHandle, o: NapiOptions): NapiSettings {
  if (typeof o !== "object" || o === null) throw new TypeError("options must be an object");
  const us = o.busyPollTimeout;
  if (!Number.isInteger(us) || us < 0 || us > 0xffffffff) {
    throw new RangeError(`busyPollTimeout must be an integer number of microseconds, got ${us}`);
  }
  const tracking = o.tracking ?? "dynamic";
  if (tracking !== "dynamic" && tracking !== "static") {
    throw new TypeError(`tracking must be "dynamic" or "static", got ${tracking}`);
  }
  // struct io_uring_napi { u32 busy_poll_to; u8 prefer_busy_poll; u8 opcode; u8 pad[2];
  //   u32 op_param; u32 resv; } = 16 bytes; opcode 0 = IO_URING_NAPI_REGISTER_OP,
  //   op_param = IO_URING_NAPI_TRACKING_DYNAMIC (0) or _STATIC (1)
  const arg = new Uint8Array(16);
  const v = new DataView(arg.buffer);
  v.setUint32(0, us, true);
  arg[4] = o.preferBusyPoll ? 1 : 0;
  v.setUint32(8, tracking === "static" ? 1 : 0, true);
  ring.register(RegisterOp.NAPI, arg, 1);
  return napiSettings(arg);
}

/** @internal `Ring.unregisterNapi()`. */
export function unregisterNapi(ring: RingHandle): NapiSettings {
  const arg = new Uint8Array(16);
  ring.register(RegisterOp.UNREGISTER_NAPI, arg, 1);
  return napiSettings(arg);
}
