/**
 * `eventfd()`: an eventfd(2) for `Ring.registerEventfd()`. Deno has no eventfd of its own, so the
 * shim makes one.
 *
 * @module
 */
import { check } from "./errors.ts";
import { native } from "./loader.ts";

/**
 * `EFD_*` flags for {@link eventfd}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { eventfd, EventfdFlag, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const efd = eventfd(0, EventfdFlag.CLOEXEC | EventfdFlag.NONBLOCK);
 * ring.getSqe()!.prepClose(efd);
 * ring.submitAndWait(1);
 * assertEquals(ring.waitCqe()!.res, 0);
 * ```
 */
export const EventfdFlag = {
  /** Reads return 1 and decrement the counter by 1, instead of returning and zeroing it. */
  SEMAPHORE: 1,
  /** Non-blocking reads: `EAGAIN` when the counter is 0. */
  NONBLOCK: 0o4000,
  /** Close the fd on exec (the default). */
  CLOEXEC: 0o2000000,
} as const;

/**
 * Makes an eventfd(2): a 64-bit counter that a ring adds to when it posts CQEs, after
 * `ring.registerEventfd(fd)` (at least once per batch of CQEs, not once per CQE). Read it with
 * an 8-byte io_uring read (`prepRead(fd, u8x8, 0)`), which returns the count and zeroes it (an
 * io_uring read of a zero counter waits, whatever `NONBLOCK`, unless the SQE's `opFlags` has
 * `RWF_NOWAIT` = 8); close it with `prepClose(fd)` when done.
 *
 * @param initval the counter's start value
 * @param flags `EventfdFlag` bits; default `EventfdFlag.CLOEXEC`
 * @returns the new fd
 * @throws {UringError} when the kernel refuses (EMFILE: too many open fds)
 * @throws {RangeError} for a bad `initval`
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { eventfd, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const efd = eventfd();
 * ring.registerEventfd(efd);
 * ring.getSqe()!.prepNop();
 * ring.submitAndWait(1);
 * ring.waitCqe();
 * const count = new BigUint64Array(1);
 * const sqe = ring.getSqe()!;
 * sqe.prepRead(efd, new Uint8Array(count.buffer), 0);
 * ring.submitAndWait(1);
 * assert(ring.waitCqe()!.res === 8 && count[0] >= 1n);
 * ring.unregisterEventfd();
 * ring.getSqe()!.prepClose(efd);
 * ring.submitAndWait(1);
 * ```
 */
export function eventfd(initval: number = 0, flags: number = EventfdFlag.CLOEXEC): number {
  if (!Number.isInteger(initval) || initval < 0 || initval > 0xffffffff) {
    throw new RangeError(`initval must be an integer in 0..2**32-1, got ${initval}`);
  }
  return check(native().uring_eventfd(initval, flags | 0), "eventfd");
}
