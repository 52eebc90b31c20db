/**
 * The parts of a `serve()` connection (`_http_conn.ts`) that hold no connection state: what every
 * connection shares, the statuses of refused requests, a chunk-size line of a chunked request
 * body, and `Deno.serve`'s fallback answers.
 *
 * @internal
 * @module
 */
import type { AsyncRing } from "../async/mod.ts";
import type { BufferRing } from "../ring/mod.ts";
import type { HttpRequestParser } from "./http.ts";
import type { ServeInner } from "./_request.ts";
import type { SendPool } from "./_response_writer.ts";

/** What `info` gives a handler. */
export interface ServeHandlerInfoLike {
  readonly remoteAddr: Deno.NetAddr;
  readonly completed: Promise<void>;
}

/** The server-wide part every connection shares. */
export interface ServeState {
  io: AsyncRing;
  group: BufferRing;
  pool: SendPool;
  parser: HttpRequestParser;
  handler: (req: Request, info: ServeHandlerInfoLike) => Response | Promise<Response>;
  onError: (error: unknown) => Response | Promise<Response>;
  fallbackHost: string;
  /** Set by shutdown(): finish the request in hand, then close. */
  closing: boolean;
}

/** The reason phrases of the statuses a refused request gets. */
export const FAIL_REASONS: Record<number, string> = {
  400: "Bad Request",
  413: "Payload Too Large",
};

/** Whether the handler's header fields have a `content-length`. */
export function hasLength(headers: [string, string][]): boolean {
  for (const [k] of headers) {
    if (k.length === 14 && k.toLowerCase() === "content-length") return true;
  }
  return false;
}

/** The error a malformed chunked request body reads as. */
export function badChunk(): Error {
  return new Deno.errors.InvalidData("malformed chunked request body");
}

/**
 * The chunk-size line at `b[from, end)` (hex digits, extensions, CRLF): `[size, index after its
 * LF]`, or undefined while it is not all there.
 *
 * @throws {Deno.errors.InvalidData} for a malformed line, or one over 4 KiB
 */
export function chunkSizeLine(
  b: Uint8Array,
  from: number,
  end: number,
): [number, number] | undefined {
  let i = from, size = 0, digits = 0;
  for (; i < end; i++) {
    const c = b[i];
    const d = c >= 48 && c <= 57
      ? c - 48
      : c >= 97 && c <= 102
      ? c - 87
      : c >= 65 && c <= 70
      ? c - 55
      : -1;
    if (d < 0) break;
    if (++digits > 13) throw badChunk();
    size = size * 16 + d;
  }
  if (i === end) return undefined;
  if (digits === 0) throw badChunk();
  let j = i;
  while (j < end && b[j] !== 10) j++;
  if (j === end) {
    if (j - from > 4096) throw badChunk();
    return undefined;
  }
  if (b[j - 1] !== 13) throw badChunk();
  return [size, j + 1];
}

/** `Deno.serve`'s fallback answer. */
export function internalServerError(): Response {
  return new Response(new TextEncoder().encode("Internal Server Error"), { status: 500 });
}

/** Calls `onError` for a response stream that failed; its answer cannot be sent any more. */
export function reportStreamError(onError: ServeState["onError"], e: unknown): void {
  try {
    const r = onError(e);
    if (r instanceof Promise) {
      r.catch((err) => console.error("Exception in onError while handling exception", err));
    }
  } catch (err) {
    console.error("Exception in onError while handling exception", err);
  }
}

/** A `Request` made with the public constructor, when the shortcut is unavailable. */
export function publicRequest(inner: ServeInner, body: unknown): Request {
  const ac = new AbortController();
  inner.onCancel = () => {};
  const noBody = inner.method === "GET" || inner.method === "HEAD";
  const req = new Request(inner.url(), {
    method: inner.method,
    headers: inner.headerList,
    body: noBody ? null : body as BodyInit,
    signal: ac.signal,
    // @ts-ignore: Deno's RequestInit takes duplex for streamed bodies
    duplex: "half",
  });
  return req;
}
