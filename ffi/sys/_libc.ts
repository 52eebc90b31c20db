/**
 * The C library calls of the whole module, as one symbol table opened once (`libc()`): the calls
 * io_uring has no opcode for (lseek, flock, futimens, isatty, termios, getaddrinfo, getpeername),
 * the synchronous socket calls `serve()` makes, the socket pair of the engine's wake-up, stdio
 * for the library check, and three helpers that stand in for `Deno.UnsafePointer*`.
 *
 * Why those helpers: `Deno.test({ permissions })` revokes `--allow-ffi` while the test runs, and
 * then every `Deno.UnsafePointer.*`, `Deno.UnsafePointerView` and `Deno.dlopen` call throws
 * `NotCapable`, while calls to symbols opened before keep working. So per-call paths take
 * addresses and read memory through libc symbols instead:
 * - `memmove(buf, buf, 0)` returns `buf`'s address (the identity call of {@link addressOf} in
 *   `_memory.ts`; it costs less than `UnsafePointer.of` + `value`);
 * - `memmove` with an integer source copies bytes out of C memory ({@link copyFromAddress});
 * - `__errno_location()` is asked once, as an integer, and errno is then copied from there
 *   ({@link lastErrno}).
 *
 * Addresses the module only reads or frees are declared `usize` (x86-64 and aarch64 pass a
 * pointer and a 64-bit integer the same way), so no pointer object is made.
 *
 * The library is opened a group of functions at a time, at the first use of each; {@link openLibc}
 * opens all of them before a permission-scoped test runs. Buffer addresses (`_memory.ts`) take
 * libc's `memmove` from the native shim's table, opened with the shim: a first op opens no group
 * here.
 *
 * @internal
 * @module
 */

import { openGrouped } from "./_grouped.ts";

/** The C library's symbols the module calls, as `Deno.dlopen` wants them. */
export const libcSymbols = {
  // --- memory: addresses and reads without Deno.UnsafePointer ---
  /** void *memmove(void *dest, const void *src, size_t n): with n = 0, the address of dest */
  memmove: {
    parameters: [
      "buffer", // void *dest
      "buffer", // const void *src
      "usize", // size_t n
    ],
    result: "usize", // void *: dest, as an integer
  },
  /** memmove(3) from an address: copies C memory (errno, struct addrinfo) into a buffer */
  memmoveFrom: {
    name: "memmove",
    parameters: [
      "buffer", // void *dest
      "usize", // const void *src
      "usize", // size_t n
    ],
    result: "usize",
  },
  /** size_t strlen(const char *s) */
  strlen: {
    parameters: [
      "usize", // const char *s
    ],
    result: "usize",
  },
  /** int *__errno_location(void): the calling thread's errno */
  __errno_location: { parameters: [], result: "usize" },

  // --- file descriptors ---
  /** int close(int fd) */
  close: {
    parameters: [
      "i32", // int fd
    ],
    result: "i32",
  },
  /** ssize_t read(int fd, void *buf, size_t count) */
  read: {
    parameters: [
      "i32", // int fd
      "buffer", // void *buf
      "usize", // size_t count
    ],
    result: "isize",
  },
  /** ssize_t write(int fd, const void *buf, size_t count) */
  write: {
    parameters: [
      "i32", // int fd
      "buffer", // const void *buf
      "usize", // size_t count
    ],
    result: "isize",
  },
  /** off_t lseek(int fd, off_t offset, int whence) */
  lseek: {
    parameters: [
      "i32", // int fd
      "i64", // off_t offset
      "i32", // int whence (SEEK_*)
    ],
    result: "i64",
  },
  /** int flock(int fd, int operation) */
  flock: {
    parameters: [
      "i32", // int fd
      "i32", // int operation (LOCK_*)
    ],
    result: "i32",
  },
  /** flock(2) on one of Deno's worker threads: a blocking lock does not stall the event loop */
  flockWait: {
    name: "flock",
    parameters: [
      "i32", // int fd
      "i32", // int operation (LOCK_*)
    ],
    result: "i32",
    nonblocking: true,
  },
  /** int futimens(int fd, const struct timespec times[2]) */
  futimens: {
    parameters: [
      "i32", // int fd
      "buffer", // const struct timespec times[2] (32 bytes)
    ],
    result: "i32",
  },
  /** int isatty(int fd) */
  isatty: {
    parameters: [
      "i32", // int fd
    ],
    result: "i32",
  },
  /** int ftruncate(int fd, off_t length) */
  ftruncate: {
    parameters: [
      "i32", // int fd
      "i64", // off_t length
    ],
    result: "i32",
  },
  /** int fsync(int fd) */
  fsync: {
    parameters: [
      "i32", // int fd
    ],
    result: "i32",
  },
  /** int fdatasync(int fd) */
  fdatasync: {
    parameters: [
      "i32", // int fd
    ],
    result: "i32",
  },
  /** int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf) */
  statx: {
    parameters: [
      "i32", // int dirfd
      "buffer", // const char *path
      "i32", // int flags (AT_*)
      "u32", // unsigned int mask (STATX_*)
      "buffer", // struct statx *buf (256 bytes)
    ],
    result: "i32",
  },
  /** int getrlimit(int resource, struct rlimit *rlim): no fd needed, so it answers at EMFILE */
  getrlimit: {
    parameters: [
      "i32", // int resource (RLIMIT_*)
      "buffer", // struct rlimit *rlim: rlim_cur, rlim_max (u64 each)
    ],
    result: "i32",
  },
  /** int tcgetattr(int fd, struct termios *termios_p) */
  tcgetattr: {
    parameters: [
      "i32", // int fd
      "buffer", // struct termios *termios_p
    ],
    result: "i32",
  },
  /** int tcsetattr(int fd, int optional_actions, const struct termios *termios_p) */
  tcsetattr: {
    parameters: [
      "i32", // int fd
      "i32", // int optional_actions (TCSA*)
      "buffer", // const struct termios *termios_p
    ],
    result: "i32",
  },

  // --- sockets ---
  /** int socket(int domain, int type, int protocol) */
  socket: {
    parameters: [
      "i32", // int domain (AF_*)
      "i32", // int type (SOCK_*, with SOCK_CLOEXEC / SOCK_NONBLOCK)
      "i32", // int protocol
    ],
    result: "i32",
  },
  /** int socketpair(int domain, int type, int protocol, int sv[2]) */
  socketpair: {
    parameters: [
      "i32", // int domain
      "i32", // int type
      "i32", // int protocol
      "buffer", // int sv[2]
    ],
    result: "i32",
  },
  /** int setsockopt(int fd, int level, int name, const void *value, socklen_t len) */
  setsockopt: {
    parameters: [
      "i32", // int fd
      "i32", // int level
      "i32", // int name
      "buffer", // const void *value
      "u32", // socklen_t len
    ],
    result: "i32",
  },
  /** int bind(int fd, const struct sockaddr *addr, socklen_t len) */
  bind: {
    parameters: [
      "i32", // int fd
      "buffer", // const struct sockaddr *addr
      "u32", // socklen_t len
    ],
    result: "i32",
  },
  /** int listen(int fd, int backlog) */
  listen: {
    parameters: [
      "i32", // int fd
      "i32", // int backlog
    ],
    result: "i32",
  },
  /** int getsockname(int fd, struct sockaddr *addr, socklen_t *len) */
  getsockname: {
    parameters: [
      "i32", // int fd
      "buffer", // struct sockaddr *addr
      "buffer", // socklen_t *len (in/out)
    ],
    result: "i32",
  },
  /** int getpeername(int fd, struct sockaddr *addr, socklen_t *len) */
  getpeername: {
    parameters: [
      "i32", // int fd
      "buffer", // struct sockaddr *addr
      "buffer", // socklen_t *len (in/out)
    ],
    result: "i32",
  },

  /** int shutdown(int fd, int how) */
  shutdown: {
    parameters: [
      "i32", // int fd
      "i32", // int how (SHUT_*)
    ],
    result: "i32",
  },
  /** int unlink(const char *path) */
  unlink: {
    parameters: [
      "buffer", // const char *path
    ],
    result: "i32",
  },

  // --- name resolution ---
  /** int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
   *  struct addrinfo **res) */
  getaddrinfo: {
    parameters: [
      "buffer", // const char *node
      "buffer", // const char *service (NULL)
      "buffer", // const struct addrinfo *hints
      "buffer", // struct addrinfo **res (one 64-bit slot)
    ],
    result: "i32",
  },
  /** getaddrinfo(3) on one of Deno's worker threads: a slow resolver does not stall the loop */
  getaddrinfoAsync: {
    name: "getaddrinfo",
    parameters: [
      "buffer", // const char *node
      "buffer", // const char *service (NULL)
      "buffer", // const struct addrinfo *hints
      "buffer", // struct addrinfo **res
    ],
    result: "i32",
    nonblocking: true,
  },
  /** void freeaddrinfo(struct addrinfo *res) */
  freeaddrinfo: {
    parameters: [
      "usize", // struct addrinfo *res
    ],
    result: "void",
  },
  /** const char *gai_strerror(int errcode) */
  gai_strerror: {
    parameters: [
      "i32", // int errcode (EAI_*)
    ],
    result: "usize", // const char *: static text, read with cStringAt()
  },

  // --- stdio, for reading a library without --allow-read ---
  /** FILE *fopen(const char *path, const char *mode) */
  fopen: {
    parameters: [
      "buffer", // const char *path
      "buffer", // const char *mode
    ],
    result: "pointer", // FILE *
  },
  /** size_t fread(void *ptr, size_t size, size_t n, FILE *f) */
  fread: {
    parameters: [
      "buffer", // void *ptr
      "usize", // size_t size
      "usize", // size_t n
      "pointer", // FILE *f
    ],
    result: "usize",
  },
  /** int ferror(FILE *f) */
  ferror: {
    parameters: [
      "pointer", // FILE *f
    ],
    result: "i32",
  },
  /** int fclose(FILE *f) */
  fclose: {
    parameters: [
      "pointer", // FILE *f
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The C library's functions, as {@link libc} returns them. */
export type Libc = Deno.DynamicLibrary<typeof libcSymbols>["symbols"];

/**
 * The symbols in the groups they are opened in (`_grouped.ts`), `memory` at the first call of
 * {@link libc}. {@link openLibc} opens them all, for code about to lose `--allow-ffi` (a
 * `Deno.test` with `permissions`). `address` (the identity `memmove`) is the module's through the
 * native shim's table; this one is opened only when called.
 */
const GROUPS = {
  address: ["memmove"],
  memory: ["memmoveFrom", "strlen", "__errno_location"],
  fd: [
    "close",
    "read",
    "write",
    "lseek",
    "flock",
    "flockWait",
    "futimens",
    "isatty",
    "ftruncate",
    "fsync",
    "fdatasync",
    "statx",
    "getrlimit",
    "tcgetattr",
    "tcsetattr",
  ],
  net: [
    "socket",
    "socketpair",
    "setsockopt",
    "bind",
    "listen",
    "getsockname",
    "getpeername",
    "shutdown",
    "unlink",
    "getaddrinfo",
    "getaddrinfoAsync",
    "freeaddrinfo",
    "gai_strerror",
  ],
  stdio: ["fopen", "fread", "ferror", "fclose"],
} as const satisfies Record<string, readonly (keyof typeof libcSymbols)[]>;
let lib: Libc | undefined;
/** Opens the groups of {@link libc} not opened yet. */
let openRest: (() => void) | undefined;
/** This thread's errno address (JS of one isolate runs on one thread). */
let errnoAt: bigint | undefined;
const errnoBuf = new Int32Array(1);

/**
 * The C library the process runs on (`libc.so.6`): the memory functions (`lastErrno()`'s, C
 * strings) opened on the first call, each other group of functions at the first use of one of
 * them.
 *
 * @returns its functions, {@link libcSymbols}
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { libc } from "./_libc.ts";
 * const fds = new Int32Array(2);
 * assertEquals(libc().socketpair(1, 1 | 0o2000000, 0, fds), 0); // AF_UNIX, SOCK_STREAM | CLOEXEC
 * for (const fd of fds) libc().close(fd);
 * ```
 */
export function libc(): Libc {
  if (lib !== undefined) return lib;
  const grouped = openGrouped(
    "libc.so.6",
    libcSymbols,
    GROUPS,
    "memory",
    "the C library",
    "openLibc() of ffi/sys, or preloadNative()",
  );
  openRest = grouped.openAll;
  return lib = grouped.table as Libc;
}

/**
 * Opens every group of the C library's functions now, so that later calls work where
 * `--allow-ffi` has been revoked since (`Deno.test` with `permissions`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { libc, openLibc } from "./_libc.ts";
 * openLibc();
 * assertEquals(libc().isatty(-1), 0);
 * ```
 */
export function openLibc(): void {
  libc();
  openRest!();
}

/**
 * errno of the last failed libc call on this thread. Read right after the call, with nothing
 * else in between.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lastErrno, libc } from "./_libc.ts";
 * assertEquals(libc().close(-1), -1);
 * assertEquals(lastErrno(), 9); // EBADF
 * ```
 */
export function lastErrno(): number {
  const c = libc();
  errnoAt ??= BigInt(c.__errno_location());
  c.memmoveFrom(errnoBuf, errnoAt, 4n);
  return errnoBuf[0];
}

/**
 * Copies `into.byteLength` bytes of C memory at `address` into `into`.
 *
 * @param address where the bytes are (an address a libc call returned)
 * @param into the buffer to fill
 * @returns `into`
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { copyFromAddress, libc } from "./_libc.ts";
 * const src = new Uint8Array([1, 2, 3, 4]);
 * const at = libc().memmove(src, src, 0n); // src's address
 * assertEquals(copyFromAddress(at + 1n, new Uint8Array(2)), new Uint8Array([2, 3]));
 * ```
 */
export function copyFromAddress<T extends ArrayBufferView>(address: bigint, into: T): T {
  if (into.byteLength > 0) libc().memmoveFrom(into, address, BigInt(into.byteLength));
  return into;
}

/**
 * The NUL-terminated UTF-8 string at `address` (an empty string for address 0).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { cStringAt, libc } from "./_libc.ts";
 * assertEquals(cStringAt(BigInt(libc().gai_strerror(-2))), "Name or service not known");
 * ```
 */
export function cStringAt(address: bigint): string {
  if (address === 0n) return "";
  const n = Number(libc().strlen(address));
  return new TextDecoder().decode(copyFromAddress(address, new Uint8Array(n)));
}
