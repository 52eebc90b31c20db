// Shared by the random-program tests (fast-check): run counts, replay parameters and the helpers
// both the AsyncRing and the Ring programs use.
import type fc from "fast-check";
import { closeFd, makePipe } from "./_helpers.ts";

/** Programs per property: 25 by default (a few seconds); `deno task test:fuzz` sets FC_RUNS. */
export const RUNS = Number(Deno.env.get("FC_RUNS") ?? 25);
const SEED = Deno.env.get("FC_SEED");
const PATH = Deno.env.get("FC_PATH");
/** fast-check parameters; FC_SEED and FC_PATH replay a failure fast-check printed. */
export const fcParams = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns,
  ...(SEED === undefined ? {} : { seed: Number(SEED) }),
  ...(PATH === undefined ? {} : { path: PATH }),
});

/** The file the programs read and write: 8 slots of 4 KiB. */
export const SLOTS = 8;
export const SLOT = 4096;
export const FILE_SIZE = SLOTS * SLOT;

/** `len` pseudo-random bytes from `seed` (xorshift). */
export function bytes(len: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(len);
  let x = (seed * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Makes sure the helpers' own ring exists, so it does not count as a leak. */
export function warmHelpers(): void {
  const [r, w] = makePipe();
  closeFd(r);
  closeFd(w);
}
