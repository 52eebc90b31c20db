// ASYNC_CANCEL against blocked pipe reads: by user data, ALL, ANY, by fd; and the close path.
import { assertEquals, assertLess } from "@std/assert";
import { CancelFlag, Ring } from "../../ffi/mod.ts";
import { closeFd, fdCount, makePipe, pushSqe, reapPairs } from "../_helpers.ts";

const ECANCELED = -125, ENOENT = -2;

/** Reaps exactly `n` CQEs (blocking) as [userData, res] in posting order. */
function reap(ring: Ring, n: number): [number, number][] {
  const out = reapPairs(ring, n);
  assertEquals(out.length, n, "no unexpected CQEs");
  return out;
}

/** Asserts that nothing completes within a short wait. */
function assertQuiet(ring: Ring): void {
  ring.submitAndWaitTimeout(1, 15);
  assertEquals(ring.cqReady(), 0, "nothing else completed");
}

/** A test with two pipes whose read ends block; all fds are closed afterwards. */
function pipeTest(name: string, fn: (ring: Ring, a: number, b: number) => void): void {
  Deno.test(name, () => {
    const [ar, aw] = makePipe();
    const [br, bw] = makePipe();
    try {
      using ring = new Ring({ entries: 16 });
      fn(ring, ar, br);
    } finally {
      for (const fd of [ar, aw, br, bw]) closeFd(fd);
    }
  });
}

pipeTest("Sqe.prepCancel() cancels a blocked read by user data", (ring, a) => {
  pushSqe(ring, 1, (s) => s.prepRead(a, new Uint8Array(8), -1));
  ring.submit();
  assertQuiet(ring);
  pushSqe(ring, 2, (s) => s.prepCancel(1));
  ring.submitAndWait(2);
  assertEquals(new Map(reap(ring, 2)), new Map([[1, ECANCELED], [2, 0]]));
});

pipeTest("Sqe.prepCancel() of unknown user data completes with -ENOENT", (ring, a) => {
  pushSqe(ring, 1, (s) => s.prepCancel(424242));
  ring.submitAndWait(1);
  assertEquals(reap(ring, 1), [[1, ENOENT]]);
  // A request that already completed cannot be cancelled either.
  pushSqe(ring, 2, (s) => s.prepNop());
  ring.submitAndWait(1);
  reap(ring, 1);
  pushSqe(ring, 3, (s) => s.prepCancel(2));
  ring.submitAndWait(1);
  assertEquals(reap(ring, 1), [[3, ENOENT]]);
  // The blocked read of another user data is untouched.
  pushSqe(ring, 4, (s) => s.prepRead(a, new Uint8Array(8), -1));
  pushSqe(ring, 5, (s) => s.prepCancel(99));
  ring.submitAndWait(1);
  assertEquals(reap(ring, 1), [[5, ENOENT]]);
  assertQuiet(ring);
  pushSqe(ring, 6, (s) => s.prepCancel(4));
  ring.submitAndWait(2);
  assertEquals(new Map(reap(ring, 2)), new Map([[4, ECANCELED], [6, 0]]));
});

pipeTest(
  "Sqe.prepCancel() with CancelFlag.ALL cancels every request with that user data",
  (ring, a, b) => {
    pushSqe(ring, 7, (s) => s.prepRead(a, new Uint8Array(8), -1));
    pushSqe(ring, 7, (s) => s.prepRead(b, new Uint8Array(8), -1));
    pushSqe(ring, 8, (s) => s.prepRead(b, new Uint8Array(8), -1));
    ring.submit();
    pushSqe(ring, 1, (s) => s.prepCancel(7, CancelFlag.ALL));
    ring.submitAndWait(3);
    const got = reap(ring, 3);
    assertEquals(got.filter(([u]) => u === 7).map(([, r]) => r), [ECANCELED, ECANCELED]);
    assertEquals(got.filter(([u]) => u === 1), [[1, 2]], "res is the number cancelled");
    assertQuiet(ring); // user data 8 is still waiting
    pushSqe(ring, 2, (s) => s.prepCancel(8));
    ring.submitAndWait(2);
    assertEquals(new Map(reap(ring, 2)), new Map([[8, ECANCELED], [2, 0]]));
  },
);

pipeTest("Sqe.prepCancel() without ALL cancels only one of several matches", (ring, a, b) => {
  pushSqe(ring, 7, (s) => s.prepRead(a, new Uint8Array(8), -1));
  pushSqe(ring, 7, (s) => s.prepRead(b, new Uint8Array(8), -1));
  ring.submit();
  pushSqe(ring, 1, (s) => s.prepCancel(7));
  ring.submitAndWait(2);
  assertEquals(new Map(reap(ring, 2)), new Map([[7, ECANCELED], [1, 0]]));
  assertQuiet(ring);
  pushSqe(ring, 2, (s) => s.prepCancel(7));
  ring.submitAndWait(2);
  assertEquals(new Map(reap(ring, 2)), new Map([[7, ECANCELED], [2, 0]]));
});

pipeTest(
  "Sqe.prepCancel() with CancelFlag.ANY cancels every request, whatever its user data",
  (ring, a, b) => {
    pushSqe(ring, 11, (s) => s.prepRead(a, new Uint8Array(8), -1));
    pushSqe(ring, 12, (s) => s.prepRead(b, new Uint8Array(8), -1));
    pushSqe(ring, 13, (s) => s.prepRead(b, new Uint8Array(8), -1));
    ring.submit();
    // The kernel treats ANY as ANY | ALL: res is the number cancelled.
    pushSqe(ring, 1, (s) => s.prepCancel(0, CancelFlag.ANY));
    ring.submitAndWait(4);
    assertEquals(
      new Map(reap(ring, 4)),
      new Map([[11, ECANCELED], [12, ECANCELED], [13, ECANCELED], [1, 3]]),
    );
    pushSqe(ring, 14, (s) => s.prepRead(a, new Uint8Array(8), -1));
    ring.submit();
    pushSqe(ring, 2, (s) => s.prepCancel(0, CancelFlag.ANY | CancelFlag.ALL));
    ring.submitAndWait(2);
    assertEquals(new Map(reap(ring, 2)), new Map([[14, ECANCELED], [2, 1]]));
    // With nothing left to match, an ALL cancel reports 0 cancelled (not ENOENT).
    pushSqe(ring, 3, (s) => s.prepCancel(0, CancelFlag.ANY | CancelFlag.ALL));
    ring.submitAndWait(1);
    assertEquals(reap(ring, 1), [[3, 0]]);
  },
);

pipeTest("Sqe.prepCancelFd() cancels the requests on one fd", (ring, a, b) => {
  pushSqe(ring, 21, (s) => s.prepRead(a, new Uint8Array(8), -1));
  pushSqe(ring, 22, (s) => s.prepRead(a, new Uint8Array(8), -1));
  pushSqe(ring, 23, (s) => s.prepRead(b, new Uint8Array(8), -1));
  ring.submit();
  pushSqe(ring, 1, (s) => s.prepCancelFd(a, CancelFlag.ALL));
  ring.submitAndWait(3);
  assertEquals(new Map(reap(ring, 3)), new Map([[21, ECANCELED], [22, ECANCELED], [1, 2]]));
  assertQuiet(ring); // the read on b is still waiting
  // Without ALL: the one request on b.
  pushSqe(ring, 2, (s) => s.prepCancelFd(b));
  ring.submitAndWait(2);
  assertEquals(new Map(reap(ring, 2)), new Map([[23, ECANCELED], [2, 0]]));
  pushSqe(ring, 3, (s) => s.prepCancelFd(b));
  ring.submitAndWait(1);
  assertEquals(reap(ring, 1), [[3, ENOENT]]);
});

Deno.test("Ring.close() cancels blocked reads and returns promptly", () => {
  const [r, w] = makePipe();
  const before = fdCount(); // without the ring
  try {
    const ring = new Ring({ entries: 8 });
    for (let i = 0; i < 4; i++) pushSqe(ring, i + 1, (s) => s.prepRead(r, new Uint8Array(64), -1));
    assertEquals(ring.submit(), 4);
    const t0 = performance.now();
    ring.close();
    assertLess(performance.now() - t0, 500, "close did not wait out its deadline");
    assertEquals(ring.closed, true);
    assertEquals(fdCount(), before, "the ring fd is closed");
  } finally {
    closeFd(r);
    closeFd(w);
  }
});
