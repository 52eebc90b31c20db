/**
 * The AsyncRing's backlog: SQEs prepared into JavaScript memory while the SQ is full, moved into
 * the SQ in order as room appears. SQEs linked to the next one move with it, as one group.
 *
 * @internal
 * @module
 */
import type { Ring } from "../ring/mod.ts";
import { Sqe } from "../ring/mod.ts";
import { _SqMemory } from "../ring/mod.ts";

/** @internal */
export class _Backlog {
  #sqes: Sqe[] = [];
  /** `#cont[i]`: SQE `i` is linked to SQE `i + 1`, which must go into the SQ with it. */
  #cont: boolean[] = [];
  #head = 0;
  /** Backlog SQEs to reuse, over blocks of JS memory shaped like the SQE array. */
  #pool: Sqe[] = [];
  readonly #sqe128: boolean;

  constructor(sqe128: boolean) {
    this.#sqe128 = sqe128;
  }

  /** True when nothing waits for room in the SQ. */
  get empty(): boolean {
    return this.#head === this.#sqes.length;
  }

  /**
   * A zeroed SQE in JS memory, appended. With `linked`, the SQE staged before it is linked to it
   * (a `timeoutMs` link timeout, the next op of a chain): they go into the SQ together.
   */
  stage(linked: boolean = false): Sqe {
    let s = this.#pool.pop();
    if (s === undefined) {
      const per = 64;
      const stride = this.#sqe128 ? 128 : 64;
      const mem = new _SqMemory(new Uint8Array(per * stride), per, this.#sqe128);
      for (let i = per - 1; i > 0; i--) this.#pool.push(new Sqe(mem, i));
      s = new Sqe(mem, 0);
    } else {
      s._m.u32.fill(0, s._w, s._w + s._m.stride);
      s._m.refs[s._slot] = undefined;
    }
    if (linked) this.#cont[this.#sqes.length - 1] = true;
    this.#sqes.push(s);
    this.#cont.push(false);
    return s;
  }

  /** Unlinks the last `n` staged SQEs (a chain whose preparation failed: each is a NOP now). */
  unlinkLast(n: number): void {
    this.#cont.fill(false, this.#sqes.length - n);
  }

  /**
   * Moves groups into the SQ of `ring` while they fit. A group whose first SQE is `aborted` is
   * dropped instead, `dropped` called for each of its SQEs; `moved` is called for each SQE copied
   * into the SQ (its held buffers go along).
   */
  drainInto(
    ring: Ring,
    aborted: (first: Sqe) => boolean,
    dropped: (s: Sqe) => void,
    moved: (s: Sqe) => void,
  ): void {
    const bl = this.#sqes, cont = this.#cont;
    while (this.#head < bl.length) {
      const head = this.#head;
      let n = 1;
      while (cont[head + n - 1] && head + n < bl.length) n++;
      const skip = aborted(bl[head]);
      if (!skip && ring.sqSpaceLeft() < n) break;
      for (let i = 0; i < n; i++) {
        const st = bl[head + i];
        if (skip) {
          dropped(st);
        } else {
          const s = ring.getSqe()!;
          const m = st._m;
          s._m.u32.set(m.u32.subarray(st._w, st._w + m.stride), s._w);
          const ref = m.refs[st._slot];
          if (ref !== undefined) s._hold(ref);
          moved(st);
        }
        st._m.refs[st._slot] = undefined;
        bl[head + i] = undefined as unknown as Sqe;
        this.#pool.push(st);
      }
      this.#head = head + n;
    }
    if (this.#head === bl.length && bl.length !== 0) this.#reset();
  }

  /** Drops every SQE still waiting, and the buffers they hold (the ring is closing). */
  clear(): void {
    for (const s of this.#sqes) if (s !== undefined) s._m.refs[s._slot] = undefined;
    this.#reset();
  }

  #reset(): void {
    this.#sqes.length = 0;
    this.#cont.length = 0;
    this.#head = 0;
  }
}
