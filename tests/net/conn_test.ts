// connect() and TcpConn against real peers (Deno.listen, nc), and beside Deno.connect on the
// same inputs: results, errors, fds.
import { assert, assertEquals, assertInstanceOf, assertRejects } from "@std/assert";
import { AsyncRing, connect, netOn, TcpConn } from "../../ffi/mod.ts";
import { fdCount, patternBytes } from "../_helpers.ts";

const enc = (s: string) => new TextEncoder().encode(s);
type ErrShape = { class: string; message: string; code?: string };
async function errOf(p: () => Promise<unknown>): Promise<ErrShape | "ok"> {
  try {
    const r = await p();
    (r as Deno.Conn | undefined)?.close?.();
    return "ok";
  } catch (e) {
    const err = e as Error & { code?: string };
    return { class: err.constructor.name, message: err.message, code: err.code };
  }
}

Deno.test("connect: talks to a Deno.listen server, addresses as Deno's", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conn = await connect({ hostname: "127.0.0.1", port: server.addr.port });
  const peer = await server.accept();
  assertInstanceOf(conn, TcpConn);
  assertEquals({ ...conn.remoteAddr }, { ...peer.localAddr });
  assertEquals({ ...conn.localAddr }, { ...peer.remoteAddr });
  assertEquals(Object.getPrototypeOf(conn.localAddr), Object.getPrototypeOf(peer.localAddr));
  assertEquals(await conn.write(enc("ping")), 4);
  const buf = new Uint8Array(16);
  assertEquals(await peer.read(buf), 4);
  await peer.write(enc("pong!"));
  assertEquals(await conn.read(buf), 5);
  assertEquals(new TextDecoder().decode(buf.subarray(0, 5)), "pong!");
  peer.close();
  assertEquals(await conn.read(buf), null);
  assertEquals(await conn.read(new Uint8Array(0)), 0);
  conn.close();
});

Deno.test('connect: "localhost" resolves as Deno.connect resolves it', async () => {
  using server = Deno.listen({ hostname: "localhost", port: 0 });
  const ours = await connect({ hostname: "localhost", port: server.addr.port });
  const theirs = await Deno.connect({ hostname: "localhost", port: server.addr.port });
  assertEquals(ours.remoteAddr.hostname, theirs.remoteAddr.hostname);
  (await server.accept()).close();
  (await server.accept()).close();
  ours.close();
  theirs.close();
});

Deno.test("connect: IPv6 loopback", async () => {
  using server = Deno.listen({ hostname: "::1", port: 0 });
  using conn = await connect({ hostname: "::1", port: server.addr.port });
  using peer = await server.accept();
  assertEquals(conn.remoteAddr.hostname, "::1");
  assertEquals(conn.localAddr.port, peer.remoteAddr.port);
});

Deno.test("connect: errors as Deno.connect's on the same inputs", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  const cases: Deno.ConnectOptions[] = [
    { hostname: "127.0.0.1", port },
    { hostname: "::1", port },
    { port },
    { hostname: "no.such.host.invalid", port: 80 },
    { hostname: "", port: 80 },
    { hostname: " ", port: 80 },
    { port: -1 },
    { port: 65536 },
    { port: 0 },
    { port: 1.5 },
    { port: "80x" as unknown as number },
    { port: undefined as unknown as number },
    { port: true as unknown as number },
  ];
  for (const c of cases) {
    assertEquals(
      await errOf(() => connect(c)),
      await errOf(() => Deno.connect(c)),
      JSON.stringify(c),
    );
  }
  const unsupported = { transport: "udp", port } as unknown as Deno.ConnectOptions;
  await assertRejects(() => connect(unsupported), TypeError, "Unsupported transport");
});

Deno.test("connect: an aborted signal rejects with its reason", async () => {
  const ac = new AbortController();
  ac.abort();
  const err = await assertRejects(() => connect({ port: 1, signal: ac.signal }));
  assertEquals((err as Error).name, "AbortError");
});

Deno.test("TcpConn: close() settles a pending read with Interrupted, the peer sees the end", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conn = await connect({ port: server.addr.port });
  using peer = await server.accept();
  const pending = conn.read(new Uint8Array(8));
  await new Promise((r) => setTimeout(r, 20));
  conn.close();
  const err = await assertRejects(() => pending, Deno.errors.Interrupted, "operation canceled");
  assertEquals((err as Error & { code: string }).code, "EINTR");
  assertEquals(await peer.read(new Uint8Array(8)), null);
  await assertRejects(
    () => conn.read(new Uint8Array(8)),
    Deno.errors.BadResource,
    "Bad resource ID",
  );
  await assertRejects(() => conn.write(enc("x")), Deno.errors.BadResource, "Bad resource ID");
  await assertRejects(() => conn.closeWrite(), Deno.errors.BadResource);
  assertEquals(errSync(() => conn.close()), "BadResource: Bad resource ID");
  assertEquals(errSync(() => conn.setNoDelay()), "BadResource: Bad resource ID");
  conn[Symbol.dispose](); // no-op once closed
});

function errSync(f: () => void): string {
  try {
    f();
    return "ok";
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

Deno.test("TcpConn: close() in the same turn as read() (not yet submitted) still settles it", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conn = await connect({ port: server.addr.port });
  using _peer = await server.accept();
  const pending = conn.read(new Uint8Array(8));
  conn.close();
  await assertRejects(() => pending, Deno.errors.Interrupted);
});

Deno.test("TcpConn: closeWrite() lets earlier writes out; later writes fail as Deno's", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using conn = await connect({ port: server.addr.port });
  using peer = await server.accept();
  const big = patternBytes(1 << 20);
  const writing = conn.write(big); // may take only part, as Deno's write
  const shut = conn.closeWrite();
  const sent = await writing;
  await shut;
  const err = await assertRejects(() => conn.write(enc("late")), Deno.errors.BrokenPipe);
  assertEquals((err as Error).message, "Broken pipe (os error 32)");
  let got = 0;
  const buf = new Uint8Array(1 << 16);
  for (let n; (n = await peer.read(buf)) !== null;) got += n;
  assertEquals(got, sent);
  await peer.write(enc("still reads"));
  assertEquals(await conn.read(buf), 11);
});

Deno.test("TcpConn: readable/writable pipe an echo, and end the connection as Deno's", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conn = await connect({ port: server.addr.port });
  const peer = await server.accept();
  const echoing = peer.readable.pipeTo(peer.writable);
  const data = patternBytes(300_000, 7);
  const writer = conn.writable.getWriter();
  const reading = (async () => {
    const parts: Uint8Array[] = [];
    let n = 0;
    for await (const chunk of conn.readable) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= data.length) break; // cancels: closes the connection
    }
    const all = new Uint8Array(n);
    let off = 0;
    for (const p of parts) all.set(p, (off += p.length) - p.length);
    return all;
  })();
  await writer.write(data);
  assertEquals(await reading, data);
  await echoing.catch(() => {});
  await assertRejects(() => conn.read(new Uint8Array(1)), Deno.errors.BadResource);
});

Deno.test("TcpConn: setNoDelay/setKeepAlive succeed as Deno's", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using conn = await connect({ port: server.addr.port });
  using _peer = await server.accept();
  conn.setNoDelay();
  conn.setNoDelay(false);
  conn.setKeepAlive();
  conn.setKeepAlive(false);
});

Deno.test("TcpConn: a buffer detached while its read is pending cannot be written by the kernel", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using conn = await connect({ port: server.addr.port });
  using peer = await server.accept();
  const buf = new Uint8Array(1024);
  const pending = conn.read(buf);
  await new Promise((r) => setTimeout(r, 10));
  const moved = buf.buffer.transfer(); // detaches buf
  await peer.write(enc("after"));
  // The ring read into its own memory and reports the bytes it could not deliver.
  await assertRejects(() => pending, TypeError, "detached");
  assertEquals(new Uint8Array(moved).subarray(0, 5), new Uint8Array(5)); // the kernel wrote elsewhere
});

Deno.test("connect/close: no fd left behind", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = server.addr.port;
  await (await connect({ port })).close(); // warm the ring and resolver
  (await server.accept()).close();
  const before = fdCount();
  for (let i = 0; i < 20; i++) {
    const conn = await connect({ port });
    const peer = await server.accept();
    const pending = conn.read(new Uint8Array(4));
    conn.close();
    await pending.catch(() => {});
    peer.close();
  }
  await assertRejects(() => connect({ port: 1 }), Deno.errors.ConnectionRefused);
  assertEquals(fdCount(), before);
});

Deno.test("netOn: connect() on a ring of one's own", async () => {
  await using io = new AsyncRing({ entries: 32 });
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using conn = await netOn(io).connect({ port: server.addr.port });
  using peer = await server.accept();
  await peer.write(enc("hey"));
  assertEquals(await conn.read(new Uint8Array(8)), 3);
});

Deno.test("connect: talks to nc", async () => {
  using probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const nc = new Deno.Command("nc", {
    args: ["-l", "127.0.0.1", String(port)],
    stdout: "piped",
    stdin: "null",
  }).spawn();
  let conn: TcpConn | undefined;
  for (let i = 0; i < 100 && conn === undefined; i++) {
    conn = await connect({ port }).catch(() => undefined);
    if (conn === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  assert(conn !== undefined, "nc did not listen");
  await conn.write(enc("to nc\n"));
  conn.close();
  const out = await nc.output();
  assertEquals(new TextDecoder().decode(out.stdout), "to nc\n");
});

Deno.test("connect/listen: outside --allow-net, NotCapable with Deno's message", async () => {
  const src = `
    import { connect, listen } from ${
    JSON.stringify(new URL("../../mod.ts", import.meta.url).href)
  };
    const out = [];
    for (const [f, o] of [[listen, { port: 4000 }], [listen, { hostname: "::1", port: 4001 }],
        [connect, { hostname: "localhost", port: 4002 }], [connect, { port: 4003 }]]) {
      try { await f(o); out.push("ok"); } catch (e) { out.push(e.constructor.name + ": " + e.message); }
    }
    for (const [f, o] of [[Deno.listen, { port: 4000 }], [Deno.listen, { hostname: "::1", port: 4001 }],
        [Deno.connect, { hostname: "localhost", port: 4002 }], [Deno.connect, { port: 4003 }]]) {
      try { await f(o); out.push("ok"); } catch (e) { out.push(e.constructor.name + ": " + e.message); }
    }
    console.log(JSON.stringify(out));
  `;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, src);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--allow-ffi", "--allow-read", "--allow-env", "--no-check", file],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  await Deno.remove(file);
  const got = JSON.parse(new TextDecoder().decode(out.stdout)) as string[];
  assertEquals(got.slice(0, 4), got.slice(4));
  assert(got[0].startsWith('NotCapable: Requires net access to "0.0.0.0:4000"'), got[0]);
});

/** fds open now, with what connect() makes once (its sync ring) already made. */
async function fdsAfterWarmUp(port: number, server: Deno.Listener): Promise<number> {
  const io = new AsyncRing({ entries: 8 }); // not the default ring, whose fds may change
  (await netOn(io).connect({ port })).close();
  (await server.accept()).close();
  await io[Symbol.asyncDispose]();
  return fdCount();
}

Deno.test("TcpConn: no fd left behind when its ring closes while close() waits for a read", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const before = await fdsAfterWarmUp(server.addr.port, server);
  const io = new AsyncRing({ entries: 32 });
  const conn = await netOn(io).connect({ port: server.addr.port });
  const peer = await server.accept();
  const pending = conn.read(new Uint8Array(8));
  await new Promise((r) => setTimeout(r, 10));
  conn.close(); // the read is in flight: the fd waits for it
  const rejected = assertRejects(() => pending);
  await io[Symbol.asyncDispose](); // ... which now settles without the ring's CQE
  await rejected;
  assertEquals(await peer.read(new Uint8Array(8)), null);
  peer.close();
  assertEquals(fdCount(), before);
});

Deno.test("TcpConn: close() after its ring closed frees the fd at once", async () => {
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const before = await fdsAfterWarmUp(server.addr.port, server);
  const io = new AsyncRing({ entries: 32 });
  const conn = await netOn(io).connect({ port: server.addr.port });
  const peer = await server.accept();
  const pending = conn.read(new Uint8Array(8));
  const write = conn.write(enc("x")).catch(() => 0); // sent, or rejected by the ring's close
  const rejected = assertRejects(() => pending);
  await io[Symbol.asyncDispose]();
  await rejected;
  await write;
  conn.close();
  await peer.read(new Uint8Array(8)); // "x" or the end
  peer.close();
  assertEquals(fdCount(), before);
});
