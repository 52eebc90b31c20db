import assert from "node:assert/strict";
import { CqeBatch, Op, Ring } from "../mod.ts";

Deno.test("Ring.copyCqes() returns user data unchanged up to 2**53-1", () => {
  using ring = new Ring({ entries: 8 });
  const values = [0, 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1];
  for (const v of values) {
    const sqe = ring.getSqe()!;
    sqe.prepNop();
    sqe.userData = v;
    assert.equal(sqe.userData, v);
    assert.equal(sqe.opcode, Op.NOP);
  }
  assert.equal(ring.submitAndWait(values.length), values.length);
  const batch = new CqeBatch(16);
  assert.equal(ring.copyCqes(batch), values.length);
  assert.deepEqual([...batch].map((c) => c.userData), values);
  assert.deepEqual([...batch].map((c) => c.res), values.map(() => 0));
});

Deno.test("Sqe.userData rejects values outside 0..2**53-1", () => {
  using ring = new Ring({ entries: 2 });
  const sqe = ring.getSqe()!;
  for (const bad of [-1, 2 ** 53, 1.5, NaN, Infinity]) {
    assert.throws(() => (sqe.userData = bad), RangeError);
  }
});

Deno.test("Ring.getSqe() returns null when the SQ is full, and room again after submit", () => {
  using ring = new Ring({ entries: 4 });
  const seen = new Set();
  for (let i = 0; i < 4; i++) {
    const s = ring.getSqe();
    assert.ok(s !== null);
    seen.add(s);
    s.prepNop();
  }
  assert.equal(seen.size, 4, "distinct Sqe objects");
  assert.equal(ring.getSqe(), null);
  assert.equal(ring.sqSpaceLeft(), 0);
  assert.equal(ring.submit(), 4);
  assert.ok(ring.getSqe() !== null);
});

Deno.test("Ring.close() is idempotent and later calls throw 'ring is closed'", () => {
  const ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  ring.close();
  ring.close();
  assert.equal(ring.closed, true);
  assert.throws(() => ring.getSqe(), /ring is closed/);
  assert.throws(() => ring.submit(), /ring is closed/);
  assert.throws(() => ring.copyCqes(new CqeBatch(1)), /ring is closed/);
  assert.throws(() => ring.supports("read"), /ring is closed/);
  assert.throws(() => sqe.prepNop(), /ring is closed/);
});
