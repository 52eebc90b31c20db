// Sqe.prepRead/prepWrite/prepReadv/prepWritev against real files, and their argument checks.
import { assertEquals, assertThrows } from "@std/assert";
import { CqeBatch, OpenFlag, Ring } from "../../ffi/mod.ts";
import { closeFd, fdCount, openFd, patternBytes, runOne, tempFile } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("Sqe.prepRead() reads at an offset", () => {
  using ring = new Ring({ entries: 8 });
  using f = tempFile("0123456789abcdef");
  const fd = openFd(f.path);
  try {
    const buf = new Uint8Array(4);
    const cqe = runOne(ring, (s) => s.prepRead(fd, buf, 10), 5);
    assertEquals(cqe, { userData: 5, res: 4, flags: 0 });
    assertEquals(dec.decode(buf), "abcd");
    // Offset 0, and a read past the end is short, then 0 at EOF.
    const big = new Uint8Array(32);
    assertEquals(runOne(ring, (s) => s.prepRead(fd, big, 0)).res, 16);
    assertEquals(dec.decode(big.subarray(0, 16)), "0123456789abcdef");
    assertEquals(runOne(ring, (s) => s.prepRead(fd, big, 14)).res, 2);
    assertEquals(runOne(ring, (s) => s.prepRead(fd, big, 16)).res, 0);
    assertEquals(runOne(ring, (s) => s.prepRead(fd, big, 1000)).res, 0);
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepRead() fills a subarray view at its byteOffset", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile("XYZ");
  const fd = openFd(f.path);
  try {
    const backing = new Uint8Array(10).fill(0x2e); // "."
    const view = backing.subarray(4, 7);
    assertEquals(runOne(ring, (s) => s.prepRead(fd, view, 0)).res, 3);
    assertEquals(dec.decode(backing), "....XYZ...");
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepRead() with offset -1 reads from and advances the file position", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile("aaaabbbbcc");
  const fd = openFd(f.path);
  try {
    const buf = new Uint8Array(4);
    assertEquals(runOne(ring, (s) => s.prepRead(fd, buf, -1)).res, 4);
    assertEquals(dec.decode(buf), "aaaa");
    assertEquals(runOne(ring, (s) => s.prepRead(fd, buf, -1)).res, 4);
    assertEquals(dec.decode(buf), "bbbb");
    // A positioned read does not move the file position.
    assertEquals(runOne(ring, (s) => s.prepRead(fd, buf, 0)).res, 4);
    assertEquals(dec.decode(buf), "aaaa");
    buf.fill(0);
    assertEquals(runOne(ring, (s) => s.prepRead(fd, buf, -1)).res, 2);
    assertEquals(dec.decode(buf.subarray(0, 2)), "cc");
    assertEquals(runOne(ring, (s) => s.prepRead(fd, buf, -1)).res, 0);
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepRead() reads only `length` bytes when given", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile("hello world");
  const fd = openFd(f.path);
  try {
    const buf = new Uint8Array(11);
    assertEquals(runOne(ring, (s) => s.prepRead(fd, buf, 0, 5)).res, 5);
    assertEquals(dec.decode(buf.subarray(0, 5)), "hello");
    assertEquals([...buf.subarray(5)], [0, 0, 0, 0, 0, 0], "nothing beyond length is written");
    assertEquals(runOne(ring, (s) => s.prepRead(fd, buf, 0, 0)).res, 0);
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepWrite() writes at an offset", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile("..........");
  const fd = openFd(f.path, OpenFlag.WRONLY);
  try {
    const cqe = runOne(ring, (s) => s.prepWrite(fd, enc.encode("abc"), 3), 9);
    assertEquals(cqe, { userData: 9, res: 3, flags: 0 });
    assertEquals(Deno.readTextFileSync(f.path), "...abc....");
    // Past the end: the file grows, the hole reads as zeros.
    assertEquals(runOne(ring, (s) => s.prepWrite(fd, enc.encode("Z"), 12)).res, 1);
    assertEquals(Deno.readFileSync(f.path), enc.encode("...abc....\0\0Z"));
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepWrite() with offset -1 writes at and advances the file position", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile();
  const fd = openFd(f.path, OpenFlag.WRONLY);
  try {
    assertEquals(runOne(ring, (s) => s.prepWrite(fd, enc.encode("one,"), -1)).res, 4);
    assertEquals(runOne(ring, (s) => s.prepWrite(fd, enc.encode("two,"), -1)).res, 4);
    assertEquals(runOne(ring, (s) => s.prepWrite(fd, enc.encode("X"), 0)).res, 1);
    assertEquals(runOne(ring, (s) => s.prepWrite(fd, enc.encode("three"), -1)).res, 5);
    assertEquals(Deno.readTextFileSync(f.path), "Xne,two,three");
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepWrite() writes only `length` bytes when given", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile();
  const fd = openFd(f.path, OpenFlag.WRONLY);
  try {
    assertEquals(runOne(ring, (s) => s.prepWrite(fd, enc.encode("abcdef"), 0, 2)).res, 2);
    assertEquals(Deno.readTextFileSync(f.path), "ab");
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepWrite() then prepRead() round-trip 64 KiB in one batch of 16 ops", () => {
  using ring = new Ring({ entries: 32 });
  using f = tempFile();
  const fd = openFd(f.path, OpenFlag.RDWR);
  try {
    const data = patternBytes(65536, 7);
    for (let i = 0; i < 16; i++) {
      const sqe = ring.getSqe()!;
      sqe.prepWrite(fd, data.subarray(i * 4096, (i + 1) * 4096), i * 4096);
      sqe.userData = i;
    }
    assertEquals(ring.submitAndWait(16), 16);
    const batch = new CqeBatch(32);
    assertEquals(ring.copyCqes(batch, 16), 16);
    for (const c of batch) assertEquals(c.res, 4096, `write ${c.userData}`);
    assertEquals(Deno.readFileSync(f.path), data);

    const back = new Uint8Array(65536);
    for (let i = 15; i >= 0; i--) {
      const sqe = ring.getSqe()!;
      sqe.prepRead(fd, back.subarray(i * 4096, (i + 1) * 4096), i * 4096);
      sqe.userData = 100 + i;
    }
    ring.submitAndWait(16);
    assertEquals(ring.copyCqes(batch, 16), 16);
    for (const c of batch) assertEquals(c.res, 4096, `read ${c.userData}`);
    assertEquals(back, data);
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepWritev() gathers and Sqe.prepReadv() scatters across buffers", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile("##");
  const fd = openFd(f.path, OpenFlag.RDWR);
  try {
    const parts = [enc.encode("alpha-"), enc.encode("beta-"), new Uint16Array([0x6167, 0x6d6d])];
    const w = runOne(ring, (s) => s.prepWritev(fd, parts, 2), 3);
    assertEquals(w, { userData: 3, res: 15, flags: 0 });
    assertEquals(Deno.readTextFileSync(f.path), "##alpha-beta-gamm");

    const a = new Uint8Array(4), b = new Uint8Array(3), c = new Uint8Array(20);
    const r = runOne(ring, (s) => s.prepReadv(fd, [a, b, c], 0));
    assertEquals(r.res, 17);
    assertEquals(dec.decode(a), "##al");
    assertEquals(dec.decode(b), "pha");
    assertEquals(dec.decode(c.subarray(0, 10)), "-beta-gamm");
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepReadv() and Sqe.prepWritev() with offset -1 use the file position", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile();
  const fd = openFd(f.path, OpenFlag.RDWR);
  try {
    assertEquals(
      runOne(ring, (s) => s.prepWritev(fd, [enc.encode("ab"), enc.encode("cd")], -1)).res,
      4,
    );
    assertEquals(runOne(ring, (s) => s.prepWritev(fd, [enc.encode("ef")], -1)).res, 2);
    assertEquals(Deno.readTextFileSync(f.path), "abcdef");
    const x = new Uint8Array(3);
    // The position is at the end now: a positional-less readv gets EOF.
    assertEquals(runOne(ring, (s) => s.prepReadv(fd, [x], -1)).res, 0);
    assertEquals(runOne(ring, (s) => s.prepReadv(fd, [x], 3)).res, 3);
    assertEquals(dec.decode(x), "def");
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepRead() on a closed or invalid fd completes with -EBADF", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile("x");
  const fd = openFd(f.path);
  closeFd(fd);
  const buf = new Uint8Array(4);
  assertEquals(runOne(ring, (s) => s.prepRead(fd, buf, 0)).res, -9);
  assertEquals(runOne(ring, (s) => s.prepRead(-1, buf, 0)).res, -9);
  assertEquals(runOne(ring, (s) => s.prepRead(1_000_000, buf, 0)).res, -9);
  assertEquals(runOne(ring, (s) => s.prepWrite(-1, buf, 0)).res, -9);
});

Deno.test("Sqe.prepWrite() on a read-only fd completes with -EBADF", () => {
  using ring = new Ring({ entries: 4 });
  using f = tempFile("keep");
  const fd = openFd(f.path, OpenFlag.RDONLY);
  try {
    assertEquals(runOne(ring, (s) => s.prepWrite(fd, enc.encode("no"), 0)).res, -9);
    assertEquals(Deno.readTextFileSync(f.path), "keep");
  } finally {
    closeFd(fd);
  }
});

Deno.test("Sqe.prepRead() rejects a detached buffer with a TypeError", () => {
  using ring = new Ring({ entries: 4 });
  const ab = new ArrayBuffer(8);
  const view = new Uint8Array(ab);
  ab.transfer();
  const sqe = ring.getSqe()!;
  assertThrows(() => sqe.prepRead(0, view, 0), TypeError, "buffer is detached");
  assertThrows(() => sqe.prepWrite(0, view, 0), TypeError, "buffer is detached");
  assertThrows(
    () => sqe.prepReadv(0, [new Uint8Array(2), view], 0),
    TypeError,
    "iovecs[1] is detached",
  );
  assertThrows(() => sqe.prepWritev(0, [view], 0), TypeError, "iovecs[0] is detached");
});

Deno.test("Sqe.prepRead() rejects a resizable or growable buffer with a TypeError", () => {
  using ring = new Ring({ entries: 4 });
  const resizable = new Uint8Array(new ArrayBuffer(8, { maxByteLength: 64 }));
  const growable = new Uint8Array(new SharedArrayBuffer(8, { maxByteLength: 64 }));
  const sqe = ring.getSqe()!;
  for (const view of [resizable, growable]) {
    assertThrows(
      () => sqe.prepRead(0, view, 0),
      TypeError,
      "buffer is resizable: the kernel needs memory that cannot move",
    );
    assertThrows(
      () => sqe.prepWrite(0, view, 0),
      TypeError,
      "buffer is resizable: the kernel needs memory that cannot move",
    );
    assertThrows(() => sqe.prepReadv(0, [view], 0), TypeError, "iovecs[0] is resizable");
  }
});

Deno.test("Sqe.prepRead() rejects non-buffers with a TypeError", () => {
  using ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  for (const bad of [null, undefined, "abc", [1, 2], new ArrayBuffer(4), 5]) {
    assertThrows(
      // deno-lint-ignore no-explicit-any
      () => sqe.prepRead(0, bad as any, 0),
      TypeError,
      "buffer must be a Uint8Array or another ArrayBufferView",
    );
  }
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => sqe.prepReadv(0, "nope" as any, 0),
    TypeError,
    "iovecs must be an array of buffers",
  );
});

Deno.test("Sqe.prepRead() rejects fds of the wrong type with a TypeError", () => {
  using ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  const buf = new Uint8Array(4);
  for (const bad of ["3", null, undefined, {}, { index: 1 }, 3n, true]) {
    assertThrows(
      // deno-lint-ignore no-explicit-any
      () => sqe.prepRead(bad as any, buf, 0),
      TypeError,
      "fd must be a number or a fixed(index) marker",
      String(bad),
    );
    assertThrows(
      // deno-lint-ignore no-explicit-any
      () => sqe.prepWrite(bad as any, buf, 0),
      TypeError,
      "fd must be a number or a fixed(index) marker",
      String(bad),
    );
  }
});

Deno.test("Sqe.prepRead() rejects non-integer or out-of-range fds with a RangeError", () => {
  using ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  const buf = new Uint8Array(4);
  for (const bad of [1.5, -2, NaN, Infinity, 2 ** 31]) {
    assertThrows(
      () => sqe.prepRead(bad, buf, 0),
      RangeError,
      "fd must be an integer in -1..2**31-1 or AT_FDCWD",
      String(bad),
    );
    assertThrows(
      () => sqe.prepWritev(bad, [buf], 0),
      RangeError,
      "fd must be an integer in -1..2**31-1 or AT_FDCWD",
      String(bad),
    );
  }
});

Deno.test("Sqe.prepRead() rejects offsets below -1 or not integers with a RangeError", () => {
  using ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  const buf = new Uint8Array(4);
  for (const bad of [-2, 1.5, NaN, 2 ** 53]) {
    assertThrows(
      () => sqe.prepRead(0, buf, bad),
      RangeError,
      "offset must be an integer in -1..2**53-1",
      String(bad),
    );
    assertThrows(
      () => sqe.prepWrite(0, buf, bad),
      RangeError,
      "offset must be an integer in -1..2**53-1",
      String(bad),
    );
    assertThrows(
      () => sqe.prepReadv(0, [buf], bad),
      RangeError,
      "offset must be an integer in -1..2**53-1",
      String(bad),
    );
    assertThrows(
      () => sqe.prepWritev(0, [buf], bad),
      RangeError,
      "offset must be an integer in -1..2**53-1",
      String(bad),
    );
  }
});

Deno.test("Sqe.prepRead() rejects a length beyond the buffer with a RangeError", () => {
  using ring = new Ring({ entries: 4 });
  const sqe = ring.getSqe()!;
  const buf = new Uint8Array(new ArrayBuffer(16), 4, 4);
  for (const bad of [5, -1, 1.5, NaN]) {
    assertThrows(
      () => sqe.prepRead(0, buf, 0, bad),
      RangeError,
      `length ${bad} is out of range 0..4`,
    );
    assertThrows(
      () => sqe.prepWrite(0, buf, 0, bad),
      RangeError,
      `length ${bad} is out of range 0..4`,
    );
  }
});

Deno.test("Sqe.prepRead() leaves no fd behind: /proc/self/fd count is unchanged", () => {
  using f = tempFile("abc");
  closeFd(openFd(f.path)); // the helpers' own ring exists before counting
  const before = fdCount();
  {
    using ring = new Ring({ entries: 4 });
    for (let i = 0; i < 5; i++) {
      const fd = openFd(f.path);
      assertEquals(runOne(ring, (s) => s.prepRead(fd, new Uint8Array(3), 0)).res, 3);
      closeFd(fd);
    }
  }
  assertEquals(fdCount(), before);
});
