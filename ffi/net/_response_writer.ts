/**
 * Writes `Response`s as HTTP/1.x, the way `Deno.serve` (hyper) writes them: the handler's
 * headers with their names as given, then `content-length` for a body of known size or
 * `transfer-encoding: chunked` for a stream (HTTP/1.1; an HTTP/1.0 stream ends with the
 * connection), then `date`; no body for `HEAD`, 1xx, 204 and 304. A static body goes out in the
 * same send as its head. A file body marked with `attachFileBody()` moves from the file to the
 * socket with `splice` through a pipe (two linked SQEs per step), never through JavaScript.
 *
 * @internal
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import { alignedBuffer } from "../sys/mod.ts";
import { sendAll } from "./server.ts";
import type { FileBody } from "./_file_body.ts";

const REASONS: Record<number, string> = {
  100: "Continue",
  101: "Switching Protocols",
  102: "Processing",
  103: "Early Hints",
  200: "OK",
  201: "Created",
  202: "Accepted",
  203: "Non Authoritative Information",
  204: "No Content",
  205: "Reset Content",
  206: "Partial Content",
  207: "Multi-Status",
  208: "Already Reported",
  226: "IM Used",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  305: "Use Proxy",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Payload Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  418: "I'm a teapot",
  421: "Misdirected Request",
  422: "Unprocessable Entity",
  423: "Locked",
  424: "Failed Dependency",
  426: "Upgrade Required",
  428: "Precondition Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  451: "Unavailable For Legal Reasons",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
  506: "Variant Also Negotiates",
  507: "Insufficient Storage",
  508: "Loop Detected",
  510: "Not Extended",
  511: "Network Authentication Required",
};

let dateSecond = -1;
let dateText = "";

/** The `date` value, recomputed only when the second changes. */
export function currentDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** No body may follow these statuses (RFC 9110 6.4.1). */
export function bodyless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/** How the body is framed on the wire. */
export const LENGTH = 0, CHUNKED = 1, UNTIL_CLOSE = 2, NONE = 3;

/**
 * The response head. `framing` LENGTH writes `content-length: length` unless the handler set
 * one; CHUNKED writes `transfer-encoding: chunked`; NONE writes neither.
 */
export function responseHead(
  minor: number,
  status: number,
  headers: [string, string][],
  framing: number,
  length: number,
  connection: string,
): string {
  let h = `HTTP/1.${minor} ${status} ${REASONS[status] ?? ""}\r\n`;
  let hasLength = false;
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i][0];
    const len = name.length;
    // the framing is the server's: a handler's transfer-encoding or connection is dropped, and
    // its content-length unless the server frames the body by length (not for a 304 either, as
    // Deno.serve drops it there)
    if (len === 14 && name.toLowerCase() === "content-length") {
      if (framing !== LENGTH) continue;
      hasLength = true;
    } else if (
      (len === 17 && name.toLowerCase() === "transfer-encoding") ||
      (len === 10 && status !== 101 && name.toLowerCase() === "connection")
    ) continue;
    h += `${name}: ${headers[i][1]}\r\n`;
  }
  if (framing === LENGTH && !hasLength) h += `content-length: ${length}\r\n`;
  else if (framing === CHUNKED) h += "transfer-encoding: chunked\r\n";
  h += `date: ${currentDate()}\r\n`;
  if (connection !== "") h += `connection: ${connection}\r\n`;
  return h + "\r\n";
}

/** Room left before a static body in a send buffer for its head (see {@link writeSimple}). */
const ROOM = 512;

/** Head bytes around the length of the common answers, for the current second's date. */
interface CachedHead {
  prefix: Uint8Array;
  suffix: Uint8Array;
}
const headCache = new Map<string, CachedHead>();
let cacheDate = "";
/** The head used last: a server mostly answers the same kind of response again. */
const last = {
  status: 0,
  ct: null as string | null,
  minor: 0,
  connection: "",
  head: null as CachedHead | null,
};

function cachedHead(
  minor: number,
  status: number,
  ct: string | null,
  connection: string,
): CachedHead {
  const date = currentDate();
  if (
    date === cacheDate && status === last.status && ct === last.ct && minor === last.minor &&
    connection === last.connection
  ) return last.head!;
  if (date !== cacheDate) {
    headCache.clear();
    cacheDate = date;
  }
  const key = ct === null
    ? `${minor}${status}${connection}`
    : `${minor}${status}${connection}${ct}`;
  let h = headCache.get(key);
  if (h === undefined) {
    const pre = `HTTP/1.${minor} ${status} ${REASONS[status] ?? ""}\r\n` +
      (ct === null ? "" : `content-type: ${ct}\r\n`) + "content-length: ";
    const suf = `\r\ndate: ${date}\r\n` +
      (connection === "" ? "" : `connection: ${connection}\r\n`) + "\r\n";
    h = { prefix: latin1Bytes(pre), suffix: latin1Bytes(suf) };
    if (headCache.size < 64) headCache.set(key, h);
  }
  last.status = status;
  last.ct = ct;
  last.minor = minor;
  last.connection = connection;
  last.head = h;
  return h;
}

function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  writeLatin1(b, 0, s);
  return b;
}

/**
 * Writes a whole answer with a static body into `out` at `at` from cached head bytes: for a
 * status that has a body, header fields that are at most a `content-type`, and a body that fits.
 * A string body is encoded straight into `out` (past room for the head, then moved down).
 *
 * @returns the end of what was written, or -1 when the answer does not qualify (nothing
 *   usable was written)
 */
export function writeSimple(
  out: Uint8Array,
  at: number,
  minor: number,
  status: number,
  headers: [string, string][],
  body: string | Uint8Array | null,
  withBody: boolean,
  connection: string,
): number {
  let ct: string | null = null;
  if (headers.length > 0) {
    if (headers.length > 1 || headers[0][0] !== "content-type") return -1;
    ct = headers[0][1];
    if (ct.length > 200) return -1;
  }
  const bodyAt = at + ROOM;
  if (bodyAt >= out.length) return -1;
  let len = 0;
  if (typeof body === "string") {
    const n = body.length;
    if (n > out.length - bodyAt) return -1;
    // short ASCII text is copied by hand (cheaper than a call into the encoder)
    let k = 0;
    if (n <= 64) {
      for (; k < n; k++) {
        const c = body.charCodeAt(k);
        if (c > 127) break;
        out[bodyAt + k] = c;
      }
    }
    if (k === n) len = n;
    else {
      const r = encoder.encodeInto(body, out.subarray(bodyAt));
      if (r.read !== n) return -1;
      len = r.written;
    }
  } else if (body !== null) {
    len = body.length;
    if (len > out.length - bodyAt) return -1;
    if (withBody) out.set(body, bodyAt);
  }
  const h = cachedHead(minor, status, ct, connection);
  const digits = String(len);
  const headLen = h.prefix.length + digits.length + h.suffix.length;
  if (headLen > ROOM) return -1;
  out.set(h.prefix, at);
  let i = at + h.prefix.length;
  for (let k = 0; k < digits.length; k++) out[i++] = digits.charCodeAt(k);
  out.set(h.suffix, i);
  i += h.suffix.length;
  if (!withBody || len === 0) return i;
  if (i !== bodyAt) out.copyWithin(i, bodyAt, bodyAt + len);
  return i + len;
}

/** Writes `s` (Latin-1: header text is bytes) into `out` at `at`; returns the new end. */
export function writeLatin1(out: Uint8Array, at: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) out[at + i] = s.charCodeAt(i);
  return at + n;
}

const encoder = new TextEncoder();

/** Bytes of a static body. */
export function bodyBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? encoder.encode(body) : body;
}

/**
 * Send buffers in library memory (the ring sends them in place), lent per send and kept for
 * reuse up to a bound, so idle connections hold none.
 */
export class SendPool {
  static readonly SIZE = 16 * 1024;
  #free: Uint8Array[] = [];
  #max: number;
  constructor(max = 64) {
    this.#max = max;
  }
  take(): Uint8Array {
    return this.#free.pop() ?? alignedBuffer(SendPool.SIZE);
  }
  give(b: Uint8Array): void {
    if (this.#free.length < this.#max) this.#free.push(b);
  }
}

/**
 * Sends head and static body together (one send when they fit a pool buffer).
 */
export function sendStatic(
  io: AsyncRing,
  fd: number,
  pool: SendPool,
  head: string,
  body: Uint8Array | null,
): Promise<void> {
  const blen = body === null ? 0 : body.length;
  if (head.length + blen > SendPool.SIZE) return sendStaticLarge(io, fd, pool, head, body);
  const out = pool.take();
  let n = writeLatin1(out, 0, head);
  if (body !== null) {
    out.set(body, n);
    n += blen;
  }
  const view = out.subarray(0, n);
  return io.send(fd, view).then((sent) => {
    if (sent === n) {
      pool.give(out);
      return;
    }
    return sendAll(io, fd, view.subarray(sent)).then(() => pool.give(out));
  });
}

async function sendStaticLarge(
  io: AsyncRing,
  fd: number,
  pool: SendPool,
  head: string,
  body: Uint8Array | null,
): Promise<void> {
  await sendAll(io, fd, encodeHead(head));
  if (body !== null && body.length > 0) {
    const out = pool.take();
    try {
      // library memory is sent in place; the handler's bytes go through it in pieces
      for (let off = 0; off < body.length; off += out.length) {
        const piece = body.subarray(off, off + out.length);
        out.set(piece);
        await sendAll(io, fd, out.subarray(0, piece.length));
      }
    } finally {
      pool.give(out);
    }
  }
}

function writeLatin1Safe(out: Uint8Array, head: string): number {
  return head.length > out.length ? -1 : writeLatin1(out, 0, head);
}

function encodeHead(head: string): Uint8Array {
  const b = new Uint8Array(head.length);
  writeLatin1(b, 0, head);
  return b;
}

/**
 * Sends a stream body, `chunked` framed or raw, after the head; returns true when every chunk
 * went out. The first chunk goes with the head when it is ready at once. `cut` gets the function
 * that stops it from outside (its client closed): the stream is cancelled with the reason given,
 * and no last chunk goes out.
 *
 * @throws what reading the stream throws (the head is out by then)
 */
export async function sendStream(
  io: AsyncRing,
  fd: number,
  pool: SendPool,
  head: string,
  stream: ReadableStream<Uint8Array>,
  chunked: boolean,
  onChunkError: (e: unknown) => void,
  cut?: (stop: (reason: unknown) => void) => void,
): Promise<boolean> {
  const reader = stream.getReader();
  let stopped = false;
  cut?.((reason) => {
    stopped = true;
    reader.cancel(reason).catch(() => {});
  });
  const out = pool.take();
  let n = writeLatin1Safe(out, head);
  try {
    if (n < 0) {
      await sendAll(io, fd, encodeHead(head));
      n = 0;
    }
    let readP = reader.read();
    // A stream that fails or gives a chunk that is not bytes: what is gathered (the head at
    // least) goes out first, as Deno.serve's head does, so that the client sees the status and
    // then the body break off when the connection closes.
    const fail = async (e: unknown): Promise<false> => {
      onChunkError(e);
      if (n > 0) await sendAll(io, fd, out.subarray(0, n)).catch(() => {});
      n = 0;
      return false;
    };
    for (;;) {
      // chunks ready at once are gathered; before waiting, what is gathered goes out (the head
      // too: a client may wait for it before the stream has anything)
      let r: ReadableStreamReadResult<Uint8Array> | typeof NOT_YET_VALUE;
      try {
        r = await Promise.race([readP, NOT_YET]);
      } catch (e) {
        return await fail(e);
      }
      if (r === NOT_YET_VALUE) {
        if (n > 0) {
          await sendAll(io, fd, out.subarray(0, n));
          n = 0;
        }
        try {
          r = await readP;
        } catch (e) {
          return await fail(e);
        }
      }
      const rr = r as ReadableStreamReadResult<Uint8Array>;
      if (stopped) return false; // not the end of the body: no last chunk
      if (rr.done) break;
      readP = reader.read();
      const chunk = rr.value;
      if (!(chunk instanceof Uint8Array)) {
        const e = new TypeError("expected typed ArrayBufferView"); // Deno.serve's words
        await reader.cancel(e).catch(() => {});
        return await fail(e);
      }
      if (chunk.length === 0) continue;
      const frame = chunked ? chunk.length.toString(16) : "";
      const need = chunk.length + (chunked ? frame.length + 4 : 0);
      if (need > out.length - n) {
        if (n > 0) await sendAll(io, fd, out.subarray(0, n));
        n = 0;
      }
      if (need <= out.length) {
        if (chunked) n = writeLatin1(out, n, frame + "\r\n");
        out.set(chunk, n);
        n += chunk.length;
        if (chunked) n = writeLatin1(out, n, "\r\n");
      } else {
        if (chunked) await sendAll(io, fd, encodeHead(frame + "\r\n"));
        await sendAll(io, fd, chunk);
        if (chunked) await sendAll(io, fd, CRLF);
      }
    }
    if (chunked) n = n + 5 <= out.length ? writeLatin1(out, n, "0\r\n\r\n") : n;
    if (n > 0) await sendAll(io, fd, out.subarray(0, n));
    return true;
  } catch (e) {
    // the client went away: stop the stream
    reader.cancel(e).catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
    pool.give(out);
  }
}

const CRLF = new Uint8Array([13, 10]);
const NOT_YET_VALUE = { notYet: true };
const NOT_YET = Promise.resolve(NOT_YET_VALUE);

/** Most bytes one splice step moves (a pipe holds 64 KiB by default). */
const SPLICE_STEP = 65536;

/**
 * Sends a file range: the head, then `splice` file → pipe → socket in linked pairs, so the
 * bytes never reach JavaScript.
 */
export async function sendFile(
  io: AsyncRing,
  fd: number,
  head: string,
  file: FileBody,
  withBody: boolean,
): Promise<void> {
  await sendAll(io, fd, encodeHead(head));
  if (!withBody || file.length === 0) return;
  const f = await io.open(file.path, { read: true });
  let pipe: [number, number] | undefined;
  try {
    pipe = await io.pipe();
    const [pr, pw] = pipe;
    let off = file.offset, left = file.length;
    while (left > 0) {
      const want = Math.min(left, SPLICE_STEP);
      const [inN, outN] = await io.link((c) => {
        c.splice(f, off, pw, -1, want);
        c.splice(pr, -1, fd, -1, want);
      });
      if (inN instanceof Error) throw inN;
      if (inN === 0) throw new Error(`${file.path}: the file ended before its range`);
      off += inN;
      left -= inN;
      // what the pipe still holds (a short socket splice, or a cancelled second step)
      let sent = outN instanceof Error ? 0 : outN;
      if (outN instanceof Error && outN.message.indexOf("ECANCELED") < 0) throw outN;
      while (sent < inN) {
        const k = await io.splice(pr, -1, fd, -1, inN - sent);
        if (k === 0) throw new Error("the connection ended during a file body");
        sent += k;
      }
    }
  } finally {
    if (pipe) { for (const p of pipe) await io.closeFd(p).catch(() => {}); }
    await io.closeFd(f).catch(() => {});
  }
}
