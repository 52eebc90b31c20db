/**
 * The completion side of a `Ring`: the CQ ring as mapped, and the loops that reap it (by copy, in
 * place, one at a time), releasing held buffers as ops end.
 *
 * @internal
 * @module
 */
import { CqeFlag, Errno, SetupFlag } from "../sys/mod.ts";
import { loadAcquire, storeRelease } from "../sys/mod.ts";
import { type _HeldRefs, userDataAt } from "./_held_refs.ts";
import { type Cqe, type CqeBatch, CqeView } from "./cqe_batch.ts";
import type { RingSetup } from "./ring_setup.ts";
import type { _SqMemory } from "./sqe_memory.ts";
const { ETIME } = Errno;

const TWO32 = 4294967296;

/**
 * A ring's completion queue. The reaping calls take the number of CQEs ready (after any wait,
 * which is `_wait.ts`'s business) and consume them; `Ring` checks that it is open first.
 *
 * @internal
 */
export class _CompletionQueue {
  /** CQ size in entries. */
  readonly entries: number;
  /** The CQ ring as words (empty once closed), and as signed words for `res`. */
  cq32: Uint32Array;
  cqI32: Int32Array;
  /** Word indexes of the head, the tail, the overflow counter and the CQE array. */
  readonly headI: number;
  readonly tailI: number;
  readonly overflowI: number;
  /** Word index of the CQ ring's `flags` (0: the kernel has none, before Linux 5.8). */
  readonly flagsI: number;
  readonly cqesI: number;
  readonly mask: number;
  /** Words per CQE: 4, or 8 with CQE32. */
  readonly stride: number;
  /** Buffers held by user data, and the SQ memory whose `tracking` says whether to look. */
  readonly held: _HeldRefs;
  readonly mem: _SqMemory;
  /** The one view `peek()` returns, made on first use. */
  view: CqeView | undefined = undefined;
  /** Set by `close()`. */
  closed = false;

  constructor(r: RingSetup, held: _HeldRefs, mem: _SqMemory) {
    this.entries = r.cqEntries;
    this.held = held;
    this.mem = mem;
    // struct io_cqring_offsets at byte 80 of the params
    const p32 = r.params;
    const cq32 = this.cq32 = new Uint32Array(r.cqRing);
    this.cqI32 = new Int32Array(r.cqRing);
    this.headI = p32[20] >>> 2;
    this.tailI = p32[21] >>> 2;
    this.mask = cq32[p32[22] >>> 2];
    this.overflowI = p32[24] >>> 2;
    this.flagsI = p32[26] >>> 2;
    this.cqesI = p32[25] >>> 2;
    this.stride = r.flags & SetupFlag.CQE32 ? 8 : 4;
  }

  /** The CQ head (only this side moves it). */
  head(): number {
    return this.cq32[this.headI];
  }

  /** The CQ tail (acquire). */
  tail(): number {
    return loadAcquire(this.cq32, this.tailI);
  }

  /** CQEs ready to be reaped. */
  ready(): number {
    const cq = this.cq32;
    return (loadAcquire(cq, this.tailI) - cq[this.headI]) >>> 0;
  }

  /** `Ring.copyCqes()` once `ready` CQEs are known to be ready. */
  copy(batch: CqeBatch, ready: number): number {
    const cq = this.cq32;
    let head = cq[this.headI];
    const n = ready < batch.capacity ? ready : batch.capacity;
    const dst = batch._u32;
    const start = head & this.mask;
    if (this.stride === 4 && n > 8) {
      // 16-byte CQEs are the batch's records: one or two memcpys (the CQ wraps at most once).
      const base = this.cqesI + start * 4;
      const first = Math.min(n, this.mask + 1 - start);
      dst.set(cq.subarray(base, base + first * 4), 0);
      if (n > first) dst.set(cq.subarray(this.cqesI, this.cqesI + (n - first) * 4), first * 4);
    } else {
      // A few CQEs (no subarray objects to allocate), or CQE32: the first 16 bytes of each.
      const mask = this.mask, base = this.cqesI, stride = this.stride;
      for (let i = 0, h = head; i < n; i++, h = (h + 1) >>> 0) {
        const w = base + (h & mask) * stride, j = i * 4;
        dst[j] = cq[w];
        dst[j + 1] = cq[w + 1];
        dst[j + 2] = cq[w + 2];
        dst[j + 3] = cq[w + 3];
      }
    }
    head = (head + n) >>> 0;
    if (this.mem.tracking) {
      const held = this.held;
      // Nothing held and nothing only counted (AsyncRing between buffer ops): nothing to release.
      if (held.size !== 0 || held.untracked !== 0) {
        for (let j = 0; j < n * 4; j += 4) {
          const f = dst[j + 3];
          if ((f & CqeFlag.MORE) === 0) held.complete(userDataAt(dst, j));
        }
      }
    } else {
      // Nothing held: every op so far posts exactly one CQE (see _HeldRefs), so just count.
      this.held.countDone(n);
    }
    storeRelease(cq, this.headI, head);
    batch.length = n;
    return n;
  }

  /** `Ring.peekCqes()` once `ready` CQEs are known to be ready. */
  peek(ready: number): CqeView {
    const view = this.view ??= new CqeView(
      this.cq32,
      this.cqI32,
      this.cqesI,
      this.mask,
      this.stride,
    );
    view._head = this.cq32[this.headI];
    view.length = ready;
    return view;
  }

  /** `Ring.cqAdvance()`. */
  advance(n: number): void {
    const cq = this.cq32;
    const head = cq[this.headI];
    if (!((n >>> 0) === n && n <= ((loadAcquire(cq, this.tailI) - head) >>> 0))) {
      throw new RangeError(`cqAdvance: n must be an integer from 0 to cqReady(), got ${n}`);
    }
    const held = this.held;
    if (!this.mem.tracking) {
      // Nothing held: every op so far posts exactly one CQE (see _HeldRefs), so just count.
      held.countDone(n);
    } else if (held.size !== 0 || held.untracked !== 0) {
      this.#releaseInPlace(head, n);
    }
    const next = (head + n) >>> 0;
    storeRelease(cq, this.headI, next);
    const view = this.view;
    if (view !== undefined) {
      view.length = view.length > n ? view.length - n : 0;
      view._head = next;
    }
  }

  /** Releases the buffers of ops whose final CQE is among the `n` from CQ position `head`. */
  #releaseInPlace(head: number, n: number): void {
    const cq = this.cq32, mask = this.mask, stride = this.stride, base = this.cqesI;
    for (let i = 0, h = head; i < n; i++, h = (h + 1) >>> 0) {
      const w = base + (h & mask) * stride;
      if ((cq[w + 3] & CqeFlag.MORE) === 0) this.held.complete(userDataAt(cq, w));
    }
  }

  /**
   * `Ring.forEachCqe()` once `ready` CQEs are known to be ready. The release is written out here
   * and in `take()` rather than shared through a private method: V8 checks a private method's
   * brand on each call, per CQE in this loop.
   */
  forEach(fn: (userData: number, res: number, flags: number) => void, ready: number): number {
    const cq = this.cq32;
    let head = cq[this.headI];
    const ci = this.cqI32, mask = this.mask, stride = this.stride, base = this.cqesI;
    for (let i = 0; i < ready; i++) {
      const w = base + (head & mask) * stride;
      const u = cq[w + 1] * TWO32 + cq[w];
      const f = cq[w + 3];
      head = (head + 1) >>> 0;
      storeRelease(cq, this.headI, head);
      if (this.mem.tracking) {
        if ((f & CqeFlag.MORE) === 0) this.held.complete(u);
      } else if ((f & CqeFlag.MORE) === 0) this.held.countDone(1);
      fn(u, ci[w + 2], f);
      if (this.closed) return i + 1;
    }
    return ready;
  }

  /** Takes the CQE at the head off the CQ, or returns `null` when none is ready. */
  take(): Cqe | null {
    const cq = this.cq32;
    const head = cq[this.headI];
    if (((loadAcquire(cq, this.tailI) - head) >>> 0) === 0) return null;
    const w = this.cqesI + (head & this.mask) * this.stride;
    const out = { userData: cq[w + 1] * TWO32 + cq[w], res: this.cqI32[w + 2], flags: cq[w + 3] };
    storeRelease(cq, this.headI, (head + 1) >>> 0);
    if (this.mem.tracking) {
      if ((out.flags & CqeFlag.MORE) === 0) this.held.complete(out.userData);
    } else if ((out.flags & CqeFlag.MORE) === 0) this.held.countDone(1);
    return out;
  }

  /**
   * Whether fewer than `waitNr` CQEs (at most `entries`) are ready and no timeout op expired
   * since CQ position `from`: a wait for them would go on.
   */
  short(waitNr: number, from: number): boolean {
    const cq = this.cq32;
    const tail = loadAcquire(cq, this.tailI);
    const want = waitNr < this.entries ? waitNr : this.entries;
    return ((tail - cq[this.headI]) >>> 0) < want && !this.#timeoutExpired(from, tail);
  }

  /**
   * Whether a CQE from CQ position `from` up to `tail` is `-ETIME`, an expired timeout's: the
   * kernel then wakes every waiter, whatever `min_complete` it waits for, and so does this.
   */
  #timeoutExpired(from: number, tail: number): boolean {
    const cq = this.cq32, ci = this.cqI32, mask = this.mask, stride = this.stride;
    const head = cq[this.headI];
    if (((tail - from) >>> 0) > ((tail - head) >>> 0)) from = head; // consumed meanwhile
    for (let h = from; h !== tail; h = (h + 1) >>> 0) {
      if (ci[this.cqesI + (h & mask) * stride + 2] === -ETIME) return true;
    }
    return false;
  }

  /** Makes the CQ inert: the view shows nothing and reads no unmapped memory. */
  close(): void {
    this.closed = true;
    this.cq32 = new Uint32Array(0);
    this.cqI32 = new Int32Array(0);
    const view = this.view;
    if (view !== undefined) {
      view._cq = this.cq32;
      view._cqI = this.cqI32;
      view.length = 0;
    }
  }
}
