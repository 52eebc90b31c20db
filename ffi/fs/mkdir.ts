/**
 * `mkdir`: Deno's `Deno.mkdir` on io_uring's `mkdirat`.
 *
 * @module
 */
import { type AsyncRing, defaultRing } from "../async/mod.ts";
import { denoFsError, Errno, Op, StatxMask, UringError } from "../sys/mod.ts";
import { AT_FDCWD } from "../ring/mod.ts";
import { _checkedPath } from "./_common.ts";
import { _pathOp } from "./_path_ops.ts";

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** The mode `options.mode` gives `mkdirat` (Deno passes it on as a u32; the kernel keeps 07777). */
function modeOf(options: Deno.MkdirOptions | undefined): number {
  const mode = options?.mode;
  if (mode === undefined || mode === null) return 0o777;
  if (typeof mode !== "number" || !Number.isFinite(mode)) {
    throw new TypeError(`mode must be a number, got ${String(mode)}`);
  }
  return (mode >>> 0) & 0o7777;
}

/** `mkdir` on `io`; see {@link mkdir}. */
export async function _mkdirOn(
  io: AsyncRing,
  path: string | URL,
  options?: Deno.MkdirOptions,
): Promise<void> {
  const p = _checkedPath(path, "write", "mkdir");
  const mode = modeOf(options);
  if (options?.recursive !== true) {
    try {
      await _pathOp(io, "mkdir", Op.MKDIRAT, p, mode, 0);
    } catch (e) {
      if (e instanceof UringError) throw denoFsError(e.errno, "mkdir", p);
      throw e;
    }
    return;
  }
  if (p === "") return; // Rust's create_dir_all("") succeeds
  const errno = await mkdirAll(io, p, mode);
  if (errno !== 0) throw denoFsError(errno, "mkdir", p);
}

/**
 * Rust's `create_dir_all` (what Deno runs) in at most two round trips: first `mkdir path`
 * hard-linked to a `statx` of it (made, or there already as a directory: done); when a parent
 * is missing, one hard-linked chain makes every ancestor and `path`, and a `statx` of it ends
 * the chain. A failure is reported as Rust reports it: the first error other than "exists"
 * along the chain, unless `path` is a directory in the end.
 *
 * @returns 0, or the errno to report
 */
async function mkdirAll(io: AsyncRing, path: string, mode: number): Promise<number> {
  const buf = new Uint8Array(256);
  const [made, statted] = await io.link(
    (c) => c.mkdir(path, mode).statx(AT_FDCWD, path, 0, StatxMask.TYPE, buf),
    { hardlink: true },
  );
  if (made === 0) return 0;
  if (isDirectory(statted, buf)) return 0;
  const first = (made as UringError).errno;
  if (first !== Errno.ENOENT) return first;
  const prefixes = ancestors(path);
  const results = await io.link((c) => {
    for (const dir of prefixes) c.mkdir(dir, mode);
    c.mkdir(path, mode).statx(AT_FDCWD, path, 0, StatxMask.TYPE, buf);
  }, { hardlink: true });
  const last = results[results.length - 2];
  if (last === 0 || isDirectory(results[results.length - 1], buf)) return 0;
  for (let i = 0; i < results.length - 1; i++) {
    const r = results[i];
    if (r instanceof UringError && r.errno !== Errno.EEXIST) return r.errno;
  }
  return (last as UringError).errno;
}

function isDirectory(res: number | UringError | undefined, buf: Uint8Array): boolean {
  if (res !== 0) return false;
  const mode = buf[0x1c] | (buf[0x1d] << 8); // struct statx: stx_mode, a u16 at 0x1c
  return (mode & S_IFMT) === S_IFDIR;
}

/** The ancestors of `path` to make, outermost first (`a/b/c` → `a`, `a/b`; `/` not made). */
function ancestors(path: string): string[] {
  const out: string[] = [];
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--; // `a/b/` names `a/b`
  for (let i = 1; i < end; i++) {
    if (path[i] === "/" && path[i - 1] !== "/") out.push(path.slice(0, i));
  }
  return out;
}

/**
 * Makes a directory, like `Deno.mkdir`: `recursive` makes the missing parents too (and a
 * directory that exists is no error), `mode` (default 0o777, less the umask) the permissions.
 * Checked against `--allow-write` as Deno checks it; errors are Deno's (`File exists (os error
 * 17): mkdir '/tmp'`). `io_uring_prep_mkdirat(3)`; with `recursive`, at most two round trips
 * (one hard-linked chain of `mkdirat` for all the missing parents). Linux 5.15.
 *
 * @param path a path or a `file:` URL
 * @param options `recursive`, `mode`
 * @throws {Deno.errors.AlreadyExists} when `path` exists (and is not a directory, with
 *   `recursive`)
 * @throws {Deno.errors.NotFound} when a parent is missing (without `recursive`)
 * @throws {Deno.errors.NotCapable} where `--allow-write` does not reach `path`
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { mkdir } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await mkdir(`${dir}/a/b/c`, { recursive: true });
 * assert((await Deno.stat(`${dir}/a/b/c`)).isDirectory);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function mkdir(path: string | URL, options?: Deno.MkdirOptions): Promise<void> {
  return _mkdirOn(defaultRing(), path, options);
}
