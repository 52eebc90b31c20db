// serve() where Deno.serve's own tests (denoland/deno tests/unit/serve_test.ts) found it apart:
// request bodies the handler leaves, response streams that fail or never end, the signal's abort,
// refused heads' statuses and header joins, each checked against Deno.serve where both run.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { serve } from "../../ffi/mod.ts";
import { both, dec, enc, raw, readToEnd } from "./_serve_helpers.ts";

Deno.test("serve: a body its handler does not read ends the connection, as in Deno.serve", async () => {
  // The handler answers before the body comes: the answer says `connection: close`, and what the
  // client sends afterwards (here a "body" that reads like two more requests) is never served.
  const seen: string[] = [];
  let called = Promise.withResolvers<void>();
  await using s = both((req) => {
    seen.push(`${req.method} ${new URL(req.url).pathname}`);
    called.resolve();
    return new Response("ok");
  });
  const smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
  const second = "GET /second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  const answers: string[] = [];
  for (const port of [s.ours.addr.port, s.deno.addr.port]) {
    seen.length = 0;
    called = Promise.withResolvers<void>();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(enc.encode(
      `POST /first HTTP/1.1\r\nHost: a\r\nContent-Length: ${smuggled.length}\r\n\r\n`,
    ));
    await called.promise;
    await conn.write(enc.encode(smuggled + second)).catch(() => {});
    const text = await readToEnd(conn, 3000);
    assertEquals(seen, ["POST /first"]);
    answers.push(text);
  }
  assertEquals(answers[0], answers[1]);
  assert(answers[0].toLowerCase().includes("connection: close"), answers[0]);

  // a body that never comes: the answer goes out, and shutdown() does not wait for the body
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.ours.addr.port });
  called = Promise.withResolvers<void>();
  await conn.write(enc.encode("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"));
  await called.promise;
  const buf = new Uint8Array(4096);
  const n = await conn.read(buf);
  assert(dec.decode(buf.subarray(0, n!)).startsWith("HTTP/1.1 200 OK"));
  const t0 = performance.now();
  await s.ours.shutdown();
  assert(performance.now() - t0 < 1500, `shutdown took ${performance.now() - t0} ms`);
  conn.close();
});

// A body the handler reads keeps the connection on both. A body the answer streams back (an echo)
// keeps it here; Deno.serve closes that connection too (`connection: close`, then a reset), which
// costs its client a new connection for nothing: the body is read to its end either way.
Deno.test("serve: a body its handler reads, or answers with, keeps the connection", async () => {
  await using s = both(async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/text") return new Response(`got ${await req.text()}`);
    return new Response(req.body); // echo: the answer reads the body
  });
  const cases = [
    ["/text", s.ours.addr.port],
    ["/text", s.deno.addr.port],
    ["/echo", s.ours.addr.port],
  ] as const;
  for (const [path, port] of cases) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const buf = new Uint8Array(4096);
    let text = "";
    await conn.write(enc.encode(`POST ${path} HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n`));
    await new Promise((r) => setTimeout(r, 50));
    await conn.write(enc.encode("hello"));
    // the same connection serves a second request
    await conn.write(enc.encode("GET /text HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
    for (let n; (n = await conn.read(buf)) !== null;) text += dec.decode(buf.subarray(0, n));
    conn.close();
    assertEquals(text.match(/HTTP\/1\.1 200 OK/g)?.length, 2, `${path} on ${port}: ${text}`);
    assert(text.includes(path === "/text" ? "got hello" : "\r\nhello\r\n"), text);
  }
});

Deno.test("serve: repeated Cookie fields are one, joined with '; ', other fields with ', ', as in Deno.serve", async () => {
  await using s = both((req) =>
    Response.json({
      get: [req.headers.get("cookie"), req.headers.get("x-test")],
      list: [...req.headers],
    })
  );
  const head = "GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nX-Test: one\r\nCookie: b=2\r\n" +
    "X-Test: two\r\ncookie: c=3\r\nConnection: close\r\n\r\n";
  const [ours, deno] = await Promise.all([
    raw(s.ours.addr.port, head),
    raw(s.deno.addr.port, head),
  ]);
  assertEquals(ours, deno);
  const body = JSON.parse(ours.slice(ours.indexOf("\r\n\r\n") + 4));
  assertEquals(body.get, ["a=1; b=2; c=3", "one, two"]);
});

Deno.test("serve: a body stream that gives a string: the status goes out, the body breaks, onError as Deno.serve", async () => {
  for (const impl of ["ours", "deno"] as const) {
    const error = Promise.withResolvers<unknown>();
    const options = {
      port: 0,
      hostname: "127.0.0.1",
      onListen() {},
      onError(e: unknown) {
        error.resolve(e);
        return new Response("error", { status: 500 });
      },
    };
    const handler = () =>
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue("wat" as unknown as Uint8Array);
            c.close();
          },
        }),
      );
    const server = impl === "ours" ? serve(options, handler) : Deno.serve(options, handler);
    try {
      const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
      assertEquals(res.status, 200, impl);
      await assertRejects(() => res.text(), TypeError);
      const e = await error.promise;
      assert(e instanceof TypeError && e.message.includes("expected typed ArrayBufferView"), impl);
    } finally {
      await server.shutdown();
    }
  }
});

Deno.test("serve: a stream body is cut off when the client closes its side, as in Deno.serve", async () => {
  for (const late of [false, true]) {
    const cancelled = Promise.withResolvers<unknown>();
    const called = Promise.withResolvers<void>();
    const answer = Promise.withResolvers<void>();
    const server = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async () => {
      called.resolve();
      if (late) await answer.promise;
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(enc.encode("first"));
          },
          cancel(reason) {
            cancelled.resolve(reason);
          },
        }),
      );
    });
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(enc.encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    await called.promise;
    let text = "";
    const buf = new Uint8Array(4096);
    if (!late) {
      while (!text.includes("first")) text += dec.decode(buf.subarray(0, (await conn.read(buf))!));
    }
    await conn.closeWrite(); // the stream never ends: only the client's close stops it
    answer.resolve();
    assertEquals(await cancelled.promise, "resource closed"); // Deno.serve's reason
    // the body breaks off: no last chunk, the connection ends
    try {
      for (let n; (n = await conn.read(buf)) !== null;) text += dec.decode(buf.subarray(0, n));
    } catch { /* reset */ }
    conn.close();
    assert(!text.includes("0\r\n\r\n"), text);
    await server.shutdown();
  }
});

Deno.test("serve: shutdown() while a handler runs lets its stream body go out whole", async () => {
  const called = Promise.withResolvers<void>();
  const answer = Promise.withResolvers<void>();
  const data = new Uint8Array(1 << 20).map((_, i) => i);
  const server = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async () => {
    called.resolve();
    await answer.promise;
    return new Response(new Blob([data]).stream());
  });
  const res = fetch(`http://127.0.0.1:${server.addr.port}/`);
  await called.promise;
  const stopped = server.shutdown();
  answer.resolve();
  assertEquals(new Uint8Array(await (await res).arrayBuffer()), data);
  await stopped;
});

Deno.test("serve: the signal's abort ends the server without waiting for a handler, as in Deno.serve", async () => {
  for (const impl of ["ours", "deno"] as const) {
    const ac = new AbortController();
    const late = Promise.withResolvers<void>();
    const options = { signal: ac.signal, hostname: "127.0.0.1", port: 0, onListen() {} };
    // the handler waits for the server it runs in to finish: a graceful stop could never end
    const handler = async (req: Request) => {
      await req.text();
      ac.abort();
      await server.finished;
      late.resolve();
      return new Response("late");
    };
    const server: { finished: Promise<void>; addr: Deno.NetAddr } = impl === "ours"
      ? serve(options, handler)
      : Deno.serve(options, handler);
    await assertRejects(() =>
      fetch(`http://127.0.0.1:${server.addr.port}/`, { method: "POST", body: "x" })
    );
    await server.finished;
    await late.promise; // the handler ran to its end; its answer went nowhere
  }
});

Deno.test("serve: a 304 or 204 goes out without the handler's content-length or transfer-encoding, as in Deno.serve", async () => {
  await using s = both((req) =>
    new Response(null, {
      status: new URL(req.url).pathname === "/204" ? 204 : 304,
      headers: { "content-length": "100", "transfer-encoding": "chunked", etag: '"x"' },
    })
  );
  for (const path of ["/304", "/204"]) {
    const head = `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`;
    const [ours, deno] = await Promise.all([
      raw(s.ours.addr.port, head),
      raw(s.deno.addr.port, head),
    ]);
    assertEquals(ours, deno, path);
    assert(!/content-length|transfer-encoding/i.test(ours), ours);
  }
});

Deno.test("serve: a 128 KiB body with a length comes in a few large chunks, as from Deno.serve", async () => {
  const data = new Uint8Array(128 * 1024).map((_, i) => i);
  await using s = both(async (req) => {
    const sizes: number[] = [];
    const got: Uint8Array[] = [];
    await req.body!.pipeTo(new WritableStream({ write: (c) => void got.push(c) }));
    for (const c of got) sizes.push(c.length);
    const all = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
    let at = 0;
    for (const c of got) all.set(c, (at += c.length) - c.length);
    return Response.json({ sizes, same: all.every((b, i) => b === data[i]) && at === data.length });
  });
  for (const port of [s.ours.addr.port, s.deno.addr.port]) {
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: data });
    const { sizes, same } = await res.json();
    assert(same, `${port}`);
    assert(sizes.length <= 4, `${port}: ${sizes}`);
  }
});
