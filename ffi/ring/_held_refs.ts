/**
 * Keeps buffers handed to the kernel alive until the CQE that ends their op is reaped.
 *
 * Buffers are keyed by the op's user data, with a count of the in-flight ops that share it: a
 * buffer is released only when the last op with its user data has posted its final CQE (no
 * `CqeFlag.MORE`). User data below 2**16 (the common case: slot numbers) index typed arrays of
 * counts (grown on demand) and an array of refs, larger values a `Map`: the hot path neither
 * allocates nor hashes nor follows a pointer per entry.
 *
 * Ops published before the ring ever held a buffer are not tracked by user data, only counted
 * (`untracked`). While any of them may still be in flight, a CQE cannot be matched to its op for
 * sure, so buffers released in that window are parked in `deferred` until the count is back to
 * zero. Releasing late is safe; releasing early never happens. An op that may post more than one
 * CQE (multishot, zero-copy send, `uring_cmd`: `MAY_MORE` in sqe.ts) or none
 * (`CQE_SKIP_SUCCESS`) switches tracking on before it is published, so every counted op posts
 * exactly one CQE and the count drops by one per CQE reaped.
 *
 * Memory that ops use without holding it one by one (a closed `FixedBuffers`) is `retire`d: kept
 * for the ring's life, and let go at close once the drain left nothing in flight.
 *
 * @internal
 * @module
 */

const SMALL = 1 << 16;
const TWO32 = 4294967296;

/**
 * The 64-bit user data at word `w` of `a` (an SQE's or a CQE's) as a number; a small integer when
 * it fits 32 bits. The key under which buffers are held.
 *
 * @internal
 */
export function userDataAt(a: Uint32Array, w: number): number {
  const hi = a[w + 1];
  return hi === 0 ? a[w] : hi * TWO32 + a[w];
}

/** Entry of a user data value of 2**16 or more. */
class Entry {
  count = 0;
  ref: unknown = undefined;
  tainted = false;
}

/** Several refs held under one user data value (ops sharing it). */
class More {
  constructor(readonly refs: unknown[]) {}
}

/** Adds `ref` to what a slot holds: `ref` itself, or a `More` once there are several. */
function addRef(cur: unknown, ref: unknown): unknown {
  if (cur === undefined) return ref;
  if (cur instanceof More) {
    cur.refs.push(ref);
    return cur;
  }
  return new More([cur, ref]);
}

/** Pushes what a slot holds onto `out`, one ref at a time. */
function pushRefs(out: unknown[], held: unknown): void {
  if (held instanceof More) out.push(...held.refs);
  else if (held !== undefined) out.push(held);
}

/** @internal */
export class _HeldRefs {
  /** In-flight ops per small user data value. */
  #count = new Int32Array(64);
  /** 1 where the small entry was published while untracked ops were in flight. */
  #tainted = new Uint8Array(64);
  /** What each small entry holds (see `addRef`). */
  #refs: unknown[] = new Array(64).fill(undefined);
  #big = new Map<number, Entry>();
  #live = 0;
  #deferred: unknown[] = [];
  /** Kept for the ring's life (see `retire`). */
  #retired: unknown[] = [];
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

  /**
   * Keeps `ref` for as long as the ring lives: memory that ops may use without holding it (a
   * closed `FixedBuffers`, which read/write fixed ops do not hold one by one). Counting ops in
   * flight cannot prove it free earlier: a CQE that another ring posts here with `MSG_RING`
   * would count as the end of one of them. At close, `settle()` lets it go once nothing is in
   * flight.
   */
  retire(ref: unknown): void {
    this.#retired.push(ref);
  }

  /** How many retired refs are kept (for tests). */
  get retiredCount(): number {
    return this.#retired.length;
  }

  /** At ring close, after the drain: forgets the retired refs when no op is left in flight. */
  settle(): void {
    if (this.#live === 0 && this.untracked === 0) this.#retired.length = 0;
  }

  /** Records `n` CQEs of ops that were only counted (`untracked`). */
  countDone(n: number): void {
    const u = this.untracked;
    this.untracked = u > n ? u - n : 0;
  }

  /** Records one published op with user data `ud`, holding `ref` (if not undefined). */
  publish(ud: number, ref: unknown): void {
    const count = this.#count;
    if (ud < count.length) {
      const c = count[ud];
      count[ud] = c + 1;
      if (c === 0) {
        this.#live++;
        this.#tainted[ud] = !this.unique && this.untracked > 0 ? 1 : 0;
      }
      if (ref !== undefined) this.#refs[ud] = addRef(this.#refs[ud], ref);
      return;
    }
    this.#publishSlow(ud, ref);
  }

  /** `publish` for user data past the small table: grows it, or uses the map. */
  #publishSlow(ud: number, ref: unknown): void {
    if (ud < SMALL) {
      let n = this.#count.length;
      while (n <= ud) n *= 2;
      const count = new Int32Array(n), tainted = new Uint8Array(n);
      count.set(this.#count);
      tainted.set(this.#tainted);
      this.#count = count;
      this.#tainted = tainted;
      const refs = this.#refs;
      for (let i = refs.length; i < n; i++) refs.push(undefined);
      this.publish(ud, ref);
      return;
    }
    let e = this.#big.get(ud);
    if (e === undefined) this.#big.set(ud, e = new Entry());
    if (e.count++ === 0) {
      this.#live++;
      e.tainted = !this.unique && this.untracked > 0;
    }
    if (ref !== undefined) e.ref = addRef(e.ref, ref);
  }

  /** Records the final CQE of an op with user data `ud`. */
  complete(ud: number): void {
    const count = this.#count;
    if (ud < count.length) {
      const c = count[ud];
      if (c > 1) {
        count[ud] = c - 1;
        return;
      }
      if (c === 1) {
        count[ud] = 0;
        this.#live--;
        if (this.#tainted[ud] !== 0 && this.untracked > 0) pushRefs(this.#deferred, this.#refs[ud]);
        this.#refs[ud] = undefined;
        return;
      }
    }
    this.#completeSlow(ud);
  }

  /** `complete` for large user data, or for a CQE of an op that was only counted. */
  #completeSlow(ud: number): void {
    const e = ud < SMALL ? undefined : this.#big.get(ud);
    if (e === undefined || e.count === 0) {
      if (this.untracked > 0 && --this.untracked === 0) this.#deferred.length = 0;
      return;
    }
    if (--e.count !== 0) return;
    this.#live--;
    if (e.tainted && this.untracked > 0) pushRefs(this.#deferred, e.ref);
    this.#big.delete(ud);
  }

  /** Everything still held, for a ring that closes with ops it could not reap. */
  remaining(): unknown[] {
    const out: unknown[] = [...this.#deferred, ...this.#retired];
    for (let ud = 0; ud < this.#count.length; ud++) {
      if (this.#count[ud] !== 0) pushRefs(out, this.#refs[ud]);
    }
    for (const e of this.#big.values()) pushRefs(out, e.ref);
    return out;
  }
}
