/**
 * `readDir`: Deno's `Deno.readDir` (io_uring has no `getdents`).
 *
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { pathOf } from "../sys/mod.ts";
import { _withErrno } from "./_common.ts";

// Deno's own, taken at load: a program (or a test harness) may swap `Deno.x` for this module's.
const denoReadDir = Deno.readDir;

/** `readDir` on `io` (which it does not use); see {@link readDir}. */
export function _readDirOn(_io: AsyncRing, path: string | URL): AsyncIterable<Deno.DirEntry> {
  return readDir(path);
}

/**
 * The entries of directory `path`, like `Deno.readDir`: an async iterable of `Deno.DirEntry`
 * (`name`, `isFile`, `isDirectory`, `isSymlink`), without `.` and `..`, in the order the file
 * system gives. io_uring has no op to list a directory (`getdents64`), so this is Deno's own
 * `Deno.readDir` (a thread-pool call per batch of entries): the same entries, the same lazy
 * `--allow-read` check and errors on the first `next()` (`No such file or directory (os error
 * 2): readdir '/x'`), with `errno` set as on the module's other errors.
 *
 * @param path a path or a `file:` URL
 * @returns an async iterable of the entries
 * @throws {Deno.errors.NotFound} (from the iteration) when `path` does not exist
 * @throws {Deno.errors.NotADirectory} (from the iteration) when `path` is not a directory
 * @throws {Deno.errors.NotCapable} (from the iteration) where `--allow-read` does not reach it
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readDir } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a`, "x");
 * const names = [];
 * for await (const entry of readDir(dir)) names.push(entry.name);
 * assertEquals(names, ["a"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function readDir(path: string | URL): AsyncIterable<Deno.DirEntry> {
  const p = pathOf(path);
  return {
    [Symbol.asyncIterator](): AsyncIterableIterator<Deno.DirEntry> {
      const inner = denoReadDir(p)[Symbol.asyncIterator]();
      return {
        async next(): Promise<IteratorResult<Deno.DirEntry>> {
          try {
            return await inner.next();
          } catch (e) {
            throw _withErrno(e);
          }
        },
        return(value?: unknown): Promise<IteratorResult<Deno.DirEntry>> {
          return inner.return?.(value) ?? Promise.resolve({ value: undefined, done: true });
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
  };
}
