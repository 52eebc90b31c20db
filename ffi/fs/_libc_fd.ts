/**
 * The few libc calls a file handle needs that io_uring has no opcode for (lseek, flock,
 * futimens, isatty, termios) or that its `*Sync` members make on the calling thread, like
 * Deno's own sync ops. Loaded from the C library the process already has, on first use.
 *
 * Each call returns the libc result; a failed synchronous call's errno is read right after it on
 * the same thread (`errno()`), so nothing else may run in between. The one call that runs on a
 * worker thread (`flockWait`, a blocking flock) cannot report its errno: its caller asks again
 * without blocking to learn it (see `_fd_handle.ts`).
 *
 * @internal
 * @module
 */

const symbols = {
  /** off_t lseek(int fd, off_t offset, int whence) */
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  /** int flock(int fd, int operation) */
  flock: { parameters: ["i32", "i32"], result: "i32" },
  /** flock(2) on one of Deno's worker threads: a blocking lock does not stall the event loop */
  flockWait: { name: "flock", parameters: ["i32", "i32"], result: "i32", nonblocking: true },
  /** int futimens(int fd, const struct timespec times[2]) */
  futimens: { parameters: ["i32", "buffer"], result: "i32" },
  /** int isatty(int fd) */
  isatty: { parameters: ["i32"], result: "i32" },
  /** int close(int fd) */
  close: { parameters: ["i32"], result: "i32" },
  /** ssize_t read(int fd, void *buf, size_t count) */
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** ssize_t write(int fd, const void *buf, size_t count) */
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** int ftruncate(int fd, off_t length) */
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  /** int fsync(int fd) */
  fsync: { parameters: ["i32"], result: "i32" },
  /** int fdatasync(int fd) */
  fdatasync: { parameters: ["i32"], result: "i32" },
  /** int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf) */
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  /** int tcgetattr(int fd, struct termios *termios_p) */
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  /** int tcsetattr(int fd, int optional_actions, const struct termios *termios_p) */
  tcsetattr: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  /** int *__errno_location(void): this thread's errno */
  __errno_location: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded calls. */
export type LibcFd = Deno.DynamicLibrary<typeof symbols>["symbols"];

let lib: LibcFd | undefined;
let errnoView: Deno.UnsafePointerView | undefined;

/** The C library's calls, opened on first use (glibc's soname, then the unversioned name). */
export function libc(): LibcFd {
  if (lib !== undefined) return lib;
  let last: unknown;
  for (const name of ["libc.so.6", "libc.so"]) {
    try {
      lib = Deno.dlopen(name, symbols).symbols;
      return lib;
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** errno of the last failed libc call on this thread. */
export function errno(): number {
  if (errnoView === undefined) {
    const p = libc().__errno_location();
    if (p === null) throw new Error("__errno_location() returned NULL");
    errnoView = new Deno.UnsafePointerView(p); // the main thread's errno stays where it is
  }
  return errnoView.getInt32();
}

/** `flock(2)` operations. */
export const LOCK_SH = 1;
/** An exclusive lock. */
export const LOCK_EX = 2;
/** Fail with `EWOULDBLOCK` instead of waiting. */
export const LOCK_NB = 4;
/** Release the lock. */
export const LOCK_UN = 8;
