// getSqe() hands out zeroed SQEs, whichever path consumed the slot before: the shim's
// uring_submit (which zeroes what the kernel took during the call), the other enter paths
// (submitAndWaitTimeout, submitAndWait) and SQPOLL, whose head TypeScript zeroes behind itself.
import { assert, assertEquals } from "@std/assert";
import { Ring, type RingOptions, type Sqe, SqeFlag } from "../../ffi/mod.ts";

/** Every 32-bit word of the SQE (64 or 128 bytes). */
function words(sqe: Sqe): number[] {
  const stride = sqe._m.stride;
  return [...sqe._u32.subarray(sqe._w, sqe._w + stride)];
}

/** Takes an SQE, checks it is all zero, then dirties every field (a read of fd -1: EBADF). */
function takeDirty(ring: Ring, ud: number): void {
  const sqe = ring.getSqe();
  assert(sqe !== null, "the SQ has room");
  assertEquals(words(sqe), new Array(sqe._m.stride).fill(0), `SQE for ${ud} is zeroed`);
  sqe.prepRead(-1, new Uint8Array(16), 2 ** 40, 16);
  sqe.userData = ud;
  sqe.personality = 0;
  sqe.opFlags = 0;
  sqe.flags |= SqeFlag.ASYNC;
  const w = sqe._w + 12; // addr3 and the pad: the words no prep here writes
  sqe._u32[w] = 0;
  if (sqe._m.stride > 16) sqe._u32.fill(0xab, sqe._w + 16, sqe._w + sqe._m.stride); // cmd area
}

/** Reaps `n` CQEs, checking each is the EBADF of a dirty SQE. */
function reap(ring: Ring, n: number): void {
  for (let got = 0; got < n;) {
    const view = ring.peekCqes(1);
    for (let i = 0; i < view.length; i++) assertEquals(view.res(i), -9);
    got += view.length;
    ring.cqAdvance(view.length);
  }
}

const shapes: [string, RingOptions][] = [
  ["64-byte SQEs", { entries: 4 }],
  ["128-byte SQEs", { entries: 4, sqe128: true }],
];

for (const [label, options] of shapes) {
  Deno.test(`getSqe() hands out zeroed SQEs after submit() reused their slots (${label})`, () => {
    using ring = new Ring(options);
    let ud = 0;
    // Batches of 3 on a ring of 4: the slots wrap at a different place every round.
    for (let round = 0; round < 9; round++) {
      for (let i = 0; i < 3; i++) takeDirty(ring, ud++);
      assertEquals(ring.submit(), 3);
      reap(ring, 3);
    }
  });

  Deno.test(`getSqe() hands out zeroed SQEs after the other enter paths (${label})`, () => {
    using ring = new Ring(options);
    let ud = 0;
    for (let round = 0; round < 6; round++) {
      // A slot consumed by submitAndWaitTimeout, then one by submitAndWait, then by submit():
      // the next submit() zeroes from where zeroing last stopped, whatever consumed the slots.
      takeDirty(ring, ud++);
      ring.submitAndWaitTimeout(1, 1000);
      takeDirty(ring, ud++);
      ring.submitAndWait(1);
      takeDirty(ring, ud++);
      ring.submit();
      reap(ring, 3);
    }
  });
}

Deno.test("getSqe() hands out zeroed SQEs on an SQPOLL ring", () => {
  using ring = new Ring({ entries: 4, sqpoll: true, sqThreadIdle: 10 });
  let ud = 0;
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < 3; i++) {
      // The SQ thread takes SQEs on its own time: wait for room rather than expect it.
      let sqe = ring.getSqe();
      for (let spin = 0; sqe === null && spin < 1e6; spin++) sqe = ring.getSqe();
      assert(sqe !== null);
      assertEquals(words(sqe), new Array(16).fill(0), `SQE for ${ud} is zeroed`);
      sqe.prepRead(-1, new Uint8Array(16), 4096, 16);
      sqe.userData = ud++;
    }
    ring.submit();
    reap(ring, 3);
  }
});
