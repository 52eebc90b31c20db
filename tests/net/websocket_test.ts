import { assert, assertEquals, assertThrows } from "@std/assert";
import { serve, type ServeHandler, upgradeWebSocket } from "../../ffi/mod.ts";
import { acceptKey, sha1 } from "../../ffi/net/_ws_frame.ts";
import { fdCount } from "../_helpers.ts";

const enc = new TextEncoder(), dec = new TextDecoder();
const quiet = { port: 0, hostname: "127.0.0.1", onListen() {} };

type Upgrade = (req: Request, o?: Deno.UpgradeWebSocketOptions) => Deno.WebSocketUpgrade;
type Log = string[];

/** A WebSocket server that logs its socket's events, on serve() or on Deno.serve. */
function wsServer(
  kind: "ours" | "deno",
  setup: (socket: WebSocket, log: Log, req: Request) => void = () => {},
  options: Deno.UpgradeWebSocketOptions = {},
) {
  const up: Upgrade = kind === "ours" ? upgradeWebSocket : Deno.upgradeWebSocket;
  const log: Log = [];
  const closed: Promise<void>[] = [];
  const handler: ServeHandler = (req) => {
    const { socket, response } = up(req, options);
    const done = Promise.withResolvers<void>();
    closed.push(done.promise);
    socket.addEventListener("open", () => log.push("open"));
    socket.addEventListener("message", (e) => {
      const d = e.data;
      log.push(
        typeof d === "string"
          ? `text ${d.length}`
          : d instanceof ArrayBuffer
          ? `binary ${d.byteLength}`
          : `blob ${(d as Blob).size}`,
      );
    });
    socket.addEventListener("error", (e) => log.push(`error ${(e as ErrorEvent).message}`));
    socket.addEventListener("close", (e) => {
      log.push(`close ${e.code} ${JSON.stringify(e.reason)} ${e.wasClean}`);
      done.resolve();
    });
    setup(socket, log, req);
    return response;
  };
  const server = kind === "ours" ? serve(quiet, handler) : Deno.serve(quiet, handler);
  return {
    server,
    log,
    port: server.addr.port,
    /** Resolves when every socket so far has had its close event. */
    allClosed: () => Promise.all(closed),
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

function open(port: number, protocols?: string[]): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, protocols);
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(ws);
    ws.onerror = (e) => reject(new Error((e as ErrorEvent).message));
  });
}

function next(ws: WebSocket): Promise<MessageEvent> {
  return new Promise((resolve) => ws.addEventListener("message", resolve, { once: true }));
}

function closed(ws: WebSocket): Promise<CloseEvent> {
  return new Promise((resolve) => ws.addEventListener("close", resolve, { once: true }));
}

// ---- raw frames ----------------------------------------------------------------------------

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

function frame(
  op: number,
  payload: Uint8Array,
  { fin = true, mask = true, rsv = 0, len }: {
    fin?: boolean;
    mask?: boolean;
    rsv?: number;
    len?: number;
  } = {},
): Uint8Array {
  const n = len ?? payload.length;
  const h: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | op];
  const m = mask ? 0x80 : 0;
  if (n < 126) h.push(m | n);
  else if (n < 65536) h.push(m | 126, n >> 8, n & 255);
  else {
    h.push(m | 127);
    for (let i = 7; i >= 0; i--) h.push(Math.floor(n / 2 ** (8 * i)) & 255);
  }
  const key = [0x37, 0xfa, 0x21, 0x3d];
  if (mask) h.push(...key);
  const p = payload.map((b, i) => mask ? b ^ key[i % 4] : b);
  return cat(new Uint8Array(h), p);
}

function cat(...a: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const o = new Uint8Array(a.reduce((s, x) => s + x.length, 0));
  let k = 0;
  for (const x of a) {
    o.set(x, k);
    k += x.length;
  }
  return o;
}

const closeP = (code: number, reason = "") =>
  cat(new Uint8Array([code >> 8, code & 255]), enc.encode(reason));

/** Frames a client may send, and what they test. */
const CASES: Record<string, Uint8Array> = {
  text: cat(frame(1, enc.encode("hi")), frame(8, closeP(1000, "ok"))),
  binary: cat(frame(2, new Uint8Array([1, 2, 3])), frame(8, closeP(1000))),
  empty: cat(frame(1, new Uint8Array(0)), frame(8, closeP(1000))),
  fragmented: cat(
    frame(1, enc.encode("ab"), { fin: false }),
    frame(9, enc.encode("p")),
    frame(0, enc.encode("cd"), { fin: false }),
    frame(0, enc.encode("ef")),
    frame(8, closeP(1000)),
  ),
  fragmentedUtf8: cat(
    frame(1, new Uint8Array([0xe2, 0x82]), { fin: false }),
    frame(0, new Uint8Array([0xac])),
    frame(8, closeP(1000)),
  ),
  ping: cat(frame(9, enc.encode("pp")), frame(8, new Uint8Array(0))),
  pong: cat(frame(10, enc.encode("zz")), frame(8, closeP(1000))),
  extendedLength: cat(frame(2, new Uint8Array(300)), frame(8, closeP(1000))),
  nonMinimalLength: cat(
    new Uint8Array([0x81, 0xfe, 0, 2, 0, 0, 0, 0, 0x68, 0x69]),
    frame(8, closeP(1000)),
  ),
  badOpcode: frame(3, enc.encode("hi")),
  badControlOpcode: frame(11, new Uint8Array(0)),
  reservedBits: frame(1, enc.encode("hi"), { rsv: 4 }),
  continuationFirst: frame(0, enc.encode("x")),
  newMessageInFragments: cat(frame(1, enc.encode("ab"), { fin: false }), frame(1, enc.encode("c"))),
  pingTooLong: frame(9, new Uint8Array(126)),
  pingFragmented: frame(9, enc.encode("x"), { fin: false }),
  closeNoCode: frame(8, new Uint8Array(0)),
  closeOneByte: frame(8, new Uint8Array([3])),
  close4001: frame(8, closeP(4001, "why")),
  close1005: frame(8, closeP(1005)),
  close2999: frame(8, closeP(2999)),
  close5000: frame(8, closeP(5000)),
  closeReasonNotUtf8: frame(8, cat(closeP(1000), new Uint8Array([0xff]))),
  textNotUtf8: frame(1, new Uint8Array([0xc3, 0x28])),
  lengthOver64MiB: frame(2, new Uint8Array(0), { len: 64 * 1024 * 1024 + 1 }),
  length2to40: frame(2, new Uint8Array(0), { len: 2 ** 40 }),
  length63bit: new Uint8Array([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]),
};

/** Upgrades a raw connection, sends `bytes`, returns the frames' bytes (hex) until EOF. */
async function rawExchange(port: number, bytes: Uint8Array, ms = 1500): Promise<string> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  await c.write(enc.encode(
    `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  ));
  const buf = new Uint8Array(65536);
  let got = new Uint8Array(0);
  while (dec.decode(got).indexOf("\r\n\r\n") < 0) {
    const n = await c.read(buf);
    if (n === null) break;
    got = cat(got, buf.subarray(0, n));
  }
  const headEnd = dec.decode(got).indexOf("\r\n\r\n") + 4;
  let rest = got.slice(headEnd);
  await c.write(bytes).catch(() => {});
  const timer = setTimeout(() => c.close(), ms);
  let end = "eof";
  try {
    for (let n; (n = await c.read(buf)) !== null;) rest = cat(rest, buf.subarray(0, n));
  } catch {
    end = "timeout";
  }
  clearTimeout(timer);
  try {
    c.close();
  } catch { /* closed by the timer */ }
  return [...rest].map((b) => b.toString(16).padStart(2, "0")).join("") + " " + end;
}

// ---- tests ---------------------------------------------------------------------------------

Deno.test("upgradeWebSocket sha1 and accept key match RFC 6455 and Web Crypto", async () => {
  assertEquals(acceptKey(KEY), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  for (const n of [0, 1, 55, 56, 63, 64, 65, 1000]) {
    const data = new Uint8Array(n).map((_, i) => (i * 31 + n) & 255);
    const want = new Uint8Array(await crypto.subtle.digest("SHA-1", data));
    assertEquals(sha1(data), want);
  }
});

Deno.test("upgradeWebSocket echoes text with Deno's WebSocket client, and its state", async () => {
  let seen: Record<string, unknown> = {};
  await using s = wsServer("ours", (socket, _log) => {
    seen = {
      readyState: socket.readyState,
      url: socket.url,
      binaryType: socket.binaryType,
      bufferedAmount: socket.bufferedAmount,
      extensions: socket.extensions,
    };
    assertThrows(() => socket.send("early"), DOMException, "'readyState' not OPEN");
    socket.onopen = () => seen.openState = socket.readyState;
    socket.onmessage = (e) => socket.send(`echo ${e.data}`);
  });
  const ws = await open(s.port);
  for (const m of ["hi", "", "ünïcødé ✓", "x".repeat(70000)]) {
    ws.send(m);
    assertEquals((await next(ws)).data, `echo ${m}`);
  }
  ws.close();
  await closed(ws);
  await s.allClosed();
  assertEquals(seen, {
    readyState: 0,
    url: "",
    binaryType: "arraybuffer",
    bufferedAmount: 0,
    extensions: "",
    openState: 1,
  });
  assertEquals(s.log.at(-1), 'close 1005 "" true');
});

Deno.test("upgradeWebSocket binary: ArrayBuffer, views, Blob; binaryType blob", async () => {
  await using s = wsServer("ours", (socket) => {
    socket.onmessage = (e) => {
      if (typeof e.data === "string") {
        socket.binaryType = e.data as BinaryType;
        socket.send(socket.binaryType);
        return;
      }
      const ab = e.data instanceof ArrayBuffer ? e.data : null;
      if (ab !== null) {
        const u = new Uint8Array(ab);
        socket.send(ab); // the buffer as is
        socket.send(u.subarray(1)); // a view at an offset
        socket.send(new Blob([u, u])); // a Blob, sent after reading it, in order
        socket.send(new DataView(ab, 0, 1));
      } else socket.send(e.data as Blob);
    };
  });
  const ws = await open(s.port);
  ws.binaryType = "arraybuffer";
  const got: number[][] = [];
  const four = new Promise<void>((resolve) => {
    ws.onmessage = (e) => {
      got.push([...new Uint8Array(e.data)]);
      if (got.length === 4) resolve();
    };
  });
  ws.send(new Uint8Array([5, 6, 7]));
  await four;
  assertEquals(got, [[5, 6, 7], [6, 7], [5, 6, 7, 5, 6, 7], [5]]);
  ws.onmessage = null;
  ws.send("nonsense"); // ignored: binaryType stays
  assertEquals((await next(ws)).data, "arraybuffer");
  ws.send("blob");
  assertEquals((await next(ws)).data, "blob");
  ws.send(new Uint8Array([9, 8]));
  assertEquals([...new Uint8Array((await next(ws)).data)], [9, 8]);
  ws.close();
  await closed(ws);
  await s.allClosed();
  assert(s.log.includes("blob 2"), s.log.join());
});

Deno.test("upgradeWebSocket moves 1 MiB messages both ways intact", async () => {
  const big = new Uint8Array(1 << 20).map((_, i) => (i * 7 + (i >> 9)) & 255);
  await using s = wsServer("ours", (socket) => {
    socket.onmessage = (e) => socket.send(e.data);
  });
  const ws = await open(s.port);
  ws.binaryType = "arraybuffer";
  for (let i = 0; i < 3; i++) ws.send(big);
  for (let i = 0; i < 3; i++) assertEquals(new Uint8Array((await next(ws)).data), big);
  const text = "é".repeat(1 << 19);
  ws.send(text);
  assertEquals((await next(ws)).data, text);
  ws.close(1000);
  await closed(ws);
  await s.allClosed();
});

Deno.test("upgradeWebSocket close codes and reasons, both directions", async () => {
  await using s = wsServer("ours", (socket) => {
    socket.onmessage = (e) => {
      const [code, reason] = String(e.data).split(" ");
      socket.close(Number(code), reason);
    };
  });
  // the server closes: the client sees its code and reason
  const a = await open(s.port);
  a.send("4000 bye");
  const ca = await closed(a);
  assertEquals([ca.code, ca.reason, ca.wasClean], [4000, "bye", true]);
  // the client closes: the server sees its code and reason, and answers with the same
  const b = await open(s.port);
  b.close(3001, "client done");
  const cb = await closed(b);
  assertEquals([cb.code, cb.reason], [3001, "client done"]);
  await s.allClosed();
  assert(s.log.includes('close 4000 "bye" true'), s.log.join());
  assert(s.log.includes('close 3001 "client done" true'), s.log.join());
  // a long reason is refused as Deno refuses it
  await using t = wsServer("ours", (socket) => {
    socket.onopen = () => {
      assertThrows(() => socket.close(1000, "x".repeat(124)), DOMException, "123 bytes");
      socket.close(1001);
    };
  });
  const c = await open(t.port);
  assertEquals((await closed(c)).code, 1001);
  await t.allClosed();
});

Deno.test("upgradeWebSocket: a client that vanishes gives error then close, and no fd stays", async () => {
  await using s = wsServer("ours");
  await rawExchange(s.port, new Uint8Array(0), 50); // handshake, then the client closes
  await s.allClosed();
  await new Promise((r) => setTimeout(r, 50));
  const before = fdCount();
  for (let i = 0; i < 5; i++) await rawExchange(s.port, frame(1, enc.encode("x")), 50);
  await s.allClosed();
  await new Promise((r) => setTimeout(r, 50));
  assertEquals(fdCount(), before);
  assertEquals(s.log.slice(0, 3), ["open", "error Unexpected EOF", 'close 0 "" false']);
  assertEquals(s.log.filter((l) => l === "text 1").length, 5);
});

Deno.test("upgradeWebSocket frames compared with Deno.serve + Deno.upgradeWebSocket", async () => {
  await using ours = wsServer("ours");
  await using deno = wsServer("deno");
  for (const [name, bytes] of Object.entries(CASES)) {
    ours.log.length = deno.log.length = 0;
    const [a, b] = await Promise.all([
      rawExchange(ours.port, bytes),
      rawExchange(deno.port, bytes),
    ]);
    await Promise.all([ours.allClosed(), deno.allClosed()]);
    assertEquals({ name, wire: a, events: ours.log }, { name, wire: b, events: deno.log });
  }
});

Deno.test("upgradeWebSocket refuses unmasked client frames (Deno's server accepts them)", async () => {
  const bytes = frame(1, enc.encode("hi"), { mask: false });
  await using ours = wsServer("ours");
  assertEquals(await rawExchange(ours.port, bytes), "880203ea eof"); // close 1002
  await ours.allClosed();
  assertEquals(ours.log, [
    "open",
    "error Frame from the client is not masked",
    'close 0 "" false',
  ]);
  await using deno = wsServer("deno");
  await rawExchange(deno.port, bytes, 300);
  await deno.allClosed();
  assertEquals(deno.log.slice(0, 2), ["open", "text 2"]);
});

Deno.test("upgradeWebSocket pings when idle; no pong closes with 1001", async () => {
  // Deno's client answers the ping: the socket stays open past the idle time
  await using s = wsServer("ours", (socket) => {
    socket.onmessage = (e) => socket.send(e.data);
  }, { idleTimeout: 0.4 });
  const ws = await open(s.port);
  await new Promise((r) => setTimeout(r, 700));
  ws.send("still here");
  assertEquals((await next(ws)).data, "still here");
  ws.close();
  await closed(ws);
  await s.allClosed();
  assertEquals(s.log.filter((l) => l.startsWith("error")), []);
  // a raw client that never answers: a ping, then close 1001 with Deno's reason
  await using t = wsServer("ours", () => {}, { idleTimeout: 0.4 });
  const wire = await rawExchange(t.port, new Uint8Array(0), 1500);
  const reason = "No response from ping frame.";
  const closeFrame = "88" + (2 + reason.length).toString(16) + "03e9" +
    [...enc.encode(reason)].map((b) => b.toString(16)).join("");
  assertEquals(wire, `8900${closeFrame} eof`);
  await t.allClosed();
  assertEquals(t.log, ["open", `error ${reason}`, `close 1001 "${reason}" false`]);
});

Deno.test("upgradeWebSocket handshake: protocol, errors and responses as Deno's", async () => {
  const handler: ServeHandler = (req) => {
    const p = new URL(req.url).pathname;
    const up =
      (req.headers.get("x-impl") === "deno" ? Deno.upgradeWebSocket : upgradeWebSocket) as Upgrade;
    if (p === "/proto") return up(req, { protocol: "b" }).response;
    if (p === "/protobad") {
      const e = assertThrows(() => up(req, { protocol: "z" }), TypeError);
      return new Response(e.message);
    }
    if (p === "/twice") {
      const { response } = up(req);
      const e = assertThrows(() => up(req), Deno.errors.Http);
      return new Response(e.message + " " + response.status);
    }
    return up(req).response; // throws for a request that is not a handshake
  };
  const onError = (e: unknown) => new Response(String(e), { status: 500 });
  await using ours = serve({ ...quiet, onError }, handler);
  await using deno = Deno.serve({ ...quiet, onError }, handler);
  const hs = { upgrade: "websocket", connection: "keep-alive, Upgrade", "sec-websocket-key": KEY };
  const cases: [string, Record<string, string>][] = [
    ["/plain", {}],
    ["/nokey", { upgrade: "websocket", connection: "Upgrade" }],
    ["/noconn", { upgrade: "websocket", "sec-websocket-key": KEY }],
    ["/protobad", { ...hs, "sec-websocket-protocol": "a, b" }],
  ];
  for (const [path, headers] of cases) {
    const got = [];
    for (const [impl, port] of [["ours", ours.addr.port], ["deno", deno.addr.port]] as const) {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, {
        headers: { ...headers, "x-impl": impl },
      });
      got.push([r.status, await r.text()]);
    }
    assertEquals(got[0], got[1], path);
  }
  // the 101 head, byte for byte but the date
  const head = async (port: number, impl: string, path: string) => {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    await c.write(enc.encode(
      `GET ${path} HTTP/1.1\r\nHost: x\r\nx-impl: ${impl}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Protocol: a, b\r\n\r\n`,
    ));
    const buf = new Uint8Array(4096);
    const n = await c.read(buf);
    c.close();
    return dec.decode(buf.subarray(0, n!)).replace(/date: [^\r]*/, "date: X");
  };
  assertEquals(
    await head(ours.addr.port, "ours", "/proto"),
    await head(deno.addr.port, "deno", "/proto"),
  );
  // Deno's client sees the chosen protocol
  const ws = new WebSocket(`ws://127.0.0.1:${ours.addr.port}/proto`, ["a", "b"]);
  await new Promise((r) => ws.onopen = r);
  assertEquals(ws.protocol, "b");
  ws.close();
  await closed(ws);
});

Deno.test("upgradeWebSocket: upgrading twice throws Deno.errors.Http 'Already upgraded'", async () => {
  await using s = wsServer("ours", (socket, _log, req) => {
    assertThrows(() => upgradeWebSocket(req), Deno.errors.Http, "Already upgraded");
    socket.onmessage = (e) => {
      socket.send(e.data);
      socket.close(1001);
    };
  });
  const ws = await open(s.port);
  ws.send("foo");
  assertEquals((await next(ws)).data, "foo");
  assertEquals((await closed(ws)).code, 1001);
  await s.allClosed();
});

Deno.test("upgradeWebSocket: server shutdown closes open sockets with 1001", async () => {
  for (const abort of [false, true]) {
    const ac = new AbortController();
    const opened = Promise.withResolvers<void>();
    const serverClosed = Promise.withResolvers<CloseEvent>();
    const server = serve({ ...quiet, signal: ac.signal }, (req) => {
      const { socket, response } = upgradeWebSocket(req);
      socket.onopen = () => opened.resolve();
      socket.onclose = (e) => serverClosed.resolve(e);
      return response;
    });
    const ws = new WebSocket(`ws://127.0.0.1:${server.addr.port}/`);
    const clientClosed = closed(ws);
    await opened.promise;
    if (abort) ac.abort();
    else await server.shutdown();
    assertEquals((await clientClosed).code, 1001);
    await serverClosed.promise;
    await server.finished;
  }
});

Deno.test("upgradeWebSocket: a socket the server closed does not hold shutdown when the peer is silent", async () => {
  const opened = Promise.withResolvers<void>();
  const server = serve(quiet, (req) => {
    const { socket, response } = upgradeWebSocket(req);
    socket.onopen = () => {
      socket.close();
      opened.resolve();
    };
    return response;
  });
  const c = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await c.write(enc.encode(
    `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${KEY}\r\n\r\n`,
  ));
  await c.read(new Uint8Array(1024));
  await opened.promise;
  await server.shutdown();
  c.close();
});

Deno.test("upgradeWebSocket passes a Deno.serve request to Deno.upgradeWebSocket", async () => {
  await using s = Deno.serve(quiet, (req) => {
    const { socket, response } = upgradeWebSocket(req);
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  });
  const ws = await open(s.addr.port);
  ws.send("via deno");
  assertEquals((await next(ws)).data, "via deno");
  ws.close();
  await closed(ws);
});
