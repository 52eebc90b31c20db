/**
 * Drop-in file functions: `readFile`, `readTextFile`, `writeFile`, `writeTextFile`, `stat`,
 * `lstat` with the parameters, results and errors of Deno's own (`ext/fs/30_fs.js`), on any
 * ring that has the ops they use; `readFiles` and `visitFiles`, for many files at once, are in
 * `files_many.ts`. `AsyncRing` has them as methods (`io.readFile(path)`).
 *
 * What they share with Deno's: paths are strings or `file:` URLs; errors are `Deno.errors.*`
 * with Deno's message (`No such file or directory (os error 2): readfile '/x'`) and `code`, plus
 * `errno` (see `_errno_map.ts`); an aborted signal rejects with its reason, also when the work
 * finished meanwhile (as Deno's do); files whose size `stat` gets wrong (0 in `/proc` and
 * `/sys`, pipes) are read to their end.
 *
 * Unlike Deno's, they do not go through Deno's `--allow-read`/`--allow-write` checks: FFI is
 * full trust, so a program that loads this module can read and write what the process can.
 * (`writeFile` with `mode` is the exception: it calls `Deno.chmod`, which asks for
 * `--allow-write`, because io_uring has no op to change a file's mode.)
 *
 * @module
 */
import { At, OpenFlag, StatxMask } from "../sys/mod.ts";
import { denoFsError, nulPathError, OUT_OF_MEMORY, pathOf } from "../sys/mod.ts";
import { allocate } from "../engine/mod.ts";
import { _FileWriter, WRITE_ROOM } from "../engine/mod.ts";
import { UringError } from "../sys/mod.ts";
import { AT_FDCWD, MAX_RW } from "../ring/mod.ts";
import { lendToKernel, returnFromKernel } from "../sys/mod.ts";
import { fileInfo, STATX_SIZE } from "../ring/mod.ts";
import { type Slots, slotsOf } from "./slots.ts";
import type { FileRing } from "./_file_ring.ts";

export type { DenoFsError } from "../sys/mod.ts";

const STATX_MASK = StatxMask.BASIC_STATS | StatxMask.BTIME;
/** `readFile`'s first read; a longer file is then sized by statx (or doubled, pipes, /proc). */
const FIRST_READ = 16 * 1024;

/** The signal of `options`, checked; throws its reason when it is aborted already. */
export function signalOf(options: { signal?: AbortSignal } | undefined): AbortSignal | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object") throw new TypeError("options must be an object");
  const signal = options.signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError("options.signal must be an AbortSignal");
  }
  signal.throwIfAborted();
  return signal;
}

/** The path of a call, checked the way Deno checks it (`file:` URLs, no NUL bytes). */
export function checkedPath(path: string | URL, op: string): string {
  const p = pathOf(path);
  const nul = nulPathError(p, op);
  if (nul !== undefined) throw nul;
  return p;
}

/** A failed op as Deno's error for `op` on `path`; anything else unchanged. */
export function asDenoError(e: unknown, op: string, path: string): unknown {
  return e instanceof UringError ? denoFsError(e.errno, op, path) : e;
}

/**
 * Reads into `buf` at the file position: the one place where buffers this module allocates go
 * to the kernel through `AsyncRing`. They are never handed out while an op on them is in
 * flight: each read is awaited, and an aborted read settles only with its CQE. (One read per
 * call, not a linked read + probe pair: the engine cannot cancel a linked op that has not
 * started, so after an abort a hard-linked probe read of a FIFO would block again.)
 *
 * @returns the bytes read
 * @throws {UringError} when the read failed
 */
function readInto(
  io: FileRing,
  fd: number,
  buf: Uint8Array,
  signal: AbortSignal | undefined,
): Promise<number> {
  // Buffers of this module are never handed out while a read on them is in flight (a result
  // goes to the caller only after every read settled, i.e. after its CQE): the kernel may use
  // them in place instead of AsyncRing's copy through its own memory (`lendToKernel`).
  if (!(buf.buffer instanceof SharedArrayBuffer)) lendToKernel(buf);
  return io.read(fd, buf, -1, signal === undefined ? undefined : { signal });
}

/**
 * `readFile`'s first reads, per `AsyncRing`: 16 KiB slots (and a probe byte), 16 to a chunk, at
 * most 64 in use (~1 MiB kept; more reads at once get fresh buffers).
 */
const readSlots = new WeakMap<FileRing, Slots>();

/**
 * Reads a whole file, like `Deno.readFile`: open, a 16 KiB read, a 1-byte probe read (the end?),
 * close; a longer file is then sized with `statx` and read to its end. Linux 5.6.
 *
 * @param io the ring to use
 * @param path a path or a `file:` URL
 * @param options `signal` aborts the read (rejects with its reason)
 * @returns the file's bytes
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `readFile` throws
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, readFile } from "../../mod.ts";
 * await using io = new AsyncRing();
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello");
 * assertEquals(await readFile(io, path), await Deno.readFile(path));
 * await Deno.remove(path);
 * ```
 */
export async function ringReadFile(
  io: FileRing,
  path: string | URL,
  options?: Deno.ReadFileOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  const signal = signalOf(options);
  const p = checkedPath(path, "readfile");
  try {
    return await readWhole(io, p, signal);
  } catch (e) {
    throw asDenoError(e, "readfile", p);
  } finally {
    signal?.throwIfAborted();
  }
}

/** The whole file at `path` (the work of {@link ringReadFile}; errors as `UringError`). */
export async function readWhole(
  io: FileRing,
  path: string,
  signal: AbortSignal | undefined,
): Promise<Uint8Array<ArrayBuffer>> {
  const opts = signal === undefined ? undefined : { signal };
  const fd = await io.open(path, opts);
  try {
    // A first read, then a 1-byte probe (is that the end?): open, these and close all complete
    // inside their submit for a cached file. A statx first, as Deno does, would cost a
    // worker-thread round trip: the kernel always runs statx in an io-wq worker, and the
    // completion waiter's wake-up is 40-60 us here (sequential readFile of a 4 KiB file: 48 us
    // that way, Deno.readFile 39 us).
    const slots = slotsOf(readSlots, io, FIRST_READ + 64, 16, 64);
    const slot = slots.take();
    let buf: Uint8Array<ArrayBuffer>;
    let len: number;
    try {
      // The probe byte in the slot too: a fresh 1-byte array would cost an UnsafePointer.of
      // that also moves it off the V8 heap.
      const room = slot >= 0 ? slots.bytes(slot) : new Uint8Array(FIRST_READ + 64);
      const first = room.subarray(0, FIRST_READ);
      const probe = room.subarray(FIRST_READ, FIRST_READ + 1);
      const n = await readInto(io, fd, first, signal);
      const more = n === 0 ? 0 : await readInto(io, fd, probe, signal);
      if (more === 0) return first.slice(0, n);
      // Longer, or a short read before the end (pipes, /proc): size the buffer by statx now.
      const st = await io.statx(fd, opts);
      buf = grow(first, n, st.isFile && st.size > n + 1 ? st.size : 2 * FIRST_READ, path);
      buf[n] = probe[0];
      len = n + 1;
    } finally {
      if (slot >= 0) slots.give(slot); // its reads have settled: after their CQEs
    }
    const probe = new Uint8Array(1);
    for (;;) {
      if (len === buf.length) {
        const k = await readInto(io, fd, probe, signal);
        if (k === 0) break;
        buf = grow(buf, len, 2 * len, path);
        buf[len++] = probe[0];
        continue;
      }
      const k = await readInto(io, fd, buf.subarray(len), signal);
      if (k === 0) break;
      len += k;
    }
    returnFromKernel(buf); // the caller may transfer it from now on
    return len === buf.length ? buf : grow(buf, len, len, path);
  } finally {
    await io.closeFd(fd).catch(() => {});
  }
}

/**
 * The first `len` bytes of `buf` in a new buffer of `size` bytes.
 *
 * @throws Deno's "out of memory" error for `path` when no such buffer can be had
 */
function grow(buf: Uint8Array, len: number, size: number, path: string): Uint8Array<ArrayBuffer> {
  const out = allocate(size);
  if (out === undefined) throw denoFsError(OUT_OF_MEMORY, "readfile", path);
  out.set(buf.subarray(0, len));
  return out;
}

/**
 * Reads a whole file as UTF-8 text, like `Deno.readTextFile` (invalid bytes become U+FFFD).
 *
 * @param io the ring to use
 * @param path a path or a `file:` URL
 * @param options `signal` aborts the read
 * @returns the text
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `readTextFile` throws
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, readTextFile } from "../../mod.ts";
 * await using io = new AsyncRing();
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "héllo");
 * assertEquals(await readTextFile(io, path), "héllo");
 * await Deno.remove(path);
 * ```
 */
export async function ringReadTextFile(
  io: FileRing,
  path: string | URL,
  options?: Deno.ReadFileOptions,
): Promise<string> {
  return (decoder ??= new TextDecoder("utf-8", { ignoreBOM: true })).decode(
    await ringReadFile(io, path, options),
  );
}

/** Made at the first {@link ringReadTextFile}: not at every import. */
let decoder: TextDecoder | undefined;

/**
 * Writes `data` to a file, like `Deno.writeFile`: created when missing (`create`, default
 * true), truncated unless `append`; `createNew` fails with `AlreadyExists` when the file
 * exists; `mode` sets the permissions (also of an existing file, as Deno does). Up to 16 KiB
 * without `mode`: one `openat_direct => write -> close_direct` chain on a ring kept for `io`
 * (one fd, 20 KiB per chain in flight, sized by use up to 256, closed with `io`), the bytes
 * copied first; otherwise open, a write soft-linked to the close, or writes until all is
 * written. A short write (a FIFO, a full file system) goes on at the next offset until every
 * byte is written or a real error comes: the promise never resolves with bytes missing (Deno's
 * own does for a stream on a full file system). Linux 5.15.
 *
 * @param io the ring to use
 * @param path a path or a `file:` URL
 * @param data the bytes, or a stream of chunks
 * @param options `Deno.WriteFileOptions`
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `writeFile` throws
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, writeFile } from "../../mod.ts";
 * await using io = new AsyncRing();
 * const path = await Deno.makeTempFile();
 * await writeFile(io, path, new TextEncoder().encode("abc"));
 * await writeFile(io, path, new TextEncoder().encode("def"), { append: true });
 * assertEquals(await Deno.readTextFile(path), "abcdef");
 * await Deno.remove(path);
 * ```
 */
export async function ringWriteFile(
  io: FileRing,
  path: string | URL,
  data: Uint8Array | ReadableStream<Uint8Array>,
  options?: Deno.WriteFileOptions,
): Promise<void> {
  const signal = signalOf(options);
  const p = checkedPath(path, "writefile");
  const isStream = data instanceof ReadableStream;
  if (!isStream && !(data instanceof Uint8Array)) {
    throw new TypeError("data must be a Uint8Array or a ReadableStream of Uint8Array");
  }
  const append = options?.append ?? false;
  const createNew = options?.createNew ?? false;
  const create = options?.create ?? true;
  const mode = options?.mode;
  if (mode !== undefined && !(Number.isInteger(mode) && mode >= 0 && mode <= 0o7777)) {
    throw new RangeError(`mode must be an integer in 0..0o7777, got ${mode}`);
  }
  // Rust's OpenOptions as Deno sets them: write, create, truncate = !append, createNew wins.
  let flags = OpenFlag.WRONLY | OpenFlag.CLOEXEC;
  if (append) flags |= OpenFlag.APPEND;
  if (createNew) flags |= OpenFlag.CREAT | OpenFlag.EXCL;
  else {
    if (create) flags |= OpenFlag.CREAT;
    if (!append) flags |= OpenFlag.TRUNC;
  }
  if (!isStream && mode === undefined && data.length <= WRITE_ROOM && p.length < 1365) {
    // Bytes that fit a slot (and a path that fits its 4 KiB, at 3 bytes a UTF-16 unit at most):
    // one chain on direct descriptors (see _write_many.ts).
    const writer = writerFor(io);
    if (writer !== undefined) {
      try {
        return await writer.write(p, data, flags, 0o666, signal);
      } finally {
        signal?.throwIfAborted();
      }
    }
  }
  const opts = signal === undefined ? undefined : { signal };
  try {
    const fd = await io.openat(AT_FDCWD, p, flags, (mode ?? 0o666) & 0o777, opts);
    let open = true;
    try {
      if (mode !== undefined) await Deno.chmod(p, mode);
      // Explicit offsets from 0 (the file was just truncated or created; a FIFO ignores them),
      // never the file position: after a short write it need not be where the write ended.
      // With `append` every write goes to the end (-1).
      let at = append ? -1 : 0;
      if (isStream) {
        const reader = data.getReader();
        try {
          for (;;) {
            const next = signal === undefined ? await reader.read() : await raced(reader, signal);
            if (next.done) break;
            at = await writeAll(io, fd, next.value, at, opts);
          }
        } catch (e) {
          reader.cancel(e).catch(() => {}); // as `for await` would: the source stops
          throw e;
        } finally {
          reader.releaseLock();
        }
      } else if (mode === undefined && data.length > 0 && data.length <= PAIR_MAX) {
        // The common case in one round trip: the write soft-linked to the close, so that the
        // close runs only after a whole write. A short or failed write cancels it: the rest is
        // written below and the file closed in `finally`. Without the signal: a blocked FIFO
        // write would not see it anyway, and an abort shows after the pair (`finally` below).
        const [n, closed] = await io.link((c) => c.write(fd, data, at).closeFd(fd));
        const closeRan = !(closed instanceof UringError && closed.errno === ECANCELED);
        if (closeRan) open = false;
        if (n instanceof Error) throw n;
        if (closeRan) {
          if (closed instanceof Error) throw closed;
          if (n !== data.length) throw new UringError(ENOSPC, "write"); // not with a soft link
          return;
        }
        if (n === 0) throw new UringError(ENOSPC, "write"); // WriteZero: nothing more fits
        await writeAll(io, fd, data.subarray(n), at < 0 ? -1 : n, opts);
      } else await writeAll(io, fd, data, at, opts);
    } finally {
      if (open) await io.closeFd(fd).catch(() => {});
    }
  } catch (e) {
    throw asDenoError(e, "writefile", p);
  } finally {
    signal?.throwIfAborted();
  }
}

const ECANCELED = 125, ENOSPC = 28;
/** Bytes one round trip writes at most when they go through the ring's pool (a copy). */
const PAIR_MAX = 8 * 1024 * 1024;

/** The stream's next chunk, or a rejection as soon as `signal` aborts (the stream is cancelled). */
function raced(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  signal.throwIfAborted();
  const { promise, reject } = Promise.withResolvers<never>();
  const onAbort = () => {
    reject(signal.reason);
    reader.cancel(signal.reason).catch(() => {});
  };
  signal.addEventListener("abort", onAbort, { once: true });
  return Promise.race([reader.read(), promise]).finally(() => {
    signal.removeEventListener("abort", onAbort);
  });
}

/** Each AsyncRing's writer for `writeFile()`, kept until the AsyncRing closes. */
const writers = new WeakMap<FileRing, _FileWriter>();
/** Slots of the largest writer (chains in flight at once; more wait in its queue). */
const MAX_WRITER_SLOTS = 256;

/**
 * The writer of `io`, sized by its work: one slot at first, twice as many whenever all of its
 * slots are busy (up to 256; the one it replaces finishes its jobs, then closes). Undefined when
 * no writer can be set up under the process's limits (`RLIMIT_NOFILE` for the file table,
 * `RLIMIT_MEMLOCK` for the ring): `writeFile()` then takes the path through `io`'s own ring.
 */
function writerFor(io: FileRing): _FileWriter | undefined {
  const w = writers.get(io);
  if (w !== undefined && !w.closed && (w.backlog < w.slots || w.slots >= MAX_WRITER_SLOTS)) {
    return w;
  }
  if (io.closed) throw new Error("AsyncRing is closed");
  const want = w === undefined || w.closed ? 1 : Math.min(2 * w.slots, MAX_WRITER_SLOTS);
  const writer = sized(want, (n) => new _FileWriter(n));
  if (writer === undefined) return w !== undefined && !w.closed ? w : undefined;
  if (w !== undefined && !w.closed) w.retire();
  writers.set(io, writer);
  io.ring._onClose(() => writer.close());
  return writer;
}

/**
 * `make(want)`, or with half as many slots while the kernel refuses for a limit (`EMFILE`,
 * `ENFILE` for the file table, `ENOMEM` for the ring's memory), or undefined when even one slot
 * does not fit, or when no new ring can be mapped while `--allow-ffi` is revoked (inside a
 * `Deno.test` with `permissions`): the caller then goes through `io`'s own ring.
 */
export function sized<T>(want: number, make: (slots: number) => T): T | undefined {
  for (let n = want;; n = Math.floor(n / 2)) {
    try {
      return make(n);
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable) return undefined;
      const limit = e instanceof UringError && (e.errno === 12 || e.errno === 23 || e.errno === 24);
      if (!limit) throw e;
      if (n <= 1) return undefined;
    }
  }
}

/**
 * Writes all of `data` from offset `at` (-1: at the end, for `append`), in pieces of at most
 * `MAX_RW` bytes (what one write moves), or `PAIR_MAX` for bytes the ring copies through its
 * pool; a short write goes on where it stopped. Returns the offset after the bytes.
 */
async function writeAll(
  io: FileRing,
  fd: number,
  data: Uint8Array,
  at: number,
  opts: { signal: AbortSignal } | undefined,
): Promise<number> {
  const piece = data.buffer instanceof SharedArrayBuffer ? MAX_RW : PAIR_MAX;
  const total = data.length;
  let done = 0;
  while (done < total) {
    const end = Math.min(total, done + piece);
    const part = done === 0 && end === total ? data : data.subarray(done, end);
    const n = await io.write(fd, part, at < 0 ? -1 : at + done, opts);
    if (n === 0) throw new UringError(ENOSPC, "write"); // WriteZero: nothing more fits
    done += n;
  }
  return at < 0 ? -1 : at + done;
}

/**
 * Writes `text` as UTF-8, like `Deno.writeTextFile` (options as {@link writeFile}).
 *
 * @param io the ring to use
 * @param path a path or a `file:` URL
 * @param text the text, or a stream of strings
 * @param options `Deno.WriteFileOptions`
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `writeTextFile` throws
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, writeTextFile } from "../../mod.ts";
 * await using io = new AsyncRing();
 * const path = await Deno.makeTempFile();
 * await writeTextFile(io, path, "héllo");
 * assertEquals(await Deno.readTextFile(path), "héllo");
 * await Deno.remove(path);
 * ```
 */
export function ringWriteTextFile(
  io: FileRing,
  path: string | URL,
  text: string | ReadableStream<string>,
  options?: Deno.WriteFileOptions,
): Promise<void> {
  const data = text instanceof ReadableStream
    ? text.pipeThrough(new TextEncoderStream())
    : new TextEncoder().encode(text);
  return ringWriteFile(io, path, data, options);
}

/**
 * File information of `path`, following symbolic links, like `Deno.stat`: every field equal
 * to Deno's (`mtime`/`atime`/`birthtime` to the millisecond, `ctime` to the second as Deno
 * gives it, `birthtime` null where the file system does not record it). One `statx`. Linux 5.6.
 *
 * @param io the ring to use
 * @param path a path or a `file:` URL
 * @returns a `Deno.FileInfo`
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `stat` throws
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, stat } from "../../mod.ts";
 * await using io = new AsyncRing();
 * assertEquals(await stat(io, "/"), await Deno.stat("/"));
 * ```
 */
export function ringStat(io: FileRing, path: string | URL): Promise<Deno.FileInfo> {
  return statPath(io, path, 0, "stat");
}

/**
 * File information of `path` itself (a symbolic link is not followed), like `Deno.lstat`.
 *
 * @param io the ring to use
 * @param path a path or a `file:` URL
 * @returns a `Deno.FileInfo`
 * @throws {Deno.errors.NotFound} and the other `Deno.errors` Deno's `lstat` throws
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { AsyncRing, lstat } from "../../mod.ts";
 * await using io = new AsyncRing();
 * const dir = await Deno.makeTempDir();
 * await Deno.symlink("/", `${dir}/link`);
 * assertEquals((await lstat(io, `${dir}/link`)).isSymlink, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function ringLstat(io: FileRing, path: string | URL): Promise<Deno.FileInfo> {
  return statPath(io, path, At.SYMLINK_NOFOLLOW, "lstat");
}

/**
 * Room for stats in flight: slots of a `struct statx` and the encoded path. A fresh statx
 * buffer and C string per call cost two `UnsafePointer.of` calls (which also move each buffer
 * off the V8 heap) and two `WeakMap` entries: the profile put such lookups at ~24% of a
 * small op.
 */
const statSlots = new WeakMap<FileRing, Slots>();
const STAT_SLOT = 1024;
const pathEncoder = new TextEncoder();

async function statPath(
  io: FileRing,
  path: string | URL,
  flags: number,
  op: string,
): Promise<Deno.FileInfo> {
  const p = checkedPath(path, op);
  const slots = slotsOf(statSlots, io, STAT_SLOT, 256, Infinity);
  const slot = slots.take();
  try {
    const bytes = slots.bytes(slot);
    const statxBuf = bytes.subarray(0, STATX_SIZE);
    const at = STATX_SIZE; // the path follows the statx buffer in the slot
    const { read, written } = pathEncoder.encodeInto(p, bytes.subarray(at, STAT_SLOT - 1));
    const encoded = read === p.length ? bytes.subarray(at, at + written + 1) : p;
    if (encoded !== p) bytes[at + written] = 0;
    // One op; its promise settles only with its CQE, so the slot is free again after it.
    const [r] = await io.link((c) => c.statx(AT_FDCWD, encoded, flags, STATX_MASK, statxBuf));
    if (r instanceof UringError) throw denoFsError(r.errno, op, p);
    return fileInfo(new DataView(bytes.buffer, bytes.byteOffset, STATX_SIZE));
  } finally {
    slots.give(slot);
  }
}
