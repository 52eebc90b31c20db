/**
 * Keeps buffers handed to the kernel alive until the CQE that ends their op is reaped.
 *
 * Buffers are keyed by the op's user data, with a count of the in-flight ops that share it: a
 * buffer is released only when the last op with its user data has posted its final CQE (no
 * `CqeFlag.MORE`). User data below 2**16 (the common case: slot numbers) is looked up in an
 * array, larger values in a `Map`, so the hot path neither allocates nor hashes.
 *
 * Ops published before the ring ever held a buffer are not tracked by user data, only counted
 * (`untracked`). While any of them may still be in flight, a CQE cannot be matched to its op for
 * sure, so buffers released in that window are parked in `deferred` until the count is back to
 * zero. Releasing late is safe; releasing early never happens. An op that may post more than one
 * CQE (multishot, zero-copy send, `uring_cmd`: `MAY_MORE` in sqe.ts) or none
 * (`CQE_SKIP_SUCCESS`) switches tracking on before it is published, so every counted op posts
 * exactly one CQE and the count drops by one per CQE reaped.
 *
 * @internal
 * @module
 */

const SMALL = 1 << 16;

class Entry {
  count = 0;
  ref: unknown = undefined;
  more: unknown[] | null = null;
  tainted = false;
}

/** @internal */
export class _HeldRefs {
  #small: (Entry | undefined)[] = [];
  #big = new Map<number, Entry>();
  #live = 0;
  #deferred: unknown[] = [];
  /** Ops published while nothing was tracked, and not yet known to be complete. */
  untracked = 0;
  /**
   * Set when the owner promises that no two ops in flight share a user data value (AsyncRing's
   * user data are slot numbers): then a CQE can always be matched to its op and nothing needs to
   * be parked while untracked ops are in flight.
   */
  unique = false;

  /** Number of user data values with ops in flight. */
  get size(): number {
    return this.#live;
  }

  /** Records one published op with user data `ud`, holding `ref` (if not undefined). */
  publish(ud: number, ref: unknown): void {
    let e = ud < SMALL ? this.#small[ud] : this.#big.get(ud);
    if (e === undefined) {
      e = new Entry();
      if (ud < SMALL) this.#small[ud] = e;
      else this.#big.set(ud, e);
    }
    if (e.count++ === 0) {
      this.#live++;
      e.tainted = !this.unique && this.untracked > 0;
    }
    if (ref !== undefined) {
      if (e.ref === undefined) e.ref = ref;
      else (e.more ??= []).push(ref);
    }
  }

  /** Records the final CQE of an op with user data `ud`. */
  complete(ud: number): void {
    const e = ud < SMALL ? this.#small[ud] : this.#big.get(ud);
    if (e === undefined || e.count === 0) {
      if (this.untracked > 0 && --this.untracked === 0) this.#deferred.length = 0;
      return;
    }
    if (--e.count !== 0) return;
    this.#live--;
    if (e.tainted && this.untracked > 0) {
      this.#deferred.push(e.ref);
      if (e.more !== null) this.#deferred.push(...e.more);
    }
    e.ref = undefined;
    if (e.more !== null) e.more.length = 0;
    if (ud >= SMALL) this.#big.delete(ud);
  }

  /** Everything still held, for a ring that closes with ops it could not reap. */
  remaining(): unknown[] {
    const out: unknown[] = [...this.#deferred];
    const add = (e: Entry | undefined) => {
      if (e === undefined || e.count === 0) return;
      if (e.ref !== undefined) out.push(e.ref);
      if (e.more !== null) out.push(...e.more);
    };
    this.#small.forEach(add);
    this.#big.forEach(add);
    return out;
  }
}
