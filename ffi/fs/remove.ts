/**
 * `remove`: Deno's `Deno.remove` on io_uring's `unlinkat`.
 *
 * @module
 */
import { type AsyncRing, defaultRing } from "../async/mod.ts";
import { denoFsError, Errno, Op, UringError } from "../sys/mod.ts";
import { _checkedPath, _withErrno } from "./_common.ts";
import { _pathOp } from "./_path_ops.ts";

// Deno's own, taken at load: a program (or a test harness) may swap `Deno.x` for this module's.
const denoRemove = Deno.remove;
const denoReadDir = Deno.readDir;

/** Entries of one directory unlinked at once, at most. */
const BATCH = 1024;

/** `remove` on `io`; see {@link remove}. */
export async function _removeOn(
  io: AsyncRing,
  path: string | URL,
  options?: Deno.RemoveOptions,
): Promise<void> {
  // Deno checks no special files here (its remove is no open).
  const p = _checkedPath(path, "write", "remove", false);
  const recursive = !!options?.recursive;
  if (recursive) checkWholeTree(p);
  try {
    // A file (or link) in one op; a directory is told by EISDIR (Linux's unlink of one).
    await _pathOp(io, "unlink", Op.UNLINKAT, p, 0, 0);
    return;
  } catch (e) {
    if (!(e instanceof UringError)) throw e;
    if (e.errno !== Errno.EISDIR) throw denoFsError(e.errno, "remove", p);
  }
  if (recursive && !readable(p)) {
    // The tree can be walked only with read access; Deno's needs just write access.
    try {
      return await denoRemove(p, { recursive: true });
    } catch (e) {
      throw _withErrno(e);
    }
  }
  try {
    if (recursive) await removeTree(io, p, true);
    else await io.unlink(p, { dir: true });
  } catch (e) {
    const errno = errnoOf(e);
    if (errno === undefined) throw e;
    throw denoFsError(errno, "remove", p);
  }
}

/**
 * Deno's strict check for a recursive remove: a `--deny-write` path inside the tree forbids it
 * (the query says "granted" but `partial`).
 */
function checkWholeTree(path: string): void {
  const status = Deno.permissions.querySync({ name: "write", path });
  if (status.state === "granted" && status.partial) {
    throw new Deno.errors.NotCapable(
      `Requires write access to "${path}", run again with the --allow-write flag`,
    );
  }
}

function readable(path: string): boolean {
  return Deno.permissions.querySync({ name: "read", path }).state === "granted";
}

function errnoOf(e: unknown): number | undefined {
  if (e instanceof UringError) return e.errno;
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? (Errno as Record<string, number>)[code] : undefined;
}

/**
 * Empties and removes directory `dir`, as Rust's `remove_dir_all` (what Deno runs): each
 * directory listed (`Deno.readDir`: io_uring has no `getdents`), its entries unlinked in
 * parallel batches (subdirectories emptied the same way), then the directory. Entries that
 * vanish meanwhile are no error. Every op of a batch has settled before this returns.
 */
async function removeTree(io: AsyncRing, dir: string, top: boolean): Promise<void> {
  const names: string[] = [];
  const dirs: boolean[] = [];
  try {
    for await (const entry of denoReadDir(dir)) {
      names.push(entry.name);
      dirs.push(entry.isDirectory);
    }
  } catch (e) {
    if (!top && errnoOf(e) === Errno.ENOENT) return;
    throw e;
  }
  const base = dir.endsWith("/") ? dir : `${dir}/`;
  for (let at = 0; at < names.length; at += BATCH) {
    const jobs: Promise<void>[] = [];
    for (let i = at; i < Math.min(at + BATCH, names.length); i++) {
      jobs.push(removeEntry(io, base + names[i], dirs[i]));
    }
    const settled = await Promise.allSettled(jobs);
    for (const s of settled) if (s.status === "rejected") throw s.reason;
  }
  try {
    await io.unlink(dir, { dir: true });
  } catch (e) {
    if (top || !(e instanceof UringError) || e.errno !== Errno.ENOENT) throw e;
  }
}

async function removeEntry(io: AsyncRing, path: string, isDir: boolean): Promise<void> {
  if (!isDir) {
    try {
      return await io.unlink(path);
    } catch (e) {
      if (!(e instanceof UringError)) throw e;
      if (e.errno === Errno.ENOENT) return;
      if (e.errno !== Errno.EISDIR) throw e; // EISDIR: a directory the listing did not type
    }
  }
  await removeTree(io, path, false);
}

/**
 * Removes a file, a symbolic link or an empty directory, like `Deno.remove`; with `recursive`,
 * a directory and everything in it. Checked against `--allow-write` as Deno checks it; errors
 * are Deno's (`Directory not empty (os error 39): remove '/d'`). `io_uring_prep_unlinkat(3)`
 * (a file in one op, a directory in two); a tree is listed with `Deno.readDir` (io_uring has no
 * `getdents`: with `--allow-write` but no read access to the tree, `Deno.remove` removes it)
 * and each directory's entries are unlinked in parallel batches. Linux 5.11.
 *
 * @param path a path or a `file:` URL
 * @param options `recursive`
 * @throws {Deno.errors.NotFound} when `path` does not exist
 * @throws {Error} `Directory not empty` (code `ENOTEMPTY`) without `recursive`
 * @throws {Deno.errors.NotCapable} where `--allow-write` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { remove } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/f`, "x");
 * await remove(dir, { recursive: true });
 * await assertRejects(() => Deno.stat(dir), Deno.errors.NotFound);
 * ```
 */
export function remove(path: string | URL, options?: Deno.RemoveOptions): Promise<void> {
  return _removeOn(defaultRing(), path, options);
}
