import {
  assertEquals,
  assertInstanceOf,
  assertObjectMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { AsyncRing, UringError } from "../../ffi/mod.ts";
import { tempFile } from "../_helpers.ts";

const enc = new TextEncoder();

Deno.test("AsyncRing ops reject with UringError carrying errno, code and the op name", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const err = await assertRejects(() => io.read(1 << 30, new Uint8Array(4), 0), UringError);
  assertInstanceOf(err, Error);
  assertEquals(err.errno, 9);
  assertEquals(err.code, "EBADF");
  assertEquals(err.call, "read");
  assertObjectMatch(await assertRejects(() => io.open("/nonexistent/x"), UringError), {
    code: "ENOENT",
    call: "open",
  });
  assertObjectMatch(await assertRejects(() => io.unlink("/nonexistent/x"), UringError), {
    code: "ENOENT",
    call: "unlink",
  });
  assertObjectMatch(await assertRejects(() => io.statx("/nonexistent/x"), UringError), {
    code: "ENOENT",
    call: "statx",
  });
  assertObjectMatch(await assertRejects(() => io.fsync(1 << 30), UringError), {
    code: "EBADF",
    call: "fsync",
  });
  assertObjectMatch(await assertRejects(() => io.closeFd(1 << 29), UringError), {
    code: "EBADF",
    call: "closeFd",
  });
  const fd = await io.open("/proc/self/stat");
  assertObjectMatch(await assertRejects(() => io.accept(fd), UringError), {
    code: "ENOTSOCK",
    call: "accept",
  });
  await io.closeFd(fd);
});

Deno.test("AsyncRing.connectTcp() to a closed port rejects ECONNREFUSED and leaks no socket", async () => {
  await using io = new AsyncRing({ entries: 8 });
  // a port that was just free
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  assertObjectMatch(
    await assertRejects(() => io.connectTcp({ hostname: "127.0.0.1", port }), UringError),
    { code: "ECONNREFUSED", call: "connect" },
  );
});

Deno.test("AsyncRing.listenTcp() on a taken port rejects EADDRINUSE", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  assertObjectMatch(
    await assertRejects(
      () => io.listenTcp({ hostname: "127.0.0.1", port: taken.addr.port, reuseAddress: false }),
      UringError,
    ),
    { code: "EADDRINUSE", call: "bind" },
  );
});

Deno.test("AsyncRing rejects resizable and detached buffers with TypeError before the kernel sees them", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  await io.write(w, enc.encode("kept"));
  const resizable = new Uint8Array(new ArrayBuffer(8, { maxByteLength: 64 }));
  await assertRejects(
    () => io.read(r, resizable),
    TypeError,
    "buffer is resizable: the kernel needs memory that cannot move",
  );
  const ab = new ArrayBuffer(8);
  const view = new Uint8Array(ab);
  ab.transfer();
  await assertRejects(() => io.read(r, view), TypeError, "buffer is detached");
  await assertRejects(() => io.write(w, view), TypeError, "buffer is detached");
  await assertRejects(
    () => io.readv(r, [new Uint8Array(2), resizable]),
    TypeError,
    "iovecs[1] is resizable",
  );
  // the rejected reads never reached the kernel: the bytes are still in the pipe
  const buf = new Uint8Array(8);
  const n = await io.read(r, buf);
  assertEquals(new TextDecoder().decode(buf.subarray(0, n)), "kept");
  assertEquals(io.pending, 0);
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("AsyncRing rejects bad arguments with TypeError/RangeError and stays usable", async () => {
  await using io = new AsyncRing({ entries: 4 });
  // deno-lint-ignore no-explicit-any
  const anyIo = io as any;
  await assertRejects(
    () => anyIo.read("3", new Uint8Array(1)),
    TypeError,
    "fd must be a number or a fixed(index) marker",
  );
  await assertRejects(
    () => anyIo.read(0, "not a buffer"),
    TypeError,
    "buffer must be a Uint8Array or another ArrayBufferView",
  );
  await assertRejects(
    () => io.read(0, new Uint8Array(1), -2),
    RangeError,
    "offset must be an integer in -1..2**53-1, got -2",
  );
  await assertRejects(
    () => io.open("/tmp/x", { create: true }),
    TypeError,
    "'create' or 'createNew' options require 'write' or 'append' to be true",
  );
  await assertRejects(
    () => io.open("/tmp/x", { read: true, truncate: true }),
    TypeError,
    "'truncate' option requires 'write' to be true",
  );
  await assertRejects(
    () => io.open("/tmp/x", { read: false }),
    TypeError,
    "'options' requires at least one option to be true",
  );
  await assertRejects(() => io.open("/tmp/a\0b"), TypeError, "path must not contain NUL bytes");
  await assertRejects(
    () => io.nop({ timeoutMs: -1 }),
    RangeError,
    "timeoutMs must be a finite number >= 0, got -1",
  );
  await assertRejects(
    () => io.nop({ timeoutMs: NaN }),
    RangeError,
    "timeoutMs must be a finite number >= 0, got NaN",
  );
  await assertRejects(
    () => anyIo.nop({ signal: {} }),
    TypeError,
    "options.signal must be an AbortSignal",
  );
  await assertRejects(
    () => io.bind(0, { hostname: "not-an-ip", port: 1 }),
    TypeError,
    'hostname must be an IPv4 or IPv6 address, got "not-an-ip"',
  );
  await assertRejects(
    () => io.connectTcp({ hostname: "127.0.0.1", port: 70000 }),
    RangeError,
    "port must be an integer in 0..65535, got 70000",
  );
  assertThrows(
    () => io.localAddr(-1),
    TypeError,
    "fd must be a non-negative integer file descriptor, got -1",
  );
  // many failed preps on a 4-entry ring: each left a NOP, never a half-written SQE
  for (let i = 0; i < 10; i++) {
    await assertRejects(
      () => io.write(0, "x" as never),
      TypeError,
      "buffer must be a Uint8Array or another ArrayBufferView",
    );
  }
  await io.nop();
  assertEquals(io.pending, 0);
});

Deno.test("AsyncRing.link() rejects a chain whose op has a bad argument, and runs none of it", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("original");
  const fd = await io.open(tmp.path, { write: true });
  const resizable = new Uint8Array(new ArrayBuffer(8, { maxByteLength: 64 }));
  await assertRejects(
    () => io.link((c) => c.write(fd, enc.encode("CLOBBER!"), 0).read(fd, resizable, 0)),
    TypeError,
    "buffer is resizable: the kernel needs memory that cannot move",
  );
  await assertRejects(
    () =>
      io.link(() => {
        throw new SyntaxError("from the builder");
      }),
    SyntaxError,
    "from the builder",
  );
  await assertRejects(
    () =>
      io.link((c) => {
        for (let i = 0; i < 9; i++) c.nop();
      }),
    RangeError,
    "a chain of 9 ops does not fit a ring of 8 entries",
  );
  await io.nop();
  assertEquals(Deno.readTextFileSync(tmp.path), "original");
  await io.closeFd(fd);
});

Deno.test("AsyncRing with deferTaskrun but not singleIssuer: UringError EINVAL with a hint", () => {
  assertThrows(
    () => new AsyncRing({ deferTaskrun: true }),
    UringError,
    "deferTaskrun needs singleIssuer",
  );
});

Deno.test("AsyncRing ops after close() reject with 'AsyncRing is closed'", async () => {
  const io = new AsyncRing({ entries: 4 });
  io.close();
  io.close();
  assertEquals(io.closed, true);
  await assertRejects(() => io.nop(), Error, "AsyncRing is closed");
  await assertRejects(() => io.read(0, new Uint8Array(1)), Error, "AsyncRing is closed");
  await assertRejects(() => io.link((c) => c.nop()), Error, "AsyncRing is closed");
  await assertRejects(() => io.acceptMultishot(0).next(), Error, "AsyncRing is closed");
  await io[Symbol.asyncDispose]();
  assertEquals(io.ring.closed, true);
});

Deno.test("AsyncRing errors name the path or fd the op acted on", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const cases: [() => Promise<unknown>, string, string][] = [
    [() => io.mkdir("/tmp"), "'/tmp'", "mkdir '/tmp' failed: EEXIST (errno 17)"],
    [() => io.open("/no/such/x"), "'/no/such/x'", "open '/no/such/x' failed: ENOENT (errno 2)"],
    [
      () => io.rename("/no/a", new URL("file:///no/b")),
      "'/no/a' -> '/no/b'",
      "rename '/no/a' -> '/no/b' failed: ENOENT (errno 2)",
    ],
    [() => io.statx("/no/such"), "'/no/such'", "statx '/no/such' failed: ENOENT (errno 2)"],
    [
      () => io.read(999_999, new Uint8Array(4)),
      "fd 999999",
      "read fd 999999 failed: EBADF (errno 9)",
    ],
  ];
  for (const [op, target, message] of cases) {
    const e = await assertRejects(op, UringError);
    assertEquals([e.target, e.message], [target, message]);
  }
});
