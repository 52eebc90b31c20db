/**
 * `realPath`: Deno's `Deno.realPath` (io_uring has no `realpath`).
 *
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { pathOf } from "../sys/mod.ts";
import { _denoCall } from "./_common.ts";

// Deno's own, taken at load: a program (or a test harness) may swap `Deno.x` for this module's.
const denoRealPath = Deno.realPath;

/** `realPath` on `io` (which it does not use); see {@link realPath}. */
export function _realPathOn(_io: AsyncRing, path: string | URL): Promise<string> {
  return realPath(path);
}

/**
 * The absolute path of `path` with every symbolic link, `.` and `..` resolved, like
 * `Deno.realPath`. io_uring has no op for it (it is a series of `readlink`s in libc), so this is
 * Deno's own `Deno.realPath`: the same result, `--allow-read` check and errors
 * (`No such file or directory (os error 2): realpath '/x'`), with `errno` set as on the
 * module's other errors.
 *
 * @param path a path or a `file:` URL
 * @returns the resolved absolute path
 * @throws {Deno.errors.NotFound} when `path` (or a link in it) does not exist
 * @throws {Deno.errors.NotCapable} where `--allow-read` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { realPath } from "../../mod.ts";
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.symlink(dir, `${dir}/self`);
 * assertEquals(await realPath(`${dir}/self/self/.`), dir);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function realPath(path: string | URL): Promise<string> {
  const p = pathOf(path);
  return _denoCall(() => denoRealPath(p));
}
