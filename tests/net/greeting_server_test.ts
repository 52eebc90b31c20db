// examples/greeting_server.ts against real TCP clients (Deno.connect, not this module).
import { assert, assertEquals, assertGreater, assertLessOrEqual, assertRejects } from "@std/assert";
import { startGreetingServer } from "../../examples/greeting_server.ts";
import { fdCount } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Reads from `conn` until `want` bytes came or the peer closed. */
async function readAll(conn: Deno.Conn, want: number): Promise<string> {
  const buf = new Uint8Array(want);
  let got = 0;
  while (got < want) {
    const n = await conn.read(buf.subarray(got));
    if (n === null) break;
    got += n;
  }
  return dec.decode(buf.subarray(0, got));
}

/** Waits until `cond()` holds, polling the event loop (the server runs in this process). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 2000;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

Deno.test("greeting server: greet, echo the first line, close; two wakeups per connection", async () => {
  const greeting = "hello from io_uring\n";
  const server = await startGreetingServer({ port: 0, greeting });
  try {
    assertGreater(server.port, 0, "the kernel picked a port");
    for (let i = 0; i < 5; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      assertEquals(await readAll(conn, greeting.length), greeting);
      // the greeting is out and the recv waits in the kernel: no wakeup for this connection yet
      const line = `line ${i}: ${"x".repeat(i * 10)}\n`;
      await conn.write(enc.encode(line + "not echoed"));
      assertEquals(await readAll(conn, line.length + 100), line, "the first line, then EOF");
      conn.close();
    }
    await until(() => server.connections().length === 5, "5 finished connections");
    for (const c of server.connections()) {
      assertEquals(c.untilData, 2, `slot ${c.slot}: woke for the accept and the data only`);
      assert(c.total >= 2 && c.total <= 3, `slot ${c.slot}: ${c.total} wakeups in all`);
    }
    assertEquals(
      server.connections().map((c) => c.echoed),
      [0, 1, 2, 3, 4].map((i) => `line ${i}: ${"x".repeat(i * 10)}\n`.length),
    );
    assertLessOrEqual(server.wakeups(), 15, `${server.wakeups()} wakeups for 5 connections`);
  } finally {
    await server.close();
  }
});

Deno.test("greeting server: concurrent clients, no real fd per connection", async () => {
  const server = await startGreetingServer({ greeting: "hi\n", maxConnections: 64 });
  try {
    // open all clients first: their server sides are direct descriptors, not fds
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => Deno.connect({ hostname: "127.0.0.1", port: server.port })),
    );
    const greetings = await Promise.all(clients.map((c) => readAll(c, 3)));
    assert(greetings.every((g) => g === "hi\n"));
    const before = fdCount();
    await Promise.all(clients.map((c, i) => c.write(enc.encode(`client ${i}\n`))));
    const echoes = await Promise.all(clients.map((c, i) => readAll(c, `client ${i}\n`.length)));
    assertEquals(echoes, clients.map((_, i) => `client ${i}\n`));
    assertEquals(fdCount(), before, "the server made no fd for any of them");
    for (const c of clients) c.close();
    await until(() => server.connections().length === 20, "20 finished connections");
    for (const c of server.connections()) assertEquals(c.untilData, 2);
  } finally {
    await server.close();
  }
});

Deno.test("greeting server: a client that leaves without writing is closed on EOF", async () => {
  const server = await startGreetingServer({ greeting: "bye?\n" });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    assertEquals(await readAll(conn, 5), "bye?\n");
    conn.close();
    await until(() => server.connections().length === 1, "the EOF");
    assertEquals(server.connections()[0].echoed, 0);
    // the slot is free again: the next connection is served normally
    const again = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    assertEquals(await readAll(again, 5), "bye?\n");
    await again.write(enc.encode("ok\n"));
    assertEquals(await readAll(again, 3), "ok\n");
    again.close();
  } finally {
    await server.close();
    await server.close(); // idempotent
  }
});

Deno.test("greeting server: close() with a connection still open stops everything", async () => {
  const before = fdCount();
  const server = await startGreetingServer({ greeting: "x\n" });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  assertEquals(await readAll(conn, 2), "x\n");
  await server.close();
  assertEquals(await readAll(conn, 1), "", "the server side was closed with the ring");
  conn.close();
  assertEquals(fdCount(), before, "listening socket and ring fds are gone");
  await assertRejects(
    () => Deno.connect({ hostname: "127.0.0.1", port: server.port }),
    Deno.errors.ConnectionRefused,
  );
});
