/**
 * The engine of `readFiles()`: many whole files read with linked chains on a ring of its own.
 *
 * Per file, one hard-linked chain `openat_direct(slot) -> read(slot, 16 KiB) -> read(slot, 1
 * byte)`, then `close_direct(slot)` with the next submit. The 1-byte probe read tells the end of
 * a file from a short read, which pipes and character devices give before their end; with no
 * close in the chain, a file longer than its first read goes on through the same slot, into a
 * buffer of its own that doubles as needed, instead of being opened again (which a pipe would
 * not survive). Why a private `Ring` and not `AsyncRing` ops:
 *
 * - **No promise, closure or object per op.** Slots are indices into typed arrays; user data is
 *   `slot * 4 + step`; CQEs are read in place (`peekCqes`). One `await` per round only when the
 *   kernel has not finished inline (then `waitAsync` waits on a worker thread); page-cache
 *   files finish inside the submitting `io_uring_enter`.
 * - **One address lookup for all paths.** The paths are encoded once into one arena and each
 *   open gets `arena + offset` as a raw address. A fresh C string per path costs an
 *   `UnsafePointer.of` (an FFI op that also moves the buffer off the V8 heap) plus a `WeakMap`
 *   entry: that was ~24-28% of the per-file time in the profile; here encoding all
 *   paths is ~1-2% of a call.
 * - **Direct descriptors without touching the user's file table.** The ring's own sparse table
 *   holds the slots, so `io.ring.registerFiles()` stays free for the caller, and closing the
 *   ring empties the table whatever happened.
 *
 * Measured (CPU profile of 10 000 cached 4 KiB files per call): ~60-65% is `io_uring_enter`
 * (the kernel's work), ~20-25% the copies of the results into buffers of their own (see
 * `#copyOut`), ~5% GC, the rest of this file ~3%.
 *
 * Memory the kernel uses (the path arena, the scratch buffers, a long file's buffer) is
 * referenced here and not let go before every op has posted its CQE: `read()` settles only once
 * nothing is in flight, also after a failure or an abort (in-flight ops are then cancelled, and
 * again every 10 ms until the chains are drained: a hard-linked chain goes on after a cancelled
 * op, and a FIFO read would block again). `read()` hands out copies; `visit()` lends views of the
 * scratch buffer instead (see `visit()` for how a slot stays off the kernel's hands while its
 * bytes are lent).
 *
 * @internal
 * @module
 */
import { immediate } from "./_immediate.ts";
import { CancelFlag, Op, OpenFlag } from "../sys/mod.ts";
import { addressOf, utf8Encoder } from "../sys/mod.ts";
import { alignedBuffer } from "../sys/mod.ts";
import { denoFsError, OUT_OF_MEMORY } from "../sys/mod.ts";
import { type Fixed, fixed } from "../sys/mod.ts";
import { Ring } from "../ring/mod.ts";
import { AT_FDCWD, MAX_RW } from "../ring/mod.ts";
import { SqeFlag } from "../sys/mod.ts";

/** Bytes read per file by the chain's first read; longer files go on in further rounds. */
const FIRST = 16 * 1024;
const OPEN = 0, READ = 1, PROBE = 2, CLOSE = 3;
/** A further read of a long file: its CQE is handled where the probe's is. */
const MORE = PROBE;
const CANCEL_UD = 0x7fffffff;
/** Longest stretch of work, in ms, before the event loop gets a turn. */
const YIELD_MS = 4;
/** What a slot waits to submit next. */
const TODO_CLOSE = 1, TODO_MORE = 2;

/** `visit()`'s callback: the index of a file in `paths` and its bytes, lent. */
export type VisitFn = (index: number, bytes: Uint8Array<ArrayBuffer>) => void | Promise<void>;
/** `visit()`'s callback for a file that failed: its index and Deno's error. */
export type VisitErrorFn = (index: number, error: Error) => void;

const EMPTY = new Uint8Array(0);

/**
 * `paths` as NUL-terminated UTF-8, back to back in one buffer (`offsets[i]` is where path `i`
 * starts): one allocation and one address lookup for any number of paths.
 */
export function encodePaths(paths: readonly string[]): {
  bytes: Uint8Array<ArrayBuffer>;
  offsets: Float64Array<ArrayBuffer>;
} {
  let size = 0;
  for (const p of paths) size += p.length * 3 + 1;
  const bytes = new Uint8Array(size);
  const offsets = new Float64Array(paths.length);
  let at = 0;
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i];
    offsets[i] = at;
    // ASCII paths (the common case) without encodeInto's subarray per path.
    let j = 0;
    for (; j < p.length; j++) {
      const c = p.charCodeAt(j);
      if (c >= 0x80) break;
      bytes[at + j] = c;
    }
    if (j === p.length) at += j;
    else at += utf8Encoder().encodeInto(p, bytes.subarray(at)).written;
    bytes[at++] = 0;
  }
  return { bytes, offsets };
}

/**
 * A ring with a sparse file table of `slots` direct descriptors and a scratch buffer of
 * `slots * FIRST` bytes: what `readFiles()` runs on. Setting one up costs ~0.2-0.7 ms here (ring
 * and table set-up, the first touch of the scratch pages), as much as reading 100-250 small
 * files, so `files.ts` keeps one per `AsyncRing` and runs one call at a time on it.
 */
export class _FileReader {
  readonly slots: number;
  readonly #ring: Ring;
  readonly #scratch: Uint8Array;
  /** The scratch memory is a plain (never detachable) `ArrayBuffer`: views of it can be lent. */
  readonly #lendable: boolean;
  readonly #scratchAddr: number;
  readonly #probe: Uint8Array;
  readonly #probeAddr: number;
  readonly #fixed: Fixed[] = [];

  // per slot
  readonly #file: Int32Array;
  readonly #err: Int32Array;
  /** Bytes read so far: a Float64Array, as a file may be longer than 2**31 bytes. */
  readonly #got: Float64Array;
  readonly #opened: Uint8Array;
  readonly #todo: Uint8Array;
  /** 1 while a long file's buffer is full and a 1-byte probe asks whether the file goes on. */
  readonly #probing: Uint8Array;
  /** A file longer than its first read: the buffer it goes on in (kept until its CQE). */
  readonly #bufs: (Uint8Array<ArrayBuffer> | undefined)[];
  /** 1 while a slot's bytes are lent to a `visit()` callback (not yet settled). */
  readonly #lent: Uint8Array;
  /** 1 once a slot's close has posted its CQE (the slot is free when also not lent). */
  readonly #closed: Uint8Array;
  readonly #free: Int32Array;
  #freeTop = 0;
  readonly #todoList: Int32Array;
  #todoTop = 0;

  // per call
  #paths: readonly string[] = [];
  #arena: Uint8Array = EMPTY;
  #arenaAddr = 0;
  #offsets = new Float64Array(0);
  #results: Uint8Array<ArrayBuffer>[] = [];
  #next = 0;
  /** Files open at once, at most (`concurrency`). */
  #limit = 0;
  #inflight = 0;
  /** Lowest path index that failed, and its errno. */
  #failedAt = -1;
  #failedErrno = 0;
  #stopError: unknown = undefined;
  #stopped = false;
  #busy = false;
  #closeWhenIdle = false;
  /** `visit()`'s callback, or undefined in a `read()` call. */
  #visitor: VisitFn | undefined = undefined;
  /** `visit()`'s error callback: a failed file goes there and the call goes on. */
  #onError: VisitErrorFn | undefined = undefined;
  /** Files to hand over after a reap: a slot, or `-1 - file` and the errno of a failed file. */
  readonly #ready: number[] = [];
  /** Callbacks whose promise has not settled yet. */
  #pending = 0;
  /** Wakes the loop when a callback settles while nothing is in flight. */
  #wake: (() => void) | undefined = undefined;

  /** @param slots files open at once, at most */
  constructor(slots: number) {
    this.slots = slots;
    let entries = 8;
    while (entries < slots * 3 + 4) entries *= 2;
    this.#ring = new Ring({ entries, cqEntries: entries * 2 });
    try {
      this.#ring.registerFiles(slots);
    } catch (e) {
      this.#ring.close();
      throw e;
    }
    this.#scratch = lendableBuffer(slots * FIRST);
    this.#lendable = !(this.#scratch.buffer instanceof SharedArrayBuffer);
    this.#scratchAddr = addressOf(this.#scratch);
    this.#probe = scratchBuffer(slots);
    this.#probeAddr = addressOf(this.#probe);
    this.#file = new Int32Array(slots);
    this.#err = new Int32Array(slots);
    this.#got = new Float64Array(slots);
    this.#opened = new Uint8Array(slots);
    this.#todo = new Uint8Array(slots);
    this.#probing = new Uint8Array(slots);
    this.#bufs = new Array(slots).fill(undefined);
    this.#lent = new Uint8Array(slots);
    this.#closed = new Uint8Array(slots);
    this.#free = new Int32Array(slots);
    this.#todoList = new Int32Array(slots);
    for (let i = slots - 1; i >= 0; i--) this.#free[this.#freeTop++] = i;
    for (let i = 0; i < slots; i++) this.#fixed.push(fixed(i));
  }

  /** True while a call runs. */
  get busy(): boolean {
    return this.#busy;
  }

  /**
   * Reads every file of `paths` (checked strings). Resolves when all are read; rejects with the
   * error of the lowest-index path that failed, or with what `stop()` was given, once nothing
   * is in flight.
   */
  async read(paths: readonly string[], limit: number): Promise<Uint8Array<ArrayBuffer>[]> {
    this.#start(paths, limit, undefined, undefined);
    this.#results = new Array(paths.length);
    await this.#run();
    const results = this.#results;
    this.#results = [];
    if (this.#stopped) throw this.#stopError;
    if (this.#failedAt >= 0) {
      throw denoFsError(this.#failedErrno, "readfile", paths[this.#failedAt]);
    }
    return results;
  }

  /**
   * Reads every file of `paths` (checked strings) and calls `fn(index, bytes)` with each, in the
   * order the files complete, with `bytes` **lent**: a view of this reader's scratch memory (or,
   * for a file longer than 16 KiB, of a buffer of its own), valid until `fn` returns or the
   * promise it returns settles. Until then the slot that read it is neither reused nor handed to
   * the kernel, so the kernel never writes into bytes a callback still sees. The scratch memory
   * cannot be detached or transferred (see `lendableBuffer()`), so a callback that tries fails
   * with a `TypeError` and no later read can write into memory freed behind the kernel's back.
   *
   * A failed file goes to `onError(index, error)` when given (the call goes on); without it, the
   * call rejects with the error of the lowest-index path that failed, as `read()` does. A throw
   * or rejection of `fn` or `onError` stops the call (as `stop()` does) and it rejects with it.
   * Settles only once nothing is in flight and every callback has settled.
   */
  async visit(
    paths: readonly string[],
    limit: number,
    fn: VisitFn,
    onError: VisitErrorFn | undefined,
  ): Promise<void> {
    this.#start(paths, limit, fn, onError);
    await this.#run();
    if (this.#stopped) throw this.#stopError;
    if (this.#failedAt >= 0) {
      throw denoFsError(this.#failedErrno, "readfile", paths[this.#failedAt]);
    }
  }

  #start(
    paths: readonly string[],
    limit: number,
    fn: VisitFn | undefined,
    onError: VisitErrorFn | undefined,
  ): void {
    if (this.#busy) throw new Error("_FileReader runs one call at a time");
    if (this.#ring.closed) throw new Error("_FileReader is closed");
    this.#busy = true;
    const { bytes, offsets } = encodePaths(paths);
    this.#paths = paths;
    this.#offsets = offsets;
    this.#arena = bytes; // the kernel reads the paths from it: kept until the call is done
    this.#arenaAddr = addressOf(bytes);
    this.#next = 0;
    this.#limit = Math.min(limit, this.slots);
    this.#failedAt = -1;
    this.#stopped = false;
    this.#stopError = undefined;
    this.#visitor = fn;
    this.#onError = onError;
    this.#pending = 0;
  }

  async #run(): Promise<void> {
    const ring = this.#ring;
    let timer: ReturnType<typeof setInterval> | undefined;
    let lastYield = performance.now();
    try {
      for (;;) {
        this.#fill();
        if (this.#inflight === 0) {
          if (this.#pending === 0) break;
          // Every slot is lent to a callback that has not settled: wait for one.
          await new Promise<void>((resolve) => this.#wake = resolve);
          continue;
        }
        if (ring.sqReady() > 0) ring.submit();
        if (performance.now() - lastYield > YIELD_MS) {
          // Page-cache files complete inside the submit, so a big call would otherwise hold the
          // event loop for its whole length: let timers, I/O and an abort in (~6 µs a time).
          await new Promise<void>((r) => immediate(r));
          lastYield = performance.now();
        }
        const n = this.#reap();
        if (this.#ready.length > 0) this.#handOver();
        if (n === 0) {
          if (this.#stopped && timer === undefined) {
            timer = setInterval(() => this.#cancelAll(), 10);
          }
          await ring.waitAsync(1);
        }
      }
    } finally {
      if (timer !== undefined) clearInterval(timer);
      // Nothing is in flight here (or the ring failed, and closing it reaps what is left):
      // the arena can go.
      this.#arena = EMPTY;
      this.#paths = [];
      this.#visitor = undefined;
      this.#onError = undefined;
      this.#wake = undefined;
      this.#busy = false;
      if (this.#closeWhenIdle || this.#inflight !== 0 || this.#pending !== 0) this.close();
    }
  }

  /**
   * Calls the callbacks of the files reaped last (after the CQEs are handled, so that a
   * callback that stops the call or starts another finds the reader in a settled state).
   */
  #handOver(): void {
    const ready = this.#ready;
    for (let k = 0; k < ready.length; k++) {
      const item = ready[k];
      if (item < 0) { // a failed file, then its errno
        const file = -1 - item;
        const err = denoFsError(ready[++k], "readfile", this.#paths[file]);
        if (!this.#stopped) this.#call(-1, () => this.#onError!(file, err));
        continue;
      }
      const slot = item;
      if (this.#stopped) {
        this.#unlend(slot);
        continue;
      }
      const file = this.#file[slot];
      const big = this.#bufs[slot];
      const from = slot * FIRST;
      // Without WebAssembly the scratch memory is a SharedArrayBuffer, refused by some APIs
      // (`crypto.subtle`, `Blob`): a copy then, so that `bytes` is always over an ArrayBuffer.
      const bytes = big !== undefined
        ? big.subarray(0, this.#got[slot])
        : this.#lendable
        ? this.#scratch.subarray(from, from + this.#got[slot]) as Uint8Array<ArrayBuffer>
        : this.#scratch.slice(from, from + this.#got[slot]);
      this.#call(slot, () => this.#visitor!(file, bytes));
    }
    ready.length = 0;
  }

  /** Runs a callback; the slot (if any) stays lent until what it returns settles. */
  #call(slot: number, fn: () => void | Promise<void>): void {
    let r: void | Promise<void>;
    try {
      r = fn();
    } catch (e) {
      this.stop(e);
      if (slot >= 0) this.#unlend(slot);
      return;
    }
    if (r === undefined || typeof (r as Promise<void>).then !== "function") {
      if (slot >= 0) this.#unlend(slot);
      return;
    }
    this.#pending++;
    (r as Promise<void>).then(undefined, (e) => this.stop(e)).finally(() => {
      this.#pending--;
      if (slot >= 0) this.#unlend(slot);
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    });
  }

  /** A callback is done with a slot's bytes: the slot is free once its close has ended too. */
  #unlend(slot: number): void {
    this.#lent[slot] = 0;
    if (this.#closed[slot]) this.#release(slot);
  }

  #release(slot: number): void {
    this.#closed[slot] = 0;
    this.#bufs[slot] = undefined;
    this.#probing[slot] = 0;
    this.#free[this.#freeTop++] = slot;
  }

  /** Stops starting files, cancels those in flight; `read()` then rejects with `reason`. */
  stop(reason: unknown): void {
    if (!this.#busy || this.#stopped) return;
    this.#stopped = true;
    this.#stopError = reason;
    this.#cancelAll();
  }

  /** Closes the ring (and so its file table) now, or once the running call is done. */
  close(): void {
    if (this.#busy) {
      this.#closeWhenIdle = true;
      return;
    }
    this.#ring.close();
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#ring.closed;
  }

  #cancelAll(): void {
    if (this.#inflight === 0 || this.#ring.closed) return;
    const s = this.#ring.getSqe();
    if (s === null) return; // the next round submits, and the interval tries again
    s.prepCancel(0, CancelFlag.ANY | CancelFlag.ALL);
    s.userData = CANCEL_UD;
    this.#ring.submit();
  }

  /** Prepares closes and continuations, then new chains while slots are free. */
  #fill(): void {
    const ring = this.#ring;
    for (let k = 0; k < this.#todoTop; k++) {
      const slot = this.#todoList[k];
      const what = this.#todo[slot];
      this.#todo[slot] = 0;
      if (what === TODO_CLOSE || this.#stopped) this.#prepClose(ring, slot);
      else this.#prepMore(ring, slot);
    }
    this.#todoTop = 0;
    if (this.#stopped || this.#failedAt >= 0) return;
    const n = this.#paths.length;
    const reserve = this.slots - this.#limit;
    while (this.#freeTop > reserve && this.#next < n) {
      const slot = this.#free[--this.#freeTop];
      const file = this.#next++;
      this.#file[slot] = file;
      this.#err[slot] = 0;
      this.#got[slot] = 0;
      this.#opened[slot] = 0;
      const fd = this.#fixed[slot];
      const s = ring.getSqe()!;
      s.prepRw(Op.OPENAT, AT_FDCWD, this.#arenaAddr + this.#offsets[file], 0, 0);
      s.opFlags = OpenFlag.RDONLY;
      s.fileIndex = slot + 1;
      s.flags = SqeFlag.IO_HARDLINK;
      s.userData = slot * 4 + OPEN;
      const r = ring.getSqe()!;
      r.prepRw(Op.READ, fd, this.#scratchAddr + slot * FIRST, FIRST, -1);
      r.flags |= SqeFlag.IO_HARDLINK;
      r.userData = slot * 4 + READ;
      const p = ring.getSqe()!;
      p.prepRw(Op.READ, fd, this.#probeAddr + slot, 1, -1);
      p.userData = slot * 4 + PROBE;
      this.#inflight += 3;
    }
  }

  /** One more read of a long file, into the rest of its buffer. */
  #prepMore(ring: Ring, slot: number): void {
    const buf = this.#bufs[slot]!;
    const got = this.#got[slot];
    const r = ring.getSqe()!;
    if (this.#probing[slot]) r.prepRw(Op.READ, this.#fixed[slot], this.#probeAddr + slot, 1, -1);
    else {
      const len = Math.min(buf.length - got, MAX_RW);
      r.prepRw(Op.READ, this.#fixed[slot], addressOf(buf) + got, len, -1);
    }
    r.userData = slot * 4 + MORE;
    this.#inflight++;
  }

  #prepClose(ring: Ring, slot: number): void {
    const s = ring.getSqe()!;
    s.prepCloseDirect(slot);
    s.userData = slot * 4 + CLOSE;
    this.#inflight++;
  }

  /** Handles the ready CQEs; returns how many there were. */
  #reap(): number {
    const ring = this.#ring;
    const view = ring.peekCqes();
    const n = view.length;
    for (let i = 0; i < n; i++) {
      const ud = view.userData(i);
      if (ud === CANCEL_UD) continue;
      this.#inflight--;
      this.#cqe(ud >>> 2, ud & 3, view.res(i));
    }
    if (n > 0) ring.cqAdvance(n);
    return n;
  }

  #cqe(slot: number, step: number, res: number): void {
    switch (step) {
      case OPEN:
        if (res < 0) this.#err[slot] = -res;
        else this.#opened[slot] = 1;
        return;
      case READ:
        if (this.#err[slot] === 0) {
          if (res < 0) this.#err[slot] = -res;
          else this.#got[slot] = res;
        }
        return;
      case PROBE:
        this.#firstDone(slot, res);
        return;
      case CLOSE:
        if (this.#lent[slot]) this.#closed[slot] = 1;
        else this.#release(slot);
        return;
    }
  }

  /** The last CQE of a chain (the probe) or of a further read (`MORE` = `PROBE`). */
  #firstDone(slot: number, res: number): void {
    const file = this.#file[slot];
    const buf = this.#bufs[slot];
    if (buf !== undefined) { // a further read of a long file
      if (res < 0) return this.#failed(slot, file, -res);
      if (this.#probing[slot]) {
        // The buffer was full: a file of exactly its size ends here, with no copy at all
        this.#probing[slot] = 0;
        if (res === 0) {
          this.#done(slot, file, buf);
          return this.#later(slot, TODO_CLOSE);
        }
        const next = grow(buf, buf.length * 2);
        if (next === undefined) return this.#failed(slot, file, OUT_OF_MEMORY);
        next[buf.length] = this.#probe[slot];
        this.#bufs[slot] = next;
        this.#got[slot] = buf.length + 1;
        return this.#later(slot, this.#stopped || this.#failedAt >= 0 ? TODO_CLOSE : TODO_MORE);
      }
      const got = this.#got[slot] + res;
      if (res === 0) {
        if (this.#visitor !== undefined) {
          this.#got[slot] = got;
          this.#lend(slot);
          return this.#later(slot, TODO_CLOSE);
        }
        const out = got === buf.length ? buf : sliced(buf, got);
        if (out === undefined) return this.#failed(slot, file, OUT_OF_MEMORY);
        this.#results[file] = out;
        return this.#later(slot, TODO_CLOSE);
      }
      this.#got[slot] = got;
      // Full: ask with one byte whether there is more before growing (and copying) the buffer.
      // 256 files of 64 KiB: 20.5 ms before (a grow to 128 KiB, then a slice back), see demo.
      if (got === buf.length) this.#probing[slot] = 1;
      return this.#later(slot, this.#stopped || this.#failedAt >= 0 ? TODO_CLOSE : TODO_MORE);
    }
    let err = this.#err[slot];
    if (err === 0 && res < 0) err = -res;
    if (err !== 0) return this.#failed(slot, file, err);
    const got = this.#got[slot];
    const from = slot * FIRST;
    if (res === 0) {
      if (this.#visitor !== undefined) this.#lend(slot);
      else this.#results[file] = this.#copyOut(from, got);
      return this.#later(slot, TODO_CLOSE);
    }
    // More than the first read: on into a buffer of its own, at the file position.
    const more = allocate(Math.max(4 * FIRST, 2 * (got + 1)));
    if (more === undefined) return this.#failed(slot, file, OUT_OF_MEMORY);
    more.set(this.#scratch.subarray(from, from + got));
    more[got] = this.#probe[slot];
    this.#bufs[slot] = more;
    this.#got[slot] = got + 1;
    this.#later(slot, this.#stopped || this.#failedAt >= 0 ? TODO_CLOSE : TODO_MORE);
  }

  /**
   * A copy of `got` bytes of the scratch buffer at `from`, in a buffer of its own as Deno's
   * results are. This copy is ~25% of `readFiles()` on 4 KiB files here, almost all of it the
   * first touch of fresh memory (a page fault, ~1 µs per 4 KiB page on this VM): sharing
   * 64 KiB pools between small results (as Node's `Buffer` pool does) saved only ~10%, so each
   * result keeps its own `ArrayBuffer`.
   */
  #copyOut(from: number, got: number): Uint8Array<ArrayBuffer> {
    // slice() allocates a fresh ArrayBuffer, whatever memory the scratch view is over.
    return this.#scratch.slice(from, from + got) as Uint8Array<ArrayBuffer>;
  }

  /** A whole file whose buffer is exactly its size: the result, or lent to the callback. */
  #done(slot: number, file: number, buf: Uint8Array<ArrayBuffer>): void {
    if (this.#visitor === undefined) this.#results[file] = buf;
    else {
      this.#got[slot] = buf.length;
      this.#lend(slot);
    }
  }

  /** The slot's bytes go to the callback after this reap; the slot is held until it settles. */
  #lend(slot: number): void {
    this.#lent[slot] = 1;
    this.#ready.push(slot);
  }

  #failed(slot: number, file: number, errno: number): void {
    this.#probing[slot] = 0;
    if (this.#onError !== undefined && !this.#stopped) {
      // Reported after this reap; the call goes on.
      this.#ready.push(-1 - file, errno);
    } else if (this.#failedAt < 0 || file < this.#failedAt) {
      this.#failedAt = file;
      this.#failedErrno = errno;
    }
    if (this.#opened[slot]) this.#later(slot, TODO_CLOSE);
    else this.#release(slot);
  }

  #later(slot: number, what: number): void {
    this.#todo[slot] = what;
    this.#todoList[this.#todoTop++] = slot;
  }
}

/**
 * A copy of `buf` in a buffer of `size` bytes (a long file's next read goes past `buf`), or
 * undefined when no buffer that large can be had.
 */
function grow(buf: Uint8Array<ArrayBuffer>, size: number): Uint8Array<ArrayBuffer> | undefined {
  const out = allocate(size);
  out?.set(buf);
  return out;
}

/** The first `len` bytes of `buf` in a buffer of their own, or undefined (out of memory). */
function sliced(buf: Uint8Array<ArrayBuffer>, len: number): Uint8Array<ArrayBuffer> | undefined {
  try {
    return buf.slice(0, len);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

/**
 * A zeroed buffer of `size` bytes, or undefined when V8 refuses it (past its maximum length, or
 * the allocation failed, as under `RLIMIT_DATA`): the file then fails as Deno's `readFile` does
 * when its `Vec` cannot grow ("out of memory"), and the other files and the ring go on.
 */
export function allocate(size: number): Uint8Array<ArrayBuffer> | undefined {
  try {
    return new Uint8Array(size);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

/**
 * A buffer the kernel reads files into: allocated here, kept until the ring is closed. The one
 * place such buffers are made. Page-aligned: a 4 KiB read into a page copies one page, not two
 * halves.
 *
 * `visit()` lends views of it to callbacks, so it must be memory that no JavaScript can detach:
 * the memory of a `WebAssembly.Memory` that is never grown. Its `buffer` is a plain `ArrayBuffer`
 * (accepted where a `SharedArrayBuffer` view is refused: `crypto.subtle.digest`, `Blob`), and V8
 * refuses to transfer it (`buffer.transfer()`, `structuredClone(..., { transfer })`,
 * `postMessage`, BYOB readers all throw `TypeError`); only `Memory.grow()` would detach it, and
 * the `Memory` object never leaves this file. Where WebAssembly is unavailable (`--jitless`), a
 * `SharedArrayBuffer`, which cannot be detached either (and `visit()` then hands out copies).
 */
export function lendableBuffer(size: number): Uint8Array {
  const WA = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
  if (WA !== undefined && size > 0) {
    try {
      const pages = Math.ceil((size + 4096) / 65536);
      const memory = new WA.Memory({ initial: pages, maximum: pages });
      const whole = new Uint8Array(memory.buffer);
      const skip = (4096 - (addressOf(whole) % 4096)) % 4096;
      return whole.subarray(skip, skip + size);
    } catch { /* out of address space or memory: the shared buffer below */ }
  }
  return alignedBuffer(size);
}

/** The probe bytes: never lent, any kernel-safe memory. */
function scratchBuffer(size: number): Uint8Array {
  return alignedBuffer(size);
}
