// Ring.forEachCqe(): each ready CQE handed to a callback straight from the CQ ring, then the
// head advanced past them (io_uring_for_each_cqe + io_uring_cq_advance). The callback is a spy,
// so the tests see exactly which CQEs it got and in what order.
import { assertEquals, assertThrows } from "@std/assert";
import { afterEach, beforeEach, describe, it } from "@std/testing/bdd";
import { assertSpyCallArgs, assertSpyCalls, spy } from "@std/testing/mock";
import { Ring } from "../../ffi/mod.ts";

/** Queues one NOP per user data value and submits them all, waiting for their CQEs. */
function postNops(ring: Ring, uds: readonly number[]): void {
  for (const ud of uds) {
    const sqe = ring.getSqe()!;
    sqe.prepNop();
    sqe.userData = ud;
  }
  ring.submitAndWait(uds.length);
}

describe("Ring.forEachCqe()", () => {
  let ring: Ring;
  beforeEach(() => {
    ring = new Ring({ entries: 4 }); // an 8-entry CQ
  });
  afterEach(() => {
    ring.close();
  });

  it("calls fn once per ready CQE, in order, with userData, res and flags", () => {
    postNops(ring, [1, 2 ** 32, 2 ** 53 - 1]);
    const bad = ring.getSqe()!;
    bad.prepRead(-1, new Uint8Array(8), 0);
    bad.userData = 77;
    ring.submitAndWait(1);
    const fn = spy((_userData: number, _res: number, _flags: number) => {});
    assertEquals(ring.forEachCqe(fn), 4);
    assertSpyCalls(fn, 4);
    assertSpyCallArgs(fn, 0, [1, 0, 0]);
    assertSpyCallArgs(fn, 1, [2 ** 32, 0, 0]);
    assertSpyCallArgs(fn, 2, [2 ** 53 - 1, 0, 0]);
    assertSpyCallArgs(fn, 3, [77, -9, 0]); // -EBADF
  });

  it("advances the head past every CQE it handed out", () => {
    postNops(ring, [1, 2, 3]);
    assertEquals(ring.cqReady(), 3);
    ring.forEachCqe(() => {});
    assertEquals(ring.cqReady(), 0);
    assertEquals(ring.waitCqe(0), null, "nothing is left to reap");
  });

  it("returns 0 without calling fn when the CQ is empty", () => {
    const fn = spy(() => {});
    assertEquals(ring.forEachCqe(fn), 0);
    assertSpyCalls(fn, 0);
  });

  it("reads CQEs in order across the CQ ring's wrap-around", () => {
    const seen: number[] = [];
    for (let round = 0; round < 5; round++) { // 20 CQEs through an 8-entry CQ
      const uds = [0, 1, 2, 3].map((k) => round * 4 + k);
      postNops(ring, uds);
      assertEquals(ring.forEachCqe((ud) => seen.push(ud)), 4);
    }
    assertEquals(seen, Array.from({ length: 20 }, (_, i) => i));
  });

  it("stops after the CQE whose callback closed the ring", () => {
    postNops(ring, [1, 2, 3]);
    const fn = spy(() => ring.close());
    assertEquals(ring.forEachCqe(fn), 1);
    assertSpyCalls(fn, 1);
    assertEquals(ring.closed, true);
  });

  it("throws 'ring is closed' on a closed ring without calling fn", () => {
    ring.close();
    const fn = spy(() => {});
    assertThrows(() => ring.forEachCqe(fn), Error, "ring is closed");
    assertSpyCalls(fn, 0);
  });
});
