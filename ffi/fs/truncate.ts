/**
 * `truncate`: Deno's `Deno.truncate` on io_uring's `openat` and `ftruncate`.
 *
 * @module
 */
import { type AsyncRing, defaultRing } from "../async/mod.ts";
import { OpenFlag, UringError } from "../sys/mod.ts";
import { AT_FDCWD } from "../ring/mod.ts";
import { _checkedPath, _opError } from "./_common.ts";

/** Deno's `coerceLen`: a missing or negative length is 0. */
export function _coerceLen(len: number | undefined | null): number {
  if (len === undefined || len === null || len < 0) return 0;
  const n = Math.trunc(Number(len));
  if (!Number.isFinite(n)) throw new TypeError(`len must be a number, got ${String(len)}`);
  return n;
}

/** `truncate` on `io`; see {@link truncate}. */
export async function _truncateOn(io: AsyncRing, name: string | URL, len?: number): Promise<void> {
  const p = _checkedPath(name, "write", "truncate");
  const length = _coerceLen(len);
  try {
    // O_NOFOLLOW as Deno: the check was made on the name, so a link in it is not followed.
    const fd = await io.openat(
      AT_FDCWD,
      p,
      OpenFlag.WRONLY | OpenFlag.NOFOLLOW | OpenFlag.CLOEXEC,
    );
    // Hard-linked: the close runs whatever the ftruncate did.
    const [done, closed] = await io.link((c) => c.ftruncate(fd, length).closeFd(fd), {
      hardlink: true,
    });
    if (done instanceof UringError) throw done;
    if (closed instanceof UringError) throw closed;
  } catch (e) {
    throw _opError(e, "truncate", p);
  }
}

/**
 * Truncates or extends the file `name` to `len` bytes (default 0, extended with zeros), like
 * `Deno.truncate`: the file must exist, and a symbolic link as `name` is refused (`ELOOP`), as
 * Deno refuses it. Checked against `--allow-write` as Deno checks it; errors are Deno's
 * (`No such file or directory (os error 2): truncate '/x'`). `io_uring_prep_openat(3)`, then
 * `io_uring_prep_ftruncate(3)` hard-linked to the close. Linux 6.9. (Deno's takes a string
 * only; a `file:` URL is accepted here too.)
 *
 * @param name a path
 * @param len the new length; missing or negative: 0
 * @throws {Deno.errors.NotFound} when `name` does not exist
 * @throws {Deno.errors.IsADirectory} for a directory
 * @throws {Deno.errors.FilesystemLoop} for a symbolic link
 * @throws {Deno.errors.NotCapable} where `--allow-write` does not reach `name`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { truncate } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello world");
 * await truncate(path, 5);
 * assertEquals(await Deno.readTextFile(path), "hello");
 * await Deno.remove(path);
 * ```
 */
export function truncate(name: string | URL, len?: number): Promise<void> {
  return _truncateOn(defaultRing(), name, len);
}
