import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { serve, type ServeHandler } from "../../ffi/mod.ts";
import { attachFileBody } from "../../ffi/net/_file_body.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

/** The same handler on Deno.serve and on serve(), both on 127.0.0.1:0. */
function both(handler: ServeHandler) {
  const quiet = { port: 0, hostname: "127.0.0.1", onListen() {} };
  const ours = serve({ ...quiet, onError: () => new Response("err", { status: 500 }) }, handler);
  const deno = Deno.serve(
    { ...quiet, onError: () => new Response("err", { status: 500 }) },
    handler as Deno.ServeHandler,
  );
  return {
    ours,
    deno,
    async [Symbol.asyncDispose]() {
      await ours.shutdown();
      await deno.shutdown();
    },
  };
}

/** Sends raw bytes, reads until the server closes (or `ms`), returns the text with dates blanked. */
async function raw(port: number, data: string | Uint8Array, ms = 2000): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(typeof data === "string" ? enc.encode(data) : data);
  return await readToEnd(conn, ms);
}

/** Reads `conn` until the server closes it (or `ms`), closes it; the text with dates blanked. */
async function readToEnd(conn: Deno.Conn, ms: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  const timer = setTimeout(() => conn.close(), ms);
  try {
    for (let n; (n = await conn.read(buf)) !== null;) chunks.push(buf.slice(0, n));
  } catch {
    /* closed by the timer, or reset by the server */
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed */ }
  }
  let s = "";
  for (const c of chunks) s += dec.decode(c, { stream: true });
  return s.replace(/date: [^\r]*/gi, "date: X");
}

/** Status, headers (date blanked) and body of a fetch. */
async function shape(url: string, init?: RequestInit) {
  const r = await fetch(url, init);
  const headers = [...r.headers].map(([k, v]) => [k, k === "date" ? "X" : v]);
  return { status: r.status, headers, body: await r.text() };
}

const handler: ServeHandler = async (req, info) => {
  const u = new URL(req.url);
  switch (u.pathname) {
    case "/":
      return new Response("Hello, World!");
    case "/info":
      return Response.json({
        method: req.method,
        url: req.url.replace(/:\d+\//, ":P/"),
        headers: [...req.headers].filter(([k]) => k !== "host"),
        remote: info.remoteAddr.hostname,
        instance: req instanceof Request,
      });
    case "/echo":
      return new Response(await req.text(), {
        headers: { "x-len": String(req.headers.get("content-length")) },
      });
    case "/stream":
      return new Response(
        new ReadableStream({
          async start(c) {
            c.enqueue(enc.encode("one "));
            await new Promise((r) => setTimeout(r, 5));
            c.enqueue(enc.encode("two"));
            c.close();
          },
        }),
      );
    case "/pipe":
      return new Response(req.body);
    case "/blob":
      return new Response(new Blob(["abc"], { type: "x/y" }));
    case "/form": {
      const f = new URLSearchParams("a=1&b=2");
      return new Response(f);
    }
    case "/204":
      return new Response(null, { status: 204 });
    case "/bytes":
      return new Response(new Uint8Array([65, 66]), {
        status: 201,
        headers: { "X-Foo": "bar", "set-cookie": "a=1" },
      });
    case "/big":
      return new Response("x".repeat(200_000));
    case "/throw":
      throw new Error("handler failed on purpose");
    case "/notresponse":
      return "nope" as unknown as Response;
  }
  return new Response("not found", { status: 404 });
};

Deno.test("serve: answers like Deno.serve (status, headers, bodies) for fetch", async () => {
  await using s = both(handler);
  const paths = ["/", "/info?x=1", "/stream", "/blob", "/form", "/204", "/bytes", "/big", "/nope"];
  for (const p of paths) {
    const a = await shape(`http://127.0.0.1:${s.ours.addr.port}${p}`);
    const b = await shape(`http://127.0.0.1:${s.deno.addr.port}${p}`);
    assertEquals(a, b, p);
  }
  for (const p of ["/throw", "/notresponse"]) {
    const a = await shape(`http://127.0.0.1:${s.ours.addr.port}${p}`);
    assertEquals(a.status, 500, p);
    assertEquals(a.body, "err");
  }
  const init = { method: "POST", body: "a body", headers: { "x-custom": "v" } };
  assertEquals(
    await shape(`http://127.0.0.1:${s.ours.addr.port}/echo`, init),
    await shape(`http://127.0.0.1:${s.deno.addr.port}/echo`, init),
  );
  const info = await (await fetch(`http://127.0.0.1:${s.ours.addr.port}/info`)).json();
  assertEquals(info.instance, true);
  assertEquals(info.remote, "127.0.0.1");
});

Deno.test("serve: streamed and chunked request bodies, piped back as a chunked response", async () => {
  await using s = both(handler);
  const big = "0123456789".repeat(100_000); // 1 MB, many receives
  for (const port of [s.ours.addr.port, s.deno.addr.port]) {
    const body = new ReadableStream({
      start(c) {
        c.enqueue(enc.encode(big.slice(0, 500_000)));
        c.enqueue(enc.encode(big.slice(500_000)));
        c.close();
      },
    });
    const r = await fetch(`http://127.0.0.1:${port}/pipe`, { method: "POST", body });
    assertEquals(r.headers.get("transfer-encoding"), "chunked");
    assertEquals(await r.text(), big);
  }
});

Deno.test("serve: keep-alive, pipelining, HEAD, HTTP/1.0 and 100-continue over raw TCP", async () => {
  await using s = both(handler);
  const pipelined = "GET / HTTP/1.1\r\nHost: a\r\n\r\n" +
    "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n" +
    "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n" +
    "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  const cases = [
    pipelined,
    "GET / HTTP/1.0\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
  ];
  for (const c of cases) {
    const ms = c.includes("keep-alive") || c.includes("Expect") ? 500 : 2000;
    const ours = raw(s.ours.addr.port, c, ms), deno = raw(s.deno.addr.port, c, ms);
    assertEquals(await ours, await deno, c);
  }
  // the body after the 100 Continue
  const conn = await Deno.connect({ port: s.ours.addr.port });
  await conn.write(enc.encode(
    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
  ));
  const buf = new Uint8Array(4096);
  const n = await conn.read(buf);
  assertEquals(dec.decode(buf.subarray(0, n!)), "HTTP/1.1 100 Continue\r\n\r\n");
  await conn.write(enc.encode("xyz"));
  const m = await conn.read(buf);
  assert(dec.decode(buf.subarray(0, m!)).endsWith("\r\n\r\nxyz"));
  conn.close();
});

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

Deno.test("serve: bad requests get 400 and the connection closes", async () => {
  await using s = both(handler);
  const bad = [
    "GET / HTTP/1.1\r\nHost: a\r\nbad header\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    // a transfer coding it does not decode, a version other than 1.x: 400 (not 501, 505)
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunkedx\r\n\r\n0\r\n\r\n",
    "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
  ];
  for (const c of bad) {
    const a = await raw(s.ours.addr.port, c), b = await raw(s.deno.addr.port, c);
    assertEquals(a.split("\r\n")[0], "HTTP/1.1 400 Bad Request", c);
    assertEquals(a, b, c);
  }
  // a head over 64 KiB, more than 128 fields: 400 as well, as Deno.serve answers them
  const huge = `GET / HTTP/1.1\r\nHost: a\r\nX: ${"a".repeat(70_000)}\r\n\r\n`;
  const many = `GET / HTTP/1.1\r\nHost: a\r\n${"X-1: a\r\n".repeat(129)}\r\n`;
  const fine = `GET / HTTP/1.1\r\nHost: a\r\n${"X-1: a\r\n".repeat(126)}Connection: close\r\n\r\n`;
  for (const c of [huge, many]) {
    assertEquals((await raw(s.ours.addr.port, c)).split("\r\n")[0], "HTTP/1.1 400 Bad Request");
    assertEquals((await raw(s.deno.addr.port, c)).split("\r\n")[0], "HTTP/1.1 400 Bad Request");
  }
  assertEquals((await raw(s.ours.addr.port, fine)).split("\r\n")[0], "HTTP/1.1 200 OK");
  const badChunk = "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
  assertEquals(
    (await raw(s.ours.addr.port, badChunk)).split("\r\n")[0],
    "HTTP/1.1 500 Internal Server Error",
  );
});

Deno.test("serve: call forms, defaults, errors and shutdown as Deno.serve", async () => {
  assertThrows(() => serve(undefined as never), TypeError, "either a `handler` or `options`");
  assertThrows(() => serve({ port: 0 } as never), TypeError, "handler must be a function");
  assertThrows(
    () => serve({ port: 0, cert: "x", key: "y", onListen() {} }, () => new Response()),
    TypeError,
    "Deno.serve",
  );
  const a = serve({ port: 0, onListen() {}, handler: () => new Response("a") });
  assertEquals(a.addr.hostname, "0.0.0.0");
  assertEquals(a.addr.transport, "tcp");
  assertThrows(
    () => serve({ port: a.addr.port, onListen() {} }, () => new Response()),
    Deno.errors.AddrInUse,
    "Address already in use (os error 98)",
  );
  const ac = new AbortController();
  let listened: Deno.NetAddr | undefined;
  const b = serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: (x) => listened = x },
    () => new Response("b"),
  );
  assertEquals(listened, b.addr);
  assertEquals(await (await fetch(`http://127.0.0.1:${a.addr.port}/`)).text(), "a");
  ac.abort();
  await b.finished;
  await assertRejects(() => fetch(`http://127.0.0.1:${b.addr.port}/`));
  // a request in hand finishes during shutdown()
  const { promise: entered, resolve } = Promise.withResolvers<void>();
  const c = serve({ port: 0, onListen() {} }, async () => {
    resolve();
    await new Promise((r) => setTimeout(r, 50));
    return new Response("late");
  });
  const pending = fetch(`http://127.0.0.1:${c.addr.port}/`);
  await entered;
  const stopped = c.shutdown();
  assertEquals(await (await pending).text(), "late");
  await stopped;
  await c.finished;
  await a[Symbol.asyncDispose]();
});

Deno.test("serve: default onListen and onError log like Deno.serve", async () => {
  const src = `
    import { serve } from "${new URL("../../mod.ts", import.meta.url)}";
    const s = serve({ port: 0, hostname: "127.0.0.1" }, () => { throw new Error("boom"); });
    const r = await fetch("http://127.0.0.1:" + s.addr.port + "/");
    console.log(r.status, await r.text());
    await s.shutdown();`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-lock", src],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = dec.decode(out.stdout), stderr = dec.decode(out.stderr);
  assert(
    /^Listening on http:\/\/127\.0\.0\.1:\d+\/\n500 Internal Server Error\n$/.test(stdout),
    stdout,
  );
  assert(stderr.includes("Error: boom"), stderr);
});

Deno.test("serve: request.signal aborts when the client goes away; completed settles", async () => {
  const { promise: aborted, resolve } = Promise.withResolvers<string>();
  const { promise: done, resolve: doneResolve } = Promise.withResolvers<string>();
  const s = serve({ port: 0, onListen() {} }, async (req, info) => {
    if (new URL(req.url).pathname === "/ok") {
      info.completed.then(() => doneResolve("completed"));
      return new Response("ok");
    }
    req.signal.addEventListener("abort", () => resolve(String(req.signal.reason?.name)));
    await aborted;
    return new Response("too late");
  });
  assertEquals(await (await fetch(`http://127.0.0.1:${s.addr.port}/ok`)).text(), "ok");
  assertEquals(await done, "completed");
  const conn = await Deno.connect({ port: s.addr.port });
  await conn.write(enc.encode("GET /wait HTTP/1.1\r\nHost: a\r\n\r\n"));
  await new Promise((r) => setTimeout(r, 50));
  conn.close();
  assertEquals(await aborted, "AbortError");
  await s.shutdown();
});

Deno.test("serve: a Response marked with attachFileBody() is spliced from the file", async () => {
  const path = await Deno.makeTempFile();
  const data = new Uint8Array(300_000).map((_, i) => i * 7);
  await Deno.writeFile(path, data);
  const s = serve({ port: 0, onListen() {} }, () =>
    attachFileBody(
      // the stream would give other bytes: what arrives proves the file range was sent
      new Response("stream body, not sent", { headers: { "content-type": "x/bin" } }),
      { path, offset: 1000, length: 250_000 },
    ));
  const r = await fetch(`http://127.0.0.1:${s.addr.port}/`);
  assertEquals(r.headers.get("content-length"), "250000");
  assertEquals(r.headers.get("content-type"), "x/bin");
  assertEquals(new Uint8Array(await r.arrayBuffer()), data.subarray(1000, 251_000));
  const h = await fetch(`http://127.0.0.1:${s.addr.port}/`, { method: "HEAD" });
  assertEquals(h.headers.get("content-length"), "250000");
  await h.body?.cancel();
  await s.shutdown();
  await Deno.remove(path);
});

Deno.test("serve: curl and a few seconds of wrk get only 200s", async () => {
  const s = serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => new Response("Hello, World!"),
  );
  const curl = await new Deno.Command("curl", {
    args: ["-s", "-i", `http://127.0.0.1:${s.addr.port}/`, `http://127.0.0.1:${s.addr.port}/`],
    stdout: "piped",
  }).output();
  const text = dec.decode(curl.stdout);
  assertEquals(text.match(/HTTP\/1\.1 200 OK/g)?.length, 2);
  const wrk = await new Deno.Command("wrk", {
    args: ["-t1", "-c32", "-d2s", `http://127.0.0.1:${s.addr.port}/`],
    stdout: "piped",
  }).output().catch(() => null);
  if (wrk !== null) {
    const out = dec.decode(wrk.stdout);
    assert(/\d+ requests in/.test(out), out);
    assert(!out.includes("Non-2xx") && !out.includes("Socket errors"), out);
  }
  await s.shutdown();
});

Deno.test("serve: bare LF line ends are read as Deno.serve reads them", async () => {
  await using s = both((req) =>
    new Response(`${req.method} ${req.url} ${JSON.stringify([...req.headers])}`)
  );
  const req = "GET /lf?q HTTP/1.1\nHost: a\nX-A:  b \r\nConnection: keep-alive\n\n" +
    "GET /second HTTP/1.1\nHost: a\nConnection: close\n\n";
  assertEquals(await raw(s.ours.addr.port, req), await raw(s.deno.addr.port, req));
});

Deno.test("serve: request-target forms and a missing or empty Host give Deno.serve's URL or 400", async () => {
  const quiet = { port: 0, onListen() {} }; // the wildcard address, as Deno's tests listen
  const handler = (req: Request) => new Response(req.url);
  await using ours = serve(quiet, handler);
  await using deno = Deno.serve(quiet, handler);
  const cases = [
    "GET /path HTTP/1.1\r\n",
    "GET /path HTTP/1.1\r\nHost:\r\n",
    "OPTIONS * HTTP/1.1\r\n",
    "CONNECT deno.land:80 HTTP/1.1\r\n",
    "GET http://a:1/p HTTP/1.1\r\nHost: b\r\n",
    "GET * HTTP/1.1\r\n",
    "GET path HTTP/1.1\r\n",
    "GET deno.land:1234 HTTP/1.1\r\n",
    "CONNECT /path HTTP/1.1\r\n",
  ];
  for (const c of cases) {
    const req = c + "Connection: close\r\n\r\n";
    const [a, b] = await Promise.all([raw(ours.addr.port, req), raw(deno.addr.port, req)]);
    const norm = (t: string, port: number) =>
      t.replaceAll(String(port), "PORT").split("\r\n").filter((l) => !/^content-length/i.test(l))
        .map((l) => l.toLowerCase());
    const status = (t: string) => t.slice(0, 12);
    assertEquals(status(a), status(b), c);
    if (status(a).endsWith("200")) {
      assertEquals(norm(a, ours.addr.port).at(-1), norm(b, deno.addr.port).at(-1), c);
    }
  }
});
