/**
 * A small, strict HTTP/1.x request-head parser for servers that read sockets themselves (as the
 * `AsyncRing` HTTP example does): it works on the bytes in the receive buffer, allocates nothing
 * per request on the common path, and rejects what RFC 9112 does not allow instead of guessing.
 *
 * @module
 */

/**
 * Outcome of {@link HttpRequestParser.parse} besides a complete head (a positive byte count).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { HttpParse, HttpRequestParser } from "../../mod.ts";
 * const p = new HttpRequestParser();
 * const head = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n");
 * assertEquals(p.parse(head, 0, head.length), HttpParse.INCOMPLETE); // no blank line yet
 * const chunked = new TextEncoder().encode(
 *   "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
 * );
 * assertEquals(p.parse(chunked, 0, chunked.length), HttpParse.NOT_IMPLEMENTED);
 * ```
 */
export const HttpParse: {
  readonly INCOMPLETE: 0;
  readonly BAD_REQUEST: -400;
  readonly HEAD_TOO_LARGE: -431;
  readonly NOT_IMPLEMENTED: -501;
  readonly VERSION_NOT_SUPPORTED: -505;
} = {
  /** The head is not complete yet: receive more bytes and parse again from the same start. */
  INCOMPLETE: 0,
  /** Malformed request: answer `400 Bad Request` and close. */
  BAD_REQUEST: -400,
  /** The head is larger than `maxHeadBytes`: answer `431` and close. */
  HEAD_TOO_LARGE: -431,
  /** `Transfer-Encoding` (chunked bodies) is not implemented: answer `501` and close. */
  NOT_IMPLEMENTED: -501,
  /** Not HTTP/1.x: answer `505 HTTP Version Not Supported` and close. */
  VERSION_NOT_SUPPORTED: -505,
} as const;

/**
 * Options of {@link HttpRequestParser}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { HttpParse, HttpRequestParser, type HttpRequestParserOptions } from "../../mod.ts";
 * const options: HttpRequestParserOptions = { maxHeadBytes: 64 };
 * const p = new HttpRequestParser(options);
 * const big = new TextEncoder().encode(`GET /${"a".repeat(100)} HTTP/1.1\r\nHost: x\r\n\r\n`);
 * assertEquals(p.parse(big, 0, big.length), HttpParse.HEAD_TOO_LARGE);
 * ```
 */
export interface HttpRequestParserOptions {
  /** Largest request head (request line, headers, blank line) in bytes; default 8192. */
  maxHeadBytes?: number;
  /** Most header fields in one request; default 100 (more is `HEAD_TOO_LARGE`). */
  maxHeaders?: number;
  /**
   * Accept `Transfer-Encoding: chunked` request bodies (`chunked` tells the caller to decode
   * them); default false, where any `Transfer-Encoding` is `NOT_IMPLEMENTED`.
   */
  allowChunked?: boolean;
  /** Reject an HTTP/1.1 request without a `Host` field (RFC 9112 3.2); default true. */
  requireHost?: boolean;
  /**
   * Accept a bare LF as a line end (RFC 9112 2.2 allows it; `Deno.serve` does); default false,
   * where it is `BAD_REQUEST`.
   */
  allowBareLf?: boolean;
}

const CR = 13, LF = 10, SP = 32, HT = 9, COLON = 58, COMMA = 44;
/** tchar of RFC 9110 5.6.2: the bytes of methods and header names. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = TOKEN[c + 32] = 1;
/** Bytes allowed in a header value: HTAB, SP, VCHAR, obs-text. */
const VALUE = new Uint8Array(256);
VALUE[HT] = 1;
for (let c = 32; c < 256; c++) VALUE[c] = c === 127 ? 0 : 1;

/** `s`'s characters as bytes (ASCII names). A declaration without closures: it runs at import. */
function lower(s: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
const H_HOST = lower("host");
const H_CONNECTION = lower("connection");
const H_CONTENT_LENGTH = lower("content-length");
const H_TRANSFER_ENCODING = lower("transfer-encoding");
const H_EXPECT = lower("expect");
const H_UPGRADE = lower("upgrade");
const T_CHUNKED = lower("chunked");
const T_100_CONTINUE = lower("100-continue");
const T_CLOSE = lower("close");
const T_KEEP_ALIVE = lower("keep-alive");
const T_UPGRADE = H_UPGRADE;
const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"];

/** True when `buf[at, at + name.length)` is `name` (lowercase ASCII) in any case. */
function equalsLower(buf: Uint8Array, at: number, len: number, name: Uint8Array): boolean {
  if (len !== name.length) return false;
  for (let i = 0; i < len; i++) {
    if ((buf[at + i] | 0x20) !== name[i]) return false;
  }
  return true;
}

/**
 * Parses HTTP/1.0 and HTTP/1.1 request heads (RFC 9112): `method SP target SP HTTP/1.x CRLF`,
 * then header fields `name: value CRLF` (names are tokens, no whitespace before the colon, no
 * obsolete line folding, no bare LF unless `allowBareLf`), then CRLF. Empty lines before the request line are
 * skipped. An HTTP/1.1 request needs exactly one `Host`. `Content-Length` must be digits and
 * agree when repeated; any `Transfer-Encoding` is `NOT_IMPLEMENTED` (with a `Content-Length`
 * too, `BAD_REQUEST`). An upgrade (`Connection: upgrade` and an `Upgrade` field) with either is
 * `BAD_REQUEST`: its next bytes cannot be both a body and the new protocol.
 *
 * One parser serves many requests: the fields below describe the last complete head, with
 * offsets into the buffer that was parsed, so nothing is copied or decoded unless asked for.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { HttpParse, HttpRequestParser } from "../../mod.ts";
 * const p = new HttpRequestParser();
 * const req = new TextEncoder().encode("GET /a?b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\n");
 * const n = p.parse(req, 0, req.length);
 * assertEquals([n, p.method, p.target(req), p.keepAlive], [30, "GET", "/a?b", true]);
 * assertEquals(p.parse(req, n, req.length), HttpParse.INCOMPLETE); // the second is not complete
 * const bad = new TextEncoder().encode("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n");
 * assertEquals(p.parse(bad, 0, bad.length), HttpParse.BAD_REQUEST);
 * ```
 */
export class HttpRequestParser {
  /** Largest head accepted, in bytes. */
  readonly maxHeadBytes: number;
  /** Most header fields accepted. */
  readonly maxHeaders: number;
  /** Method of the last complete head (`"GET"`, ...). */
  method = "";
  /** Start of the request target in the parsed buffer. */
  targetStart = 0;
  /** End (exclusive) of the request target in the parsed buffer. */
  targetEnd = 0;
  /** Minor version: 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x). */
  minorVersion = 1;
  /**
   * Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`,
   * HTTP/1.0 only with `Connection: keep-alive`.
   */
  keepAlive = true;
  /** Body bytes that follow the head (`Content-Length`, else 0). */
  contentLength = 0;
  /** Header fields in the head. */
  headerCount = 0;
  /** The body is `Transfer-Encoding: chunked` (only with `allowChunked`). */
  chunked: boolean = false;
  /** The request has `Expect: 100-continue`. */
  expectContinue: boolean = false;
  /** The request has an `Upgrade` field. */
  upgrade: boolean = false;
  /** Start of the `Host` field's value in the parsed buffer (-1 without one). */
  hostStart: number = -1;
  /** End (exclusive) of the `Host` field's value in the parsed buffer. */
  hostEnd: number = -1;
  readonly #allowChunked: boolean;
  readonly #requireHost: boolean;
  readonly #bareLf: boolean;

  /**
   * A parser with the given limits.
   *
   * @param options limits
   * @throws {RangeError} for limits that are not positive integers
   */
  constructor(options?: HttpRequestParserOptions) {
    if (options === undefined) options = {};
    const max = options.maxHeadBytes ?? 8192, headers = options.maxHeaders ?? 100;
    for (const [k, v] of [["maxHeadBytes", max], ["maxHeaders", headers]] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(`${k} must be a positive integer, got ${v}`);
      }
    }
    this.maxHeadBytes = max;
    this.maxHeaders = headers;
    this.#allowChunked = options.allowChunked === true;
    this.#requireHost = options.requireHost !== false;
    this.#bareLf = options.allowBareLf === true;
  }

  /** The request target of the last head, decoded from `buf` (the buffer that was parsed). */
  target(buf: Uint8Array): string {
    let s = "";
    for (let i = this.targetStart; i < this.targetEnd; i++) s += String.fromCharCode(buf[i]);
    return s;
  }

  /** True when the target of the last head is `path` (ASCII), compared without allocating. */
  targetIs(buf: Uint8Array, path: string): boolean {
    const n = this.targetEnd - this.targetStart;
    if (n !== path.length) return false;
    for (let i = 0; i < n; i++) {
      if (buf[this.targetStart + i] !== path.charCodeAt(i)) return false;
    }
    return true;
  }

  /**
   * Parses the request head that starts at `buf[start]`, looking no further than `end`.
   *
   * @param buf received bytes
   * @param start where the request starts
   * @param end end (exclusive) of the bytes received so far
   * @returns the head's length in bytes (> 0; the body, `contentLength` bytes, follows), or one
   *   of {@link HttpParse}: `INCOMPLETE` (0), or a negative status to answer before closing
   * @throws {RangeError} when `start`/`end` are not within `buf`
   */
  parse(buf: Uint8Array, start: number, end: number): number {
    if (!(start >= 0 && start <= end && end <= buf.length)) {
      throw new RangeError(`start ${start} and end ${end} must be within 0..${buf.length}`);
    }
    const r = this.#parse(buf, start, end);
    if (r === 0 && end - start >= this.maxHeadBytes) return HttpParse.HEAD_TOO_LARGE;
    if (r > this.maxHeadBytes) return HttpParse.HEAD_TOO_LARGE;
    return r;
  }

  #parse(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    const bareLf = this.#bareLf;
    // empty lines before the request line (RFC 9112 2.2)
    for (;;) {
      if (i + 1 < end && buf[i] === CR && buf[i + 1] === LF) i += 2;
      else if (bareLf && i < end && buf[i] === LF) i++;
      else break;
    }
    if (i + 1 >= end && i < end && buf[i] === CR) return 0;
    // method SP
    const m0 = i;
    while (i < end && TOKEN[buf[i]] === 1) i++;
    if (i === end) return 0;
    if (buf[i] !== SP || i === m0) return HttpParse.BAD_REQUEST;
    const m1 = i++;
    // target SP: visible ASCII
    const t0 = i;
    while (i < end && buf[i] > SP && buf[i] < 127) i++;
    if (i === end) return 0;
    if (buf[i] !== SP || i === t0) return HttpParse.BAD_REQUEST;
    const t1 = i++;
    // HTTP/d.d CRLF (or LF)
    const lfEnd = bareLf && end - i >= 9 && buf[i + 8] === LF;
    if (!lfEnd && end - i < 10) {
      return prefixOf(buf, i, end, "HTTP/1.1\r\n") ? 0 : HttpParse.BAD_REQUEST;
    }
    if (
      buf[i] !== 72 || buf[i + 1] !== 84 || buf[i + 2] !== 84 || buf[i + 3] !== 80 ||
      buf[i + 4] !== 47 || buf[i + 6] !== 46 || (!lfEnd && (buf[i + 8] !== CR || buf[i + 9] !== LF))
    ) return HttpParse.BAD_REQUEST;
    const major = buf[i + 5] - 48, minor = buf[i + 7] - 48;
    if (major < 0 || major > 9 || minor < 0 || minor > 9) return HttpParse.BAD_REQUEST;
    if (major !== 1) return HttpParse.VERSION_NOT_SUPPORTED;
    i += lfEnd ? 9 : 10;

    let hosts = 0, contentLength = -1, te = false, close = false, keepAlive = false, count = 0;
    let chunked = false, expect = false, upgrade = false, connUpgrade = false, h0 = -1, h1 = -1;
    for (;;) {
      if (i >= end) return 0;
      if (buf[i] === CR) {
        if (i + 1 >= end) return 0;
        if (buf[i + 1] !== LF) return HttpParse.BAD_REQUEST;
        i += 2;
        break;
      }
      if (bareLf && buf[i] === LF) {
        i++;
        break;
      }
      if (++count > this.maxHeaders) return HttpParse.HEAD_TOO_LARGE;
      // name ":"
      const n0 = i;
      while (i < end && TOKEN[buf[i]] === 1) i++;
      if (i === end) return 0;
      if (buf[i] !== COLON || i === n0) return HttpParse.BAD_REQUEST;
      const n1 = i++;
      // OWS value OWS CRLF
      while (i < end && (buf[i] === SP || buf[i] === HT)) i++;
      const v0 = i;
      while (i < end && VALUE[buf[i]] === 1) i++;
      if (i === end) return 0;
      let v1 = i;
      if (bareLf && buf[i] === LF) i++;
      else {
        if (buf[i] !== CR) return HttpParse.BAD_REQUEST;
        if (i + 1 === end) return 0;
        if (buf[i + 1] !== LF) return HttpParse.BAD_REQUEST;
        i += 2;
      }
      while (v1 > v0 && (buf[v1 - 1] === SP || buf[v1 - 1] === HT)) v1--;

      const nameLen = n1 - n0;
      if (equalsLower(buf, n0, nameLen, H_HOST)) {
        hosts++;
        h0 = v0;
        h1 = v1;
      } else if (equalsLower(buf, n0, nameLen, H_CONTENT_LENGTH)) {
        if (v1 === v0 || v1 - v0 > 15) return HttpParse.BAD_REQUEST;
        let len = 0;
        for (let k = v0; k < v1; k++) {
          const d = buf[k] - 48;
          if (d < 0 || d > 9) return HttpParse.BAD_REQUEST;
          len = len * 10 + d;
        }
        if (contentLength !== -1 && contentLength !== len) return HttpParse.BAD_REQUEST;
        contentLength = len;
      } else if (equalsLower(buf, n0, nameLen, H_TRANSFER_ENCODING)) {
        // only "chunked" alone is decoded; another coding, or chunked twice, is not
        chunked = !te && equalsLower(buf, v0, v1 - v0, T_CHUNKED);
        te = true;
      } else if (equalsLower(buf, n0, nameLen, H_EXPECT)) {
        expect = equalsLower(buf, v0, v1 - v0, T_100_CONTINUE);
      } else if (equalsLower(buf, n0, nameLen, H_UPGRADE)) {
        upgrade = true;
      } else if (equalsLower(buf, n0, nameLen, H_CONNECTION)) {
        // comma-separated tokens; "close" wins over "keep-alive"
        let k = v0;
        while (k < v1) {
          while (k < v1 && (buf[k] === SP || buf[k] === HT || buf[k] === COMMA)) k++;
          const s = k;
          while (k < v1 && buf[k] !== COMMA && buf[k] !== SP && buf[k] !== HT) k++;
          if (equalsLower(buf, s, k - s, T_CLOSE)) close = true;
          else if (equalsLower(buf, s, k - s, T_KEEP_ALIVE)) keepAlive = true;
          else if (equalsLower(buf, s, k - s, T_UPGRADE)) connUpgrade = true;
        }
      }
    }
    // An upgrade with a body: the bytes after the head would be both the body and the new
    // protocol's (a way to smuggle a request past a proxy), so it is refused, as Deno.serve does.
    if (upgrade && connUpgrade && (te || contentLength !== -1)) return HttpParse.BAD_REQUEST;
    if (te) {
      if (contentLength !== -1) return HttpParse.BAD_REQUEST;
      if (!chunked || !this.#allowChunked) return HttpParse.NOT_IMPLEMENTED;
    }
    if (minor >= 1 && hosts !== 1 && (hosts > 1 || this.#requireHost)) {
      return HttpParse.BAD_REQUEST;
    }
    if (hosts > 1) return HttpParse.BAD_REQUEST;

    this.method = methodName(buf, m0, m1);
    this.targetStart = t0;
    this.targetEnd = t1;
    this.minorVersion = minor === 0 ? 0 : 1;
    this.keepAlive = !close && (minor >= 1 || keepAlive);
    this.contentLength = contentLength === -1 ? 0 : contentLength;
    this.headerCount = count;
    this.chunked = te;
    this.expectContinue = expect;
    this.upgrade = upgrade;
    this.hostStart = h0;
    this.hostEnd = h1;
    return i - start;
  }
}

/** True when `buf[i, end)` is a prefix of `s`. */
function prefixOf(buf: Uint8Array, i: number, end: number, s: string): boolean {
  for (let k = 0; i + k < end; k++) {
    const c = s.charCodeAt(k);
    // the version digits may be any digit
    if (k === 5 || k === 7) {
      if (buf[i + k] < 48 || buf[i + k] > 57) return false;
    } else if (buf[i + k] !== c) return false;
  }
  return true;
}

/** The method as a string: one of the common ones without allocating, else decoded. */
function methodName(buf: Uint8Array, m0: number, m1: number): string {
  const len = m1 - m0;
  for (const m of METHODS) {
    if (m.length !== len) continue;
    let k = 0;
    while (k < len && buf[m0 + k] === m.charCodeAt(k)) k++;
    if (k === len) return m;
  }
  let s = "";
  for (let k = m0; k < m1; k++) s += String.fromCharCode(buf[k]);
  return s;
}

/**
 * The `Date` header value for `ms` (default now) in the IMF-fixdate form of RFC 9110
 * (`Sun, 06 Nov 1994 08:49:37 GMT`, always 29 bytes), for servers that precompute their
 * responses and refresh the date once a second.
 *
 * @param ms milliseconds since the epoch
 * @returns the date, 29 ASCII characters
 * @throws {RangeError} when `ms` is not a valid time
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { httpDate } from "../../mod.ts";
 * assertEquals(httpDate(784111777000), "Sun, 06 Nov 1994 08:49:37 GMT");
 * ```
 */
export function httpDate(ms: number = Date.now()): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a valid time: ${ms}`);
  return d.toUTCString();
}
