/**
 * `Ring`: the low-level, liburing-shaped io_uring (the tour is in `mod.ts`). The class holds the
 * set-up, the registration doors and `close()`; the submission side is `_sq.ts`, the completion
 * side `_cq.ts`, the blocking waits `_wait.ts`.
 *
 * @module
 */
import { CancelFlag, EnterFlag, Errno, Feature, Op, type OpName, RegisterOp } from "../sys/mod.ts";
import { SetupFlag } from "../sys/mod.ts";
import { check, UringError } from "../sys/mod.ts";
import type { Native } from "../sys/mod.ts";
import { loadAcquire } from "../sys/mod.ts";
import { CqeBatch, type CqeView } from "./cqe_batch.ts";
import type { Cqe } from "./cqe_batch.ts";
import { checkCount, type RingFeatures, type RingOptions, setupRing } from "./ring_setup.ts";
import { type BufferRing, type BufRingOptions, registerBufRing } from "./buffer_ring.ts";
import { type FileTable, registerFiles } from "./file_table.ts";
import {
  cloneBuffers,
  type FixedBuffers,
  registerBuffers,
  registerBufferViews,
} from "./fixed_buffers.ts";
import {
  type EventfdOptions,
  type NapiOptions,
  type NapiSettings,
  registerEventfd,
  registerNapi,
  syncCancel,
  type SyncCancelOptions,
  unregisterNapi,
} from "./register.ts";
import { _HeldRefs } from "./_held_refs.ts";
import type { Sqe } from "./sqe.ts";
import type { Timespec } from "./sqe_args.ts";
import { _SubmissionQueue } from "./_sq.ts";
import { _CompletionQueue } from "./_cq.ts";
import {
  deadlineAfter,
  getEvents,
  readyCqes,
  sqringWait,
  submitAndWait,
  submitAndWaitUntil,
  waitFor,
} from "./_wait.ts";
const { EINTR, ETIME, EBUSY } = Errno;

export type { RingFeatures, RingOptions } from "./ring_setup.ts";

/** `IORING_CQ_EVENTFD_DISABLED`, in the CQ ring's flags. */
const CQ_EVENTFD_DISABLED = 1;

/** Buffers that could not be proven free when their ring closed: kept for the process' life. */
const leaked: unknown[] = [];

/**
 * An io_uring instance with liburing's shape: get SQEs, prepare them, submit, reap CQEs.
 *
 * CQEs are reaped by copy (`copyCqes` into a `CqeBatch`), in place (`peekCqes` + `cqAdvance`,
 * like `io_uring_peek_batch_cqe` + `io_uring_cq_advance`; or `forEachCqe`), or one at a time
 * (`waitCqe`, `peekCqe`). Waits that say "blocks" (`submitAndWait`, `copyCqes(batch, n > 0)`,
 * `peekCqes(n > 0)`, `waitCqe`) block the calling thread, and so Deno's event loop; `waitAsync()`
 * waits on a worker thread instead. A signal does not cut them short: when one ends the kernel's
 * wait (`EINTR`), they wait again for what is left (of the time, with a timeout).
 *
 * Buffers handed to SQEs are held by user data until the CQE that ends the op (no
 * `CqeFlag.MORE`) is reaped; when several ops in flight share one user data value, all their
 * buffers stay held until the last of them ends. Buffers of a successful `CQE_SKIP_SUCCESS` op
 * stay held until `close()`, since no CQE ever says it ended. A CQE that another ring posts here
 * with `MSG_RING` counts as the end of an op with the same user data: give such messages user
 * data that no op in flight uses.
 *
 * **The caller's promise (UNSAFE if broken):** `Ring` hands the kernel the caller's own memory,
 * zero-copy, like liburing (and like tokio-rs/io-uring's `unsafe fn push`). Holding a buffer keeps
 * its JavaScript object alive, but a plain `ArrayBuffer` can be transferred
 * (`buffer.transfer()`, `structuredClone(x, { transfer })`, `postMessage` transfer lists, BYOB
 * stream readers), and then its memory is freed when the new owner is collected, while the
 * kernel may still write into it. So: **never transfer or detach a plain `ArrayBuffer` that an op
 * in flight uses, nor one registered with `registerBufferViews`.** The safe way beside it is
 * memory that cannot be transferred: views from `alignedBuffer()`, any view over a
 * `SharedArrayBuffer`, `registerBuffers(count, size)` and buffer rings; with those, no sequence
 * of JavaScript calls lets the kernel write into freed memory. `AsyncRing` keeps that guarantee
 * for every buffer by copying the others through memory of its own.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { At, CqeBatch, OpenFlag, Ring } from "../../mod.ts";
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "hello, io_uring");
 * using ring = new Ring({ entries: 64 });
 * const open = ring.getSqe()!;
 * open.prepOpenat(At.FDCWD, path, OpenFlag.RDONLY);
 * ring.submitAndWait(1);
 * const fd = ring.waitCqe()!.res; // the new fd
 *
 * const buf = new Uint8Array(5);
 * const read = ring.getSqe()!;
 * read.prepRead(fd, buf, 0);
 * read.userData = 7;
 * const close = ring.getSqe()!;
 * close.prepClose(fd);
 * close.userData = 8;
 * ring.submitAndWait(2); // one io_uring_enter for both
 * const batch = new CqeBatch(16);
 * ring.copyCqes(batch, 2);
 * assertEquals(new TextDecoder().decode(buf), "hello");
 * Deno.removeSync(path);
 * ```
 */
export class Ring implements Disposable {
  #lib: Native;
  #handle: Deno.PointerObject | null;
  #fd = 0;
  #ringIndex = -1;
  #features = 0;
  /** Buffers held for ops in flight, shared by the two queues. */
  #held = new _HeldRefs();
  #sq: _SubmissionQueue;
  #cq: _CompletionQueue;
  #probe: Uint8Array | undefined;
  #closed = false;
  #waiters = 0;
  #closers: (() => void)[] = [];
  #featuresObj: RingFeatures | undefined;

  /**
   * Sets up a ring with `io_uring_setup(2)` and maps its memory.
   *
   * @param options sizes and `IORING_SETUP_*` flags
   * @throws {UringError} when the kernel refuses, with the likely cause (EPERM: disabled by
   *   `kernel.io_uring_disabled` or seccomp; ENOMEM: `RLIMIT_MEMLOCK`; EINVAL: bad options)
   * @throws {RangeError} for sizes out of range
   */
  constructor(options?: RingOptions) {
    if (options === undefined) options = {};
    const r = setupRing(options);
    this.#lib = r.lib;
    this.#handle = r.handle;
    this.#fd = r.fd;
    this.#features = r.features;
    this.#sq = new _SubmissionQueue(r, this.#held);
    this.#cq = new _CompletionQueue(r, this.#held, this.#sq.mem);
    // registered by the shim in the set-up call unless `registerRingFd: false` (older kernels:
    // the plain fd)
    if (r.ringIndex >= 0) this.#useRingIndex(r.ringIndex);
  }

  /** The ring's file descriptor. */
  get fd(): number {
    this.#check();
    return this.#fd;
  }

  /** SQ size in entries (a power of two). */
  get sqEntries(): number {
    return this.#sq.entries;
  }

  /** CQ size in entries. */
  get cqEntries(): number {
    return this.#cq.entries;
  }

  /** The `IORING_SETUP_*` flags the ring was set up with. */
  get setupFlags(): number {
    return this.#sq.flags;
  }

  /** The kernel's `IORING_FEAT_*` bits, one camelCase boolean each (`features.nodrop`). */
  get features(): RingFeatures {
    if (this.#featuresObj === undefined) {
      const o: Record<string, boolean> = {};
      for (const [k, bit] of Object.entries(Feature)) o[k] = (this.#features & bit) !== 0;
      this.#featuresObj = Object.freeze(o) as RingFeatures;
    }
    return this.#featuresObj;
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** SQEs dropped by the kernel as invalid (the SQ ring's `dropped` counter). */
  get sqDropped(): number {
    this.#check();
    const sq = this.#sq;
    return loadAcquire(sq.sq32, sq.droppedI);
  }

  /** CQEs the kernel could not post because the CQ was full (without NODROP). */
  get cqOverflow(): number {
    this.#check();
    const cq = this.#cq;
    return loadAcquire(cq.cq32, cq.overflowI);
  }

  /** The registered ring index used for `io_uring_enter`, or -1 when the plain fd is used. */
  get registeredIndex(): number {
    return this.#ringIndex;
  }

  /**
   * Whether the running kernel supports opcode `op` (a number or a name such as `"read"`), from
   * `IORING_REGISTER_PROBE`.
   *
   * @throws {TypeError} for an unknown name
   */
  supports(op: Op | OpName | number): boolean {
    this.#check();
    let code: number;
    if (typeof op === "string") {
      const c = (Op as Record<string, number>)[op.toUpperCase()];
      if (c === undefined) throw new TypeError(`unknown opcode name "${op}"`);
      code = c;
    } else code = op;
    if (this.#probe === undefined) {
      const probe = new Uint8Array(16 + 256 * 8);
      check(this.#lib.uring_register(this.#fd, RegisterOp.PROBE, probe, 256), "io_uring_register");
      this.#probe = probe;
    }
    const p = this.#probe;
    if (!Number.isInteger(code) || code < 0 || code > p[0] || code >= p[1]) return false;
    return (p[16 + code * 8 + 2] & 1) !== 0;
  }

  /**
   * The next free SQE, zeroed, or `null` when the SQ is full (submit, then try again). Valid
   * until the next `submit*` call. Allocates nothing: one `Sqe` object exists per SQ slot.
   *
   * @throws {Error} when the ring is closed
   */
  getSqe(): Sqe | null {
    return this.#sq.getSqe();
  }

  /** SQEs that are free right now. */
  sqSpaceLeft(): number {
    this.#check();
    return this.#sq.spaceLeft();
  }

  /**
   * Takes back the SQEs prepared since the last submit, as if they had never been handed out:
   * the kernel never sees them, and the buffers they hold are let go. (liburing has no such
   * call; `AsyncRing` uses it to close without running ops it has already rejected.)
   *
   * @returns how many SQEs were dropped
   * @throws {Error} when the ring is closed
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Ring } from "../../mod.ts";
   * using ring = new Ring({ entries: 4 });
   * ring.getSqe()!.prepNop();
   * ring.getSqe()!.prepNop();
   * assertEquals(ring.discardSqes(), 2);
   * assertEquals(ring.submit(), 0);
   * assertEquals(ring.sqSpaceLeft(), 4);
   * ```
   */
  discardSqes(): number {
    this.#check();
    return this.#sq.discard();
  }

  /** SQEs prepared (or published) but not yet consumed by the kernel. */
  sqReady(): number {
    this.#check();
    return this.#sq.ready();
  }

  /** CQEs ready to be reaped. */
  cqReady(): number {
    this.#check();
    return this.#cq.ready();
  }

  /**
   * Submits the prepared SQEs with one `io_uring_enter(2)` (none with SQPOLL while its thread is
   * awake). Like `io_uring_submit(3)`.
   *
   * @returns the number of SQEs submitted
   * @throws {UringError} when the enter fails
   */
  submit(): number {
    this.#check();
    return this.#sq.submit(0, 0);
  }

  /**
   * Submits, then **blocks the calling thread** until at least `waitNr` CQEs are ready (at most
   * `cqEntries`), or a timeout op expires (the kernel wakes every waiter then; its `-ETIME` CQE is
   * among those ready). Like `io_uring_submit_and_wait(3)`, but a signal does not end the wait.
   *
   * @returns the number of SQEs submitted
   */
  submitAndWait(waitNr: number): number {
    checkCount(waitNr, "waitNr");
    this.#check();
    return submitAndWait(this.#sq, this.#cq, waitNr);
  }

  /**
   * Submits, then **blocks the calling thread** until `waitNr` CQEs are ready (at most
   * `cqEntries`), a timeout op expires, or `timeout` passes (`IORING_ENTER_EXT_ARG`). Like
   * `io_uring_submit_and_wait_timeout(3)`, but a signal does not end the wait: it goes on for the
   * time left (measured on the monotonic clock).
   *
   * @param timeout milliseconds or `{ sec, nsec }`
   * @returns the number of SQEs submitted; a timeout is not an error (see `cqReady()`)
   */
  submitAndWaitTimeout(waitNr: number, timeout: Timespec): number {
    checkCount(waitNr, "waitNr");
    const deadline = deadlineAfter(timeout);
    this.#check();
    return submitAndWaitUntil(this.#sq, this.#cq, waitNr, deadline);
  }

  /**
   * Copies up to `batch.capacity` CQEs into `batch` and advances the CQ head. With `waitNr > 0`
   * it first **blocks the calling thread** until that many CQEs are ready. Buffers held for ops
   * whose final CQE is copied are released here.
   *
   * @returns the number of CQEs copied (also `batch.length`)
   */
  copyCqes(batch: CqeBatch, waitNr: number = 0): number {
    this.#check();
    if (!(batch instanceof CqeBatch)) throw new TypeError("batch must be a CqeBatch");
    return this.#cq.copy(batch, readyCqes(this.#sq, this.#cq, waitNr));
  }

  /**
   * The ready CQEs, read in place in the CQ ring (no copy) and not consumed: like
   * `io_uring_peek_batch_cqe(3)`. Call `cqAdvance(n)` once the first `n` are handled. With
   * `waitNr > 0` it first **blocks the calling thread** until that many CQEs are ready. The
   * returned view is the ring's only one, updated by each call and by `cqAdvance`; the other
   * reaping calls (`copyCqes`, `forEachCqe`, `waitCqe`, `peekCqe`) consume CQEs behind its back,
   * so peek again after them.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Ring } from "../../mod.ts";
   * using ring = new Ring({ entries: 8 });
   * for (let i = 0; i < 8; i++) ring.getSqe()!.prepNop();
   * ring.submit();
   * let seen = 0;
   * while (seen < 8) {
   *   const view = ring.peekCqes(1);
   *   for (let i = 0; i < view.length; i++) assertEquals(view.res(i), 0);
   *   seen += view.length;
   *   ring.cqAdvance(view.length);
   * }
   * ```
   */
  peekCqes(waitNr: number = 0): CqeView {
    this.#check();
    return this.#cq.peek(readyCqes(this.#sq, this.#cq, waitNr));
  }

  /**
   * Consumes the first `n` ready CQEs (those `peekCqes()` shows): like `io_uring_cq_advance(3)`.
   * Buffers held for ops whose final CQE is among them are released here; the kernel may then
   * reuse their slots.
   *
   * @throws {RangeError} when `n` is not an integer from 0 to the number of ready CQEs
   */
  cqAdvance(n: number): void {
    this.#check();
    this.#cq.advance(n);
  }

  /**
   * Calls `fn` for each ready CQE, reading it in place in the CQ ring (no copy), then advances
   * the head past all of them. Like `io_uring_for_each_cqe` + `io_uring_cq_advance`.
   *
   * @returns the number of CQEs seen
   */
  forEachCqe(fn: (userData: number, res: number, flags: number) => void): number {
    this.#check();
    return this.#cq.forEach(fn, readyCqes(this.#sq, this.#cq, 0));
  }

  /**
   * **Blocks the calling thread** until a CQE is ready (or `timeout` passes), then takes it off
   * the CQ. Like `io_uring_wait_cqe(3)` + `io_uring_cqe_seen(3)`; a signal does not end the wait
   * (it goes on for the time left).
   *
   * @returns the CQE, or `null` when the timeout passed first
   */
  waitCqe(timeout?: Timespec): Cqe | null {
    this.#check();
    const cq = this.#cq;
    if (cq.ready() === 0) {
      const deadline = timeout === undefined ? Infinity : deadlineAfter(timeout);
      waitFor(this.#sq, cq, 1, deadline, cq.cq32[cq.tailI], false);
    }
    return cq.take();
  }

  /**
   * Takes a ready CQE off the CQ without waiting. Like `io_uring_peek_cqe(3)` + `cqe_seen`.
   *
   * @returns the CQE, or `null` when none is ready
   */
  peekCqe(): Cqe | null {
    this.#check();
    if (this.#cq.ready() === 0 && !this.#sq.needsFlush()) return null;
    return this.waitCqe(0);
  }

  /**
   * Resolves once at least `n` CQEs are ready, waiting on a worker thread so Deno's event loop
   * goes on. Not for `deferTaskrun` rings, whose completions only the submitting thread can run.
   *
   * @returns the number of CQEs ready
   */
  async waitAsync(n: number = 1): Promise<number> {
    this.#check();
    checkCount(n, "n", this.#cq.entries);
    if (this.#sq.flags & SetupFlag.DEFER_TASKRUN) {
      throw new TypeError("waitAsync() cannot wait on a deferTaskrun ring from another thread");
    }
    this.#waiters++;
    try {
      while (this.cqReady() < n) {
        const ret = await this.#lib.uring_wait(this.#fd, 0, n, EnterFlag.GETEVENTS);
        if (this.#closed) throw new Error("ring is closed");
        if (ret < 0 && ret !== -EINTR && ret !== -ETIME && ret !== -EBUSY) {
          throw new UringError(-ret, "io_uring_enter");
        }
      }
      return this.cqReady();
    } finally {
      this.#waiters--;
    }
  }

  /**
   * Turns the registered eventfd's signals on or off (`IORING_CQ_EVENTFD_DISABLED` in the CQ
   * ring's flags: shared memory, no system call). Like `io_uring_cq_eventfd_toggle(3)`. Turning
   * them on is a full memory barrier, so a `cqReady()` right after it sees every CQE the kernel
   * posted without a signal. Linux 5.8.
   *
   * @throws {UringError} EOPNOTSUPP on kernels without CQ ring flags
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { eventfd, Ring } from "../../mod.ts";
   * using ring = new Ring({ entries: 4 });
   * const efd = eventfd();
   * ring.registerEventfd(efd);
   * ring.cqEventfdToggle(false); // CQEs posted now leave the eventfd's counter alone
   * assertEquals(ring.cqEventfdEnabled, false);
   * ring.cqEventfdToggle(true);
   * assertEquals(ring.cqEventfdEnabled, true);
   * ring.unregisterEventfd();
   * ring.getSqe()!.prepClose(efd);
   * ring.submitAndWait(1);
   * ```
   */
  cqEventfdToggle(enabled: boolean): void {
    this.#check();
    const cq = this.#cq, i = cq.flagsI;
    if (i === 0) throw new UringError(Errno.EOPNOTSUPP, "io_uring_cq_eventfd_toggle");
    const f = cq.cq32[i];
    if (enabled) Atomics.store(cq.cq32, i, f & ~CQ_EVENTFD_DISABLED);
    else if ((f & CQ_EVENTFD_DISABLED) === 0) cq.cq32[i] = f | CQ_EVENTFD_DISABLED;
  }

  /** False while `cqEventfdToggle(false)` holds the eventfd's signals back. */
  get cqEventfdEnabled(): boolean {
    this.#check();
    return (this.#cq.cq32[this.#cq.flagsI] & CQ_EVENTFD_DISABLED) === 0;
  }

  /**
   * Registers the ring fd with itself (`IORING_REGISTER_RING_FDS`) so that each
   * `io_uring_enter` skips an fd lookup; done by the constructor unless `registerRingFd: false`.
   *
   * @returns the registered index
   */
  registerRingFd(): number {
    this.#check();
    if (this.#ringIndex >= 0) return this.#ringIndex;
    const upd = new Uint32Array(4); // struct io_uring_rsrc_update { u32 offset, resv; u64 data }
    upd[0] = 0xffffffff;
    upd[2] = this.#fd;
    check(
      this.#lib.uring_register(this.#fd, RegisterOp.RING_FDS, new Uint8Array(upd.buffer), 1),
      "io_uring_register",
    );
    this.#useRingIndex(upd[0]);
    return this.#ringIndex;
  }

  /** Enters through registered ring index `index` from now on. */
  #useRingIndex(index: number): void {
    this.#ringIndex = index;
    this.#sq.enterFd = index;
    this.#sq.enterFlags |= EnterFlag.REGISTERED_RING;
  }

  /** Undoes `registerRingFd()`; `io_uring_enter` uses the plain fd again. */
  unregisterRingFd(): void {
    this.#check();
    if (this.#ringIndex < 0) return;
    const upd = new Uint32Array(4);
    upd[0] = this.#ringIndex;
    check(
      this.#lib.uring_register(
        this.#fd,
        RegisterOp.UNREGISTER_RING_FDS,
        new Uint8Array(upd.buffer),
        1,
      ),
      "io_uring_register",
    );
    this.#ringIndex = -1;
    this.#sq.enterFd = this.#fd;
    this.#sq.enterFlags &= ~EnterFlag.REGISTERED_RING;
  }

  /** Enables a ring made with `startDisabled` (`IORING_REGISTER_ENABLE_RINGS`). Linux 5.10. */
  enableRings(): void {
    this.register(RegisterOp.ENABLE_RINGS, null, 0);
  }

  // ---- registered resources: thin doors to fixed_buffers.ts, file_table.ts, buffer_ring.ts,
  // register.ts ------------------------------------------------------------------------------

  /**
   * Registers `count` buffers of `size` bytes each: zeroed, page-aligned memory owned by the
   * returned {@link FixedBuffers}, pinned once by the kernel (`IORING_REGISTER_BUFFERS2`).
   * Use them with `prepReadFixed(fd, bufs, i, offset)`. Like `io_uring_register_buffers(3)`.
   * Linux 5.13. Released when the ring closes.
   *
   * @param count 1..16384
   * @param size bytes per buffer, 1..2**30
   * @throws {RangeError} for a count or size out of range, or no room left in the table
   * @throws {UringError} when the kernel refuses (ENOMEM: more than `RLIMIT_MEMLOCK` pinned)
   */
  registerBuffers(count: number, size: number): FixedBuffers {
    this.#check();
    return registerBuffers(this, count, size);
  }

  /**
   * The expert path: registers caller-owned views, all of the same length, as fixed buffers.
   * The returned {@link FixedBuffers} keeps the views referenced; the caller promises never to
   * detach or transfer their `ArrayBuffer`s while registered (the kernel keeps writing to the
   * pinned pages, wherever V8 would have moved the bytes).
   *
   * @throws {RangeError} for views of different lengths or a count out of range
   * @throws {TypeError} for detached or resizable buffers
   */
  registerBufferViews(views: readonly Uint8Array[]): FixedBuffers {
    this.#check();
    return registerBufferViews(this, views);
  }

  /**
   * Registers the buffers of `src`, registered with another ring, with this ring too, without
   * pinning them again (`IORING_REGISTER_CLONE_BUFFERS`). The result shares `src`'s memory and
   * views. Like `io_uring_clone_buffers_offset(3)`. Linux 6.12.
   *
   * @throws {UringError} EINVAL on kernels without buffer cloning
   */
  registerCloneBuffers(src: FixedBuffers): FixedBuffers {
    this.#check();
    return cloneBuffers(this, src);
  }

  /**
   * Registers a file table: the given fds (-1 for an empty slot), or `count` empty slots
   * (sparse, for direct descriptors). Slots are then used with `fixed(i)`. Like
   * `io_uring_register_files(3)` / `io_uring_register_files_sparse(3)`. Linux 5.13 (sparse 5.19).
   *
   * @throws {UringError} EBUSY when the ring already has a file table; EMFILE past RLIMIT_NOFILE
   */
  registerFiles(files: readonly number[] | number): FileTable {
    this.#check();
    return registerFiles(this, files);
  }

  /**
   * Registers a provided-buffer ring of `entries` buffers of `size` bytes as buffer group
   * `group` (`IORING_REGISTER_PBUF_RING`), all handed to the kernel. Like
   * `io_uring_setup_buf_ring(3)`. Linux 5.19 (`incremental` 6.12).
   *
   * @throws {RangeError} for options out of range
   * @throws {UringError} EEXIST when the group is taken
   */
  registerBufRing(options: BufRingOptions): BufferRing {
    this.#check();
    return registerBufRing(this, options);
  }

  /**
   * Registers eventfd `fd`: the kernel adds to its counter when it posts CQEs
   * (`IORING_REGISTER_EVENTFD`), at least once per batch posted together, so the count says
   * "look at the CQ", not how many CQEs there are. With `{ async: true }` only completions
   * run by an io-wq worker signal (`IORING_REGISTER_EVENTFD_ASYNC`). Make one with `eventfd()`.
   * Like `io_uring_register_eventfd(3)`. Linux 5.2.
   *
   * @throws {UringError} EBUSY when one is registered already
   */
  registerEventfd(fd: number, options?: EventfdOptions): void {
    this.#check();
    registerEventfd(this, fd, options);
  }

  /** Unregisters the eventfd (`IORING_UNREGISTER_EVENTFD`); ENXIO when there is none. */
  unregisterEventfd(): void {
    this.register(RegisterOp.UNREGISTER_EVENTFD, null, 0);
  }

  /**
   * Registers the thread's current credentials and returns their id for `sqe.personality`
   * (`IORING_REGISTER_PERSONALITY`). Like `io_uring_register_personality(3)`. Linux 5.6.
   */
  registerPersonality(): number {
    return this.register(RegisterOp.PERSONALITY, null, 0);
  }

  /** Unregisters personality `id` (`IORING_UNREGISTER_PERSONALITY`). Linux 5.6. */
  unregisterPersonality(id: number): void {
    checkCount(id, "id", 0xffff);
    this.register(RegisterOp.UNREGISTER_PERSONALITY, null, id);
  }

  /**
   * Cancels matching requests and **blocks the calling thread** until they are gone (or the
   * timeout passes) (`IORING_REGISTER_SYNC_CANCEL`). Like `io_uring_register_sync_cancel(3)`.
   * Linux 6.0.
   *
   * @returns the kernel's result (0, or the number cancelled)
   * @throws {UringError} ENOENT when nothing matched; ETIME when the timeout passed first
   */
  registerSyncCancel(options: SyncCancelOptions): number {
    this.#check();
    return syncCancel(this, options);
  }

  /**
   * Turns on NAPI busy polling for waits on this ring (`IORING_REGISTER_NAPI`). Like
   * `io_uring_register_napi(3)`. Linux 6.9; needs `CONFIG_NET_RX_BUSY_POLL`.
   *
   * @returns the settings before the call
   * @throws {UringError} EOPNOTSUPP/EINVAL when the kernel has no NAPI busy polling
   */
  registerNapi(options: NapiOptions): NapiSettings {
    this.#check();
    return registerNapi(this, options);
  }

  /**
   * Turns NAPI busy polling off (`IORING_UNREGISTER_NAPI`). Linux 6.9.
   *
   * @returns the settings before the call
   */
  unregisterNapi(): NapiSettings {
    this.#check();
    return unregisterNapi(this);
  }

  /**
   * Raw `io_uring_register(2)` on this ring, for registrations without a method here.
   *
   * @param opcode an `IORING_REGISTER_*` value (`RegisterOp`)
   * @param arg the argument struct's bytes, or null
   * @param nrArgs the `nr_args` value
   * @returns the kernel's non-negative result
   * @throws {UringError} on failure
   */
  register(opcode: number, arg: Uint8Array | null, nrArgs: number): number {
    this.#check();
    return check(
      this.#lib.uring_register(this.#fd, opcode, arg ?? new Uint8Array(0), nrArgs),
      "io_uring_register",
    );
  }

  /**
   * Runs `fn` when the ring closes, before its memory goes away (used by registered resources).
   *
   * @internal
   */
  _onClose(fn: () => void): void {
    this.#check();
    this.#closers.push(fn);
  }

  /**
   * **Blocks the calling thread** until the SQ has a free entry: with `sqpoll`, the kernel thread
   * consumes SQEs on its own time, so `getSqe()` can return null until it does. Like
   * `io_uring_sqring_wait(3)`; returns at once on rings without SQPOLL.
   */
  sqringWait(): void {
    this.#check();
    sqringWait(this.#sq);
  }

  /** Flushes pending completion work without submitting (`io_uring_get_events(3)`). */
  getEvents(): void {
    this.#check();
    getEvents(this.#sq, 0);
  }

  /**
   * Closes the ring: cancels ops still in flight and waits (at most a second) for their CQEs so
   * that no buffer they use is released while the kernel may write it, releases registered
   * resources, unmaps the rings and closes the fd. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    try {
      this.#drainForClose();
    } catch { /* best effort: anything still held is kept below */ }
    for (const fn of this.#closers.splice(0).reverse()) {
      try {
        fn();
      } catch { /* resources are released with the ring anyway */ }
    }
    this.#held.settle();
    const remaining = this.#held.remaining();
    if (remaining.length !== 0) leaked.push(remaining);
    if (this.#sq.mem.forever.length !== 0) leaked.push(this.#sq.mem.forever);
    this.#closed = true;
    this.#sq.close();
    this.#cq.close();
    // unregisters the ring fd first: a registered ring fd would keep the ring until the thread
    // exits
    this.#lib.uring_teardown(this.#handle, this.#ringIndex);
    this.#handle = null;
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- internals -------------------------------------------------------------------------

  #check(): void {
    if (this.#closed) throw new Error("ring is closed");
  }

  /**
   * Tracks every op by user data from now on (the async layer calls it before its first op, so
   * no op is ever only counted).
   *
   * @internal
   */
  _trackAll(): void {
    this.#sq.mem.tracking = true;
  }

  /**
   * Promises that no two ops in flight share a user data value, so buffers never need to be
   * parked for ops that were only counted (the async layer, whose user data are slot numbers).
   *
   * @internal
   */
  _uniqueUserData(): void {
    this.#held.unique = true;
    this.#sq.mem.holdFixed = true;
  }

  /**
   * Keeps `ref` (memory that ops may still use without holding it: a closed `FixedBuffers`)
   * until the ring closes with no op in flight, or else for the process' life.
   *
   * @internal
   */
  _retire(ref: unknown): void {
    this.#held.retire(ref);
  }

  /**
   * How many retired objects the ring keeps (for tests).
   *
   * @internal
   */
  _retiredCount(): number {
    return this.#held.retiredCount;
  }

  /**
   * How many buffers the ring still holds for ops in flight (for tests of buffer lifetimes).
   *
   * @internal
   */
  _heldCount(): number {
    return this.#held.remaining().length;
  }

  /** Cancels everything in flight and reaps until nothing is held or a second has passed. */
  #drainForClose(): void {
    const held = this.#held;
    if (held.size === 0 && held.untracked === 0 && this.#waiters === 0) return;
    this.discardSqes(); // publish nothing half-prepared
    const sqe = this.getSqe();
    if (sqe !== null) {
      sqe.prepCancel(0, CancelFlag.ANY | CancelFlag.ALL);
      sqe.userData = Number.MAX_SAFE_INTEGER;
    }
    try {
      this.#sq.submit(0, 0);
    } catch { /* reap what we can */ }
    const deadline = performance.now() + 1000;
    const batch = new CqeBatch(256);
    let idle = 0;
    while (performance.now() < deadline) {
      this.submitAndWaitTimeout(0, 0);
      this.copyCqes(batch, 0);
      if (held.size === 0 && held.untracked === 0) break;
      if (batch.length !== 0) idle = 0;
      // An op with CQE_SKIP_SUCCESS that succeeded never posts a CQE: once nothing has come for
      // a while, stop waiting for it (what is still held is kept for the process' life).
      else if (this.#sq.skipSeen && ++idle > 2) break;
      if (batch.length === 0) this.submitAndWaitTimeout(1, 10);
    }
  }
}
