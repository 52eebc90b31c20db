/**
 * `FsFile`: a file handle shaped like `Deno.FsFile`, its reads, writes, syncs and stats going
 * through io_uring.
 *
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { At, checkPath, type DenoFsError, denoFsError, StatxMask } from "../sys/mod.ts";
import { fileInfo, STATX_SIZE } from "../ring/mod.ts";
import { _FdHandle, badResource, MAX_RW } from "./_fd_handle.ts";
import { readableOf, writableOf } from "./_fs_file_streams.ts";
import { errno, libc, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN } from "./_libc_fd.ts";

const STATX_MASK = StatxMask.BASIC_STATS | StatxMask.BTIME;
const EAGAIN = 11;
const EINTR = 4;
const ENOTTY = 25;
/** `AT_EMPTY_PATH`'s empty path, in memory the kernel may read in place. */
const EMPTY_PATH = new Uint8Array(new SharedArrayBuffer(1));
/** The key only `open()` holds: `new FsFile()` elsewhere throws, as `new Deno.FsFile()` does. */
const KEY = Symbol("FsFile");

/** @internal Makes the `FsFile` of an open fd (used by `open()`). */
export function _fsFile(io: AsyncRing, fd: number, path: string): FsFile {
  const file = new FsFile(KEY, io, fd);
  paths.set(file, path);
  return file;
}

/** The path each file was opened with: Deno checks it again for `stat` (read) and `utime` (write). */
const paths = new WeakMap<FsFile, string>();

/** Deno's check of `--allow-read`/`--allow-write` on the file's path, as its fstat and futimens do. */
function checkFile(file: FsFile, kind: "read" | "write"): void {
  const path = paths.get(file);
  if (path !== undefined) checkPath(kind, path);
}

function syncError(): DenoFsError {
  return denoFsError(errno());
}

function ensureBytes(p: unknown): Uint8Array {
  if (p instanceof Uint8Array) return p;
  // Deno's messages: reading `length` of null/undefined fails first, then the type check
  if (p === null || p === undefined) {
    throw new TypeError(`Cannot read properties of ${p} (reading 'length')`);
  }
  throw new TypeError("expected typed ArrayBufferView");
}

/** `offset` as Deno's `seek` takes it: a number (truncated, saturated) or a bigint (64 bits). */
function i64(offset: unknown): bigint {
  if (typeof offset === "bigint") return BigInt.asIntN(64, offset);
  if (typeof offset !== "number") throw new TypeError("expected f64");
  if (Number.isNaN(offset)) return 0n;
  if (offset >= 2 ** 63) return 2n ** 63n - 1n;
  if (offset <= -(2 ** 63)) return -(2n ** 63n);
  return BigInt(Math.trunc(offset));
}

function whenceOf(whence: unknown): number {
  if (typeof whence !== "number") throw new TypeError("expected i32");
  const w = Math.trunc(whence) | 0;
  if (w !== 0 && w !== 1 && w !== 2) throw new TypeError(`Invalid seek mode: ${w}`);
  return w;
}

/** `len` as Deno's `truncate` takes it: missing or negative is 0, then a 63-bit length. */
function lengthOf(len: unknown): number {
  if (len === undefined || len === null || (len as number) < 0) return 0;
  if (typeof len === "bigint") len = Number(len);
  if (typeof len !== "number") throw new TypeError("expected f64");
  if (Number.isNaN(len)) return 0;
  if (len >= 2 ** 63) {
    const err = new TypeError("out of range integral type conversion attempted") as DenoFsError;
    err.code = "EINVAL";
    throw err;
  }
  return Math.trunc(len);
}

/** Deno's `toUnixTimeFromEpoch`: seconds and nanoseconds of a `Date` or of seconds. */
function timespec(value: number | Date, out: BigInt64Array, at: number): void {
  let sec: number, nsec: number;
  if (value instanceof Date) {
    const ms = value.getTime();
    sec = Math.floor(ms / 1e3);
    nsec = Math.trunc(ms - sec * 1e3) * 1e6;
  } else {
    sec = Math.floor(value);
    nsec = Math.trunc(value * 1e3 - sec * 1e3) * 1e6;
  }
  out[at] = Number.isNaN(sec)
    ? 0n
    : sec >= 2 ** 63
    ? 2n ** 63n - 1n
    : sec <= -(2 ** 63)
    ? -(2n ** 63n)
    : BigInt(sec);
  out[at + 1] = Number.isFinite(nsec) ? BigInt(nsec >>> 0) : 0n;
}

/**
 * A file opened by {@link open} or {@link create}: `Deno.FsFile`'s members, with `read`,
 * `write`, `stat`, `truncate`, `sync`, `syncData`, `close` and the streams' reads and writes
 * going through io_uring (one `io_uring_enter` per event-loop turn; a read of a cached file
 * completes inside it, with no thread hop).
 *
 * Reads and writes are at the file position, which the kernel keeps (offset -1 in the SQE, as
 * read(2)/write(2)): it moves by what each op moved, `append` files write at their end, and
 * pipes, FIFOs and character devices have none. Where io_uring has no opcode the member says so
 * and makes the libc call Deno's own op makes: `seek` (lseek(2)), `utime` (futimens(2)),
 * `isTerminal` (isatty(3)), `lock`/`tryLock`/`unlock` (flock(2); a lock that must wait waits on
 * one of Deno's worker threads), `setRaw` (termios). The `*Sync` members are those libc calls,
 * on the calling thread, as Deno's are.
 *
 * `instanceof Deno.FsFile` holds (the prototype chain goes through `Deno.FsFile.prototype`), but
 * every member is this class's own. Closed files reject with `Deno.errors.BadResource` ("Bad
 * resource ID"); closing a file with a read in flight (a pipe that never delivers) cancels it
 * with `Deno.errors.Interrupted`, as Deno does. FFI is full trust: the file is not subject to
 * `--allow-read`/`--allow-write` beyond the check `open()` makes, as with Deno's own handles.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { create, open } from "../../mod.ts";
 * const path = await Deno.makeTempFile();
 * {
 *   using file = await create(path);
 *   await file.write(new TextEncoder().encode("hello world"));
 *   await file.seek(6, Deno.SeekMode.Start);
 *   const buf = new Uint8Array(16);
 *   const n = await file.read(buf);
 *   assertEquals(new TextDecoder().decode(buf.subarray(0, n!)), "world");
 *   assertEquals(await file.read(buf), null); // the end
 * }
 * using again = await open(path);
 * assertEquals((await again.stat()).size, 11);
 * await Deno.remove(path);
 * ```
 */
export class FsFile implements Disposable {
  readonly #h: _FdHandle;
  #readable?: ReadableStream<Uint8Array<ArrayBuffer>>;
  #writable?: WritableStream<Uint8Array>;
  readonly #onRead: (n: number) => number | null;

  /**
   * Not for direct use: `open()` and `create()` make files.
   *
   * @throws {TypeError} always, when called directly (as `new Deno.FsFile()`)
   */
  constructor(key: unknown, io?: AsyncRing, fd?: number) {
    if (key !== KEY || io === undefined || fd === undefined) {
      throw new TypeError(
        "'FsFile' cannot be constructed, use 'open()' or 'create()' instead",
      );
    }
    const h = new _FdHandle(io, fd);
    this.#h = h;
    this.#onRead = (n) => h.done(n) === 0 ? null : n;
  }

  /**
   * Reads up to `p.length` bytes into `p` at the file position, like `Deno.FsFile.read`:
   * `io_uring_prep_read(3)` (at most 0x7ffff000 bytes, as read(2)). A buffer the caller could
   * transfer while the read is in flight is read through the ring's own memory and copied.
   *
   * @param p a `Uint8Array`
   * @returns the bytes read, `null` at the end of the file, 0 for an empty `p`
   * @throws {Deno.errors.BadResource} when the file is closed
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { open } from "../../mod.ts";
   * using file = await open("/proc/self/comm");
   * const buf = new Uint8Array(64);
   * assertEquals(await file.read(buf), 5); // "deno\n"
   * assertEquals(await file.read(buf), null);
   * ```
   */
  read(p: Uint8Array): Promise<number | null> {
    const h = this.#h;
    if (h.closed) return Promise.reject(badResource());
    if (!(p instanceof Uint8Array)) return Promise.reject(ensureBytesError(p));
    const len = p.length;
    if (len === 0) return Promise.resolve(0);
    h.ringOps++;
    return h.io.read(h.fd, len > MAX_RW ? p.subarray(0, MAX_RW) : p, -1).then(
      this.#onRead,
      h.fail,
    );
  }

  /**
   * Synchronous read(2) on this thread, like `Deno.FsFile.readSync` (it blocks the event loop
   * until data arrive, on a pipe).
   *
   * @returns the bytes read, `null` at the end
   */
  readSync(p: Uint8Array): number | null {
    this.#h.check();
    ensureBytes(p);
    if (p.length === 0) return 0;
    const n = Number(libc().read(this.#h.fd, p, BigInt(Math.min(p.length, MAX_RW))));
    if (n < 0) throw syncError();
    return n === 0 ? null : n;
  }

  /**
   * Writes `p` at the file position with one `io_uring_prep_write(3)`, like
   * `Deno.FsFile.write`: the result may be short (a pipe, a full disk); `writable` and the
   * write-all helpers go on from there.
   *
   * @returns the bytes written
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { open } from "../../mod.ts";
   * const path = await Deno.makeTempFile();
   * using file = await open(path, { write: true });
   * assertEquals(await file.write(new Uint8Array([1, 2, 3])), 3);
   * assertEquals(await Deno.readFile(path), new Uint8Array([1, 2, 3]));
   * await Deno.remove(path);
   * ```
   */
  write(p: Uint8Array): Promise<number> {
    const h = this.#h;
    if (h.closed) return Promise.reject(badResource());
    if (!(p instanceof Uint8Array)) return Promise.reject(ensureBytesError(p));
    if (p.length === 0) return Promise.resolve(0);
    return h.write(p);
  }

  /** Synchronous write(2), like `Deno.FsFile.writeSync`. Returns the bytes written. */
  writeSync(p: Uint8Array): number {
    this.#h.check();
    ensureBytes(p);
    if (p.length === 0) return 0;
    const n = Number(libc().write(this.#h.fd, p, BigInt(Math.min(p.length, MAX_RW))));
    if (n < 0) throw syncError();
    return n;
  }

  /**
   * Moves the file position, like `Deno.FsFile.seek`. io_uring has no seek opcode: this is
   * lseek(2), which never waits, made on this thread.
   *
   * @param offset a number or a bigint (positions past 2**53 are returned rounded)
   * @param whence `Deno.SeekMode.Start`, `Current` or `End`
   * @returns the new position
   * @throws {TypeError} `Invalid seek mode: <n>`, and `EINVAL` for a position before 0
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { open } from "../../mod.ts";
   * using file = await open("/etc/hostname");
   * const size = (await file.stat()).size;
   * assertEquals(await file.seek(0, Deno.SeekMode.End), size);
   * assertEquals(await file.seek(-1n, Deno.SeekMode.Current), size - 1);
   * ```
   */
  seek(offset: number | bigint, whence: Deno.SeekMode): Promise<number> {
    try {
      return Promise.resolve(this.seekSync(offset, whence));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** `seek` (lseek(2)), synchronously, like `Deno.FsFile.seekSync`. */
  seekSync(offset: number | bigint, whence: Deno.SeekMode): number {
    this.#h.check();
    const off = i64(offset);
    const w = whenceOf(whence);
    const pos = libc().lseek(this.#h.fd, off, w);
    if (pos < 0) throw syncError();
    return Number(pos);
  }

  /**
   * The file's `Deno.FileInfo`, like `Deno.FsFile.stat`: `io_uring_prep_statx(3)` on the fd
   * (`AT_EMPTY_PATH`). Linux 5.6.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { open } from "../../mod.ts";
   * using file = await open("/etc/hostname");
   * assertEquals(await file.stat(), await Deno.stat("/etc/hostname"));
   * ```
   */
  stat(): Promise<Deno.FileInfo> {
    try {
      checkFile(this, "read");
    } catch (e) {
      return Promise.reject(e);
    }
    const buf = new Uint8Array(new SharedArrayBuffer(STATX_SIZE));
    return this.#h.op(async (io, fd) => {
      const [r] = await io.link((c) => c.statx(fd, EMPTY_PATH, At.EMPTY_PATH, STATX_MASK, buf));
      if (r instanceof Error) throw r;
      return fileInfo(new DataView(buf.buffer, 0, STATX_SIZE));
    });
  }

  /** statx(2) of the fd on this thread, like `Deno.FsFile.statSync`. */
  statSync(): Deno.FileInfo {
    this.#h.check();
    checkFile(this, "read");
    const buf = new Uint8Array(STATX_SIZE);
    if (libc().statx(this.#h.fd, EMPTY_PATH, At.EMPTY_PATH, STATX_MASK, buf) < 0) {
      throw syncError();
    }
    return fileInfo(new DataView(buf.buffer, 0, STATX_SIZE));
  }

  /**
   * Sets the file's length, like `Deno.FsFile.truncate`: `io_uring_prep_ftruncate(3)`.
   * Linux 6.9.
   *
   * @param len the new length; missing or negative is 0 (as Deno)
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { open } from "../../mod.ts";
   * const path = await Deno.makeTempFile();
   * using file = await open(path, { write: true });
   * await file.truncate(5 * 2 ** 30); // sparse: 5 GiB of holes
   * assertEquals((await file.stat()).size, 5 * 2 ** 30);
   * await Deno.remove(path);
   * ```
   */
  truncate(len?: number): Promise<void> {
    let n: number;
    try {
      n = lengthOf(len);
    } catch (e) {
      return Promise.reject(e);
    }
    // resolves null, as Deno's (its op's result is passed on)
    return this.#h.op((io, fd) => io.ftruncate(fd, n).then(() => null)) as Promise<never>;
  }

  /** ftruncate(2) on this thread, like `Deno.FsFile.truncateSync`. */
  truncateSync(len?: number): void {
    this.#h.check();
    if (libc().ftruncate(this.#h.fd, BigInt(lengthOf(len))) < 0) throw syncError();
  }

  /**
   * Flushes the file's data and metadata to the device, like `Deno.FsFile.sync`:
   * `io_uring_prep_fsync(3)`. Linux 5.1.
   *
   * @example
   * ```ts
   * import { create } from "../../mod.ts";
   * const path = await Deno.makeTempFile();
   * using file = await create(path);
   * await file.write(new Uint8Array(8));
   * await file.sync();
   * await Deno.remove(path);
   * ```
   */
  sync(): Promise<void> {
    return this.#h.op((io, fd) => io.fsync(fd));
  }

  /** fsync(2) on this thread, like `Deno.FsFile.syncSync`. */
  syncSync(): void {
    this.#h.check();
    if (libc().fsync(this.#h.fd) < 0) throw syncError();
  }

  /**
   * Flushes the file's data (and the metadata needed to read it back), like
   * `Deno.FsFile.syncData`: `io_uring_prep_fsync(3)` with `IORING_FSYNC_DATASYNC`. Linux 5.1.
   *
   * @example
   * ```ts
   * import { create } from "../../mod.ts";
   * const path = await Deno.makeTempFile();
   * using file = await create(path);
   * await file.write(new Uint8Array(8));
   * await file.syncData();
   * await Deno.remove(path);
   * ```
   */
  syncData(): Promise<void> {
    return this.#h.op((io, fd) => io.fdatasync(fd));
  }

  /** fdatasync(2) on this thread, like `Deno.FsFile.syncDataSync`. */
  syncDataSync(): void {
    this.#h.check();
    if (libc().fdatasync(this.#h.fd) < 0) throw syncError();
  }

  /**
   * Sets the access and modification times, like `Deno.FsFile.utime`. io_uring has no
   * utimensat opcode: this is futimens(2), a metadata update made on this thread.
   *
   * @param atime seconds since the epoch, or a `Date`
   * @param mtime seconds since the epoch, or a `Date`
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { open } from "../../mod.ts";
   * const path = await Deno.makeTempFile();
   * using file = await open(path, { write: true });
   * await file.utime(1, new Date(2_000));
   * assertEquals((await file.stat()).mtime, new Date(2_000));
   * await Deno.remove(path);
   * ```
   */
  utime(atime: number | Date, mtime: number | Date): Promise<void> {
    try {
      this.utimeSync(atime, mtime);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** futimens(2), like `Deno.FsFile.utimeSync`. */
  utimeSync(atime: number | Date, mtime: number | Date): void {
    this.#h.check();
    checkFile(this, "write");
    const times = new BigInt64Array(4);
    timespec(atime, times, 0);
    timespec(mtime, times, 2);
    if (libc().futimens(this.#h.fd, times) < 0) throw syncError();
  }

  /**
   * A byte stream of the file from its position to its end (a BYOB reader may bring its own
   * buffers), like `Deno.FsFile.readable`: the file is closed when the stream ends, errors or
   * is cancelled (a read in flight is cancelled too).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { open } from "../../mod.ts";
   * const file = await open("/etc/hostname");
   * const text = await new Response(file.readable).text(); // the file is closed after
   * assertEquals(text, await Deno.readTextFile("/etc/hostname"));
   * ```
   */
  get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
    return this.#readable ??= readableOf(this.#h);
  }

  /**
   * A stream writing every byte of each chunk at the file position, like
   * `Deno.FsFile.writable` (chunks under 64 KiB are gathered first); the file is closed when
   * the stream is closed or aborted. Unlike Deno's, `close()` rejects when the last bytes could
   * not be written.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { open } from "../../mod.ts";
   * const path = await Deno.makeTempFile();
   * const file = await open(path, { write: true });
   * await ReadableStream.from(["hello ", "world"]).pipeThrough(new TextEncoderStream())
   *   .pipeTo(file.writable);
   * assertEquals(await Deno.readTextFile(path), "hello world");
   * await Deno.remove(path);
   * ```
   */
  get writable(): WritableStream<Uint8Array> {
    return this.#writable ??= writableOf(this.#h);
  }

  /**
   * Closes the file, like `Deno.FsFile.close`: the fd is closed before this returns, unless an
   * op is in flight on it; then the ops are cancelled and the fd closed when they have settled.
   *
   * @throws {Deno.errors.BadResource} when it was closed already
   */
  close(): void {
    if (!this.#h.close()) throw badResource();
  }

  /** Closes the file unless it is closed already. */
  [Symbol.dispose](): void {
    this.#h.close();
  }

  /**
   * True when the file is a terminal, like `Deno.FsFile.isTerminal` (isatty(3); false once
   * closed).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { open } from "../../mod.ts";
   * using file = await open("/etc/hostname");
   * assertEquals(file.isTerminal(), false);
   * ```
   */
  isTerminal(): boolean {
    if (this.#h.closed) return false;
    return libc().isatty(this.#h.fd) === 1;
  }

  /**
   * Puts a terminal in raw mode (or, with `cbreak`, raw but with signals) or back, like
   * `Deno.FsFile.setRaw`: termios through libc, as Deno's.
   *
   * @throws {Deno.errors.BadResource} `ENOTTY: Not a typewriter` when the file is no terminal
   */
  setRaw(mode: boolean, options?: Deno.SetRawOptions): void {
    this.#h.check();
    setRaw(this.#h.fd, mode, options?.cbreak === true);
  }

  /**
   * Takes an advisory lock on the whole file, waiting for it, like `Deno.FsFile.lock`. io_uring
   * has no flock opcode: a flock(2) that does not wait is tried first; when another holds the
   * lock, a blocking flock(2) waits on one of Deno's worker threads, so the event loop goes on
   * (it cannot be cancelled: the file is closed after it returns).
   *
   * @param exclusive an exclusive lock (default: shared)
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { open } from "../../mod.ts";
   * const path = await Deno.makeTempFile();
   * using a = await open(path, { read: true, write: true });
   * using b = await open(path, { read: true, write: true });
   * await a.lock(true);
   * assertEquals(await b.tryLock(), false);
   * await a.unlock();
   * assertEquals(await b.tryLock(), true);
   * await Deno.remove(path);
   * ```
   */
  async lock(exclusive = false): Promise<void> {
    const h = this.#h;
    h.check();
    const op = exclusive ? LOCK_EX : LOCK_SH;
    if (this.#tryLock(op)) return;
    await h.thread(async () => {
      while ((await libc().flockWait(h.fd, op)) !== 0) {
        // The worker thread's errno is out of reach: ask again without waiting to learn it.
        if (this.#tryLock(op)) return;
      }
    });
  }

  /** flock(2) that waits, on this thread, like `Deno.FsFile.lockSync`. */
  lockSync(exclusive = false): void {
    this.#h.check();
    const op = exclusive ? LOCK_EX : LOCK_SH;
    while (libc().flock(this.#h.fd, op) !== 0) {
      const e = errno();
      if (e !== EINTR) throw denoFsError(e);
    }
  }

  /**
   * Takes the lock if nobody else holds it, like `Deno.FsFile.tryLock` (flock(2) with
   * `LOCK_NB`).
   *
   * @returns true when the lock was taken
   */
  tryLock(exclusive = false): Promise<boolean> {
    try {
      return Promise.resolve(this.tryLockSync(exclusive));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** `tryLock`, synchronously, like `Deno.FsFile.tryLockSync`. */
  tryLockSync(exclusive = false): boolean {
    this.#h.check();
    return this.#tryLock(exclusive ? LOCK_EX : LOCK_SH);
  }

  /** flock(fd, op | LOCK_NB): true when taken, false when another holds it. */
  #tryLock(op: number): boolean {
    for (;;) {
      if (libc().flock(this.#h.fd, op | LOCK_NB) === 0) return true;
      const e = errno();
      if (e === EAGAIN) return false;
      if (e !== EINTR) throw denoFsError(e);
    }
  }

  /** Releases the lock, like `Deno.FsFile.unlock` (flock(2) `LOCK_UN`, which never waits). */
  unlock(): Promise<void> {
    try {
      this.unlockSync();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** `unlock`, synchronously, like `Deno.FsFile.unlockSync`. */
  unlockSync(): void {
    this.#h.check();
    if (libc().flock(this.#h.fd, LOCK_UN) !== 0) throw syncError();
  }
}

// `file instanceof Deno.FsFile` holds, as code written for Deno's handles may check; every
// member above shadows Deno's, so none of Deno's methods ever runs on this object.
Object.setPrototypeOf(FsFile.prototype, Deno.FsFile.prototype);

function ensureBytesError(p: unknown): TypeError {
  try {
    ensureBytes(p);
  } catch (e) {
    return e as TypeError;
  }
  return new TypeError("expected typed ArrayBufferView");
}

// ---- termios (setRaw) --------------------------------------------------------------------

const TERMIOS_SIZE = 60; // struct termios on Linux: 4 flag words, c_line, c_cc[32], 2 speeds
const IFLAG = 0, CFLAG = 8, LFLAG = 12, CC = 17;
const BRKINT = 0o2, INPCK = 0o20, ISTRIP = 0o40, ICRNL = 0o400, IXON = 0o2000;
const CS8 = 0o60;
const ISIG = 0o1, ICANON = 0o2, ECHO = 0o10, IEXTEN = 0o100000;
const VTIME = 5, VMIN = 6;
const TCSADRAIN = 1;
/** The modes `setRaw(true)` found, per fd, restored by `setRaw(false)` (Deno's `TtyModeStore`). */
const savedModes = new Map<number, Uint8Array>();

function setRaw(fd: number, raw: boolean, cbreak: boolean): void {
  const c = libc();
  const fail = () => {
    const e = errno();
    // Deno reports termios failures in the words of the nix crate, as BadResource
    const text = e === ENOTTY ? "Not a typewriter" : (denoFsError(e).message.split(" (")[0]);
    throw new Deno.errors.BadResource(`${denoFsError(e).code}: ${text}`);
  };
  if (!raw) {
    const saved = savedModes.get(fd);
    if (saved === undefined) return;
    savedModes.delete(fd);
    if (c.tcsetattr(fd, TCSADRAIN, saved) !== 0) fail();
    return;
  }
  let t = savedModes.get(fd)?.slice();
  if (t === undefined) {
    t = new Uint8Array(TERMIOS_SIZE);
    if (c.tcgetattr(fd, t) !== 0) fail();
    savedModes.set(fd, t.slice());
  }
  const v = new DataView(t.buffer);
  v.setUint32(IFLAG, v.getUint32(IFLAG, true) & ~(BRKINT | ICRNL | INPCK | ISTRIP | IXON), true);
  v.setUint32(CFLAG, v.getUint32(CFLAG, true) | CS8, true);
  let lflag = v.getUint32(LFLAG, true) & ~(ECHO | ICANON | IEXTEN);
  if (!cbreak) lflag &= ~ISIG;
  v.setUint32(LFLAG, lflag >>> 0, true);
  t[CC + VMIN] = 1;
  t[CC + VTIME] = 0;
  if (c.tcsetattr(fd, TCSADRAIN, t) !== 0) fail();
}
