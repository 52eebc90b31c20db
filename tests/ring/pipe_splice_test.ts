// Pipes made by io_uring (IORING_OP_PIPE, plain and direct), splice(2) and tee(2) through them.
import { assert, assertEquals, assertGreater, assertMatch } from "@std/assert";
import { FILE_INDEX_ALLOC, fixed, Op, OpenFlag, RegisterOp, Ring, SqeFlag } from "../../ffi/mod.ts";
import { closeFd, makePipe, openFd, patternBytes, runOne, tempFile } from "../_helpers.ts";

const EINVAL = 22;

const probed = new Ring({ entries: 1 });
const supported = new Set(Object.values(Op).filter((op) => probed.supports(op)));
probed.close();
/** Whether the running kernel has opcode `op`; tests that need it are ignored otherwise. */
function kernelHas(op: number): boolean {
  return supported.has(op as Op);
}

/** Registers a file table of `fds` (-1: empty slot) with raw `IORING_REGISTER_FILES`. */
function registerFiles(ring: Ring, fds: number[]): void {
  const table = Int32Array.from(fds);
  assertEquals(ring.register(RegisterOp.FILES, new Uint8Array(table.buffer), fds.length), 0);
}

function writeAll(ring: Ring, fd: number | ReturnType<typeof fixed>, data: Uint8Array): void {
  assertEquals(runOne(ring, (s) => s.prepWrite(fd, data, -1)).res, data.byteLength);
}

function readN(ring: Ring, fd: number | ReturnType<typeof fixed>, n: number): Uint8Array {
  const buf = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = runOne(ring, (s) => s.prepRead(fd, buf.subarray(got), -1)).res;
    assertGreater(r, 0, `read: ${r}`);
    got += r;
  }
  return buf;
}

Deno.test({
  name: "Sqe.prepPipe() fills fds with a working read end and write end",
  ignore: !kernelHas(Op.PIPE),
  fn() {
    using ring = new Ring({ entries: 8 });
    const fds = new Int32Array([-1, -1]);
    const cqe = runOne(ring, (s) => s.prepPipe(fds, OpenFlag.CLOEXEC));
    assertEquals(cqe.res, 0);
    const [r, w] = fds;
    assert(r >= 0 && w >= 0 && r !== w, `fds ${fds}`);
    assertEquals(Deno.readLinkSync(`/proc/self/fd/${r}`), Deno.readLinkSync(`/proc/self/fd/${w}`));
    assertMatch(Deno.readLinkSync(`/proc/self/fd/${r}`), /^pipe:\[\d+\]$/);
    const data = patternBytes(1000);
    writeAll(ring, w, data);
    assertEquals(readN(ring, r, 1000), data);
    closeFd(w);
    assertEquals(runOne(ring, (s) => s.prepRead(r, new Uint8Array(8), -1)).res, 0, "EOF");
    closeFd(r);
  },
});

/** The `flags:` line of /proc/self/fdinfo/<fd> (octal `O_*` bits). */
function fdFlags(fd: number): number {
  const m = Deno.readTextFileSync(`/proc/self/fdinfo/${fd}`).match(/^flags:\s+([0-7]+)$/m);
  assert(m, "fdinfo has flags");
  return parseInt(m[1], 8);
}

Deno.test({
  name: "Sqe.prepPipe() passes pipe2(2) flags: O_NONBLOCK and O_CLOEXEC on both ends",
  ignore: !kernelHas(Op.PIPE),
  fn() {
    using ring = new Ring({ entries: 8 });
    const fds = new Int32Array(2);
    assertEquals(
      runOne(ring, (s) => s.prepPipe(fds, OpenFlag.CLOEXEC | OpenFlag.NONBLOCK)).res,
      0,
    );
    for (const fd of fds) {
      const f = fdFlags(fd);
      assertEquals(f & OpenFlag.NONBLOCK, OpenFlag.NONBLOCK, `fd ${fd} flags ${f.toString(8)}`);
      assertEquals(f & OpenFlag.CLOEXEC, OpenFlag.CLOEXEC);
    }
    const plain = new Int32Array(2);
    assertEquals(runOne(ring, (s) => s.prepPipe(plain, OpenFlag.CLOEXEC)).res, 0);
    assertEquals(fdFlags(plain[0]) & OpenFlag.NONBLOCK, 0);
    for (const fd of [...fds, ...plain]) closeFd(fd);
  },
});

Deno.test({
  name: "Sqe.prepPipeDirect() puts both ends into the file table",
  ignore: !kernelHas(Op.PIPE),
  fn() {
    using ring = new Ring({ entries: 8 });
    registerFiles(ring, [-1, -1, -1, -1, -1, -1]);
    // a given slot: read end there, write end in the next one
    const fds = new Int32Array([-1, -1]);
    assertEquals(runOne(ring, (s) => s.prepPipeDirect(fds, 0, 2)).res, 0);
    const data = patternBytes(300, 7);
    writeAll(ring, fixed(3), data);
    assertEquals(readN(ring, fixed(2), 300), data);
    // kernel-chosen slots come back in fds
    const alloc = new Int32Array([-1, -1]);
    assertEquals(runOne(ring, (s) => s.prepPipeDirect(alloc, 0, FILE_INDEX_ALLOC)).res, 0);
    assert(alloc[0] >= 0 && alloc[0] < 6 && alloc[1] >= 0 && alloc[1] < 6);
    assert(![2, 3].includes(alloc[0]) && ![2, 3].includes(alloc[1]), `slots ${alloc}`);
    writeAll(ring, fixed(alloc[1]), data);
    assertEquals(readN(ring, fixed(alloc[0]), 300), data);
    // direct descriptors cannot be close-on-exec
    assertEquals(
      runOne(ring, (s) => s.prepPipeDirect(new Int32Array(2), OpenFlag.CLOEXEC, 0)).res,
      -EINVAL,
    );
  },
});

Deno.test("Sqe.prepSplice() moves a file through a pipe into another file", () => {
  using ring = new Ring({ entries: 8 });
  const data = patternBytes(20000, 3);
  using src = tempFile(data);
  using dst = tempFile();
  const inFd = openFd(src.path);
  const outFd = openFd(dst.path, OpenFlag.WRONLY);
  const [r, w] = makePipe();
  // file -> pipe, from offset 0; pipe -> file, at offset 0 (the pipe side has no offset)
  assertEquals(runOne(ring, (s) => s.prepSplice(inFd, 0, w, -1, data.byteLength)).res, 20000);
  let moved = 0;
  while (moved < 20000) {
    const n = runOne(ring, (s) => s.prepSplice(r, -1, outFd, moved, 20000 - moved)).res;
    assertGreater(n, 0, `splice out: ${n}`);
    moved += n;
  }
  assertEquals(Deno.readFileSync(dst.path), data);
  // an offset into the source, as one linked chain: file -> pipe -> file
  const a = ring.getSqe()!;
  a.prepSplice(inFd, 5000, w, -1, 100);
  a.flags |= SqeFlag.IO_LINK;
  a.userData = 1;
  const b = ring.getSqe()!;
  b.prepSplice(r, -1, outFd, 20000, 100);
  b.userData = 2;
  ring.submitAndWait(2);
  const res = [ring.waitCqe()!, ring.waitCqe()!].sort((x, y) => x.userData - y.userData);
  assertEquals(res.map((c) => c.res), [100, 100]);
  const out = Deno.readFileSync(dst.path);
  assertEquals(out.byteLength, 20100);
  assertEquals(out.subarray(20000), data.subarray(5000, 5100));
  // splice needs a pipe on one side
  assertEquals(runOne(ring, (s) => s.prepSplice(inFd, 0, outFd, 0, 10)).res, -EINVAL);
  for (const fd of [inFd, outFd, r, w]) closeFd(fd);
});

Deno.test("Sqe.prepTee() duplicates pipe data without consuming it", () => {
  using ring = new Ring({ entries: 8 });
  const [r1, w1] = makePipe();
  const [r2, w2] = makePipe();
  const data = patternBytes(4096, 11);
  writeAll(ring, w1, data);
  assertEquals(runOne(ring, (s) => s.prepTee(r1, w2, 4096)).res, 4096);
  assertEquals(readN(ring, r2, 4096), data, "the copy");
  assertEquals(readN(ring, r1, 4096), data, "the original is still there");
  // tee wants pipes on both sides
  using f = tempFile("x");
  const fileFd = openFd(f.path);
  assertEquals(runOne(ring, (s) => s.prepTee(fileFd, w2, 1)).res, -EINVAL);
  for (const fd of [r1, w1, r2, w2, fileFd]) closeFd(fd);
});

Deno.test("Sqe.prepTee() and prepSplice() take a fixed file as input (SPLICE_F_FD_IN_FIXED)", () => {
  using ring = new Ring({ entries: 8 });
  const [r1, w1] = makePipe();
  const [r2, w2] = makePipe();
  registerFiles(ring, [r1]);
  writeAll(ring, w1, new TextEncoder().encode("fixed input"));
  assertEquals(runOne(ring, (s) => s.prepTee(fixed(0), w2, 11)).res, 11);
  assertEquals(new TextDecoder().decode(readN(ring, r2, 11)), "fixed input");
  assertEquals(runOne(ring, (s) => s.prepSplice(fixed(0), -1, w2, -1, 11)).res, 11);
  assertEquals(new TextDecoder().decode(readN(ring, r2, 11)), "fixed input");
  for (const fd of [r1, w1, r2, w2]) closeFd(fd);
});
