/**
 * The engine of `readFiles()`: many whole files read with linked chains on a ring of its own.
 *
 * Per file, one hard-linked chain `openat_direct(slot) -> read(slot, 64 KiB) -> read(slot, 1
 * byte)`, then `close_direct(slot)` in the next submit (the 1-byte probe read tells end of file
 * from a short read, which `/proc` files and pipes give before their end; with no close in the
 * chain, a file that is longer than its first read goes on reading through the same slot instead
 * of being opened again). Why a private `Ring` and not `AsyncRing` ops:
 *
 * - **No promise, closure or object per op.** Slots are indices into typed arrays; user data is
 *   `slot * 4 + step`; CQEs are read in place (`peekCqes`). One `await` per round only when the
 *   kernel has not finished inline (then `waitAsync` waits on a worker thread).
 * - **One address lookup for all paths.** The paths are encoded once into one arena and each
 *   open gets `arena + offset` as a raw address. A fresh C string per path costs an
 *   `UnsafePointer.of` (an FFI op that also moves the buffer off the V8 heap) plus a `WeakMap`
 *   entry: that was ~24-28% of the per-file time in the profile.
 * - **Direct descriptors without touching the user's file table.** The ring's own sparse table
 *   holds the slots, so `io.ring.registerFiles()` stays free for the caller, and closing the ring
 *   at the end empties the table whatever happened.
 *
 * Memory the kernel uses (the path arena, the scratch buffers) is referenced by `_ReadMany` and
 * is not let go before every op has posted its CQE: `run()` returns only once nothing is in
 * flight, also after a failure or an abort (then in-flight ops are cancelled, again every 10 ms
 * until the chains are drained: a hard-linked chain goes on after a cancelled op, and a FIFO read
 * would block again). Results are copies out of the scratch buffers, which are never exposed.
 *
 * @internal
 * @module
 */
import { CancelFlag, Op, OpenFlag } from "./constants.ts";
import { addressOf } from "./_memory.ts";
import { denoFsError } from "./_errno_map.ts";
import { type Fixed, fixed } from "./fixed.ts";
import { Ring } from "./ring.ts";
import { AT_FDCWD } from "./sqe_args.ts";
import { SqeFlag } from "./constants.ts";

/** Bytes read per file by the chain's first read; longer files go on in further rounds. */
const CHUNK = 64 * 1024;
const OPEN = 0, READ = 1, PROBE = 2, CLOSE = 3;
const CANCEL_UD = 0x7fffffff;
/** What a slot waits to submit next. */
const TODO_CLOSE = 1, TODO_MORE = 2;

const encoder = new TextEncoder();

/**
 * `paths` as NUL-terminated UTF-8, back to back in one buffer (`offsets[i]` is where path `i`
 * starts): one allocation and one address lookup for any number of paths.
 */
export function encodePaths(paths: readonly string[]): {
  bytes: Uint8Array<ArrayBuffer>;
  offsets: Float64Array;
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
    else at += encoder.encodeInto(p, bytes.subarray(at)).written;
    bytes[at++] = 0;
  }
  return { bytes, offsets };
}

/** One `readFiles()` call: its ring, slots and results. */
export class _ReadMany {
  readonly #paths: readonly string[];
  readonly #arena: Uint8Array<ArrayBuffer>;
  readonly #arenaAddr: number;
  readonly #offsets: Float64Array;
  readonly #ring: Ring;
  readonly #slots: number;
  readonly #scratch: Uint8Array;
  readonly #scratchAddr: number;
  readonly #probe: Uint8Array;
  readonly #probeAddr: number;
  readonly #fixed: Fixed[] = [];

  // per slot
  readonly #file: Int32Array;
  readonly #err: Int32Array;
  readonly #got: Int32Array;
  readonly #opened: Uint8Array;
  readonly #todo: Uint8Array;
  readonly #parts: (Uint8Array[] | undefined)[];
  readonly #free: Int32Array;
  #freeTop = 0;
  readonly #todoList: Int32Array;
  #todoTop = 0;

  readonly results: Uint8Array[];
  #next = 0;
  #inflight = 0;
  /** Lowest path index that failed, and its errno. */
  #failedAt = -1;
  #failedErrno = 0;
  #stopError: unknown = undefined;
  #stopped = false;

  /**
   * @param paths the paths (checked strings)
   * @param concurrency files in flight at most
   */
  constructor(paths: readonly string[], concurrency: number) {
    this.#paths = paths;
    const { bytes, offsets } = encodePaths(paths);
    this.#arena = bytes;
    this.#offsets = offsets;
    this.#arenaAddr = addressOf(bytes);
    const depth = Math.min(concurrency, paths.length);
    // A slot is busy for a chain and then for its close, one submit later: twice the slots keep
    // `depth` chains in flight.
    const slots = this.#slots = depth * 2;
    let entries = 8;
    while (entries < slots * 3 + 4) entries *= 2;
    this.#ring = new Ring({ entries, cqEntries: entries * 2 });
    try {
      this.#ring.registerFiles(slots);
    } catch (e) {
      this.#ring.close();
      throw e;
    }
    this.#scratch = scratchBuffer(slots * CHUNK);
    this.#scratchAddr = addressOf(this.#scratch);
    this.#probe = scratchBuffer(slots);
    this.#probeAddr = addressOf(this.#probe);
    this.#file = new Int32Array(slots);
    this.#err = new Int32Array(slots);
    this.#got = new Int32Array(slots);
    this.#opened = new Uint8Array(slots);
    this.#todo = new Uint8Array(slots);
    this.#parts = new Array(slots).fill(undefined);
    this.#free = new Int32Array(slots);
    this.#todoList = new Int32Array(slots);
    for (let i = slots - 1; i >= 0; i--) this.#free[this.#freeTop++] = i;
    for (let i = 0; i < slots; i++) this.#fixed.push(fixed(i));
    this.results = new Array(paths.length);
  }

  /** Ops in flight: the ring is still in use. */
  get inflight(): number {
    return this.#inflight;
  }

  /**
   * Reads every file. Resolves when all are read; rejects with the error of the lowest-index
   * path that failed, or with what `stop()` was given, once nothing is in flight.
   */
  async run(): Promise<Uint8Array[]> {
    const ring = this.#ring;
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      for (;;) {
        this.#fill();
        if (this.#inflight === 0 && this.#todoTop === 0) break;
        if (ring.sqReady() > 0) ring.submit();
        if (this.#reap() === 0) {
          if (this.#stopped && timer === undefined) {
            timer = setInterval(() => this.#cancelAll(), 10);
          }
          await ring.waitAsync(1);
        }
      }
    } finally {
      if (timer !== undefined) clearInterval(timer);
    }
    if (this.#stopped) throw this.#stopError;
    if (this.#failedAt >= 0) {
      throw denoFsError(this.#failedErrno, "readfile", this.#paths[this.#failedAt]);
    }
    return this.results;
  }

  /** Stops starting files, cancels those in flight; `run()` then rejects with `reason`. */
  stop(reason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopError = reason;
    this.#cancelAll();
  }

  /** Closes the ring (and so its file table). Call once `run()` settled. */
  close(): void {
    this.#ring.close();
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
      else this.#prepReads(ring, slot);
    }
    this.#todoTop = 0;
    if (this.#stopped || this.#failedAt >= 0) return;
    const n = this.#paths.length;
    while (this.#freeTop > 0 && this.#next < n) {
      const slot = this.#free[--this.#freeTop];
      const file = this.#next++;
      this.#file[slot] = file;
      this.#err[slot] = 0;
      this.#got[slot] = 0;
      this.#opened[slot] = 0;
      const s = ring.getSqe()!;
      s.prepRw(Op.OPENAT, AT_FDCWD, this.#arenaAddr + this.#offsets[file], 0, 0);
      s.opFlags = OpenFlag.RDONLY;
      s.fileIndex = slot + 1;
      s.flags = SqeFlag.IO_HARDLINK;
      s.userData = slot * 4 + OPEN;
      this.#inflight++;
      this.#prepReads(ring, slot);
    }
  }

  /** A hard-linked `read(64 KiB) -> read(1 byte)` at the file position of `slot`. */
  #prepReads(ring: Ring, slot: number): void {
    const fd = this.#fixed[slot];
    const r = ring.getSqe()!;
    r.prepRw(Op.READ, fd, this.#scratchAddr + slot * CHUNK, CHUNK, -1);
    r.flags |= SqeFlag.IO_HARDLINK;
    r.userData = slot * 4 + READ;
    const p = ring.getSqe()!;
    p.prepRw(Op.READ, fd, this.#probeAddr + slot, 1, -1);
    p.userData = slot * 4 + PROBE;
    this.#inflight += 2;
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
        this.#chainDone(slot, res);
        return;
      case CLOSE:
        this.#free[this.#freeTop++] = slot;
        return;
    }
  }

  /** The last CQE of a chain: the file is read, goes on, or failed. */
  #chainDone(slot: number, probe: number): void {
    let err = this.#err[slot];
    if (err === 0 && probe < 0) err = -probe;
    const file = this.#file[slot];
    if (err !== 0) {
      this.#fail(file, err);
      if (this.#opened[slot]) this.#later(slot, TODO_CLOSE);
      else this.#free[this.#freeTop++] = slot;
      return;
    }
    const got = this.#got[slot];
    const from = slot * CHUNK;
    if (probe === 0) {
      const parts = this.#parts[slot];
      if (parts === undefined) this.results[file] = this.#scratch.slice(from, from + got);
      else {
        parts.push(this.#scratch.slice(from, from + got));
        this.results[file] = concat(parts);
        this.#parts[slot] = undefined;
      }
      this.#later(slot, TODO_CLOSE);
      return;
    }
    // More than one read's worth, or a short read before the end: keep reading this slot.
    const parts = this.#parts[slot] ?? (this.#parts[slot] = []);
    parts.push(this.#scratch.slice(from, from + got), this.#probe.slice(slot, slot + 1));
    this.#got[slot] = 0;
    this.#later(slot, this.#stopped || this.#failedAt >= 0 ? TODO_CLOSE : TODO_MORE);
  }

  #later(slot: number, what: number): void {
    this.#todo[slot] = what;
    this.#todoList[this.#todoTop++] = slot;
  }

  #fail(file: number, errno: number): void {
    if (this.#failedAt < 0 || file < this.#failedAt) {
      this.#failedAt = file;
      this.#failedErrno = errno;
    }
  }
}

/**
 * A buffer the kernel reads files into: allocated here, never handed to the caller (results
 * are copies), kept until the ring is closed. The one place such buffers are made.
 */
function scratchBuffer(size: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(size);
}

/** The parts of one file, joined. */
function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
