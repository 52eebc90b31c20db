/**
 * `makeTempFile`, `makeTempDir`: Deno's functions on io_uring's `openat` and `mkdirat`.
 *
 * @module
 */
import { _rawOp, type AsyncRing, defaultRing, readFile as readFileRing } from "../async/mod.ts";
import { checkPath, denoOpError, Errno, Op, OpenFlag, pathOf, UringError } from "../sys/mod.ts";
import { _checkSpecialFile } from "./_common.ts";
import { _pathOp } from "./_path_ops.ts";

/** Names tried before giving up, as Deno. */
const MAX_TRIES = 10;

/** The environment the process started with, for `TMPDIR` without `--allow-env`. */
let initialEnv: Promise<string | undefined> | undefined;

/**
 * Rust's `env::temp_dir()`, which Deno uses: `$TMPDIR`, else `/tmp`. Without `--allow-env` for
 * `TMPDIR` the program cannot have changed it, so the value the process started with (read from
 * `/proc/self/environ`) is the one Deno sees.
 */
async function tmpDir(io: AsyncRing): Promise<string> {
  if (Deno.permissions.querySync({ name: "env", variable: "TMPDIR" }).state === "granted") {
    return Deno.env.get("TMPDIR") ?? "/tmp";
  }
  initialEnv ??= readFileRing(io, "/proc/self/environ").then((bytes) => {
    for (const entry of new TextDecoder().decode(bytes).split("\0")) {
      if (entry.startsWith("TMPDIR=")) return entry.slice(7);
    }
    return undefined;
  }, () => undefined);
  return (await initialEnv) ?? "/tmp";
}

/** The directory to make the name in, checked for `--allow-write` as Deno checks it. */
async function checkedDir(io: AsyncRing, dir: string | URL | undefined): Promise<string> {
  if (dir !== undefined && dir !== null) {
    const d = pathOf(dir);
    checkPath("write", d);
    _checkSpecialFile(d, true);
    return d;
  }
  const d = await tmpDir(io);
  try {
    checkPath("write", d);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable)) throw e;
    // Deno does not show the temporary directory's path to a program that may not write there.
    throw new Deno.errors.NotCapable(
      "Requires write access to <TMP>, run again with the --allow-write flag",
    );
  }
  return d;
}

/** Rust's `{:?}` of a one-character string, as Deno quotes a bad character. */
function rustDebug(c: string): string {
  const named: Record<string, string> = {
    "\0": "\\0",
    "\t": "\\t",
    "\n": "\\n",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
  };
  const n = c.codePointAt(0)!;
  const body = named[c] ?? (isControl(n) ? `\\u{${n.toString(16)}}` : c);
  return `"${body}"`;
}

function isControl(n: number): boolean {
  return n <= 0x1f || (n >= 0x7f && n <= 0x9f);
}

/** Deno's check of a prefix or suffix: no control characters, none of `<>:"/\|?*`. */
function checkComponent(component: string): void {
  for (const c of component) {
    if (isControl(c.codePointAt(0)!)) {
      throw new Error(`Invalid control character in prefix or suffix: ${rustDebug(c)}`);
    }
  }
  for (const c of component) {
    if ('<>:"/\\|?*'.includes(c)) {
      throw new Error(`Invalid character in prefix or suffix: ${rustDebug(c)}`);
    }
  }
}

function stringOption(value: unknown, name: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new TypeError(`options.${name} must be a string`);
  return value;
}

const random = new Uint32Array(256);
let randomAt = random.length;

/** A random u64 in hex, at least 8 digits (Deno's `{unique:08x}`). */
function unique(): string {
  if (randomAt === random.length) {
    crypto.getRandomValues(random);
    randomAt = 0;
  }
  const hi = random[randomAt++];
  const lo = random[randomAt++];
  return hi === 0
    ? lo.toString(16).padStart(8, "0")
    : hi.toString(16) + lo.toString(16).padStart(8, "0");
}

/** Rust's `Path::join` of a directory and a file name. */
function join(dir: string, name: string): string {
  if (dir === "") return name;
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/**
 * Tries fresh names until `make` succeeds (up to 10, as Deno).
 *
 * @returns the path made, with `dir` as the caller gave it
 */
async function makeTemp(
  io: AsyncRing,
  options: Deno.MakeTempOptions | undefined,
  op: "tmpfile" | "tmpdir",
  make: (path: string) => Promise<unknown>,
): Promise<string> {
  if (options !== undefined && options !== null && typeof options !== "object") {
    throw new TypeError("options must be an object");
  }
  const dir = await checkedDir(io, options?.dir);
  const prefix = stringOption(options?.prefix, "prefix");
  const suffix = stringOption(options?.suffix, "suffix");
  checkComponent(prefix);
  checkComponent(suffix);
  if (dir.includes("\0")) {
    const err = new TypeError(`file name contained an unexpected NUL byte: ${op}`);
    throw Object.assign(err, { code: "EINVAL", errno: Errno.EINVAL });
  }
  for (let i = 0; i < MAX_TRIES; i++) {
    const path = join(dir, prefix + unique() + suffix);
    try {
      await make(path);
      return path;
    } catch (e) {
      if (!(e instanceof UringError)) throw e;
      if (e.errno !== Errno.EEXIST) throw denoOpError(e.errno, op);
    }
  }
  const what = op === "tmpfile" ? "files" : "dirs";
  throw new Deno.errors.AlreadyExists(`too many temp ${what} exist: ${op}`);
}

const TMPFILE_FLAGS = OpenFlag.WRONLY | OpenFlag.CREAT | OpenFlag.EXCL | OpenFlag.CLOEXEC;

/** `makeTempFile` on `io`; see {@link makeTempFile}. */
export function _makeTempFileOn(io: AsyncRing, options?: Deno.MakeTempOptions): Promise<string> {
  return makeTemp(io, options, "tmpfile", async (path) => {
    const fd = await _pathOp(io, "openat", Op.OPENAT, path, 0o600, TMPFILE_FLAGS);
    await _rawOp(io, "closeFd", Op.CLOSE, fd, 0, 0, 0, 0);
  });
}

/** `makeTempDir` on `io`; see {@link makeTempDir}. */
export function _makeTempDirOn(io: AsyncRing, options?: Deno.MakeTempOptions): Promise<string> {
  return makeTemp(
    io,
    options,
    "tmpdir",
    (path) => _pathOp(io, "mkdir", Op.MKDIRAT, path, 0o700, 0),
  );
}

/**
 * Makes a new empty file (mode 0o600) with a random name and returns its path, like
 * `Deno.makeTempFile`: in `dir` (default: `$TMPDIR`, else `/tmp`), named
 * `<prefix><random hex><suffix>`, the path beginning with `dir` as given. Checked against
 * `--allow-write` as Deno checks it (on `<TMP>` without `dir`); errors are Deno's (`No such file
 * or directory (os error 2): tmpfile`). `io_uring_prep_openat(3)` with `O_CREAT | O_EXCL`, then
 * a close. Linux 5.6.
 *
 * @param options `dir`, `prefix`, `suffix`
 * @returns the new file's path
 * @throws {Deno.errors.NotFound} when `dir` does not exist
 * @throws {Error} `Invalid character in prefix or suffix` for `<>:"/\|?*` or control characters
 * @throws {Deno.errors.NotCapable} where `--allow-write` does not reach the directory
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { makeTempFile } from "../../mod.ts";
 * const path = await makeTempFile({ prefix: "report_", suffix: ".txt" });
 * assert(/\/report_[0-9a-f]{8,16}\.txt$/.test(path));
 * assert((await Deno.stat(path)).isFile);
 * await Deno.remove(path);
 * ```
 */
export function makeTempFile(options?: Deno.MakeTempOptions): Promise<string> {
  return _makeTempFileOn(defaultRing(), options);
}

/**
 * Makes a new empty directory (mode 0o700) with a random name and returns its path, like
 * `Deno.makeTempDir` (options, checks and errors as {@link makeTempFile}; `tmpdir` in the
 * message). `io_uring_prep_mkdirat(3)`. Linux 5.15.
 *
 * @param options `dir`, `prefix`, `suffix`
 * @returns the new directory's path
 * @throws {Deno.errors.NotFound} when `dir` does not exist
 * @throws {Error} `Invalid character in prefix or suffix` for `<>:"/\|?*` or control characters
 * @throws {Deno.errors.NotCapable} where `--allow-write` does not reach the directory
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { makeTempDir } from "../../mod.ts";
 * const dir = await makeTempDir({ prefix: "work_" });
 * assert((await Deno.stat(dir)).isDirectory);
 * await Deno.remove(dir);
 * ```
 */
export function makeTempDir(options?: Deno.MakeTempOptions): Promise<string> {
  return _makeTempDirOn(defaultRing(), options);
}
