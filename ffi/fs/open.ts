/**
 * `open()` and `create()`: `Deno.open` and `Deno.create` on io_uring, returning an
 * {@link FsFile}.
 *
 * @module
 */
import { type AsyncRing, defaultRing } from "../async/mod.ts";
import {
  checkPath,
  type DenoFsError,
  denoFsError,
  nulPathError,
  OpenFlag,
  pathOf,
  UringError,
} from "../sys/mod.ts";
import { AT_FDCWD } from "../ring/mod.ts";
import { _fsFile, type FsFile } from "./fs_file.ts";

/** Deno's `checkOpenOptions` (`ext/fs/30_fs.js`), with its messages and plain `Error`s. */
function checkOpenOptions(options: Deno.OpenOptions): void {
  if (Object.values(options).filter((v) => v === true).length === 0) {
    throw new Error("'options' requires at least one option to be true");
  }
  if (options.truncate && !options.write) {
    throw new Error("'truncate' option requires 'write' to be true");
  }
  if ((options.create || options.createNew) && !(options.write || options.append)) {
    throw new Error("'create' or 'createNew' options require 'write' or 'append' to be true");
  }
}

/** `mode` as Deno's op reads it: a number, truncated and saturated to a u32; default 0o666. */
function modeOf(mode: unknown): number {
  if (mode === undefined || mode === null) return 0o666;
  if (typeof mode !== "number") {
    throw new TypeError("expected type `v8::data::Number`, got `v8::data::Value`");
  }
  if (Number.isNaN(mode) || mode <= 0) return 0;
  return mode >= 2 ** 32 ? 0xffffffff : Math.trunc(mode);
}

/**
 * `open()` on ring `io`: what `open()` does with the module's default ring.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing } from "../mod.ts";
 * import { openOn } from "./open.ts";
 * await using io = new AsyncRing({ entries: 16 });
 * using file = await openOn(io, "/etc/hostname");
 * assertEquals((await file.stat()).isFile, true);
 * ```
 */
export async function openOn(
  io: AsyncRing,
  path: string | URL,
  options?: Deno.OpenOptions,
): Promise<FsFile> {
  if (options) checkOpenOptions(options);
  const p = pathOf(path);
  const o: Deno.OpenOptions = options ?? { read: true };
  const mode = modeOf(o.mode);
  const read = o.read === true, write = o.write === true, append = o.append === true;
  const truncate = o.truncate === true, create = o.create === true;
  const createNew = o.createNew === true;
  if (read || (!write && !append)) checkPath("read", p);
  if (write || append) checkPath("write", p);
  const nul = nulPathError(p, "open");
  if (nul !== undefined) throw nul;
  // Rust's OpenOptions, which Deno's op uses: the access mode, then the creation mode.
  let flags = OpenFlag.CLOEXEC;
  if (write || append) flags |= read ? OpenFlag.RDWR : OpenFlag.WRONLY;
  if (append) flags |= OpenFlag.APPEND;
  if (append && truncate && !createNew) {
    const err = new TypeError(
      `creating or truncating a file requires write or append access: open '${p}'`,
    ) as DenoFsError;
    err.code = "EINVAL";
    throw err;
  }
  if (createNew) flags |= OpenFlag.CREAT | OpenFlag.EXCL;
  else {
    if (create) flags |= OpenFlag.CREAT;
    if (truncate) flags |= OpenFlag.TRUNC;
  }
  let fd: number;
  try {
    fd = await io.openat(AT_FDCWD, p, flags, mode & 0o7777);
  } catch (e) {
    throw e instanceof UringError ? denoFsError(e.errno, "open", p) : e;
  }
  return _fsFile(io, fd, p);
}

/**
 * Opens a file like `Deno.open`, returning an {@link FsFile}: the same options (`read` by
 * default; `write`, `append`, `truncate`, `create`, `createNew`, `mode`), the same option errors,
 * the same `--allow-read`/`--allow-write` checks (read for reading, write for `write`/`append`),
 * and Deno's errors (`No such file or directory (os error 2): open '/x'`). The file is opened
 * with `io_uring_prep_openat(3)` (Linux 5.6), close-on-exec, on the module's default ring;
 * opening a FIFO waits for its other end in a kernel worker, not on the event loop.
 *
 * @param path a path or a `file:` URL
 * @param options as `Deno.open`'s
 * @returns the open file
 * @throws {Deno.errors.NotFound} and the other errors of `Deno.open`
 * @throws {Deno.errors.NotCapable} when Deno's permissions do not allow the access
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { open } from "../../mod.ts";
 * using file = await open("/etc/hostname");
 * const buf = new Uint8Array(4096);
 * const n = await file.read(buf);
 * assertEquals(buf.subarray(0, n!), await Deno.readFile("/etc/hostname"));
 * await assertRejects(
 *   () => open("/no/such/file"),
 *   Deno.errors.NotFound,
 *   "No such file or directory (os error 2): open '/no/such/file'",
 * );
 * ```
 */
export function open(path: string | URL, options?: Deno.OpenOptions): Promise<FsFile> {
  return openOn(defaultRing(), path, options);
}

/**
 * `create()` on ring `io`.
 *
 * @example
 * ```ts
 * import { AsyncRing } from "../mod.ts";
 * import { createOn } from "./open.ts";
 * await using io = new AsyncRing({ entries: 16 });
 * const path = await Deno.makeTempFile();
 * using file = await createOn(io, path);
 * await file.write(new Uint8Array(1));
 * await Deno.remove(path);
 * ```
 */
export function createOn(io: AsyncRing, path: string | URL): Promise<FsFile> {
  return openOn(io, path, { read: true, write: true, truncate: true, create: true });
}

/**
 * Creates a file (or truncates it) and opens it for reading and writing, like `Deno.create`:
 * `open(path, { read: true, write: true, truncate: true, create: true })`.
 *
 * @param path a path or a `file:` URL
 * @returns the open, empty file
 * @throws {Deno.errors.NotCapable} without read and write access to `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { create } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * {
 *   using file = await create(path);
 *   await file.write(new TextEncoder().encode("new"));
 * }
 * assertEquals(await Deno.readTextFile(path), "new");
 * await Deno.remove(path);
 * ```
 */
export function create(path: string | URL): Promise<FsFile> {
  return createOn(defaultRing(), path);
}
