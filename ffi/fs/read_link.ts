/**
 * `readLink`: Deno's `Deno.readLink` (io_uring has no `readlink`).
 *
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { pathOf } from "../sys/mod.ts";
import { _denoCall } from "./_common.ts";

// Deno's own, taken at load: a program (or a test harness) may swap `Deno.x` for this module's.
const denoReadLink = Deno.readLink;

/** `readLink` on `io` (which it does not use); see {@link readLink}. */
export function _readLinkOn(_io: AsyncRing, path: string | URL): Promise<string> {
  return readLink(path);
}

/**
 * The target of the symbolic link `path`, as stored, like `Deno.readLink`. io_uring has no op
 * for readlink(2), so this is Deno's own `Deno.readLink`: the same result, `--allow-read` check
 * and errors (`Invalid argument (os error 22): readlink '/f'` for a file that is no link), with
 * `errno` set as on the module's other errors.
 *
 * @param path a path or a `file:` URL
 * @returns the link's target
 * @throws {Deno.errors.NotFound} when `path` does not exist
 * @throws {TypeError} (code `EINVAL`) when `path` is not a symbolic link
 * @throws {Deno.errors.NotCapable} where `--allow-read` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readLink } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.symlink("../elsewhere", `${dir}/link`);
 * assertEquals(await readLink(`${dir}/link`), "../elsewhere");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function readLink(path: string | URL): Promise<string> {
  const p = pathOf(path);
  return _denoCall(() => denoReadLink(p));
}
