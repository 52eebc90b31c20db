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
  26: ["Text file busy", undefined],
  27: ["File too large", undefined],
  28: ["No space left on device", undefined],
  29: ["Illegal seek", undefined],
  30: ["Read-only file system", undefined],
  31: ["Too many links", undefined],
  32: ["Broken pipe", Deno.errors.BrokenPipe],
  36: ["File name too long", undefined],
  38: ["Function not implemented", undefined],
  39: ["Directory not empty", undefined],
  40: ["Too many levels of symbolic links", Deno.errors.FilesystemLoop],
  75: ["Value too large for defined data type", undefined],
  95: ["Operation not supported", undefined],
  110: ["Connection timed out", Deno.errors.TimedOut],
  122: ["Disk quota exceeded", undefined],
  125: ["Operation canceled", undefined],
};

/**
 * The error Deno's `op` (`"readfile"`, `"writefile"`, `"stat"`, `"lstat"`) throws for `errno`
 * on `path`: `new Deno.errors.NotFound("No such file or directory (os error 2): readfile
 * '/x'")` with `code` `"ENOENT"` and `errno` 2.
 */
export function denoFsError(errno: number, op: string, path: string): DenoFsError {
  const entry = TABLE[errno];
  const text = entry?.[0] ?? `Unknown error ${errno}`;
  const Class = entry?.[1] ?? Error;
  const err = new Class(`${text} (os error ${errno}): ${op} '${path}'`) as DenoFsError;
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
