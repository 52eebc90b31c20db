import { assert, assertEquals } from "@std/assert";
import { AsyncRing, Op, PollEvent, PollFlag, Ring, Sock, SqeFlag } from "../../ffi/mod.ts";
import { closeFd, makePipe, openFd, reapPairs, runOne, tempFile } from "../_helpers.ts";

function reapAll(ring: Ring, n: number): number[] {
  return reapPairs(ring, n).map(([ud]) => ud);
}

Deno.test("Ring holds a read buffer until its CQE is reaped, then lets it go", () => {
  using f = tempFile("0123456789");
  const fd = openFd(f.path);
  using ring = new Ring({ entries: 8 });
  const sqe = ring.getSqe()!;
  sqe.prepRead(fd, new Uint8Array(4), 0);
  sqe.userData = 1;
  assertEquals(ring._heldCount(), 0, "nothing is held before the SQE is published");
  ring.submit();
  assert(ring.cqReady() === 1 || ring._heldCount() === 1);
  reapAll(ring, 1);
  assertEquals(ring._heldCount(), 0);
  closeFd(fd);
});

Deno.test("Ring: a multishot op armed before any buffer does not pin later buffers forever", () => {
  const [r, w] = makePipe();
  using f = tempFile("abcdefgh");
  const fd = openFd(f.path);
  using ring = new Ring({ entries: 8 });
  // A multishot poll that stays armed, published while the ring held no buffer yet.
  const poll = ring.getSqe()!;
  poll.prepPollMultishot(r, PollEvent.IN);
  poll.userData = 100;
  ring.submit();
  for (let i = 0; i < 3; i++) {
    const sqe = ring.getSqe()!;
    sqe.prepRead(fd, new Uint8Array(4), i);
    sqe.userData = i;
  }
  ring.submit();
  reapAll(ring, 3);
  assertEquals(ring._heldCount(), 0, "the reads' buffers are released once reaped");
  closeFd(w);
  closeFd(r);
  closeFd(fd);
});

Deno.test("Ring: a CQE_SKIP_SUCCESS op published first does not pin later buffers forever", () => {
  using f = tempFile("abcdefgh");
  const fd = openFd(f.path);
  using ring = new Ring({ entries: 8 });
  const nop = ring.getSqe()!;
  nop.prepNop();
  nop.flags |= SqeFlag.CQE_SKIP_SUCCESS;
  nop.userData = 50;
  ring.submit();
  const sqe = ring.getSqe()!;
  sqe.prepRead(fd, new Uint8Array(4), 0);
  sqe.userData = 1;
  ring.submit();
  assertEquals(reapAll(ring, 1), [1]);
  assertEquals(ring._heldCount(), 0);
  closeFd(fd);
});

Deno.test("Ring: ops sharing one user data keep all their buffers until the last completes", () => {
  const [r, w] = makePipe();
  using ring = new Ring({ entries: 8 });
  const blocked = ring.getSqe()!;
  blocked.prepRead(r, new Uint8Array(8), -1); // completes only when the pipe has data
  blocked.userData = 7;
  const quick = ring.getSqe()!;
  quick.prepNop();
  quick.userData = 7;
  ring.submit();
  assertEquals(reapAll(ring, 1), [7]); // the NOP
  assertEquals(ring._heldCount(), 1, "the pipe read's buffer is still held");
  const wr = ring.getSqe()!;
  wr.prepWrite(w, new Uint8Array([1, 2, 3]), -1);
  wr.userData = 8;
  ring.submit();
  reapAll(ring, 2);
  assertEquals(ring._heldCount(), 0);
  closeFd(w);
  closeFd(r);
});

Deno.test("AsyncRing: a long poll started first does not pin the buffers of later reads", async () => {
  using f = tempFile("abcdefgh");
  await using io = new AsyncRing({ entries: 16 });
  // A socket and a poll on it hold no buffer: both are only counted, and the poll stays in
  // flight (nothing ever arrives on this UDP socket) until it is aborted.
  const udp = await io.socket(Sock.AF_INET, Sock.SOCK_DGRAM);
  const ctl = new AbortController();
  const ready = io.poll(udp, PollEvent.IN, { signal: ctl.signal }).catch(() => "aborted");
  await io.nop(); // the poll goes to the kernel alone, before any op that holds a buffer
  const fd = await io.open(f.path);
  for (let i = 0; i < 8; i++) assertEquals(await io.read(fd, new Uint8Array(4), i % 4), 4);
  await io.closeFd(fd);
  assertEquals(io.ring._heldCount(), 0, "the reads' buffers are released");
  ctl.abort();
  assertEquals(await ready, "aborted");
  await io.closeFd(udp);
});

Deno.test("Ring: a raw multishot op (prepRw) switches tracking on: its CQEs never end a later read", () => {
  const [pr, pw] = makePipe(); // the poll's pipe
  const [rr, rw] = makePipe(); // the read's pipe: nothing written until the end
  using ring = new Ring({ entries: 8 });
  using writer = new Ring({ entries: 2 });
  const write = (fd: number) => runOne(writer, (s) => s.prepWrite(fd, new Uint8Array([1]), -1));
  // A multishot poll written by hand, before the ring ever held a buffer.
  const poll = ring.getSqe()!;
  poll.prepRw(Op.POLL_ADD, pr, null, PollFlag.ADD_MULTI, 0);
  poll.opFlags = PollEvent.IN;
  poll.userData = 7;
  ring.submit();
  write(pw);
  assertEquals(reapPairs(ring, 1).map(([ud]) => ud), [7]);
  // A read that shares the poll's user data and stays pending.
  const read = ring.getSqe()!;
  read.prepRead(rr, new Uint8Array(8), -1);
  read.userData = 7;
  ring.submit();
  write(pw); // another poll CQE (MORE) for user data 7
  assertEquals(reapPairs(ring, 1).map(([ud]) => ud), [7]);
  assertEquals(ring._heldCount(), 1, "the read's buffer is still held");
  const remove = ring.getSqe()!;
  remove.prepPollRemove(7);
  remove.userData = 8;
  ring.submit();
  reapPairs(ring, 2); // the poll's final CQE and the remove's
  assertEquals(ring._heldCount(), 1, "the poll's final CQE did not release the read's buffer");
  write(rw);
  assertEquals(reapPairs(ring, 1), [[7, 1]]);
  assertEquals(ring._heldCount(), 0);
  for (const fd of [pr, pw, rr, rw]) closeFd(fd);
});
