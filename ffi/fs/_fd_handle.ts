/**
 * The state behind an `FsFile`: its ring, its fd, and what is in flight on it, so that closing
 * never lets an op act on a reused fd number.
 *
 * - An op started through the handle counts in `ringOps` (ring ops) or `threadOps` (a blocking
 *   flock on a worker thread) until it settles.
 * - `close()` with nothing in flight closes the fd at once (close(2), as Deno's synchronous
 *   `close()`: the fd count drops before it returns). With ops in flight it cancels the ring
 *   ops on the fd (`AsyncRing.cancelFd`; they reject with `Deno.errors.Interrupted`, as Deno's
 *   do) and closes the fd when the last one has settled, as Deno keeps a resource until its ops
 *   are done.
 *
 * @internal
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { denoFsError, UringError } from "../sys/mod.ts";
import { libc } from "./_libc_fd.ts";

/** One read or write moves at most this many bytes (Linux's `MAX_RW_COUNT`). */
export const MAX_RW = 0x7ffff000;
/**
 * Pieces of a write-all from memory the caller could transfer: each goes through a pooled chunk
 * of the ring's bounce memory (chunks above 1 MiB are allocated per op).
 */
const BOUNCE_PIECE = 1 << 20;

/** Deno's error for an op on a closed file. */
export function badResource(): Error {
  return new Deno.errors.BadResource("Bad resource ID");
}

/** Retries of a cancel while a cancelled op has not settled yet (see `_FdHandle.close`). */
const RECANCEL_MS = 10;

/** An open fd and what is in flight on it. */
export class _FdHandle {
  readonly io: AsyncRing;
  readonly fd: number;
  closed = false;
  /** Ring ops in flight on `fd`. */
  ringOps = 0;
  /** Worker-thread calls in flight on `fd` (a waiting flock). */
  threadOps = 0;
  /** True once `close()` cancelled the ops in flight: their ECANCELED means "closed". */
  #cancelled = false;
  #fdClosed = false;

  /** Settles a ring op: the result passes through. */
  readonly done: (n: number) => number;
  /** Settles a failed ring op: throws Deno's error for it. */
  readonly fail: (e: unknown) => never;

  constructor(io: AsyncRing, fd: number) {
    this.io = io;
    this.fd = fd;
    register(this);
    this.done = (n) => {
      if (--this.ringOps === 0 && this.closed) this.#closeFd();
      return n;
    };
    this.fail = (e) => {
      if (--this.ringOps === 0 && this.closed) this.#closeFd();
      throw this.error(e);
    };
  }

  /** Deno's error for a failed op on the open file (no op or path in the message). */
  error(e: unknown): unknown {
    if (!(e instanceof UringError)) return e;
    if (e.errno === 125 && this.#cancelled) {
      const err = new Deno.errors.Interrupted("operation canceled") as Error & { code: string };
      err.code = "EINTR";
      return err;
    }
    return denoFsError(e.errno);
  }

  /** Throws `BadResource` once closed. */
  check(): void {
    if (this.closed) throw badResource();
  }

  /** Reads into `view` (at most `MAX_RW` bytes) at the file position; 0 at the end. */
  read(view: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(badResource());
    this.ringOps++;
    const v = view.length > MAX_RW ? view.subarray(0, MAX_RW) : view;
    return this.io.read(this.fd, v, -1).then(this.done, this.fail);
  }

  /** One write of `view` (at most `MAX_RW` bytes) at the file position: may be short. */
  write(view: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(badResource());
    this.ringOps++;
    const v = view.length > MAX_RW ? view.subarray(0, MAX_RW) : view;
    return this.io.write(this.fd, v, -1).then(this.done, this.fail);
  }

  /**
   * Writes all of `view`, continuing short writes from where they stopped (the file position
   * moves by what each write took, so the next one starts right after it).
   *
   * @param owned `view` is memory the caller cannot transfer meanwhile (library memory or a
   *   `SharedArrayBuffer`): the kernel may take pieces of up to `MAX_RW` bytes in place
   */
  async writeAll(view: Uint8Array, owned = false): Promise<void> {
    const piece = owned || view.buffer instanceof SharedArrayBuffer ? MAX_RW : BOUNCE_PIECE;
    for (let off = 0; off < view.length;) {
      const end = Math.min(view.length, off + piece);
      const n = await this.write(off === 0 && end === view.length ? view : view.subarray(off, end));
      if (n === 0) throw new Deno.errors.WriteZero("failed to write whole buffer");
      off += n;
    }
  }

  /** Runs a ring op on the fd, counted until it settles, with Deno's errors. */
  op<T>(start: (io: AsyncRing, fd: number) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(badResource());
    this.ringOps++;
    let p: Promise<T>;
    try {
      p = start(this.io, this.fd);
    } catch (e) {
      p = Promise.reject(e);
    }
    return p.then((v) => {
      this.done(0);
      return v;
    }, this.fail);
  }

  /** A worker-thread call on the fd, counted until it returns. */
  async thread<T>(call: () => Promise<T>): Promise<T> {
    this.threadOps++;
    try {
      return await call();
    } finally {
      if (--this.threadOps === 0 && this.closed && this.ringOps === 0) this.#closeFd();
    }
  }

  /**
   * Closes the file: the fd at once when nothing is in flight, else after the last op settles
   * (ring ops are cancelled first). Returns false when it was closed already.
   */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    if (this.ringOps === 0 && this.threadOps === 0) {
      this.#closeFd();
      return true;
    }
    if (this.ringOps > 0) this.#cancel();
    return true;
  }

  /**
   * Cancels the ring ops on the fd, again every few ms while one has not settled. Each cancel
   * is made only while an op is in flight, so the fd is still this file's (it is closed when
   * the last op settles, and its number may then serve another file).
   */
  #cancel(): void {
    if (this.ringOps === 0 || this.io.closed) return;
    this.#cancelled = true;
    const again = () => {
      if (this.ringOps > 0) setTimeout(() => this.#cancel(), RECANCEL_MS);
    };
    this.io.cancelFd(this.fd).then(again, () => {});
  }

  #closeFd(): void {
    if (this.#fdClosed || this.threadOps > 0) return;
    this.#fdClosed = true;
    unregister(this);
    libc().close(this.fd);
  }
}

/**
 * Closes the fds of handles nobody closed, once nothing (the file, its streams, an op in
 * flight) refers to them any more: a fallback, not a way to close files.
 */
const leaks = new FinalizationRegistry<number>((fd) => {
  libc().close(fd);
});

/** Closes `handle`'s fd if the handle is collected while open. */
export function register(handle: _FdHandle): void {
  leaks.register(handle, handle.fd, handle);
}

function unregister(handle: _FdHandle): void {
  leaks.unregister(handle);
}
