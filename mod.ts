/**
 * io_uring for Deno: Linux's shared-ring asynchronous I/O, from TypeScript.
 *
 * Two layers: {@link Ring}, shaped like liburing (every `io_uring_prep_X` is `Sqe.prepX`, SQEs
 * written straight into the shared ring memory, one `io_uring_enter` per batch), and
 * `AsyncRing`, promises batched per event-loop turn.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CqeBatch, Ring } from "./mod.ts";
 * using ring = new Ring({ entries: 8 });
 * const sqe = ring.getSqe()!;
 * sqe.prepNop();
 * sqe.userData = 42;
 * ring.submitAndWait(1);
 * const batch = new CqeBatch(8);
 * ring.copyCqes(batch);
 * assertEquals([batch.userData(0), batch.res(0)], [42, 0]);
 * ```
 *
 * @module
 */
export * from "./ffi/_bundle/mod.js";
