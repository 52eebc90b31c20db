// Kernel timers: prepTimeout (+ count, remove, update, multishot), prepLinkTimeout, and the
// ring's own wait timeouts.
import { assert, assertEquals, assertGreaterOrEqual, assertLess, assertThrows } from "@std/assert";
import { afterEach, beforeEach, describe, it } from "@std/testing/bdd";
import { CqeBatch, CqeFlag, Ring, type Sqe, SqeFlag, TimeoutFlag } from "../../ffi/mod.ts";
import { closeFd, makePipe, pushSqe, reapPairs } from "../_helpers.ts";

const ETIME = -62, ECANCELED = -125, ENOENT = -2;

Deno.test("Sqe.prepTimeout() fires with -ETIME after the time given", () => {
  using ring = new Ring({ entries: 4 });
  for (const ts of [25, { sec: 0, nsec: 25_000_000 }]) {
    pushSqe(ring, 1, (s) => s.prepTimeout(ts));
    const t0 = performance.now();
    ring.submitAndWait(1);
    const cqe = ring.waitCqe()!;
    const elapsed = performance.now() - t0;
    assertEquals(cqe, { userData: 1, res: ETIME, flags: 0 });
    assertGreaterOrEqual(elapsed, 23, `fired after ${elapsed} ms`);
    assertLess(elapsed, 1000, `fired after ${elapsed} ms`);
  }
});

Deno.test("Sqe.prepTimeout() with count 1 completes with 0 once another CQE is posted", () => {
  using ring = new Ring({ entries: 4 });
  pushSqe(ring, 1, (s) => s.prepTimeout(10_000, 1));
  ring.submit();
  pushSqe(ring, 2, (s) => s.prepNop());
  const t0 = performance.now();
  ring.submitAndWait(2);
  assertEquals(reapPairs(ring, 2), [[2, 0], [1, 0]]);
  assertLess(performance.now() - t0, 1000, "did not wait for the 10 s timer");
});

Deno.test("Sqe.prepTimeout() with count 2 waits for two other CQEs", () => {
  using ring = new Ring({ entries: 4 });
  pushSqe(ring, 1, (s) => s.prepTimeout(10_000, 2));
  pushSqe(ring, 2, (s) => s.prepNop());
  ring.submitAndWait(1);
  assertEquals(reapPairs(ring, 1), [[2, 0]]);
  ring.submitAndWaitTimeout(1, 20);
  assertEquals(ring.cqReady(), 0, "one CQE is not enough");
  pushSqe(ring, 3, (s) => s.prepNop());
  ring.submitAndWait(2);
  assertEquals(reapPairs(ring, 2), [[3, 0], [1, 0]]);
});

Deno.test("Sqe.prepTimeoutRemove() cancels a pending timeout; unknown user data is -ENOENT", () => {
  using ring = new Ring({ entries: 4 });
  pushSqe(ring, 1, (s) => s.prepTimeout(10_000));
  ring.submit();
  pushSqe(ring, 2, (s) => s.prepTimeoutRemove(1));
  ring.submitAndWait(2);
  const got = new Map(reapPairs(ring, 2));
  assertEquals(got.get(1), ECANCELED);
  assertEquals(got.get(2), 0);
  pushSqe(ring, 3, (s) => s.prepTimeoutRemove(12345));
  ring.submitAndWait(1);
  assertEquals(reapPairs(ring, 1), [[3, ENOENT]]);
});

Deno.test("Sqe.prepTimeoutUpdate() re-arms a pending timeout with a new time", () => {
  using ring = new Ring({ entries: 4 });
  pushSqe(ring, 1, (s) => s.prepTimeout(10_000));
  ring.submit();
  const t0 = performance.now();
  pushSqe(ring, 2, (s) => s.prepTimeoutUpdate(15, 1));
  ring.submitAndWait(2);
  const got = reapPairs(ring, 2);
  const elapsed = performance.now() - t0;
  assertEquals(new Map(got), new Map([[1, ETIME], [2, 0]]));
  assert(elapsed >= 13 && elapsed < 1000, `updated timer fired after ${elapsed} ms`);
  pushSqe(ring, 3, (s) => s.prepTimeoutUpdate(5, 999));
  ring.submitAndWait(1);
  assertEquals(reapPairs(ring, 1), [[3, ENOENT]]);
});

Deno.test("Sqe.prepTimeout() with TimeoutFlag.MULTISHOT fires `count` times with CqeFlag.MORE", () => {
  using ring = new Ring({ entries: 4 });
  pushSqe(ring, 7, (s) => s.prepTimeout(5, 3, TimeoutFlag.MULTISHOT));
  ring.submit();
  const batch = new CqeBatch(8);
  const flags: number[] = [];
  while (flags.length < 3) {
    ring.copyCqes(batch, 1);
    for (const c of batch) {
      assertEquals(c.userData, 7);
      assertEquals(c.res, ETIME);
      flags.push(c.flags & CqeFlag.MORE);
    }
  }
  assertEquals(flags, [CqeFlag.MORE, CqeFlag.MORE, 0]);
});

Deno.test("Sqe.prepLinkTimeout() cancels a blocked pipe read", () => {
  using ring = new Ring({ entries: 4 });
  const [r, w] = makePipe();
  try {
    const buf = new Uint8Array(16);
    pushSqe(ring, 1, (s) => s.prepRead(r, buf, -1), SqeFlag.IO_LINK);
    pushSqe(ring, 2, (s) => s.prepLinkTimeout(20));
    const t0 = performance.now();
    ring.submitAndWait(2);
    const got = new Map(reapPairs(ring, 2));
    assertEquals(got.get(1), ECANCELED, "the read is cancelled");
    assertEquals(got.get(2), ETIME, "the link timeout fired");
    assertGreaterOrEqual(performance.now() - t0, 18);
  } finally {
    closeFd(r);
    closeFd(w);
  }
});

Deno.test("Sqe.prepLinkTimeout() does not fire when the op completes first", () => {
  using ring = new Ring({ entries: 4 });
  const [r, w] = makePipe();
  try {
    const buf = new Uint8Array(16);
    pushSqe(ring, 1, (s) => s.prepRead(r, buf, -1), SqeFlag.IO_LINK);
    pushSqe(ring, 2, (s) => s.prepLinkTimeout(5_000));
    ring.submit();
    pushSqe(ring, 3, (s) => s.prepWrite(w, new TextEncoder().encode("in time"), -1));
    const t0 = performance.now();
    ring.submitAndWait(3);
    const got = new Map(reapPairs(ring, 3));
    assertEquals(got.get(3), 7);
    assertEquals(got.get(1), 7, "the read got the data");
    assertEquals(got.get(2), ECANCELED, "the link timeout was cancelled, not fired");
    assertEquals(new TextDecoder().decode(buf.subarray(0, 7)), "in time");
    assertLess(performance.now() - t0, 1000);
  } finally {
    closeFd(r);
    closeFd(w);
  }
});

Deno.test("Ring.submitAndWaitTimeout() returns after the timeout when no CQE comes", () => {
  using ring = new Ring({ entries: 4 });
  const t0 = performance.now();
  assertEquals(ring.submitAndWaitTimeout(1, 30), 0);
  const elapsed = performance.now() - t0;
  assert(elapsed >= 28 && elapsed < 1000, `waited ${elapsed} ms`);
  assertEquals(ring.cqReady(), 0);
  // It submits what is queued and returns as soon as the CQE is there.
  pushSqe(ring, 4, (s) => s.prepNop());
  const t1 = performance.now();
  assertEquals(ring.submitAndWaitTimeout(1, 5_000), 1);
  assertLess(performance.now() - t1, 1000);
  assertEquals(ring.waitCqe(), { userData: 4, res: 0, flags: 0 });
});

Deno.test("Ring.waitCqe() with a timeout returns null when nothing completes", () => {
  using ring = new Ring({ entries: 4 });
  for (const ts of [20, { sec: 0, nsec: 20_000_000 }]) {
    const t0 = performance.now();
    assertEquals(ring.waitCqe(ts), null);
    const elapsed = performance.now() - t0;
    assert(elapsed >= 18 && elapsed < 1000, `waited ${elapsed} ms`);
  }
  assertEquals(ring.waitCqe(0), null);
  assertEquals(ring.peekCqe(), null);
  // A timer that fires within the wait is returned.
  pushSqe(ring, 5, (s) => s.prepTimeout(5));
  ring.submit();
  assertEquals(ring.waitCqe(2_000), { userData: 5, res: ETIME, flags: 0 });
});

describe("Sqe.prepTimeout() rejects bad times with RangeError/TypeError", () => {
  let ring: Ring;
  let sqe: Sqe;
  beforeEach(() => {
    ring = new Ring({ entries: 4 });
    sqe = ring.getSqe()!;
  });
  afterEach(() => {
    ring.close();
  });

  for (const ms of [-1, NaN, Infinity]) {
    it(`${ms} ms: RangeError`, () => {
      assertThrows(
        () => sqe.prepTimeout(ms),
        RangeError,
        `time must be a finite number of milliseconds >= 0, got ${ms}`,
      );
    });
  }
  for (const ts of [{ sec: -1, nsec: 0 }, { sec: 0, nsec: 0.5 }]) {
    it(`{ sec: ${ts.sec}, nsec: ${ts.nsec} }: RangeError`, () => {
      assertThrows(
        () => sqe.prepTimeout(ts),
        RangeError,
        "timespec needs integer sec >= 0 and nsec >= 0",
      );
    });
  }
  it("a string: TypeError", () => {
    assertThrows(
      // deno-lint-ignore no-explicit-any
      () => sqe.prepTimeout("10" as any),
      TypeError,
      "time must be milliseconds or { sec, nsec }",
    );
  });
  it("waitCqe() and submitAndWaitTimeout() with -5 ms: RangeError", () => {
    assertThrows(
      () => ring.waitCqe(-5),
      RangeError,
      "time must be a finite number of milliseconds >= 0, got -5",
    );
    assertThrows(
      () => ring.submitAndWaitTimeout(1, -5),
      RangeError,
      "time must be a finite number of milliseconds >= 0, got -5",
    );
  });
});
