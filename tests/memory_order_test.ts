// The ring indices shared with the kernel: plain loads/stores on x86-64 (TSO), Atomics elsewhere,
// and a full barrier before SQPOLL's wake-up check (see ffi/ring.ts). These tests exercise the
// cases that would break if a load were cached or a store-load order were missing.
import assert from "node:assert/strict";
import { Ring } from "../mod.ts";

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
    assert.equal(cqe.userData, k);
    assert.equal(cqe.res, -62); // ETIME
  }
  assert.ok(spun > 0, "the loop did spin");
});

Deno.test("a busy poll of cqReady() sees CQEs the kernel posts later (timer, no SQPOLL)", () => {
  using ring = new Ring({ entries: 8 });
  for (let k = 0; k < 20; k++) {
    const sqe = ring.getSqe()!;
    sqe.prepTimeout(1);
    sqe.userData = k;
    ring.submit();
    spinForCqe(ring);
    assert.equal(ring.waitCqe()!.userData, k);
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
    assert.equal(ring.submit(), 1);
    const cqe = ring.waitCqe(2000);
    assert.ok(cqe !== null, `SQE ${k} was never taken by the SQ thread`);
    assert.equal(cqe.userData, 1000 + k);
  }
  assert.equal(ring.sqDropped, 0);
});
