// FixedBuffers: registered buffers against the running kernel.
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertInstanceOf,
  assertLess,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  AsyncRing,
  type Cqe,
  CqeBatch,
  fixed,
  FixedBuffers,
  OpenFlag,
  Ring,
  UringError,
} from "../../ffi/mod.ts";
import { closeFd, openFd, patternBytes, runOne, tempFile } from "../_helpers.ts";

const PAGE = 4096;

function addressOf(view: Uint8Array): bigint {
  return Deno.UnsafePointer.value(Deno.UnsafePointer.of(view as Uint8Array<ArrayBuffer>));
}

function ok(cqe: Cqe, what: string): number {
  assertGreaterOrEqual(cqe.res, 0, `${what}: res ${cqe.res}`);
  return cqe.res;
}

Deno.test("Ring.registerBuffers() gives count views of size bytes, page-aligned, made once", () => {
  using ring = new Ring({ entries: 8 });
  using bufs = ring.registerBuffers(8, PAGE);
  assertInstanceOf(bufs, FixedBuffers);
  assertEquals(bufs.count, 8);
  assertEquals(bufs.size, PAGE);
  assertEquals(bufs.owned, true);
  for (let i = 0; i < 8; i++) {
    const v = bufs.get(i);
    assertEquals(v.byteLength, PAGE);
    assertEquals(addressOf(v) % BigInt(PAGE), 0n, `buffer ${i} is page-aligned`);
    assertStrictEquals(bufs.get(i), v, "the same view every time");
    assert(v.every((b) => b === 0), "zeroed");
  }
  assertStrictEquals(bufs.get(0).buffer, bufs.get(7).buffer, "one ArrayBuffer for the region");
  // buffers do not overlap
  bufs.get(1).fill(1);
  assertEquals(bufs.get(0)[PAGE - 1], 0);
  assertEquals(bufs.get(2)[0], 0);
});

Deno.test("Sqe.prepWriteFixed()/prepReadFixed() round-trip at several indexes and lengths", () => {
  using ring = new Ring({ entries: 16 });
  const size = 3 * PAGE;
  using bufs = ring.registerBuffers(6, size);
  using file = tempFile();
  const fd = openFd(file.path, OpenFlag.RDWR);
  try {
    const cases = [
      { index: 0, length: 1, offset: 0 },
      { index: 1, length: 511, offset: 7 },
      { index: 3, length: PAGE, offset: PAGE },
      { index: 4, length: PAGE + 100, offset: 3 * PAGE + 13 },
      { index: 5, length: size, offset: 10 * PAGE },
    ];
    for (const [n, c] of cases.entries()) {
      const data = patternBytes(c.length, n + 1);
      bufs.get(c.index).set(data);
      const w = runOne(ring, (s) => s.prepWriteFixed(fd, bufs, c.index, c.offset, c.length));
      assertEquals(ok(w, "write_fixed"), c.length);
      bufs.get(c.index).fill(0);
      const r = runOne(ring, (s) => s.prepReadFixed(fd, bufs, c.index, c.offset, c.length));
      assertEquals(ok(r, "read_fixed"), c.length);
      assertEquals(bufs.get(c.index).subarray(0, c.length), data, `case ${n}`);
      assert(bufs.get(c.index).subarray(c.length).every((b) => b === 0), "nothing past length");
    }
    // default length: the whole buffer
    const r = runOne(ring, (s) => s.prepReadFixed(fd, bufs, 2, 10 * PAGE));
    assertEquals(ok(r, "read_fixed"), size);
    assertEquals(bufs.get(2), patternBytes(size, 5));
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepWritevFixed()/prepReadvFixed() scatter and gather inside one buffer", () => {
  using ring = new Ring({ entries: 8 });
  using bufs = ring.registerBuffers(2, PAGE);
  using file = tempFile();
  const fd = openFd(file.path, OpenFlag.RDWR);
  try {
    const buf = bufs.get(1);
    buf.set(new TextEncoder().encode("hello, vectored world"));
    const parts = [buf.subarray(0, 7), buf.subarray(7, 21)];
    const w = runOne(ring, (s) => s.prepWritevFixed(fd, parts, 100, 0, bufs, 1));
    assertEquals(ok(w, "writev_fixed"), 21);
    const into = [bufs.get(0).subarray(2000, 2005), bufs.get(0).subarray(10, 26)];
    const r = runOne(ring, (s) => s.prepReadvFixed(fd, into, 100, 0, bufs, 0));
    assertEquals(ok(r, "readv_fixed"), 21);
    assertEquals(
      new TextDecoder().decode(into[0]) + new TextDecoder().decode(into[1]),
      "hello, vectored world",
    );
    // a view outside the registered buffer is refused by the kernel
    const stray = runOne(ring, (s) => s.prepReadvFixed(fd, [new Uint8Array(4)], 0, 0, bufs, 0));
    assertLess(stray.res, 0, `readv_fixed outside the buffer: ${stray.res}`);
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepReadFixed() works through a fixed file too", () => {
  using ring = new Ring({ entries: 8 });
  using bufs = ring.registerBuffers(2, 64);
  using file = tempFile("fixed file, fixed buffer");
  const fd = openFd(file.path);
  using files = ring.registerFiles([fd]);
  closeFd(fd); // the table holds its own reference
  const cqe = runOne(ring, (s) => s.prepReadFixed(fixed(0), bufs, 1, 0, 24));
  assertEquals(ok(cqe, "read_fixed"), 24);
  assertEquals(new TextDecoder().decode(bufs.get(1).subarray(0, 24)), "fixed file, fixed buffer");
  assertEquals(files.count, 1);
});

Deno.test("Sqe.prepReadFixed() rejects an index or length out of range with RangeError", () => {
  using ring = new Ring({ entries: 4 });
  using bufs = ring.registerBuffers(4, 100);
  const sqe = ring.getSqe()!;
  for (const index of [-1, 4, 1.5, NaN]) {
    assertThrows(
      () => sqe.prepReadFixed(0, bufs, index, 0),
      RangeError,
      "buffer index",
      `index ${index}`,
    );
  }
  for (const length of [-1, 101, 2.5]) {
    assertThrows(
      () => sqe.prepReadFixed(0, bufs, 0, 0, length),
      RangeError,
      `length ${length} is out of range 0..100`,
    );
    assertThrows(
      () => sqe.prepWriteFixed(0, bufs, 0, 0, length),
      RangeError,
      `length ${length} is out of range 0..100`,
    );
  }
  assertThrows(() => bufs.get(4), RangeError, "buffer index 4 is out of range 0..3");
  assertThrows(() => bufs.get(-1), RangeError, "buffer index -1 is out of range 0..3");
  sqe.prepNop();
});

Deno.test("Ring.registerBuffers() rejects a bad count or size before the kernel sees it", () => {
  using ring = new Ring({ entries: 4 });
  const cases: [count: number, size: number, message: string][] = [
    [0, 10, "count must be an integer in 1..16384, got 0"],
    [16385, 10, "count must be an integer in 1..16384, got 16385"],
    [1.5, 10, "count must be an integer in 1..16384, got 1.5"],
    [1, 0, "size must be an integer in 1..2**30 (1 GiB), got 0"],
    [1, 2 ** 30 + 1, "size must be an integer in 1..2**30 (1 GiB), got 1073741825"],
  ];
  for (const [count, size, message] of cases) {
    assertThrows(() => ring.registerBuffers(count, size), RangeError, message);
  }
});

Deno.test("FixedBuffers.update() swaps one buffer for caller memory in place", () => {
  using ring = new Ring({ entries: 8 });
  using bufs = ring.registerBuffers(3, 32);
  using file = tempFile("0123456789abcdefghijklmnopqrstuv");
  const fd = openFd(file.path);
  try {
    const mine = new Uint8Array(32);
    bufs.update(1, mine);
    assertStrictEquals(bufs.get(1).buffer, mine.buffer);
    const cqe = runOne(ring, (s) => s.prepReadFixed(fd, bufs, 1, 0));
    assertEquals(ok(cqe, "read_fixed"), 32);
    assertEquals(new TextDecoder().decode(mine), "0123456789abcdefghijklmnopqrstuv");
    // the other buffers still work and still sit in the region
    const other = runOne(ring, (s) => s.prepReadFixed(fd, bufs, 2, 10, 5));
    assertEquals(ok(other, "read_fixed"), 5);
    assertEquals(new TextDecoder().decode(bufs.get(2).subarray(0, 5)), "abcde");
    assertThrows(
      () => bufs.update(0, new Uint8Array(31)),
      RangeError,
      "view must be exactly 32 bytes, got 31",
    );
    assertThrows(
      () => bufs.update(3, new Uint8Array(32)),
      RangeError,
      "buffer index 3 is out of range 0..2",
    );
  } finally {
    closeFd(fd);
  }
});

Deno.test("Ring.registerBufferViews() registers caller-owned views (the expert path)", () => {
  using ring = new Ring({ entries: 8 });
  const backing = new Uint8Array(3 * 40);
  const views = [0, 1, 2].map((i) => backing.subarray(i * 40, i * 40 + 40));
  using bufs = ring.registerBufferViews(views);
  assertEquals(bufs.owned, false);
  assertEquals(bufs.count, 3);
  assertEquals(bufs.size, 40);
  using file = tempFile("x".repeat(40));
  const fd = openFd(file.path);
  try {
    const cqe = runOne(ring, (s) => s.prepReadFixed(fd, bufs, 2, 0));
    assertEquals(ok(cqe, "read_fixed"), 40);
    assertEquals(backing[80], 0x78);
    assertEquals(backing[79], 0);
    assertStrictEquals(bufs.get(2).buffer, backing.buffer);
  } finally {
    closeFd(fd);
  }
  assertThrows(
    () => ring.registerBufferViews([new Uint8Array(8), new Uint8Array(9)]),
    RangeError,
    "all views must have the same length (8), views[1] has 9",
  );
  assertThrows(
    () => ring.registerBufferViews([]),
    RangeError,
    "count must be an integer in 1..16384, got 0",
  );
  // a view made before its buffer was transferred away: registerBufferViews() must see it
  const moved = new ArrayBuffer(8);
  const stale = new Uint8Array(moved);
  structuredClone(moved, { transfer: [moved] });
  assertThrows(
    () => ring.registerBufferViews([new Uint8Array(8), stale]),
    TypeError,
    "views[1] is detached",
  );
});

Deno.test("several FixedBuffers share the ring's table at distinct slots", () => {
  using ring = new Ring({ entries: 8 });
  const a = ring.registerBuffers(4, 16);
  const b = ring.registerBuffers(2, 8192);
  const c = ring.registerBufferViews([new Uint8Array(10)]);
  assertEquals([a.tableOffset, b.tableOffset, c.tableOffset], [0, 4, 6]);
  using file = tempFile(patternBytes(8192, 9));
  const fd = openFd(file.path);
  try {
    assertEquals(ok(runOne(ring, (s) => s.prepReadFixed(fd, b, 1, 0)), "read"), 8192);
    assertEquals(b.get(1), patternBytes(8192, 9));
    a.close();
    // the freed slots are reused, the others keep working
    const d = ring.registerBuffers(3, 16);
    assertEquals(d.tableOffset, 0);
    assertEquals(ok(runOne(ring, (s) => s.prepReadFixed(fd, c, 0, 0)), "read"), 10);
    assertEquals(ok(runOne(ring, (s) => s.prepReadFixed(fd, d, 2, 0)), "read"), 16);
    assertEquals(d.get(2), patternBytes(8192, 9).subarray(0, 16));
  } finally {
    closeFd(fd);
  }
});

Deno.test("FixedBuffers.close() unregisters; views stay readable and writable, preps throw", () => {
  using ring = new Ring({ entries: 8 });
  const bufs = ring.registerBuffers(2, PAGE);
  using file = tempFile("still here after close");
  const fd = openFd(file.path);
  try {
    assertEquals(ok(runOne(ring, (s) => s.prepReadFixed(fd, bufs, 0, 0, 22)), "read"), 22);
    const view = bufs.get(0);
    bufs.close();
    bufs.close(); // idempotent
    assertEquals(bufs.closed, true);
    // the memory is kept, not detached or freed: reading and writing are plain JS
    assertEquals(view.byteLength, PAGE);
    assertEquals(new TextDecoder().decode(view.subarray(0, 22)), "still here after close");
    view.fill(0xab);
    assertEquals(view[PAGE - 1], 0xab);
    assertStrictEquals(bufs.get(0), view);
    const sqe = ring.getSqe()!;
    assertThrows(() => sqe.prepReadFixed(fd, bufs, 0, 0), Error, "FixedBuffers is closed");
    sqe.prepNop();
    ring.submitAndWait(1);
    ring.waitCqe();
    assertThrows(() => bufs.update(0, new Uint8Array(PAGE)), Error, "FixedBuffers is closed");
    // the kernel's table is gone: a raw READ_FIXED on slot 0 fails instead of reaching memory
    const raw = runOne(ring, (s) => {
      s.prepRw(4, /* READ_FIXED */ fd, 0x1000, 1, 0);
      s.bufIndex = 0;
    });
    assertLess(raw.res, 0, `raw read_fixed after close: ${raw.res}`);
    // and a new registration works again
    using again = ring.registerBuffers(1, 8);
    assertEquals(again.tableOffset, 0);
  } finally {
    closeFd(fd);
  }
});

Deno.test("views of FixedBuffers outlive their ring's close() and garbage collection", () => {
  let view: Uint8Array;
  let bufs: FixedBuffers;
  {
    using ring = new Ring({ entries: 4 });
    bufs = ring.registerBuffers(2, 256);
    view = bufs.get(1);
    view.set([1, 2, 3]);
  }
  assertEquals(bufs.closed, true, "closed with its ring");
  // many allocations to give the collector a chance; the view keeps its ArrayBuffer
  for (let i = 0; i < 200; i++) new Uint8Array(1 << 16);
  assertEquals([...view.subarray(0, 3)], [1, 2, 3]);
  view[255] = 9;
  assertEquals(view[255], 9);
});

Deno.test("an in-flight fixed read completes after FixedBuffers.close()", () => {
  using ring = new Ring({ entries: 8 });
  const bufs = ring.registerBuffers(1, 16);
  const fds = new Int32Array(2);
  assertEquals(runOne(ring, (s) => s.prepPipe(fds)).res, 0);
  const [rd, wr] = fds;
  try {
    const sqe = ring.getSqe()!;
    sqe.prepReadFixed(rd, bufs, 0, -1, 5);
    sqe.userData = 77;
    ring.submit();
    bufs.close(); // the read is parked on the empty pipe and holds the buffer node
    const w = ring.getSqe()!;
    w.prepWrite(wr, new TextEncoder().encode("later"), -1);
    w.userData = 78;
    ring.submit();
    const batch = new CqeBatch(4);
    const seen: Cqe[] = [];
    while (seen.length < 2) {
      ring.copyCqes(batch, 1);
      seen.push(...batch);
    }
    const read = seen.find((c) => c.userData === 77)!;
    assertEquals(read.res, 5);
    assertEquals(new TextDecoder().decode(bufs.get(0).subarray(0, 5)), "later");
  } finally {
    closeFd(rd);
    closeFd(wr);
  }
});

/** A pipe made through the ring: [read end, write end]. */
function pipeOf(ring: Ring): [number, number] {
  const fds = new Int32Array(2);
  assertEquals(runOne(ring, (s) => s.prepPipe(fds)).res, 0);
  return [fds[0], fds[1]];
}

Deno.test("fixed reads hold nothing per op; the ring keeps a closed set until it closes", () => {
  const ring = new Ring({ entries: 8 });
  const bufs = ring.registerBuffers(1, 16);
  const [rd, wr] = pipeOf(ring);
  try {
    const sqe = ring.getSqe()!;
    sqe.prepReadFixed(rd, bufs, 0, -1, 5);
    sqe.userData = 1;
    ring.submit();
    assertEquals(ring._heldCount(), 0, "the read holds nothing of its own");
    assertEquals(ring._retiredCount(), 0, "a registered set is kept by its table");
    bufs.close(); // the read is parked on the empty pipe and may still fill buffer 0
    assertEquals(ring._retiredCount(), 1, "closed: the ring keeps it");
    assertEquals(
      runOne(ring, (s) => s.prepWrite(wr, new TextEncoder().encode("hello"), -1)).res,
      5,
    );
    assertEquals(ring.waitCqe(), { userData: 1, res: 5, flags: 0 });
    assertEquals(new TextDecoder().decode(bufs.get(0).subarray(0, 5)), "hello");
    assertEquals(ring._retiredCount(), 1, "kept for the ring's life");
  } finally {
    closeFd(rd);
    closeFd(wr);
  }
  ring.close();
  assertEquals(ring._retiredCount(), 0, "let go at close: nothing was in flight");
});

Deno.test("a ring closed with a fixed read in flight cancels it before letting the set go", () => {
  const ring = new Ring({ entries: 8 });
  const bufs = ring.registerBuffers(1, 16);
  const [rd, wr] = pipeOf(ring);
  try {
    const sqe = ring.getSqe()!;
    sqe.prepReadFixed(rd, bufs, 0, -1, 5); // never satisfied: nothing is written
    sqe.userData = 1;
    ring.submit();
    ring.close(); // drains: cancels the read and reaps its CQE, then closes the set
    assertEquals(bufs.closed, true);
    assertEquals(ring._retiredCount(), 0, "the read was reaped, so the memory can go");
  } finally {
    closeFd(rd);
    closeFd(wr);
  }
});

Deno.test("AsyncRing fixed reads hold their FixedBuffers until their CQE", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const bufs = io.ring.registerBuffers(1, 16);
  const [rd, wr] = await io.pipe();
  try {
    const read = io.readFixed(rd, bufs, 0, -1, { length: 5 });
    await new Promise((r) => setTimeout(r, 10)); // submitted, parked on the empty pipe
    assertEquals(
      io.ring._heldCount(),
      1,
      "the op holds the set (ops without buffers are not counted here)",
    );
    assertEquals(await io.write(wr, new TextEncoder().encode("hello")), 5);
    assertEquals(await read, 5);
    assertEquals(io.ring._heldCount(), 0);
    assertEquals(new TextDecoder().decode(bufs.get(0).subarray(0, 5)), "hello");
  } finally {
    await io.closeFd(rd);
    await io.closeFd(wr);
  }
});

/** `IORING_REGISTER_CLONE_BUFFERS` came with Linux 6.12; older kernels say EINVAL. */
const cloneSupported = (() => {
  using src = new Ring({ entries: 2 });
  using dst = new Ring({ entries: 2 });
  using bufs = src.registerBuffers(1, 64);
  try {
    dst.registerCloneBuffers(bufs).close();
    return true;
  } catch (e) {
    if (e instanceof UringError && e.errno === 22) return false;
    throw e;
  }
})();

Deno.test({
  name: "Ring.registerCloneBuffers() shares buffers with a second ring",
  ignore: !cloneSupported,
  fn() {
    using src = new Ring({ entries: 4 });
    using dst = new Ring({ entries: 4 });
    const bufs = src.registerBuffers(2, 64);
    using own = dst.registerBuffers(3, 32); // dst has a table already: the clone goes past it
    const clone: FixedBuffers = dst.registerCloneBuffers(bufs);
    assertEquals(clone.count, 2);
    assertEquals(clone.tableOffset, 3);
    assertStrictEquals(clone.get(1), bufs.get(1), "same memory, same views");
    using file = tempFile("cloned!");
    const fd = openFd(file.path);
    try {
      assertEquals(runOne(dst, (s) => s.prepReadFixed(fd, clone, 1, 0, 7)).res, 7);
      assertEquals(new TextDecoder().decode(bufs.get(1).subarray(0, 7)), "cloned!");
      bufs.close(); // the clone keeps the pages pinned in its own table
      clone.get(0).fill(0);
      assertEquals(runOne(dst, (s) => s.prepReadFixed(fd, clone, 0, 0, 6)).res, 6);
      assertEquals(new TextDecoder().decode(clone.get(0).subarray(0, 6)), "cloned");
      assertEquals(runOne(dst, (s) => s.prepReadFixed(fd, own, 2, 0, 5)).res, 5, "own buffers");
      assertEquals(new TextDecoder().decode(own.get(2).subarray(0, 5)), "clone");
    } finally {
      closeFd(fd);
    }
    assertThrows(
      () => dst.registerCloneBuffers(clone),
      TypeError,
      "src is already registered with this ring",
      "already on this ring",
    );
  },
});
