/**
 * `symlink`: Deno's `Deno.symlink` on io_uring's `symlinkat`.
 *
 * @module
 */
import { type AsyncRing, defaultRing } from "../async/mod.ts";
import { pathOf } from "../sys/mod.ts";
import { _checkSymlinkPermissions, _nulTwoPathError, _opError2 } from "./_common.ts";

/** `symlink` on `io`; see {@link symlink}. */
export async function _symlinkOn(
  io: AsyncRing,
  oldpath: string | URL,
  newpath: string | URL,
  options?: Deno.SymlinkOptions,
): Promise<void> {
  const from = pathOf(oldpath);
  const to = pathOf(newpath);
  const type = options?.type;
  if (type !== undefined && type !== "file" && type !== "dir" && type !== "junction") {
    throw new TypeError(`options.type must be "file", "dir" or "junction", got ${String(type)}`);
  }
  _checkSymlinkPermissions();
  const nul = _nulTwoPathError("symlink", from, to);
  if (nul !== undefined) throw nul;
  try {
    await io.symlink(from, to);
  } catch (e) {
    throw _opError2(e, "symlink", from, to);
  }
}

/**
 * Makes `newpath` a symbolic link to `oldpath`, like `Deno.symlink` (`oldpath` is stored as
 * given, relative or not, and need not exist; `options.type` matters on Windows only). Needs
 * unscoped `--allow-read` and `--allow-write`, as Deno's does (a link's target is resolved only
 * when it is followed), with Deno's `NotCapable` message; errors are Deno's, naming both paths
 * (`File exists (os error 17): symlink '/a' -> '/b'`). `io_uring_prep_symlinkat(3)`. Linux 5.15.
 *
 * @param oldpath the target the link points at
 * @param newpath the link to make
 * @param options `type` (`"file"`, `"dir"`, `"junction"`), for Windows
 * @throws {Deno.errors.AlreadyExists} when `newpath` exists
 * @throws {Deno.errors.NotFound} when the parent of `newpath` does not exist
 * @throws {Deno.errors.NotCapable} without unscoped `--allow-read` and `--allow-write`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { symlink } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await symlink("target", `${dir}/link`);
 * assertEquals(await Deno.readLink(`${dir}/link`), "target");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function symlink(
  oldpath: string | URL,
  newpath: string | URL,
  options?: Deno.SymlinkOptions,
): Promise<void> {
  return _symlinkOn(defaultRing(), oldpath, newpath, options);
}
