// IORING_OP_MSG_RING: posting CQEs and passing fixed files from one ring to another.
import { assert, assertEquals } from "@std/assert";
import { FILE_INDEX_ALLOC, fixed, MsgRingFlag, Op, RegisterOp, Ring } from "../../ffi/mod.ts";
import { closeFd, makePipe, runOne } from "../_helpers.ts";

const EBADFD = 77;
const EINVAL = 22;
const EBADF = 9;

const probed = new Ring({ entries: 1 });
const supported = new Set(Object.values(Op).filter((op) => probed.supports(op)));
probed.close();
const ignore = !supported.has(Op.MSG_RING);

/** Registers a file table of `fds` (-1: empty slot) with raw `IORING_REGISTER_FILES`. */
function registerFiles(ring: Ring, fds: number[]): void {
  const table = Int32Array.from(fds);
  assertEquals(ring.register(RegisterOp.FILES, new Uint8Array(table.buffer), fds.length), 0);
}

Deno.test({
  name: "Sqe.prepMsgRing() posts a CQE on the target ring with res = len and userData = data",
  ignore,
  fn() {
    using source = new Ring({ entries: 8 });
    using target = new Ring({ entries: 8 });
    const data = 2 ** 40 + 3;
    const sent = runOne(source, (s) => s.prepMsgRing(target.fd, 1234, data), 5);
    assertEquals([sent.userData, sent.res], [5, 0]);
    const got = target.waitCqe(1000);
    assert(got !== null, "a CQE arrived on the target");
    assertEquals(got, { userData: data, res: 1234, flags: 0 });
    assertEquals(source.peekCqe(), null, "nothing more on the source");
    assertEquals(target.peekCqe(), null);
  },
});

Deno.test({
  name: "Sqe.prepMsgRing() refuses MsgRingFlag.CQE_SKIP (EINVAL): it is for passing files",
  ignore,
  fn() {
    using source = new Ring({ entries: 8 });
    using target = new Ring({ entries: 8 });
    const sent = runOne(source, (s) => s.prepMsgRing(target.fd, 1, 2, MsgRingFlag.CQE_SKIP));
    assertEquals(sent.res, -EINVAL);
    assertEquals(target.waitCqe(20), null);
  },
});

Deno.test({
  name: "Sqe.prepMsgRing() fails with EBADFD when the fd is not a ring",
  ignore,
  fn() {
    using source = new Ring({ entries: 8 });
    const [r, w] = makePipe();
    assertEquals(runOne(source, (s) => s.prepMsgRing(r, 1, 2)).res, -EBADFD);
    closeFd(r);
    closeFd(w);
  },
});

Deno.test({
  name: "Sqe.prepMsgRingCqeFlags() sets the flags of the target's CQE",
  ignore,
  fn() {
    using source = new Ring({ entries: 8 });
    using target = new Ring({ entries: 8 });
    const cqeFlags = 0xabcd0001; // upper 16 bits and CqeFlag.BUFFER; never MORE
    assertEquals(
      runOne(source, (s) => s.prepMsgRingCqeFlags(target.fd, -5 >>> 0, 9, 0, cqeFlags)).res,
      0,
    );
    const got = target.waitCqe(1000)!;
    assertEquals(got.userData, 9);
    assertEquals(got.res, -5, "len travels as the target's res, signed");
    assertEquals(got.flags, cqeFlags);
  },
});

Deno.test({
  name: "Sqe.prepMsgRingFd() installs a fixed file into the target ring's table",
  ignore,
  fn() {
    using source = new Ring({ entries: 8 });
    using target = new Ring({ entries: 8 });
    const [r, w] = makePipe();
    registerFiles(source, [-1, w]);
    registerFiles(target, [-1, -1, -1, -1]);
    // into slot 2 of the target
    const sent = runOne(source, (s) => s.prepMsgRingFd(target.fd, 1, 2, 500));
    assertEquals(sent.res, 0);
    assertEquals(target.waitCqe(1000), { userData: 500, res: 0, flags: 0 });
    const text = new TextEncoder().encode("through the target's slot 2");
    assertEquals(runOne(target, (s) => s.prepWrite(fixed(2), text, -1)).res, text.byteLength);
    const buf = new Uint8Array(64);
    const n = runOne(source, (s) => s.prepRead(r, buf, -1)).res;
    assertEquals(new TextDecoder().decode(buf.subarray(0, n)), "through the target's slot 2");
    // into a slot the target's kernel picks: both CQEs say which
    const picked = runOne(source, (s) => s.prepMsgRingFd(target.fd, 1, FILE_INDEX_ALLOC, 501));
    const alloc = target.waitCqe(1000)!;
    assertEquals(alloc.userData, 501);
    assert(alloc.res >= 0 && alloc.res < 4 && alloc.res !== 2, `slot ${alloc.res}`);
    assertEquals(picked.res, alloc.res);
    assertEquals(runOne(target, (s) => s.prepWrite(fixed(alloc.res), text, -1)).res, text.length);
    assertEquals(runOne(source, (s) => s.prepRead(r, buf, -1)).res, text.length);
    // an empty source slot is EBADF
    const slot3 = alloc.res === 3 ? 0 : 3;
    assertEquals(runOne(source, (s) => s.prepMsgRingFd(target.fd, 0, slot3, 502)).res, -EBADF);
    // with CQE_SKIP the file is passed without a CQE on the target
    const skip = MsgRingFlag.CQE_SKIP;
    assertEquals(runOne(source, (s) => s.prepMsgRingFd(target.fd, 1, slot3, 503, skip)).res, 0);
    assertEquals(target.waitCqe(20), null);
    assertEquals(runOne(target, (s) => s.prepWrite(fixed(slot3), text, -1)).res, text.length);
    assertEquals(runOne(source, (s) => s.prepRead(r, buf, -1)).res, text.length);
    closeFd(r);
    closeFd(w);
  },
});
