import assert from "node:assert/strict";
import { AsyncRing, UringError } from "../mod.ts";
import { tempFile } from "./_helpers.ts";

const enc = new TextEncoder();

Deno.test("AsyncRing ops reject with UringError carrying errno, code and the op name", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const err = await io.read(1 << 30, new Uint8Array(4), 0).catch((e) => e);
  assert.ok(err instanceof UringError);
  assert.ok(err instanceof Error);
  assert.equal(err.errno, 9);
  assert.equal(err.code, "EBADF");
  assert.equal(err.call, "read");
  await assert.rejects(io.open("/nonexistent/x"), { code: "ENOENT", call: "open" });
  await assert.rejects(io.unlink("/nonexistent/x"), { code: "ENOENT", call: "unlink" });
  await assert.rejects(io.statx("/nonexistent/x"), { code: "ENOENT", call: "statx" });
  await assert.rejects(io.fsync(1 << 30), { code: "EBADF", call: "fsync" });
  await assert.rejects(io.closeFd(1 << 29), { code: "EBADF", call: "closeFd" });
  const fd = await io.open("/proc/self/stat");
  await assert.rejects(io.accept(fd), { code: "ENOTSOCK", call: "accept" });
  await io.closeFd(fd);
});

Deno.test("AsyncRing.connectTcp() to a closed port rejects ECONNREFUSED and leaks no socket", async () => {
  await using io = new AsyncRing({ entries: 8 });
  // a port that was just free
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  await assert.rejects(io.connectTcp({ hostname: "127.0.0.1", port }), {
    code: "ECONNREFUSED",
    call: "connect",
  });
});

Deno.test("AsyncRing.listenTcp() on a taken port rejects EADDRINUSE", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await assert.rejects(
    io.listenTcp({ hostname: "127.0.0.1", port: taken.addr.port, reuseAddress: false }),
    { code: "EADDRINUSE", call: "bind" },
  );
});

Deno.test("AsyncRing rejects resizable and detached buffers with TypeError before the kernel sees them", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  await io.write(w, enc.encode("kept"));
  const resizable = new Uint8Array(new ArrayBuffer(8, { maxByteLength: 64 }));
  await assert.rejects(io.read(r, resizable), TypeError);
  const ab = new ArrayBuffer(8);
  const view = new Uint8Array(ab);
  ab.transfer();
  await assert.rejects(io.read(r, view), TypeError);
  await assert.rejects(io.write(w, view), TypeError);
  await assert.rejects(io.readv(r, [new Uint8Array(2), resizable]), TypeError);
  // the rejected reads never reached the kernel: the bytes are still in the pipe
  const buf = new Uint8Array(8);
  const n = await io.read(r, buf);
  assert.equal(new TextDecoder().decode(buf.subarray(0, n)), "kept");
  assert.equal(io.pending, 0);
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("AsyncRing rejects bad arguments with TypeError/RangeError and stays usable", async () => {
  await using io = new AsyncRing({ entries: 4 });
  // deno-lint-ignore no-explicit-any
  const anyIo = io as any;
  await assert.rejects(anyIo.read("3", new Uint8Array(1)), TypeError);
  await assert.rejects(anyIo.read(0, "not a buffer"), TypeError);
  await assert.rejects(io.read(0, new Uint8Array(1), -2), RangeError);
  await assert.rejects(io.open("/tmp/x", { create: true }), TypeError);
  await assert.rejects(io.open("/tmp/x", { read: true, truncate: true }), TypeError);
  await assert.rejects(io.open("/tmp/x", { read: false }), TypeError);
  await assert.rejects(io.open("/tmp/a\0b"), TypeError);
  await assert.rejects(io.nop({ timeoutMs: -1 }), RangeError);
  await assert.rejects(io.nop({ timeoutMs: NaN }), RangeError);
  await assert.rejects(anyIo.nop({ signal: {} }), TypeError);
  await assert.rejects(io.bind(0, { hostname: "not-an-ip", port: 1 }), TypeError);
  await assert.rejects(io.connectTcp({ hostname: "127.0.0.1", port: 70000 }), RangeError);
  assert.throws(() => io.localAddr(-1), TypeError);
  // many failed preps on a 4-entry ring: each left a NOP, never a half-written SQE
  for (let i = 0; i < 10; i++) await assert.rejects(io.write(0, "x" as never), TypeError);
  await io.nop();
  assert.equal(io.pending, 0);
});

Deno.test("AsyncRing.link() rejects a chain whose op has a bad argument, and runs none of it", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("original");
  const fd = await io.open(tmp.path, { write: true });
  const resizable = new Uint8Array(new ArrayBuffer(8, { maxByteLength: 64 }));
  await assert.rejects(
    io.link((c) => c.write(fd, enc.encode("CLOBBER!"), 0).read(fd, resizable, 0)),
    TypeError,
  );
  await assert.rejects(
    io.link(() => {
      throw new SyntaxError("from the builder");
    }),
    SyntaxError,
  );
  await assert.rejects(
    io.link((c) => {
      for (let i = 0; i < 9; i++) c.nop();
    }),
    RangeError,
  );
  await io.nop();
  assert.equal(Deno.readTextFileSync(tmp.path), "original");
  await io.closeFd(fd);
});

Deno.test("AsyncRing rejects deferTaskrun with a TypeError", () => {
  assert.throws(() => new AsyncRing({ deferTaskrun: true, singleIssuer: true }), TypeError);
});

Deno.test("AsyncRing ops after close() reject with 'AsyncRing is closed'", async () => {
  const io = new AsyncRing({ entries: 4 });
  io.close();
  io.close();
  assert.equal(io.closed, true);
  await assert.rejects(io.nop(), { message: "AsyncRing is closed" });
  await assert.rejects(io.read(0, new Uint8Array(1)), { message: "AsyncRing is closed" });
  await assert.rejects(io.link((c) => c.nop()), { message: "AsyncRing is closed" });
  await assert.rejects(io.acceptMultishot(0).next(), { message: "AsyncRing is closed" });
  await io[Symbol.asyncDispose]();
  assert.equal(io.ring.closed, true);
});
