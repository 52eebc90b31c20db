// FixedBuffers: registered buffers against the running kernel.
import assert from "node:assert/strict";
import {
  AsyncRing,
  type Cqe,
  CqeBatch,
  fixed,
  FixedBuffers,
  OpenFlag,
  Ring,
  UringError,
} from "../mod.ts";
import { closeFd, openFd, patternBytes, runOne, tempFile } from "./_helpers.ts";

const PAGE = 4096;

function addressOf(view: Uint8Array): bigint {
  return Deno.UnsafePointer.value(Deno.UnsafePointer.of(view as Uint8Array<ArrayBuffer>));
}

function ok(cqe: Cqe, what: string): number {
  assert.ok(cqe.res >= 0, `${what}: res ${cqe.res}`);
  return cqe.res;
}

Deno.test("Ring.registerBuffers() gives count views of size bytes, page-aligned, made once", () => {
  using ring = new Ring({ entries: 8 });
  using bufs = ring.registerBuffers(8, PAGE);
  assert.ok(bufs instanceof FixedBuffers);
  assert.equal(bufs.count, 8);
  assert.equal(bufs.size, PAGE);
  assert.equal(bufs.owned, true);
  for (let i = 0; i < 8; i++) {
    const v = bufs.get(i);
    assert.equal(v.byteLength, PAGE);
    assert.equal(addressOf(v) % BigInt(PAGE), 0n, `buffer ${i} is page-aligned`);
    assert.strictEqual(bufs.get(i), v, "the same view every time");
    assert.ok(v.every((b) => b === 0), "zeroed");
  }
  assert.equal(bufs.get(0).buffer, bufs.get(7).buffer, "one ArrayBuffer for the region");
  // buffers do not overlap
  bufs.get(1).fill(1);
  assert.equal(bufs.get(0)[PAGE - 1], 0);
  assert.equal(bufs.get(2)[0], 0);
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
      assert.equal(ok(w, "write_fixed"), c.length);
      bufs.get(c.index).fill(0);
      const r = runOne(ring, (s) => s.prepReadFixed(fd, bufs, c.index, c.offset, c.length));
      assert.equal(ok(r, "read_fixed"), c.length);
      assert.deepEqual(bufs.get(c.index).subarray(0, c.length), data, `case ${n}`);
      assert.ok(bufs.get(c.index).subarray(c.length).every((b) => b === 0), "nothing past length");
    }
    // default length: the whole buffer
    const r = runOne(ring, (s) => s.prepReadFixed(fd, bufs, 2, 10 * PAGE));
    assert.equal(ok(r, "read_fixed"), size);
    assert.deepEqual(bufs.get(2), patternBytes(size, 5));
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
    assert.equal(ok(w, "writev_fixed"), 21);
    const into = [bufs.get(0).subarray(2000, 2005), bufs.get(0).subarray(10, 26)];
    const r = runOne(ring, (s) => s.prepReadvFixed(fd, into, 100, 0, bufs, 0));
    assert.equal(ok(r, "readv_fixed"), 21);
    assert.equal(
      new TextDecoder().decode(into[0]) + new TextDecoder().decode(into[1]),
      "hello, vectored world",
    );
    // a view outside the registered buffer is refused by the kernel
    const stray = runOne(ring, (s) => s.prepReadvFixed(fd, [new Uint8Array(4)], 0, 0, bufs, 0));
    assert.ok(stray.res < 0, `readv_fixed outside the buffer: ${stray.res}`);
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
  assert.equal(ok(cqe, "read_fixed"), 24);
  assert.equal(new TextDecoder().decode(bufs.get(1).subarray(0, 24)), "fixed file, fixed buffer");
  assert.equal(files.count, 1);
});

Deno.test("Sqe.prepReadFixed() rejects an index or length out of range with RangeError", () => {
  using ring = new Ring({ entries: 4 });
  using bufs = ring.registerBuffers(4, 100);
  const sqe = ring.getSqe()!;
  for (const index of [-1, 4, 1.5, NaN]) {
    assert.throws(() => sqe.prepReadFixed(0, bufs, index, 0), RangeError, `index ${index}`);
  }
  for (const length of [-1, 101, 2.5]) {
    assert.throws(() => sqe.prepReadFixed(0, bufs, 0, 0, length), RangeError, `length ${length}`);
    assert.throws(() => sqe.prepWriteFixed(0, bufs, 0, 0, length), RangeError);
  }
  assert.throws(() => bufs.get(4), RangeError);
  assert.throws(() => bufs.get(-1), RangeError);
  sqe.prepNop();
});

Deno.test("Ring.registerBuffers() rejects a bad count or size before the kernel sees it", () => {
  using ring = new Ring({ entries: 4 });
  for (const [count, size] of [[0, 10], [16385, 10], [1, 0], [1, 2 ** 30 + 1], [1.5, 10]]) {
    assert.throws(() => ring.registerBuffers(count, size), RangeError, `${count} x ${size}`);
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
    assert.equal(bufs.get(1).buffer, mine.buffer);
    const cqe = runOne(ring, (s) => s.prepReadFixed(fd, bufs, 1, 0));
    assert.equal(ok(cqe, "read_fixed"), 32);
    assert.equal(new TextDecoder().decode(mine), "0123456789abcdefghijklmnopqrstuv");
    // the other buffers still work and still sit in the region
    const other = runOne(ring, (s) => s.prepReadFixed(fd, bufs, 2, 10, 5));
    assert.equal(ok(other, "read_fixed"), 5);
    assert.equal(new TextDecoder().decode(bufs.get(2).subarray(0, 5)), "abcde");
    assert.throws(() => bufs.update(0, new Uint8Array(31)), RangeError);
    assert.throws(() => bufs.update(3, new Uint8Array(32)), RangeError);
  } finally {
    closeFd(fd);
  }
});

Deno.test("Ring.registerBufferViews() registers caller-owned views (the expert path)", () => {
  using ring = new Ring({ entries: 8 });
  const backing = new Uint8Array(3 * 40);
  const views = [0, 1, 2].map((i) => backing.subarray(i * 40, i * 40 + 40));
  using bufs = ring.registerBufferViews(views);
  assert.equal(bufs.owned, false);
  assert.equal(bufs.count, 3);
  assert.equal(bufs.size, 40);
  using file = tempFile("x".repeat(40));
  const fd = openFd(file.path);
  try {
    const cqe = runOne(ring, (s) => s.prepReadFixed(fd, bufs, 2, 0));
    assert.equal(ok(cqe, "read_fixed"), 40);
    assert.equal(backing[80], 0x78);
    assert.equal(backing[79], 0);
    assert.equal(bufs.get(2).buffer, backing.buffer);
  } finally {
    closeFd(fd);
  }
  assert.throws(() => ring.registerBufferViews([new Uint8Array(8), new Uint8Array(9)]), RangeError);
  assert.throws(() => ring.registerBufferViews([]), RangeError);
  const detached = new ArrayBuffer(8);
  structuredClone(detached, { transfer: [detached] });
  assert.throws(() => ring.registerBufferViews([new Uint8Array(detached)]), TypeError);
});

Deno.test("several FixedBuffers share the ring's table at distinct slots", () => {
  using ring = new Ring({ entries: 8 });
  const a = ring.registerBuffers(4, 16);
  const b = ring.registerBuffers(2, 8192);
  const c = ring.registerBufferViews([new Uint8Array(10)]);
  assert.deepEqual([a.tableOffset, b.tableOffset, c.tableOffset], [0, 4, 6]);
  using file = tempFile(patternBytes(8192, 9));
  const fd = openFd(file.path);
  try {
    assert.equal(ok(runOne(ring, (s) => s.prepReadFixed(fd, b, 1, 0)), "read"), 8192);
    assert.deepEqual(b.get(1), patternBytes(8192, 9));
    a.close();
    // the freed slots are reused, the others keep working
    const d = ring.registerBuffers(3, 16);
    assert.equal(d.tableOffset, 0);
    assert.equal(ok(runOne(ring, (s) => s.prepReadFixed(fd, c, 0, 0)), "read"), 10);
    assert.equal(ok(runOne(ring, (s) => s.prepReadFixed(fd, d, 2, 0)), "read"), 16);
    assert.deepEqual(d.get(2), patternBytes(8192, 9).subarray(0, 16));
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
    assert.equal(ok(runOne(ring, (s) => s.prepReadFixed(fd, bufs, 0, 0, 22)), "read"), 22);
    const view = bufs.get(0);
    bufs.close();
    bufs.close(); // idempotent
    assert.equal(bufs.closed, true);
    // the memory is kept, not detached or freed: reading and writing are plain JS
    assert.equal(view.byteLength, PAGE);
    assert.equal(new TextDecoder().decode(view.subarray(0, 22)), "still here after close");
    view.fill(0xab);
    assert.equal(view[PAGE - 1], 0xab);
    assert.strictEqual(bufs.get(0), view);
    const sqe = ring.getSqe()!;
    assert.throws(() => sqe.prepReadFixed(fd, bufs, 0, 0), /FixedBuffers is closed/);
    sqe.prepNop();
    ring.submitAndWait(1);
    ring.waitCqe();
    assert.throws(() => bufs.update(0, new Uint8Array(PAGE)), /closed/);
    // the kernel's table is gone: a raw READ_FIXED on slot 0 fails instead of reaching memory
    const raw = runOne(ring, (s) => {
      s.prepRw(4, /* READ_FIXED */ fd, 0x1000, 1, 0);
      s.bufIndex = 0;
    });
    assert.ok(raw.res < 0, `raw read_fixed after close: ${raw.res}`);
    // and a new registration works again
    using again = ring.registerBuffers(1, 8);
    assert.equal(again.tableOffset, 0);
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
  assert.equal(bufs.closed, true, "closed with its ring");
  // many allocations to give the collector a chance; the view keeps its ArrayBuffer
  for (let i = 0; i < 200; i++) new Uint8Array(1 << 16);
  assert.deepEqual([...view.subarray(0, 3)], [1, 2, 3]);
  view[255] = 9;
  assert.equal(view[255], 9);
});

Deno.test("an in-flight fixed read completes after FixedBuffers.close()", () => {
  using ring = new Ring({ entries: 8 });
  const bufs = ring.registerBuffers(1, 16);
  const fds = new Int32Array(2);
  assert.equal(runOne(ring, (s) => s.prepPipe(fds)).res, 0);
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
    assert.equal(read.res, 5);
    assert.equal(new TextDecoder().decode(bufs.get(0).subarray(0, 5)), "later");
  } finally {
    closeFd(rd);
    closeFd(wr);
  }
});

/** A pipe made through the ring: [read end, write end]. */
function pipeOf(ring: Ring): [number, number] {
  const fds = new Int32Array(2);
  assert.equal(runOne(ring, (s) => s.prepPipe(fds)).res, 0);
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
    assert.equal(ring._heldCount(), 0, "the read holds nothing of its own");
    assert.equal(ring._retiredCount(), 0, "a registered set is kept by its table");
    bufs.close(); // the read is parked on the empty pipe and may still fill buffer 0
    assert.equal(ring._retiredCount(), 1, "closed: the ring keeps it");
    assert.equal(
      runOne(ring, (s) => s.prepWrite(wr, new TextEncoder().encode("hello"), -1)).res,
      5,
    );
    assert.deepEqual(ring.waitCqe(), { userData: 1, res: 5, flags: 0 });
    assert.equal(new TextDecoder().decode(bufs.get(0).subarray(0, 5)), "hello");
    assert.equal(ring._retiredCount(), 1, "kept for the ring's life");
  } finally {
    closeFd(rd);
    closeFd(wr);
  }
  ring.close();
  assert.equal(ring._retiredCount(), 0, "let go at close: nothing was in flight");
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
    assert.equal(bufs.closed, true);
    assert.equal(ring._retiredCount(), 0, "the read was reaped, so the memory can go");
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
    assert.equal(
      io.ring._heldCount(),
      1,
      "the op holds the set (ops without buffers are not counted here)",
    );
    assert.equal(await io.write(wr, new TextEncoder().encode("hello")), 5);
    assert.equal(await read, 5);
    assert.equal(io.ring._heldCount(), 0);
    assert.equal(new TextDecoder().decode(bufs.get(0).subarray(0, 5)), "hello");
  } finally {
    await io.closeFd(rd);
    await io.closeFd(wr);
  }
});

Deno.test({
  name: "Ring.registerCloneBuffers() shares buffers with a second ring",
  fn() {
    using src = new Ring({ entries: 4 });
    using dst = new Ring({ entries: 4 });
    const bufs = src.registerBuffers(2, 64);
    using own = dst.registerBuffers(3, 32); // dst has a table already: the clone goes past it
    let clone: FixedBuffers;
    try {
      clone = dst.registerCloneBuffers(bufs);
    } catch (e) {
      if (e instanceof UringError && e.errno === 22) return; // kernel older than 6.12
      throw e;
    }
    assert.equal(clone.count, 2);
    assert.equal(clone.tableOffset, 3);
    assert.strictEqual(clone.get(1), bufs.get(1), "same memory, same views");
    using file = tempFile("cloned!");
    const fd = openFd(file.path);
    try {
      assert.equal(runOne(dst, (s) => s.prepReadFixed(fd, clone, 1, 0, 7)).res, 7);
      assert.equal(new TextDecoder().decode(bufs.get(1).subarray(0, 7)), "cloned!");
      bufs.close(); // the clone keeps the pages pinned in its own table
      clone.get(0).fill(0);
      assert.equal(runOne(dst, (s) => s.prepReadFixed(fd, clone, 0, 0, 6)).res, 6);
      assert.equal(new TextDecoder().decode(clone.get(0).subarray(0, 6)), "cloned");
      assert.equal(runOne(dst, (s) => s.prepReadFixed(fd, own, 2, 0, 5)).res, 5, "own buffers");
      assert.equal(new TextDecoder().decode(own.get(2).subarray(0, 5)), "clone");
    } finally {
      closeFd(fd);
    }
    assert.throws(() => dst.registerCloneBuffers(clone), TypeError, "already on this ring");
  },
});
