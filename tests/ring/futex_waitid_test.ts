// Futexes, waitid(2), and the file-table and provided-buffer ops: FIXED_FD_INSTALL,
// FILES_UPDATE, PROVIDE/REMOVE_BUFFERS and READ_MULTISHOT.
import { assert, assertEquals, assertGreaterOrEqual, assertThrows } from "@std/assert";
import {
  CqeFlag,
  FILE_INDEX_ALLOC,
  fixed,
  FIXED_FD_NO_CLOEXEC,
  Futex2,
  FUTEX_BITSET_MATCH_ANY,
  Op,
  OpenFlag,
  RegisterOp,
  Ring,
  type Sqe,
  SqeFlag,
} from "../../ffi/mod.ts";
import { closeFd, makePipe, runOne } from "../_helpers.ts";

const EAGAIN = 11;
const EBADF = 9;
const ECHILD = 10;
const ENOENT = 2;
const P_PID = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const SIGCHLD = 17;
const CLD_EXITED = 1;
const FLAGS = Futex2.SIZE_U32 | Futex2.PRIVATE;

const probed = new Ring({ entries: 1 });
const supported = new Set(Object.values(Op).filter((op) => probed.supports(op)));
probed.close();
/** Whether the running kernel has opcode `op`; tests that need it are ignored otherwise. */
function kernelHas(op: number): boolean {
  return supported.has(op as Op);
}

/** Prepares one SQE with user data `ud` and submits it without waiting. */
function arm(ring: Ring, ud: number, prep: (sqe: Sqe) => void): void {
  const sqe = ring.getSqe()!;
  prep(sqe);
  sqe.userData = ud;
  assertEquals(ring.submit(), 1);
}

/** Registers a file table of `fds` (-1: empty slot) with raw `IORING_REGISTER_FILES`. */
function registerFiles(ring: Ring, fds: number[]): void {
  const table = Int32Array.from(fds);
  assertEquals(ring.register(RegisterOp.FILES, new Uint8Array(table.buffer), fds.length), 0);
}

function fdFlags(fd: number): number {
  const m = Deno.readTextFileSync(`/proc/self/fdinfo/${fd}`).match(/^flags:\s+([0-7]+)$/m);
  assert(m);
  return parseInt(m[1], 8);
}

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test({
  name: "Sqe.prepFutexWait() sleeps until prepFutexWake() on the same ring wakes it",
  ignore: !kernelHas(Op.FUTEX_WAIT),
  fn() {
    using ring = new Ring({ entries: 8 });
    const word = new Int32Array(new SharedArrayBuffer(4));
    arm(ring, 1, (s) => s.prepFutexWait(word, 0, FUTEX_BITSET_MATCH_ANY, FLAGS));
    assertEquals(ring.waitCqe(20), null, "the waiter sleeps while the word holds 0");
    Atomics.store(word, 0, 1);
    arm(ring, 2, (s) => s.prepFutexWake(word, 1, FUTEX_BITSET_MATCH_ANY, FLAGS));
    const cqes = [ring.waitCqe()!, ring.waitCqe()!].sort((a, b) => a.userData - b.userData);
    assertEquals(cqes.map((c) => [c.userData, c.res]), [[1, 0], [2, 1]]);
    // nobody left to wake
    assertEquals(
      runOne(ring, (s) => s.prepFutexWake(word, 1, FUTEX_BITSET_MATCH_ANY, FLAGS)).res,
      0,
    );
  },
});

Deno.test({
  name: "Sqe.prepFutexWait() fails with EAGAIN when the word does not hold the value",
  ignore: !kernelHas(Op.FUTEX_WAIT),
  fn() {
    using ring = new Ring({ entries: 8 });
    const word = new Int32Array(new SharedArrayBuffer(8));
    word[0] = 5;
    assertEquals(
      runOne(ring, (s) => s.prepFutexWait(word, 4, FUTEX_BITSET_MATCH_ANY, FLAGS)).res,
      -EAGAIN,
    );
  },
});

Deno.test({
  name: "Sqe.prepFutexWake() wakes only waiters whose bitset matches its mask",
  ignore: !kernelHas(Op.FUTEX_WAKE),
  fn() {
    using ring = new Ring({ entries: 8 });
    const word = new Int32Array(new SharedArrayBuffer(4));
    arm(ring, 10, (s) => s.prepFutexWait(word, 0, 0b01, FLAGS));
    arm(ring, 11, (s) => s.prepFutexWait(word, 0, 0b10, FLAGS));
    assertEquals(runOne(ring, (s) => s.prepFutexWake(word, 10, 0b10, FLAGS), 12).res, 1);
    assertEquals(ring.waitCqe(), { userData: 11, res: 0, flags: 0 });
    assertEquals(ring.waitCqe(20), null, "the 0b01 waiter still sleeps");
    assertEquals(runOne(ring, (s) => s.prepFutexWake(word, 10, 0b01, FLAGS), 13).res, 1);
    assertEquals(ring.waitCqe(), { userData: 10, res: 0, flags: 0 });
  },
});

Deno.test({
  name: "Sqe.prepFutexWaitv() completes with the index of the futex that was woken",
  ignore: !kernelHas(Op.FUTEX_WAITV),
  fn() {
    using ring = new Ring({ entries: 8 });
    const sab = new SharedArrayBuffer(16);
    const a = new Int32Array(sab, 0, 1), b = new Int32Array(sab, 8, 1);
    arm(ring, 53, (s) => s.prepFutexWaitv([{ futex: a, val: 0 }, { futex: b, val: 0 }]));
    assertEquals(ring.waitCqe(20), null);
    assertEquals(runOne(ring, (s) => s.prepFutexWake(b, 1, FUTEX_BITSET_MATCH_ANY, FLAGS)).res, 1);
    assertEquals(ring.waitCqe(), { userData: 53, res: 1, flags: 0 });
    // a value that does not match: EAGAIN at once
    b[0] = 9;
    assertEquals(
      runOne(ring, (s) => s.prepFutexWaitv([{ futex: a, val: 0 }, { futex: b, val: 0 }])).res,
      -EAGAIN,
    );
  },
});

Deno.test({
  name: "Sqe.prepWaitid() reports a Deno.Command child's exit status",
  ignore: !kernelHas(Op.WAITID),
  async fn() {
    using ring = new Ring({ entries: 8 });
    const child = new Deno.Command("sh", {
      args: ["-c", "exit 7"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // WNOWAIT leaves the zombie for Deno, which reaps its children itself (child.status);
    // reaping it here would make Deno's own waitpid fail with ECHILD.
    const info = new Uint8Array(128);
    const cqe = runOne(ring, (s) => s.prepWaitid(P_PID, child.pid, info, WEXITED | WNOWAIT));
    assertEquals(cqe.res, 0);
    const v = new DataView(info.buffer);
    assertEquals(v.getInt32(0, true), SIGCHLD, "si_signo");
    assertEquals(v.getInt32(8, true), CLD_EXITED, "si_code");
    assertEquals(v.getInt32(16, true), child.pid, "si_pid");
    assertEquals(v.getInt32(24, true), 7, "si_status: the exit code");
    const status = await child.status;
    assertEquals(status.code, 7);
  },
});

Deno.test({
  name: "Sqe.prepWaitid() fails with ECHILD for a process that is not our child",
  ignore: !kernelHas(Op.WAITID),
  fn() {
    using ring = new Ring({ entries: 8 });
    assertEquals(runOne(ring, (s) => s.prepWaitid(P_PID, 1, null, WEXITED)).res, -ECHILD);
  },
});

Deno.test({
  name: "Sqe.prepFixedFdInstall() turns a fixed file into a working real fd",
  ignore: !kernelHas(Op.FIXED_FD_INSTALL),
  fn() {
    using ring = new Ring({ entries: 8 });
    const [r, w] = makePipe();
    registerFiles(ring, [w, -1]);
    const fd = runOne(ring, (s) => s.prepFixedFdInstall(0)).res;
    assert(fd >= 0 && fd !== w, `installed fd ${fd}`);
    assertEquals(fdFlags(fd) & OpenFlag.CLOEXEC, OpenFlag.CLOEXEC, "close-on-exec by default");
    assertEquals(Deno.readLinkSync(`/proc/self/fd/${fd}`), Deno.readLinkSync(`/proc/self/fd/${w}`));
    const text = enc.encode("via the installed fd");
    assertEquals(runOne(ring, (s) => s.prepWrite(fd, text, -1)).res, text.byteLength);
    const buf = new Uint8Array(64);
    const n = runOne(ring, (s) => s.prepRead(r, buf, -1)).res;
    assertEquals(dec.decode(buf.subarray(0, n)), "via the installed fd");
    const keep = runOne(ring, (s) => s.prepFixedFdInstall(0, FIXED_FD_NO_CLOEXEC)).res;
    assertGreaterOrEqual(keep, 0);
    assertEquals(fdFlags(keep) & OpenFlag.CLOEXEC, 0, "FIXED_FD_NO_CLOEXEC");
    // an empty slot has nothing to install
    assertEquals(runOne(ring, (s) => s.prepFixedFdInstall(1)).res, -EBADF);
    for (const x of [fd, keep, r, w]) closeFd(x);
  },
});

Deno.test("Sqe.prepFilesUpdate() fills, empties and allocates file-table slots", () => {
  using ring = new Ring({ entries: 8 });
  const [r, w] = makePipe();
  registerFiles(ring, [-1, -1, -1, -1]);
  const text = enc.encode("slot");
  assertEquals(runOne(ring, (s) => s.prepFilesUpdate(Int32Array.of(w), 1)).res, 1);
  assertEquals(runOne(ring, (s) => s.prepWrite(fixed(1), text, -1)).res, 4);
  // -1 empties the slot again
  assertEquals(runOne(ring, (s) => s.prepFilesUpdate(Int32Array.of(-1), 1)).res, 1);
  assertEquals(runOne(ring, (s) => s.prepWrite(fixed(1), text, -1)).res, -EBADF);
  // FILE_INDEX_ALLOC: the kernel picks slots and writes them back into the array
  const fds = Int32Array.of(w, r);
  assertEquals(runOne(ring, (s) => s.prepFilesUpdate(fds, FILE_INDEX_ALLOC)).res, 2);
  assert(fds[0] >= 0 && fds[0] < 4 && fds[1] >= 0 && fds[1] < 4 && fds[0] !== fds[1]);
  assertEquals(runOne(ring, (s) => s.prepWrite(fixed(fds[0]), text, -1)).res, 4);
  const buf = new Uint8Array(16);
  assertEquals(runOne(ring, (s) => s.prepRead(fixed(fds[1]), buf, -1)).res, 8);
  assertEquals(dec.decode(buf.subarray(0, 8)), "slotslot");
  closeFd(r);
  closeFd(w);
});

Deno.test("Sqe.prepProvideBuffers() and prepRemoveBuffers() hand buffers over and back", () => {
  using ring = new Ring({ entries: 8 });
  const region = new Uint8Array(8 * 16);
  assertEquals(runOne(ring, (s) => s.prepProvideBuffers(region, 16, 8, 4, 100)).res, 0);
  assertEquals(runOne(ring, (s) => s.prepRemoveBuffers(3, 4)).res, 3);
  assertEquals(runOne(ring, (s) => s.prepRemoveBuffers(10, 4)).res, 5, "only 5 were left");
  assertEquals(runOne(ring, (s) => s.prepRemoveBuffers(1, 4)).res, 0, "the group is empty");
  assertEquals(runOne(ring, (s) => s.prepRemoveBuffers(1, 12)).res, -ENOENT, "no such group");
  {
    // a region too small for nr x len is refused before anything reaches the kernel (on a
    // throwaway ring: the SQE taken stays in its SQ as a NOP)
    using other = new Ring({ entries: 2 });
    assertThrows(
      () => other.getSqe()!.prepProvideBuffers(region, 16, 9, 4, 0),
      RangeError,
      "region of 128 bytes is smaller than 9 x 16",
    );
  }
  // a buffer-select read takes a provided buffer and names it in the CQE
  const [r, w] = makePipe();
  assertEquals(runOne(ring, (s) => s.prepProvideBuffers(region, 16, 2, 6, 40)).res, 0);
  assertEquals(runOne(ring, (s) => s.prepWrite(w, enc.encode("picked"), -1)).res, 6);
  const cqe = runOne(ring, (s) => {
    s.prepRw(Op.READ, r, null, 16, -1);
    s.bufGroup = 6;
    s.flags |= SqeFlag.BUFFER_SELECT;
  });
  assertEquals(cqe.res, 6);
  assert(cqe.flags & CqeFlag.BUFFER);
  const bid = cqe.flags >>> 16;
  assert(bid === 40 || bid === 41, `bid ${bid}`);
  const at = (bid - 40) * 16;
  assertEquals(dec.decode(region.subarray(at, at + 6)), "picked");
  closeFd(r);
  closeFd(w);
});

Deno.test({
  name: "Sqe.prepReadMultishot() reads a pipe into provided buffers, one CQE per write",
  ignore: !kernelHas(Op.READ_MULTISHOT),
  fn() {
    using ring = new Ring({ entries: 8 });
    using io = new Ring({ entries: 4 });
    const [r, w] = makePipe();
    const SIZE = 32, COUNT = 4, GROUP = 9;
    const region = new Uint8Array(SIZE * COUNT);
    assertEquals(runOne(ring, (s) => s.prepProvideBuffers(region, SIZE, COUNT, GROUP, 0)).res, 0);
    arm(ring, 49, (s) => s.prepReadMultishot(r, 0, 0, GROUP));
    const got: string[] = [];
    const bids = new Set<number>();
    for (const text of ["alpha", "beta", "gamma"]) {
      assertEquals(runOne(io, (s) => s.prepWrite(w, enc.encode(text), -1)).res, text.length);
      const cqe = ring.waitCqe()!;
      assertEquals(cqe.userData, 49);
      assertEquals(cqe.res, text.length);
      assert(cqe.flags & CqeFlag.BUFFER);
      assert(cqe.flags & CqeFlag.MORE, "multishot goes on");
      const bid = cqe.flags >>> 16;
      bids.add(bid);
      got.push(dec.decode(region.subarray(bid * SIZE, bid * SIZE + cqe.res)));
    }
    assertEquals(got, ["alpha", "beta", "gamma"]);
    assertEquals(bids.size, 3);
    // EOF ends it
    closeFd(w);
    const end = ring.waitCqe()!;
    assertEquals(end.userData, 49);
    assertEquals(end.res, 0);
    assertEquals(end.flags & CqeFlag.MORE, 0);
    closeFd(r);
  },
});
