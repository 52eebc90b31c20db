/**
 * The engine of `writeFile()` for the common case (bytes that fit a slot, no `mode`): every
 * `writeFile()` started in one event-loop turn becomes one chain `openat_direct(slot) =>
 * write(slot) -> close_direct(slot)` on a ring of the `AsyncRing`'s own, submitted together.
 * The open is hard-linked (the write runs, and fails, on an empty slot when the open failed);
 * the write is soft-linked to the close, so a short write (a full file system, a FIFO whose
 * reader drains slowly, a signal) cancels the close and leaves the file open in its slot: the
 * rest is then written at the next explicit offset (`-1` with `append`, where the kernel
 * appends anyway; a FIFO ignores offsets) until all is written or a real error comes, and only
 * then closed. A short write is never reported as success, nor as a false `ENOSPC`.
 *
 * Why not `AsyncRing` ops: an open that creates or truncates is never tried inline by the kernel
 * (`io_openat_force_async`: `O_CREAT`/`O_TRUNC` go to an io-wq worker), so open, then write and
 * close on the fd, costs two hand-offs between that worker and the JS thread per file, each
 * resolved by the completion waiter (a worker-thread round trip of 40-60 µs per wake, shared by
 * the CQEs of that wake). A chain on direct descriptors runs whole in the io-wq worker (the
 * worker takes the next linked op itself), so the JS thread hears once per file, and the fd
 * never exists in the process. The ring's io-wq is limited to a few workers: parallel creates
 * in one directory contend on its lock, and a `Deno.writeFileSync` loop beats a
 * `Promise.all` of `Deno.writeFile` on this machine for that reason.
 *
 * Memory safety: the path and the data are copied into the slot's own page-aligned memory
 * before the chain is submitted (the caller may reuse or transfer its buffer at once, as with a
 * bounce buffer), and that memory lives as long as the writer; a writer closed with ops still
 * in the kernel is kept for the process's life.
 *
 * @internal
 * @module
 */
import { CancelFlag, Op, OpenFlag, RegisterOp, SqeFlag } from "../sys/mod.ts";
import { addressOf, utf8Encoder } from "../sys/mod.ts";
import { alignedBuffer } from "../sys/mod.ts";
import { denoFsError } from "../sys/mod.ts";
import { type Fixed, fixed } from "../sys/mod.ts";
import { Ring } from "../ring/mod.ts";
import type { Sqe } from "../ring/mod.ts";
import { AT_FDCWD } from "../ring/mod.ts";

/** Bytes of a slot kept for the path (`PATH_MAX`). */
const PATH_ROOM = 4096;
/** Bytes of data a slot takes; larger writes go the `AsyncRing` way. */
export const WRITE_ROOM = 16384;
const SLOT_BYTES = PATH_ROOM + WRITE_ROOM;
const OPEN = 0, WRITE = 1, CLOSE = 2;
const ECANCELED = 125, ENOSPC = 28;
const WAKE_UD = 0x7ffffffe, CANCEL_UD = 0x7fffffff;
/** io-wq workers of the writer's ring (bounded, unbounded). */
const WORKERS = 2;
/** Writers closed with ops still in the kernel: their memory is never let go. */
const retired: unknown[] = [];

interface Job {
  path: string;
  data: Uint8Array;
  /** `data.length` when `write()` was called: a buffer detached since then is refused. */
  length: number;
  flags: number;
  /** `O_APPEND`: every write goes to the end, at offset -1. */
  append: boolean;
  mode: number;
  signal: AbortSignal | undefined;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** The direct-descriptor `writeFile()` of one `AsyncRing`. */
export class _FileWriter {
  readonly #ring: Ring;
  readonly #slots: number;
  readonly #mem: Uint8Array;
  readonly #memAddr: number;
  readonly #fixed: Fixed[] = [];
  readonly #queue: Job[] = [];
  #queueHead = 0;
  readonly #jobs: (Job | undefined)[];
  readonly #hooks: ((() => void) | undefined)[];
  readonly #retries: (ReturnType<typeof setInterval> | undefined)[];
  readonly #err: Int32Array;
  /** 1 once the slot's open succeeded: its file stays open until a close runs. */
  readonly #opened: Uint8Array;
  /** Bytes of the job written so far. */
  readonly #written: Float64Array;
  readonly #free: number[] = [];
  #inflight = 0;
  #scheduled = false;
  #looping = false;
  #waiting = false;
  #closed = false;
  /** No more jobs come (a larger writer took over): close once the last one is done. */
  #retiring = false;
  #loopFn = () => void this.#loop();

  /** @param slots chains in flight at most */
  constructor(slots: number = 256) {
    this.#slots = slots;
    let entries = 8;
    while (entries < slots * 3 + 4) entries *= 2;
    this.#ring = new Ring({ entries, cqEntries: entries * 2 });
    try {
      this.#ring.registerFiles(slots);
      const workers = new Uint32Array([WORKERS, WORKERS]);
      this.#ring.register(RegisterOp.IOWQ_MAX_WORKERS, new Uint8Array(workers.buffer), 2);
    } catch (e) {
      this.#ring.close();
      throw e;
    }
    this.#mem = alignedBuffer(slots * SLOT_BYTES);
    this.#memAddr = addressOf(this.#mem);
    this.#jobs = new Array(slots).fill(undefined);
    this.#hooks = new Array(slots).fill(undefined);
    this.#retries = new Array(slots).fill(undefined);
    this.#err = new Int32Array(slots);
    this.#opened = new Uint8Array(slots);
    this.#written = new Float64Array(slots);
    for (let i = slots - 1; i >= 0; i--) this.#free.push(i);
    for (let i = 0; i < slots; i++) this.#fixed.push(fixed(i));
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Chains in flight at most. */
  get slots(): number {
    return this.#slots;
  }

  /** Jobs queued or in flight. */
  get backlog(): number {
    return this.#queue.length - this.#queueHead + this.#slots - this.#free.length;
  }

  /** Takes no more jobs; finishes those it has, then closes its ring. */
  retire(): void {
    this.#retiring = true;
    if (!this.#looping && !this.#scheduled && this.backlog === 0) this.close();
  }

  /**
   * Writes `data` (at most `WRITE_ROOM` bytes) to `path` (checked, encoded in at most 4095
   * bytes) opened with `flags` and `mode`. Rejects with Deno's error for `"writefile"`, or the
   * signal's reason.
   */
  write(
    path: string,
    data: Uint8Array,
    flags: number,
    mode: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("AsyncRing is closed"));
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const append = (flags & OpenFlag.APPEND) !== 0;
    this.#queue.push({
      path,
      data,
      length: data.length,
      flags,
      append,
      mode,
      signal,
      resolve,
      reject,
    });
    this.#schedule();
    return promise;
  }

  /** Rejects what is queued, cancels what is in the kernel; the ring closes when it is done. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = new Error("AsyncRing is closed");
    for (let i = this.#queueHead; i < this.#queue.length; i++) this.#queue[i].reject(err);
    this.#queue.length = 0;
    this.#queueHead = 0;
    if (this.#inflight === 0 && !this.#looping) {
      this.#ring.close();
      return;
    }
    this.#cancel(-1);
    this.#wake();
  }

  #schedule(): void {
    if (this.#looping) {
      if (this.#waiting) this.#wake();
      return;
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#loopFn);
  }

  /** A NOP whose CQE ends the waiter's sleep: new jobs are waiting to be submitted. */
  #wake(): void {
    if (this.#ring.closed) return;
    const s = this.#ring.getSqe();
    if (s === null) return;
    s.prepNop();
    s.userData = WAKE_UD;
    this.#ring.submit();
  }

  async #loop(): Promise<void> {
    this.#scheduled = false;
    this.#looping = true;
    const ring = this.#ring;
    try {
      for (;;) {
        if (!this.#closed) this.#fill();
        if (this.#inflight === 0) break;
        if (ring.sqReady() > 0) ring.submit();
        if (this.#reap() === 0) {
          this.#waiting = true;
          try {
            await ring.waitAsync(1);
          } finally {
            this.#waiting = false;
          }
        }
      }
    } catch (e) {
      // The ring failed (it should not): every job in flight fails with it.
      for (let slot = 0; slot < this.#slots; slot++) this.#settle(slot, e);
      this.#closed = true;
    } finally {
      this.#looping = false;
      if (this.#closed) {
        if (this.#inflight !== 0) retired.push(this.#mem);
        ring.close();
      } else if (this.#queueHead < this.#queue.length) this.#schedule();
      else if (this.#retiring && this.#inflight === 0) this.close();
    }
  }

  /** Starts queued jobs while slots are free. */
  #fill(): void {
    const ring = this.#ring, q = this.#queue;
    while (this.#free.length > 0 && this.#queueHead < q.length) {
      const job = q[this.#queueHead];
      q[this.#queueHead++] = undefined as unknown as Job;
      if (job.signal?.aborted) {
        job.reject(job.signal.reason);
        continue;
      }
      if (job.data.length !== job.length) {
        job.reject(new TypeError("data was detached or resized before it could be written"));
        continue;
      }
      const slot = this.#free.pop()!;
      const base = slot * SLOT_BYTES;
      const { written } = utf8Encoder().encodeInto(
        job.path,
        this.#mem.subarray(base, base + PATH_ROOM),
      );
      this.#mem[base + written] = 0;
      this.#mem.set(job.data, base + PATH_ROOM);
      this.#jobs[slot] = job;
      this.#err[slot] = 0;
      this.#opened[slot] = 0;
      this.#written[slot] = 0;
      const o = ring.getSqe()!;
      o.prepRw(Op.OPENAT, AT_FDCWD, this.#memAddr + base, job.mode, 0);
      o.opFlags = job.flags & ~OpenFlag.CLOEXEC; // EINVAL for direct descriptors
      o.fileIndex = slot + 1;
      o.flags = SqeFlag.IO_HARDLINK;
      o.userData = slot * 4 + OPEN;
      this.#prepWrite(slot);
      this.#inflight += 3;
      if (job.signal !== undefined) {
        // Again every 10 ms until the chain ends: a cancel finds only an op that has started,
        // so the write can slip past one sent while the open was finishing.
        const hook = () => {
          this.#cancel(slot);
          this.#retries[slot] = setInterval(() => this.#cancel(slot), 10);
        };
        job.signal.addEventListener("abort", hook, { once: true });
        this.#hooks[slot] = hook;
      }
    }
    if (this.#queueHead === q.length) {
      q.length = 0;
      this.#queueHead = 0;
    }
  }

  /**
   * The write of what is left of `slot`'s job, soft-linked to its close. Offset 0 and on (the
   * file was just opened, truncated or created), or -1 with `append`.
   */
  #prepWrite(slot: number): void {
    const job = this.#jobs[slot]!;
    const done = this.#written[slot];
    const w = this.#sqe();
    const at = this.#memAddr + slot * SLOT_BYTES + PATH_ROOM + done;
    w.prepRw(Op.WRITE, this.#fixed[slot], at, job.length - done, job.append ? -1 : done);
    w.flags |= SqeFlag.IO_LINK;
    w.userData = slot * 4 + WRITE;
    const c = this.#sqe();
    c.prepCloseDirect(slot);
    c.userData = slot * 4 + CLOSE;
  }

  /** An SQE, after submitting what is queued if the SQ is full (cancels take room too). */
  #sqe(): Sqe {
    let s = this.#ring.getSqe();
    if (s === null) {
      this.#ring.submit();
      s = this.#ring.getSqe()!;
    }
    return s;
  }

  /** Cancels the ops of `slot` (-1: all); a cancelled write leaves the slot to close here. */
  #cancel(slot: number): void {
    if (this.#ring.closed) return;
    for (let step = OPEN; step <= (slot < 0 ? OPEN : WRITE); step++) {
      const s = this.#ring.getSqe();
      if (s === null) return;
      if (slot < 0) s.prepCancel(0, CancelFlag.ANY | CancelFlag.ALL);
      else s.prepCancel(slot * 4 + step, 0);
      s.userData = CANCEL_UD;
    }
    this.#ring.submit();
  }

  #reap(): number {
    const ring = this.#ring;
    const view = ring.peekCqes();
    const n = view.length;
    for (let i = 0; i < n; i++) {
      const ud = view.userData(i);
      if (ud === CANCEL_UD || ud === WAKE_UD) continue;
      this.#inflight--;
      const slot = ud >>> 2, step = ud & 3, res = view.res(i);
      if (step === CLOSE) this.#closeDone(slot, res);
      else if (step === OPEN) {
        if (res < 0) this.#err[slot] ||= -res;
        else this.#opened[slot] = 1;
      } else if (res < 0) this.#err[slot] ||= -res;
      // Nothing written of a non-empty rest: Rust's write_all fails with WriteZero there.
      else if (res === 0 && this.#written[slot] < this.#jobs[slot]!.length) {
        this.#err[slot] ||= ENOSPC;
      } else this.#written[slot] += res;
    }
    if (n > 0) ring.cqAdvance(n);
    return n;
  }

  /**
   * The CQE of `slot`'s close. `-ECANCELED` for an opened file: the write before it was short,
   * failed or was cancelled, and the file is still open in the slot: write the rest, or close
   * it for good. Otherwise the close ran, and the job ends.
   */
  #closeDone(slot: number, res: number): void {
    const job = this.#jobs[slot];
    if (job === undefined) return;
    if (res === -ECANCELED && this.#opened[slot] && !this.#ring.closed) {
      const more = this.#err[slot] === 0 && this.#written[slot] < job.length &&
        !job.signal?.aborted && !this.#closed;
      if (more) this.#prepWrite(slot);
      else {
        const c = this.#sqe();
        c.prepCloseDirect(slot);
        c.userData = slot * 4 + CLOSE;
      }
      this.#opened[slot] = more ? 1 : 0;
      this.#inflight += more ? 2 : 1;
      return;
    }
    let err = this.#err[slot];
    if (err === 0 && res < 0 && this.#opened[slot]) err = -res;
    if (err === 0 && this.#written[slot] !== job.length) err = ENOSPC; // never a lost byte
    let failure: unknown = undefined;
    if (job.signal?.aborted) failure = job.signal.reason;
    else if (this.#closed && err !== 0) failure = new Error("AsyncRing is closed");
    else if (err !== 0) failure = denoFsError(err, "writefile", job.path);
    this.#settle(slot, failure);
  }

  /** Ends the job of `slot` (if any) with `err` (undefined: success) and frees the slot. */
  #settle(slot: number, err: unknown): void {
    const job = this.#jobs[slot];
    if (job === undefined) return;
    this.#jobs[slot] = undefined;
    const hook = this.#hooks[slot];
    if (hook !== undefined) {
      job.signal!.removeEventListener("abort", hook);
      this.#hooks[slot] = undefined;
      clearInterval(this.#retries[slot]);
      this.#retries[slot] = undefined;
    }
    this.#free.push(slot);
    if (err === undefined) job.resolve();
    else job.reject(err);
  }
}
