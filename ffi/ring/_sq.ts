/**
 * The submission side of a `Ring`: the SQ ring and SQE array as mapped, handing out zeroed SQEs,
 * publishing them (one release store of the tail) and the `io_uring_enter` of a submit.
 *
 * @internal
 * @module
 */
import { EnterFlag, Errno, SetupFlag, SqeFlag, SqRingFlag, UringError } from "../sys/mod.ts";
import type { Native } from "../sys/mod.ts";
import { fastNative, loadAcquire, storeRelease } from "../sys/mod.ts";
import { type _HeldRefs, userDataAt } from "./_held_refs.ts";
import type { RingSetup } from "./ring_setup.ts";
import { Sqe } from "./sqe.ts";
import { _SqMemory } from "./sqe_memory.ts";
const { EINTR, ETIME } = Errno;

/** `IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS`, and the mask that also catches `IO_HARDLINK`. */
const LINKED_SKIP = 4 | 64;
const LINK_SKIP_MASK = 4 | 8 | 64;

/**
 * A ring's submission queue and the state of entering the kernel (the enter fd and flags, which
 * the waits share). `Ring` checks that it is open before it calls in, except for `getSqe()`.
 *
 * @internal
 */
export class _SubmissionQueue {
  readonly lib: Native;
  /** The `IORING_SETUP_*` flags. */
  readonly flags: number;
  /** The fd `io_uring_enter` takes: the ring fd, or its registered index. */
  enterFd: number;
  /** `IORING_ENTER_*` bits every enter carries (`REGISTERED_RING`). */
  enterFlags = 0;
  /** SQ size in entries. */
  readonly entries: number;
  readonly mask: number;
  /** The SQ ring as words (empty once closed), and the word indexes of its fields. */
  sq32: Uint32Array;
  readonly headI: number;
  readonly tailI: number;
  readonly flagsI: number;
  readonly droppedI: number;
  /** The SQ tail as last published. */
  pubTail: number;
  /** The SQ head as last loaded; the slots before it are zeroed. */
  headCache: number;
  /**
   * SQEs `getSqe()` may hand out before it looks at the kernel's SQ head again (the SQ size minus
   * what sits between the cached head and the tail), 0 once closed: one test of it covers "full"
   * and "closed".
   */
  free: number;
  /** The `Sqe` of the slot at the tail: the next one `getSqe()` hands out. */
  next: Sqe;
  readonly mem: _SqMemory;
  readonly sqes: Sqe[];
  /** The SQE array and the kernel's SQ head, for the shim's `uring_submit`. */
  readonly sqesPtr: Deno.PointerObject;
  readonly sqHeadPtr: Deno.PointerObject;
  /** log2 of the SQE size: 6, or 7 with SQE128. */
  readonly sqeShift: number;
  readonly held: _HeldRefs;
  /** Set once an op with `CQE_SKIP_SUCCESS` was published while tracking buffers. */
  skipSeen = false;

  constructor(r: RingSetup, held: _HeldRefs) {
    this.lib = r.lib;
    this.enterFd = r.fd;
    const flags = this.flags = r.flags;
    const entries = this.entries = r.sqEntries;
    this.sqesPtr = r.sqesPtr;
    this.sqHeadPtr = r.sqHeadPtr;
    this.sqeShift = flags & SetupFlag.SQE128 ? 7 : 6;
    this.held = held;
    // struct io_sqring_offsets at byte 40 of the params
    const p32 = r.params;
    const sq32 = this.sq32 = new Uint32Array(r.sqRing);
    this.headI = p32[10] >>> 2;
    this.tailI = p32[11] >>> 2;
    this.mask = sq32[p32[12] >>> 2];
    this.flagsI = p32[14] >>> 2;
    this.droppedI = p32[15] >>> 2;
    const tail = sq32[this.tailI];
    this.pubTail = this.headCache = tail;
    this.free = entries;
    this.mem = new _SqMemory(new Uint8Array(r.sqes), entries, !!(flags & SetupFlag.SQE128));
    const sqes: Sqe[] = this.sqes = [];
    for (let i = 0; i < entries; i++) sqes.push(new Sqe(this.mem, i));
    // The Sqes form a cycle in SQ order: getSqe() follows it instead of indexing sqes.
    sqes.forEach((sqe, i) => sqe._next = sqes[(i + 1) % entries]);
    this.next = sqes[tail & this.mask];
  }

  /**
   * `io_uring_enter(fd, n, waitNr, flags)` with nothing zeroed afterwards: the shim's `uring_submit`
   * without an SQE array, so that one call stub serves every synchronous enter.
   *
   * @returns the kernel's result, or -errno
   */
  enter(n: number, waitNr: number, flags: number): number {
    return this.lib.uring_submit(this.enterFd, n, waitNr, flags, null, null, 0, 0, 0);
  }

  /** `Ring.getSqe()`. */
  getSqe(): Sqe | null {
    const free = this.free;
    if (free === 0) return this.#getSqeSlow();
    // The slot is already zero: the shim zeroes slots the kernel took during a submit, and
    // refreshHead() those it took otherwise (SQPOLL, the other enter paths).
    this.free = free - 1;
    const sqe = this.next;
    this.next = sqe._next;
    return sqe;
  }

  /** `getSqe()` when the cached SQ head says the SQ is full (or the ring is closed). */
  #getSqeSlow(): Sqe | null {
    if (this.mem.closed) throw new Error("ring is closed");
    this.refreshHead();
    if (this.free === 0) return null;
    this.free--;
    const sqe = this.next;
    this.next = sqe._next;
    return sqe;
  }

  /** The SQ tail as `getSqe()` left it (published up to `pubTail`). */
  get tail(): number {
    return (this.headCache + this.entries - this.free) >>> 0;
  }

  /** SQEs that are free right now. */
  spaceLeft(): number {
    return this.entries - ((this.tail - this.refreshHead()) >>> 0);
  }

  /** SQEs prepared (or published) but not yet consumed by the kernel. */
  ready(): number {
    return (this.tail - loadAcquire(this.sq32, this.headI)) >>> 0;
  }

  /** `Ring.discardSqes()`. */
  discard(): number {
    const from = this.pubTail, to = this.tail;
    const n = (to - from) >>> 0;
    if (n === 0) return 0;
    this.#zeroSlots(from, to);
    for (let t = from; t !== to; t = (t + 1) >>> 0) this.mem.refs[t & this.mask] = undefined;
    // Moves the tail back (dropping the SQEs prepared past it).
    this.free = this.entries - ((from - this.headCache) >>> 0);
    this.next = this.sqes[from & this.mask];
    return n;
  }

  /**
   * Loads the kernel's SQ head (acquire) and zeroes the SQE slots it consumed since the last
   * look, with one fill per contiguous run: so `getSqe()` hands out zeroed SQEs without a store
   * per field on the hot path.
   */
  refreshHead(): number {
    const head = loadAcquire(this.sq32, this.headI);
    const old = this.headCache;
    if (head !== old) {
      this.#zeroSlots(old, head);
      this.headCache = head;
      this.free += (head - old) >>> 0;
    }
    return head;
  }

  /** Zeroes the SQEs of SQ positions `from` (inclusive) to `to` (exclusive). */
  #zeroSlots(from: number, to: number): void {
    const m = this.mem, words = m.stride >>> 1, mask = this.mask;
    const n = Math.min((to - from) >>> 0, this.entries);
    const a = from & mask;
    const first = Math.min(n, this.entries - a);
    m.f64.fill(0, a * words, (a + first) * words);
    if (n > first) m.f64.fill(0, 0, (n - first) * words);
  }

  /** Whether the kernel has overflowed CQEs or task work to flush on the next enter. */
  needsFlush(): boolean {
    return (loadAcquire(this.sq32, this.flagsI) &
          (SqRingFlag.CQ_OVERFLOW | SqRingFlag.TASKRUN)) !== 0 ||
      (this.flags & SetupFlag.DEFER_TASKRUN) !== 0;
  }

  /** Publishes prepared SQEs (release store of the SQ tail); returns how many await the kernel. */
  publish(): number {
    const end = this.tail;
    const t = this.pubTail;
    if (t !== end) {
      if (this.mem.tracking) this.#publishTracked(t, end);
      else this.held.untracked += (end - t) >>> 0;
      this.pubTail = end;
      storeRelease(this.sq32, this.tailI, end);
    }
    return (end - loadAcquire(this.sq32, this.headI)) >>> 0;
  }

  /** Hands the buffers of SQ positions `t` (inclusive) to `end` to the held set, by user data. */
  #publishTracked(t: number, end: number): void {
    const m = this.mem;
    const refs = m.refs, u = m.u32, stride = m.stride, mask = this.mask;
    const held = this.held, unique = held.unique;
    for (; t !== end; t = (t + 1) >>> 0) {
      const s = t & mask;
      const w = s * stride + 8;
      if ((u[s * stride] >>> 8) & SqeFlag.CQE_SKIP_SUCCESS) this.skipSeen = true;
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
   * Publishes, then enters the kernel to submit (and with `waitNr`, to wait: `flags` then has
   * `GETEVENTS`), when there is anything to submit, wait for, wake or flush.
   *
   * @returns the number of SQEs submitted
   */
  submit(waitNr: number, flags: number): number {
    // With SQPOLL the kernel thread takes SQEs on its own time: report what this call published.
    const published = (this.tail - this.pubTail) >>> 0;
    const n = this.publish();
    // One acquire load of the SQ flags serves the wake-up and the flush checks.
    const sqFlags = loadAcquire(this.sq32, this.flagsI);
    if (
      (this.flags & (SetupFlag.SQPOLL | SetupFlag.IOPOLL)) === 0 &&
      (sqFlags & (SqRingFlag.CQ_OVERFLOW | SqRingFlag.TASKRUN)) === 0
    ) {
      // The common case, kept small so that callers can inline it: nothing to wake or flush.
      if (n === 0 && waitNr === 0) return 0;
      flags |= this.enterFlags;
      // The shim zeroes the slots of the SQEs the kernel took during the call (from headCache,
      // up to which they are zero already, to the new head): getSqe() finds room again at once.
      // two call sites: V8 inlines the fast call only at one that never saw the generic tier's
      // wrapper (`sys/_grouped.ts`, "Tiers")
      const fast = fastNative();
      const ret = fast !== undefined
        ? fast.uring_submit(
          this.enterFd,
          n,
          waitNr,
          flags,
          this.sqesPtr,
          this.sqHeadPtr,
          this.headCache,
          this.mask,
          this.sqeShift,
        )
        : this.lib.uring_submit(
          this.enterFd,
          n,
          waitNr,
          flags,
          this.sqesPtr,
          this.sqHeadPtr,
          this.headCache,
          this.mask,
          this.sqeShift,
        );
      const head = loadAcquire(this.sq32, this.headI);
      this.free += (head - this.headCache) >>> 0;
      this.headCache = head;
      if (ret < 0) return this.#enterFailed(ret, n, waitNr, flags, published);
      return ret;
    }
    return this.#submitSlow(n, published, waitNr, flags, sqFlags);
  }

  /** `submit` with SQPOLL or IOPOLL, or with overflowed CQEs or task work to flush. */
  #submitSlow(n: number, published: number, waitNr: number, flags: number, sqFlags: number) {
    flags |= this.enterFlags;
    if (this.flags & SetupFlag.SQPOLL) {
      // A full barrier between the tail store and the NEED_WAKEUP check: the SQ thread sets the
      // flag, then looks at the tail once more before it sleeps (io_uring_smp_mb() in liburing).
      Atomics.store(this.sq32, this.tailI, this.pubTail);
      sqFlags = Atomics.load(this.sq32, this.flagsI);
    }
    const flush = (sqFlags & (SqRingFlag.CQ_OVERFLOW | SqRingFlag.TASKRUN)) !== 0;
    if (this.flags & SetupFlag.SQPOLL) {
      if (sqFlags & SqRingFlag.NEED_WAKEUP) {
        flags |= EnterFlag.SQ_WAKEUP;
      } else if (waitNr === 0) {
        return published;
      }
    } else if (n === 0 && waitNr === 0 && !flush) {
      return 0;
    }
    if (this.flags & SetupFlag.IOPOLL) flags |= EnterFlag.GETEVENTS;
    if (flush) flags |= EnterFlag.GETEVENTS;
    const ret = this.enter(n, waitNr, flags);
    if (ret >= 0) return this.flags & SetupFlag.SQPOLL ? published : ret;
    return this.#enterFailed(ret, n, waitNr, flags, published);
  }

  /** An `io_uring_enter` of `submit` returned `ret` < 0: retry, report or throw. */
  #enterFailed(ret: number, n: number, waitNr: number, flags: number, published: number) {
    for (;;) {
      if (ret >= 0) return this.flags & SetupFlag.SQPOLL ? published : ret;
      if (ret === -EINTR) {
        // Interrupted before submitting anything: SQEs stay queued for the next submit.
        if (n !== 0) return 0;
      } else if (ret === -ETIME) {
        return n;
      } else {
        throw new UringError(-ret, "io_uring_enter");
      }
      ret = this.enter(n, waitNr, flags);
    }
  }

  /** Makes the SQ inert: `getSqe()` throws, stale `Sqe` objects write nowhere. */
  close(): void {
    this.free = 0;
    this.mem.close();
    this.sq32 = new Uint32Array(0);
  }
}
