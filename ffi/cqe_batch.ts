/**
 * `CqeBatch`: completions copied out of the CQ ring, as a struct of arrays.
 *
 * @module
 */

/**
 * One completion, as the iterator of {@link CqeBatch} yields it.
 *
 * `Ring.waitCqe()` and `Ring.peekCqe()` return one too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Cqe, Ring } from "../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const sqe = ring.getSqe()!;
 * sqe.prepNop();
 * sqe.userData = 9;
 * ring.submitAndWait(1);
 * const cqe: Cqe = ring.waitCqe()!;
 * assert(cqe.userData === 9 && cqe.res === 0 && cqe.flags === 0);
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
 * import assert from "node:assert/strict";
 * import { CqeBatch, Ring } from "../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * for (let i = 0; i < 3; i++) {
 *   const sqe = ring.getSqe()!;
 *   sqe.prepNop();
 *   sqe.userData = i;
 * }
 * ring.submit();
 * const batch = new CqeBatch(8);
 * const n = ring.copyCqes(batch, 3);
 * assert(n === 3 && batch.length === 3 && batch.res(0) === 0);
 * for (const cqe of batch) assert(cqe.userData < 3);
 * ```
 */
export class CqeBatch implements Iterable<Cqe> {
  /** How many CQEs fit. */
  readonly capacity: number;
  /** How many CQEs the last `copyCqes` stored. */
  length = 0;
  /** @internal */
  readonly _userData: Float64Array;
  /** @internal */
  readonly _res: Int32Array;
  /** @internal */
  readonly _flags: Uint32Array;

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
    this._userData = new Float64Array(capacity);
    this._res = new Int32Array(capacity);
    this._flags = new Uint32Array(capacity);
  }

  /** User data of entry `i`. */
  userData(i: number): number {
    return this._userData[i];
  }

  /** Result of entry `i`: >= 0 on success, `-errno` on failure. */
  res(i: number): number {
    return this._res[i];
  }

  /** `CqeFlag` bits of entry `i`. */
  flags(i: number): number {
    return this._flags[i];
  }

  /** Yields the stored entries as objects. */
  *[Symbol.iterator](): Iterator<Cqe> {
    for (let i = 0; i < this.length; i++) {
      yield { userData: this._userData[i], res: this._res[i], flags: this._flags[i] };
    }
  }
}
