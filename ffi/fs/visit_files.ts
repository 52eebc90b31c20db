/**
 * `visitFiles`: many files' bytes, each lent to a callback, without a buffer per file.
 *
 * @module
 */
import {
  type AsyncRing,
  defaultRing,
  type VisitFileCallback,
  visitFiles as visitFilesRing,
  type VisitFilesOptions,
} from "../async/mod.ts";
import { checkPath, pathOf } from "../sys/mod.ts";

export type { VisitFileCallback, VisitFilesOptions };

/** `visitFiles` on `io`; see {@link visitFiles}. */
export function _visitFilesOn(
  io: AsyncRing,
  paths: readonly (string | URL)[],
  fn: VisitFileCallback,
  options?: VisitFilesOptions,
): Promise<void> {
  if (Array.isArray(paths)) {
    // Deno.readFile's check, per path, before anything is read.
    for (const p of paths) checkPath("read", pathOf(p));
  }
  return visitFilesRing(io, paths, fn, options);
}

/**
 * Calls `fn(path, bytes, index)` with the bytes of every file of `paths`, without allocating a
 * buffer per file: `bytes` is **lent for the duration of the call**. For jobs over thousands of
 * files (hashing, indexing a tree) where `readFile` per file would allocate each result.
 *
 * The contract of `bytes`:
 * - Valid until `fn` returns or, when `fn` returns a promise, until that promise settles: the
 *   memory is not reused (nor written by the kernel) before then. Afterwards it holds other
 *   files: copy what you keep (`bytes.slice()`).
 * - It cannot be detached: `bytes.buffer.transfer()`, `structuredClone(..., { transfer })`,
 *   `postMessage` transfers and BYOB reads into it throw `TypeError`, so no callback can make
 *   the kernel write into freed memory. Otherwise an ordinary `Uint8Array` over an
 *   `ArrayBuffer`: `crypto.subtle.digest`, `TextDecoder`, `Blob` accept it.
 * - A file longer than 16 KiB is read into a buffer of its own (lent the same way).
 *
 * Each file is one linked `openat_direct -> read -> read` chain, `concurrency` (default 256)
 * at once, on the ring's file reader (see `readFiles`). Callbacks run in the order files complete;
 * `index` says which one it is. Errors: a file that cannot be read goes to `options.onError`
 * (`Deno.errors.*` as `Deno.readFile` throws for it) and the visit goes on; without `onError`
 * the call rejects with the first failure (lowest index) once nothing is in flight, as a
 * `Promise.all` of `Deno.readFile` would reject. A throw or rejection of `fn` stops the visit
 * and rejects with it; aborting `options.signal` rejects with its reason. The promise settles
 * only after every callback has settled and every file is closed. Each path is checked for
 * `--allow-read` as `Deno.readFile` checks it. Linux 5.19.
 *
 * @param paths paths or `file:` URLs
 * @param fn called with each file's path (a string), bytes (lent) and index in `paths`
 * @param options `signal`, `concurrency`, `onError`
 * @throws {Deno.errors.NotFound} and the other errors `Deno.readFile` throws (without `onError`)
 * @throws {Deno.errors.NotCapable} for a path `--allow-read` does not reach
 * @throws {RangeError} for a `concurrency` outside 1..4096
 *
 * @example Sizes of many files
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { visitFiles } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * const paths = ["a", "bb", "ccc"].map((n) => `${dir}/${n}`);
 * for (const p of paths) await Deno.writeTextFile(p, "x".repeat(p.length));
 * const sizes: number[] = [];
 * await visitFiles(paths, (_path, bytes, i) => {
 *   sizes[i] = bytes.length;
 * });
 * assertEquals(sizes, paths.map((p) => p.length));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example Hashing, with an async callback (the bytes stay valid until it settles)
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { visitFiles } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello");
 * const hashes = new Map<string, string>();
 * await visitFiles([path], async (p, bytes) => {
 *   const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
 *   hashes.set(p, Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
 * });
 * assertEquals(
 *   hashes.get(path),
 *   "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
 * );
 * await Deno.remove(path);
 * ```
 */
export function visitFiles(
  paths: readonly (string | URL)[],
  fn: VisitFileCallback,
  options?: VisitFilesOptions,
): Promise<void> {
  return _visitFilesOn(defaultRing(), paths, fn, options);
}
