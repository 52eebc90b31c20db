// CQ overflow with IORING_FEAT_NODROP: nothing is lost when the CQ is too small; waitAsync().
import { assertEquals, assertGreater, assertGreaterOrEqual, assertRejects } from "@std/assert";
import { CqeBatch, OpenFlag, Ring } from "../../ffi/mod.ts";
import { closeFd, openFd, patternBytes, tempFile } from "../_helpers.ts";

/** Submits `rounds` x `perRound` nops (user data 0, 1, ...) without reaping anything. */
function overfill(ring: Ring, rounds: number, perRound: number): number {
  let ud = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < perRound; i++) {
      const sqe = ring.getSqe()!;
      sqe.prepNop();
      sqe.userData = ud++;
    }
    assertEquals(ring.submit(), perRound, `round ${r}`);
  }
  return ud;
}

for (const cqEntries of [4, undefined]) {
  const label = cqEntries === undefined ? "default CQ of 8" : "cqEntries 4";
  Deno.test(`Ring.copyCqes() loses no CQE after a CQ overflow (${label})`, () => {
    using ring = new Ring({ entries: 4, cqEntries });
    assertEquals(ring.features.nodrop, true);
    const cq = ring.cqEntries;
    assertEquals(cq, cqEntries ?? 8);
    const total = overfill(ring, 6, 4); // 24 CQEs for a CQ of 4 or 8
    assertGreater(total, cq);
    assertEquals(ring.cqReady(), cq, "the CQ itself is full");
    assertEquals(ring.cqOverflow, 0, "NODROP: nothing was dropped");

    const batch = new CqeBatch(3); // smaller than the CQ, so copies interleave with flushes
    const seen: number[] = [];
    for (let guard = 0; seen.length < total && guard < 100; guard++) {
      ring.copyCqes(batch, 0);
      for (const c of batch) {
        assertEquals(c.res, 0);
        seen.push(c.userData);
      }
    }
    assertEquals(seen, Array.from({ length: total }, (_, i) => i), "all, once, in order");
    assertEquals(ring.cqReady(), 0);
    assertEquals(ring.cqOverflow, 0);
    // The ring works normally afterwards.
    const sqe = ring.getSqe()!;
    sqe.prepNop();
    sqe.userData = 1000;
    ring.submitAndWait(1);
    assertEquals(ring.waitCqe(), { userData: 1000, res: 0, flags: 0 });
  });
}

Deno.test("Ring.peekCqe() drains CQEs held back by an overflow", () => {
  using ring = new Ring({ entries: 4, cqEntries: 4 });
  const total = overfill(ring, 4, 4);
  const seen: number[] = [];
  for (let cqe = ring.peekCqe(); cqe !== null; cqe = ring.peekCqe()) seen.push(cqe.userData);
  assertEquals(seen, Array.from({ length: total }, (_, i) => i));
  assertEquals(ring.peekCqe(), null);
});

Deno.test("Ring.copyCqes(batch, 1) goes on returning overflowed CQEs until all are reaped", () => {
  using ring = new Ring({ entries: 4, cqEntries: 4 });
  const total = overfill(ring, 3, 4);
  const batch = new CqeBatch(64);
  let got = 0;
  while (got < total) got += ring.copyCqes(batch, 1);
  assertEquals(got, total);
});

Deno.test("Ring.copyCqes() keeps read buffers valid through a CQ overflow", () => {
  const data = patternBytes(16 * 512, 3);
  using f = tempFile(data);
  const fd = openFd(f.path, OpenFlag.RDONLY);
  try {
    using ring = new Ring({ entries: 4, cqEntries: 4 });
    const bufs: Uint8Array[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 4; i++) {
        const n = round * 4 + i;
        const buf = new Uint8Array(512);
        bufs.push(buf);
        const sqe = ring.getSqe()!;
        sqe.prepRead(fd, buf, n * 512);
        sqe.userData = n;
      }
      ring.submit();
    }
    const batch = new CqeBatch(4);
    const seen = new Set<number>();
    while (seen.size < 16) {
      ring.copyCqes(batch, 1);
      for (const c of batch) {
        assertEquals(c.res, 512, `read ${c.userData}`);
        seen.add(c.userData);
      }
    }
    bufs.forEach((b, n) => assertEquals(b, data.subarray(n * 512, (n + 1) * 512), `buf ${n}`));
  } finally {
    closeFd(fd);
  }
});

Deno.test("Ring.waitAsync() resolves without blocking the event loop", async () => {
  using ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  sqe.prepTimeout(80);
  sqe.userData = 9;
  const t0 = performance.now(); // before submit: the kernel timer starts there, not later
  ring.submit();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    const ready = await ring.waitAsync(1);
    const elapsed = performance.now() - t0;
    assertEquals(ready, 1);
    assertGreaterOrEqual(elapsed, 70, `resolved after ${elapsed} ms`);
    // a blocked loop would run an overdue interval once at most; 2 ticks prove it kept turning
    assertGreaterOrEqual(ticks, 2, `the interval ticked ${ticks} times while waiting`);
  } finally {
    clearInterval(timer);
  }
  assertEquals(ring.waitCqe(), { userData: 9, res: -62, flags: 0 });
});

Deno.test("Ring.waitAsync() resolves at once when enough CQEs are ready", async () => {
  using ring = new Ring({ entries: 4 });
  overfill(ring, 1, 3);
  ring.submitAndWait(3);
  assertEquals(await ring.waitAsync(2), 3);
  assertEquals(ring.copyCqes(new CqeBatch(8)), 3);
  await assertRejects(
    () => ring.waitAsync(ring.cqEntries + 1),
    RangeError,
    "n must be an integer in 0..8, got 9",
  );
});

Deno.test("Ring.waitAsync() waits for n CQEs posted at different times", async () => {
  using ring = new Ring({ entries: 4 });
  for (const [ud, ms] of [[1, 10], [2, 30], [3, 50]]) {
    const sqe = ring.getSqe()!;
    sqe.prepTimeout(ms);
    sqe.userData = ud;
  }
  ring.submit();
  const t0 = performance.now();
  assertEquals(await ring.waitAsync(3), 3);
  assertGreaterOrEqual(performance.now() - t0, 45);
  const batch = new CqeBatch(4);
  ring.copyCqes(batch);
  assertEquals([...batch].map((c) => c.userData), [1, 2, 3]);
});
