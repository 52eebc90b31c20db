// examples/http_server.ts under real clients (fetch, Deno.connect), started as a subprocess.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { afterAll, beforeAll, describe, it } from "@std/testing/bdd";
import {
  enc,
  eventually,
  readAll,
  readUntil,
  sendThenReset,
  type ServerProcess,
  socketsOf,
  startServer,
} from "../_servers.ts";

/** Splits a stream of responses into [status, headers (lowercase), body] triples. */
function responses(text: string): { status: number; headers: Map<string, string>; body: string }[] {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf("\r\n\r\n");
    assert(end > 0, `incomplete response: ${JSON.stringify(rest)}`);
    const [line, ...fields] = rest.slice(0, end).split("\r\n");
    const headers = new Map(fields.map((f) => {
      const c = f.indexOf(":");
      return [f.slice(0, c).toLowerCase(), f.slice(c + 1).trim()] as [string, string];
    }));
    const len = Number(headers.get("content-length") ?? 0);
    const status = Number(line.split(" ")[1]);
    const bodyStart = end + 4;
    out.push({ status, headers, body: rest.slice(bodyStart, bodyStart + len) });
    rest = rest.slice(bodyStart + len);
  }
  return out;
}

/** Sends `raw` on a new connection and reads until `count` responses or the end. */
async function exchange(
  port: number,
  raw: string | Uint8Array,
  count = 1,
): Promise<{ text: string; eof: boolean }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(typeof raw === "string" ? enc.encode(raw) : raw);
    const complete = (t: string) => {
      try {
        const r = responses(t);
        return r.length >= count;
      } catch {
        return false;
      }
    };
    return await readUntil(conn, complete);
  } finally {
    conn.close();
  }
}

/** Reads until the server closes; returns the text. Fails the test if it does not close. */
async function exchangeToEnd(port: number, raw: string | Uint8Array): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(typeof raw === "string" ? enc.encode(raw) : raw);
    return await readAll(conn);
  } finally {
    conn.close();
  }
}

describe("examples/http_server.ts", () => {
  let server: ServerProcess;
  let url: string;
  beforeAll(async () => {
    server = await startServer("http_server");
    url = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    const { code } = await server.stop();
    assertEquals(code, 0);
  });

  it("answers GET / with 200 Hello, World! and the required headers (fetch)", async () => {
    const res = await fetch(`${url}/`);
    assertEquals(res.status, 200);
    assertEquals(await res.text(), "Hello, World!");
    assertEquals(res.headers.get("content-type"), "text/plain;charset=utf-8");
    assertEquals(res.headers.get("content-length"), "13");
    assertMatch(res.headers.get("date")!, /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    assert(Math.abs(Date.parse(res.headers.get("date")!) - Date.now()) < 5000);
  });

  it("answers another path with 404", async () => {
    const res = await fetch(`${url}/nothing/here`);
    assertEquals(res.status, 404);
    await res.body?.cancel();
  });

  it("answers HEAD without a body", async () => {
    const text = await exchangeToEnd(
      server.port,
      "HEAD / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    );
    assertMatch(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert(text.includes("\r\ncontent-length: 13\r\n"));
    assert(text.endsWith("\r\n\r\n"), "no body after the head");
  });

  it("answers pipelined requests in order on one connection (keep-alive)", async () => {
    const raw = [
      "GET / HTTP/1.1\r\nHost: t\r\n\r\n",
      "GET /a HTTP/1.1\r\nHost: t\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world",
      "GET / HTTP/1.1\r\nHost: t\r\n\r\n",
    ].join("");
    const { text, eof } = await exchange(server.port, raw, 4);
    assertEquals(responses(text).map((r) => r.status), [200, 404, 405, 200]);
    assert(!eof);
  });

  it("keeps pipelined requests split across writes in order", async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    const raw = enc.encode(
      "GET / HTTP/1.1\r\nHost: t\r\n\r\n".repeat(50) + "GET /x HTTP/1.1\r\nHo",
    );
    await conn.write(raw);
    await new Promise((r) => setTimeout(r, 20));
    await conn.write(enc.encode("st: t\r\n\r\n"));
    const { text } = await readUntil(conn, (t) => t.includes("Not Found"));
    conn.close();
    const statuses = responses(text).map((r) => r.status);
    assertEquals(statuses, [...Array(50).fill(200), 404]);
  });

  it("answers garbage with 400 and closes", async () => {
    const text = await exchangeToEnd(server.port, "garbage\r\n\r\n");
    assertEquals(responses(text).map((r) => [r.status, r.headers.get("connection")]), [
      [400, "close"],
    ]);
    for (
      const bad of [
        "GET /\r\n\r\n", // HTTP/0.9
        "GET / HTTP/1.1\nHost: t\n\n", // bare LF
        "GET / HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n", // space in a field name
        "GET / HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n", // obsolete line folding
        "GET / HTTP/1.1\r\n\r\n", // HTTP/1.1 without Host
        "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n",
        "G\x00T / HTTP/1.1\r\nHost: t\r\n\r\n",
      ]
    ) {
      const t = await exchangeToEnd(server.port, bad);
      assertEquals(responses(t)[0]?.status, 400, JSON.stringify(bad));
    }
  });

  it("answers a head over 8 KiB with 431 and closes", async () => {
    const big = `GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${"a".repeat(9000)}\r\n\r\n`;
    const text = await exchangeToEnd(server.port, big);
    assertEquals(responses(text).map((r) => r.status), [431]);
    // a head that never ends is cut off the same way
    const endless = await exchangeToEnd(
      server.port,
      `GET / HTTP/1.1\r\n${"X: y\r\n".repeat(2000)}`,
    );
    assertEquals(responses(endless).map((r) => r.status), [431]);
  });

  it("answers chunked request bodies with 501", async () => {
    const raw =
      "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    assertEquals(responses(await exchangeToEnd(server.port, raw)).map((r) => r.status), [501]);
  });

  it("closes after Connection: close", async () => {
    const raw =
      "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n";
    const r = responses(await exchangeToEnd(server.port, raw));
    assertEquals(r.map((x) => [x.status, x.headers.get("connection")]), [[200, "close"]]);
  });

  it("HTTP/1.0 closes unless it asks for keep-alive", async () => {
    const once = responses(await exchangeToEnd(server.port, "GET / HTTP/1.0\r\n\r\n"));
    assertEquals(once.map((r) => [r.status, r.body]), [[200, "Hello, World!"]]);
    const ka = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /x HTTP/1.0\r\n\r\n";
    const two = responses(await exchangeToEnd(server.port, ka));
    assertEquals(two.map((r) => [r.status, r.headers.get("connection")]), [
      [200, "keep-alive"],
      [404, "close"],
    ]);
  });

  it("serves 500 concurrent connections", async () => {
    const base = socketsOf(server.pid, server.port); // the listener, fetch's pooled connections
    const conns = await Promise.all(
      Array.from({ length: 500 }, () => Deno.connect({ hostname: "127.0.0.1", port: server.port })),
    );
    const texts = await Promise.all(conns.map(async (c) => {
      await c.write(enc.encode("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
      return (await readUntil(c, (t) => t.endsWith("Hello, World!"))).text;
    }));
    for (const c of conns) c.close();
    for (const t of texts) assertEquals(responses(t)[0].status, 200);
    await eventually(() => socketsOf(server.pid, server.port) === base, "the 500 closed");
  });

  it("survives peers that reset mid-request, holding none of their fds", async () => {
    const base = socketsOf(server.pid, server.port);
    for (let i = 0; i < 20; i++) {
      await sendThenReset(server.port, enc.encode("GET / HTTP/1.1\r\nHost: t\r\nX-Half: "));
    }
    // a peer that sends many requests and resets before reading the answers
    await sendThenReset(server.port, enc.encode("GET / HTTP/1.1\r\nHost: t\r\n\r\n".repeat(2000)));
    await eventually(() => socketsOf(server.pid, server.port) === base, "dead connections closed");
    const res = await fetch(`${url}/`);
    assertEquals(await res.text(), "Hello, World!");
  });
});

Deno.test("http_server --workers 2: two rings answer on one port, SIGTERM exits 0", async () => {
  const server = await startServer("http_server", "--workers", "2");
  const statuses = await Promise.all(Array.from({ length: 40 }, async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(enc.encode("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
    const text = await readAll(conn);
    conn.close();
    return responses(text)[0].status;
  }));
  assertEquals(statuses, Array(40).fill(200));
  const { code, output } = await server.stop("SIGTERM");
  assertEquals([code, output.trim()], [0, "closed"]);
});

Deno.test("http_server: SIGTERM with keep-alive connections open exits 0", async () => {
  const server = await startServer("http_server");
  const conns = await Promise.all(
    Array.from({ length: 5 }, () => Deno.connect({ hostname: "127.0.0.1", port: server.port })),
  );
  for (const c of conns) {
    await c.write(enc.encode("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    await readUntil(c, (t) => t.endsWith("Hello, World!"));
  }
  const ends = conns.map((c) => readAll(c));
  const { code, output } = await server.stop("SIGTERM");
  assertEquals([code, output.trim()], [0, "closed"]);
  for (const end of ends) assertEquals(await end, "");
  for (const c of conns) c.close();
});
