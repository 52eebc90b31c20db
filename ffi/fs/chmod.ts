/**
 * `chmod`: Deno's `Deno.chmod` (io_uring has no `fchmodat`).
 *
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { pathOf } from "../sys/mod.ts";
import { _denoCall } from "./_common.ts";

// Deno's own, taken at load: a program (or a test harness) may swap `Deno.x` for this module's.
const denoChmod = Deno.chmod;

/** `chmod` on `io` (which it does not use); see {@link chmod}. */
export function _chmodOn(_io: AsyncRing, path: string | URL, mode: number): Promise<void> {
  return chmod(path, mode);
}

/**
 * Changes the permission bits of `path` (following symbolic links), like `Deno.chmod`. io_uring
 * has no op for chmod(2), so this is Deno's own `Deno.chmod`: the same `--allow-write` check and
 * errors (`No such file or directory (os error 2): chmod '/x'`), with `errno` set as on the
 * module's other errors.
 *
 * @param path a path or a `file:` URL
 * @param mode the new mode, such as `0o644`
 * @throws {Deno.errors.NotFound} when `path` does not exist
 * @throws {Deno.errors.NotCapable} where `--allow-write` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chmod } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * await chmod(path, 0o640);
 * assertEquals((await Deno.stat(path)).mode! & 0o777, 0o640);
 * await Deno.remove(path);
 * ```
 */
export async function chmod(path: string | URL, mode: number): Promise<void> {
  const p = pathOf(path);
  return await _denoCall(() => denoChmod(p, mode));
}
