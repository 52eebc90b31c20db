// SQE ordering flags against the kernel: IO_LINK, IO_HARDLINK, IO_DRAIN, CQE_SKIP_SUCCESS.
import { assertEquals, assertGreaterOrEqual, assertLess } from "@std/assert";
import { CqeBatch, OpenFlag, Ring, type Sqe, SqeFlag } from "../../ffi/mod.ts";
import { closeFd, openFd, reapPairs, tempFile } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const ECANCELED = -125;

/** Queues one SQE per prep (user data 1, 2, ...) with the given extra flags. */
function queue(ring: Ring, ops: [(s: Sqe) => void, number][]): void {
  ops.forEach(([prep, flags], i) => {
    const sqe = ring.getSqe()!;
    prep(sqe);
    sqe.flags |= flags;
    sqe.userData = i + 1;
  });
}

/** Submits and reaps `n` CQEs (blocking), in the order the kernel posted them. */
function reap(ring: Ring, n: number): [number, number][] {
  ring.submitAndWait(n);
  return reapPairs(ring, n);
}

const nop = (s: Sqe) => s.prepNop();
const badRead = (s: Sqe) => s.prepRead(-1, new Uint8Array(4), 0);

Deno.test("SqeFlag.IO_LINK cancels the rest of the chain with -ECANCELED when an op fails", () => {
  using ring = new Ring({ entries: 8 });
  queue(ring, [[badRead, SqeFlag.IO_LINK], [nop, SqeFlag.IO_LINK], [nop, 0]]);
  assertEquals(reap(ring, 3), [[1, -9], [2, ECANCELED], [3, ECANCELED]]);
});

Deno.test("SqeFlag.IO_LINK: an openat of a missing file cancels the linked ops", () => {
  using ring = new Ring({ entries: 8 });
  using f = tempFile("untouched");
  const fd = openFd(f.path, OpenFlag.WRONLY);
  try {
    queue(ring, [
      [(s) => s.prepOpenat(-100, "/definitely/not/here", OpenFlag.RDONLY), SqeFlag.IO_LINK],
      [(s) => s.prepWrite(fd, enc.encode("CHANGED!"), 0), SqeFlag.IO_LINK],
      [(s) => s.prepFsync(fd), 0],
    ]);
    assertEquals(reap(ring, 3), [[1, -2], [2, ECANCELED], [3, ECANCELED]]);
    assertEquals(Deno.readTextFileSync(f.path), "untouched", "the cancelled write never ran");
  } finally {
    closeFd(fd);
  }
});

Deno.test("SqeFlag.IO_LINK: a failure mid-chain runs the ops before it and cancels those after", () => {
  using ring = new Ring({ entries: 8 });
  queue(ring, [[nop, SqeFlag.IO_LINK], [badRead, SqeFlag.IO_LINK], [nop, SqeFlag.IO_LINK], [
    nop,
    0,
  ]]);
  assertEquals(reap(ring, 4), [[1, 0], [2, -9], [3, ECANCELED], [4, ECANCELED]]);
});

Deno.test("SqeFlag.IO_LINK runs a write -> fsync -> read chain in order", () => {
  using ring = new Ring({ entries: 8 });
  using f = tempFile();
  const fd = openFd(f.path, OpenFlag.RDWR);
  try {
    const back = new Uint8Array(5);
    queue(ring, [
      [(s) => s.prepWrite(fd, enc.encode("chain"), 0), SqeFlag.IO_LINK],
      [(s) => s.prepFsync(fd), SqeFlag.IO_LINK],
      [(s) => s.prepRead(fd, back, 0), 0],
    ]);
    assertEquals(reap(ring, 3), [[1, 5], [2, 0], [3, 5]]);
    assertEquals(dec.decode(back), "chain");
  } finally {
    closeFd(fd);
  }
});

Deno.test("SqeFlag.IO_LINK: a short read breaks the chain", () => {
  using ring = new Ring({ entries: 8 });
  using f = tempFile("12345");
  const fd = openFd(f.path);
  try {
    queue(ring, [[(s) => s.prepRead(fd, new Uint8Array(10), 0), SqeFlag.IO_LINK], [nop, 0]]);
    assertEquals(reap(ring, 2), [[1, 5], [2, ECANCELED]]);
  } finally {
    closeFd(fd);
  }
});

Deno.test("SqeFlag.IO_HARDLINK continues the chain after a failure", () => {
  using ring = new Ring({ entries: 8 });
  queue(ring, [[badRead, SqeFlag.IO_HARDLINK], [badRead, SqeFlag.IO_HARDLINK], [nop, 0]]);
  assertEquals(reap(ring, 3), [[1, -9], [2, -9], [3, 0]]);
  // Mixed: a hard link survives a failure, the plain link after the next failure does not.
  queue(ring, [[badRead, SqeFlag.IO_HARDLINK], [badRead, SqeFlag.IO_LINK], [nop, 0]]);
  assertEquals(reap(ring, 3), [[1, -9], [2, -9], [3, ECANCELED]]);
});

Deno.test("SqeFlag.IO_DRAIN holds an op back until every earlier op has completed", () => {
  using ring = new Ring({ entries: 8 });
  // Without drain, the nops overtake a 30 ms timer.
  queue(ring, [[(s) => s.prepTimeout(30), 0], [nop, 0], [nop, 0]]);
  assertEquals(reap(ring, 3).map(([u]) => u), [2, 3, 1]);
  // With drain on the first nop, it and everything after it wait for the timer.
  queue(ring, [[(s) => s.prepTimeout(30), 0], [nop, SqeFlag.IO_DRAIN], [nop, 0]]);
  const t0 = performance.now();
  assertEquals(reap(ring, 3), [[1, -62], [2, 0], [3, 0]]);
  assertGreaterOrEqual(performance.now() - t0, 25, "the drained nop waited for the timer");
});

// The skip tests fail with fsync(-1), which holds no buffer: a successful skipped op never posts
// the CQE that would release a buffer held for it.
const badFsync = (s: Sqe) => s.prepFsync(-1);

Deno.test("SqeFlag.CQE_SKIP_SUCCESS posts no CQE on success and one on failure", () => {
  using ring = new Ring({ entries: 8 });
  queue(ring, [
    [nop, SqeFlag.CQE_SKIP_SUCCESS],
    [badFsync, SqeFlag.CQE_SKIP_SUCCESS],
    [nop, SqeFlag.CQE_SKIP_SUCCESS],
    [nop, 0],
  ]);
  assertEquals(ring.submitAndWait(2), 4);
  const batch = new CqeBatch(8);
  ring.copyCqes(batch, 2);
  const got = [...batch].map((c) => [c.userData, c.res]).sort((a, b) => a[0] - b[0]);
  assertEquals(got, [[2, -9], [4, 0]]); // fsync runs in a worker: either may come first
  // Nothing else turns up later.
  ring.submitAndWaitTimeout(1, 20);
  assertEquals(ring.cqReady(), 0);
});

Deno.test("SqeFlag.CQE_SKIP_SUCCESS in an IO_LINK chain skips the successful CQEs", () => {
  using ring = new Ring({ entries: 8 });
  const L = SqeFlag.IO_LINK, K = SqeFlag.CQE_SKIP_SUCCESS;
  queue(ring, [[nop, L | K], [nop, L | K], [nop, 0]]);
  assertEquals(reap(ring, 1), [[3, 0]]);
  // The failing op has no skip flag: its CQE and the -ECANCELED ones after it are posted.
  queue(ring, [[nop, L | K], [badFsync, L], [nop, 0]]);
  assertEquals(reap(ring, 2), [[2, -9], [3, ECANCELED]]);
  // The failing op has the skip flag: its CQE is posted, the cancelled ones after it are not.
  queue(ring, [[nop, L], [badFsync, L | K], [nop, L], [nop, 0]]);
  assertEquals(reap(ring, 2), [[1, 0], [2, -9]]);
  ring.submitAndWaitTimeout(1, 20);
  assertEquals(ring.cqReady(), 0);
});

Deno.test("Ring.close() does not wait out its deadline for a skipped successful read", () => {
  using f = tempFile("hello");
  const fd = openFd(f.path);
  try {
    const ring = new Ring({ entries: 8 });
    const buf = new Uint8Array(5);
    queue(ring, [[(s) => s.prepRead(fd, buf, 0), SqeFlag.CQE_SKIP_SUCCESS], [nop, 0]]);
    assertEquals(reap(ring, 1), [[2, 0]]);
    assertEquals(dec.decode(buf), "hello", "the skipped read did run");
    const t0 = performance.now();
    ring.close();
    const elapsed = performance.now() - t0;
    assertLess(elapsed, 500, `close took ${elapsed} ms`);
  } finally {
    closeFd(fd);
  }
});
