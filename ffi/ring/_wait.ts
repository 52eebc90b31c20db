/**
 * The blocking waits of a `Ring`: `io_uring_enter` with `GETEVENTS` (and a timeout, through
 * `IORING_ENTER_EXT_ARG`), entered again when a signal ends the kernel's wait early (`EINTR`)
 * for what is left of the count and of the time. Functions of the two queues, which they read
 * but never import back.
 *
 * @internal
 * @module
 */
import { check, EnterFlag, Errno, SetupFlag, SqRingFlag } from "../sys/mod.ts";
import { loadAcquire } from "../sys/mod.ts";
import type { _CompletionQueue } from "./_cq.ts";
import type { _SubmissionQueue } from "./_sq.ts";
import { type Timespec, timespec } from "./sqe_args.ts";
const { EINTR, ETIME, EBUSY } = Errno;

/**
 * The `performance.now()` time `timeout` from now.
 *
 * @throws {TypeError} / {RangeError} for a bad timeout
 * @internal
 */
export function deadlineAfter(timeout: Timespec): number {
  timespec(timeout); // throws for a bad timeout
  return performance.now() +
    (typeof timeout === "number" ? timeout : timeout.sec * 1000 + timeout.nsec / 1e6);
}

/**
 * CQEs ready, after waiting (**blocking**) for `waitNr` of them, or flushing overflowed CQEs and
 * deferred task work when there are none.
 *
 * @internal
 */
export function readyCqes(sq: _SubmissionQueue, cq: _CompletionQueue, waitNr: number): number {
  const ready = cq.ready();
  if (ready >= waitNr && (ready !== 0 || !sq.needsFlush())) return ready;
  if (waitNr === 0) getEvents(sq, 0);
  else waitFor(sq, cq, waitNr, Infinity, (cq.head() + ready) >>> 0, false);
  return cq.ready();
}

/**
 * Enters the kernel to wait (**blocking**) until `cq.short()` says no more (`waitNr` CQEs are
 * ready, or a timeout op expired since CQ position `from`) or `deadline` (a
 * `performance.now()` time; `Infinity` for none) passes. It enters at least once, so a zero
 * timeout still flushes overflowed CQEs and task work. A signal ends the kernel's wait early
 * (`EINTR`, or a plain return when CQEs are ready or SQEs were submitted): then it enters again
 * with the time left. With `submit`, SQEs the kernel has not taken yet go with each enter
 * (SQPOLL's thread takes them itself).
 *
 * @returns the number of SQEs submitted on the way
 * @internal
 */
export function waitFor(
  sq: _SubmissionQueue,
  cq: _CompletionQueue,
  waitNr: number,
  deadline: number,
  from: number,
  submit: boolean,
): number {
  const want = waitNr < cq.entries ? waitNr : cq.entries;
  let flags = sq.enterFlags | EnterFlag.GETEVENTS;
  if (submit && (sq.flags & SetupFlag.SQPOLL) !== 0) {
    // The same full barrier as in the SQPOLL submit before the look at NEED_WAKEUP.
    Atomics.store(sq.sq32, sq.tailI, sq.pubTail);
    if (Atomics.load(sq.sq32, sq.flagsI) & SqRingFlag.NEED_WAKEUP) {
      flags |= EnterFlag.SQ_WAKEUP;
    }
  }
  let submitted = 0;
  for (let left = deadline - performance.now();;) {
    const n = submit && (sq.flags & SetupFlag.SQPOLL) === 0
      ? (sq.pubTail - loadAcquire(sq.sq32, sq.headI)) >>> 0
      : 0;
    const ret = left === Infinity
      ? sq.enter(n, want, flags)
      : sq.lib.uring_enter_timeout(sq.enterFd, n, want, flags, timespec(left > 0 ? left : 0));
    if (ret > 0 && n !== 0) submitted += ret;
    // ETIME: the time is up with no CQE ready. EBUSY: overflowed CQEs wait for room in the CQ,
    // the caller has to reap first.
    if (ret === -ETIME || ret === -EBUSY) return submitted;
    if (ret < 0 && ret !== -EINTR) check(ret, "io_uring_enter");
    if (!cq.short(waitNr, from)) return submitted;
    left = deadline - performance.now();
    if (left <= 0) return submitted;
  }
}

/**
 * Enters with `GETEVENTS` to flush completion work (waiting for `waitNr` CQEs), again after a
 * signal.
 *
 * @internal
 */
export function getEvents(sq: _SubmissionQueue, waitNr: number): void {
  for (;;) {
    const ret = sq.enter(0, waitNr, sq.enterFlags | EnterFlag.GETEVENTS);
    if (ret === -EINTR) continue;
    if (ret < 0 && ret !== -EBUSY && ret !== -ETIME) check(ret, "io_uring_enter");
    return;
  }
}

/**
 * `Ring.submitAndWait()` on an open ring, `waitNr` checked.
 *
 * @internal
 */
export function submitAndWait(
  sq: _SubmissionQueue,
  cq: _CompletionQueue,
  waitNr: number,
): number {
  const from = cq.cq32[cq.tailI];
  const n = sq.submit(waitNr, EnterFlag.GETEVENTS);
  // A signal ends the kernel's wait early, and the enter then reports only what it submitted.
  if (waitNr !== 0 && cq.short(waitNr, from)) {
    return n + waitFor(sq, cq, waitNr, Infinity, from, true);
  }
  return n;
}

/**
 * `Ring.submitAndWaitTimeout()` on an open ring, with the arguments checked.
 *
 * @internal
 */
export function submitAndWaitUntil(
  sq: _SubmissionQueue,
  cq: _CompletionQueue,
  waitNr: number,
  deadline: number,
): number {
  const from = cq.cq32[cq.tailI];
  // With SQPOLL the kernel thread takes SQEs on its own time: report what this call published.
  const published = (sq.tail - sq.pubTail) >>> 0;
  sq.publish();
  const n = waitFor(sq, cq, waitNr, deadline, from, true);
  return sq.flags & SetupFlag.SQPOLL ? published : n;
}

/**
 * `Ring.sqringWait()` on an open ring.
 *
 * @internal
 */
export function sqringWait(sq: _SubmissionQueue): void {
  if (!(sq.flags & SetupFlag.SQPOLL)) return;
  if (sq.spaceLeft() > 0) return;
  for (;;) {
    const ret = sq.enter(0, 0, sq.enterFlags | EnterFlag.SQ_WAIT);
    if (ret < 0 && ret !== -EINTR) check(ret, "io_uring_enter");
    // A signal ends the kernel's wait (EINTR): wait again unless there is room now.
    if (ret >= 0 || sq.spaceLeft() > 0) return;
  }
}
