// poll(2) and epoll through io_uring: one-shot and multishot polls on pipes, removing and
// updating armed polls, epoll_ctl and epoll_wait.
import { assert, assertEquals, assertGreaterOrEqual } from "@std/assert";
import { type Cqe, CqeFlag, Op, PollEvent, PollFlag, Ring, type Sqe } from "../../ffi/mod.ts";
import { closeFd, makePipe, runOne } from "../_helpers.ts";

const ECANCELED = 125;
const ENOENT = 2;
const EINVAL = 22;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;

const probed = new Ring({ entries: 1 });
const supported = new Set(Object.values(Op).filter((op) => probed.supports(op)));
probed.close();
/** Whether the running kernel has opcode `op`; tests that need it are ignored otherwise. */
function kernelHas(op: number): boolean {
  return supported.has(op as Op);
}

/** Arms an SQE with user data `ud` and submits it without waiting. */
function arm(ring: Ring, ud: number, prep: (sqe: Sqe) => void) {
  const sqe = ring.getSqe()!;
  prep(sqe);
  sqe.userData = ud;
  assertEquals(ring.submit(), 1);
}

/** Takes `n` CQEs, blocking until they are there, sorted by user data. */
function reap(ring: Ring, n: number): Cqe[] {
  const out: Cqe[] = [];
  while (out.length < n) out.push(ring.waitCqe()!);
  return out.sort((a, b) => a.userData - b.userData);
}

/** Writes through `io`, a second ring, so that its CQEs stay apart from the polls' ring. */
function write(io: Ring, fd: number, text: string): void {
  assertEquals(
    runOne(io, (s) => s.prepWrite(fd, new TextEncoder().encode(text), -1)).res,
    text.length,
  );
}

function read(io: Ring, fd: number): string {
  const buf = new Uint8Array(256);
  const n = runOne(io, (s) => s.prepRead(fd, buf, -1)).res;
  assertGreaterOrEqual(n, 0, `read: ${n}`);
  return new TextDecoder().decode(buf.subarray(0, n));
}

Deno.test("Sqe.prepPollAdd() completes with POLLIN once a pipe has data", () => {
  using ring = new Ring({ entries: 8 });
  using io = new Ring({ entries: 4 });
  const [r, w] = makePipe();
  arm(ring, 6, (s) => s.prepPollAdd(r, PollEvent.IN));
  assertEquals(ring.peekCqe(), null, "nothing to read yet");
  write(io, w, "x");
  const cqe = ring.waitCqe()!;
  assertEquals(cqe.userData, 6);
  assert(cqe.res & PollEvent.IN, `mask ${cqe.res}`);
  assertEquals(cqe.flags & CqeFlag.MORE, 0, "one-shot");
  assertEquals(read(io, r), "x");
  closeFd(r);
  closeFd(w);
});

Deno.test("Sqe.prepPollAdd() reports POLLOUT at once and POLLHUP when the writer closes", () => {
  using ring = new Ring({ entries: 8 });
  const [r, w] = makePipe();
  const out = runOne(ring, (s) => s.prepPollAdd(w, PollEvent.OUT));
  assert(out.res & PollEvent.OUT);
  arm(ring, 2, (s) => s.prepPollAdd(r, PollEvent.IN));
  closeFd(w);
  const hup = ring.waitCqe()!;
  assertEquals(hup.userData, 2);
  assert(hup.res & PollEvent.HUP, `mask ${hup.res}`);
  closeFd(r);
});

Deno.test("Sqe.prepPollMultishot() posts a CQE with MORE each time the pipe becomes readable", () => {
  using ring = new Ring({ entries: 8 });
  using io = new Ring({ entries: 4 });
  const [r, w] = makePipe();
  arm(ring, 60, (s) => s.prepPollMultishot(r, PollEvent.IN));
  for (const text of ["one", "two", "three"]) {
    write(io, w, text);
    const cqe = ring.waitCqe()!;
    assertEquals(cqe.userData, 60);
    assert(cqe.res & PollEvent.IN);
    assert(cqe.flags & CqeFlag.MORE, "the poll stays armed");
    assertEquals(read(io, r), text);
  }
  assertEquals(ring.peekCqe(), null, "no CQE without a new event");
  // removing it ends the multishot: the poll's last CQE has no MORE
  arm(ring, 70, (s) => s.prepPollRemove(60));
  const [poll, remove] = reap(ring, 2);
  assertEquals([poll.userData, poll.res], [60, -ECANCELED]);
  assertEquals(poll.flags & CqeFlag.MORE, 0);
  assertEquals([remove.userData, remove.res], [70, 0]);
  closeFd(r);
  closeFd(w);
});

Deno.test("Sqe.prepPollRemove() cancels an armed poll and reports ENOENT for no match", () => {
  using ring = new Ring({ entries: 8 });
  const [r, w] = makePipe();
  arm(ring, 11, (s) => s.prepPollAdd(r, PollEvent.IN));
  arm(ring, 12, (s) => s.prepPollRemove(11));
  const [poll, remove] = reap(ring, 2);
  assertEquals([poll.userData, poll.res], [11, -ECANCELED]);
  assertEquals([remove.userData, remove.res], [12, 0]);
  assertEquals(runOne(ring, (s) => s.prepPollRemove(11)).res, -ENOENT);
  closeFd(r);
  closeFd(w);
});

Deno.test("Sqe.prepPollUpdate() changes the events and the user data of an armed poll", () => {
  using ring = new Ring({ entries: 8 });
  using io = new Ring({ entries: 4 });
  const [r, w] = makePipe();
  // armed for POLLPRI, which a pipe never raises
  arm(ring, 20, (s) => s.prepPollAdd(r, PollEvent.PRI));
  write(io, w, "data");
  assertEquals(ring.peekCqe(), null, "POLLPRI does not fire on data");
  arm(
    ring,
    21,
    (s) =>
      s.prepPollUpdate(20, 22, PollEvent.IN, PollFlag.UPDATE_EVENTS | PollFlag.UPDATE_USER_DATA),
  );
  const [update, poll] = reap(ring, 2);
  assertEquals([update.userData, update.res], [21, 0]);
  assertEquals(poll.userData, 22, "the CQE carries the new user data");
  assert(poll.res & PollEvent.IN);
  assertEquals(read(io, r), "data");
  // nothing armed under user data 20 any more
  assertEquals(
    runOne(ring, (s) => s.prepPollUpdate(20, 23, 0, PollFlag.UPDATE_USER_DATA)).res,
    -ENOENT,
  );
  closeFd(r);
  closeFd(w);
});

Deno.test("Sqe.prepPollUpdate() can turn a one-shot poll's user data without firing it", () => {
  using ring = new Ring({ entries: 8 });
  using io = new Ring({ entries: 4 });
  const [r, w] = makePipe();
  arm(ring, 30, (s) => s.prepPollAdd(r, PollEvent.IN));
  assertEquals(
    runOne(ring, (s) => s.prepPollUpdate(30, 31, 0, PollFlag.UPDATE_USER_DATA), 32).res,
    0,
  );
  assertEquals(ring.peekCqe(), null);
  write(io, w, "z");
  const cqe = ring.waitCqe()!;
  assertEquals(cqe.userData, 31);
  assert(cqe.res & PollEvent.IN);
  closeFd(r);
  closeFd(w);
});

// io_uring has no op for epoll_create1(2) and Deno exposes no raw fds, so an epoll instance comes
// from libc over FFI, here in the test only (the library itself stays on its one shim).
function epollCreate(): number | undefined {
  let libc;
  try {
    libc = Deno.dlopen("libc.so.6", { epoll_create1: { parameters: ["i32"], result: "i32" } });
  } catch {
    return undefined;
  }
  try {
    const fd = libc.symbols.epoll_create1(0o2000000 /* EPOLL_CLOEXEC */);
    return fd >= 0 ? fd : undefined;
  } finally {
    libc.close();
  }
}

Deno.test({
  name: "Sqe.prepEpollCtl() and prepEpollWait() watch a pipe through an epoll instance",
  ignore: !kernelHas(Op.EPOLL_WAIT),
  fn() {
    const ep = epollCreate();
    assert(ep !== undefined, "epoll_create1 through libc");
    using ring = new Ring({ entries: 8 });
    using io = new Ring({ entries: 4 });
    const [r, w] = makePipe();
    const data = 2 ** 40 + 5; // a 64-bit epoll_data
    assertEquals(
      runOne(ring, (s) => s.prepEpollCtl(ep, r, EPOLL_CTL_ADD, PollEvent.IN, data)).res,
      0,
    );
    // adding the same fd twice is EEXIST, as with epoll_ctl(2)
    assertEquals(runOne(ring, (s) => s.prepEpollCtl(ep, r, EPOLL_CTL_ADD, PollEvent.IN)).res, -17);
    const events = new Uint8Array(12 * 4);
    arm(ring, 59, (s) => s.prepEpollWait(ep, events, 4));
    assertEquals(ring.peekCqe(), null, "epoll_wait waits for an event");
    write(io, w, "wake");
    const cqe = ring.waitCqe()!;
    assertEquals([cqe.userData, cqe.res], [59, 1]);
    const v = new DataView(events.buffer);
    assert(v.getUint32(0, true) & PollEvent.IN);
    assertEquals(v.getUint32(4, true) + v.getUint32(8, true) * 2 ** 32, data);
    // MOD changes the data, DEL removes the fd
    assertEquals(runOne(ring, (s) => s.prepEpollCtl(ep, r, EPOLL_CTL_MOD, PollEvent.IN, 7)).res, 0);
    assertEquals(runOne(ring, (s) => s.prepEpollWait(ep, events, 4)).res, 1);
    assertEquals(v.getUint32(4, true), 7);
    assertEquals(runOne(ring, (s) => s.prepEpollCtl(ep, r, EPOLL_CTL_DEL)).res, 0);
    assertEquals(runOne(ring, (s) => s.prepEpollCtl(ep, r, EPOLL_CTL_DEL)).res, -ENOENT);
    closeFd(r);
    closeFd(w);
    closeFd(ep);
  },
});

Deno.test({
  name: "Sqe.prepEpollCtl() and prepEpollWait() fail with EINVAL on a fd that is not epoll",
  ignore: !kernelHas(Op.EPOLL_CTL),
  fn() {
    using ring = new Ring({ entries: 8 });
    const [r, w] = makePipe();
    assertEquals(
      runOne(ring, (s) => s.prepEpollCtl(r, w, EPOLL_CTL_ADD, PollEvent.OUT)).res,
      -EINVAL,
    );
    if (kernelHas(Op.EPOLL_WAIT)) {
      assertEquals(runOne(ring, (s) => s.prepEpollWait(r, new Uint8Array(12), 1)).res, -EINVAL);
    }
    closeFd(r);
    closeFd(w);
  },
});
