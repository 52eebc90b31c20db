/**
 * `utime`: Deno's `Deno.utime` (io_uring has no `utimensat`).
 *
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { pathOf } from "../sys/mod.ts";
import { _denoCall } from "./_common.ts";

// Deno's own, taken at load: a program (or a test harness) may swap `Deno.x` for this module's.
const denoUtime = Deno.utime;

/** `utime` on `io` (which it does not use); see {@link utime}. */
export function _utimeOn(
  _io: AsyncRing,
  path: string | URL,
  atime: number | Date,
  mtime: number | Date,
): Promise<void> {
  return utime(path, atime, mtime);
}

/**
 * Sets the access and modification times of `path` (following symbolic links), like
 * `Deno.utime`: a number is seconds since the epoch, a `Date` is taken to the millisecond.
 * io_uring has no op for utimensat(2), so this is Deno's own `Deno.utime`: the same
 * `--allow-write` check and errors (`No such file or directory (os error 2): utime '/x'`), with
 * `errno` set as on the module's other errors.
 *
 * @param path a path or a `file:` URL
 * @param atime the access time
 * @param mtime the modification time
 * @throws {Deno.errors.NotFound} when `path` does not exist
 * @throws {Deno.errors.NotCapable} where `--allow-write` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { utime } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * await utime(path, 1_000_000, new Date(2_000_000_000));
 * assertEquals((await Deno.stat(path)).mtime, new Date(2_000_000_000));
 * await Deno.remove(path);
 * ```
 */
export async function utime(
  path: string | URL,
  atime: number | Date,
  mtime: number | Date,
): Promise<void> {
  const p = pathOf(path);
  return await _denoCall(() => denoUtime(p, atime, mtime));
}
