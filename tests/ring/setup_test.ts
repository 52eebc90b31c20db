// RingOptions against the real kernel: sizes, every setup flag we expose, features and probing.
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertMatch,
  assertObjectMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { CqeBatch, Feature, Op, Ring, SetupFlag, UringError } from "../../ffi/mod.ts";
import { runChild } from "../_helpers.ts";

/** Queues `n` nops with user data `base + i`, submits, reaps `n` CQEs and returns them sorted. */
function nopRoundTrip(ring: Ring, n: number, base = 1): { userData: number; res: number }[] {
  for (let i = 0; i < n; i++) {
    const sqe = ring.getSqe();
    assert(sqe !== null, "SQ has room");
    sqe.prepNop();
    sqe.userData = base + i;
  }
  assertEquals(ring.submitAndWait(n), n);
  const batch = new CqeBatch(n);
  assertEquals(ring.copyCqes(batch, n), n);
  return [...batch].map(({ userData, res }) => ({ userData, res }))
    .sort((a, b) => a.userData - b.userData);
}

function expected(n: number, base = 1) {
  return Array.from({ length: n }, (_, i) => ({ userData: base + i, res: 0 }));
}

Deno.test("Ring() defaults to 256 SQ entries and a CQ twice that", () => {
  using ring = new Ring();
  assertEquals(ring.sqEntries, 256);
  assertEquals(ring.cqEntries, 512);
  assertGreaterOrEqual(ring.fd, 0);
  assertEquals(nopRoundTrip(ring, 3), expected(3));
});

Deno.test("RingOptions.entries is rounded up to a power of two by the kernel", () => {
  for (const [asked, got] of [[1, 1], [3, 4], [5, 8], [100, 128], [256, 256]]) {
    using ring = new Ring({ entries: asked });
    assertEquals(ring.sqEntries, got, `entries ${asked}`);
    assertEquals(ring.cqEntries, got * 2, `cq entries for ${asked}`);
  }
});

Deno.test("RingOptions.cqEntries sets the CQ size (IORING_SETUP_CQSIZE), rounded up", () => {
  using ring = new Ring({ entries: 4, cqEntries: 100 });
  assertEquals(ring.sqEntries, 4);
  assertEquals(ring.cqEntries, 128);
  assert(ring.setupFlags & SetupFlag.CQSIZE);
  assertEquals(nopRoundTrip(ring, 4), expected(4));
});

Deno.test("RingOptions.clamp clamps a too-large CQ instead of failing", () => {
  assertObjectMatch(assertThrows(() => new Ring({ entries: 4, cqEntries: 200000 }), UringError), {
    errno: 22,
  });
  using ring = new Ring({ entries: 4, cqEntries: 200000, clamp: true });
  assert(ring.setupFlags & SetupFlag.CLAMP);
  assertEquals(ring.cqEntries, 65536); // IORING_MAX_CQ_ENTRIES
  assertEquals(nopRoundTrip(ring, 2), expected(2));
});

Deno.test("RingOptions.sqpoll submits through the kernel thread and completes nops", () => {
  // SQPOLL has needed no privilege since Linux 5.11; it must work here (we may also be root).
  using ring = new Ring({ entries: 8, sqpoll: true, sqThreadIdle: 50 });
  assert(ring.setupFlags & SetupFlag.SQPOLL);
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
    assertEquals(ring.submit(), 8);
    const batch = new CqeBatch(8);
    let got = 0;
    const seen: number[] = [];
    while (got < 8) {
      ring.copyCqes(batch, 1);
      got += batch.length;
      for (const c of batch) {
        assertEquals(c.res, 0);
        seen.push(c.userData);
      }
    }
    assertEquals(seen.sort((a, b) => a - b), expected(8, round * 100).map((e) => e.userData));
  }
  assertEquals(ring.sqDropped, 0);
});

Deno.test("RingOptions.startDisabled refuses submission until Ring.enableRings()", () => {
  using ring = new Ring({ entries: 4, startDisabled: true });
  assert(ring.setupFlags & SetupFlag.R_DISABLED);
  const sqe = ring.getSqe()!;
  sqe.prepNop();
  sqe.userData = 11;
  assertObjectMatch(assertThrows(() => ring.submit(), UringError), { code: "EBADFD" });
  assertEquals(ring.cqReady(), 0);
  ring.enableRings();
  // The nop published before enabling is still in the SQ and goes now.
  assertEquals(ring.submitAndWait(1), 1);
  const cqe = ring.waitCqe();
  assertEquals(cqe, { userData: 11, res: 0, flags: 0 });
  assertObjectMatch(assertThrows(() => ring.enableRings(), UringError), { errno: 77 });
});

Deno.test("RingOptions.singleIssuer + deferTaskrun completes nops via submitAndWait/copyCqes", () => {
  using ring = new Ring({ entries: 8, singleIssuer: true, deferTaskrun: true });
  assert(ring.setupFlags & SetupFlag.SINGLE_ISSUER);
  assert(ring.setupFlags & SetupFlag.DEFER_TASKRUN);
  assertEquals(nopRoundTrip(ring, 5), expected(5));
  // A plain submit() then a non-waiting copyCqes() still sees the completions (task work is run).
  const sqe = ring.getSqe()!;
  sqe.prepNop();
  sqe.userData = 99;
  assertEquals(ring.submit(), 1);
  const batch = new CqeBatch(4);
  assertEquals(ring.copyCqes(batch, 1), 1);
  assertEquals(batch.userData(0), 99);
});

Deno.test("Ring.waitAsync() refuses a deferTaskrun ring with a TypeError", async () => {
  using ring = new Ring({ entries: 4, singleIssuer: true, deferTaskrun: true });
  await assertRejects(
    () => ring.waitAsync(1),
    TypeError,
    "waitAsync() cannot wait on a deferTaskrun ring from another thread",
  );
});

Deno.test("RingOptions.coopTaskrun + taskrunFlag complete nops", () => {
  using ring = new Ring({ entries: 8, coopTaskrun: true, taskrunFlag: true });
  assert(ring.setupFlags & SetupFlag.COOP_TASKRUN);
  assert(ring.setupFlags & SetupFlag.TASKRUN_FLAG);
  assertEquals(nopRoundTrip(ring, 8), expected(8));
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
  assertEquals(ring.submitAndWait(3), 3);
  const batch = new CqeBatch(4);
  assertEquals(ring.copyCqes(batch), 3);
  const res = new Map([...batch].map((c) => [c.userData, c.res]));
  assertEquals([res.get(1), res.get(2), res.get(3)], [0, -22, 0]);
});

Deno.test("Ring.submit() stops at an SQE that fails to prepare without submitAll", () => {
  using ring = new Ring({ entries: 4 });
  queueWithBadSqe(ring);
  assertEquals(ring.submit(), 2); // the nop and the failed SQE; the last one waits
  assertEquals(ring.sqReady(), 1);
  assertEquals(ring.submitAndWait(3), 1);
  const batch = new CqeBatch(4);
  assertEquals(ring.copyCqes(batch), 3);
  const res = new Map([...batch].map((c) => [c.userData, c.res]));
  assertEquals([res.get(1), res.get(2), res.get(3)], [0, -22, 0]);
});

Deno.test("RingOptions.sqe128 uses 128-byte SQEs and nops still round-trip", () => {
  using ring = new Ring({ entries: 8, sqe128: true });
  assert(ring.setupFlags & SetupFlag.SQE128);
  // Two passes over the whole SQ so that every slot of the double-width array is used twice.
  assertEquals(nopRoundTrip(ring, 8, 1), expected(8, 1));
  assertEquals(nopRoundTrip(ring, 8, 2 ** 40), expected(8, 2 ** 40));
});

Deno.test("RingOptions.cqe32 uses 32-byte CQEs and nop CQEs still read correctly", () => {
  using ring = new Ring({ entries: 4, cqe32: true });
  assert(ring.setupFlags & SetupFlag.CQE32);
  for (let pass = 0; pass < 5; pass++) {
    assertEquals(nopRoundTrip(ring, 4, pass * 10 + 1), expected(4, pass * 10 + 1));
  }
  // A failing op: res must come from the right word of the 32-byte slot.
  const sqe = ring.getSqe()!;
  sqe.prepRead(-1, new Uint8Array(4), 0);
  sqe.userData = 77;
  ring.submitAndWait(1);
  assertEquals(ring.waitCqe(), { userData: 77, res: -9, flags: 0 });
});

Deno.test("RingOptions.noSqArray works across SQ wrap-around", () => {
  // 64 entries: the shim once let liburing 2.3 write an identity "SQ array" over the ring header
  // (head, tail, masks, flags) of NO_SQARRAY rings, which only large rings show fully.
  for (const entries of [4, 64]) {
    using ring = new Ring({ entries, noSqArray: true });
    assert(ring.setupFlags & SetupFlag.NO_SQARRAY);
    assertEquals(ring.sqReady(), 0);
    assertEquals(ring.cqReady(), 0);
    assertEquals(ring.cqOverflow, 0);
    for (let pass = 0; pass < 4; pass++) {
      const n = entries - 1;
      assertEquals(nopRoundTrip(ring, n, pass * 100), expected(n, pass * 100));
    }
  }
});

Deno.test("Ring() uses NO_SQARRAY by default (kernel 6.6+); noSqArray: false keeps the index array", () => {
  using byDefault = new Ring({ entries: 4 });
  assert(byDefault.setupFlags & SetupFlag.NO_SQARRAY);
  using withArray = new Ring({ entries: 4, noSqArray: false });
  assertEquals(withArray.setupFlags & SetupFlag.NO_SQARRAY, 0);
  // Both rings wrap their SQ and CQ several times (CQ copies then come in two pieces).
  for (let pass = 0; pass < 5; pass++) {
    assertEquals(nopRoundTrip(byDefault, 3, pass * 7), expected(3, pass * 7));
    assertEquals(nopRoundTrip(withArray, 3, pass * 7), expected(3, pass * 7));
  }
});

Deno.test("RingOptions.attachWq shares another ring's worker pool (Ring or fd)", () => {
  using first = new Ring({ entries: 4 });
  using second = new Ring({ entries: 4, attachWq: first });
  using third = new Ring({ entries: 4, attachWq: first.fd });
  assert(second.setupFlags & SetupFlag.ATTACH_WQ);
  assert(third.setupFlags & SetupFlag.ATTACH_WQ);
  assertEquals(nopRoundTrip(second, 2), expected(2));
  assertEquals(nopRoundTrip(third, 2), expected(2));
  // fd 0 (stdin) is not a ring
  const err = assertThrows(() => new Ring({ entries: 4, attachWq: 0 }), UringError);
  assert(err.errno === 22 || err.errno === 9, `errno ${err.errno}`);
});

// The kernel's table of registered ring fds has 16 slots per thread, shared by every ring the
// test process has open (other files' rings included): this one runs in a process of its own.
Deno.test("Ring() registers its fd by default; registerRingFd: false keeps the plain fd", async () => {
  const { code, out } = await runChild(`
    import { Ring } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
    const check = (ok, what) => { if (!ok) throw new Error(what); };
    const nop = (ring, ud) => {
      const s = ring.getSqe(); s.prepNop(); s.userData = ud; ring.submitAndWait(1);
      const c = ring.waitCqe(); check(c.userData === ud && c.res === 0, "nop " + ud);
    };
    using reg = new Ring({ entries: 4 });
    check(reg.registeredIndex >= 0, "registered by default");
    nop(reg, 1);
    using plain = new Ring({ entries: 4, registerRingFd: false });
    check(plain.registeredIndex === -1, "plain");
    nop(plain, 2);
    const idx = plain.registerRingFd();
    check(idx >= 0 && plain.registeredIndex === idx, "registered later");
    check(plain.registerRingFd() === idx, "registering twice returns the same index");
    nop(plain, 3);
    plain.unregisterRingFd();
    check(plain.registeredIndex === -1, "unregistered");
    nop(plain, 4);
    console.log("ok");
  `);
  assertEquals([code, out.trim()], [0, "ok"]);
});

// close() frees the ring's slot in that table (the shim unregisters the fd before it closes it):
// 40 rings made and closed one after another each get a slot. A slot left behind would also keep
// its ring alive until the thread ends.
Deno.test("Ring.close() gives back the registered ring fd's slot: 40 rings in turn are all registered", async () => {
  const mod = JSON.stringify(new URL("../../mod.ts", import.meta.url).href);
  const { code, out } = await runChild(`
    import { AsyncRing, Ring } from ${mod};
    const indexes = [];
    for (let i = 0; i < 20; i++) {
      const ring = new Ring({ entries: 4 });
      indexes.push(ring.registeredIndex);
      ring.close();
      const io = new AsyncRing({ entries: 4 });
      indexes.push(io.ring.registeredIndex);
      await io.nop();
      await io.close();
    }
    console.log(JSON.stringify(indexes));
  `);
  assertEquals(code, 0);
  const indexes = JSON.parse(out) as number[];
  assertEquals(indexes.length, 40);
  assert(indexes.every((i) => i >= 0 && i < 16), out);
});

Deno.test("Ring.features has one boolean per IORING_FEAT_* bit", () => {
  using ring = new Ring({ entries: 4 });
  const f = ring.features;
  assertEquals(Object.keys(f).sort(), Object.keys(Feature).sort());
  for (const v of Object.values(f)) assertEquals(typeof v, "boolean");
  // Features every kernel we run on (6.x) reports.
  assertEquals(f.nodrop, true);
  assertEquals(f.singleMmap, true);
  assertEquals(f.submitStable, true);
  assertEquals(f.rwCurPos, true);
  assertEquals(f.fastPoll, true);
  assertEquals(f.extArg, true);
  assertEquals(f.nativeWorkers, true);
  assertEquals(f.cqeSkip, true);
  assertEquals(f.linkedFile, true);
  assertEquals(Object.isFrozen(f), true);
  assertStrictEquals(ring.features, f, "the same object each time");
});

Deno.test("Ring.supports() answers by opcode number and by name", () => {
  using ring = new Ring({ entries: 4 });
  assertEquals(ring.supports(Op.NOP), true);
  assertEquals(ring.supports(Op.READ), true);
  assertEquals(ring.supports(22), true);
  assertEquals(ring.supports("read"), true);
  assertEquals(ring.supports("openat2"), true);
  assertEquals(ring.supports("pipe"), true); // Linux 6.16, opcode 62
  assertEquals(ring.supports(200), false);
  assertEquals(ring.supports(-1), false);
  assertEquals(ring.supports(1.5), false);
  // Every opcode we declare is known to this kernel (0..62).
  for (const [name, code] of Object.entries(Op)) {
    assertEquals(ring.supports(code), true, name);
  }
});

Deno.test("Ring.supports() throws TypeError for an unknown opcode name", () => {
  using ring = new Ring({ entries: 4 });
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => ring.supports("frobnicate" as any),
    TypeError,
    'unknown opcode name "frobnicate"',
  );
});

Deno.test("Ring() rejects entries out of range with a RangeError", () => {
  for (const entries of [0, -1, 1.5, 100000, NaN]) {
    assertThrows(
      () => new Ring({ entries }),
      RangeError,
      "entries must be an integer in 1..32768",
      `entries ${entries}`,
    );
  }
});

Deno.test("Ring() rejects options that are not an object with a TypeError", () => {
  for (const bad of [null, 5, "entries", true]) {
    // deno-lint-ignore no-explicit-any
    assertThrows(() => new Ring(bad as any), TypeError, "options must be an object");
  }
});

Deno.test("Ring() reports a kernel EINVAL (deferTaskrun without singleIssuer) as UringError", () => {
  const e = assertThrows(() => new Ring({ entries: 4, deferTaskrun: true }), UringError);
  assertEquals(e.errno, 22);
  assertEquals(e.code, "EINVAL");
  assertEquals(e.call, "io_uring_setup");
  assertMatch(e.message, /singleIssuer/);
});
