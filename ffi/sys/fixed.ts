/**
 * The `fixed(i)` marker: a registered (fixed) file given wherever an fd goes.
 *
 * @module
 */

/**
 * A registered file: index `index` of the ring's file table. Made by {@link fixed}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { eventfd, type Fixed, fixed, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 2 });
 * const efd = eventfd(3);
 * using files = ring.registerFiles([efd]);
 * const slot: Fixed = fixed(0);
 * const count = new BigUint64Array(1);
 * ring.getSqe()!.prepRead(slot, new Uint8Array(count.buffer), 0); // sets SqeFlag.FIXED_FILE
 * ring.submitAndWait(1);
 * assertEquals([ring.waitCqe()!.res, count[0]], [8, 3n]);
 * ring.getSqe()!.prepClose(efd);
 * ring.submitAndWait(1);
 * ```
 */
export interface Fixed {
  /** The slot in the registered file table. */
  readonly index: number;
  /** Brand, so that plain objects are not taken for fixed files. */
  readonly fixedFile: true;
}

/**
 * An fd: a plain file descriptor number, or a registered file from {@link fixed}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { eventfd, type FdLike, fixed, PollEvent, Ring } from "../../mod.ts";
 * using ring = new Ring({ entries: 4 });
 * const efd = eventfd(1); // readable
 * using files = ring.registerFiles([efd]);
 * const both: FdLike[] = [efd, fixed(0)]; // the same eventfd, twice
 * for (const fd of both) ring.getSqe()!.prepPollAdd(fd, PollEvent.IN);
 * ring.submitAndWait(2);
 * assertEquals([ring.waitCqe()!.res, ring.waitCqe()!.res], [PollEvent.IN, PollEvent.IN]);
 * ring.getSqe()!.prepClose(efd);
 * ring.submitAndWait(1);
 * ```
 */
export type FdLike = number | Fixed;

const cache: Fixed[] = [];

/**
 * Marks `index` as a registered file. Wherever an fd goes, `fixed(i)` uses slot `i` of the ring's
 * file table and sets `IOSQE_FIXED_FILE` for you. The markers are cached, so calling this in a hot
 * loop allocates nothing.
 *
 * @param index slot in the file table, 0 .. 2**31-1
 * @returns the marker
 * @throws {RangeError} when `index` is not a non-negative 31-bit integer
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { fixed } from "../../mod.ts";
 * assert(fixed(3).index === 3 && fixed(3) === fixed(3));
 * ```
 */
export function fixed(index: number): Fixed {
  if (!Number.isInteger(index) || index < 0 || index > 0x7fffffff) {
    throw new RangeError(`fixed file index must be an integer in 0..2**31-1, got ${index}`);
  }
  let f = cache[index];
  if (f === undefined) {
    f = Object.freeze({ index, fixedFile: true as const });
    if (index < 65536) cache[index] = f;
  }
  return f;
}

/** True when `fd` is a {@link fixed} marker. */
export function isFixed(fd: unknown): fd is Fixed {
  return typeof fd === "object" && fd !== null && (fd as Fixed).fixedFile === true;
}
