// FileTable and direct descriptors against the running kernel.
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
  type Cqe,
  CqeBatch,
  FILE_INDEX_ALLOC,
  FileTable,
  fixed,
  OpenFlag,
  parseSockaddr,
  REGISTER_FILES_SKIP,
  Ring,
  Sock,
  sockaddr,
  type SocketAddress,
  UringError,
} from "../../ffi/mod.ts";
import { native } from "../../ffi/sys/loader.ts";
import { closeFd, fdCount, makePipe, openFd, runOne, tempFile } from "../_helpers.ts";

const ENFILE = 23;
const EBADF = 9;
const dec = new TextDecoder();
const LOOPBACK = { hostname: "127.0.0.1", port: 0 };

/** getsockname(2) through the shim: Deno has none for a raw fd. */
function localAddr(fd: number): SocketAddress {
  const buf = new Uint8Array(128);
  const len = native().uring_getsockname(fd, buf, buf.byteLength);
  assertGreater(len, 0, `getsockname: ${len}`);
  return parseSockaddr(buf.subarray(0, len));
}

function socket(ring: Ring): number {
  const cqe = runOne(ring, (s) => s.prepSocket(Sock.AF_INET, Sock.SOCK_STREAM | Sock.SOCK_CLOEXEC));
  assertGreaterOrEqual(cqe.res, 0, `socket: ${cqe.res}`);
  return cqe.res;
}

function readFixed(ring: Ring, slot: number, n: number, offset = 0): string {
  const buf = new Uint8Array(n);
  const cqe = runOne(ring, (s) => s.prepRead(fixed(slot), buf, offset));
  assertGreaterOrEqual(cqe.res, 0, `read fixed(${slot}): ${cqe.res}`);
  return dec.decode(buf.subarray(0, cqe.res));
}

Deno.test("Ring.registerFiles([fds]) serves reads through fixed(i); the fds can be closed", () => {
  using ring = new Ring({ entries: 8 });
  using a = tempFile("file a");
  using b = tempFile("file b");
  const fdA = openFd(a.path);
  const fdB = openFd(b.path);
  using files = ring.registerFiles([fdA, -1, fdB]);
  assertInstanceOf(files, FileTable);
  assertEquals(files.count, 3);
  closeFd(fdA);
  closeFd(fdB);
  assertEquals(readFixed(ring, 0, 16), "file a");
  assertEquals(readFixed(ring, 2, 16), "file b");
  const empty = runOne(ring, (s) => s.prepRead(fixed(1), new Uint8Array(4), 0));
  assertEquals(empty.res, -EBADF, "an empty slot is EBADF");
});

Deno.test("FileTable.set()/remove()/update() change slots in place", () => {
  using ring = new Ring({ entries: 8 });
  using files = ring.registerFiles(4);
  using x = tempFile("xxxx");
  using y = tempFile("yyyy");
  const fdX = openFd(x.path);
  const fdY = openFd(y.path);
  try {
    files.set(3, fdX);
    assertEquals(readFixed(ring, 3, 4), "xxxx");
    files.set(3, fdY); // replaces
    assertEquals(readFixed(ring, 3, 4), "yyyy");
    files.remove(3);
    assertEquals(runOne(ring, (s) => s.prepRead(fixed(3), new Uint8Array(1), 0)).res, -EBADF);
    assertEquals(files.update(0, [fdX, fdY, REGISTER_FILES_SKIP]), 3);
    assertEquals(readFixed(ring, 0, 4), "xxxx");
    assertEquals(readFixed(ring, 1, 4), "yyyy");
    assertEquals(files.update(0, [REGISTER_FILES_SKIP, -1]), 2);
    assertEquals(readFixed(ring, 0, 4), "xxxx", "skipped slot unchanged");
    assertEquals(runOne(ring, (s) => s.prepRead(fixed(1), new Uint8Array(1), 0)).res, -EBADF);
    assertThrows(() => files.set(4, fdX), RangeError, "slots 4..4 are out of range 0..3");
    assertThrows(() => files.update(3, [fdX, fdY]), RangeError, "slots 3..4 are out of range 0..3");
    assertThrows(() => files.set(0, -1), RangeError, "fd must be an integer in 0..2**31-1, got -1");
    assertThrows(
      () => files.update(0, [-3]),
      RangeError,
      "fds[0] must be an fd, -1 (empty) or REGISTER_FILES_SKIP (-2), got -3",
    );
    assertObjectMatch(assertThrows(() => files.set(0, 99999), UringError), { code: "EBADF" });
  } finally {
    closeFd(fdX);
    closeFd(fdY);
  }
});

Deno.test("Ring.registerFiles() refuses a second table (EBUSY) until the first is closed", () => {
  using ring = new Ring({ entries: 4 });
  const first = ring.registerFiles(2);
  const err = assertThrows(() => ring.registerFiles(2), UringError, "close it first");
  assertEquals(err.code, "EBUSY");
  first.close();
  first.close();
  assertEquals(first.closed, true);
  assertThrows(() => first.set(0, 0), Error, "FileTable is closed");
  using second = ring.registerFiles(2);
  assertEquals(second.count, 2);
  assertThrows(
    () => ring.registerFiles(0),
    RangeError,
    "count must be an integer in 1..1048576, got 0",
  );
  assertThrows(
    () => ring.registerFiles([1.5]),
    RangeError,
    "fds[0] must be an fd or -1 (empty), got 1.5",
  );
});

Deno.test("direct open -> read through fixed(i) -> close_direct creates no real fd", () => {
  using ring = new Ring({ entries: 8 });
  using files = ring.registerFiles(8);
  using f = tempFile("nothing in /proc/self/fd");
  runOne(ring, (s) => s.prepNop()); // warm up anything lazily opened
  const before = fdCount();
  const open = runOne(ring, (s) => s.prepOpenatDirect(-100, f.path, OpenFlag.RDONLY, 0, 5));
  assertEquals(open.res, 0, "a direct open into a given slot completes with 0");
  assertEquals(fdCount(), before, "no fd after the direct open");
  assertEquals(readFixed(ring, 5, 64), "nothing in /proc/self/fd");
  assertEquals(fdCount(), before, "no fd after the read");
  const close = runOne(ring, (s) => s.prepCloseDirect(5));
  assertEquals(close.res, 0);
  assertEquals(runOne(ring, (s) => s.prepRead(fixed(5), new Uint8Array(1), 0)).res, -EBADF);
  assertEquals(fdCount(), before, "no fd at any point");
  assertEquals(files.count, 8);
});

Deno.test("openat2/socket direct, and FILE_INDEX_ALLOC picks free slots", () => {
  using ring = new Ring({ entries: 8 });
  using _files = ring.registerFiles(4);
  using f = tempFile("openat2");
  const before = fdCount();
  const o2 = runOne(ring, (s) => s.prepOpenat2Direct(-100, f.path, { flags: 0 }, 1));
  assertEquals(o2.res, 0);
  assertEquals(readFixed(ring, 1, 16), "openat2");
  const sock = runOne(ring, (s) => s.prepSocketDirectAlloc(Sock.AF_INET, Sock.SOCK_STREAM));
  // the kernel searches from just past the slot it last filled (1 here), wrapping around
  assertEquals(sock.res, 2, "a free slot");
  const open = runOne(ring, (s) => s.prepOpenatDirect(-100, f.path, 0, 0, FILE_INDEX_ALLOC));
  assertEquals(open.res, 3, "the next free slot");
  assertEquals(readFixed(ring, 3, 16), "openat2");
  const wrap = runOne(ring, (s) => s.prepOpenatDirect(-100, f.path, 0, 0, FILE_INDEX_ALLOC));
  assertEquals(wrap.res, 0, "wrapped around to the one left");
  assertEquals(fdCount(), before);
  for (const slot of [0, 1, 2, 3]) {
    assertEquals(runOne(ring, (s) => s.prepCloseDirect(slot)).res, 0);
  }
});

Deno.test("FileTable.allocRange() limits FILE_INDEX_ALLOC; a full range ends in ENFILE", () => {
  using ring = new Ring({ entries: 8 });
  using files = ring.registerFiles(10);
  using f = tempFile("range");
  files.allocRange(4, 3);
  const got: number[] = [];
  for (let i = 0; i < 4; i++) {
    got.push(runOne(ring, (s) => s.prepOpenatDirect(-100, f.path, 0, 0, FILE_INDEX_ALLOC)).res);
  }
  assertEquals(got, [4, 5, 6, -ENFILE]);
  // a freed slot in the range is handed out again
  assertEquals(runOne(ring, (s) => s.prepCloseDirect(5)).res, 0);
  assertEquals(
    runOne(ring, (s) => s.prepOpenatDirect(-100, f.path, 0, 0, FILE_INDEX_ALLOC)).res,
    5,
  );
  assertEquals(readFixed(ring, 5, 8), "range");
  // sockets and the files-update op draw from the same range
  assertEquals(
    runOne(ring, (s) => s.prepSocketDirectAlloc(Sock.AF_INET, Sock.SOCK_STREAM)).res,
    -ENFILE,
  );
  assertThrows(
    () => files.allocRange(8, 3),
    RangeError,
    "range 8+3 does not fit the table's 10 slots",
  );
  files.allocRange(0, 10);
  const fd = openFd(f.path);
  try {
    const fds = new Int32Array([fd]);
    const upd = runOne(ring, (s) => s.prepFilesUpdate(fds, FILE_INDEX_ALLOC));
    assertEquals(upd.res, 1);
    assertEquals(fds[0], 0, "the kernel wrote back the slot it picked");
    assertEquals(readFixed(ring, 0, 8), "range");
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepFixedFdInstall() turns a direct descriptor into a real fd", () => {
  using ring = new Ring({ entries: 8 });
  using _files = ring.registerFiles(2);
  using f = tempFile("installed");
  assertEquals(runOne(ring, (s) => s.prepOpenatDirect(-100, f.path, 0, 0, 1)).res, 0);
  const before = fdCount();
  const inst = runOne(ring, (s) => s.prepFixedFdInstall(1));
  assertGreaterOrEqual(inst.res, 0, `fixed_fd_install: ${inst.res}`);
  assertEquals(fdCount(), before + 1, "one real fd now");
  const buf = new Uint8Array(16);
  const r = runOne(ring, (s) => s.prepRead(inst.res, buf, 0));
  assertEquals(dec.decode(buf.subarray(0, r.res)), "installed");
  closeFd(inst.res);
  assertEquals(fdCount(), before);
  assertEquals(readFixed(ring, 1, 16), "installed", "the slot still holds the file");
});

Deno.test("Sqe.prepMsgRingFd() passes a direct descriptor to another ring's table", () => {
  using a = new Ring({ entries: 8 });
  using b = new Ring({ entries: 8 });
  using _fa = a.registerFiles(2);
  using _fb = b.registerFiles(4);
  using f = tempFile("passed along");
  assertEquals(runOne(a, (s) => s.prepOpenatDirect(-100, f.path, 0, 0, 0)).res, 0);
  const sent = runOne(a, (s) => s.prepMsgRingFd(b.fd, 0, 3, 0xbeef));
  assertEquals(sent.res, 0);
  const got = b.waitCqe()!;
  assertEquals(got.userData, 0xbeef);
  assertEquals(got.res, 0);
  assertEquals(readFixed(b, 3, 32), "passed along");
  assertEquals(readFixed(a, 0, 32), "passed along", "the sender keeps its slot");
  // FILE_INDEX_ALLOC on the target: res there is the slot picked
  runOne(a, (s) => s.prepMsgRingFd(b.fd, 0, FILE_INDEX_ALLOC, 7));
  const alloc = b.waitCqe()!;
  assertEquals(alloc.userData, 7);
  assertEquals(alloc.res, 0);
  assertEquals(readFixed(b, 0, 6), "passed");
});

Deno.test("fixed(i) works for writes and pipes too", () => {
  using ring = new Ring({ entries: 8 });
  const [rd, wr] = makePipe();
  using _files = ring.registerFiles([rd, wr]);
  closeFd(rd);
  closeFd(wr);
  const w = runOne(ring, (s) => s.prepWrite(fixed(1), new TextEncoder().encode("pipe"), -1));
  assertEquals(w.res, 4);
  assertEquals(readFixed(ring, 0, 4, -1), "pipe");
});

Deno.test("Ring.close() releases the file table and the direct descriptors in it", () => {
  const ring = new Ring({ entries: 4 });
  const files = ring.registerFiles(2);
  using f = tempFile("x");
  assertEquals(runOne(ring, (s) => s.prepOpenatDirect(-100, f.path, 0, 0, 0)).res, 0);
  ring.close();
  assertEquals(files.closed, true);
  files.close(); // still idempotent
  assertThrows(() => files.remove(0), Error, "FileTable is closed");
});

Deno.test("a multishot accept direct fills free slots, one CQE per connection", async () => {
  using ring = new Ring({ entries: 16 });
  using _files = ring.registerFiles(8);
  const lfd = socket(ring);
  try {
    assertEquals(runOne(ring, (s) => s.prepBind(lfd, sockaddr(LOOPBACK))).res, 0);
    assertEquals(runOne(ring, (s) => s.prepListen(lfd, 16)).res, 0);
    const { port } = localAddr(lfd);
    const sqe = ring.getSqe()!;
    sqe.prepMultishotAcceptDirect(lfd);
    sqe.userData = 1;
    ring.submit();
    const before = fdCount();
    const conns = await Promise.all(
      [1, 2, 3].map(() => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    await ring.waitAsync(3);
    const batch = new CqeBatch(8);
    ring.copyCqes(batch);
    const cqes: Cqe[] = [...batch];
    assertEquals(cqes.length, 3);
    assertEquals(cqes.map((c) => c.res).sort(), [0, 1, 2]);
    assert(cqes.every((c) => (c.flags & 2) !== 0), "CqeFlag.MORE: the accept stays armed");
    assertEquals(fdCount(), before + 3, "only the three client sockets are real fds");
    for (const c of conns) c.close();
    for (const slot of [0, 1, 2]) runOne(ring, (s) => s.prepCloseDirect(slot), 10);
  } finally {
    runOne(ring, (s) => s.prepCancel(1), 11);
    closeFd(lfd);
  }
});

Deno.test("Sqe.prepAcceptDirect() puts one connection into the slot asked for", async () => {
  using ring = new Ring({ entries: 8 });
  using _files = ring.registerFiles(8);
  const lfd = socket(ring);
  try {
    assertEquals(runOne(ring, (s) => s.prepBind(lfd, sockaddr(LOOPBACK))).res, 0);
    assertEquals(runOne(ring, (s) => s.prepListen(lfd, 4)).res, 0);
    const sqe = ring.getSqe()!;
    sqe.prepAcceptDirect(lfd, null, null, 0, 6);
    sqe.userData = 1;
    ring.submit();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: localAddr(lfd).port });
    await ring.waitAsync(1);
    assertEquals(ring.waitCqe(), { userData: 1, res: 0, flags: 0 });
    await conn.write(new TextEncoder().encode("to slot 6"));
    const buf = new Uint8Array(16);
    const got = runOne(ring, (s) => s.prepRecv(fixed(6), buf));
    assertEquals(dec.decode(buf.subarray(0, got.res)), "to slot 6");
    assertEquals(runOne(ring, (s) => s.prepCloseDirect(6)).res, 0);
    assertEquals(await conn.read(buf), null, "closing the slot closed the connection");
    conn.close();
  } finally {
    closeFd(lfd);
  }
});
