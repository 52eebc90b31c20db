/**
 * `UringError`: a failed io_uring call or CQE, with its errno.
 *
 * @module
 */

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  7: "E2BIG",
  9: "EBADF",
  10: "ECHILD",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  17: "EEXIST",
  18: "EXDEV",
  19: "ENODEV",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  25: "ENOTTY",
  27: "EFBIG",
  28: "ENOSPC",
  29: "ESPIPE",
  30: "EROFS",
  31: "EMLINK",
  32: "EPIPE",
  34: "ERANGE",
  36: "ENAMETOOLONG",
  38: "ENOSYS",
  39: "ENOTEMPTY",
  40: "ELOOP",
  61: "ENODATA",
  62: "ETIME",
  75: "EOVERFLOW",
  77: "EBADFD",
  88: "ENOTSOCK",
  89: "EDESTADDRREQ",
  90: "EMSGSIZE",
  91: "EPROTOTYPE",
  92: "ENOPROTOOPT",
  93: "EPROTONOSUPPORT",
  95: "EOPNOTSUPP",
  97: "EAFNOSUPPORT",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
  100: "ENETDOWN",
  101: "ENETUNREACH",
  103: "ECONNABORTED",
  104: "ECONNRESET",
  105: "ENOBUFS",
  106: "EISCONN",
  107: "ENOTCONN",
  110: "ETIMEDOUT",
  111: "ECONNREFUSED",
  113: "EHOSTUNREACH",
  114: "EALREADY",
  115: "EINPROGRESS",
  125: "ECANCELED",
  512: "ERESTARTSYS",
};

/**
 * The symbolic name of an errno (`9` → `"EBADF"`), or `"E<n>"` when it has none here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errnoName, Ring } from "../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * ring.getSqe()!.prepClose(999_999); // not an open fd
 * ring.submitAndWait(1);
 * assert(errnoName(-ring.waitCqe()!.res) === "EBADF"); // a failed CQE's res is -errno
 * ```
 */
export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `E${errno}`;
}

/** The errno for a name (`"ECANCELED"` → 125), or undefined. */
export function errnoOf(code: string): number | undefined {
  for (const key in ERRNO_NAMES) {
    if (ERRNO_NAMES[key] === code) return Number(key);
  }
  return undefined;
}

/**
 * A failed io_uring system call or operation.
 *
 * `errno` is the positive error number, `code` its name (`"EBADF"`), and `call` the call or
 * operation that failed (`"io_uring_setup"`, `"read"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UringError } from "../mod.ts";
 * const err = new UringError(9, "read");
 * assert(err.code === "EBADF" && err.errno === 9 && err instanceof Error);
 * ```
 */
export class UringError extends Error {
  /** The positive errno. */
  readonly errno: number;
  /** The errno's symbolic name, such as `"ECANCELED"`. */
  readonly code: string;
  /** The call or operation that failed. */
  readonly call: string;

  /**
   * Makes an error for a failed call.
   *
   * @param errno the error number; a negative CQE result is accepted and negated
   * @param call the system call or operation that failed
   * @param hint an extra sentence on the likely cause and what to do
   */
  constructor(errno: number, call: string, hint?: string) {
    const e = Math.abs(errno);
    const code = errnoName(e);
    super(`${call} failed: ${code} (errno ${e})${hint ? `: ${hint}` : ""}`);
    this.name = "UringError";
    this.errno = e;
    this.code = code;
    this.call = call;
  }
}

/** Throws `UringError` when `ret` is a negative errno; returns it otherwise. */
export function check(ret: number, call: string): number {
  if (ret < 0) throw new UringError(-ret, call);
  return ret;
}
