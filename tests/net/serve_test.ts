import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { serve, type ServeHandler } from "../../ffi/mod.ts";
import { attachFileBody } from "../../ffi/net/_file_body.ts";
import { both, dec, enc, raw } from "./_serve_helpers.ts";

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
