// listen() and Listener under real clients (Deno.connect, the C echo client's shape: many
// connections at once), beside Deno.listen on the same inputs.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { AsyncRing, listen, Listener, netOn } from "../../ffi/mod.ts";
import { fdCount } from "../_helpers.ts";

const enc = (s: string) => new TextEncoder().encode(s);
function errOf(f: () => { close(): void }): string {
  try {
    f().close();
    return "ok";
  } catch (e) {
    const err = e as Error & { code?: string };
    return `${err.constructor.name}: ${err.message} ${err.code ?? ""}`;
  }
}

Deno.test("listen: addr as Deno.listen's for the same options", () => {
  for (const o of [{ hostname: "127.0.0.1" }, { hostname: "localhost" }, { hostname: "::1" }, {}]) {
    using ours = listen({ ...o, port: 0 });
    assertEquals(ours.addr.transport, "tcp");
    using theirs = Deno.listen({ ...o, port: 0 });
    assertEquals(ours.addr.hostname, theirs.addr.hostname, JSON.stringify(o));
    assert(ours.addr.port > 0);
  }
});

Deno.test("listen: errors as Deno.listen's on the same inputs", () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const cases: Deno.TcpListenOptions[] = [
    { hostname: "127.0.0.1", port: taken.addr.port },
    { hostname: "10.255.255.1", port: 0 },
    { hostname: "no.such.host.invalid", port: 0 },
    { hostname: "", port: 0 },
    { port: -1 },
    { port: 65536 },
    { port: NaN },
    { port: "80x" as unknown as number },
    { port: {} as unknown as number },
    { hostname: "127.0.0.1", port: " 0 " as unknown as number },
  ];
  for (const c of cases) {
    assertEquals(errOf(() => listen(c)), errOf(() => Deno.listen(c)), JSON.stringify(c));
  }
  assertThrows(
    () => listen({ transport: "udp" } as unknown as Deno.TcpListenOptions),
    TypeError,
    "Unsupported transport: 'udp'",
  );
});

Deno.test("Listener: accepts Deno.connect clients; addresses match theirs", async () => {
  using listener = listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ port: listener.addr.port });
  const conn = await listener.accept();
  assertEquals({ ...conn.remoteAddr }, { ...client.localAddr });
  assertEquals({ ...conn.localAddr }, { ...client.remoteAddr });
  await client.write(enc("abc"));
  const buf = new Uint8Array(8);
  assertEquals(await conn.read(buf), 3);
  client.close();
  assertEquals(await conn.read(buf), null);
  conn.close();
});

Deno.test("Listener: on a wildcard address, each connection's local address is its own", async () => {
  using listener = listen({ port: 0 });
  assertEquals(listener.addr.hostname, "0.0.0.0");
  using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using conn = await listener.accept();
  assertEquals(conn.localAddr.hostname, "127.0.0.1");
  assertEquals(conn.remoteAddr.port, client.localAddr.port);
});

Deno.test("Listener: close() settles a pending accept; the port is free at once", async () => {
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  const pending = listener.accept();
  await new Promise((r) => setTimeout(r, 10));
  listener.close();
  await assertRejects(() => pending, Deno.errors.BadResource, "Listener has been closed");
  await assertRejects(() => listener.accept(), Deno.errors.BadResource, "Listener has been closed");
  assertThrows(() => listener.close(), Deno.errors.BadResource, "Bad resource ID");
  listener[Symbol.dispose](); // no-op once closed
  listen({ hostname: "127.0.0.1", port }).close();
  Deno.listen({ hostname: "127.0.0.1", port }).close();
});

Deno.test("Listener: close() in the same turn as accept() (not yet submitted)", async () => {
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  const pending = listener.accept();
  listener.close();
  using again = listen({ hostname: "127.0.0.1", port: listener.addr.port });
  await assertRejects(() => pending, Deno.errors.BadResource, "Listener has been closed");
  // The new listener got the connection, not the closed one.
  using client = await Deno.connect({ port: again.addr.port });
  using conn = await again.accept();
  assertEquals(conn.remoteAddr.port, client.localAddr.port);
});

Deno.test("Listener: a second concurrent accept() is Busy, as Deno's", async () => {
  using listener = listen({ hostname: "127.0.0.1", port: 0 });
  const first = listener.accept();
  await assertRejects(() => listener.accept(), Deno.errors.Busy, "Another accept task is ongoing");
  using client = await Deno.connect({ port: listener.addr.port });
  using conn = await first;
  assertEquals(conn.remoteAddr.port, client.localAddr.port);
});

Deno.test("Listener: for await serves many concurrent clients; break closes it", async () => {
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  const n = 64;
  const serving = (async () => {
    const conns: Promise<void>[] = [];
    for await (const conn of listener) {
      conns.push((async () => {
        const buf = new Uint8Array(64);
        for (let r; (r = await conn.read(buf)) !== null;) {
          let off = 0;
          while (off < r) off += await conn.write(buf.subarray(off, r));
        }
        conn.close();
      })());
      if (conns.length === n) break;
    }
    await Promise.all(conns);
  })();
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const c = await Deno.connect({ port: listener.addr.port });
    for (let k = 0; k < 10; k++) {
      const msg = enc(`client ${i} message ${k}`);
      await c.write(msg);
      const got = new Uint8Array(msg.length);
      let have = 0;
      while (have < got.length) have += (await c.read(got.subarray(have)))!;
      assertEquals(got, msg);
    }
    c.close();
  }));
  await serving;
  await assertRejects(() => listener.accept(), Deno.errors.BadResource);
  const next = await listener[Symbol.asyncIterator]().next();
  assertEquals(next, { value: undefined, done: true });
});

Deno.test("Listener: reusePort lets two listeners share a port", () => {
  using a = listen({ hostname: "127.0.0.1", port: 0, reusePort: true });
  using b = listen({ hostname: "127.0.0.1", port: a.addr.port, reusePort: true });
  assertEquals(a.addr.port, b.addr.port);
});

Deno.test("Listener: no fd left behind after accept, close with a pending accept", async () => {
  listen({ hostname: "127.0.0.1", port: 0 }).close(); // warm the private ring
  const before = fdCount();
  for (let i = 0; i < 10; i++) {
    const l = listen({ hostname: "127.0.0.1", port: 0 });
    const c = await Deno.connect({ port: l.addr.port });
    (await l.accept()).close();
    c.close();
    const pending = l.accept();
    l.close();
    await pending.catch(() => {});
  }
  assertEquals(fdCount(), before);
});

Deno.test("netOn: listen() on a ring of one's own", async () => {
  await using io = new AsyncRing({ entries: 32 });
  using listener = netOn(io).listen({ hostname: "127.0.0.1", port: 0 });
  assert(listener instanceof Listener);
  using client = await Deno.connect({ port: listener.addr.port });
  using conn = await listener.accept();
  await client.write(enc("x"));
  assertEquals(await conn.read(new Uint8Array(4)), 1);
});
