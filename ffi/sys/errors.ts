/**
 * `UringError`: a failed io_uring call or CQE, with its errno.
 *
 * @module
 */

/**
 * Linux errno values by name, as `UringError.errno` and negative CQE results carry them.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { AsyncRing, Errno, UringError } from "../../mod.ts";
 * await using io = new AsyncRing({ entries: 4 });
 * const err = await assertRejects(() => io.open("/no/such/file"), UringError);
 * assertEquals(err.errno, Errno.ENOENT);
 * ```
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENODATA: 61,
  ETIME: 62,
  EOVERFLOW: 75,
  EBADFD: 77,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ECANCELED: 125,
  ERESTARTSYS: 512,
} as const;

/** Errno's names by number, made at the first {@link errnoName}: not at every import. */
let errnoNames: Record<number, string> | undefined;

/**
 * The symbolic name of an errno (`9` → `"EBADF"`), or `"E<n>"` when it has none here.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { errnoName, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * ring.getSqe()!.prepClose(999_999); // not an open fd
 * ring.submitAndWait(1);
 * assertEquals(errnoName(-ring.waitCqe()!.res), "EBADF"); // a failed CQE's res is -errno
 * ```
 */
export function errnoName(errno: number): string {
  errnoNames ??= Object.fromEntries(Object.entries(Errno).map(([name, n]) => [n, name]));
  return errnoNames[errno] ?? `E${errno}`;
}

/** The errno for a name (`"ECANCELED"` → 125), or undefined. */
export function errnoOf(code: string): number | undefined {
  return Object.hasOwn(Errno, code) ? Errno[code as keyof typeof Errno] : undefined;
}

/**
 * A failed io_uring system call or operation.
 *
 * `errno` is the positive error number, `code` its name (`"EBADF"`), and `call` the call or
 * operation that failed (`"io_uring_setup"`, `"read"`).
 *
 * @example
 * ```ts
 * import { assertEquals, assertInstanceOf } from "@std/assert";
 * import { UringError } from "../../mod.ts";
 * const err = new UringError(9, "read");
 * assertInstanceOf(err, Error);
 * assertEquals([err.code, err.errno, err.message], ["EBADF", 9, "read failed: EBADF (errno 9)"]);
 * ```
 */
export class UringError extends Error {
  /** The positive errno. */
  readonly errno: number;
  /** The errno's symbolic name, such as `"ECANCELED"`. */
  readonly code: string;
  /** The call or operation that failed. */
  readonly call: string;
  /** What it acted on, when known: `'/path'` or `fd 7`. */
  readonly target?: string;

  /**
   * Makes an error for a failed call.
   *
   * @param errno the error number; a negative CQE result is accepted and negated
   * @param call the system call or operation that failed
   * @param hint an extra sentence on the likely cause and what to do
   * @param target what the call acted on (`'/path'`, `fd 7`), named in the message
   */
  constructor(errno: number, call: string, hint?: string, target?: string) {
    const e = Math.abs(errno);
    const code = errnoName(e);
    const on = target === undefined ? "" : ` ${target}`;
    super(`${call}${on} failed: ${code} (errno ${e})${hint ? `: ${hint}` : ""}`);
    this.name = "UringError";
    this.errno = e;
    this.code = code;
    this.call = call;
    if (target !== undefined) this.target = target;
  }
}

/** Throws `UringError` when `ret` is a negative errno; returns it otherwise. */
export function check(ret: number, call: string): number {
  if (ret < 0) throw new UringError(-ret, call);
  return ret;
}
