/**
 * `readFile`, `readTextFile`, `writeFile`, `writeTextFile`, `stat`, `lstat`: Deno's whole-file
 * functions on the module's ring (the machinery is `AsyncRing`'s), with Deno's permission checks.
 *
 * @module
 */
import {
  AsyncRing,
  defaultRing,
  lstat as lstatRing,
  readFile as readFileRing,
  readFiles as readFilesRing,
  type ReadFilesOptions,
  readTextFile as readTextFileRing,
  stat as statRing,
  writeFile as writeFileRing,
  writeTextFile as writeTextFileRing,
} from "../async/mod.ts";
import { checkPath, pathOf } from "../sys/mod.ts";
import { _checkSpecialFile } from "./_common.ts";

/** `path` as a string, checked for `kind` access as Deno's function checks it. */
function checked(path: string | URL, kind: "read" | "write"): string {
  const p = pathOf(path);
  checkPath(kind, p);
  _checkSpecialFile(p, kind === "write");
  return p;
}

/** `readFile` on `io`, with Deno's `--allow-read` check. */
export function _readFileOn(
  io: AsyncRing,
  path: string | URL,
  options?: Deno.ReadFileOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return readFileRing(io, checked(path, "read"), options);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** `readTextFile` on `io`, with Deno's `--allow-read` check. */
export function _readTextFileOn(
  io: AsyncRing,
  path: string | URL,
  options?: Deno.ReadFileOptions,
): Promise<string> {
  try {
    return readTextFileRing(io, checked(path, "read"), options);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** `writeFile` on `io`, with Deno's `--allow-write` check. */
export function _writeFileOn(
  io: AsyncRing,
  path: string | URL,
  data: Uint8Array | ReadableStream<Uint8Array>,
  options?: Deno.WriteFileOptions,
): Promise<void> {
  try {
    return writeFileRing(io, checked(path, "write"), data, options);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** `writeTextFile` on `io`, with Deno's `--allow-write` check. */
export function _writeTextFileOn(
  io: AsyncRing,
  path: string | URL,
  text: string | ReadableStream<string>,
  options?: Deno.WriteFileOptions,
): Promise<void> {
  try {
    return writeTextFileRing(io, checked(path, "write"), text, options);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** `stat` on `io`, with Deno's `--allow-read` check. */
export function _statOn(io: AsyncRing, path: string | URL): Promise<Deno.FileInfo> {
  try {
    return statRing(io, checked(path, "read"));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** `lstat` on `io`, with Deno's `--allow-read` check. */
export function _lstatOn(io: AsyncRing, path: string | URL): Promise<Deno.FileInfo> {
  try {
    return lstatRing(io, checked(path, "read"));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Reads a whole file, like `Deno.readFile`: the same bytes, options (`signal`) and errors
 * (`Deno.errors.NotFound`, `No such file or directory (os error 2): readfile '/x'`), checked
 * against `--allow-read` as Deno checks it. Open, a 16 KiB read, a 1-byte probe and close on
 * io_uring; a longer file is then sized with `statx` and read to its end.
 *
 * @param path a path or a `file:` URL
 * @param options `signal` aborts the read (rejects with its reason)
 * @returns the file's bytes
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `readFile` throws
 * @throws {Deno.errors.NotCapable} where `--allow-read` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readFile } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello");
 * assertEquals(await readFile(path), await Deno.readFile(path));
 * await Deno.remove(path);
 * ```
 */
export function readFile(
  path: string | URL,
  options?: Deno.ReadFileOptions,
): Promise<Uint8Array<ArrayBuffer>>;
/**
 * The ring-first form of {@link readFile}, without Deno's permission check.
 *
 * @deprecated Use `readFile(path)` (the module's ring) or `fsOn(io).readFile(path)`; this form
 *   goes away in the next release.
 */
export function readFile(
  io: AsyncRing,
  path: string | URL,
  options?: Deno.ReadFileOptions,
): Promise<Uint8Array<ArrayBuffer>>;
export function readFile(
  a: AsyncRing | string | URL,
  b?: string | URL | Deno.ReadFileOptions,
  c?: Deno.ReadFileOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  if (a instanceof AsyncRing) return readFileRing(a, b as string | URL, c);
  return _readFileOn(defaultRing(), a, b as Deno.ReadFileOptions | undefined);
}

/**
 * Reads a whole file as UTF-8 text, like `Deno.readTextFile` (invalid bytes become U+FFFD),
 * with Deno's `--allow-read` check and errors.
 *
 * @param path a path or a `file:` URL
 * @param options `signal` aborts the read
 * @returns the text
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `readTextFile` throws
 * @throws {Deno.errors.NotCapable} where `--allow-read` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readTextFile } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "héllo");
 * assertEquals(await readTextFile(path), "héllo");
 * await Deno.remove(path);
 * ```
 */
export function readTextFile(path: string | URL, options?: Deno.ReadFileOptions): Promise<string>;
/**
 * The ring-first form of {@link readTextFile}, without Deno's permission check.
 *
 * @deprecated Use `readTextFile(path)` or `fsOn(io).readTextFile(path)`; this form goes away in
 *   the next release.
 */
export function readTextFile(
  io: AsyncRing,
  path: string | URL,
  options?: Deno.ReadFileOptions,
): Promise<string>;
export function readTextFile(
  a: AsyncRing | string | URL,
  b?: string | URL | Deno.ReadFileOptions,
  c?: Deno.ReadFileOptions,
): Promise<string> {
  if (a instanceof AsyncRing) return readTextFileRing(a, b as string | URL, c);
  return _readTextFileOn(defaultRing(), a, b as Deno.ReadFileOptions | undefined);
}

/**
 * Writes `data` to a file, like `Deno.writeFile`: created when missing (`create`, default
 * true), truncated unless `append`; `createNew` fails with `AlreadyExists` when the file exists;
 * `mode` sets the permissions (also of an existing file, as Deno does, through `Deno.chmod`:
 * io_uring has no op to change a mode). Checked against `--allow-write` as Deno checks it.
 *
 * @param path a path or a `file:` URL
 * @param data the bytes, or a stream of chunks
 * @param options `Deno.WriteFileOptions`
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `writeFile` throws
 * @throws {Deno.errors.NotCapable} where `--allow-write` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeFile } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * await writeFile(path, new TextEncoder().encode("abc"));
 * await writeFile(path, new TextEncoder().encode("def"), { append: true });
 * assertEquals(await Deno.readTextFile(path), "abcdef");
 * await Deno.remove(path);
 * ```
 */
export function writeFile(
  path: string | URL,
  data: Uint8Array | ReadableStream<Uint8Array>,
  options?: Deno.WriteFileOptions,
): Promise<void>;
/**
 * The ring-first form of {@link writeFile}, without Deno's permission check.
 *
 * @deprecated Use `writeFile(path, data)` or `fsOn(io).writeFile(path, data)`; this form goes
 *   away in the next release.
 */
export function writeFile(
  io: AsyncRing,
  path: string | URL,
  data: Uint8Array | ReadableStream<Uint8Array>,
  options?: Deno.WriteFileOptions,
): Promise<void>;
export function writeFile(
  a: AsyncRing | string | URL,
  b: string | URL | Uint8Array | ReadableStream<Uint8Array>,
  c?: Uint8Array | ReadableStream<Uint8Array> | Deno.WriteFileOptions,
  d?: Deno.WriteFileOptions,
): Promise<void> {
  if (a instanceof AsyncRing) {
    return writeFileRing(a, b as string | URL, c as Uint8Array | ReadableStream<Uint8Array>, d);
  }
  return _writeFileOn(
    defaultRing(),
    a,
    b as Uint8Array | ReadableStream<Uint8Array>,
    c as Deno.WriteFileOptions | undefined,
  );
}

/**
 * Writes `text` as UTF-8, like `Deno.writeTextFile` (options as {@link writeFile}), with Deno's
 * `--allow-write` check and errors.
 *
 * @param path a path or a `file:` URL
 * @param text the text, or a stream of strings
 * @param options `Deno.WriteFileOptions`
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `writeTextFile` throws
 * @throws {Deno.errors.NotCapable} where `--allow-write` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeTextFile } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * await writeTextFile(path, "héllo");
 * assertEquals(await Deno.readTextFile(path), "héllo");
 * await Deno.remove(path);
 * ```
 */
export function writeTextFile(
  path: string | URL,
  text: string | ReadableStream<string>,
  options?: Deno.WriteFileOptions,
): Promise<void>;
/**
 * The ring-first form of {@link writeTextFile}, without Deno's permission check.
 *
 * @deprecated Use `writeTextFile(path, text)` or `fsOn(io).writeTextFile(path, text)`; this
 *   form goes away in the next release.
 */
export function writeTextFile(
  io: AsyncRing,
  path: string | URL,
  text: string | ReadableStream<string>,
  options?: Deno.WriteFileOptions,
): Promise<void>;
export function writeTextFile(
  a: AsyncRing | string | URL,
  b: string | URL | ReadableStream<string>,
  c?: string | ReadableStream<string> | Deno.WriteFileOptions,
  d?: Deno.WriteFileOptions,
): Promise<void> {
  if (a instanceof AsyncRing) {
    return writeTextFileRing(a, b as string | URL, c as string | ReadableStream<string>, d);
  }
  return _writeTextFileOn(
    defaultRing(),
    a,
    b as string | ReadableStream<string>,
    c as Deno.WriteFileOptions | undefined,
  );
}

/**
 * File information of `path`, following symbolic links, like `Deno.stat`: every field equal to
 * Deno's, Deno's errors and `--allow-read` check. One `statx` on io_uring.
 *
 * @param path a path or a `file:` URL
 * @returns a `Deno.FileInfo`
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `stat` throws
 * @throws {Deno.errors.NotCapable} where `--allow-read` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stat } from "../../mod.ts";
 * assertEquals(await stat("/"), await Deno.stat("/"));
 * ```
 */
export function stat(path: string | URL): Promise<Deno.FileInfo>;
/**
 * The ring-first form of {@link stat}, without Deno's permission check.
 *
 * @deprecated Use `stat(path)` or `fsOn(io).stat(path)`; this form goes away in the next
 *   release.
 */
export function stat(io: AsyncRing, path: string | URL): Promise<Deno.FileInfo>;
export function stat(a: AsyncRing | string | URL, b?: string | URL): Promise<Deno.FileInfo> {
  if (a instanceof AsyncRing) return statRing(a, b as string | URL);
  return _statOn(defaultRing(), a);
}

/**
 * File information of `path` itself (a symbolic link is not followed), like `Deno.lstat`, with
 * Deno's errors and `--allow-read` check. One `statx` on io_uring.
 *
 * @param path a path or a `file:` URL
 * @returns a `Deno.FileInfo`
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `lstat` throws
 * @throws {Deno.errors.NotCapable} where `--allow-read` does not reach `path`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lstat } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.symlink("/", `${dir}/link`);
 * assertEquals((await lstat(`${dir}/link`)).isSymlink, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function lstat(path: string | URL): Promise<Deno.FileInfo>;
/**
 * The ring-first form of {@link lstat}, without Deno's permission check.
 *
 * @deprecated Use `lstat(path)` or `fsOn(io).lstat(path)`; this form goes away in the next
 *   release.
 */
export function lstat(io: AsyncRing, path: string | URL): Promise<Deno.FileInfo>;
export function lstat(a: AsyncRing | string | URL, b?: string | URL): Promise<Deno.FileInfo> {
  if (a instanceof AsyncRing) return lstatRing(a, b as string | URL);
  return _lstatOn(defaultRing(), a);
}

/** `readFiles` on `io`, with Deno's `--allow-read` check of every path before any is opened. */
export function _readFilesOn(
  io: AsyncRing,
  paths: readonly (string | URL)[],
  options?: ReadFilesOptions,
): Promise<Uint8Array<ArrayBuffer>[]> {
  try {
    if (!Array.isArray(paths)) {
      throw new TypeError("paths must be an array of strings or file: URLs");
    }
    return readFilesRing(io, paths.map((p) => checked(p, "read")), options);
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Reads many whole files at once, beyond what Deno offers: the results are in the order of
 * `paths`, each a buffer of its own as `Deno.readFile` gives, with Deno's errors (the first failure
 * rejects naming its path, once nothing is in flight; nothing stays open). Each file is one
 * hard-linked `openat → read → read` chain on a private ring, hundreds in flight. Checks
 * `--allow-read` for every path, as `Deno.readFile` would.
 *
 * @param paths the files, as strings or `file:` URLs
 * @param options `signal`, and `concurrency` (files in flight, default 256)
 * @returns the files' bytes, in the order of `paths`
 * @throws {Deno.errors.NotFound} and the other errors `Deno.readFile` gives, for the first path
 *   that failed
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readFiles } from "../../mod.ts";
 * const [host, passwd] = await readFiles(["/etc/hostname", "/etc/passwd"]);
 * assertEquals(passwd, await Deno.readFile("/etc/passwd"));
 * assertEquals(host, await Deno.readFile("/etc/hostname"));
 * ```
 */
export function readFiles(
  paths: readonly (string | URL)[],
  options?: ReadFilesOptions,
): Promise<Uint8Array<ArrayBuffer>[]>;
/**
 * The ring-first form of {@link readFiles}, without Deno's permission check.
 *
 * @deprecated Use `readFiles(paths)` or `fsOn(io).readFiles(paths)`; this form goes away in the
 *   next release.
 */
export function readFiles(
  io: AsyncRing,
  paths: readonly (string | URL)[],
  options?: ReadFilesOptions,
): Promise<Uint8Array<ArrayBuffer>[]>;
export function readFiles(
  a: AsyncRing | readonly (string | URL)[],
  b?: readonly (string | URL)[] | ReadFilesOptions,
  c?: ReadFilesOptions,
): Promise<Uint8Array<ArrayBuffer>[]> {
  if (a instanceof AsyncRing) return readFilesRing(a, b as readonly (string | URL)[], c);
  return _readFilesOn(defaultRing(), a, b as ReadFilesOptions | undefined);
}
