import { assert, assertEquals, assertThrows } from "@std/assert";
import { CqeBatch, Op, Ring } from "../../ffi/mod.ts";

Deno.test("Ring.copyCqes() returns user data unchanged up to 2**53-1", () => {
  using ring = new Ring({ entries: 8 });
  const values = [0, 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1];
  for (const v of values) {
    const sqe = ring.getSqe()!;
    sqe.prepNop();
    sqe.userData = v;
    assertEquals(sqe.userData, v);
    assertEquals(sqe.opcode, Op.NOP);
  }
  assertEquals(ring.submitAndWait(values.length), values.length);
  const batch = new CqeBatch(16);
  assertEquals(ring.copyCqes(batch), values.length);
  assertEquals([...batch].map((c) => c.userData), values);
  assertEquals([...batch].map((c) => c.res), values.map(() => 0));
});

Deno.test("Sqe.userData rejects values outside 0..2**53-1", () => {
  using ring = new Ring({ entries: 2 });
  const sqe = ring.getSqe()!;
  for (const bad of [-1, 2 ** 53, 1.5, NaN, Infinity]) {
    assertThrows(
      () => (sqe.userData = bad),
      RangeError,
      "userData must be an integer in 0..2**53-1",
    );
  }
});

Deno.test("Ring.getSqe() returns null when the SQ is full, and room again after submit", () => {
  using ring = new Ring({ entries: 4 });
  const seen = new Set();
  for (let i = 0; i < 4; i++) {
    const s = ring.getSqe();
    assert(s !== null);
    seen.add(s);
    s.prepNop();
  }
  assertEquals(seen.size, 4, "distinct Sqe objects");
  assertEquals(ring.getSqe(), null);
  assertEquals(ring.sqSpaceLeft(), 0);
  assertEquals(ring.submit(), 4);
  assert(ring.getSqe() !== null);
});

Deno.test("Ring.close() is idempotent and later calls throw 'ring is closed'", () => {
  const ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  ring.close();
  ring.close();
  assertEquals(ring.closed, true);
  assertThrows(() => ring.getSqe(), Error, "ring is closed");
  assertThrows(() => ring.submit(), Error, "ring is closed");
  assertThrows(() => ring.copyCqes(new CqeBatch(1)), Error, "ring is closed");
  assertThrows(() => ring.supports("read"), Error, "ring is closed");
  assertThrows(() => sqe.prepNop(), Error, "ring is closed");
});
