/**
 * `upgradeWebSocket()`'s work: `Deno.upgradeWebSocket` for the requests `serve()` hands out. The
 * socket it returns behaves as Deno's server-side `WebSocket` (events, `send`, `close`,
 * `readyState`, `binaryType`, `bufferedAmount`, the idle ping), framed here over the
 * connection's `AsyncRing` socket.
 *
 * Loaded with the rest of `serve()`'s HTTP code (`_http_impl.ts`), not at import.
 *
 * @internal
 * @module
 */
import { Sock } from "../sys/mod.ts";
import { sendAll } from "./server.ts";
import { connOf, type HttpConn, type UpgradeTarget } from "./_http_conn.ts";
import { responseWithStatus } from "./_web_internals.ts";
import {
  acceptKey,
  closePayload,
  encodeFrame,
  type FrameHead,
  MAX_MESSAGE,
  OP_BINARY,
  OP_CLOSE,
  OP_CONT,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  readHead,
  unmask,
  validCloseCode,
} from "./_ws_frame.ts";

const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
/** How long a server shutdown waits for the peer's answer to its close frame. */
const SHUTDOWN_WAIT_MS = 1000;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const enc = new TextEncoder();

/** A protocol error: reported as Deno reports it (an error event, then a plain close event). */
class WsError extends Error {
  /** The close code sent to the peer before the connection ends (0: none). */
  sendCode: number;
  constructor(message: string, sendCode = 0) {
    super(message);
    this.sendCode = sendCode;
  }
}

type Handler = ((this: WebSocket, ev: Event) => unknown) | null;
type Queued = Uint8Array | Promise<Uint8Array>;

/**
 * The server side of a WebSocket connection, as `Deno.upgradeWebSocket` returns it. It is an
 * `EventTarget` with the `WebSocket` members (it is not an instance of the global `WebSocket`
 * class, whose constructor only makes client sockets).
 */
class ServerWebSocket extends EventTarget implements UpgradeTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  readonly _response: Response;
  readonly _headers: [string, string][];
  #state = CONNECTING;
  #protocol: string;
  #binaryType: BinaryType = "arraybuffer";
  #handlers: Record<string, Handler> = {};
  #conn: HttpConn | null = null;
  #queue: Queued[] = [];
  #buffered = 0;
  #pumping: Promise<void> | null = null;
  #idleMs: number;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #stopTimer: ReturnType<typeof setTimeout> | undefined;
  #done = false;

  constructor(headers: [string, string][], protocol: string, idleTimeout: number) {
    super();
    this._headers = headers;
    this._response = responseWithStatus(101, headers);
    this.#protocol = protocol;
    this.#idleMs = idleTimeout * 1000;
  }

  get readyState(): number {
    return this.#state;
  }
  get url(): string {
    return "";
  }
  get extensions(): string {
    return "";
  }
  /** The subprotocol chosen with `options.protocol` ("" when none). */
  get protocol(): string {
    return this.#protocol;
  }
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(value: BinaryType) {
    const v = String(value);
    if (v === "blob" || v === "arraybuffer") this.#binaryType = v;
  }
  /** Bytes given to `send()` and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.#state === OPEN ? this.#buffered : 0;
  }

  get onopen(): Handler {
    return this.#handlers.open ?? null;
  }
  set onopen(f: Handler) {
    this.#setHandler("open", f);
  }
  get onmessage(): Handler {
    return this.#handlers.message ?? null;
  }
  set onmessage(f: Handler) {
    this.#setHandler("message", f);
  }
  get onclose(): Handler {
    return this.#handlers.close ?? null;
  }
  set onclose(f: Handler) {
    this.#setHandler("close", f);
  }
  get onerror(): Handler {
    return this.#handlers.error ?? null;
  }
  set onerror(f: Handler) {
    this.#setHandler("error", f);
  }

  #setHandler(type: string, f: Handler): void {
    if (!(type in this.#handlers)) {
      this.addEventListener(type, (e) => {
        const h = this.#handlers[type];
        if (typeof h === "function") h.call(this as unknown as WebSocket, e);
      });
    }
    this.#handlers[type] = typeof f === "function" ? f : null;
  }

  /**
   * Sends a text (string) or binary (`ArrayBuffer`, a view, `Blob`) message, as one frame.
   *
   * @throws {DOMException} `InvalidStateError` before the socket is open
   */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (arguments.length < 1) {
      throw new TypeError(
        "Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present",
      );
    }
    if (this.#state === CONNECTING) {
      throw new DOMException("'readyState' not OPEN", "InvalidStateError");
    }
    if (this.#state !== OPEN) return;
    if (data instanceof Blob) {
      this.#buffered += data.size;
      this.#push(data.arrayBuffer().then((ab) => encodeFrame(OP_BINARY, new Uint8Array(ab))));
      return;
    }
    let frame: Uint8Array;
    if (ArrayBuffer.isView(data)) {
      frame = encodeFrame(
        OP_BINARY,
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      );
    } else if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) {
      frame = encodeFrame(OP_BINARY, new Uint8Array(data));
    } else frame = encodeFrame(OP_TEXT, enc.encode(String(data)));
    this.#buffered += frame.length;
    this.#push(frame);
  }

  /**
   * Starts the closing handshake: sends a close frame with `code` and `reason`; the `close`
   * event comes when the peer answers.
   *
   * @throws {DOMException} `SyntaxError` for a reason over 123 bytes
   */
  close(code?: number, reason?: string): void {
    if (code !== undefined) code = clampShort(code);
    if (reason !== undefined) {
      reason = String(reason);
      if (enc.encode(reason).length > 123) {
        throw new DOMException(
          "The close reason may not be longer than 123 bytes",
          "SyntaxError",
        );
      }
    }
    if (this.#state === CONNECTING) this.#state = CLOSING;
    else if (this.#state === OPEN) {
      this.#state = CLOSING;
      // a reason without a code goes out with 1005, as Deno's server sends it
      const c = code ?? (reason !== undefined ? 1005 : undefined);
      this.#push(encodeFrame(OP_CLOSE, closePayload(c, reason ?? "")));
    }
  }

  [Symbol.for("Deno.customInspect")](
    inspect: (v: unknown, o: unknown) => string,
    options: unknown,
  ): string {
    return `WebSocket ${
      inspect({
        url: this.url,
        readyState: this.readyState,
        extensions: this.extensions,
        protocol: this.protocol,
        binaryType: this.binaryType,
        bufferedAmount: this.bufferedAmount,
        onmessage: this.onmessage,
        onerror: this.onerror,
        onclose: this.onclose,
        onopen: this.onopen,
      }, options)
    }`;
  }

  // ---- sending --------------------------------------------------------------------------

  #push(item: Queued): void {
    this.#queue.push(item);
    if (this.#pumping === null && this.#conn !== null) this.#pumping = this.#pump();
  }

  /** Sends queued frames in order; frames ready together go out in one send. */
  async #pump(): Promise<void> {
    const conn = this.#conn!;
    const io = conn.st.io;
    try {
      while (this.#queue.length > 0) {
        let first = this.#queue[0];
        if (first instanceof Promise) {
          try {
            first = await first;
          } catch {
            first = new Uint8Array(0);
          }
          this.#queue[0] = first;
        }
        let n = 0, total = 0;
        while (n < this.#queue.length && !(this.#queue[n] instanceof Promise)) {
          total += (this.#queue[n] as Uint8Array).length;
          n++;
          if (total >= 256 * 1024) break;
        }
        let out: Uint8Array;
        if (n === 1) out = first;
        else {
          out = new Uint8Array(total);
          let at = 0;
          for (let i = 0; i < n; i++) {
            const f = this.#queue[i] as Uint8Array;
            out.set(f, at);
            at += f.length;
          }
        }
        this.#queue.splice(0, n);
        await sendAll(io, conn.fd, out);
        this.#buffered = Math.max(0, this.#buffered - total);
      }
    } catch {
      // the peer is gone: the receive side sees the end and reports it
      this.#queue.length = 0;
      this.#buffered = 0;
      if (!conn.rx.eof) io.shutdown(conn.fd, Sock.SHUT_RD).catch(() => {});
    } finally {
      this.#pumping = null;
    }
  }

  // ---- the connection -------------------------------------------------------------------

  /** Runs the socket over `conn` once the 101 went out. */
  async _run(conn: HttpConn): Promise<void> {
    this.#conn = conn;
    const closedBeforeOpen = this.#state === CLOSING;
    if (!closedBeforeOpen) {
      this.#state = OPEN;
      this.dispatchEvent(new Event("open"));
    }
    if (this.#queue.length > 0 && this.#pumping === null) this.#pumping = this.#pump();
    if (closedBeforeOpen) {
      // closed while connecting: Deno ends such a socket with an error and a close event
      this.#finish(null, "");
      await this.#end(conn);
      return;
    }
    if (conn.st.closing) this._shutdown(false);
    this.#armIdle();
    try {
      await this.#receive(conn);
    } catch (e) {
      const err = e instanceof WsError ? e : new WsError(String((e as Error)?.message ?? e));
      if (err.sendCode !== 0 && this.#state === OPEN) {
        this.#push(encodeFrame(OP_CLOSE, closePayload(err.sendCode, "")));
      }
      this.#fail(err.message);
    }
    await this.#end(conn);
  }

  /** Waits for queued frames, then lets the server close the connection. */
  async #end(conn: HttpConn): Promise<void> {
    this.#clearTimers();
    while (this.#pumping !== null) await this.#pumping;
    if (!conn.rx.eof) await conn.st.io.shutdown(conn.fd, Sock.SHUT_WR).catch(() => {});
  }

  /** Reads frames until the close handshake ends or the connection does. */
  async #receive(conn: HttpConn): Promise<void> {
    const head: FrameHead = {
      fin: false,
      rsv: 0,
      opcode: 0,
      masked: false,
      length: 0,
      mask: 0,
      size: 0,
    };
    let parts: Uint8Array<ArrayBuffer>[] = [];
    let partsLen = 0;
    let msgOp = 0; // opcode of the message being assembled (0: none)
    for (;;) {
      while (conn.rx.pend === null || !readHead(conn.rx.pend, conn.rx.ps, conn.rx.pe, head)) {
        if (!await conn.rx.fill()) {
          this.#peerGone();
          return;
        }
      }
      conn.rx.consume(head.size);
      const op = head.opcode;
      if (head.rsv !== 0) throw new WsError("Reserved bits are not zero");
      if (!head.masked) throw new WsError("Frame from the client is not masked", 1002);
      const control = op >= 8;
      if (control) {
        if (op !== OP_CLOSE && op !== OP_PING && op !== OP_PONG) throw new WsError("Invalid value");
        if (!head.fin) throw new WsError("Control frame must not be fragmented");
        if (head.length > 125) throw new WsError("Ping frame too large");
      } else {
        if (op !== OP_CONT && op !== OP_TEXT && op !== OP_BINARY) {
          throw new WsError("Invalid value");
        }
        if (op === OP_CONT && msgOp === 0) throw new WsError("Invalid continuation frame");
        if (op !== OP_CONT && msgOp !== 0) throw new WsError("Invalid fragment");
        if (head.length > MAX_MESSAGE || partsLen + head.length > MAX_MESSAGE) {
          throw new WsError("Frame too large");
        }
      }
      const payload = await this.#payload(conn, head.length, head.mask);
      if (payload === null) {
        this.#peerGone();
        return;
      }
      if (control) {
        if (op === OP_PING) {
          if (this.#state === OPEN) this.#push(encodeFrame(OP_PONG, payload));
          continue;
        }
        if (op === OP_PONG) {
          this.#armIdle();
          continue;
        }
        this.#closeFrame(payload);
        return;
      }
      if (this.#state !== OPEN) {
        // data after our close frame: Deno's server stops reading there
        this.#finish(null, "");
        return;
      }
      if (op !== OP_CONT) msgOp = op;
      if (!head.fin) {
        parts.push(payload);
        partsLen += payload.length;
        continue;
      }
      let whole = payload;
      if (parts.length > 0) {
        whole = new Uint8Array(partsLen + payload.length);
        let at = 0;
        for (const p of parts) {
          whole.set(p, at);
          at += p.length;
        }
        whole.set(payload, at);
        parts = [];
        partsLen = 0;
      }
      const kind = msgOp;
      msgOp = 0;
      this.#armIdle();
      this.#message(kind, whole);
    }
  }

  /** The payload of the frame whose header was read, unmasked; null at an early end. */
  async #payload(
    conn: HttpConn,
    length: number,
    mask: number,
  ): Promise<Uint8Array<ArrayBuffer> | null> {
    const out = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      if (conn.rx.ps === conn.rx.pe && !await conn.rx.fill()) return null;
      const k = Math.min(length - got, conn.rx.pe - conn.rx.ps);
      out.set(conn.rx.pend!.subarray(conn.rx.ps, conn.rx.ps + k), got);
      conn.rx.consume(k);
      got += k;
    }
    unmask(out, mask, 0);
    return out;
  }

  #message(op: number, bytes: Uint8Array<ArrayBuffer>): void {
    let data: string | ArrayBuffer | Blob;
    if (op === OP_TEXT) {
      try {
        data = utf8.decode(bytes);
      } catch {
        throw new WsError("Invalid UTF-8");
      }
    } else data = this.#binaryType === "blob" ? new Blob([bytes]) : bytes.buffer;
    this.dispatchEvent(new MessageEvent("message", { data, origin: "" }));
  }

  /** A close frame from the peer: answered (when we had not closed), then the close event. */
  #closeFrame(p: Uint8Array): void {
    let code = 1005, reason = "";
    if (p.length === 1) throw new WsError("Invalid close frame");
    if (p.length >= 2) {
      code = (p[0] << 8) | p[1];
      if (!validCloseCode(code)) throw new WsError("Invalid close code", 1002);
      try {
        reason = utf8.decode(p.subarray(2));
      } catch {
        throw new WsError("Invalid UTF-8");
      }
    }
    if (this.#state === OPEN) {
      this.#push(encodeFrame(OP_CLOSE, closePayload(code === 1005 ? undefined : code, reason)));
    }
    this.#finish(code, reason, true);
  }

  /** The TCP stream ended without a close frame. */
  #peerGone(): void {
    if (this.#state === OPEN) this.#fail("Unexpected EOF");
    // after our close frame, Deno's server reports a clean close without a code
    else this.#finish(1005, "", true);
  }

  #fail(message: string): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#clearTimers();
    this.dispatchEvent(new ErrorEvent("error", { error: new Error(message), message }));
    this.dispatchEvent(new CloseEvent("close"));
    this.#done = true;
  }

  #finish(code: number | null, reason: string, wasClean = false): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#clearTimers();
    this.dispatchEvent(
      code === null ? new CloseEvent("close") : new CloseEvent("close", { code, reason, wasClean }),
    );
    this.#done = true;
  }

  /** The server stops: a close frame (1001), then the socket ends. */
  _shutdown(abortive: boolean): void {
    const conn = this.#conn;
    if (conn === null || this.#done) return;
    if (this.#state === OPEN) {
      this.#state = CLOSING;
      this.#push(encodeFrame(OP_CLOSE, closePayload(1001, "")));
    }
    const io = conn.st.io;
    const stop = () => {
      if (!this.#done && !conn.rx.eof) io.shutdown(conn.fd, Sock.SHUT_RD).catch(() => {});
    };
    clearTimeout(this.#stopTimer);
    if (abortive) (this.#pumping ?? Promise.resolve()).then(stop);
    else {
      const t = this.#stopTimer = setTimeout(stop, SHUTDOWN_WAIT_MS);
      Deno.unrefTimer(t);
    }
  }

  // ---- idle ping ------------------------------------------------------------------------

  /** Deno's idle check: a ping after half the idle time, a 1001 close after the other half. */
  #armIdle(): void {
    if (this.#idleMs <= 0 || this.#state !== OPEN) return;
    clearTimeout(this.#idleTimer);
    const t = this.#idleTimer = setTimeout(() => {
      if (this.#state !== OPEN) return;
      this.#push(encodeFrame(OP_PING, new Uint8Array(0)));
      const t2 = this.#idleTimer = setTimeout(() => this.#idleExpired(), this.#idleMs / 2);
      Deno.unrefTimer(t2);
    }, this.#idleMs / 2);
    Deno.unrefTimer(t);
  }

  #idleExpired(): void {
    if (this.#state !== OPEN) return;
    const reason = "No response from ping frame.";
    this.#state = CLOSING;
    this.#push(encodeFrame(OP_CLOSE, closePayload(1001, reason)));
    this.#state = CLOSED;
    this.dispatchEvent(new ErrorEvent("error", { message: reason }));
    this.dispatchEvent(new CloseEvent("close", { wasClean: false, code: 1001, reason }));
    this.#done = true;
    const conn = this.#conn!;
    (this.#pumping ?? Promise.resolve()).then(() => {
      if (!conn.rx.eof) conn.st.io.shutdown(conn.fd, Sock.SHUT_RD).catch(() => {});
    });
  }

  #clearTimers(): void {
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#stopTimer);
    this.#idleTimer = this.#stopTimer = undefined;
  }
}

function clampShort(v: number): number {
  const n = Number(v);
  if (Number.isNaN(n)) return 0;
  return Math.min(65535, Math.max(0, Math.round(n)));
}

/** Whether a comma-separated header value lists `word` (any case, spaces around it). */
function listHas(value: string | null, word: string): boolean {
  if (value === null) return false;
  for (const part of value.split(",")) {
    if (part.trim().toLowerCase() === word) return true;
  }
  return false;
}

/** `upgradeWebSocket()`'s work (`websocket.ts`), once `serve()`'s HTTP code is loaded. */
export function upgradeWebSocketImpl(
  request: Request,
  options: Deno.UpgradeWebSocketOptions = {},
): Deno.WebSocketUpgrade {
  const found = connOf(request);
  if (found === undefined) return Deno.upgradeWebSocket(request, options);
  const { conn, inner } = found;
  const h = request.headers;
  if (!listHas(h.get("upgrade"), "websocket")) {
    throw new TypeError("Invalid Header: 'upgrade' header must contain 'websocket'");
  }
  if (!listHas(h.get("connection"), "upgrade")) {
    throw new TypeError("Invalid Header: 'connection' header must contain 'Upgrade'");
  }
  const key = h.get("sec-websocket-key");
  if (key === null) throw new TypeError("Invalid Header: 'sec-websocket-key' header must be set");
  const headers: [string, string][] = [
    ["upgrade", "websocket"],
    ["connection", "Upgrade"],
    ["sec-websocket-accept", acceptKey(key)],
  ];
  let protocol = "";
  if (options.protocol) {
    const offered = (h.get("sec-websocket-protocol") ?? "").split(", ");
    if (!offered.includes(options.protocol)) {
      throw new TypeError(
        `Protocol '${options.protocol}' not in the request's protocol list (non negotiable)`,
      );
    }
    protocol = options.protocol;
    headers.push(["sec-websocket-protocol", protocol]);
  }
  if (inner.upgraded) throw new Deno.errors.Http("Already upgraded");
  inner.upgraded = true;
  const socket = new ServerWebSocket(headers, protocol, options.idleTimeout ?? 30);
  conn._upgrade = socket;
  return { socket: socket as unknown as WebSocket, response: socket._response };
}
