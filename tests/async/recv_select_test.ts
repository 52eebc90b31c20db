import { assertEquals, assertRejects } from "@std/assert";
import { AsyncRing, UringError } from "../../ffi/mod.ts";

async function pair(io: AsyncRing) {
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const [cfd, conn] = await Promise.all([
    io.connectTcp({ hostname: "127.0.0.1", port: io.localAddr(lfd).port }),
    io.accept(lfd),
  ]);
  await io.closeFd(lfd);
  return [cfd, conn];
}

Deno.test("recvSelect: takes a buffer only when data arrives, recycled by the caller", async () => {
  await using io = new AsyncRing({ entries: 32 });
  using group = io.ring.registerBufRing({ group: 3, entries: 2, size: 8 });
  const [a, b] = await pair(io);
  const [c, d] = await pair(io);
  // Three receives wait on a ring of two buffers: none is taken while nothing has arrived.
  const r1 = io.recvSelect(b, group), r2 = io.recvSelect(d, group);
  await io.send(a, new TextEncoder().encode("0123456789")); // more than one buffer holds
  const v1 = await r1;
  const n1 = Math.floor(v1 / 0x10000), id1 = v1 % 0x10000;
  assertEquals(new TextDecoder().decode(group.get(id1, n1).slice()), "01234567");
  group.recycle(id1);
  const v2 = await io.recvSelect(b, group);
  assertEquals(
    new TextDecoder().decode(group.get(v2 % 0x10000, Math.floor(v2 / 0x10000)).slice()),
    "89",
  );
  group.recycle(v2 % 0x10000);
  await io.send(c, new Uint8Array([1]));
  const v3 = await r2;
  assertEquals(Math.floor(v3 / 0x10000), 1);
  group.recycle(v3 % 0x10000);
  for (const fd of [a, c]) await io.closeFd(fd);
  assertEquals(await io.recvSelect(b, group), 0);
  assertEquals(await io.recvSelect(d, group), 0);
  for (const fd of [b, d]) await io.closeFd(fd);
});

Deno.test("recvSelect: ENOBUFS when every buffer is out", async () => {
  await using io = new AsyncRing({ entries: 32 });
  using group = io.ring.registerBufRing({ group: 4, entries: 1, size: 8 });
  const [a, b] = await pair(io);
  await io.send(a, new Uint8Array(20));
  const held = await io.recvSelect(b, group); // the only buffer, not recycled
  const err = await assertRejects(() => io.recvSelect(b, group), UringError);
  assertEquals(err.errno, 105);
  group.recycle(held % 0x10000);
  assertEquals(Math.floor((await io.recvSelect(b, group)) / 0x10000), 8);
  for (const fd of [a, b]) await io.closeFd(fd);
});
