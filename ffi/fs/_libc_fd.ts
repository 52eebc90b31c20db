/**
 * The libc calls a file handle makes where io_uring has no opcode (lseek, flock, futimens,
 * isatty, termios) or that its `*Sync` members make on the calling thread, like Deno's own sync
 * ops: the module's one libc table (`libc()` of the system layer), and `flock(2)`'s operations.
 *
 * Each call returns the libc result; a failed synchronous call's errno is read right after it on
 * the same thread (`errno()`), so nothing else may run in between. The one call that runs on a
 * worker thread (`flockWait`, a blocking flock) cannot report its errno: its caller asks again
 * without blocking to learn it (see `_fd_handle.ts`).
 *
 * @internal
 * @module
 */
export { lastErrno as errno, libc } from "../sys/mod.ts";

/** `flock(2)` operations. */
export const LOCK_SH = 1;
/** An exclusive lock. */
export const LOCK_EX = 2;
/** Fail with `EWOULDBLOCK` instead of waiting. */
export const LOCK_NB = 4;
/** Release the lock. */
export const LOCK_UN = 8;
