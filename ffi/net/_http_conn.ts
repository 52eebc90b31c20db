/**
 * One HTTP/1.x connection of `serve()`: receive, parse, call the handler, write the answer, in
 * order, until the client closes or asks to (`Connection: close`, HTTP/1.0), or the server stops.
 *
 * Memory while idle: a connection waiting for its next request has one `recvSelect` in flight,
 * which takes a buffer of the server's shared provided-buffer ring only when bytes arrive; the
 * bytes are copied out (exactly as many as came) and the buffer goes back at once. Bytes not yet
 * used (a partial head, pipelined requests, a body being read) are the only per-connection
 * buffer, and it is dropped when used up.
 *
 * @internal
 * @module
 */
import { Sock } from "../sys/mod.ts";
import { HttpParse } from "./http.ts";
import { sendAll } from "./server.ts";
import { fileBodyOf } from "./_file_body.ts";
import { nameOf } from "./_libc.ts";
import { INVALID, ServeInner, targetKind } from "./_request.ts";
import { HttpReceiver } from "./_http_receive.ts";
import {
  FAIL_REASONS,
  hasLength,
  internalServerError,
  publicRequest,
  reportStreamError,
  type ServeHandlerInfoLike,
  type ServeState,
} from "./_http_parts.ts";
import {
  bodyless,
  CHUNKED,
  currentDate,
  LENGTH,
  NONE,
  responseHead,
  sendFile,
  SendPool,
  sendStatic,
  sendStream,
  UNTIL_CLOSE,
  writeSimple,
} from "./_response_writer.ts";
import {
  innerBody,
  innerOf,
  isRealResponse,
  markAborted,
  requestFromInner,
  type ResponseParts,
  responseParts,
} from "./_web_internals.ts";

/** Largest request head (request line and fields). */
export const MAX_HEAD = 64 * 1024;
/** A body left unread by its handler is drained up to this, else the connection closes. */
const DRAIN_LIMIT = 256 * 1024;
const LINGER_MS = 1000;
/** What `#aborted` resolves with. */
const ABORTED: unique symbol = Symbol("aborted");
const enc = new TextEncoder();
const CONTINUE = enc.encode("HTTP/1.1 100 Continue\r\n\r\n");

/** The WebSocket side of an upgrade: runs the connection once the 101 is out. */
export interface UpgradeTarget {
  /** The response `upgradeWebSocket()` handed out, and the 101's header fields. */
  readonly _response: Response;
  readonly _headers: [string, string][];
  /** Runs the upgraded connection; resolves when it is done (the server closes the fd). */
  _run(conn: HttpConn): Promise<void>;
  /** The server stops: close the socket (at once when `abortive`). */
  _shutdown(abortive: boolean): void;
}

/** Requests made by the public constructor (when Deno's internals are not found). */
const byRequest = new WeakMap<Request, HttpConn>();

/** The connection a `serve()` request came on and its record, while it is being answered. */
export function connOf(req: Request): { conn: HttpConn; inner: ServeInner } | undefined {
  const inner = innerOf(req);
  const conn = inner instanceof ServeInner ? inner.conn as HttpConn : byRequest.get(req);
  if (conn === undefined || conn._req !== req) return undefined;
  return { conn, inner: conn._inner! };
}

/** What `info` gives a handler, read from its connection when asked. */
class Info implements ServeHandlerInfoLike {
  #conn: HttpConn;
  constructor(conn: HttpConn) {
    this.#conn = conn;
  }
  get remoteAddr(): Deno.NetAddr {
    return this.#conn.remoteAddr();
  }
  get completed(): Promise<void> {
    return this.#conn._completedPromise();
  }
}

function interrupted(): Error {
  return new Deno.errors.Interrupted("HTTP response was not sent successfully");
}

/** One connection. */
export class HttpConn {
  readonly fd: number;
  readonly st: ServeState;
  /** What was received and not used yet, and the request body's framing. */
  readonly rx: HttpReceiver;
  /** The request being answered (for upgradeWebSocket), and its record. */
  _req: Request | null = null;
  _inner: ServeInner | null = null;
  /** Set by upgradeWebSocket(). */
  _upgrade: UpgradeTarget | null = null;
  #cancel: (() => void) | null = null;
  #gone = false;
  #remote: Deno.NetAddr | undefined;
  #completed: PromiseWithResolvers<void> | undefined;
  #expect = false;
  #body: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** The request body as a stream (a body not all here with the head), and whether it was read. */
  #bodyStreamed: ReadableStream<Uint8Array> | null = null;
  #bodyPulled = false;
  /** The request in hand ends the connection (decided before, or when its answer is written). */
  #closeAfter = false;
  /** Stops the stream body being sent (set while one is). */
  #stopStream: ((reason: unknown) => void) | null = null;
  /** Resolved by `_abort()`: the server stops at once, without waiting for the handler. */
  #aborted: PromiseWithResolvers<typeof ABORTED> | null = null;
  /** Waiting for the next request head (shutdown may end the receive). */
  idle = true;
  /** Answers written and not sent yet (pipelined requests are answered in one send). */
  #out: Uint8Array | null = null;
  #outLen = 0;

  constructor(fd: number, st: ServeState) {
    this.fd = fd;
    this.st = st;
    this.rx = new HttpReceiver(fd, st);
  }

  // ---- receiving ------------------------------------------------------------------------

  /** The client's address (getpeername, once). */
  remoteAddr(): Deno.NetAddr {
    if (this.#remote === undefined) {
      const a = nameOf(this.fd, true);
      this.#remote = { transport: "tcp", hostname: a?.hostname ?? "", port: a?.port ?? 0 };
    }
    return this.#remote;
  }

  /** From `Request.signal`: run `cb` when the client goes away during this request. */
  watch(cb: () => void): void {
    if (this.#gone) {
      cb();
      return;
    }
    this.#cancel = cb;
    // With no body being read, nothing receives: a receive in the background sees the close
    // (pipelined bytes that come instead are kept for the next request).
    if (this.rx.bodyDone) this.#watchLoop();
  }

  async #watchLoop(): Promise<void> {
    const req = this._req;
    if (await this.#closedWhile(() => this._req === req && this.#cancel !== null)) {
      this.#clientGone();
    }
  }

  /**
   * Receives in the background while `watching()` holds, until the client closes: true when it
   * closed while it still held. Bytes that come instead (a pipelined request) are kept for the
   * next request, up to a head's worth.
   */
  async #closedWhile(watching: () => boolean): Promise<boolean> {
    while (watching() && !this.rx.eof && this.rx.pe - this.rx.ps < MAX_HEAD) {
      if (!await this.rx.fill()) break;
    }
    return watching() && this.rx.eof;
  }

  #clientGone(): void {
    if (this.#gone) return;
    this.#gone = true;
    const cb = this.#cancel;
    this.#cancel = null;
    if (cb !== null) cb();
    else if (this._req !== null) markAborted(this._req);
  }

  // ---- request bodies -------------------------------------------------------------------

  #bodyStream(): ReadableStream<Uint8Array> {
    return this.#bodyStreamed = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#body = c;
      },
      pull: (c) => this.#pull(c),
      cancel: () => {
        this.#body = null;
      },
    }, { highWaterMark: 0 });
  }

  async #pull(c: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    this.#bodyPulled = true;
    if (this.#expect) {
      this.#expect = false;
      try {
        await sendAll(this.st.io, this.fd, CONTINUE);
      } catch { /* the read below sees the end */ }
    }
    let chunk: Uint8Array | null;
    try {
      chunk = await this.rx.nextBodyBytes();
    } catch (e) {
      this.#body = null;
      c.error(e);
      return;
    }
    if (this.#body !== c) return;
    if (chunk === null) {
      this.#body = null;
      c.close();
    } else c.enqueue(chunk);
  }

  // ---- the loop -------------------------------------------------------------------------

  /** Serves requests until the connection ends; closes nothing (the server closes the fd). */
  async run(): Promise<void> {
    const st = this.st, parser = st.parser, rx = this.rx;
    for (;;) {
      if (st.closing) {
        if (this.#outLen > 0) await this.#flush();
        return;
      }
      let r = rx.pend === null ? HttpParse.INCOMPLETE : parser.parse(rx.pend, rx.ps, rx.pe);
      // what is batched goes out before waiting for more bytes, or before an error answer
      if (this.#outLen > 0 && r < 0 && !await this.#flush()) return;
      this.idle = true;
      while (r === HttpParse.INCOMPLETE) {
        if (!await rx.fillHead()) return;
        if (st.closing && this.idle && rx.pe - rx.ps === 0) return;
        r = parser.parse(rx.pend!, rx.ps, rx.pe);
      }
      this.idle = false;
      if (r < 0) {
        // a head too large, a transfer coding other than chunked, or not HTTP/1.x: 400, as
        // Deno.serve answers (the parser tells them apart: 431, 501, 505)
        await this.#fail(400);
        return;
      }
      // the head's own bytes: the request keeps them, the receive buffer moves on
      const buf = rx.pend!, start = rx.ps;
      const head = buf.subarray(start, start + r);
      const method = parser.method, minor = parser.minorVersion;
      const keepAlive = parser.keepAlive, contentLength = parser.contentLength;
      const chunked = parser.chunked, expect = parser.expectContinue;
      const t0 = parser.targetStart - start, t1 = parser.targetEnd - start;
      const h0 = parser.hostStart < 0 ? -1 : parser.hostStart - start;
      const h1 = parser.hostEnd - start;
      if (contentLength > Number.MAX_SAFE_INTEGER) {
        await this.#fail(413);
        return;
      }
      if (targetKind(buf, parser.targetStart, parser.targetEnd, method) === INVALID) {
        await this.#fail(400);
        return;
      }
      rx.consume(r);

      // the body: whole when it is here already, else a stream the handler pulls
      let body: unknown = null, raw: Uint8Array | ReadableStream<Uint8Array> | null = null;
      let bodyStream: ReadableStream<Uint8Array> | null = null;
      rx.beginBody(0);
      this.#bodyStreamed = null;
      this.#bodyPulled = false;
      this.#expect = false;
      if (chunked) {
        rx.beginBody(-1);
        this.#expect = expect;
        bodyStream = this.#bodyStream();
      } else if (contentLength > 0) {
        if (rx.pe - rx.ps >= contentLength) {
          raw = rx.take(contentLength);
          body = innerBody(raw) ?? raw;
        } else {
          rx.beginBody(contentLength);
          this.#expect = expect;
          bodyStream = this.#bodyStream();
        }
      }
      const noBody = method === "GET" || method === "HEAD" || method === "CONNECT";
      if (bodyStream !== null) raw = bodyStream;
      if (noBody) raw = null;
      body = raw === null ? null : bodyStream !== null ? innerBody(bodyStream) ?? raw : body;

      const inner = new ServeInner(
        method,
        // a copy when pipelined bytes follow in the same buffer (they are not the request's)
        rx.pend === buf ? head.slice() : head,
        t0,
        t1,
        h0,
        h1,
        st.fallbackHost,
        body,
        this,
      );
      let req = requestFromInner(inner);
      if (req === null) {
        req = publicRequest(inner, raw);
        byRequest.set(req, this);
      }
      this._req = req;
      this._inner = inner;
      this.#gone = false;
      this.#cancel = null;
      this.#completed = undefined;

      this.#closeAfter = !keepAlive || st.closing;
      let out: unknown, threw = false;
      try {
        out = st.handler(req, new Info(this));
      } catch (e) {
        out = e;
        threw = true;
      }
      // the common case without promises: a Response at once, with a static body
      let parts: ResponseParts | null = null, end = -1;
      if (
        !threw && out instanceof Response && this._upgrade === null &&
        fileBodyOf(out) === undefined
      ) {
        try {
          parts = responseParts(out);
        } catch {
          parts = null; // answered by the general path (which calls onError)
        }
        if (parts !== null && !(parts.body instanceof ReadableStream) && !bodyless(parts.status)) {
          end = writeSimple(
            this.#out ??= st.pool.take(),
            this.#outLen,
            minor,
            parts.status,
            parts.headers,
            parts.body,
            method !== "HEAD",
            this.#closesAfter(null)
              ? (minor === 0 ? "" : "close")
              : (minor === 0 ? "keep-alive" : ""),
          );
        }
      }
      let ok: boolean;
      if (end >= 0) {
        this.#outLen = end;
        const batch = !this.#closeAfter && rx.bodyDone && this.#completed === undefined &&
          rx.pe > rx.ps && end <= SendPool.SIZE / 2;
        ok = batch || await this.#flush();
        this.#settle(ok);
        ok = ok && !rx.eof;
      } else {
        if (this.#outLen > 0 && !await this.#flush()) return;
        ok = await this.#answer(out, threw, parts, inner, method, minor);
      }
      const upgrade = this._upgrade;
      this._req = null;
      this._inner = null;
      if (ok && upgrade !== null) {
        // stays set while it runs: shutdown() finds the socket through it
        await upgrade._run(this);
        return;
      }
      if (!ok) return;
      if (this.#closeAfter) {
        this.#body = null;
        await this.#linger();
        return;
      }
      // a body its handler began to read and left: skip the rest, or close when it is large
      if (!rx.bodyDone) {
        this.#body = null;
        if (!await this.#drain()) return;
      }
    }
  }

  async #drain(): Promise<boolean> {
    let skipped = 0;
    try {
      while (!this.rx.bodyDone) {
        if (this.#expect) return false; // the client waits for 100 Continue: never sent
        if (this.rx.bodyLeft > DRAIN_LIMIT) return false;
        const b = await this.rx.nextBodyBytes();
        if (b === null) break;
        skipped += b.length;
        if (skipped > DRAIN_LIMIT) return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  /** Sends the batched answers; false when the connection failed. */
  async #flush(): Promise<boolean> {
    const out = this.#out, n = this.#outLen;
    this.#out = null;
    this.#outLen = 0;
    if (out === null) return true;
    if (n === 0) {
      this.st.pool.give(out);
      return true;
    }
    try {
      const sent = await this.st.io.send(this.fd, out.subarray(0, n));
      if (sent < n) await sendAll(this.st.io, this.fd, out.subarray(sent, n));
      this.st.pool.give(out);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Writes the answer to the handler's outcome (`out`: what it returned, or what it threw);
   * `parts` when the response was taken apart already. False when the connection must end.
   */
  async #answer(
    out: unknown,
    threw: boolean,
    taken: ResponseParts | null,
    inner: ServeInner,
    method: string,
    minor: number,
  ): Promise<boolean> {
    let res: Response;
    try {
      if (threw) throw out;
      if (out instanceof Response) res = out;
      else {
        // an abort (the server's signal) does not wait for the handler, as in Deno.serve
        this.#aborted ??= Promise.withResolvers<typeof ABORTED>();
        const r = await Promise.race([out, this.#aborted.promise]);
        if (r === ABORTED) {
          Promise.resolve(out).then((late) => {
            if (late instanceof Response) late.body?.cancel().catch(() => {});
          }, () => {});
          this.#settle(false);
          return false;
        }
        res = r as Response;
      }
      if (!(res instanceof Response)) {
        throw new TypeError(
          "Return value from serve handler must be a response or a promise resolving to a response",
        );
      }
    } catch (error) {
      res = await this.#onError(error);
    }
    let parts: ResponseParts;
    const upgrade = this._upgrade;
    try {
      parts = taken !== null && res === out
        ? taken
        : upgrade !== null && res === upgrade._response
        ? { status: 101, headers: upgrade._headers, body: null, length: -1 }
        : responseParts(res);
    } catch (error) {
      try {
        parts = responseParts(await this.#onError(error));
      } catch {
        parts = responseParts(internalServerError());
      }
    }
    if (inner.upgraded && this._upgrade !== null && parts.status !== 101) {
      console.error("Upgrade response was not returned from callback");
      this._upgrade = null;
      return false;
    }
    let ok = false;
    try {
      ok = await this.#write(res, parts, method, minor);
    } catch {
      ok = false;
    }
    this.#settle(ok);
    return ok && !this.rx.eof;
  }

  /**
   * Whether the connection ends after the answer about to be written (`responseBody` is its
   * body): when it was to end anyway, or when the request's body is still coming and its handler
   * answered without reading any of it, as `Deno.serve` does. Skipping such a body would take bytes
   * the handler never saw for the body and the rest for the next request; a client that never
   * sends it would hold the connection (and `shutdown()`) for good.
   */
  #closesAfter(responseBody: unknown): boolean {
    if (this.#closeAfter) return true;
    const stream = this.#bodyStreamed;
    if (
      !this.rx.bodyDone && !this.#bodyPulled && stream !== null && !stream.locked &&
      responseBody !== stream
    ) {
      this.#closeAfter = true;
    }
    return this.#closeAfter;
  }

  /**
   * The server's signal aborted it: the connection ends without waiting for a handler still at
   * work (whose answer, when it comes, is dropped), as `Deno.serve` ends it. A handler may
   * itself wait for the server's `finished`.
   */
  _abort(): void {
    (this.#aborted ??= Promise.withResolvers<typeof ABORTED>()).resolve(ABORTED);
  }

  /** Settles `info.completed` (when the handler asked for it) once the answer went out or not. */
  #settle(ok: boolean): void {
    if (ok) this.#completed?.resolve();
    else {
      this.#clientGone();
      if (this.#completed !== undefined) this.#completed.reject(interrupted());
    }
  }

  /** `info.completed` of the request in hand. */
  _completedPromise(): Promise<void> {
    if (this.#completed === undefined) {
      this.#completed = Promise.withResolvers<void>();
      this.#completed.promise.catch(() => {});
    }
    return this.#completed.promise;
  }

  async #onError(error: unknown): Promise<Response> {
    try {
      const r = await this.st.onError(error);
      if (!(r instanceof Response)) {
        throw new TypeError(
          "Return value from onError handler must be a response or a promise resolving to a response",
        );
      }
      if (!isRealResponse(r)) {
        throw new TypeError(
          "Return value from onError handler must be a Response constructed via the Response constructor in this realm",
        );
      }
      return r;
    } catch (e) {
      console.error("Exception in onError while handling exception", e);
      return internalServerError();
    }
  }

  /** Writes the response; true when all of it went out. */
  async #write(
    res: Response,
    p: ResponseParts,
    method: string,
    minor: number,
  ): Promise<boolean> {
    const st = this.st, io = st.io, fd = this.fd;
    const head = method === "HEAD";
    const status = p.status;
    const noBody = bodyless(status);
    const connection = status === 101
      ? ""
      : this.#closesAfter(p.body)
      ? (minor === 0 ? "" : "close")
      : (minor === 0 ? "keep-alive" : "");
    const file = fileBodyOf(res);
    const body = p.body;
    if (file !== undefined && !noBody) {
      if (body instanceof ReadableStream) body.cancel().catch(() => {});
      const h = responseHead(minor, status, p.headers, LENGTH, file.length, connection);
      await sendFile(io, fd, h, file, !head);
      return true;
    }
    if (body === null || typeof body === "string" || body instanceof Uint8Array) {
      if (noBody) {
        await sendStatic(
          io,
          fd,
          st.pool,
          responseHead(minor, status, p.headers, NONE, 0, connection),
          null,
        );
        return true;
      }
      const bytes = body === null ? null : typeof body === "string" ? enc.encode(body) : body;
      const h = responseHead(minor, status, p.headers, LENGTH, bytes?.length ?? 0, connection);
      await sendStatic(io, fd, st.pool, h, head ? null : bytes);
      return true;
    }
    // a stream
    if (noBody || head) {
      body.cancel().catch(() => {});
      const framing = !noBody && hasLength(p.headers) ? LENGTH : NONE;
      const len = 0;
      await sendStatic(
        io,
        fd,
        st.pool,
        responseHead(minor, status, p.headers, framing, len, connection),
        null,
      );
      return true;
    }
    const userLength = hasLength(p.headers);
    // a stream is chunked even when its size is known (a Blob), as Deno.serve sends it
    const chunked = !userLength && minor === 1;
    const framing = userLength ? LENGTH : chunked ? CHUNKED : UNTIL_CLOSE;
    const h = responseHead(
      minor,
      status,
      p.headers,
      framing,
      p.length,
      framing === UNTIL_CLOSE ? (minor === 0 ? "" : "close") : connection,
    );
    let done: boolean;
    try {
      done = await sendStream(io, fd, st.pool, h, body, chunked, (e) => {
        reportStreamError(st.onError, e);
      }, (stop) => {
        this.#stopStream = stop;
        this.#watchStream();
      });
    } finally {
      this.#stopStream = null;
    }
    return done && framing !== UNTIL_CLOSE;
  }

  /**
   * While a stream body is sent, a receive in the background: when the client closes its side
   * (or the connection breaks), the stream is cut off, as `Deno.serve` cuts it. Nobody would
   * read the rest, and a stream that never ends would hold the connection and `shutdown()` for
   * good. Bytes that come instead (a pipelined request) are kept for the next request.
   */
  async #watchStream(): Promise<void> {
    if (await this.#closedWhile(() => this.#stopStream !== null)) this.#cutStream();
  }

  /**
   * Cuts off the stream body being sent: the socket is shut first, so that the client sees the
   * body break off rather than a last chunk, then the stream is cancelled (with `Deno.serve`'s
   * reason, the string "resource closed").
   */
  #cutStream(): void {
    const stop = this.#stopStream;
    if (stop === null) return;
    this.#stopStream = null;
    this.st.io.shutdown(this.fd, Sock.SHUT_RDWR).catch(() => {});
    stop("resource closed"); // Deno.serve's reason, a string
  }

  /** Answers a request the parser refused, then closes. */
  async #fail(status: number): Promise<void> {
    const h =
      `HTTP/1.1 ${status} ${FAIL_REASONS[status] ?? "Bad Request"}\r\ncontent-length: 0\r\n` +
      `date: ${currentDate()}\r\nconnection: close\r\n\r\n`;
    try {
      await sendAll(this.st.io, this.fd, enc.encode(h));
      await this.#linger();
    } catch { /* gone */ }
  }

  /**
   * Closing with unread bytes would reset the connection and could destroy the answer before
   * the client reads it: stop sending, then read until the client closes (or a deadline).
   */
  async #linger(): Promise<void> {
    const io = this.st.io;
    try {
      await io.shutdown(this.fd, Sock.SHUT_WR);
      const t = setTimeout(() => io.shutdown(this.fd, Sock.SHUT_RD).catch(() => {}), LINGER_MS);
      try {
        this.rx.drop();
        while (await this.rx.fill()) this.rx.drop();
      } finally {
        clearTimeout(t);
      }
    } catch { /* gone */ }
  }
}
