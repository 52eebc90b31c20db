// examples/echo_server.ts under real clients (Deno.connect), started as a subprocess.
import { assert, assertEquals } from "@std/assert";
import {
  enc,
  eventually,
  fdsOf,
  readAll,
  sendThenReset,
  socketsOf,
  startServer,
  startServerWith,
} from "../_servers.ts";

/** Sends `data` and reads the same number of bytes back, both at once. */
async function echo(port: number, data: Uint8Array): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const got = new Uint8Array(data.length);
  const writing = (async () => {
    for (let off = 0; off < data.length;) off += await conn.write(data.subarray(off));
  })();
  let have = 0;
  while (have < data.length) {
    const n = await conn.read(got.subarray(have));
    if (n === null) break;
    have += n;
  }
  await writing;
  conn.close();
  assertEquals(have, data.length, "short echo");
  return got;
}

function random(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, i + 65536));
  return b;
}

for (const mode of [[], ["--multishot"]]) {
  const label = mode.length ? "multishot receive" : "plain receive";

  Deno.test(`echo_server (${label}): 1 MiB comes back intact and in order`, async () => {
    await using server = await startServer("echo_server", ...mode);
    const data = random(1 << 20);
    assertEquals(await echo(server.port, data), data);
  });

  Deno.test(`echo_server (${label}): 500 concurrent connections`, async () => {
    await using server = await startServer("echo_server", ...mode);
    const conns = await Promise.all(
      Array.from({ length: 500 }, () => Deno.connect({ hostname: "127.0.0.1", port: server.port })),
    );
    await eventually(() => socketsOf(server.pid, server.port) === 501, "500 accepted sockets");
    const replies = await Promise.all(conns.map(async (c, i) => {
      const msg = enc.encode(`hello ${i}\n`);
      await c.write(msg);
      const buf = new Uint8Array(msg.length);
      let have = 0;
      while (have < msg.length) have += (await c.read(buf.subarray(have)))!;
      return new TextDecoder().decode(buf);
    }));
    replies.forEach((r, i) => assertEquals(r, `hello ${i}\n`));
    for (const c of conns) c.close();
    // every connection's fd is closed once its peer is gone
    await eventually(() => socketsOf(server.pid, server.port) === 1, "only the listener left");
  });

  Deno.test(`echo_server (${label}): peers that reset or close mid-stream`, async () => {
    await using server = await startServer("echo_server", ...mode);
    // a peer that resets with data still unread by it (the echo hits a reset connection)
    for (let i = 0; i < 20; i++) await sendThenReset(server.port, random(200_000));
    // a peer that stops reading and closes while the server is sending
    const c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await c.write(random(4 << 20)).catch(() => {});
    c.close();
    // the server still serves, and holds no fd of the dead connections
    const data = random(4096);
    assertEquals(await echo(server.port, data), data);
    await eventually(() => socketsOf(server.pid, server.port) === 1, "only the listener left");
  });
}

Deno.test("echo_server --workers 2: two rings, both serving, one port", async () => {
  await using server = await startServer("echo_server", "--workers", "2");
  // each worker's AsyncRing: its ring (the event-loop wake-up, once there, needs no ring of its own)
  const rings = fdsOf(server.pid).filter((t) => t.includes("io_uring")).length;
  assertEquals(rings, 2);
  const results = await Promise.all(
    Array.from({ length: 50 }, () => echo(server.port, enc.encode("x".repeat(1000)))),
  );
  for (const r of results) assertEquals(r.length, 1000);
  const { code, output } = await server.stop();
  assertEquals([code, output.trim()], [0, "closed"]);
});

Deno.test("echo_server: SIGTERM with connections open closes them and exits 0", async () => {
  const server = await startServer("echo_server");
  const conns = await Promise.all(
    Array.from({ length: 10 }, () => Deno.connect({ hostname: "127.0.0.1", port: server.port })),
  );
  await eventually(
    () => socketsOf(server.pid, server.port) === 11,
    "10 connections and the listener",
  );
  const ends = conns.map((c) => readAll(c));
  const { code, output } = await server.stop("SIGTERM");
  assertEquals([code, output.trim()], [0, "closed"]);
  // every client sees the end of the stream: the server shut the connections down
  for (const end of ends) assertEquals(await end, "");
  for (const c of conns) c.close();
});

Deno.test("echo_server: SIGINT exits 0 too", async () => {
  const server = await startServer("echo_server", "--multishot");
  const data = random(1000);
  assertEquals(await echo(server.port, data), data);
  const { code, output } = await server.stop("SIGINT");
  assertEquals(code, 0);
  assert(output.includes("closed"));
});

Deno.test("echo_server: out of fds (EMFILE), it keeps the listener and accepts again", async () => {
  await using server = await startServerWith({ maxFds: 60 }, "echo_server");
  // more connections than the server has fds: the rest wait in the listen backlog
  const conns = await Promise.all(
    Array.from({ length: 80 }, () => Deno.connect({ hostname: "127.0.0.1", port: server.port })),
  );
  await eventually(() => socketsOf(server.pid, server.port) > 20, "some accepted");
  assert(socketsOf(server.pid, server.port) <= 60);
  for (const c of conns) c.close();
  await eventually(() => socketsOf(server.pid, server.port) === 1, "only the listener left");
  const data = random(1000);
  assertEquals(await echo(server.port, data), data);
});
