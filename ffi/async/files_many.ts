/**
 * The whole-file functions for many files at once: `readFiles` (every file's bytes) and
 * `visitFiles` (each file's bytes lent to a callback), on the engine's file reader, with the
 * paths, errors and signals of `files.ts`.
 *
 * @module
 */
import { _FileReader, type VisitFn } from "../engine/mod.ts";
import type { FileRing } from "./_file_ring.ts";
import { asDenoError, checkedPath, readWhole, signalOf, sized } from "./files.ts";

/**
 * Options of {@link readFiles} (`AsyncRing.readFiles`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, type ReadFilesOptions } from "../../mod.ts";
 * await using io = new AsyncRing();
 * const options: ReadFilesOptions = { concurrency: 16 };
 * const [a] = await io.readFiles(["/proc/self/stat"], options);
 * assertEquals(a.length > 0, true);
 * ```
 */
export interface ReadFilesOptions {
  /** Aborting stops the reads: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Files open at once, at most; default 256. */
  concurrency?: number;
}

/**
 * Options of {@link visitFiles}: those of {@link ReadFilesOptions}, and `onError`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, visitFiles, type VisitFilesOptions } from "./mod.ts";
 * await using io = new AsyncRing();
 * const missing: string[] = [];
 * const options: VisitFilesOptions = { onError: (_e, path) => missing.push(path) };
 * await visitFiles(io, ["/nonexistent"], () => {}, options);
 * assertEquals(missing, ["/nonexistent"]);
 * ```
 */
export interface VisitFilesOptions extends ReadFilesOptions {
  /**
   * Called (instead of rejecting) for a file that cannot be read, with Deno's error
   * (`Deno.errors.NotFound`, ...: what `Deno.readFile` throws for it), its path and index; the
   * other files are still visited. A throw from it stops the call, which rejects with it.
   */
  onError?: (error: Error, path: string, index: number) => void;
}

/**
 * The callback of {@link visitFiles}: a file's path (as a string), its bytes **lent for the
 * duration of the call** (until it returns, or the promise it returns settles) and its index in
 * `paths`.
 */
export type VisitFileCallback = (
  path: string,
  bytes: Uint8Array<ArrayBuffer>,
  index: number,
) => void | Promise<void>;

const DEFAULT_CONCURRENCY = 256;

/** Each AsyncRing's reader for `readFiles()`, kept until the AsyncRing closes. */
const readers = new WeakMap<FileRing, _FileReader>();

/**
 * The reader kept for `io`, with as many slots as the call can use (`concurrency` or the number
 * of paths, whichever is less, as a power of two up to `DEFAULT_CONCURRENCY`: a one-file call
 * registers one slot), replaced by a larger one when a call needs more; or a `temporary` one,
 * closed after the call, for a call that wants more than `DEFAULT_CONCURRENCY` or finds the kept
 * one busy. Fewer slots when the process's limits refuse more; undefined when not even one fits.
 */
function readerFor(io: FileRing, want: number): {
  reader: _FileReader | undefined;
  temporary: boolean;
} {
  const cur = readers.get(io);
  const usable = cur !== undefined && !cur.closed;
  if (want <= DEFAULT_CONCURRENCY && !(usable && cur.busy)) {
    if (usable && cur.slots >= want) return { reader: cur, temporary: false };
    let size = 1;
    while (size < want) size *= 2;
    const reader = sized(size, (n) => new _FileReader(n));
    if (reader === undefined) return { reader: usable ? cur : undefined, temporary: false };
    if (usable) cur.close();
    readers.set(io, reader);
    io.ring._onClose(() => reader.close());
    return { reader, temporary: false };
  }
  return { reader: sized(want, (n) => new _FileReader(n)), temporary: true };
}

/**
 * `readFiles()` without a reader of its own (the process's limits refused even one slot):
 * `readFile` through `io`, a few files at a time, failing as `readFiles()` does (the lowest
 * index that failed, once none is in flight).
 */
async function readEach(
  io: FileRing,
  paths: readonly string[],
  concurrency: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array<ArrayBuffer>[]> {
  const out = new Array<Uint8Array<ArrayBuffer>>(paths.length);
  let next = 0, failedAt = -1, failure: unknown;
  const worker = async () => {
    while (next < paths.length && failedAt < 0) {
      const i = next++;
      try {
        out[i] = await readWhole(io, paths[i], signal);
      } catch (e) {
        if (failedAt < 0 || i < failedAt) {
          failedAt = i;
          failure = asDenoError(e, "readfile", paths[i]);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, 4, paths.length) }, worker));
  if (failedAt >= 0) throw failure;
  return out;
}

/**
 * Reads many whole files at once; the results are in the order of `paths`, each in a buffer of
 * its own. Each file is one hard-linked `openat_direct -> read -> read` chain, `concurrency`
 * files open at once, on a ring kept for `io` with its own file table (`io.ring`'s is not
 * touched); the ring holds one fd and 16 KiB of scratch memory per slot, as many slots as a
 * call has used (a one-file call registers one; up to 256), and closes with `io`. A call that
 * wants more than 256 files open, or comes while another runs, gets a ring of its own for its
 * length. Under limits that refuse the slots (`RLIMIT_NOFILE`, `RLIMIT_MEMLOCK`) fewer are
 * used, or, when not even one fits, the files are read through `io` four at a time. Files longer than 16 KiB, or read short before their end (pipes), go on reading
 * through the same direct descriptor. The first failure (the lowest index among the files that
 * failed) rejects, naming its path, once nothing is in flight any more; nothing stays open.
 * Page-cache files are read inside the submitting system call, on the calling thread, like
 * `Deno.readFileSync`, with a turn for the event loop every 4 ms; files that need the disk or
 * wait (pipes) are waited for on a worker thread. Linux 5.19.
 *
 * @param io the ring the call belongs to (its closing stops the call)
 * @param paths paths or `file:` URLs
 * @param options `signal`, and `concurrency` (files in flight, default 256)
 * @returns one `Uint8Array` per path
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` `Deno.readFile` throws
 * @throws {RangeError} for a `concurrency` outside 1..4096
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, readFiles } from "../../mod.ts";
 * await using io = new AsyncRing();
 * const dir = await Deno.makeTempDir();
 * const paths = ["a", "b", "c"].map((n) => `${dir}/${n}`);
 * for (const p of paths) await Deno.writeTextFile(p, p);
 * const files = await readFiles(io, paths);
 * assertEquals(files.map((f) => new TextDecoder().decode(f)), paths);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ringReadFiles(
  io: FileRing,
  paths: readonly (string | URL)[],
  options?: ReadFilesOptions,
): Promise<Uint8Array<ArrayBuffer>[]> {
  const signal = signalOf(options);
  if (!Array.isArray(paths)) throw new TypeError("paths must be an array of paths");
  const concurrency = options?.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 4096) {
    throw new RangeError(`concurrency must be an integer in 1..4096, got ${concurrency}`);
  }
  const strs = new Array<string>(paths.length);
  for (let i = 0; i < paths.length; i++) strs[i] = checkedPath(paths[i], "readfile");
  if (io.closed) throw new Error("AsyncRing is closed");
  if (strs.length === 0) return [];
  const { reader, temporary } = readerFor(io, Math.min(concurrency, strs.length));
  if (reader === undefined) {
    try {
      return await readEach(io, strs, concurrency, signal);
    } finally {
      signal?.throwIfAborted();
    }
  }
  const onAbort = () => reader.stop(signal!.reason);
  signal?.addEventListener("abort", onAbort);
  // A closing AsyncRing stops the call (checked every 50 ms: only a call still waiting on
  // pipes or slow files can see it).
  const watch = setInterval(() => {
    if (io.closed) reader.stop(new Error("AsyncRing is closed"));
  }, 50);
  try {
    return await reader.read(strs, concurrency);
  } finally {
    clearInterval(watch);
    signal?.removeEventListener("abort", onAbort);
    if (temporary) reader.close();
    signal?.throwIfAborted();
  }
}

/**
 * Calls `fn(path, bytes, index)` with the bytes of every file of `paths`, read as
 * {@link readFiles} reads them (linked `openat_direct -> read -> read` chains on `io`'s file
 * reader, `concurrency` files open at once) but without a buffer per file: `bytes` is a view of
 * the reader's scratch memory, **lent to `fn` for the duration of the call**. Jobs like hashing
 * or indexing thousands of files then cost no allocation per file.
 *
 * The contract of `bytes`:
 * - It is valid until `fn` returns or, when `fn` returns a promise, until that promise settles;
 *   the slot that read it is not reused (and the kernel writes nothing into it) before then.
 *   Copy what you need later (`bytes.slice()`): afterwards the same memory holds other files.
 * - It cannot be detached: `bytes.buffer.transfer()`, `structuredClone(..., { transfer })` and
 *   `postMessage` transfers throw `TypeError` (the memory is a never-grown `WebAssembly.Memory`,
 *   or a `SharedArrayBuffer` where WebAssembly is off), so no callback can make the kernel write
 *   into freed memory. It is a plain `ArrayBuffer` view otherwise: `crypto.subtle.digest`,
 *   `TextDecoder`, `Blob` accept it.
 * - A file longer than 16 KiB is read into a buffer of its own, lent the same way.
 *
 * Callbacks run in the order files complete (not the order of `paths`); `index` says which it
 * is. A file that cannot be read goes to `options.onError(error, path, index)` when given, and
 * the visit goes on; without it the call rejects with the error of the lowest-index path that
 * failed (Deno's error for `readFile` of it) once nothing is in flight, files after it not
 * started. A throw or rejection of `fn` stops the call: nothing new starts, and it rejects with
 * that error. The call settles only after every callback has settled and every file is closed.
 * Linux 5.19.
 *
 * @param io the ring the call belongs to (its closing stops the call)
 * @param paths paths or `file:` URLs
 * @param fn called with each file's path, bytes (lent) and index
 * @param options `signal`, `concurrency` (files in flight, default 256), `onError`
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` `Deno.readFile` throws (without
 *   `onError`)
 * @throws {RangeError} for a `concurrency` outside 1..4096
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, visitFiles } from "./mod.ts";
 * await using io = new AsyncRing();
 * const dir = await Deno.makeTempDir();
 * const paths = ["a", "bb", "ccc"].map((n) => `${dir}/${n}`);
 * for (const p of paths) await Deno.writeTextFile(p, p);
 * let total = 0;
 * await visitFiles(io, paths, (_path, bytes) => {
 *   total += bytes.length;
 * });
 * assertEquals(total, paths.join("").length);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ringVisitFiles(
  io: FileRing,
  paths: readonly (string | URL)[],
  fn: VisitFileCallback,
  options?: VisitFilesOptions,
): Promise<void> {
  const signal = signalOf(options);
  if (!Array.isArray(paths)) throw new TypeError("paths must be an array of paths");
  if (typeof fn !== "function") throw new TypeError("fn must be a function");
  const concurrency = options?.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 4096) {
    throw new RangeError(`concurrency must be an integer in 1..4096, got ${concurrency}`);
  }
  const onError = options?.onError;
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError("options.onError must be a function");
  }
  const strs = new Array<string>(paths.length);
  for (let i = 0; i < paths.length; i++) strs[i] = checkedPath(paths[i], "readfile");
  if (io.closed) throw new Error("AsyncRing is closed");
  if (strs.length === 0) return;
  const { reader, temporary } = readerFor(io, Math.min(concurrency, strs.length));
  if (reader === undefined) {
    // No reader under the process's limits: a buffer per file after all.
    try {
      return await visitEach(io, strs, fn, concurrency, signal, onError);
    } finally {
      signal?.throwIfAborted();
    }
  }
  const onAbort = () => reader.stop(signal!.reason);
  signal?.addEventListener("abort", onAbort);
  const watch = setInterval(() => {
    if (io.closed) reader.stop(new Error("AsyncRing is closed"));
  }, 50);
  const visit: VisitFn = (i, bytes) => fn(strs[i], bytes, i);
  try {
    await reader.visit(
      strs,
      concurrency,
      visit,
      onError === undefined ? undefined : (i, e) => onError(e, strs[i], i),
    );
  } finally {
    clearInterval(watch);
    signal?.removeEventListener("abort", onAbort);
    if (temporary) reader.close();
    signal?.throwIfAborted();
  }
}

/** `visitFiles()` without a reader of its own: `readFile` through `io`, a few at a time. */
async function visitEach(
  io: FileRing,
  paths: readonly string[],
  fn: VisitFileCallback,
  concurrency: number,
  signal: AbortSignal | undefined,
  onError: VisitFilesOptions["onError"],
): Promise<void> {
  let next = 0, failedAt = -1, failure: unknown, stopped = false;
  const worker = async () => {
    while (next < paths.length && failedAt < 0 && !stopped) {
      const i = next++;
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = await readWhole(io, paths[i], signal);
      } catch (e) {
        const err = asDenoError(e, "readfile", paths[i]);
        if (onError !== undefined && err instanceof Error && !signal?.aborted) {
          onError(err, paths[i], i);
        } else if (failedAt < 0 || i < failedAt) {
          failedAt = i;
          failure = err;
        }
        continue;
      }
      try {
        await fn(paths[i], bytes, i);
      } catch (e) {
        stopped = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, 4, paths.length) }, worker));
  if (failedAt >= 0) throw failure;
}
