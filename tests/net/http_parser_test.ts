// HttpRequestParser (ffi/net/http.ts): what it accepts, what it rejects and with which status, and
// incomplete heads at every split point.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { httpDate, HttpParse, HttpRequestParser } from "../../ffi/mod.ts";

const enc = new TextEncoder();
const parse = (text: string, p = new HttpRequestParser()) => {
  const b = enc.encode(text);
  return { r: p.parse(b, 0, b.length), p, b };
};

describe("HttpRequestParser.parse()", () => {
  it("returns the head length and the fields of a valid request", () => {
    const head = "POST /submit?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-A:  b \r\n\r\n";
    const { r, p, b } = parse(head + "hello");
    assertEquals(r, head.length);
    assertEquals(p.method, "POST");
    assertEquals(p.target(b), "/submit?x=1");
    assertEquals([p.minorVersion, p.keepAlive, p.contentLength, p.headerCount], [1, true, 5, 3]);
    assertEquals(p.targetIs(b, "/submit?x=1"), true);
    assertEquals(p.targetIs(b, "/submit"), false);
  });

  it("decides keep-alive from the version and Connection", () => {
    const cases: [string, boolean][] = [
      ["GET / HTTP/1.1\r\nHost: a\r\n\r\n", true],
      ["GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false],
      ["GET / HTTP/1.1\r\nHost: a\r\nconnection: Keep-Alive, CLOSE\r\n\r\n", false],
      ["GET / HTTP/1.0\r\n\r\n", false],
      ["GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true],
      ["GET / HTTP/1.0\r\nConnection: upgrade, keep-alive\r\n\r\n", true],
    ];
    for (const [text, keep] of cases) assertEquals(parse(text).p.keepAlive, keep, text);
  });

  it("skips empty lines before the request line", () => {
    const text = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
    assertEquals(parse(text).r, text.length);
  });

  it("keeps uncommon methods as written", () => {
    assertEquals(parse("PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n").p.method, "PROPFIND");
  });

  it("is INCOMPLETE at every split point of a valid head", () => {
    const text = "GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";
    const b = enc.encode(text);
    const p = new HttpRequestParser();
    for (let end = 0; end < b.length; end++) {
      assertEquals(p.parse(b, 0, end), HttpParse.INCOMPLETE, `end ${end}`);
    }
    assertEquals(p.parse(b, 0, b.length), b.length);
  });

  it("rejects malformed requests with BAD_REQUEST", () => {
    const bad = [
      "garbage\r\n\r\n",
      " GET / HTTP/1.1\r\nHost: a\r\n\r\n", // leading space
      "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", // two spaces
      "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
      "GET /\r\n\r\n", // HTTP/0.9
      "GET / HTTP/1.1\nHost: a\n\n", // bare LF
      "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", // CR inside a value
      "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nName : x\r\n\r\n", // space before the colon
      "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", // empty name
      "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", // obs-fold
      "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", // NUL in a value
      "GET / HTTP/1.1\r\n\r\n", // no Host
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", // two Hosts
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
      "GET / HTTP/x.1\r\nHost: a\r\n\r\n",
      "GET / HTTQ/1.1\r\nHost: a\r\n\r\n",
      "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
      // an upgrade with a body (the bytes after the head would be both): Deno.serve's 400
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: x\r\nConnection: keep-alive, upgrade\r\nContent-Length: 0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    ];
    for (const text of bad) {
      assertEquals(parse(text).r, HttpParse.BAD_REQUEST, JSON.stringify(text));
    }
  });

  it("takes an upgrade without a body, and a body with an Upgrade field but no upgrade token", () => {
    const upgrade = parse(
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    );
    assert(upgrade.r > 0 && upgrade.p.upgrade);
    const noToken = parse(
      "POST / HTTP/1.1\r\nHost: a\r\nUpgrade: x\r\nContent-Length: 2\r\n\r\nhi",
    );
    assert(noToken.r > 0);
    assertEquals(noToken.p.contentLength, 2);
  });

  it("answers Transfer-Encoding with NOT_IMPLEMENTED and HTTP/2 with VERSION_NOT_SUPPORTED", () => {
    const te = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    assertEquals(parse(te).r, HttpParse.NOT_IMPLEMENTED);
    assertEquals(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n").r, HttpParse.VERSION_NOT_SUPPORTED);
  });

  it("answers heads over maxHeadBytes with HEAD_TOO_LARGE, complete or not", () => {
    const p = new HttpRequestParser({ maxHeadBytes: 64 });
    const long = `GET / HTTP/1.1\r\nHost: a\r\nX: ${"y".repeat(60)}\r\n\r\n`;
    assertEquals(parse(long, p).r, HttpParse.HEAD_TOO_LARGE);
    assertEquals(parse(long.slice(0, 70), p).r, HttpParse.HEAD_TOO_LARGE);
    assertEquals(parse(long.slice(0, 40), p).r, HttpParse.INCOMPLETE);
    const many = new HttpRequestParser({ maxHeaders: 2 });
    assertEquals(parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", many).r, -431);
  });

  it("accepts bare LF line ends with allowBareLf, incomplete at every split point", () => {
    const lf = () => new HttpRequestParser({ allowBareLf: true });
    const mixed = "\nGET /x HTTP/1.1\nHost: a\r\nX-A: b \nContent-Length: 2\n\nhi";
    const { r, p, b } = parse(mixed, lf());
    assertEquals(r, mixed.length - 2);
    assertEquals([p.method, p.target(b), p.contentLength, p.headerCount], ["GET", "/x", 2, 3]);
    for (let end = 0; end < r; end++) assertEquals(lf().parse(b, 0, end), HttpParse.INCOMPLETE);
    assertEquals(parse("GET / HTTP/1.1\nHost: a\r\r\n\n", lf()).r, HttpParse.BAD_REQUEST);
    assertEquals(parse("GET / HTTP/1.1\r\nHost: a\n\n").r, HttpParse.BAD_REQUEST);
  });

  it("parses from an offset, as for pipelined requests", () => {
    const one = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n";
    const b = enc.encode(one + "GET /22 HTTP/1.1\r\nHost: a\r\n\r\n");
    const p = new HttpRequestParser();
    const n = p.parse(b, 0, b.length);
    assertEquals(n, one.length);
    assertEquals(p.parse(b, n, b.length), b.length - n);
    assertEquals(p.target(b), "/22");
  });

  it("throws RangeError for bounds outside the buffer and bad limits", () => {
    const p = new HttpRequestParser();
    assertThrows(() => p.parse(new Uint8Array(4), 0, 5), RangeError);
    assertThrows(() => p.parse(new Uint8Array(4), 3, 2), RangeError);
    assertThrows(() => new HttpRequestParser({ maxHeadBytes: 0 }), RangeError);
    assertThrows(() => new HttpRequestParser({ maxHeaders: 1.5 }), RangeError);
  });
});

Deno.test("httpDate() is the 29-byte IMF-fixdate", () => {
  assertEquals(httpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  assertEquals(httpDate().length, 29);
  assertThrows(() => httpDate(NaN), RangeError);
});
