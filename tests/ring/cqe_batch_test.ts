// CqeBatch records and Ring.copyCqes(): every CQE exactly once, in order, with its user data,
// res and flags, whatever the batch capacity, across CQ wrap-around, on 16- and 32-byte CQEs.
// copyCqes copies up to 8 CQEs with a loop and more with one or two memcpys: both are exercised.
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { CqeBatch, Ring } from "../../ffi/mod.ts";

/** Runs `rounds` of (submit `n` NOPs with the given user data, drain with `capacity`). */
function roundTrip(ring: Ring, rounds: { uds: number[]; capacity: number }[]): void {
  for (const { uds, capacity } of rounds) {
    for (const ud of uds) {
      const sqe = ring.getSqe()!;
      sqe.prepNop();
      sqe.userData = ud;
    }
    ring.submitAndWait(uds.length);
    const batch = new CqeBatch(capacity);
    const seen: number[] = [];
    while (seen.length < uds.length) {
      const n = ring.copyCqes(batch);
      assert(n > 0 && n <= capacity, `copied ${n} with capacity ${capacity}`);
      assertEquals(batch.length, n);
      for (let i = 0; i < n; i++) {
        assertEquals(batch.res(i), 0);
        assertEquals(batch.flags(i), 0);
        seen.push(batch.userData(i));
      }
      assertEquals([...batch].map((c) => c.userData), seen.slice(seen.length - n));
    }
    assertEquals(seen, uds, "NOPs complete in submission order, each exactly once");
    assertEquals(ring.cqReady(), 0);
  }
}

const userData = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.constantFrom(0, 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

for (const cqe32 of [false, true]) {
  Deno.test(`copyCqes() keeps every CQE, in order, across wrap-around (cqe32: ${cqe32})`, () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            uds: fc.array(userData, { minLength: 1, maxLength: 16 }),
            capacity: fc.integer({ min: 1, max: 40 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (rounds) => {
          // 16 SQEs and a CQ of 32: a dozen rounds wrap both several times.
          using ring = new Ring({ entries: 16, cqe32 });
          roundTrip(ring, rounds);
        },
      ),
      { numRuns: 60 },
    );
  });
}

Deno.test("CqeBatch reads records laid out like struct io_uring_cqe", () => {
  const batch = new CqeBatch(2);
  assertEquals(batch._u32.length, 8);
  batch._u32.set([5, 1, 0xfffffffe, 3, 7, 0, 4096, 0]);
  batch.length = 2;
  assertEquals(batch.userData(0), 2 ** 32 + 5);
  assertEquals(batch.res(0), -2);
  assertEquals(batch.flags(0), 3);
  assertEquals([...batch], [
    { userData: 2 ** 32 + 5, res: -2, flags: 3 },
    { userData: 7, res: 4096, flags: 0 },
  ]);
});
