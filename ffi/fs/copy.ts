/**
 * `copy`: `@std/fs`'s `copy()` on io_uring, whole trees in batches.
 *
 * @module
 */
import {
  type AsyncRing,
  defaultRing,
  readFile as readFileRing,
  type StatxResult,
} from "../async/mod.ts";
import {
  checkPath,
  type DenoFsError,
  denoFsError,
  nulPathError,
  pathOf,
  UringError,
} from "../sys/mod.ts";
import { _CopyFiles, type CopyFailure, FailKind } from "./_copy_many.ts";

// Deno's own, taken at load: a program (or a test harness) may swap `Deno.x` for this module's.
const denoReadDir = Deno.readDir;
const denoReadLink = Deno.readLink;
const denoChmod = Deno.chmod;
const denoUtime = Deno.utime;
const denoCwd = Deno.cwd;

/**
 * Options of {@link copy}, those of `@std/fs`'s `copy()`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { copy, type CopyOptions } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a`, "new");
 * await Deno.writeTextFile(`${dir}/b`, "old");
 * const options: CopyOptions = { overwrite: true };
 * await copy(`${dir}/a`, `${dir}/b`, options);
 * assertEquals(await Deno.readTextFile(`${dir}/b`), "new");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface CopyOptions {
  /** Overwrite files, and merge into directories, that exist at the destination. Default false. */
  overwrite?: boolean;
  /**
   * Give each copied file and directory the access and modification times of its source
   * (symbolic links keep the time they are made at). Default false.
   */
  preserveTimestamps?: boolean;
}

/** Files in flight at once. */
const SLOTS = 64;
/** Deno calls (`chmod`, `utime`, `readLink`) in flight at once. */
const CALLS = 256;

/** `copy` on `io`; see {@link copy}. */
export async function _copyOn(
  io: AsyncRing,
  src: string | URL,
  dest: string | URL,
  options: CopyOptions = {},
): Promise<void> {
  const from = resolvePath(pathOf(src));
  const to = resolvePath(pathOf(dest));
  if (from === to) throw new Error("Source and destination cannot be the same");
  const overwrite = options?.overwrite ?? false;
  const times = options?.preserveTimestamps ?? false;
  const st = await lstatOf(io, from);
  if (st === undefined) throw denoFsError(2, "lstat", from);
  if (st.isDirectory && isSubdir(from, to)) {
    throw new Error(`Cannot copy '${from}' to a subdirectory of itself: '${to}'`);
  }
  const jobs = new Jobs();
  if (st.isSymlink) {
    await checkDest(io, from, to, overwrite, false);
    jobs.links.push(from, to);
  } else if (st.isDirectory) {
    const existing = await checkDest(io, from, to, overwrite, true);
    if (existing === undefined) await mkdirAll(io, to);
    await walk(io, from, to, overwrite, jobs);
  } else if (st.isFile) {
    await checkDest(io, from, to, overwrite, false);
    jobs.files.push(from, to);
  } else return; // a FIFO, socket or device: skipped, as @std/fs does
  await run(io, jobs, overwrite, times);
  if (times && st.isDirectory) await utimeDirs(io, from, to, jobs.dirs);
}

/**
 * Copies a file, a symbolic link or a directory tree, like `@std/fs`'s `copy()` (`cp -r`):
 * the same options (`overwrite`, `preserveTimestamps`), the same checks and errors:
 * - `Error("Source and destination cannot be the same")`, and `Cannot copy '<src>' to a
 *   subdirectory of itself: '<dest>'`;
 * - `Deno.errors.AlreadyExists` (`'<dest>' already exists.`) for an existing destination
 *   without `overwrite`, and `Cannot overwrite non-directory '<dest>' with directory '<src>'`;
 * - Deno's errors of the file functions it stands for, paths made absolute (`No such file or
 *   directory (os error 2): lstat '/abs/src'`, `... copy '/a' -> '/b'`).
 *
 * Files get their source's permission bits (as `Deno.copyFile` gives them), directories are
 * made with `0o777` less the umask (as `Deno.mkdir`), symbolic links are copied as links, and
 * FIFOs, sockets and devices are skipped. Overwriting merges a directory into an existing one and
 * truncates existing files (a destination that is the source itself is refused, as
 * `Deno.copyFile` refuses it); an existing symbolic link at a link's destination fails with
 * `AlreadyExists`, as `Deno.symlink` does. With `preserveTimestamps` files and directories get
 * their source's access and modification times (read before the copy, to the nanosecond);
 * directories get theirs after their contents are written (`@std/fs` sets them before, so that
 * writing the contents then moves them); symbolic links keep theirs (`@std/fs` gives the times
 * to the link's target, through it).
 *
 * How: the tree is walked with `Deno.readDir` (io_uring has no `getdents`), the directories are
 * made level by level (`mkdirat`, all of a level at once), then the files are copied 64 at a
 * time on a ring of their own: a `statx` of the source, then one linked chain
 * `openat -> openat(O_CREAT | O_EXCL) -> read -> write -> read(1 byte)` per file of up to 64 KiB
 * (larger ones go on in `read -> write` pairs), closes with the next submit. Links are read with
 * `Deno.readLink` (no opcode) and made with `symlinkat`. Where the umask takes bits off a file's
 * mode, and for `preserveTimestamps`, `Deno.chmod` and `Deno.utime` do the rest (io_uring has no
 * `fchmod` or `utimensat`). The first error (files by the order of the walk) rejects once
 * nothing is in flight; what was copied until then stays, as with `@std/fs`.
 *
 * Permissions, as `@std/fs`'s `copy()` asks them: read access to the source and every path under
 * it, read and write access to the destination and every path under it; symbolic links need
 * unscoped `--allow-read` and `--allow-write`, as `Deno.symlink` does.
 *
 * @param src the file, link or directory to copy
 * @param dest where the copy goes
 * @param options `overwrite`, `preserveTimestamps`
 * @throws {Deno.errors.NotFound} when `src` does not exist
 * @throws {Deno.errors.AlreadyExists} when `dest` exists and `overwrite` is not set
 * @throws {Deno.errors.NotCapable} where `--allow-read`/`--allow-write` do not reach
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { copy } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/src/sub`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/src/sub/a.txt`, "hello");
 * await copy(`${dir}/src`, `${dir}/dest`);
 * assertEquals(await Deno.readTextFile(`${dir}/dest/sub/a.txt`), "hello");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function copy(
  src: string | URL,
  dest: string | URL,
  options?: CopyOptions,
): Promise<void> {
  return _copyOn(defaultRing(), src, dest, options);
}

/** What a walk found: pairs of (source, destination) paths, flat. */
class Jobs {
  readonly files: string[] = [];
  readonly links: string[] = [];
  /** Directories under the top one, by level: a parent's level comes before its children's. */
  readonly dirs: string[][] = [];
}

/** `@std/path`'s `resolve()` for one POSIX path: absolute, `.`/`..` and `//` resolved. */
function resolvePath(path: string): string {
  const full = path.startsWith("/") ? path : `${denoCwd()}/${path}`;
  const parts: string[] = [];
  for (const part of full.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** `@std/fs`'s `isSubdir()`: `dest` is `src` or under it, component by component. */
function isSubdir(src: string, dest: string): boolean {
  const a = src.split("/"), b = dest.split("/");
  return a.every((part, i) => b[i] === part);
}

/** `lstat` as `@std/fs` calls it (`Deno.lstat`'s checks and errors); undefined when missing. */
async function lstatOf(io: AsyncRing, path: string): Promise<StatxResult | undefined> {
  checkPath("read", path);
  const nul = nulPathError(path, "lstat");
  if (nul !== undefined) throw nul;
  try {
    return await io.statx(path, { followSymlinks: false });
  } catch (e) {
    if (e instanceof UringError) {
      if (e.errno === 2) return undefined;
      throw denoFsError(e.errno, "lstat", path);
    }
    throw e;
  }
}

/** `@std/fs`'s `ensureValidCopy()`: the destination's state, or its errors. */
async function checkDest(
  io: AsyncRing,
  from: string,
  to: string,
  overwrite: boolean,
  isFolder: boolean,
): Promise<StatxResult | undefined> {
  const st = await lstatOf(io, to);
  checkPath("write", to);
  if (st === undefined) return undefined;
  if (isFolder && !st.isDirectory) {
    throw new Error(`Cannot overwrite non-directory '${to}' with directory '${from}'`);
  }
  if (!overwrite) throw new Deno.errors.AlreadyExists(`'${to}' already exists.`);
  return st;
}

/** `Deno.mkdir(path, { recursive: true })` on `io`: the missing parents first. */
async function mkdirAll(io: AsyncRing, path: string): Promise<void> {
  try {
    await io.mkdir(path, 0o777);
  } catch (e) {
    if (!(e instanceof UringError)) throw e;
    if (e.errno === 2 && path !== "/") {
      await mkdirAll(io, path.slice(0, path.lastIndexOf("/")) || "/");
      return mkdirAll(io, path);
    }
    if (e.errno === 17) {
      const st = await io.statx(path).catch(() => undefined);
      if (st?.isDirectory) return;
    }
    throw denoFsError(e.errno, "mkdir", path);
  }
}

/**
 * Walks the tree under `from` (level by level, each level's directories read at once) into
 * `jobs`, and makes each level's directories under `to` before reading the next.
 */
async function walk(
  io: AsyncRing,
  from: string,
  to: string,
  overwrite: boolean,
  jobs: Jobs,
): Promise<void> {
  let level = [from, to];
  while (level.length > 0) {
    const next: string[] = [];
    await limited(level.length / 2, async (i) => {
      const s = level[2 * i], d = level[2 * i + 1];
      for await (const entry of denoReadDir(s)) {
        const sp = `${s}/${entry.name}`, dp = `${d}/${entry.name}`;
        checkPath("read", sp);
        checkPath("write", dp);
        if (entry.isSymlink) jobs.links.push(sp, dp);
        else if (entry.isDirectory) next.push(sp, dp);
        else if (entry.isFile) jobs.files.push(sp, dp);
      }
    });
    if (next.length === 0) break;
    jobs.dirs.push(next);
    await limited(next.length / 2, (i) => makeDir(io, next[2 * i], next[2 * i + 1], overwrite));
    level = next;
  }
}

/** One directory of the tree: made, or (with `overwrite`) an existing directory merged into. */
async function makeDir(io: AsyncRing, s: string, d: string, overwrite: boolean): Promise<void> {
  try {
    await io.mkdir(d, 0o777);
  } catch (e) {
    if (!(e instanceof UringError)) throw e;
    if (e.errno !== 17) throw denoFsError(e.errno, "mkdir", d);
    const st = await lstatOf(io, d);
    if (st === undefined) return makeDir(io, s, d, overwrite); // removed meanwhile
    if (!st.isDirectory) {
      throw new Error(`Cannot overwrite non-directory '${d}' with directory '${s}'`);
    }
    if (!overwrite) throw new Deno.errors.AlreadyExists(`'${d}' already exists.`);
  }
}

/** Calls `fn(0 .. n-1)`, at most `CALLS` at once; rejects with the first error once all settled. */
async function limited(n: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0, failure: unknown, failed = false;
  const worker = async () => {
    while (next < n && !failed) {
      const i = next++;
      try {
        await fn(i);
      } catch (e) {
        if (!failed) {
          failed = true;
          failure = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, CALLS) }, worker));
  if (failed) throw failure;
}

/** The process's umask (`Umask:` of `/proc/self/status`; `Deno.umask()` needs `--allow-sys`). */
async function umaskOf(io: AsyncRing): Promise<number> {
  try {
    const text = new TextDecoder().decode(await readFileRing(io, "/proc/self/status"));
    const m = /\nUmask:\s*([0-7]+)/.exec(text);
    if (m !== null) return parseInt(m[1], 8);
  } catch { /* no /proc: assume the worst, and chmod every file */ }
  return 0o7777;
}

/** Copies the files and links of `jobs`; then the modes and times `Deno` calls must set. */
async function run(io: AsyncRing, jobs: Jobs, overwrite: boolean, times: boolean) {
  const n = jobs.files.length / 2;
  const links = jobs.links.length > 0 ? copyLinks(io, jobs.links, overwrite) : undefined;
  let fileError: unknown;
  let failed = false;
  if (n > 0) {
    const srcs = new Array<string>(n), dests = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      srcs[i] = jobs.files[2 * i];
      dests[i] = jobs.files[2 * i + 1];
    }
    try {
      const umask = await umaskOf(io);
      const engine = new _CopyFiles(Math.min(SLOTS, n));
      let result;
      try {
        result = await engine.run(srcs, dests, overwrite, umask);
      } finally {
        engine.close();
      }
      const { failure, outcome } = result;
      if (failure !== undefined) throw copyError(failure, srcs, dests);
      await limited(n, async (i) => {
        const perm = outcome.chmod[i];
        if (perm >= 0) await denoChmod(dests[i], perm);
        if (times) {
          await denoUtime(dests[i], outcome.atime[i], outcome.mtime[i]);
        }
      });
    } catch (e) {
      failed = true;
      fileError = e;
    }
  }
  if (links !== undefined) {
    try {
      await links;
    } catch (e) {
      if (!failed) throw e;
    }
  }
  if (failed) throw fileError;
}

/** The error of a failed file, as `copy()` reports it. */
function copyError(f: CopyFailure, srcs: string[], dests: string[]): Error {
  const from = srcs[f.index], to = dests[f.index];
  if (f.kind === FailKind.EXISTS) return new Deno.errors.AlreadyExists(`'${to}' already exists.`);
  if (f.kind === FailKind.SAME_FILE) {
    const err = new TypeError(
      `Source and destination paths refer to the same file: copy '${from}' -> '${to}'`,
    ) as DenoFsError;
    err.code = "EINVAL";
    err.errno = 22;
    return err;
  }
  return twoPathError(f.errno, "copy", from, to);
}

/** Deno's error for a two-path op: `<text> (os error N): copy '/a' -> '/b'`. */
function twoPathError(errno: number, op: string, from: string, to: string): DenoFsError {
  // The one-path form quotes `path` as '<path>': the two paths, joined, fit that form.
  return denoFsError(errno, op, `${from}' -> '${to}`);
}

/** Copies symbolic links, pairs (source, destination): `Deno.readLink`, then `symlinkat`. */
async function copyLinks(io: AsyncRing, links: string[], overwrite: boolean): Promise<void> {
  checkSymlinkPermissions();
  await limited(links.length / 2, async (i) => {
    const s = links[2 * i], d = links[2 * i + 1];
    const target = await denoReadLink(s);
    try {
      await io.symlink(target, d);
    } catch (e) {
      if (!(e instanceof UringError)) throw e;
      if (e.errno === 17 && !overwrite) {
        throw new Deno.errors.AlreadyExists(`'${d}' already exists.`);
      }
      throw twoPathError(e.errno, "symlink", target, d);
    }
  });
}

/** `Deno.symlink`'s check: unscoped `--allow-read` and `--allow-write`. */
function checkSymlinkPermissions(): void {
  for (const name of ["write", "read"] as const) {
    let state = Deno.permissions.querySync({ name }).state;
    if (state === "prompt") state = Deno.permissions.requestSync({ name }).state;
    if (state !== "granted") {
      throw new Deno.errors.NotCapable(
        "Deno.symlink() requires unscoped --allow-read and --allow-write permissions; " +
          "path-scoped grants (e.g. --allow-write=<path>) are not supported because a " +
          "symlink's target is only resolved when the link is traversed",
      );
    }
  }
}

/** The directories' times, deepest first (setting a child's does not move its parent's). */
async function utimeDirs(io: AsyncRing, from: string, to: string, dirs: string[][]) {
  for (let l = dirs.length - 1; l >= 0; l--) {
    const level = dirs[l];
    await limited(level.length / 2, (i) => utimeDir(io, level[2 * i], level[2 * i + 1]));
  }
  await utimeDir(io, from, to);
}

async function utimeDir(io: AsyncRing, s: string, d: string): Promise<void> {
  let st: StatxResult;
  try {
    st = await io.statx(s);
  } catch (e) {
    throw e instanceof UringError ? denoFsError(e.errno, "stat", s) : e;
  }
  await denoUtime(d, st.atimeMs / 1000, st.mtimeMs / 1000);
}
