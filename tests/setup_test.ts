// RingOptions against the real kernel: sizes, every setup flag we expose, features and probing.
import assert from "node:assert/strict";
import { CqeBatch, Feature, Op, Ring, SetupFlag, UringError } from "../mod.ts";

/** Queues `n` nops with user data `base + i`, submits, reaps `n` CQEs and returns them sorted. */
function nopRoundTrip(ring: Ring, n: number, base = 1): { userData: number; res: number }[] {
  for (let i = 0; i < n; i++) {
    const sqe = ring.getSqe();
    assert.ok(sqe !== null, "SQ has room");
    sqe.prepNop();
    sqe.userData = base + i;
  }
  assert.equal(ring.submitAndWait(n), n);
  const batch = new CqeBatch(n);
  assert.equal(ring.copyCqes(batch, n), n);
  return [...batch].map(({ userData, res }) => ({ userData, res }))
    .sort((a, b) => a.userData - b.userData);
}

function expected(n: number, base = 1) {
  return Array.from({ length: n }, (_, i) => ({ userData: base + i, res: 0 }));
}

Deno.test("Ring() defaults to 256 SQ entries and a CQ twice that", () => {
  using ring = new Ring();
  assert.equal(ring.sqEntries, 256);
  assert.equal(ring.cqEntries, 512);
  assert.ok(ring.fd >= 0);
  assert.deepEqual(nopRoundTrip(ring, 3), expected(3));
});

Deno.test("RingOptions.entries is rounded up to a power of two by the kernel", () => {
  for (const [asked, got] of [[1, 1], [3, 4], [5, 8], [100, 128], [256, 256]]) {
    using ring = new Ring({ entries: asked });
    assert.equal(ring.sqEntries, got, `entries ${asked}`);
    assert.equal(ring.cqEntries, got * 2, `cq entries for ${asked}`);
  }
});

Deno.test("RingOptions.cqEntries sets the CQ size (IORING_SETUP_CQSIZE), rounded up", () => {
  using ring = new Ring({ entries: 4, cqEntries: 100 });
  assert.equal(ring.sqEntries, 4);
  assert.equal(ring.cqEntries, 128);
  assert.ok(ring.setupFlags & SetupFlag.CQSIZE);
  assert.deepEqual(nopRoundTrip(ring, 4), expected(4));
});

Deno.test("RingOptions.clamp clamps a too-large CQ instead of failing", () => {
  assert.throws(
    () => new Ring({ entries: 4, cqEntries: 200000 }),
    (e) => e instanceof UringError && e.errno === 22,
  );
  using ring = new Ring({ entries: 4, cqEntries: 200000, clamp: true });
  assert.ok(ring.setupFlags & SetupFlag.CLAMP);
  assert.equal(ring.cqEntries, 65536); // IORING_MAX_CQ_ENTRIES
  assert.deepEqual(nopRoundTrip(ring, 2), expected(2));
});

Deno.test("RingOptions.sqpoll submits through the kernel thread and completes nops", () => {
  // SQPOLL has needed no privilege since Linux 5.11; it must work here (we may also be root).
  using ring = new Ring({ entries: 8, sqpoll: true, sqThreadIdle: 50 });
  assert.ok(ring.setupFlags & SetupFlag.SQPOLL);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 8; i++) {
      // The SQPOLL thread frees SQ entries on its own time: wait for room when there is none.
      let sqe = ring.getSqe();
      while (sqe === null) {
        ring.sqringWait();
        sqe = ring.getSqe();
      }
      sqe.prepNop();
      sqe.userData = round * 100 + i;
    }
    assert.equal(ring.submit(), 8);
    const batch = new CqeBatch(8);
    let got = 0;
    const seen: number[] = [];
    while (got < 8) {
      ring.copyCqes(batch, 1);
      got += batch.length;
      for (const c of batch) {
        assert.equal(c.res, 0);
        seen.push(c.userData);
      }
    }
    assert.deepEqual(seen.sort((a, b) => a - b), expected(8, round * 100).map((e) => e.userData));
  }
  assert.equal(ring.sqDropped, 0);
});

Deno.test("RingOptions.startDisabled refuses submission until Ring.enableRings()", () => {
  using ring = new Ring({ entries: 4, startDisabled: true });
  assert.ok(ring.setupFlags & SetupFlag.R_DISABLED);
  const sqe = ring.getSqe()!;
  sqe.prepNop();
  sqe.userData = 11;
  assert.throws(() => ring.submit(), (e) => e instanceof UringError && e.code === "EBADFD");
  assert.equal(ring.cqReady(), 0);
  ring.enableRings();
  // The nop published before enabling is still in the SQ and goes now.
  assert.equal(ring.submitAndWait(1), 1);
  const cqe = ring.waitCqe();
  assert.deepEqual(cqe, { userData: 11, res: 0, flags: 0 });
  assert.throws(() => ring.enableRings(), (e) => e instanceof UringError && e.errno === 77);
});

Deno.test("RingOptions.singleIssuer + deferTaskrun completes nops via submitAndWait/copyCqes", () => {
  using ring = new Ring({ entries: 8, singleIssuer: true, deferTaskrun: true });
  assert.ok(ring.setupFlags & SetupFlag.SINGLE_ISSUER);
  assert.ok(ring.setupFlags & SetupFlag.DEFER_TASKRUN);
  assert.deepEqual(nopRoundTrip(ring, 5), expected(5));
  // A plain submit() then a non-waiting copyCqes() still sees the completions (task work is run).
  const sqe = ring.getSqe()!;
  sqe.prepNop();
  sqe.userData = 99;
  assert.equal(ring.submit(), 1);
  const batch = new CqeBatch(4);
  assert.equal(ring.copyCqes(batch, 1), 1);
  assert.equal(batch.userData(0), 99);
});

Deno.test("Ring.waitAsync() refuses a deferTaskrun ring with a TypeError", async () => {
  using ring = new Ring({ entries: 4, singleIssuer: true, deferTaskrun: true });
  await assert.rejects(ring.waitAsync(1), TypeError);
});

Deno.test("RingOptions.coopTaskrun + taskrunFlag complete nops", () => {
  using ring = new Ring({ entries: 8, coopTaskrun: true, taskrunFlag: true });
  assert.ok(ring.setupFlags & SetupFlag.COOP_TASKRUN);
  assert.ok(ring.setupFlags & SetupFlag.TASKRUN_FLAG);
  assert.deepEqual(nopRoundTrip(ring, 8), expected(8));
});

/** Queues nop, an SQE with an invalid opcode, nop. */
function queueWithBadSqe(ring: Ring): void {
  const a = ring.getSqe()!;
  a.prepNop();
  a.userData = 1;
  const bad = ring.getSqe()!;
  bad.prepRw(200, -1, null, 0, 0);
  bad.userData = 2;
  const c = ring.getSqe()!;
  c.prepNop();
  c.userData = 3;
}

Deno.test("RingOptions.submitAll goes on submitting after an SQE fails to prepare", () => {
  using ring = new Ring({ entries: 4, submitAll: true });
  queueWithBadSqe(ring);
  assert.equal(ring.submitAndWait(3), 3);
  const batch = new CqeBatch(4);
  assert.equal(ring.copyCqes(batch), 3);
  const res = new Map([...batch].map((c) => [c.userData, c.res]));
  assert.deepEqual([res.get(1), res.get(2), res.get(3)], [0, -22, 0]);
});

Deno.test("Ring.submit() stops at an SQE that fails to prepare without submitAll", () => {
  using ring = new Ring({ entries: 4 });
  queueWithBadSqe(ring);
  assert.equal(ring.submit(), 2); // the nop and the failed SQE; the last one waits
  assert.equal(ring.sqReady(), 1);
  assert.equal(ring.submitAndWait(3), 1);
  const batch = new CqeBatch(4);
  assert.equal(ring.copyCqes(batch), 3);
  const res = new Map([...batch].map((c) => [c.userData, c.res]));
  assert.deepEqual([res.get(1), res.get(2), res.get(3)], [0, -22, 0]);
});

Deno.test("RingOptions.sqe128 uses 128-byte SQEs and nops still round-trip", () => {
  using ring = new Ring({ entries: 8, sqe128: true });
  assert.ok(ring.setupFlags & SetupFlag.SQE128);
  // Two passes over the whole SQ so that every slot of the double-width array is used twice.
  assert.deepEqual(nopRoundTrip(ring, 8, 1), expected(8, 1));
  assert.deepEqual(nopRoundTrip(ring, 8, 2 ** 40), expected(8, 2 ** 40));
});

Deno.test("RingOptions.cqe32 uses 32-byte CQEs and nop CQEs still read correctly", () => {
  using ring = new Ring({ entries: 4, cqe32: true });
  assert.ok(ring.setupFlags & SetupFlag.CQE32);
  for (let pass = 0; pass < 5; pass++) {
    assert.deepEqual(nopRoundTrip(ring, 4, pass * 10 + 1), expected(4, pass * 10 + 1));
  }
  // A failing op: res must come from the right word of the 32-byte slot.
  const sqe = ring.getSqe()!;
  sqe.prepRead(-1, new Uint8Array(4), 0);
  sqe.userData = 77;
  ring.submitAndWait(1);
  assert.deepEqual(ring.waitCqe(), { userData: 77, res: -9, flags: 0 });
});

Deno.test("RingOptions.noSqArray works across SQ wrap-around", () => {
  // 64 entries: the shim once let liburing 2.3 write an identity "SQ array" over the ring header
  // (head, tail, masks, flags) of NO_SQARRAY rings, which only large rings show fully.
  for (const entries of [4, 64]) {
    using ring = new Ring({ entries, noSqArray: true });
    assert.ok(ring.setupFlags & SetupFlag.NO_SQARRAY);
    assert.equal(ring.sqReady(), 0);
    assert.equal(ring.cqReady(), 0);
    assert.equal(ring.cqOverflow, 0);
    for (let pass = 0; pass < 4; pass++) {
      const n = entries - 1;
      assert.deepEqual(nopRoundTrip(ring, n, pass * 100), expected(n, pass * 100));
    }
  }
});

Deno.test("Ring() uses NO_SQARRAY by default (kernel 6.6+); noSqArray: false keeps the index array", () => {
  using byDefault = new Ring({ entries: 4 });
  assert.ok(byDefault.setupFlags & SetupFlag.NO_SQARRAY);
  using withArray = new Ring({ entries: 4, noSqArray: false });
  assert.equal(withArray.setupFlags & SetupFlag.NO_SQARRAY, 0);
  // Both rings wrap their SQ and CQ several times (CQ copies then come in two pieces).
  for (let pass = 0; pass < 5; pass++) {
    assert.deepEqual(nopRoundTrip(byDefault, 3, pass * 7), expected(3, pass * 7));
    assert.deepEqual(nopRoundTrip(withArray, 3, pass * 7), expected(3, pass * 7));
  }
});

Deno.test("RingOptions.attachWq shares another ring's worker pool (Ring or fd)", () => {
  using first = new Ring({ entries: 4 });
  using second = new Ring({ entries: 4, attachWq: first });
  using third = new Ring({ entries: 4, attachWq: first.fd });
  assert.ok(second.setupFlags & SetupFlag.ATTACH_WQ);
  assert.ok(third.setupFlags & SetupFlag.ATTACH_WQ);
  assert.deepEqual(nopRoundTrip(second, 2), expected(2));
  assert.deepEqual(nopRoundTrip(third, 2), expected(2));
  assert.throws(
    () => new Ring({ entries: 4, attachWq: 0 }), // stdin is not a ring
    (e) => e instanceof UringError && (e.errno === 22 || e.errno === 9),
  );
});

Deno.test("Ring() registers its fd by default; registerRingFd: false keeps the plain fd", () => {
  using reg = new Ring({ entries: 4 });
  assert.ok(reg.registeredIndex >= 0);
  assert.deepEqual(nopRoundTrip(reg, 2), expected(2));
  using plain = new Ring({ entries: 4, registerRingFd: false });
  assert.equal(plain.registeredIndex, -1);
  assert.deepEqual(nopRoundTrip(plain, 2), expected(2));
  const idx = plain.registerRingFd();
  assert.ok(idx >= 0);
  assert.equal(plain.registeredIndex, idx);
  assert.equal(plain.registerRingFd(), idx, "registering twice returns the same index");
  assert.deepEqual(nopRoundTrip(plain, 2), expected(2));
  plain.unregisterRingFd();
  assert.equal(plain.registeredIndex, -1);
  assert.deepEqual(nopRoundTrip(plain, 2), expected(2));
});

Deno.test("Ring.features has one boolean per IORING_FEAT_* bit", () => {
  using ring = new Ring({ entries: 4 });
  const f = ring.features;
  assert.deepEqual(Object.keys(f).sort(), Object.keys(Feature).sort());
  for (const v of Object.values(f)) assert.equal(typeof v, "boolean");
  // Features every kernel we run on (6.x) reports.
  assert.equal(f.nodrop, true);
  assert.equal(f.singleMmap, true);
  assert.equal(f.submitStable, true);
  assert.equal(f.rwCurPos, true);
  assert.equal(f.fastPoll, true);
  assert.equal(f.extArg, true);
  assert.equal(f.nativeWorkers, true);
  assert.equal(f.cqeSkip, true);
  assert.equal(f.linkedFile, true);
  assert.equal(Object.isFrozen(f), true);
  assert.equal(ring.features, f, "the same object each time");
});

Deno.test("Ring.supports() answers by opcode number and by name", () => {
  using ring = new Ring({ entries: 4 });
  assert.equal(ring.supports(Op.NOP), true);
  assert.equal(ring.supports(Op.READ), true);
  assert.equal(ring.supports(22), true);
  assert.equal(ring.supports("read"), true);
  assert.equal(ring.supports("openat2"), true);
  assert.equal(ring.supports("pipe"), true); // Linux 6.16, opcode 62
  assert.equal(ring.supports(200), false);
  assert.equal(ring.supports(-1), false);
  assert.equal(ring.supports(1.5), false);
  // Every opcode we declare is known to this kernel (0..62).
  for (const [name, code] of Object.entries(Op)) {
    assert.equal(ring.supports(code), true, name);
  }
});

Deno.test("Ring.supports() throws TypeError for an unknown opcode name", () => {
  using ring = new Ring({ entries: 4 });
  // deno-lint-ignore no-explicit-any
  assert.throws(() => ring.supports("frobnicate" as any), TypeError);
});

Deno.test("Ring() rejects entries out of range with a RangeError", () => {
  for (const entries of [0, -1, 1.5, 100000, NaN]) {
    assert.throws(() => new Ring({ entries }), RangeError, `entries ${entries}`);
  }
});

Deno.test("Ring() rejects options that are not an object with a TypeError", () => {
  for (const bad of [null, 5, "entries", true]) {
    // deno-lint-ignore no-explicit-any
    assert.throws(() => new Ring(bad as any), TypeError);
  }
});

Deno.test("Ring() reports a kernel EINVAL (deferTaskrun without singleIssuer) as UringError", () => {
  assert.throws(
    () => new Ring({ entries: 4, deferTaskrun: true }),
    (e) => {
      assert.ok(e instanceof UringError);
      assert.equal(e.errno, 22);
      assert.equal(e.code, "EINVAL");
      assert.equal(e.call, "io_uring_setup");
      assert.match(e.message, /singleIssuer/);
      return true;
    },
  );
});
