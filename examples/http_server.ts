/**
 * An HTTP/1.1 "Hello, World!" server on `AsyncRing`.
 *
 * - `GET /` (and `HEAD /`) answers `200 Hello, World!`; another path `404`; another method on `/`
 *   `405`.
 * - Keep-alive and pipelining: every request received in one go is answered in order, and all the
 *   answers go back in one send. HTTP/1.0 closes unless it asks for keep-alive;
 *   `Connection: close` closes after the answer.
 * - Requests are parsed by `HttpRequestParser` (strict: anything else is `400` and the
 *   connection closes). A head larger than 8 KiB is `431`; a chunked body `501`;
 *   `Content-Length` bodies are skipped.
 * - Answers are precomputed bytes; their `date` is refreshed once a second.
 *
 * Run: `deno run --allow-ffi --allow-net examples/http_server.ts [--port 8000]
 * [--hostname 127.0.0.1] [--workers N]`, then `curl http://127.0.0.1:8000/`.
 *
 * @module
 */
import {
  alignedBuffer,
  AsyncRing,
  httpDate,
  HttpParse,
  HttpRequestParser,
  PollEvent,
  sendAll,
  serveTcp,
  Sock,
} from "../mod.ts";
import { runServer, type StartOptions } from "./_server_cli.ts";

/** Largest request head; a larger one is answered `431`. */
const MAX_HEAD = 8 * 1024;
/**
 * Buffers of the pool (received bytes, a pending part of a request, answers gathered to be sent
 * together): room for one whole head plus what follows it.
 */
const IN_SIZE = 2 * MAX_HEAD;
/** How long a closing connection may go on sending before it is closed anyway. */
const LINGER_MS = 1000;

const enc = new TextEncoder();
const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  431: "Request Header Fields Too Large",
  501: "Not Implemented",
  505: "HTTP Version Not Supported",
};
const BODIES: Record<number, string> = { 200: "Hello, World!" };

/** Parse state a connection carries between receives. */
interface State {
  /** Body bytes of the last request still to skip. */
  skip: number;
}

/** How the answer leaves the connection: as HTTP/1.1 default, kept open for 1.0, or closed. */
const KEEP = 0, KEEP_10 = 1, CLOSE = 2;
const CONNECTION = ["", "connection: keep-alive\r\n", "connection: close\r\n"];

function response(status: number, mode: number, head: boolean, date: string): Uint8Array {
  const body = BODIES[status] ?? REASONS[status];
  const allow = status === 405 ? "allow: GET, HEAD\r\n" : "";
  return enc.encode(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: text/plain;charset=utf-8\r\n` +
      `content-length: ${body.length}\r\ndate: ${date}\r\n${allow}${CONNECTION[mode]}\r\n` +
      (head ? "" : body),
  );
}

/**
 * The answers, rebuilt when the second changes (a timer looks 10 times a second, so requests
 * never read the clock): `[status][mode * 2 + head]`.
 */
class Answers implements Disposable {
  #second = -1;
  #table: Uint8Array[][] = [];
  #timer: ReturnType<typeof setInterval>;

  constructor() {
    this.#refresh();
    this.#timer = setInterval(() => this.#refresh(), 100);
  }

  /** The bytes of an answer. */
  get(status: number, mode: number, head: boolean): Uint8Array {
    return this.#table[status][mode * 2 + (head ? 1 : 0)];
  }

  #refresh(): void {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second === this.#second) return;
    this.#second = second;
    const date = httpDate(now);
    for (const status of Object.keys(REASONS).map(Number)) {
      const row: Uint8Array[] = [];
      for (let mode = 0; mode < 3; mode++) {
        row.push(response(status, mode, false, date), response(status, mode, true, date));
      }
      this.#table[status] = row;
    }
  }

  [Symbol.dispose](): void {
    clearInterval(this.#timer);
  }
}

async function start({ hostname, port, reusePort }: StartOptions) {
  // coopTaskrun: the kernel runs completion work when this thread next enters it, instead of
  // interrupting it at once. Measured here (same client, paired runs): +12-14% HTTP requests/s,
  // +5-60% multishot echo round trips/s, no change for recv/send echo.
  const io = new AsyncRing({ entries: 1024, coopTaskrun: true });
  const parser = new HttpRequestParser({ maxHeadBytes: MAX_HEAD });
  const answers = new Answers();

  // An idle connection holds no memory of its own: it waits for bytes with a poll, and takes a
  // buffer from a pool shared by all connections only to receive them; the buffer goes back once
  // no part of a request is left in it.
  const pool: Uint8Array[] = [];
  const take = () => pool.pop() ?? alignedBuffer(IN_SIZE);
  const give = (b: Uint8Array) => void (pool.length < 256 && pool.push(b));

  /**
   * Answers every whole request in `buf[start, end)` with one send; returns where the unparsed
   * rest starts, or -1 once the connection must close.
   */
  const answer = async (fd: number, buf: Uint8Array, start: number, end: number, st: State) => {
    let out: Uint8Array | undefined, outLen = 0, close = false;
    for (;;) {
      if (st.skip > 0) { // body bytes of the request before: not used, skipped
        const k = Math.min(st.skip, end - start);
        start += k;
        st.skip -= k;
        if (st.skip > 0) break;
      }
      if (start === end) break;
      const r = parser.parse(buf, start, end);
      if (r === HttpParse.INCOMPLETE) break;
      let bytes: Uint8Array;
      if (r < 0) {
        bytes = answers.get(-r, CLOSE, false);
        close = true;
      } else {
        start += r;
        st.skip = parser.contentLength;
        const head = parser.method === "HEAD";
        const status = !parser.targetIs(buf, "/")
          ? 404
          : head || parser.method === "GET"
          ? 200
          : 405;
        close = !parser.keepAlive;
        bytes = answers.get(
          status,
          close ? CLOSE : parser.minorVersion === 0 ? KEEP_10 : KEEP,
          head,
        );
      }
      out ??= take();
      if (outLen + bytes.length > out.length) {
        await sendAll(io, fd, out.subarray(0, outLen));
        outLen = 0;
      }
      out.set(bytes, outLen);
      outLen += bytes.length;
      if (close) break;
    }
    if (out !== undefined) {
      if (outLen > 0) await sendAll(io, fd, out.subarray(0, outLen));
      give(out);
    }
    return close ? -1 : start;
  };

  const serve = async (fd: number) => {
    const st: State = { skip: 0 };
    let inb: Uint8Array | undefined; // only while part of a request is still to come
    let start = 0, end = 0;
    try {
      for (;;) {
        if (inb === undefined) {
          // Idle: wait for bytes holding no buffer, then receive into one from the pool.
          const ev = await io.poll(fd, PollEvent.IN | PollEvent.RDHUP);
          if (ev & PollEvent.RDHUP) {
            // The client stopped sending (most often: it closed). Look for a last byte with a
            // buffer of one, so that thousands of closing connections take no pooled buffers.
            const one = new Uint8Array(new SharedArrayBuffer(1));
            if (await io.recv(fd, one) === 0) return;
            inb = take();
            inb[0] = one[0];
            end = 1;
            continue;
          }
          inb = take();
        }
        const n = await io.recv(fd, inb.subarray(end));
        if (n === 0) return;
        end += n;
        const at = await answer(fd, inb, start, end, st);
        if (at < 0) break;
        start = at;
        if (start === end) { // nothing pending: the buffer goes back to the pool
          give(inb);
          inb = undefined;
          start = end = 0;
        } else if (end === inb.length) {
          inb.copyWithin(0, start, end);
          end -= start;
          start = 0;
        }
      }
      // Closing with unread data would reset the connection and could destroy the answer before
      // the client reads it: stop sending, then read until the client closes (or a deadline).
      await io.shutdown(fd, Sock.SHUT_WR);
      const drain = inb ?? take();
      while (await io.recv(fd, drain, { timeoutMs: LINGER_MS }) > 0) { /* discard */ }
      if (inb === undefined) give(drain);
    } finally {
      if (inb !== undefined) give(inb);
    }
  };

  const server = await serveTcp(io, { hostname, port, reusePort }, serve);
  return {
    port: server.addr.port,
    async stop() {
      await server.shutdown();
      answers[Symbol.dispose]();
      await io[Symbol.asyncDispose]();
    },
  };
}

await runServer(import.meta.url, start);
