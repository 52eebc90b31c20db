import { assertEquals, assertInstanceOf, assertRejects } from "@std/assert";
import { AsyncRing, fixed, OpenFlag, UringError } from "../../ffi/mod.ts";
import { tempFile } from "../_helpers.ts";

const enc = new TextEncoder();

Deno.test("AsyncRing.link() runs a write+fsync chain and resolves one result per op", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("");
  const fd = await io.open(tmp.path, { write: true });
  const res = await io.link((c) => {
    c.write(fd, enc.encode("header"), 0);
    c.write(fd, enc.encode("-body"), 6);
    c.fsync(fd);
  });
  assertEquals(res, [6, 5, 0]);
  assertEquals(Deno.readTextFileSync(tmp.path), "header-body");
  await io.closeFd(fd);
});

Deno.test("AsyncRing.link() with a failing first op: its UringError, then ECANCELED for the rest", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("untouched");
  const fd = await io.open(tmp.path, { write: true });
  const [a, b, c] = await io.link((ch) => {
    ch.read(1 << 30, new Uint8Array(4), 0); // EBADF
    ch.write(fd, enc.encode("CHANGED!!"), 0);
    ch.nop();
  });
  assertInstanceOf(a, UringError);
  assertEquals(a.code, "EBADF");
  assertEquals(a.call, "read");
  assertInstanceOf(b, UringError);
  assertEquals([b.code, b.call], ["ECANCELED", "write"]);
  assertInstanceOf(c, UringError);
  assertEquals(c.code, "ECANCELED");
  assertEquals(Deno.readTextFileSync(tmp.path), "untouched");
  await io.closeFd(fd);
});

Deno.test("AsyncRing.link() with hardlink goes on after a failure", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [a, b] = await io.link((c) => c.read(1 << 30, new Uint8Array(1), 0).nop(), {
    hardlink: true,
  });
  assertInstanceOf(a, UringError);
  assertEquals(a.code, "EBADF");
  assertEquals(b, 0);
});

Deno.test("AsyncRing.link() with drain waits for earlier ops; a chain timer entry is 0", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const order: string[] = [];
  const t = io.timeout(30).then(() => order.push("timeout"));
  const chain = io.link((c) => c.nop(), { drain: true }).then(() => order.push("chain"));
  await Promise.all([t, chain]);
  assertEquals(order, ["timeout", "chain"]);
  assertEquals(await io.link((c) => c.timeout(5).nop()), [0, 0]);
});

Deno.test("AsyncRing.link() chains that do not fit the free SQ wait for room, in order", async () => {
  await using io = new AsyncRing({ entries: 8 });
  using tmp = tempFile("");
  const fd = await io.open(tmp.path, { write: true });
  const chains = [];
  for (let i = 0; i < 10; i++) {
    chains.push(io.link((c) => {
      for (let j = 0; j < 5; j++) c.write(fd, enc.encode(String(j)), i * 5 + j);
    }));
  }
  for (const r of await Promise.all(chains)) assertEquals(r, [1, 1, 1, 1, 1]);
  assertEquals(Deno.readTextFileSync(tmp.path), "01234".repeat(10));
  assertEquals(await io.link(() => {}), []);
  await io.closeFd(fd);
});

Deno.test("AsyncLinkBuilder.openatDirect() opens into a slot that the rest of the chain uses", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(path, "direct chain");
  await using io = new AsyncRing({ entries: 8 });
  using _table = io.ring.registerFiles(2);
  const buf = new Uint8Array(32);
  // A short read (12 of 32 bytes) ends an IO_LINK chain; hard links close the slot anyway.
  const [opened, n, closed] = await io.link(
    (c) =>
      c.openatDirect(-100, path, OpenFlag.RDONLY, 0, 1).read(fixed(1), buf, 0).closeFd(fixed(1)),
    { hardlink: true },
  );
  assertEquals([opened, n, closed], [0, 12, 0]);
  assertEquals(new TextDecoder().decode(buf.subarray(0, 12)), "direct chain");
  await Deno.remove(path);
});

Deno.test("AsyncRing.link({ hardlink, signal }): an abort also stops ops that had not started", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const [r1, w1] = await io.pipe();
  const [r2, w2] = await io.pipe();
  const ctl = new AbortController();
  // both reads wait on idle pipes; the second starts only once the first is cancelled, and the
  // kernel's cancel cannot reach it before: the engine sends the cancels again until it is done
  const chain = io.link(
    (c) => c.read(r1, new Uint8Array(8)).read(r2, new Uint8Array(8)),
    { hardlink: true, signal: ctl.signal },
  );
  setTimeout(() => ctl.abort(), 10);
  const e = await assertRejects(() => chain, DOMException);
  assertEquals(e.name, "AbortError");
  assertEquals(io.pending, 0);
  for (const fd of [r1, w1, r2, w2]) await io.closeFd(fd);
});
