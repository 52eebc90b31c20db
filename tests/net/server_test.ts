// serveTcp() and sendAll() (ffi/net/server.ts) with real clients in the same process.
import { assertEquals, assertRejects } from "@std/assert";
import { alignedBuffer, AsyncRing, sendAll, serveTcp } from "../../ffi/mod.ts";
import { fdCount } from "../_helpers.ts";

Deno.test("serveTcp() serves connections concurrently and shutdown() closes every fd", async () => {
  const before = fdCount();
  {
    await using io = new AsyncRing({ entries: 64 });
    const server = await serveTcp(io, { port: 0 }, async (fd) => {
      const buf = alignedBuffer(1024);
      for (let n; (n = await io.recv(fd, buf)) > 0;) await sendAll(io, fd, buf.subarray(0, n));
    });
    const conns = await Promise.all(
      Array.from({ length: 20 }, () => Deno.connect({ port: server.addr.port })),
    );
    for (const [i, c] of conns.entries()) await c.write(new Uint8Array([i]));
    for (const [i, c] of conns.entries()) {
      const b = new Uint8Array(1);
      assertEquals(await c.read(b), 1);
      assertEquals(b[0], i);
    }
    assertEquals(server.connections, 20);
    const ends = conns.map((c) => c.read(new Uint8Array(1)));
    await server.shutdown(); // connections still open: they are shut down and closed
    for (const end of ends) assertEquals(await end, null);
    for (const c of conns) c.close();
    assertEquals(server.connections, 0);
    await server.finished;
  }
  assertEquals(fdCount(), before);
});

Deno.test("serveTcp() ends a receive left in flight by a handler that throws", async () => {
  await using io = new AsyncRing({ entries: 64 });
  const server = await serveTcp(io, { port: 0 }, (fd) => {
    io.recv(fd, alignedBuffer(64)).catch(() => {}); // left in flight
    return Promise.reject(new Error("handler failed"));
  });
  const conn = await Deno.connect({ port: server.addr.port });
  assertEquals(await conn.read(new Uint8Array(8)), null); // shut down and closed, not left open
  conn.close();
  await server.shutdown();
});

Deno.test("serveTcp() rejects bad arguments and a port in use", async () => {
  await using io = new AsyncRing({ entries: 16 });
  await assertRejects(() => serveTcp(io, null as never, async () => {}), TypeError);
  await assertRejects(() => serveTcp(io, {}, "x" as never), TypeError);
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await assertRejects(() => serveTcp(io, { port: taken.addr.port }, async () => {}), Error);
});

Deno.test("sendAll() rejects on a peer that is gone", async () => {
  await using io = new AsyncRing({ entries: 16 });
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [fd, peer] = await Promise.all([
    io.connectTcp({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  peer.close();
  const big = new Uint8Array(8 << 20);
  await assertRejects(async () => {
    for (let i = 0; i < 4; i++) await sendAll(io, fd, big); // EPIPE or ECONNRESET
  });
  await io.closeFd(fd);
});
