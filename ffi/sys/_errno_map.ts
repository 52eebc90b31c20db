/**
 * errno → the error Deno's own file functions throw, in one table.
 *
 * Deno turns an OS error into a Rust `std::io::ErrorKind` (`decode_error_kind` in Rust's
 * `sys/pal/unix`), the kind into a class (`deno_error`'s `get_io_error_class`, the classes of
 * `runtime/js/01_errors.js`), and formats the message as `<strerror> (os error <n>): <op>
 * '<path>'` (`context_path` in `ext/fs/ops.rs`), with `code` set to the errno's name. The
 * drop-in file functions build the same error from a CQE's `-errno`, and add `errno` (Deno's
 * errors have none). Errnos that Rust maps to kinds without a Deno class (`ENAMETOOLONG`,
 * `EIO`, `ENOSPC`, ...) are plain `Error`s in Deno too; `EINVAL` is a `TypeError`.
 *
 * @module
 */
import { errnoName } from "./errors.ts";

/**
 * What the drop-in file functions' errors carry besides Deno's class and message.
 *
 * @example
 * ```ts
 * import { assert, assertRejects } from "@std/assert";
 * import { AsyncRing, type DenoFsError } from "../../mod.ts";
 * await using io = new AsyncRing();
 * const e = await assertRejects(() => io.readFile("/no/such/file"), Deno.errors.NotFound);
 * const err = e as DenoFsError;
 * assert(err.code === "ENOENT" && err.errno === 2);
 * assert(err.message === "No such file or directory (os error 2): readfile '/no/such/file'");
 * ```
 */
export interface DenoFsError extends Error {
  /** The errno's name, as Deno sets it: `"ENOENT"`. */
  code: string;
  /** The errno (positive): 2 for `ENOENT`. */
  errno: number;
}

type ErrorClass = new (message: string) => Error;

/** errno → [glibc's strerror text, the Deno class (undefined: plain `Error`)]. */
const TABLE: Record<number, readonly [string, ErrorClass | undefined]> = {
  1: ["Operation not permitted", Deno.errors.PermissionDenied],
  2: ["No such file or directory", Deno.errors.NotFound],
  4: ["Interrupted system call", Deno.errors.Interrupted],
  5: ["Input/output error", undefined],
  6: ["No such device or address", undefined],
  9: ["Bad file descriptor", undefined],
  11: ["Resource temporarily unavailable", Deno.errors.WouldBlock],
  12: ["Cannot allocate memory", undefined],
  13: ["Permission denied", Deno.errors.PermissionDenied],
  14: ["Bad address", undefined],
  16: ["Device or resource busy", Deno.errors.Busy],
  17: ["File exists", Deno.errors.AlreadyExists],
  18: ["Invalid cross-device link", undefined],
  19: ["No such device", undefined],
  20: ["Not a directory", Deno.errors.NotADirectory],
  21: ["Is a directory", Deno.errors.IsADirectory],
  22: ["Invalid argument", TypeError],
  23: ["Too many open files in system", undefined],
  24: ["Too many open files", undefined],
  25: ["Inappropriate ioctl for device", undefined],
  26: ["Text file busy", undefined],
  27: ["File too large", undefined],
  28: ["No space left on device", undefined],
  29: ["Illegal seek", undefined],
  30: ["Read-only file system", undefined],
  31: ["Too many links", undefined],
  32: ["Broken pipe", Deno.errors.BrokenPipe],
  36: ["File name too long", undefined],
  37: ["No locks available", undefined],
  38: ["Function not implemented", undefined],
  39: ["Directory not empty", undefined],
  40: ["Too many levels of symbolic links", Deno.errors.FilesystemLoop],
  75: ["Value too large for defined data type", undefined],
  88: ["Socket operation on non-socket", undefined],
  95: ["Operation not supported", undefined],
  97: ["Address family not supported by protocol", undefined],
  98: ["Address already in use", Deno.errors.AddrInUse],
  99: ["Cannot assign requested address", Deno.errors.AddrNotAvailable],
  100: ["Network is down", undefined],
  101: ["Network is unreachable", undefined],
  103: ["Software caused connection abort", Deno.errors.ConnectionAborted],
  104: ["Connection reset by peer", Deno.errors.ConnectionReset],
  105: ["No buffer space available", undefined],
  107: ["Transport endpoint is not connected", Deno.errors.NotConnected],
  110: ["Connection timed out", Deno.errors.TimedOut],
  111: ["Connection refused", Deno.errors.ConnectionRefused],
  113: ["No route to host", undefined],
  122: ["Disk quota exceeded", undefined],
  125: ["Operation canceled", undefined],
};

/**
 * Not an errno: a buffer for the file could not be allocated. Deno's `readFile` then fails with
 * Rust's `ErrorKind::OutOfMemory` ("out of memory: readfile '/dev/zero'", `code` `"ENOMEM"`).
 */
export const OUT_OF_MEMORY = -12;

/**
 * The error Deno's `op` (`"readfile"`, `"writefile"`, `"stat"`, `"lstat"`) throws for `errno`
 * on `path`: `new Deno.errors.NotFound("No such file or directory (os error 2): readfile
 * '/x'")` with `code` `"ENOENT"` and `errno` 2. Without `op`, the message names no op or path,
 * as the errors of Deno's ops on an open file do (`Bad file descriptor (os error 9)`).
 */
export function denoFsError(errno: number, op?: string, path?: string): DenoFsError {
  if (errno === OUT_OF_MEMORY) {
    const err = new Error(`out of memory: ${op} '${path}'`) as DenoFsError;
    err.code = "ENOMEM";
    err.errno = 12;
    return err;
  }
  const entry = TABLE[errno];
  const text = entry?.[0] ?? `Unknown error ${errno}`;
  const Class = entry?.[1] ?? Error;
  const context = op === undefined ? "" : `: ${op} '${path}'`;
  const err = new Class(`${text} (os error ${errno})${context}`) as DenoFsError;
  err.code = errnoName(errno);
  err.errno = errno;
  return err;
}

/**
 * The error Deno's socket functions throw for `errno`: the same class and text as
 * {@link denoFsError}, without an op or path (`Connection refused (os error 111)`).
 */
export function denoNetError(errno: number): DenoFsError {
  const entry = TABLE[errno];
  const text = entry?.[0] ?? `Unknown error ${errno}`;
  const Class = entry?.[1] ?? Error;
  const err = new Class(`${text} (os error ${errno})`) as DenoFsError;
  err.code = errnoName(errno);
  err.errno = errno;
  return err;
}

/**
 * `path` as Deno's file functions take it: a string, or a `file:` URL decoded to its path.
 *
 * @throws {TypeError} for other URLs ("Must be a file URL", as Deno) and non-strings
 */
export function pathOf(path: string | URL): string {
  if (typeof path === "string") return path;
  if (path instanceof URL) {
    if (path.protocol !== "file:") throw new TypeError("Must be a file URL");
    if (path.hostname !== "") throw new TypeError("Invalid file URL: it must not have a host");
    return decodeURIComponent(path.pathname);
  }
  throw new TypeError(`path must be a string or a file: URL, got ${typeof path}`);
}

/**
 * The `TypeError` Deno throws for a path with a NUL byte (`code` `"EINVAL"`), or undefined
 * when `path` has none.
 */
export function nulPathError(path: string, op: string): DenoFsError | undefined {
  if (!path.includes("\0")) return undefined;
  const err = new TypeError(
    `file name contained an unexpected NUL byte: ${op} '${path}'`,
  ) as DenoFsError;
  err.code = "EINVAL";
  err.errno = 22;
  return err;
}

/**
 * Deno's error for `errno` with a context other than one quoted path: an op alone
 * (`No such file or directory (os error 2): tmpfile`), or two paths (`... (os error 2): rename
 * '/a' -> '/b'`, Deno's `context_two_path`). Class, `code` and `errno` as {@link denoFsError}.
 */
export function denoOpError(errno: number, context: string): DenoFsError {
  const entry = TABLE[errno];
  const text = entry?.[0] ?? `Unknown error ${errno}`;
  const Class = entry?.[1] ?? Error;
  const err = new Class(`${text} (os error ${errno}): ${context}`) as DenoFsError;
  err.code = errnoName(errno);
  err.errno = errno;
  return err;
}
