/**
 * `Ring`: the low-level, liburing-shaped io_uring.
 *
 * TypeScript owns the SQ tail: SQEs are written straight into the shared SQE array and published
 * with one release store of the tail, then one `io_uring_enter` per batch. CQEs are read from the
 * shared CQ ring after an acquire load of the CQ tail, and the head is given back with a release
 * store.
 *
 * How: `loadAcquire` / `storeRelease` of `_memory_order.ts`, which says why plain typed-array
 * accesses are enough on x86-64; SQPOLL's wake-up check adds a full barrier (`#submitSlow`).
 *
 * @module
 */
import {
  CancelFlag,
  CqeFlag,
  EnterFlag,
  Feature,
  Op,
  type OpName,
  RegisterOp,
  SetupFlag,
  SqeFlag,
  SqRingFlag,
} from "../sys/mod.ts";
import { CqeBatch, CqeView } from "./cqe_batch.ts";
import type { Cqe } from "./cqe_batch.ts";
import { check, Errno, UringError } from "../sys/mod.ts";
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
import type { Native } from "../sys/mod.ts";
import { _HeldRefs } from "./_held_refs.ts";
import { loadAcquire, storeRelease } from "../sys/mod.ts";
import { Sqe } from "./sqe.ts";
import { type Timespec, timespec } from "./sqe_args.ts";
import { _SqMemory } from "./sqe_memory.ts";
const { EINTR, ETIME, EBUSY } = Errno;

export type { RingFeatures, RingOptions } from "./ring_setup.ts";

/** `IORING_CQ_EVENTFD_DISABLED`, in the CQ ring's flags. */
const CQ_EVENTFD_DISABLED = 1;
const TWO32 = 4294967296;

/** The 64-bit user data at word `w` of `a` as a number; a small integer when it fits 32 bits. */
function userDataAt(a: Uint32Array, w: number): number {
  const hi = a[w + 1];
  return hi === 0 ? a[w] : hi * TWO32 + a[w];
}
/** `IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS`, and the mask that also catches `IO_HARDLINK`. */
const LINKED_SKIP = 4 | 64;
const LINK_SKIP_MASK = 4 | 8 | 64;

/** Milliseconds in a {@link Timespec} that `timespec()` accepted. */
function timespecMs(t: Timespec): number {
  return typeof t === "number" ? t : t.sec * 1000 + t.nsec / 1e6;
}

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
  #enterFd = 0;
  #enterFlags = 0;
  #ringIndex = -1;
  #flags = 0;
  #features = 0;
  #sqEntries = 0;
  #cqEntries = 0;
  #sqMask = 0;
  #sq32: Uint32Array;
  #sqHeadI = 0;
  #sqTailI = 0;
  #sqFlagsI = 0;
  #sqDroppedI = 0;
  #cq32: Uint32Array;
  #cqI32: Int32Array;
  #cqHeadI = 0;
  #cqTailI = 0;
  #cqOverflowI = 0;
  /** Index of the CQ ring's `flags` word (0: the kernel has none, before Linux 5.8). */
  #cqFlagsI = 0;
  #cqesI = 0;
  #cqMask = 0;
  #cqStride = 0;
  #pubTail = 0;
  /** The SQ head as last loaded; the slots before it are zeroed. */
  #headCache = 0;
  /**
   * SQEs `getSqe()` may hand out before it looks at the kernel's SQ head again (the SQ size minus
   * what sits between the cached head and the tail), 0 once closed: one test of it covers "full"
   * and "closed".
   */
  #free = 0;
  /** The `Sqe` of the slot at the tail: the next one `getSqe()` hands out. */
  #next: Sqe;
  #mem: _SqMemory;
  #sqes: Sqe[];
  /** The SQE array and the kernel's SQ head, for the shim's `uring_submit`. */
  #sqesPtr: Deno.PointerObject;
  #sqHeadPtr: Deno.PointerObject;
  /** log2 of the SQE size: 6, or 7 with SQE128. */
  #sqeShift = 6;
  #held = new _HeldRefs();
  #probe: Uint8Array | undefined;
  #closed = false;
  #waiters = 0;
  /** Set once an op with `CQE_SKIP_SUCCESS` was published while tracking buffers. */
  #skipSeen = false;
  #closers: (() => void)[] = [];
  #featuresObj: RingFeatures | undefined;
  #view: CqeView | undefined;

  /**
   * Sets up a ring with `io_uring_setup(2)` and maps its memory.
   *
   * @param options sizes and `IORING_SETUP_*` flags
   * @throws {UringError} when the kernel refuses, with the likely cause (EPERM: disabled by
   *   `kernel.io_uring_disabled` or seccomp; ENOMEM: `RLIMIT_MEMLOCK`; EINVAL: bad options)
   * @throws {RangeError} for sizes out of range
   */
  constructor(options: RingOptions = {}) {
    const r = setupRing(options);
    this.#lib = r.lib;
    this.#handle = r.handle;
    this.#fd = this.#enterFd = r.fd;
    const flags = this.#flags = r.flags;
    this.#features = r.features;
    this.#sqEntries = r.sqEntries;
    this.#cqEntries = r.cqEntries;
    this.#sqesPtr = r.sqesPtr;
    this.#sqHeadPtr = r.sqHeadPtr;
    this.#sqeShift = flags & SetupFlag.SQE128 ? 7 : 6;
    const p32 = r.params, sqBuf = r.sqRing, cqBuf = r.cqRing, sqeBuf = r.sqes;
    // struct io_sqring_offsets at byte 40, io_cqring_offsets at byte 80 of the params
    this.#sq32 = new Uint32Array(sqBuf);
    this.#sqHeadI = p32[10] >>> 2;
    this.#sqTailI = p32[11] >>> 2;
    this.#sqMask = this.#sq32[p32[12] >>> 2];
    this.#sqFlagsI = p32[14] >>> 2;
    this.#sqDroppedI = p32[15] >>> 2;
    this.#cq32 = new Uint32Array(cqBuf);
    this.#cqI32 = new Int32Array(cqBuf);
    this.#cqHeadI = p32[20] >>> 2;
    this.#cqTailI = p32[21] >>> 2;
    this.#cqMask = this.#cq32[p32[22] >>> 2];
    this.#cqOverflowI = p32[24] >>> 2;
    this.#cqFlagsI = p32[26] >>> 2;
    this.#cqesI = p32[25] >>> 2;
    this.#cqStride = flags & SetupFlag.CQE32 ? 8 : 4;
    const tail = this.#sq32[this.#sqTailI];
    this.#pubTail = this.#headCache = tail;
    this.#free = this.#sqEntries;
    this.#mem = new _SqMemory(
      new Uint8Array(sqeBuf),
      this.#sqEntries,
      !!(flags & SetupFlag.SQE128),
    );
    this.#sqes = [];
    for (let i = 0; i < this.#sqEntries; i++) this.#sqes.push(new Sqe(this.#mem, i));
    // The Sqes form a cycle in SQ order: getSqe() follows it instead of indexing #sqes.
    this.#sqes.forEach((sqe, i) => sqe._next = this.#sqes[(i + 1) % this.#sqEntries]);
    this.#next = this.#sqes[tail & this.#sqMask];

    if (options.registerRingFd !== false) {
      try {
        this.registerRingFd();
      } catch { /* older kernels: plain fd */ }
    }
  }

  /** The ring's file descriptor. */
  get fd(): number {
    this.#check();
    return this.#fd;
  }

  /** SQ size in entries (a power of two). */
  get sqEntries(): number {
    return this.#sqEntries;
  }

  /** CQ size in entries. */
  get cqEntries(): number {
    return this.#cqEntries;
  }

  /** The `IORING_SETUP_*` flags the ring was set up with. */
  get setupFlags(): number {
    return this.#flags;
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
    return loadAcquire(this.#sq32, this.#sqDroppedI);
  }

  /** CQEs the kernel could not post because the CQ was full (without NODROP). */
  get cqOverflow(): number {
    this.#check();
    return loadAcquire(this.#cq32, this.#cqOverflowI);
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
    const free = this.#free;
    if (free === 0) return this.#getSqeSlow();
    // The slot is already zero: the shim zeroes slots the kernel took during a submit, and
    // #refreshHead() those it took otherwise (SQPOLL, the other enter paths).
    this.#free = free - 1;
    const sqe = this.#next;
    this.#next = sqe._next;
    return sqe;
  }

  /** `getSqe()` when the cached SQ head says the SQ is full (or the ring is closed). */
  #getSqeSlow(): Sqe | null {
    this.#check();
    this.#refreshHead();
    if (this.#free === 0) return null;
    this.#free--;
    const sqe = this.#next;
    this.#next = sqe._next;
    return sqe;
  }

  /** The SQ tail as `getSqe()` left it (published up to `#pubTail`). */
  get #tail(): number {
    return (this.#headCache + this.#sqEntries - this.#free) >>> 0;
  }

  /** Moves the tail back to `tail` (dropping SQEs prepared past it). */
  #rewindTail(tail: number): void {
    this.#free = this.#sqEntries - ((tail - this.#headCache) >>> 0);
    this.#next = this.#sqes[tail & this.#sqMask];
  }

  /** SQEs that are free right now. */
  sqSpaceLeft(): number {
    this.#check();
    return this.#sqEntries - ((this.#tail - this.#refreshHead()) >>> 0);
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
    const from = this.#pubTail, to = this.#tail;
    const n = (to - from) >>> 0;
    if (n === 0) return 0;
    this.#zeroSlots(from, to);
    for (let t = from; t !== to; t = (t + 1) >>> 0) this.#mem.refs[t & this.#sqMask] = undefined;
    this.#rewindTail(from);
    return n;
  }

  /** SQEs prepared (or published) but not yet consumed by the kernel. */
  sqReady(): number {
    this.#check();
    return (this.#tail - loadAcquire(this.#sq32, this.#sqHeadI)) >>> 0;
  }

  /** CQEs ready to be reaped. */
  cqReady(): number {
    this.#check();
    return (loadAcquire(this.#cq32, this.#cqTailI) - this.#cq32[this.#cqHeadI]) >>> 0;
  }

  /**
   * Submits the prepared SQEs with one `io_uring_enter(2)` (none with SQPOLL while its thread is
   * awake). Like `io_uring_submit(3)`.
   *
   * @returns the number of SQEs submitted
   * @throws {UringError} when the enter fails
   */
  submit(): number {
    return this.#submit(0, 0);
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
    const from = this.#cq32[this.#cqTailI];
    const n = this.#submit(waitNr, EnterFlag.GETEVENTS);
    // A signal ends the kernel's wait early, and the enter then reports only what it submitted.
    if (waitNr !== 0 && this.#short(waitNr, from)) {
      return n + this.#waitFor(waitNr, Infinity, from, true);
    }
    return n;
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
    timespec(timeout); // throws for a bad timeout
    const deadline = performance.now() + timespecMs(timeout);
    this.#check();
    const from = this.#cq32[this.#cqTailI];
    // With SQPOLL the kernel thread takes SQEs on its own time: report what this call published.
    const published = (this.#tail - this.#pubTail) >>> 0;
    this.#publish();
    const n = this.#waitFor(waitNr, deadline, from, true);
    return this.#flags & SetupFlag.SQPOLL ? published : n;
  }

  /**
   * Copies up to `batch.capacity` CQEs into `batch` and advances the CQ head. With `waitNr > 0`
   * it first **blocks the calling thread** until that many CQEs are ready. Buffers held for ops
   * whose final CQE is copied are released here.
   *
   * @returns the number of CQEs copied (also `batch.length`)
   */
  copyCqes(batch: CqeBatch, waitNr = 0): number {
    this.#check();
    if (!(batch instanceof CqeBatch)) throw new TypeError("batch must be a CqeBatch");
    const cq = this.#cq32;
    let head = cq[this.#cqHeadI];
    const ready = this.#readyCqes(head, waitNr);
    const n = ready < batch.capacity ? ready : batch.capacity;
    const dst = batch._u32;
    const start = head & this.#cqMask;
    if (this.#cqStride === 4 && n > 8) {
      // 16-byte CQEs are the batch's records: one or two memcpys (the CQ wraps at most once).
      const base = this.#cqesI + start * 4;
      const first = Math.min(n, this.#cqMask + 1 - start);
      dst.set(cq.subarray(base, base + first * 4), 0);
      if (n > first) dst.set(cq.subarray(this.#cqesI, this.#cqesI + (n - first) * 4), first * 4);
    } else {
      // A few CQEs (no subarray objects to allocate), or CQE32: the first 16 bytes of each.
      const mask = this.#cqMask, base = this.#cqesI, stride = this.#cqStride;
      for (let i = 0, h = head; i < n; i++, h = (h + 1) >>> 0) {
        const w = base + (h & mask) * stride, j = i * 4;
        dst[j] = cq[w];
        dst[j + 1] = cq[w + 1];
        dst[j + 2] = cq[w + 2];
        dst[j + 3] = cq[w + 3];
      }
    }
    head = (head + n) >>> 0;
    if (this.#mem.tracking) {
      const held = this.#held;
      // Nothing held and nothing only counted (AsyncRing between buffer ops): nothing to release.
      if (held.size !== 0 || held.untracked !== 0) {
        for (let j = 0; j < n * 4; j += 4) {
          const f = dst[j + 3];
          if ((f & CqeFlag.MORE) === 0) held.complete(userDataAt(dst, j));
        }
      }
    } else {
      // Nothing held: every op so far posts exactly one CQE (see _HeldRefs), so just count.
      this.#held.countDone(n);
    }
    storeRelease(cq, this.#cqHeadI, head);
    batch.length = n;
    return n;
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
  peekCqes(waitNr = 0): CqeView {
    this.#check();
    const cq = this.#cq32;
    const head = cq[this.#cqHeadI];
    const ready = this.#readyCqes(head, waitNr);
    const view = this.#view ??= new CqeView(
      cq,
      this.#cqI32,
      this.#cqesI,
      this.#cqMask,
      this.#cqStride,
    );
    view._head = head;
    view.length = ready;
    return view;
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
    const cq = this.#cq32;
    const head = cq[this.#cqHeadI];
    if (!((n >>> 0) === n && n <= ((loadAcquire(cq, this.#cqTailI) - head) >>> 0))) {
      throw new RangeError(`cqAdvance: n must be an integer from 0 to cqReady(), got ${n}`);
    }
    const held = this.#held;
    if (!this.#mem.tracking) {
      // Nothing held: every op so far posts exactly one CQE (see _HeldRefs), so just count.
      held.countDone(n);
    } else if (held.size !== 0 || held.untracked !== 0) {
      this.#releaseInPlace(head, n);
    }
    const next = (head + n) >>> 0;
    storeRelease(cq, this.#cqHeadI, next);
    const view = this.#view;
    if (view !== undefined) {
      view.length = view.length > n ? view.length - n : 0;
      view._head = next;
    }
  }

  /** Releases the buffers of ops whose final CQE is among the `n` from CQ position `head`. */
  #releaseInPlace(head: number, n: number): void {
    const cq = this.#cq32, mask = this.#cqMask, stride = this.#cqStride, base = this.#cqesI;
    for (let i = 0, h = head; i < n; i++, h = (h + 1) >>> 0) {
      const w = base + (h & mask) * stride;
      if ((cq[w + 3] & CqeFlag.MORE) === 0) this.#held.complete(userDataAt(cq, w));
    }
  }

  /**
   * Calls `fn` for each ready CQE, reading it in place in the CQ ring (no copy), then advances
   * the head past all of them. Like `io_uring_for_each_cqe` + `io_uring_cq_advance`.
   *
   * @returns the number of CQEs seen
   */
  forEachCqe(fn: (userData: number, res: number, flags: number) => void): number {
    this.#check();
    const cq = this.#cq32;
    let head = cq[this.#cqHeadI];
    const ready = this.#readyCqes(head, 0);
    const ci = this.#cqI32, mask = this.#cqMask, stride = this.#cqStride, base = this.#cqesI;
    for (let i = 0; i < ready; i++) {
      const w = base + (head & mask) * stride;
      const u = cq[w + 1] * TWO32 + cq[w];
      const f = cq[w + 3];
      head = (head + 1) >>> 0;
      storeRelease(cq, this.#cqHeadI, head);
      if (this.#mem.tracking) this.#release(u, f);
      else if ((f & CqeFlag.MORE) === 0) this.#held.countDone(1);
      fn(u, ci[w + 2], f);
      if (this.#closed) return i + 1;
    }
    return ready;
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
    if (this.cqReady() === 0) {
      let deadline = Infinity;
      if (timeout !== undefined) {
        timespec(timeout); // throws for a bad timeout
        deadline = performance.now() + timespecMs(timeout);
      }
      this.#waitFor(1, deadline, this.#cq32[this.#cqTailI], false);
    }
    let out: Cqe | null = null;
    const cq = this.#cq32;
    const head = cq[this.#cqHeadI];
    if (((loadAcquire(cq, this.#cqTailI) - head) >>> 0) === 0) return null;
    const w = this.#cqesI + (head & this.#cqMask) * this.#cqStride;
    out = { userData: cq[w + 1] * TWO32 + cq[w], res: this.#cqI32[w + 2], flags: cq[w + 3] };
    storeRelease(cq, this.#cqHeadI, (head + 1) >>> 0);
    if (this.#mem.tracking) this.#release(out.userData, out.flags);
    else if ((out.flags & CqeFlag.MORE) === 0) this.#held.countDone(1);
    return out;
  }

  /**
   * Takes a ready CQE off the CQ without waiting. Like `io_uring_peek_cqe(3)` + `cqe_seen`.
   *
   * @returns the CQE, or `null` when none is ready
   */
  peekCqe(): Cqe | null {
    this.#check();
    if (this.cqReady() === 0 && !this.#needsFlush()) return null;
    return this.waitCqe(0);
  }

  /**
   * Resolves once at least `n` CQEs are ready, waiting on a worker thread so Deno's event loop
   * goes on. Not for `deferTaskrun` rings, whose completions only the submitting thread can run.
   *
   * @returns the number of CQEs ready
   */
  async waitAsync(n = 1): Promise<number> {
    this.#check();
    checkCount(n, "n", this.#cqEntries);
    if (this.#flags & SetupFlag.DEFER_TASKRUN) {
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
    this.#ringIndex = upd[0];
    this.#enterFd = this.#ringIndex;
    this.#enterFlags |= EnterFlag.REGISTERED_RING;
    return this.#ringIndex;
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
    this.#enterFd = this.#fd;
    this.#enterFlags &= ~EnterFlag.REGISTERED_RING;
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
    const i = this.#cqFlagsI;
    if (i === 0) throw new UringError(Errno.EOPNOTSUPP, "io_uring_cq_eventfd_toggle");
    const f = this.#cq32[i];
    if (enabled) Atomics.store(this.#cq32, i, f & ~CQ_EVENTFD_DISABLED);
    else if ((f & CQ_EVENTFD_DISABLED) === 0) this.#cq32[i] = f | CQ_EVENTFD_DISABLED;
  }

  /** False while `cqEventfdToggle(false)` holds the eventfd's signals back. */
  get cqEventfdEnabled(): boolean {
    this.#check();
    return (this.#cq32[this.#cqFlagsI] & CQ_EVENTFD_DISABLED) === 0;
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
    if (!(this.#flags & SetupFlag.SQPOLL)) return;
    if (this.sqSpaceLeft() > 0) return;
    for (;;) {
      const ret = this.#lib.uring_enter(
        this.#enterFd,
        0,
        0,
        this.#enterFlags | EnterFlag.SQ_WAIT,
      );
      if (ret < 0 && ret !== -EINTR) check(ret, "io_uring_enter");
      // A signal ends the kernel's wait (EINTR): wait again unless there is room now.
      if (ret >= 0 || this.sqSpaceLeft() > 0) return;
    }
  }

  /** Flushes pending completion work without submitting (`io_uring_get_events(3)`). */
  getEvents(): void {
    this.#check();
    this.#getEvents(0);
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
    if (this.#mem.forever.length !== 0) leaked.push(this.#mem.forever);
    if (this.#ringIndex >= 0) {
      try {
        this.unregisterRingFd();
      } catch { /* the fd is closed below in any case */ }
    }
    this.#closed = true;
    this.#free = 0;
    this.#mem.close();
    this.#sq32 = new Uint32Array(0);
    this.#cq32 = new Uint32Array(0);
    this.#cqI32 = new Int32Array(0);
    if (this.#view !== undefined) {
      this.#view._cq = this.#cq32;
      this.#view._cqI = this.#cqI32;
      this.#view.length = 0;
    }
    this.#lib.uring_teardown(this.#handle);
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
   * Loads the kernel's SQ head (acquire) and zeroes the SQE slots it consumed since the last
   * look, with one fill per contiguous run: so `getSqe()` hands out zeroed SQEs without a store
   * per field on the hot path.
   */
  #refreshHead(): number {
    const head = loadAcquire(this.#sq32, this.#sqHeadI);
    const old = this.#headCache;
    if (head !== old) {
      this.#zeroSlots(old, head);
      this.#headCache = head;
      this.#free += (head - old) >>> 0;
    }
    return head;
  }

  /** Zeroes the SQEs of SQ positions `from` (inclusive) to `to` (exclusive). */
  #zeroSlots(from: number, to: number): void {
    const m = this.#mem, words = m.stride >>> 1, mask = this.#sqMask;
    const n = Math.min((to - from) >>> 0, this.#sqEntries);
    const a = from & mask;
    const first = Math.min(n, this.#sqEntries - a);
    m.f64.fill(0, a * words, (a + first) * words);
    if (n > first) m.f64.fill(0, 0, (n - first) * words);
  }

  /**
   * CQEs ready past CQ position `head`, after waiting (**blocking**) for `waitNr` of them, or
   * flushing overflowed CQEs and deferred task work when there are none.
   */
  #readyCqes(head: number, waitNr: number): number {
    const ready = (loadAcquire(this.#cq32, this.#cqTailI) - head) >>> 0;
    if (ready >= waitNr && (ready !== 0 || !this.#needsFlush())) return ready;
    if (waitNr === 0) this.#getEvents(0);
    else this.#waitFor(waitNr, Infinity, (head + ready) >>> 0, false);
    return (loadAcquire(this.#cq32, this.#cqTailI) - head) >>> 0;
  }

  /**
   * Whether fewer than `waitNr` CQEs (at most `cqEntries`) are ready and no timeout op expired
   * since CQ position `from`: a wait for them would go on.
   */
  #short(waitNr: number, from: number): boolean {
    const cq = this.#cq32;
    const tail = loadAcquire(cq, this.#cqTailI);
    const want = waitNr < this.#cqEntries ? waitNr : this.#cqEntries;
    return ((tail - cq[this.#cqHeadI]) >>> 0) < want && !this.#timeoutExpired(from, tail);
  }

  /**
   * Whether a CQE from CQ position `from` up to `tail` is `-ETIME`, an expired timeout's: the
   * kernel then wakes every waiter, whatever `min_complete` it waits for, and so does this.
   */
  #timeoutExpired(from: number, tail: number): boolean {
    const cq = this.#cq32, ci = this.#cqI32, mask = this.#cqMask, stride = this.#cqStride;
    const head = cq[this.#cqHeadI];
    if (((tail - from) >>> 0) > ((tail - head) >>> 0)) from = head; // consumed meanwhile
    for (let h = from; h !== tail; h = (h + 1) >>> 0) {
      if (ci[this.#cqesI + (h & mask) * stride + 2] === -ETIME) return true;
    }
    return false;
  }

  /**
   * Enters the kernel to wait (**blocking**) until {@link #short} says no more (`waitNr` CQEs are
   * ready, or a timeout op expired since CQ position `from`) or `deadline` (a
   * `performance.now()` time; `Infinity` for none) passes. It enters at least once, so a zero
   * timeout still flushes overflowed CQEs and task work. A signal ends the kernel's wait early
   * (`EINTR`, or a plain return when CQEs are ready or SQEs were submitted): then it enters again
   * with the time left. With `submit`, SQEs the kernel has not taken yet go with each enter
   * (SQPOLL's thread takes them itself).
   *
   * @returns the number of SQEs submitted on the way
   */
  #waitFor(waitNr: number, deadline: number, from: number, submit: boolean): number {
    const want = waitNr < this.#cqEntries ? waitNr : this.#cqEntries;
    let flags = this.#enterFlags | EnterFlag.GETEVENTS;
    if (submit && (this.#flags & SetupFlag.SQPOLL) !== 0) {
      // The same full barrier as in #submitSlow before the look at NEED_WAKEUP.
      Atomics.store(this.#sq32, this.#sqTailI, this.#pubTail);
      if (Atomics.load(this.#sq32, this.#sqFlagsI) & SqRingFlag.NEED_WAKEUP) {
        flags |= EnterFlag.SQ_WAKEUP;
      }
    }
    let submitted = 0;
    for (let left = deadline - performance.now();;) {
      const n = submit && (this.#flags & SetupFlag.SQPOLL) === 0
        ? (this.#pubTail - loadAcquire(this.#sq32, this.#sqHeadI)) >>> 0
        : 0;
      const ret = left === Infinity
        ? this.#lib.uring_enter(this.#enterFd, n, want, flags)
        : this.#lib.uring_enter_timeout(
          this.#enterFd,
          n,
          want,
          flags,
          timespec(left > 0 ? left : 0),
        );
      if (ret > 0 && n !== 0) submitted += ret;
      // ETIME: the time is up with no CQE ready. EBUSY: overflowed CQEs wait for room in the CQ,
      // the caller has to reap first.
      if (ret === -ETIME || ret === -EBUSY) return submitted;
      if (ret < 0 && ret !== -EINTR) check(ret, "io_uring_enter");
      if (!this.#short(waitNr, from)) return submitted;
      left = deadline - performance.now();
      if (left <= 0) return submitted;
    }
  }

  #needsFlush(): boolean {
    return (loadAcquire(this.#sq32, this.#sqFlagsI) &
          (SqRingFlag.CQ_OVERFLOW | SqRingFlag.TASKRUN)) !== 0 ||
      (this.#flags & SetupFlag.DEFER_TASKRUN) !== 0;
  }

  #getEvents(waitNr: number): void {
    for (;;) {
      const ret = this.#lib.uring_enter(
        this.#enterFd,
        0,
        waitNr,
        this.#enterFlags | EnterFlag.GETEVENTS,
      );
      if (ret === -EINTR) continue;
      if (ret < 0 && ret !== -EBUSY && ret !== -ETIME) check(ret, "io_uring_enter");
      return;
    }
  }

  /** Publishes prepared SQEs (release store of the SQ tail); returns how many await the kernel. */
  #publish(): number {
    const end = this.#tail;
    const t = this.#pubTail;
    if (t !== end) {
      if (this.#mem.tracking) this.#publishTracked(t, end);
      else this.#held.untracked += (end - t) >>> 0;
      this.#pubTail = end;
      storeRelease(this.#sq32, this.#sqTailI, end);
    }
    return (end - loadAcquire(this.#sq32, this.#sqHeadI)) >>> 0;
  }

  /** Hands the buffers of SQ positions `t` (inclusive) to `end` to the held set, by user data. */
  #publishTracked(t: number, end: number): void {
    const m = this.#mem;
    const refs = m.refs, u = m.u32, stride = m.stride, mask = this.#sqMask;
    const held = this.#held, unique = held.unique;
    for (; t !== end; t = (t + 1) >>> 0) {
      const s = t & mask;
      const w = s * stride + 8;
      if ((u[s * stride] >>> 8) & SqeFlag.CQE_SKIP_SUCCESS) this.#skipSeen = true;
      // IO_LINK + CQE_SKIP_SUCCESS posts no CQE when it succeeds, but the next SQE of the
      // chain starts only after it ended, and is cancelled unrun when it fails: the next
      // one's final CQE proves both done. So this one is not counted (it would stay held
      // forever) and its buffers go with the next SQE.
      if (((u[s * stride] >>> 8) & LINK_SKIP_MASK) === LINKED_SKIP && ((t + 1) >>> 0) !== end) {
        const r = refs[s];
        if (r !== undefined) {
          const n = (t + 1) & mask;
          const cur = refs[n];
          refs[n] = cur === undefined ? r : [cur, r];
          refs[s] = undefined;
        }
        continue;
      }
      const r = refs[s];
      // With unique user data (AsyncRing), an op that holds nothing needs no entry: its CQE
      // cannot be mistaken for another op's.
      if (r === undefined && unique) continue;
      held.publish(userDataAt(u, w), r);
      refs[s] = undefined;
    }
  }

  /**
   * Tracks every op by user data from now on (the async layer calls it before its first op, so
   * no op is ever only counted).
   *
   * @internal
   */
  _trackAll(): void {
    this.#mem.tracking = true;
  }

  /**
   * Promises that no two ops in flight share a user data value, so buffers never need to be
   * parked for ops that were only counted (the async layer, whose user data are slot numbers).
   *
   * @internal
   */
  _uniqueUserData(): void {
    this.#held.unique = true;
    this.#mem.holdFixed = true;
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

  #submit(waitNr: number, flags: number): number {
    this.#check();
    // With SQPOLL the kernel thread takes SQEs on its own time: report what this call published.
    const published = (this.#tail - this.#pubTail) >>> 0;
    const n = this.#publish();
    // One acquire load of the SQ flags serves the wake-up and the flush checks.
    const sqFlags = loadAcquire(this.#sq32, this.#sqFlagsI);
    if (
      (this.#flags & (SetupFlag.SQPOLL | SetupFlag.IOPOLL)) === 0 &&
      (sqFlags & (SqRingFlag.CQ_OVERFLOW | SqRingFlag.TASKRUN)) === 0
    ) {
      // The common case, kept small so that callers can inline it: nothing to wake or flush.
      if (n === 0 && waitNr === 0) return 0;
      flags |= this.#enterFlags;
      // The shim zeroes the slots of the SQEs the kernel took during the call (from #headCache,
      // up to which they are zero already, to the new head): getSqe() finds room again at once.
      const ret = this.#lib.uring_submit(
        this.#enterFd,
        n,
        waitNr,
        flags,
        this.#sqesPtr,
        this.#sqHeadPtr,
        this.#headCache,
        this.#sqMask,
        this.#sqeShift,
      );
      const head = loadAcquire(this.#sq32, this.#sqHeadI);
      this.#free += (head - this.#headCache) >>> 0;
      this.#headCache = head;
      if (ret < 0) return this.#enterFailed(ret, n, waitNr, flags, published);
      return ret;
    }
    return this.#submitSlow(n, published, waitNr, flags, sqFlags);
  }

  /** `#submit` with SQPOLL or IOPOLL, or with overflowed CQEs or task work to flush. */
  #submitSlow(n: number, published: number, waitNr: number, flags: number, sqFlags: number) {
    flags |= this.#enterFlags;
    if (this.#flags & SetupFlag.SQPOLL) {
      // A full barrier between the tail store and the NEED_WAKEUP check: the SQ thread sets the
      // flag, then looks at the tail once more before it sleeps (io_uring_smp_mb() in liburing).
      Atomics.store(this.#sq32, this.#sqTailI, this.#pubTail);
      sqFlags = Atomics.load(this.#sq32, this.#sqFlagsI);
    }
    const flush = (sqFlags & (SqRingFlag.CQ_OVERFLOW | SqRingFlag.TASKRUN)) !== 0;
    if (this.#flags & SetupFlag.SQPOLL) {
      if (sqFlags & SqRingFlag.NEED_WAKEUP) {
        flags |= EnterFlag.SQ_WAKEUP;
      } else if (waitNr === 0) {
        return published;
      }
    } else if (n === 0 && waitNr === 0 && !flush) {
      return 0;
    }
    if (this.#flags & SetupFlag.IOPOLL) flags |= EnterFlag.GETEVENTS;
    if (flush) flags |= EnterFlag.GETEVENTS;
    const ret = this.#lib.uring_enter(this.#enterFd, n, waitNr, flags);
    if (ret >= 0) return this.#flags & SetupFlag.SQPOLL ? published : ret;
    return this.#enterFailed(ret, n, waitNr, flags, published);
  }

  /** An `io_uring_enter` of `#submit` returned `ret` < 0: retry, report or throw. */
  #enterFailed(ret: number, n: number, waitNr: number, flags: number, published: number) {
    for (;;) {
      if (ret >= 0) return this.#flags & SetupFlag.SQPOLL ? published : ret;
      if (ret === -EINTR) {
        // Interrupted before submitting anything: SQEs stay queued for the next submit.
        if (n !== 0) return 0;
      } else if (ret === -ETIME) {
        return n;
      } else {
        throw new UringError(-ret, "io_uring_enter");
      }
      ret = this.#lib.uring_enter(this.#enterFd, n, waitNr, flags);
    }
  }

  #release(ud: number, flags: number): void {
    if ((flags & CqeFlag.MORE) === 0) this.#held.complete(ud);
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
      this.#submit(0, 0);
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
      else if (this.#skipSeen && ++idle > 2) break;
      if (batch.length === 0) this.submitAndWaitTimeout(1, 10);
    }
  }
}
