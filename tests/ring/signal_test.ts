// Blocking waits under a storm of signals: with any signal handler installed, a signal ends the
// kernel's wait in io_uring_enter early (EINTR, or the number submitted when the same call
// submitted SQEs). Each blocking call must keep its documented meaning: wait the full time, or
// until the CQEs it was asked for are there.
import { assertEquals, assertGreater, assertGreaterOrEqual, assertLess } from "@std/assert";
import { closeFd, makePipe } from "../_helpers.ts";
import { AsyncRing, CqeBatch, Errno, Ring } from "../../ffi/mod.ts";

/** How early a 300 ms wait may end: timer slack and clock granularity only. */
const MIN_MS = 290;

/** The signals and the delayed writes come from `bash` (its `kill` and `read -t` builtins). */
const hasBash = (() => {
  try {
    return new Deno.Command("bash", { args: ["-c", "exit 0"] }).outputSync().success;
  } catch {
    return false;
  }
})();
/** Deno.test, or Deno.test.ignore without bash. */
const test = hasBash ? Deno.test : Deno.test.ignore;

interface Storm extends AsyncDisposable {
  /** Signals the listener has seen so far (it runs on the event loop, after a blocking wait). */
  received(): number;
}

/**
 * Sends SIGUSR2 to this thread (or to every thread of the process, such as the one AsyncRing
 * waits on) about every millisecond from a child shell (for 10 s at most) until disposed. With
 * the listener installed, each signal ends a wait in io_uring_enter.
 */
async function signalStorm(everyThread = false): Promise<Storm> {
  let received = 0;
  const onSignal = () => received++;
  Deno.addSignalListener("SIGUSR2", onSignal);
  // The thread that runs this code (under `deno test` not the main thread, which would take
  // signals sent to the process): kill(2) on a thread id prefers that thread.
  const tid = Deno.readLinkSync("/proc/thread-self").split("/").pop();
  // `read -t` on a pipe that never has data: a 1 ms sleep without a fork per signal.
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      `exec 9<> <(:); for i in $(seq 10000); do ` +
      (everyThread
        ? `for t in /proc/${Deno.pid}/task/*; do kill -USR2 \${t##*/} 2>/dev/null; done; ` +
          `[ -d /proc/${Deno.pid} ] || exit 0; `
        : `kill -USR2 ${tid} || exit 0; `) +
      `read -t 0.001 -u 9; done`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  while (received < 3) await new Promise((res) => setTimeout(res, 1));
  return {
    received: () => received,
    async [Symbol.asyncDispose]() {
      child.kill("SIGKILL");
      await child.status;
      await new Promise((res) => setTimeout(res, 10)); // signals still queued reach the listener
      Deno.removeSignalListener("SIGUSR2", onSignal);
    },
  };
}

/** Milliseconds `fn` blocks for, with its result. */
function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

/** Signals arrived while the wait blocked (the listener sees them once the event loop turns). */
async function assertStormed(storm: Storm, before: number): Promise<void> {
  await new Promise((res) => setTimeout(res, 5));
  // Signals that arrive while the event loop is blocked reach the listener as one event.
  assertGreater(storm.received(), before, "no signal arrived during the wait");
}

/** Writes one byte into pipe `fd` of this process after `ms`, from a child (the main thread blocks). */
function writeLater(fd: number, ms: number): Deno.ChildProcess {
  return new Deno.Command("bash", {
    args: ["-c", `sleep ${ms / 1000}; printf x > /proc/${Deno.pid}/fd/${fd}`],
  }).spawn();
}

test("Ring.submitAndWait(1) under signals waits for a 300 ms timeout's CQE", async () => {
  await using storm = await signalStorm();
  using ring = new Ring({ entries: 4 });
  ring.getSqe()!.prepTimeout(300);
  const before = storm.received();
  const [submitted, ms] = timed(() => ring.submitAndWait(1));
  await assertStormed(storm, before);
  assertEquals(submitted, 1);
  assertGreaterOrEqual(ms, MIN_MS);
  assertEquals(ring.cqReady(), 1);
  assertEquals(ring.waitCqe()!.res, -Errno.ETIME);
});

test("Ring.submitAndWaitTimeout(1, 300) under signals waits the whole 300 ms", async () => {
  await using storm = await signalStorm();
  using ring = new Ring({ entries: 4 });
  const before = storm.received();
  const [, ms] = timed(() => ring.submitAndWaitTimeout(1, 300));
  await assertStormed(storm, before);
  assertGreaterOrEqual(ms, MIN_MS);
  assertLess(ms, 2000);
  assertEquals(ring.cqReady(), 0);
  // With an op that completes first, it returns with the op's CQE, not at the timeout.
  ring.getSqe()!.prepTimeout(300);
  const [submitted, ms2] = timed(() => ring.submitAndWaitTimeout(1, 2000));
  assertEquals(submitted, 1);
  assertGreaterOrEqual(ms2, MIN_MS);
  assertLess(ms2, 1500);
  assertEquals(ring.waitCqe()!.res, -Errno.ETIME);
});

test("Ring.waitCqe({ sec: 1 }) under signals returns the CQE that arrives after 300 ms", async () => {
  await using storm = await signalStorm();
  using ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  sqe.prepTimeout(300);
  sqe.userData = 42;
  ring.submit();
  const before = storm.received();
  const [cqe, ms] = timed(() => ring.waitCqe({ sec: 1, nsec: 0 }));
  await assertStormed(storm, before);
  assertEquals(cqe, { userData: 42, res: -Errno.ETIME, flags: 0 });
  assertGreaterOrEqual(ms, MIN_MS);
  assertLess(ms, 1000);
  // Nothing in flight: null, but only once the whole timeout has passed.
  const [none, ms2] = timed(() => ring.waitCqe(300));
  assertEquals(none, null);
  assertGreaterOrEqual(ms2, MIN_MS);
});

test("Ring.waitCqe() under signals waits for the CQE", async () => {
  await using storm = await signalStorm();
  using ring = new Ring({ entries: 4 });
  ring.getSqe()!.prepTimeout(300);
  ring.submit();
  const before = storm.received();
  const [cqe, ms] = timed(() => ring.waitCqe());
  await assertStormed(storm, before);
  assertEquals(cqe!.res, -Errno.ETIME);
  assertGreaterOrEqual(ms, MIN_MS);
});

test("Ring.copyCqes(batch, 2) and peekCqes(2) under signals wait for both CQEs", async () => {
  await using storm = await signalStorm();
  using ring = new Ring({ entries: 4 });
  const [r, w] = makePipe();
  const batch = new CqeBatch(4);
  for (const waitFor of ["copyCqes", "peekCqes"] as const) {
    ring.getSqe()!.prepNop();
    ring.getSqe()!.prepRead(r, new Uint8Array(1), -1);
    ring.submit();
    const writer = writeLater(w, 300);
    const before = storm.received();
    const [n, ms] = timed(() =>
      waitFor === "copyCqes" ? ring.copyCqes(batch, 2) : ring.peekCqes(2).length
    );
    await writer.status;
    await assertStormed(storm, before);
    assertEquals(n, 2, waitFor);
    assertGreaterOrEqual(ms, MIN_MS, waitFor);
    if (waitFor === "peekCqes") ring.cqAdvance(2);
  }
  closeFd(r);
  closeFd(w);
});

test("Ring.submitAndWait(2) and submitAndWaitTimeout(2) under signals wait for the second CQE", async () => {
  await using storm = await signalStorm();
  using ring = new Ring({ entries: 4 });
  const [r, w] = makePipe();
  for (const call of ["submitAndWait", "submitAndWaitTimeout"] as const) {
    ring.getSqe()!.prepNop();
    ring.getSqe()!.prepRead(r, new Uint8Array(1), -1);
    const writer = writeLater(w, 300);
    const before = storm.received();
    const [submitted, ms] = timed(() =>
      call === "submitAndWait" ? ring.submitAndWait(2) : ring.submitAndWaitTimeout(2, 5000)
    );
    await writer.status;
    await assertStormed(storm, before);
    assertEquals(submitted, 2, call);
    assertGreaterOrEqual(ms, MIN_MS, call);
    assertLess(ms, 4000, call);
    assertEquals(ring.copyCqes(new CqeBatch(4)), 2, call);
  }
  closeFd(r);
  closeFd(w);
});

test("Ring.submitAndWait(2) still returns when a timeout op expires (kernel semantics)", async () => {
  await using storm = await signalStorm();
  using ring = new Ring({ entries: 4 });
  const [r, w] = makePipe();
  // An expiring timeout op wakes every waiter, whatever min_complete is (io_uring_enter(2)); a
  // wait for 2 CQEs with a read that never completes then returns with the timeout's CQE.
  ring.getSqe()!.prepRead(r, new Uint8Array(1), -1);
  ring.getSqe()!.prepTimeout(200);
  const before = storm.received();
  const [, ms] = timed(() => ring.submitAndWait(2));
  await assertStormed(storm, before);
  assertGreaterOrEqual(ms, 190);
  assertLess(ms, 5000);
  assertEquals(ring.waitCqe()!.res, -Errno.ETIME);
  closeFd(w); // the read ends with EOF
  assertEquals(ring.waitCqe()!.res, 0);
  closeFd(r);
});

test("AsyncRing under signals: a 300 ms timeout and a pipe read settle when they should", async () => {
  await using storm = await signalStorm(true);
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  const t0 = performance.now();
  const buf = new Uint8Array(4);
  const read = io.read(r, buf, -1);
  const timer = io.timeout(300);
  setTimeout(() => io.write(w, new Uint8Array([1, 2, 3]), -1), 100);
  assertEquals(await read, 3);
  const readMs = performance.now() - t0;
  await timer;
  const ms = performance.now() - t0;
  assertGreaterOrEqual(readMs, 90);
  assertGreaterOrEqual(ms, MIN_MS);
  assertLess(ms, 2000);
  assertGreaterOrEqual(storm.received(), 1);
  await io.closeFd(r);
  await io.closeFd(w);
});
