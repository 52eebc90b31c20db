/**
 * `CqeBatch`: completions copied out of the CQ ring, as 16-byte records laid out like
 * `struct io_uring_cqe`; `CqeView`: completions read where they lie in the CQ ring.
 *
 * @module
 */

const TWO32 = 2 ** 32;

/**
 * One completion, as the iterator of {@link CqeBatch} yields it.
 *
 * `Ring.waitCqe()` and `Ring.peekCqe()` return one too.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type Cqe, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const sqe = ring.getSqe()!;
 * sqe.prepNop();
 * sqe.userData = 9;
 * ring.submitAndWait(1);
 * const cqe: Cqe = ring.waitCqe()!;
 * assertEquals([cqe.userData, cqe.res, cqe.flags], [9, 0, 0]);
 * ```
 */
export interface Cqe {
  /** The SQE's user data, 0 .. 2**53-1. */
  userData: number;
  /** The result: >= 0 on success, `-errno` on failure. */
  res: number;
  /** `CqeFlag` bits; with `CqeFlag.BUFFER` the buffer id is `flags >>> 16`. */
  flags: number;
}

/**
 * A reusable array of CQEs, filled by `Ring.copyCqes()`. Reading `length`, `userData(i)`, `res(i)`
 * and `flags(i)` allocates nothing; iterating yields a fresh {@link Cqe} per entry.
 *
 * @example
 * ```ts
 * import { assertEquals, assertLess } from "@std/assert";
 * import { CqeBatch, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * for (let i = 0; i < 3; i++) {
 *   const sqe = ring.getSqe()!;
 *   sqe.prepNop();
 *   sqe.userData = i;
 * }
 * ring.submit();
 * const batch = new CqeBatch(8);
 * const n = ring.copyCqes(batch, 3);
 * assertEquals([n, batch.length, batch.res(0)], [3, 3, 0]);
 * for (const cqe of batch) assertLess(cqe.userData, 3);
 * ```
 */
export class CqeBatch implements Iterable<Cqe> {
  /** How many CQEs fit. */
  readonly capacity: number = 0;
  /** How many CQEs the last `copyCqes` stored. */
  length = 0;
  /**
   * @internal The records, 4 words each as in `struct io_uring_cqe`: user data low and high
   * words, `res`, `flags`. One copy from the CQ ring fills them (a memcpy for 16-byte CQEs).
   */
  readonly _u32: Uint32Array;
  /** @internal The same memory, for the signed `res` word. */
  readonly _i32: Int32Array;

  /**
   * Makes an empty batch.
   *
   * @param capacity how many CQEs one copy may take, 1 .. 2**20
   * @throws {RangeError} for a capacity out of range
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 20) {
      throw new RangeError(`capacity must be an integer in 1..2**20, got ${capacity}`);
    }
    this.capacity = capacity;
    this._u32 = new Uint32Array(capacity * 4);
    this._i32 = new Int32Array(this._u32.buffer);
  }

  /** User data of entry `i`. */
  userData(i: number): number {
    const u = this._u32, w = i * 4;
    return u[w + 1] * TWO32 + u[w];
  }

  /** Result of entry `i`: >= 0 on success, `-errno` on failure. */
  res(i: number): number {
    return this._i32[i * 4 + 2];
  }

  /** `CqeFlag` bits of entry `i`. */
  flags(i: number): number {
    return this._u32[i * 4 + 3];
  }

  /** Yields the stored entries as objects. */
  *[Symbol.iterator](): Iterator<Cqe> {
    for (let i = 0; i < this.length; i++) {
      yield { userData: this.userData(i), res: this.res(i), flags: this.flags(i) };
    }
  }
}

/**
 * The ready CQEs where they lie in the CQ ring, read with no copy: what `Ring.peekCqes()`
 * returns, like the array `io_uring_peek_batch_cqe(3)` fills. Entry 0 is the oldest unseen CQE.
 * `Ring.cqAdvance(n)` consumes the first `n`, after which the kernel may reuse their slots; the
 * view then starts at the next one. Each ring has one view, reused by every `peekCqes()` call;
 * once the ring is closed it is empty.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * for (let i = 0; i < 3; i++) {
 *   const sqe = ring.getSqe()!;
 *   sqe.prepNop();
 *   sqe.userData = 10 + i;
 * }
 * ring.submitAndWait(3);
 * const view = ring.peekCqes();
 * assertEquals(view.length, 3);
 * assertEquals([view.userData(0), view.userData(2)], [10, 12]);
 * ring.cqAdvance(view.length);
 * assertEquals(ring.cqReady(), 0);
 * ```
 */
export class CqeView implements Iterable<Cqe> {
  /** How many CQEs the view shows (ready at the last `peekCqes()`, minus those advanced past). */
  length = 0;
  /** @internal The CQ ring memory as words (empty once the ring is closed). */
  _cq: Uint32Array;
  /** @internal The same memory, for the signed `res` word. */
  _cqI: Int32Array;
  /** @internal Word index of the CQE array in `_cq`. */
  readonly _base: number = 0;
  /** @internal CQ ring mask. */
  readonly _mask: number = 0;
  /** @internal Words per CQE: 4, or 8 with `IORING_SETUP_CQE32`. */
  readonly _stride: number = 0;
  /** @internal The CQ head position of entry 0. */
  _head = 0;

  /** @internal Made by `Ring` only, one per ring. */
  constructor(cq: Uint32Array, cqI: Int32Array, base: number, mask: number, stride: number) {
    this._cq = cq;
    this._cqI = cqI;
    this._base = base;
    this._mask = mask;
    this._stride = stride;
  }

  /** @internal Word index of entry `i`. */
  _word(i: number): number {
    return this._base + ((this._head + i) & this._mask) * this._stride;
  }

  /** User data of entry `i`. */
  userData(i: number): number {
    const cq = this._cq, w = this._word(i);
    return cq[w + 1] * TWO32 + cq[w];
  }

  /** Result of entry `i`: >= 0 on success, `-errno` on failure. */
  res(i: number): number {
    return this._cqI[this._word(i) + 2];
  }

  /** `CqeFlag` bits of entry `i`. */
  flags(i: number): number {
    return this._cq[this._word(i) + 3];
  }

  /** Yields the entries as objects. */
  *[Symbol.iterator](): Iterator<Cqe> {
    for (let i = 0; i < this.length; i++) {
      yield { userData: this.userData(i), res: this.res(i), flags: this.flags(i) };
    }
  }
}
