// BufferRing (provided-buffer rings) and legacy PROVIDE_BUFFERS against the running kernel.
import {
  assert,
  assertEquals,
  assertGreater,
  assertGreaterOrEqual,
  assertInstanceOf,
  assertObjectMatch,
  assertThrows,
} from "@std/assert";
import {
  BufferRing,
  type Cqe,
  CqeFlag,
  Op,
  parseSockaddr,
  Ring,
  Sock,
  sockaddr,
  SqeFlag,
  UringError,
} from "../../ffi/mod.ts";
import { native } from "../../ffi/sys/loader.ts";
import { closeFd, makePipe, runOne } from "../_helpers.ts";

const ENOBUFS = 105;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Waits on a worker thread (the event loop keeps running) and takes one CQE. */
async function next(ring: Ring): Promise<Cqe> {
  await ring.waitAsync(1);
  return ring.waitCqe()!;
}

/** A TCP connection over loopback: `fd` is the server side (a real fd), `conn` the client. */
async function tcpPair(ring: Ring): Promise<{ fd: number; conn: Deno.TcpConn } & AsyncDisposable> {
  const sock = runOne(
    ring,
    (s) => s.prepSocket(Sock.AF_INET, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC),
  );
  const lfd = sock.res;
  assertGreaterOrEqual(lfd, 0);
  assertEquals(
    runOne(ring, (s) => s.prepBind(lfd, sockaddr({ hostname: "127.0.0.1", port: 0 }))).res,
    0,
  );
  assertEquals(runOne(ring, (s) => s.prepListen(lfd, 4)).res, 0);
  const addr = new Uint8Array(128);
  const len = native().uring_getsockname(lfd, addr, addr.byteLength);
  const { port } = parseSockaddr(addr.subarray(0, len));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const fd = runOne(ring, (s) => s.prepAccept(lfd, null, null, Sock.SOCK_CLOEXEC)).res;
  assertGreaterOrEqual(fd, 0, `accept: ${fd}`);
  closeFd(lfd);
  return {
    fd,
    conn,
    async [Symbol.asyncDispose]() {
      conn.close();
      await Promise.resolve();
      closeFd(fd);
    },
  };
}

/** Cancels the op with user data `ud` and reaps CQEs until both it and the cancel are done. */
function cancel(ring: Ring, ud: number): void {
  const sqe = ring.getSqe()!;
  sqe.prepCancel(ud);
  sqe.userData = 0xcafe;
  ring.submit();
  let pending = 2;
  while (pending > 0) {
    const cqe = ring.waitCqe(5000);
    if (cqe === null) throw new Error(`cancelling ${ud}: no CQE within 5 s`);
    if (cqe.userData === 0xcafe || (cqe.userData === ud && !(cqe.flags & CqeFlag.MORE))) {
      pending--;
    }
  }
}

function message(i: number): string {
  return `message #${i} `.padEnd(20 + (i % 7) * 5, String.fromCharCode(97 + (i % 26)));
}

Deno.test("Ring.registerBufRing() hands every buffer to the kernel; BufferRing fields", () => {
  using ring = new Ring({ entries: 4 });
  using group = ring.registerBufRing({ group: 5, entries: 16, size: 1000 });
  assertInstanceOf(group, BufferRing);
  assertEquals(group.group, 5);
  assertEquals(group.entries, 16);
  assertEquals(group.size, 1000);
  assertEquals(group.incremental, false);
  assertEquals(group.available(), 16);
  assertEquals(group.get(15, 1000).byteLength, 1000);
  assertEquals(group.get(3, 10, 990).byteLength, 10);
  assertThrows(() => group.get(16, 1), RangeError, "bid 16 is out of range 0..15");
  assertThrows(() => group.get(0, 1001), RangeError, "0+1001 bytes do not fit a buffer of 1000");
  assertThrows(() => group.get(0, 10, 991), RangeError, "991+10 bytes do not fit a buffer of 1000");
  assertThrows(() => group.recycle(16), RangeError, "bid 16 is out of range 0..15");
  assertThrows(
    () => group.viewOf(10, 0),
    RangeError,
    "the CQE used no buffer (no CqeFlag.BUFFER)",
    "no CqeFlag.BUFFER",
  );
});

Deno.test("Ring.registerBufRing() checks its options and reports a taken group (EEXIST)", () => {
  using ring = new Ring({ entries: 4 });
  const cases: [bad: object, message: string][] = [
    [{ entries: 3 }, "entries must be a power of two in 1..32768, got 3"],
    [{ entries: 0 }, "entries must be a power of two in 1..32768, got 0"],
    [{ entries: 65536 }, "entries must be a power of two in 1..32768, got 65536"],
    [{ group: 70000 }, "group must be an integer in 0..65535, got 70000"],
    [{ size: 0 }, "size must be an integer in 1..2**32-1, got 0"],
  ];
  for (const [bad, message] of cases) {
    assertThrows(
      () => ring.registerBufRing({ group: 1, entries: 4, size: 8, ...bad }),
      RangeError,
      message,
    );
  }
  using _g = ring.registerBufRing({ group: 1, entries: 4, size: 8 });
  assertObjectMatch(
    assertThrows(() => ring.registerBufRing({ group: 1, entries: 4, size: 8 }), UringError),
    { code: "EEXIST" },
  );
});

Deno.test("multishot recv with more messages than buffers: ENOBUFS, recycle, re-arm, go on", async () => {
  using ring = new Ring({ entries: 8 });
  using group = ring.registerBufRing({ group: 3, entries: 4, size: 64 });
  await using pair = await tcpPair(ring);
  const arm = () => {
    const sqe = ring.getSqe()!;
    sqe.prepRecvMultishot(pair.fd, group.group);
    sqe.userData = 42;
    ring.submit();
  };
  arm();
  const held: number[] = [];
  let i = 0;
  for (; i < 4; i++) {
    await pair.conn.write(enc.encode(message(i)));
    const cqe = await next(ring);
    assertEquals(cqe.userData, 42);
    assert(cqe.flags & CqeFlag.BUFFER, "CqeFlag.BUFFER");
    assert(cqe.flags & CqeFlag.MORE, "still armed");
    const bid = cqe.flags >>> 16;
    assert(bid >= 0 && bid < 4 && !held.includes(bid), `bid ${bid}`);
    assertEquals(dec.decode(group.get(bid, cqe.res)), message(i));
    held.push(bid); // not recycled: the group runs dry
  }
  assertEquals(group.available(), 0);
  await pair.conn.write(enc.encode(message(i)));
  const dry = await next(ring);
  assertEquals(dry.res, -ENOBUFS, "no buffer left: ENOBUFS");
  assertEquals(dry.flags & CqeFlag.MORE, 0, "and the multishot recv has ended");
  for (const bid of held) group.add(bid);
  group.publish(); // one tail store for the batch
  assertEquals(group.available(), 4);
  arm();
  // the message that found no buffer is still queued in the socket
  for (; i < 40; i++) {
    if (i > 4) await pair.conn.write(enc.encode(message(i)));
    const cqe = await next(ring);
    assertGreater(cqe.res, 0, `recv ${i}: ${cqe.res}`);
    assert(cqe.flags & CqeFlag.BUFFER);
    assertEquals(dec.decode(group.viewOf(cqe.res, cqe.flags)), message(i), `message ${i}`);
    group.recycle(cqe.flags >>> 16);
  }
  cancel(ring, 42);
});

Deno.test("BufferRing data stays intact across ring and 16-bit tail wraparound", () => {
  using ring = new Ring({ entries: 16, cqEntries: 64 });
  const entries = 8;
  using group = ring.registerBufRing({ group: 9, entries, size: 1 });
  const [rd, wr] = makePipe();
  try {
    const sqe = ring.getSqe()!;
    sqe.prepReadMultishot(rd, 0, -1, group.group);
    sqe.userData = 1;
    ring.submit();
    const rounds = Math.ceil(66_000 / entries); // past 65535: the u16 tail wraps
    const chunk = new Uint8Array(entries);
    let expected = 0;
    const seen = new Uint8Array(entries);
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < entries; k++) chunk[k] = (expected + k) & 0xff;
      const w = ring.getSqe()!;
      w.prepWrite(wr, chunk, -1);
      w.userData = 2;
      ring.submitAndWait(1);
      let got = 0;
      while (got < entries) {
        ring.forEachCqe((ud, res, flags) => {
          if (ud !== 1) return assertEquals(res, entries);
          assertEquals(res, 1, `round ${r}`);
          assert(flags & CqeFlag.MORE, `round ${r}: still armed`);
          const bid = flags >>> 16;
          assertEquals(group.get(bid, 1)[0], expected & 0xff, `byte ${expected}`);
          seen[got++] = bid;
          expected++;
        });
        if (got < entries) ring.submitAndWait(1);
      }
      for (let k = 0; k < entries; k++) group.add(seen[k]);
      group.publish();
    }
    assertEquals(expected, rounds * entries);
    assertGreater(expected, 65536);
    assertEquals(group.available(), entries);
  } finally {
    closeFd(wr);
    closeFd(rd);
  }
});

/** Incremental consumption (`IOU_PBUF_RING_INC`) came with Linux 6.12; older kernels say EINVAL. */
const incrementalSupported = (() => {
  using ring = new Ring({ entries: 2 });
  try {
    ring.registerBufRing({ group: 1, entries: 2, size: 16, incremental: true }).close();
    return true;
  } catch (e) {
    if (e instanceof UringError && e.errno === 22) return false;
    throw e;
  }
})();

Deno.test({
  name: "BufferRing with incremental consumption fills one buffer piece by piece",
  ignore: !incrementalSupported,
  fn() {
    using ring = new Ring({ entries: 8 });
    const group: BufferRing = ring.registerBufRing({
      group: 4,
      entries: 2,
      size: 16,
      incremental: true,
    });
    assertEquals(group.incremental, true);
    const [rd, wr] = makePipe();
    try {
      const sqe = ring.getSqe()!;
      sqe.prepReadMultishot(rd, 0, -1, group.group);
      sqe.userData = 1;
      ring.submit();
      const pieces: [string, number, boolean][] = [];
      for (const text of ["abcd", "efgh", "ijklmnop", "qr"]) {
        const w = ring.getSqe()!;
        w.prepWrite(wr, enc.encode(text), -1);
        w.userData = 2;
        ring.submit();
        const two = [ring.waitCqe()!, ring.waitCqe()!]; // the write's and the read's, any order
        const cqe = two.find((c) => c.userData === 1)!;
        const view = group.viewOf(cqe.res, cqe.flags);
        pieces.push([dec.decode(view), cqe.flags >>> 16, (cqe.flags & CqeFlag.BUF_MORE) !== 0]);
        if (!(cqe.flags & CqeFlag.BUF_MORE)) group.recycle(cqe.flags >>> 16);
      }
      assertEquals(pieces, [
        ["abcd", 0, true],
        ["efgh", 0, true],
        ["ijklmnop", 0, false], // buffer 0 is full: done with it
        ["qr", 1, true],
      ]);
      assertEquals(dec.decode(group.get(0, 16)), "abcdefghijklmnop");
    } finally {
      cancel(ring, 1);
      closeFd(wr);
      closeFd(rd);
      group.close();
    }
  },
});

Deno.test("BufferRing.close() unregisters the group; its views stay readable", () => {
  using ring = new Ring({ entries: 8 });
  const group = ring.registerBufRing({ group: 2, entries: 2, size: 8 });
  const [rd, wr] = makePipe();
  try {
    runOne(ring, (s) => s.prepWrite(wr, enc.encode("one"), -1));
    const got = runOne(ring, (s) => s.prepReadMultishot(rd, 0, -1, 2), 1);
    assert(got.flags & CqeFlag.BUFFER);
    const view = group.viewOf(got.res, got.flags);
    cancel(ring, 1);
    group.close();
    group.close();
    assertEquals(group.closed, true);
    assertEquals(dec.decode(view), "one");
    assertThrows(() => group.recycle(0), Error, "BufferRing is closed");
    runOne(ring, (s) => s.prepWrite(wr, enc.encode("two"), -1));
    const after = runOne(ring, (s) => {
      s.prepRw(Op.READ, rd, null, 8, -1);
      s.bufGroup = 2;
      s.flags |= SqeFlag.BUFFER_SELECT;
    });
    assertEquals(after.res, -ENOBUFS, "the group is gone");
    // the group id is free again
    using again = ring.registerBufRing({ group: 2, entries: 2, size: 8 });
    assertEquals(again.available(), 2);
  } finally {
    closeFd(wr);
    closeFd(rd);
  }
});

Deno.test("Sqe.prepProvideBuffers(): legacy provided buffers feed a BUFFER_SELECT read", () => {
  using ring = new Ring({ entries: 8 });
  const region = new Uint8Array(4 * 16);
  const provided = runOne(ring, (s) => s.prepProvideBuffers(region, 16, 4, 11, 100));
  assertEquals(provided.res, 0);
  const [rd, wr] = makePipe();
  try {
    runOne(ring, (s) => s.prepWrite(wr, enc.encode("legacy"), -1));
    const cqe = runOne(ring, (s) => {
      s.prepRw(Op.READ, rd, null, 16, -1);
      s.bufGroup = 11;
      s.flags |= SqeFlag.BUFFER_SELECT;
    });
    assertEquals(cqe.res, 6);
    assert(cqe.flags & CqeFlag.BUFFER);
    const bid = cqe.flags >>> 16;
    assert(bid >= 100 && bid < 104, `bid ${bid}`);
    const at = (bid - 100) * 16;
    assertEquals(dec.decode(region.subarray(at, at + 6)), "legacy");
    const removed = runOne(ring, (s) => s.prepRemoveBuffers(3, 11));
    assertEquals(removed.res, 3, "the three not used");
  } finally {
    closeFd(wr);
    closeFd(rd);
  }
});
