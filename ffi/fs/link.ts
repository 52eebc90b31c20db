/**
 * `link`: Deno's `Deno.link` on io_uring's `linkat`.
 *
 * @module
 */
import { type AsyncRing, defaultRing } from "../async/mod.ts";
import { _opError2 } from "./_common.ts";
import { _checkedPair } from "./rename.ts";

/** `link` on `io`; see {@link link}. */
export async function _linkOn(
  io: AsyncRing,
  oldpath: string | URL,
  newpath: string | URL,
): Promise<void> {
  const [from, to] = _checkedPair(oldpath, newpath, "link");
  try {
    await io.link(from, to);
  } catch (e) {
    throw _opError2(e, "link", from, to);
  }
}

/**
 * Makes `newpath` a hard link to `oldpath`, like `Deno.link` (a symbolic link `oldpath` is not
 * followed). Checked as Deno checks it (read and write access to `oldpath`, write access to
 * `newpath`); errors are Deno's, naming both paths (`File exists (os error 17): link '/a' ->
 * '/b'`). `io_uring_prep_linkat(3)`. Linux 5.15. (Deno's takes strings only; a `file:` URL is
 * accepted here too.)
 *
 * @param oldpath the existing file
 * @param newpath the new name
 * @throws {Deno.errors.NotFound} when `oldpath` does not exist
 * @throws {Deno.errors.AlreadyExists} when `newpath` exists
 * @throws {Deno.errors.PermissionDenied} `oldpath` is a directory (`EPERM`)
 * @throws {Deno.errors.NotCapable} where `--allow-read`/`--allow-write` do not reach the paths
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { link } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a`, "x");
 * await link(`${dir}/a`, `${dir}/b`);
 * assertEquals((await Deno.stat(`${dir}/a`)).nlink, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function link(oldpath: string | URL, newpath: string | URL): Promise<void> {
  return _linkOn(defaultRing(), oldpath, newpath);
}
