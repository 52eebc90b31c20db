/**
 * `rename`: Deno's `Deno.rename` on io_uring's `renameat`.
 *
 * @module
 */
import { type AsyncRing, defaultRing } from "../async/mod.ts";
import { checkPath, Op, pathOf } from "../sys/mod.ts";
import { _checkSpecialFile, _nulTwoPathError, _opError2 } from "./_common.ts";
import { _twoPathOp } from "./_path_ops.ts";

/**
 * Both paths of `rename`/`link` as strings, checked as Deno checks them: read and write access to
 * `oldpath`, write access to `newpath`, then NUL bytes in either.
 */
export function _checkedPair(
  oldpath: string | URL,
  newpath: string | URL,
  op: string,
): [string, string] {
  const from = pathOf(oldpath);
  const to = pathOf(newpath);
  checkPath("read", from);
  checkPath("write", from);
  checkPath("write", to);
  _checkSpecialFile(from, true);
  _checkSpecialFile(to, true);
  const nul = _nulTwoPathError(op, from, to);
  if (nul !== undefined) throw nul;
  return [from, to];
}

/** `rename` on `io`; see {@link rename}. */
export async function _renameOn(
  io: AsyncRing,
  oldpath: string | URL,
  newpath: string | URL,
): Promise<void> {
  const [from, to] = _checkedPair(oldpath, newpath, "rename");
  try {
    await _twoPathOp(io, "rename", Op.RENAMEAT, from, to, 0);
  } catch (e) {
    throw _opError2(e, "rename", from, to);
  }
}

/**
 * Renames (moves) `oldpath` to `newpath`, like `Deno.rename`: a file or directory at `newpath`
 * is replaced where rename(2) allows it. Checked as Deno checks it (read and write access to
 * `oldpath`, write access to `newpath`); errors are Deno's, naming both paths (`No such file or
 * directory (os error 2): rename '/a' -> '/b'`). `io_uring_prep_renameat(3)`. Linux 5.11.
 *
 * @param oldpath a path or a `file:` URL
 * @param newpath a path or a `file:` URL
 * @throws {Deno.errors.NotFound} when `oldpath` does not exist
 * @throws {Deno.errors.IsADirectory} a file onto a directory
 * @throws {Deno.errors.NotADirectory} a directory onto a file
 * @throws {Error} `EXDEV` across file systems, `ENOTEMPTY` onto a directory that is not empty
 * @throws {Deno.errors.NotCapable} where `--allow-read`/`--allow-write` do not reach the paths
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { rename } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a`, "x");
 * await rename(`${dir}/a`, `${dir}/b`);
 * assertEquals(await Deno.readTextFile(`${dir}/b`), "x");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function rename(oldpath: string | URL, newpath: string | URL): Promise<void> {
  return _renameOn(defaultRing(), oldpath, newpath);
}
