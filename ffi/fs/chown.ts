/**
 * `chown`: Deno's `Deno.chown` (io_uring has no `fchownat`).
 *
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { pathOf } from "../sys/mod.ts";
import { _denoCall } from "./_common.ts";

// Deno's own, taken at load: a program (or a test harness) may swap `Deno.x` for this module's.
const denoChown = Deno.chown;

/** `chown` on `io` (which it does not use); see {@link chown}. */
export function _chownOn(
  _io: AsyncRing,
  path: string | URL,
  uid: number | null,
  gid: number | null,
): Promise<void> {
  return chown(path, uid, gid);
}

/**
 * Changes the owner and group of `path` (following symbolic links), like `Deno.chown`; `null`
 * keeps one as it is. io_uring has no op for chown(2), so this is Deno's own `Deno.chown`: the
 * same `--allow-write` check and errors (`Operation not permitted (os error 1): chown '/f'`),
 * with `errno` set as on the module's other errors.
 *
 * @param path a path or a `file:` URL
 * @param uid the new owner's user id, or null
 * @param gid the new group id, or null
 * @throws {Deno.errors.NotFound} when `path` does not exist
 * @throws {Deno.errors.PermissionDenied} when the process may not give the file away
 * @throws {Deno.errors.NotCapable} where `--allow-write` does not reach `path`
 *
 * @example
 * ```ts
 * import { chown } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * await chown(path, null, null); // changes nothing, but checks the path
 * await Deno.remove(path);
 * ```
 */
export async function chown(
  path: string | URL,
  uid: number | null,
  gid: number | null,
): Promise<void> {
  const p = pathOf(path);
  return await _denoCall(() => denoChown(p, uid, gid));
}
