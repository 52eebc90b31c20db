/**
 * Acquire loads and release stores of the indices shared with the kernel (the SQ and CQ ring
 * heads and tails, a buffer ring's tail).
 *
 * On x86-64 they are plain typed-array loads and stores. The hardware is TSO (a load is never
 * reordered with later loads or stores, a store never with earlier ones: every plain load is an
 * acquire, every plain store a release), and V8 keeps typed-array accesses in program order
 * (they are effectful operations on TurboFan's effect chain, never merged across a call, and every
 * index is read afresh after each FFI call, so a load never goes stale across the kernel's
 * updates). `Atomics.load` / `Atomics.store` would cost a builtin call,
 * 10-15 ns each in Deno's V8 (about a fifth of an `AsyncRing` NOP round trip). Elsewhere (aarch64)
 * they are `Atomics.load` / `Atomics.store` (LDAR / STLR). The one place that needs more is
 * SQPOLL's wake-up check, which must not read the SQ flags before the tail store is visible (a
 * store-load order TSO does not give): there a sequentially consistent `Atomics.store` of the tail
 * (XCHG) comes first, as liburing's `io_uring_smp_mb()` does.
 *
 * @internal
 * @module
 */

/** x86-64: plain accesses are acquire loads and release stores (see the module doc). */
const TSO = Deno.build.arch === "x86_64";

/** Acquire load of a ring index shared with the kernel. */
export function loadAcquire(a: Uint32Array, i: number): number {
  return TSO ? a[i] : Atomics.load(a, i);
}

/** Release store of a ring index shared with the kernel. */
export function storeRelease(a: Uint32Array, i: number, v: number): void {
  if (TSO) a[i] = v;
  else Atomics.store(a, i, v);
}

/** Release store of a 16-bit index (a buffer ring's tail). */
export function storeRelease16(a: Uint16Array, i: number, v: number): void {
  if (TSO) a[i] = v;
  else Atomics.store(a, i, v);
}
