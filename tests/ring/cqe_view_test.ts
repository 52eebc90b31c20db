// Ring.peekCqes() and Ring.cqAdvance(): CQEs read in place in the CQ ring, consumed only when
// advanced past, in order across wrap-around and CQ overflow, with buffers held until then.
import { assertEquals, assertGreaterOrEqual, assertStrictEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { CqeFlag, Ring } from "../../ffi/mod.ts";
import { closeFd, openFd, tempFile } from "../_helpers.ts";

function nops(ring: Ring, uds: readonly number[]): void {
  for (const ud of uds) {
    const sqe = ring.getSqe()!;
    sqe.prepNop();
    sqe.userData = ud;
  }
}

Deno.test("peekCqes() shows the ready CQEs in order and consumes none", () => {
  using ring = new Ring({ entries: 8 });
  nops(ring, [0, 1, 2 ** 32, 2 ** 53 - 1]);
  const bad = ring.getSqe()!;
  bad.prepRead(-1, new Uint8Array(8), 0);
  bad.userData = 77;
  ring.submitAndWait(5);
  const view = ring.peekCqes();
  assertEquals(view.length, 5);
  assertEquals(
    [0, 1, 2, 3, 4].map((i) => view.userData(i)),
    [0, 1, 2 ** 32, 2 ** 53 - 1, 77],
  );
  assertEquals(view.res(0), 0);
  assertEquals(view.res(4), -9, "EBADF");
  assertEquals(view.flags(4) & CqeFlag.MORE, 0);
  assertEquals(ring.cqReady(), 5, "peeking consumes nothing");
  assertStrictEquals(ring.peekCqes(), view, "one view per ring, reused");
  assertEquals(view.length, 5);
  assertEquals([...view].map((c) => c.userData), [0, 1, 2 ** 32, 2 ** 53 - 1, 77]);
});

Deno.test("cqAdvance(n) consumes the first n and moves the view past them", () => {
  using ring = new Ring({ entries: 8 });
  nops(ring, [10, 11, 12, 13]);
  ring.submitAndWait(4);
  const view = ring.peekCqes();
  ring.cqAdvance(1);
  assertEquals(ring.cqReady(), 3);
  assertEquals(view.length, 3);
  assertEquals(view.userData(0), 11, "entry 0 is now the oldest unseen CQE");
  ring.cqAdvance(0);
  assertEquals(ring.cqReady(), 3);
  ring.cqAdvance(3);
  assertEquals(ring.cqReady(), 0);
  assertEquals(view.length, 0);
  assertEquals(ring.peekCqes().length, 0);
});

Deno.test("cqAdvance() refuses counts past the ready CQEs, negatives and fractions", () => {
  using ring = new Ring({ entries: 4 });
  nops(ring, [1, 2]);
  ring.submitAndWait(2);
  for (const n of [3, -1, 1.5, NaN, 2 ** 32]) {
    assertThrows(
      () => ring.cqAdvance(n),
      RangeError,
      "cqAdvance: n must be an integer from 0 to cqReady()",
      `n = ${n}`,
    );
  }
  assertEquals(ring.cqReady(), 2, "a refused advance moves nothing");
  ring.cqAdvance(2);
  assertThrows(
    () => ring.cqAdvance(1),
    RangeError,
    "cqAdvance: n must be an integer from 0 to cqReady(), got 1",
  );
});

Deno.test("peekCqes(waitNr) blocks until that many CQEs are ready", () => {
  using ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  sqe.prepTimeout({ sec: 0, nsec: 20_000_000 }, 0, 0);
  sqe.userData = 5;
  ring.submit();
  const t0 = performance.now();
  const view = ring.peekCqes(1);
  assertGreaterOrEqual(performance.now() - t0, 15, "waited for the timer");
  assertEquals(view.length, 1);
  assertEquals(view.userData(0), 5);
  assertEquals(view.res(0), -62, "ETIME");
  ring.cqAdvance(1);
});

Deno.test("a read's buffer stays held until cqAdvance() passes its CQE", () => {
  using f = tempFile("0123456789");
  const fd = openFd(f.path);
  using ring = new Ring({ entries: 4 });
  const buf = new Uint8Array(4);
  const sqe = ring.getSqe()!;
  sqe.prepRead(fd, buf, 2);
  sqe.userData = 1;
  ring.submit();
  const view = ring.peekCqes(1);
  assertEquals(view.res(0), 4);
  assertEquals(new TextDecoder().decode(buf), "2345");
  assertEquals(ring._heldCount(), 1, "peeking does not release");
  ring.cqAdvance(1);
  assertEquals(ring._heldCount(), 0);
  closeFd(fd);
});

Deno.test("peekCqes() loses no CQE after a CQ overflow", () => {
  using ring = new Ring({ entries: 4, cqEntries: 4 });
  let ud = 0;
  for (let r = 0; r < 5; r++) {
    nops(ring, [ud++, ud++, ud++, ud++]);
    ring.submit();
  }
  const seen: number[] = [];
  for (let guard = 0; seen.length < ud && guard < 100; guard++) {
    const view = ring.peekCqes();
    // Take at most 3 at a time, so that advancing interleaves with the overflow flushes.
    const n = Math.min(view.length, 3);
    for (let i = 0; i < n; i++) seen.push(view.userData(i));
    ring.cqAdvance(n);
  }
  assertEquals(seen, Array.from({ length: ud }, (_, i) => i));
  assertEquals(ring.cqReady(), 0);
});

Deno.test("the view is empty once the ring is closed, and peekCqes() throws", () => {
  const ring = new Ring({ entries: 4 });
  nops(ring, [1]);
  ring.submitAndWait(1);
  const view = ring.peekCqes();
  assertEquals(view.length, 1);
  ring.close();
  assertEquals(view.length, 0);
  assertEquals([...view], []);
  assertThrows(() => ring.peekCqes(), Error, "ring is closed");
  assertThrows(() => ring.cqAdvance(0), Error, "ring is closed");
});

const userData = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

for (const cqe32 of [false, true]) {
  Deno.test(`peekCqes()/cqAdvance() see every CQE once, in order, across wrap-around (cqe32: ${cqe32})`, () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            uds: fc.array(userData, { minLength: 1, maxLength: 16 }),
            step: fc.integer({ min: 1, max: 20 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (rounds) => {
          // 16 SQEs and a CQ of 32: a dozen rounds wrap both several times.
          using ring = new Ring({ entries: 16, cqe32 });
          for (const { uds, step } of rounds) {
            nops(ring, uds);
            ring.submitAndWait(uds.length);
            const seen: number[] = [];
            while (seen.length < uds.length) {
              const view = ring.peekCqes();
              assertEquals(view.length, uds.length - seen.length);
              const n = Math.min(step, view.length);
              for (let i = 0; i < n; i++) {
                assertEquals(view.res(i), 0);
                seen.push(view.userData(i));
              }
              ring.cqAdvance(n);
            }
            assertEquals(seen, uds);
            assertEquals(ring.cqReady(), 0);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
}
