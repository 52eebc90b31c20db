// The ring indices shared with the kernel: plain loads/stores on x86-64 (TSO), Atomics elsewhere,
// and a full barrier before SQPOLL's wake-up check (see ffi/ring/ring.ts). These tests exercise the
// cases that would break if a load were cached or a store-load order were missing.
import { assert, assertEquals, assertGreater } from "@std/assert";
import { AsyncRing, Ring } from "../../ffi/mod.ts";
import { tempFile } from "../_helpers.ts";

/** Spins on `cqReady()` with no call into native code in the loop; fails instead of hanging. */
function spinForCqe(ring: Ring): number {
  let spins = 0;
  while (ring.cqReady() === 0) {
    if (++spins > 4e9) throw new Error("the CQ tail never moved: a stale load?");
  }
  return spins;
}

Deno.test("a busy poll of cqReady() sees CQEs the kernel posts later (timer, SQPOLL)", () => {
  using ring = new Ring({ entries: 8, sqpoll: true, sqThreadIdle: 100 });
  let spun = 0;
  // Enough rounds for V8 to optimize the spin loop (OSR) while CQEs keep arriving.
  for (let k = 0; k < 40; k++) {
    const sqe = ring.getSqe() ?? (ring.sqringWait(), ring.getSqe()!);
    sqe.prepTimeout(1);
    sqe.userData = k;
    ring.submit(); // the SQ thread is awake: usually no io_uring_enter at all
    spun += spinForCqe(ring);
    const cqe = ring.waitCqe()!;
    assertEquals(cqe.userData, k);
    assertEquals(cqe.res, -62); // ETIME
  }
  assertGreater(spun, 0, "the loop did spin");
});

Deno.test("a busy poll of cqReady() sees CQEs the kernel posts later (timer, no SQPOLL)", () => {
  using ring = new Ring({ entries: 8 });
  for (let k = 0; k < 20; k++) {
    const sqe = ring.getSqe()!;
    sqe.prepTimeout(1);
    sqe.userData = k;
    ring.submit();
    spinForCqe(ring);
    assertEquals(ring.waitCqe()!.userData, k);
  }
});

Deno.test("SQPOLL: a submit after the SQ thread went to sleep wakes it (no lost SQE)", async () => {
  using ring = new Ring({ entries: 8, sqpoll: true, sqThreadIdle: 1 });
  for (let k = 0; k < 30; k++) {
    // Longer than sqThreadIdle: the thread sets NEED_WAKEUP and sleeps.
    await new Promise((r) => setTimeout(r, k % 3 === 0 ? 5 : 0));
    const sqe = ring.getSqe() ?? (ring.sqringWait(), ring.getSqe()!);
    sqe.prepNop();
    sqe.userData = 1000 + k;
    assertEquals(ring.submit(), 1);
    const cqe = ring.waitCqe(2000);
    assert(cqe !== null, `SQE ${k} was never taken by the SQ thread`);
    assertEquals(cqe.userData, 1000 + k);
  }
  assertEquals(ring.sqDropped, 0);
});

Deno.test("AsyncRing on an SQPOLL ring: reads, NOPs and timers complete across SQ-thread sleeps", async () => {
  using f = tempFile(new Uint8Array(8192).map((_, i) => i % 251));
  await using io = new AsyncRing({ entries: 64, sqpoll: true, sqThreadIdle: 5 });
  const fd = await io.open(f.path);
  try {
    for (let round = 0; round < 20; round++) {
      if (round % 5 === 0) await new Promise((r) => setTimeout(r, 20)); // the SQ thread sleeps
      const bufs = Array.from({ length: 16 }, () => new Uint8Array(512));
      const ns = await Promise.all(bufs.map((b, i) => io.read(fd, b, i * 512)));
      assertEquals(ns, new Array(16).fill(512));
      assertEquals(bufs[15][0], (15 * 512) % 251);
      await io.nop();
      await io.timeout(1);
    }
  } finally {
    await io.closeFd(fd);
  }
});
