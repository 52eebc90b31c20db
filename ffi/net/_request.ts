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
 */
export function headerListOf(head: Uint8Array): [string, string][] {
  const list: [string, string][] = [];
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
    list.push([lowerName(head, n0, n1), latin1(head, v0, v1)]);
    i++;
  }
  return list;
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

  /** The URL as Deno.serve builds it: the target when absolute, else `http://` Host target. */
  url(): string {
    if (this.#url !== undefined) return this.#url;
    const b = this.#head;
    const target = latin1(b, this.#t0, this.#t1);
    if (b[this.#t0] !== 47 && /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(target)) {
      return this.#url = target;
    }
    const host = this.#h0 >= 0 ? latin1(b, this.#h0, this.#h1) : this.#fallbackHost;
    return this.#url = `http://${host}${target === "*" ? "/" : target}`;
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
