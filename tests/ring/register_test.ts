// The rest of registration: eventfd, enableRings, ring fds, personalities, sync cancel, NAPI.
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertObjectMatch,
  assertThrows,
} from "@std/assert";
import {
  type Cqe,
  eventfd,
  EventfdFlag,
  fixed,
  OpenFlag,
  Ring,
  SqeFlag,
  UringError,
} from "../../ffi/mod.ts";
import { closeFd, makePipe, runChild, runOne, tempFile } from "../_helpers.ts";

const EAGAIN = 11;
const EINVAL = 22;
const EBADFD = 77;
const ECANCELED = 125;

const RWF_NOWAIT = 8;

/**
 * Reads an eventfd's counter with an 8-byte io_uring read (zeroing it); -EAGAIN when it is 0.
 * io_uring parks a read of an empty eventfd whatever its O_NONBLOCK; RWF_NOWAIT makes it fail.
 */
function readCounter(ring: Ring, efd: number): bigint | number {
  const count = new BigUint64Array(1);
  const cqe = runOne(ring, (s) => {
    s.prepRead(efd, new Uint8Array(count.buffer), 0);
    s.opFlags = RWF_NOWAIT;
  }, 0xe);
  return cqe.res < 0 ? cqe.res : count[0];
}

function nops(ring: Ring, n: number, flags = 0): void {
  for (let i = 0; i < n; i++) {
    const sqe = ring.getSqe()!;
    sqe.prepNop();
    sqe.flags |= flags;
    sqe.userData = 100 + i;
  }
  ring.submitAndWait(n);
  for (let i = 0; i < n; i++) ring.waitCqe();
}

Deno.test("eventfd() makes an fd and Ring.registerEventfd() signals it on completions", () => {
  using ring = new Ring({ entries: 8 });
  using reader = new Ring({ entries: 4 });
  const efd = eventfd(0, EventfdFlag.CLOEXEC | EventfdFlag.NONBLOCK);
  try {
    assert(Number.isInteger(efd) && efd >= 0);
    assertEquals(readCounter(reader, efd), -EAGAIN, "nothing signalled yet");
    ring.registerEventfd(efd);
    assertObjectMatch(assertThrows(() => ring.registerEventfd(efd), UringError), { code: "EBUSY" });
    for (let i = 0; i < 3; i++) nops(ring, 1);
    assertEquals(readCounter(reader, efd), 3n, "three completions posted apart: three signals");
    nops(ring, 4);
    const batch = readCounter(reader, efd) as bigint;
    assert(batch >= 1n && batch <= 4n, `a batch of 4 posted together signals ${batch} times`);
    ring.unregisterEventfd();
    nops(ring, 2);
    assertEquals(readCounter(reader, efd), -EAGAIN, "no signal after unregisterEventfd()");
    assertObjectMatch(assertThrows(() => ring.unregisterEventfd(), UringError), { code: "ENXIO" });
  } finally {
    closeFd(efd);
  }
});

Deno.test("an eventfd wakes a read parked on another ring when a completion is posted", async () => {
  using ring = new Ring({ entries: 8 });
  using watcher = new Ring({ entries: 4 });
  const efd = eventfd();
  try {
    ring.registerEventfd(efd);
    const count = new BigUint64Array(1);
    const sqe = watcher.getSqe()!;
    sqe.prepRead(efd, new Uint8Array(count.buffer), 0);
    sqe.userData = 1;
    watcher.submit();
    const woke = watcher.waitAsync(1);
    await new Promise((r) => setTimeout(r, 10));
    assertEquals(watcher.cqReady(), 0, "parked: no completion on the ring yet");
    runOne(ring, (s) => s.prepNop());
    await woke;
    assertEquals(watcher.waitCqe()!.res, 8);
    assertEquals(count[0], 1n);
  } finally {
    closeFd(efd);
  }
});

Deno.test("Ring.registerEventfd({ async: true }) signals only completions from io-wq", () => {
  using ring = new Ring({ entries: 8 });
  using reader = new Ring({ entries: 4 });
  const efd = eventfd(0, EventfdFlag.NONBLOCK);
  try {
    ring.registerEventfd(efd, { async: true });
    nops(ring, 2); // completed inline with the submit
    assertEquals(readCounter(reader, efd), -EAGAIN);
    nops(ring, 1, SqeFlag.ASYNC); // punted to an io-wq worker
    // The worker's signal may land a moment after its CQE: give it up to a second.
    let got = readCounter(reader, efd);
    for (let i = 0; i < 1000 && got === -EAGAIN; i++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      got = readCounter(reader, efd);
    }
    assertEquals(got, 1n);
  } finally {
    closeFd(efd);
  }
});

Deno.test("eventfd() rejects a bad initial value", () => {
  assertThrows(() => eventfd(-1), RangeError, "initval must be an integer in 0..2**32-1, got -1");
  assertThrows(
    () => eventfd(2 ** 32),
    RangeError,
    "initval must be an integer in 0..2**32-1, got 4294967296",
  );
  const efd = eventfd(5, EventfdFlag.SEMAPHORE);
  using reader = new Ring({ entries: 2 });
  assertEquals(readCounter(reader, efd), 1n, "semaphore mode reads 1 at a time");
  closeFd(efd);
});

Deno.test("a startDisabled ring refuses submission (EBADFD) until Ring.enableRings()", () => {
  using ring = new Ring({ entries: 4, startDisabled: true });
  ring.getSqe()!.prepNop();
  const refused = assertThrows(() => ring.submit(), UringError);
  assertEquals(refused.errno, EBADFD, "submit on a disabled ring");
  ring.enableRings();
  assertObjectMatch(assertThrows(() => ring.enableRings(), UringError), { errno: EBADFD });
  // the SQE stayed published in the SQ: the next enter submits it
  const sqe = ring.getSqe()!;
  sqe.prepNop();
  sqe.userData = 2;
  ring.submitAndWait(2);
  const got = [ring.waitCqe()!, ring.waitCqe()!].map((c) => c.res);
  assertEquals(got, [0, 0]);
});

// In a process of its own: the thread's 16-slot table of registered ring fds is shared by every
// ring the test process has open.
Deno.test("the registered ring fd is used for io_uring_enter and can be toggled", async () => {
  const { code, out } = await runChild(`
    import { Ring } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
    const check = (ok, what) => { if (!ok) throw new Error(what); };
    const nop = (ring, ud) => {
      const s = ring.getSqe(); s.prepNop(); s.userData = ud; ring.submitAndWait(1);
      check(ring.waitCqe().userData === ud, "nop " + ud);
    };
    using ring = new Ring({ entries: 4 });
    const index = ring.registeredIndex;
    check(index >= 0, "registered by default");
    check(ring.registerRingFd() === index, "idempotent");
    nop(ring, 1);
    ring.unregisterRingFd();
    check(ring.registeredIndex === -1, "unregistered");
    nop(ring, 2);
    check(ring.registerRingFd() >= 0, "registered again");
    nop(ring, 3);
    using plain = new Ring({ entries: 4, registerRingFd: false });
    check(plain.registeredIndex === -1, "plain");
    nop(plain, 4);
    console.log("ok");
  `);
  assertEquals([code, out.trim()], [0, "ok"]);
});

Deno.test("Ring.registerPersonality() returns an id that sqe.personality accepts", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile("as me");
  const id = ring.registerPersonality();
  assertGreaterOrEqual(id, 1, `personality id ${id}`);
  const open = runOne(ring, (s) => {
    s.prepOpenat(-100, f.path, OpenFlag.RDONLY | OpenFlag.CLOEXEC);
    s.personality = id;
  });
  assertGreaterOrEqual(open.res, 0, `openat with personality: ${open.res}`);
  closeFd(open.res);
  ring.unregisterPersonality(id);
  const stale = runOne(ring, (s) => {
    s.prepNop();
    s.personality = id;
  });
  assertEquals(stale.res, -EINVAL, "an unregistered id is refused");
  assertObjectMatch(assertThrows(() => ring.unregisterPersonality(id), UringError), {
    code: "EINVAL",
  });
});

Deno.test("Ring.registerSyncCancel() cancels a blocked pipe read and returns when it is gone", () => {
  using ring = new Ring({ entries: 8 });
  const [rd, wr] = makePipe();
  try {
    const buf = new Uint8Array(8);
    const park = (ud: number, fd: number | ReturnType<typeof fixed>) => {
      const sqe = ring.getSqe()!;
      sqe.prepRead(fd, buf, -1);
      sqe.userData = ud;
      ring.submit();
    };
    const take = (): Cqe => {
      assertEquals(ring.cqReady(), 1, "the CQE is posted by the time the call returns");
      return ring.waitCqe()!;
    };
    park(5, rd);
    assertEquals(ring.registerSyncCancel({ userData: 5 }), 0);
    assertEquals(take(), { userData: 5, res: -ECANCELED, flags: 0 });

    park(6, rd);
    park(7, rd);
    ring.registerSyncCancel({ fd: rd, all: true });
    const both = [ring.waitCqe()!, ring.waitCqe()!].map((c) => [c.userData, c.res]).sort();
    assertEquals(both, [[6, -ECANCELED], [7, -ECANCELED]]);

    using _files = ring.registerFiles([rd]);
    park(8, fixed(0));
    ring.registerSyncCancel({ fd: fixed(0) });
    assertEquals(take().res, -ECANCELED);

    park(9, rd);
    ring.registerSyncCancel({ any: true, timeout: 1000 });
    assertEquals(take().userData, 9);

    assertObjectMatch(
      assertThrows(() => ring.registerSyncCancel({ userData: 12345 }), UringError),
      { code: "ENOENT" },
    );
    assertThrows(
      () => ring.registerSyncCancel({ opcode: 300 }),
      RangeError,
      "opcode must be an integer in 0..255, got 300",
    );
    assertThrows(
      () => ring.registerSyncCancel({ userData: -1 }),
      RangeError,
      "userData must be an integer in 0..2**53-1, got -1",
    );
  } finally {
    closeFd(rd);
    closeFd(wr);
  }
});

const napi = (() => {
  using probe = new Ring({ entries: 2 });
  try {
    probe.registerNapi({ busyPollTimeout: 0 });
    return true;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "Ring.registerNapi()/unregisterNapi() set busy polling and report the old settings",
  ignore: !napi,
  fn() {
    using ring = new Ring({ entries: 4 });
    assertEquals(ring.registerNapi({ busyPollTimeout: 50, preferBusyPoll: true }), {
      busyPollTimeout: 0,
      preferBusyPoll: false,
    });
    assertEquals(ring.registerNapi({ busyPollTimeout: 20 }), {
      busyPollTimeout: 50,
      preferBusyPoll: true,
    });
    assertEquals(ring.unregisterNapi(), { busyPollTimeout: 20, preferBusyPoll: false });
    assertEquals(ring.unregisterNapi(), { busyPollTimeout: 0, preferBusyPoll: false });
    assertEquals(runOne(ring, (s) => s.prepNop(), 1).res, 0);
    assertThrows(
      () => ring.registerNapi({ busyPollTimeout: -1 }),
      RangeError,
      "busyPollTimeout must be an integer number of microseconds, got -1",
    );
    assertThrows(
      () => ring.registerNapi({ busyPollTimeout: 1, tracking: "x" as "static" }),
      TypeError,
      'tracking must be "dynamic" or "static", got x',
    );
  },
});

Deno.test("registration methods on a closed ring throw 'ring is closed'", () => {
  const ring = new Ring({ entries: 2 });
  ring.close();
  assertThrows(() => ring.registerBuffers(1, 8), Error, "ring is closed");
  assertThrows(() => ring.registerFiles(1), Error, "ring is closed");
  assertThrows(
    () => ring.registerBufRing({ group: 0, entries: 1, size: 8 }),
    Error,
    "ring is closed",
  );
  assertThrows(() => ring.registerEventfd(0), Error, "ring is closed");
  assertThrows(() => ring.registerPersonality(), Error, "ring is closed");
  assertThrows(() => ring.registerSyncCancel({ any: true }), Error, "ring is closed");
  assertThrows(() => ring.enableRings(), Error, "ring is closed");
});
