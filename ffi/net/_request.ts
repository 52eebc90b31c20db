/**
 * The request record behind each `Request` that `serve()` hands out: it keeps the head's bytes
 * as received and decodes the URL and the header list only when the handler reads them.
 *
 * @internal
 * @module
 */
import { type InnerRequestLike, latin1 } from "./_web_internals.ts";

const CR = 13, LF = 10, COLON = 58, SP = 32, HT = 9;

/** Lowercase ASCII of `b[s, e)`. */
function lowerName(b: Uint8Array, s: number, e: number): string {
  let r = "";
  for (let i = s; i < e; i++) {
    const c = b[i];
    r += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return r;
}

/**
 * The header fields of a head that the parser accepted: `[lowercase name, value]` in order.
 * The head is valid, so the scan needs no checks: lines end with LF (CRLF, or a bare LF where
 * the parser allows it), names end at ':', values hold no CR or LF.
 *
 * Several `Cookie` fields become one, their values joined with `"; "` where the first stood, as
 * `Deno.serve` gives them (RFC 9113 8.2.3's rule, which RFC 6265 5.4's one-field form matches):
 * `Headers` would join them with `", "`, which no cookie parser splits.
 */
export function headerListOf(head: Uint8Array): [string, string][] {
  const list: [string, string][] = [];
  let cookie = -1;
  let i = 0;
  const n = head.length;
  // past the request line (and empty lines before it)
  while (i < n && (head[i] === CR || head[i] === LF)) i++;
  while (i < n && head[i] !== LF) i++;
  i++;
  while (i < n && head[i] !== CR && head[i] !== LF) {
    const n0 = i;
    while (head[i] !== COLON) i++;
    const n1 = i++;
    while (head[i] === SP || head[i] === HT) i++;
    const v0 = i;
    while (head[i] !== LF) i++;
    let v1 = i;
    if (v1 > v0 && head[v1 - 1] === CR) v1--;
    while (v1 > v0 && (head[v1 - 1] === SP || head[v1 - 1] === HT)) v1--;
    const name = lowerName(head, n0, n1), value = latin1(head, v0, v1);
    if (name !== "cookie") list.push([name, value]);
    else if (cookie < 0) cookie = list.push([name, value]) - 1;
    else list[cookie][1] += `; ${value}`;
    i++;
  }
  return list;
}

/** Request-target forms (RFC 9112 3.2); INVALID for a form the method may not use. */
export const INVALID = -1, ORIGIN = 0, ABSOLUTE = 1, ASTERISK = 2, AUTHORITY = 3;

/** The form of the target `b[t0, t1)` of a `method` request. */
export function targetKind(b: Uint8Array, t0: number, t1: number, method: string): number {
  const connect = method === "CONNECT";
  if (b[t0] === 47) return connect ? INVALID : ORIGIN;
  if (t1 - t0 === 1 && b[t0] === 42) return method === "OPTIONS" ? ASTERISK : INVALID;
  if (connect) {
    // host:port
    let colon = -1;
    for (let i = t0; i < t1; i++) {
      const c = b[i];
      if (c === 47 || c === 63 || c === 35 || c === 64) return INVALID;
      if (c === 58) colon = i;
    }
    return colon > t0 && colon < t1 - 1 ? AUTHORITY : INVALID;
  }
  // scheme "://"
  let i = t0;
  const alpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  if (!alpha(b[i])) return INVALID;
  while (
    i < t1 && (alpha(b[i]) || (b[i] >= 48 && b[i] <= 57) || b[i] === 43 || b[i] === 45 ||
      b[i] === 46)
  ) i++;
  return t1 - i > 3 && b[i] === 58 && b[i + 1] === 47 && b[i + 2] === 47 ? ABSOLUTE : INVALID;
}

/** What the connection does when the request's signal is first read. */
export interface CancelWatch {
  /** Called once with the callback to run when the client goes away. */
  watch(cb: () => void): void;
}

/** Deno's InnerRequest shape over a received head. */
export class ServeInner implements InnerRequestLike {
  method: string;
  body: unknown;
  redirectMode = "follow";
  redirectCount = 0;
  urlListProcessed: string[] = [];
  clientRid = null;
  blobUrlEntry = null;
  upgraded = false;
  #head: Uint8Array;
  #t0: number;
  #t1: number;
  #h0: number;
  #h1: number;
  #fallbackHost: string;
  #url: string | undefined;
  #headers: [string, string][] | null = null;
  #conn: CancelWatch;

  /**
   * @param head the request head (its own bytes)
   * @param t0 target start in `head`, `t1` its end; `h0`/`h1` the Host value (-1: none)
   */
  constructor(
    method: string,
    head: Uint8Array,
    t0: number,
    t1: number,
    h0: number,
    h1: number,
    fallbackHost: string,
    body: unknown,
    conn: CancelWatch,
  ) {
    this.method = method;
    this.#head = head;
    this.#t0 = t0;
    this.#t1 = t1;
    this.#h0 = h0;
    this.#h1 = h1;
    this.#fallbackHost = fallbackHost;
    this.body = body;
    this.#conn = conn;
  }

  /** The URL list of Deno's record, made when asked (clone and fetch read it). */
  get urlList(): (() => string)[] {
    return [() => this.url()];
  }

  /** The connection's part in cancelling (also how upgradeWebSocket finds the connection). */
  get conn(): CancelWatch {
    return this.#conn;
  }

  /**
   * The URL as Deno.serve builds it: the target when absolute, `http://` and the authority for
   * CONNECT, else `http://` Host (the listener's address when absent or empty) and the target.
   */
  url(): string {
    if (this.#url !== undefined) return this.#url;
    const b = this.#head;
    const target = latin1(b, this.#t0, this.#t1);
    const kind = targetKind(b, this.#t0, this.#t1, this.method);
    if (kind === ABSOLUTE) return this.#url = target;
    if (kind === AUTHORITY) return this.#url = `http://${target}`;
    const host = this.#h0 >= 0 && this.#h1 > this.#h0
      ? latin1(b, this.#h0, this.#h1)
      : this.#fallbackHost;
    return this.#url = `http://${host}${kind === ASTERISK ? "/*" : target}`;
  }

  currentUrl(): string {
    return this.url();
  }

  get headerList(): [string, string][] {
    return this.#headers ??= headerListOf(this.#head);
  }

  set headerList(v: [string, string][]) {
    this.#headers = v;
  }

  /** A header's value (first field of that name, lowercase `name`), or null. */
  headerValue(name: string): string | null {
    for (const [k, v] of this.headerList) if (k === name) return v;
    return null;
  }

  onCancel(cb: () => void): void {
    this.#conn.watch(cb);
  }
}
