/**
 * What the Deno-shaped file functions share: paths checked the way Deno checks them, Deno's
 * permission checks, and Deno's errors for failed ops (one path or two).
 *
 * @module
 */
import {
  _shownPath,
  checkPath,
  type DenoFsError,
  denoFsError,
  denoOpError,
  Errno,
  nulPathError,
  pathOf,
  UringError,
} from "../sys/mod.ts";

/**
 * `path` as a string (a `file:` URL decoded), checked for `kind` access as Deno checks it
 * (before anything else but the URL; `special`: with Deno's check of `/dev`, `/proc`, `/sys`),
 * then for NUL bytes (Deno's `TypeError` naming `op`).
 */
export function _checkedPath(
  path: string | URL,
  kind: "read" | "write",
  op: string,
  special = true,
): string {
  const p = pathOf(path);
  checkPath(kind, p);
  if (special) _checkSpecialFile(p, kind === "write");
  const nul = nulPathError(p, op);
  if (nul !== undefined) throw nul;
  return p;
}

/** Deno's `all_granted()` asks each of these (`import` too, which not every lib names). */
const ALL: readonly string[] = [
  "read",
  "write",
  "net",
  "env",
  "sys",
  "run",
  "ffi",
  "import",
];
let allGranted: boolean | undefined;

/** Deno's `all_granted()` (`-A`), kept until the current task's microtasks have run. */
function allPermissions(): boolean {
  if (allGranted === undefined) {
    allGranted = ALL.every((name) =>
      Deno.permissions.querySync({ name } as Deno.PermissionDescriptor).state === "granted"
    );
    queueMicrotask(() => allGranted = undefined);
  }
  return allGranted;
}

const HARMLESS = new Set(["/dev/random", "/dev/urandom", "/dev/zero", "/dev/null"]);

/**
 * Deno's `check_special_file`: without `--allow-all`, a path in `/dev`, `/proc` or `/sys` may
 * not be opened, made or stat'ed (but `/dev/null`, `/dev/zero`, `/dev/random`, `/dev/urandom`,
 * `/dev/tty` to read, and `/proc/pressure` and what is in it), whatever `--allow-read`/`--allow-write` say. The
 * path is judged as written, `.` and `..` resolved: where Deno's check follows symbolic links
 * first (`readFile`, `writeFile`, `copyFile`'s source), a link into these directories is not
 * seen, and neither is a relative path while the working directory is in one of them.
 *
 * @throws {Deno.errors.NotCapable} `Requires all access to "<path>", run again with the
 *   --allow-all flag`
 */
export function _checkSpecialFile(path: string, write: boolean): void {
  if (path[0] !== "/") return;
  const c = path.charCodeAt(1) === 47 ? path.replace(/^\/+/, "/") : path; // "//proc" is "/proc"
  if (!c.startsWith("/dev") && !c.startsWith("/proc") && !c.startsWith("/sys")) {
    if (!c.includes("/.")) return; // "/tmp/../proc" needs the walk below
  }
  if (!c.includes("/.") && !c.includes("//")) {
    // Already normal but for a trailing "/" (a path in /dev/shm takes this way per call).
    const normal = c.length > 1 && c.endsWith("/") ? c.slice(0, -1) : c;
    const end = normal.indexOf("/", 1);
    const top = end < 0 ? normal.slice(1) : normal.slice(1, end);
    if (top !== "dev" && top !== "proc" && top !== "sys") return;
    if (HARMLESS.has(normal)) return;
    if (normal === "/dev/tty" && !write) return;
    if (normal === "/proc/pressure" || normal.startsWith("/proc/pressure/")) return;
    if (allPermissions()) return;
    throw new Deno.errors.NotCapable(
      `Requires all access to "${_shownPath(path)}", run again with the --allow-all flag`,
    );
  }
  const parts: string[] = [];
  for (const part of c.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  const top = parts[0];
  if (top !== "dev" && top !== "proc" && top !== "sys") return;
  const normal = `/${parts.join("/")}`;
  if (HARMLESS.has(normal)) return;
  if (normal === "/dev/tty" && !write) return;
  if (top === "proc" && parts[1] === "pressure") return;
  if (allPermissions()) return;
  throw new Deno.errors.NotCapable(
    `Requires all access to "${_shownPath(path)}", run again with the --allow-all flag`,
  );
}

/** A failed op as Deno's error for `op` on `path`; anything else unchanged. */
export function _opError(e: unknown, op: string, path: string): unknown {
  return e instanceof UringError ? denoFsError(e.errno, op, path) : e;
}

/**
 * Deno's error for a two-path op (`rename`, `link`, `symlink`, `copy`): the message names both,
 * `No such file or directory (os error 2): rename '/a' -> '/b'` (`context_two_path` in Deno's
 * `ext/fs/ops.rs`).
 */
export function _twoPathError(errno: number, op: string, from: string, to: string): DenoFsError {
  return denoOpError(errno, `${op} '${from}' -> '${to}'`);
}

/** A failed two-path op as Deno's error; anything else unchanged. */
export function _opError2(e: unknown, op: string, from: string, to: string): unknown {
  return e instanceof UringError ? _twoPathError(e.errno, op, from, to) : e;
}

/** Deno's `TypeError` for a NUL byte in either path of a two-path op, or undefined. */
export function _nulTwoPathError(op: string, from: string, to: string): DenoFsError | undefined {
  if (!from.includes("\0") && !to.includes("\0")) return undefined;
  const err = new TypeError(
    `file name contained an unexpected NUL byte: ${op} '${from}' -> '${to}'`,
  ) as DenoFsError;
  err.code = "EINVAL";
  err.errno = Errno.EINVAL;
  return err;
}

/** A `Deno.errors.*` error of Deno's own function given the `errno` its `code` names. */
export function _withErrno(e: unknown): unknown {
  if (e instanceof Error) {
    const err = e as Partial<DenoFsError>;
    if (typeof err.code === "string" && err.errno === undefined) {
      const n = (Errno as Record<string, number>)[err.code];
      if (n !== undefined) err.errno = n;
    }
  }
  return e;
}

/** Calls Deno's own `fn` (for what io_uring has no op for), its errors given an `errno`. */
export async function _denoCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw _withErrno(e);
  }
}

function granted(desc: Deno.PermissionDescriptor): boolean {
  let state = Deno.permissions.querySync(desc).state;
  // "prompt": ask as Deno's own op would (denied at once without a terminal or --no-prompt).
  if (state === "prompt") state = Deno.permissions.requestSync(desc).state;
  return state === "granted";
}

/**
 * `Deno.symlink`'s check: unscoped `--allow-write` and `--allow-read`, as a path-scoped grant
 * cannot contain a link whose target is resolved only when it is followed.
 *
 * @throws {Deno.errors.NotCapable} with Deno's message
 */
export function _checkSymlinkPermissions(): void {
  if (!granted({ name: "write" }) || !granted({ name: "read" })) {
    throw new Deno.errors.NotCapable(
      "Deno.symlink() requires unscoped --allow-read and --allow-write permissions; " +
        "path-scoped grants (e.g. --allow-write=<path>) are not supported because a " +
        "symlink's target is only resolved when the link is traversed",
    );
  }
}

/** Signals of `{ signal }` options, checked as the whole-file functions check them. */
export function _signalOf(options: { signal?: AbortSignal } | undefined): AbortSignal | undefined {
  if (options === undefined || options === null) return undefined;
  const signal = options.signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError("options.signal must be an AbortSignal");
  }
  return signal;
}
