/**
 * The two shortcuts `Deno.serve` itself takes with web objects, found in Deno's own `Request` and
 * `Response` at their first use and checked before it:
 *
 * - a `Request` made without its constructor (`new Request(webidl.brand)`, as Deno's
 *   `fromInnerRequest` does) over an inner record whose URL, headers and body are decoded only
 *   when the handler asks: 0.1 µs against 4-6 µs for `new Request(url, init)`. It is a real
 *   `Request` (`instanceof`, `clone()`, `new Request(req)`, `text()` all work).
 * - the body of a `Response` read where Deno keeps it (a string or bytes for static bodies, so no
 *   stream is made), with the header list as Deno would write it.
 *
 * When a later Deno changes these internals, the self-check fails and the public, slower paths
 * are used instead (`new Request(url, init)`, `response.body` read as a stream).
 *
 * @internal
 * @module
 */

// deno-lint-ignore-file no-explicit-any

/** What a request record gives `Request`'s getters (Deno's InnerRequest shape). */
export interface InnerRequestLike {
  method: string;
  url(): string;
  currentUrl(): string;
  readonly headerList: [string, string][];
  body: unknown;
  redirectMode: string;
  redirectCount: number;
  urlList: (() => string)[];
  urlListProcessed: string[];
  clientRid: null;
  blobUrlEntry: null;
  onCancel(cb: () => void): void;
}

/** A response taken apart for writing. */
export interface ResponseParts {
  status: number;
  /** Header fields as Deno writes them (names as given). */
  headers: [string, string][];
  /** Static body, a stream, or none. */
  body: string | Uint8Array | ReadableStream<Uint8Array> | null;
  /** Byte length of a stream body when known (a `Blob`), else -1. */
  length: number;
}

const symbolOf = (o: object, name: string): symbol | undefined =>
  Object.getOwnPropertySymbols(o).find((s) => s.description === name);

const internal = (() => {
  try {
    return (Deno as any)[(Deno as any).internal];
  } catch {
    return undefined;
  }
})();
const brand: symbol | undefined = internal?.webidlBrand;

/** Whether {@link probe} has run. */
let probed = false;

// ---- Request ----------------------------------------------------------------------------

let S_REQ: symbol | undefined, S_GUARD: symbol | undefined, S_SIGCACHE: symbol | undefined;
let InnerBody: (new (s: unknown) => any) | undefined;
let fastRequest = false;

function findRequestSymbols(): void {
  try {
    if (typeof brand === "symbol") {
      const probe = new (Request as any)(brand);
      S_REQ = symbolOf(probe, "request");
      S_GUARD = symbolOf(probe, "headers guard");
      S_SIGCACHE = symbolOf(probe, "signalCache");
      const withBody = new Request("http://x/", { method: "POST", body: "x" }) as any;
      InnerBody = withBody[S_REQ!]?.body?.constructor;
    }
  } catch { /* the public path */ }
}

/** Latin-1 text of `b[s, e)`. */
export function latin1(b: Uint8Array, s: number, e: number): string {
  if (e - s < 64) {
    let r = "";
    for (let i = s; i < e; i++) r += String.fromCharCode(b[i]);
    return r;
  }
  let r = "";
  for (let i = s; i < e; i += 4096) {
    r += String.fromCharCode.apply(
      null,
      b.subarray(i, Math.min(e, i + 4096)) as unknown as number[],
    );
  }
  return r;
}

/**
 * A request body Deno's `Request` can hold: a static one (`bytes`) or a stream.
 * Returns null when only the public path is available.
 */
export function innerBody(source: Uint8Array | ReadableStream<Uint8Array>): unknown {
  if (!probed) probe();
  if (InnerBody === undefined) return null;
  if (source instanceof Uint8Array) {
    const b = new InnerBody({ body: source, consumed: false });
    b.length = source.byteLength;
    return b;
  }
  return new InnerBody(source);
}

/** A `Request` over `inner` (lazily decoded), or null when the shortcut is unavailable. */
export function requestFromInner(inner: InnerRequestLike): Request | null {
  if (!probed) probe();
  if (!fastRequest) return null;
  const r = new (Request as any)(brand);
  r[S_REQ!] = inner;
  r[S_GUARD!] = "immutable";
  return r as Request;
}

/** The record behind a `Request` made by {@link requestFromInner}, or undefined. */
export function innerOf(req: Request): unknown {
  if (!probed) probe();
  return S_REQ === undefined ? undefined : (req as any)[S_REQ];
}

/**
 * Marks `req`'s signal as aborted for a request whose signal was never read (a read one was
 * aborted through `onCancel`), as Deno's `abortRequest` does.
 */
export function markAborted(req: Request): void {
  if (!probed) probe();
  if (S_SIGCACHE !== undefined && (req as any)[S_SIGCACHE] === undefined) {
    (req as any)[S_SIGCACHE] = false;
  }
}

/** Whether `res` carries Deno's response record (false for a look-alike on its prototype). */
export function isRealResponse(res: Response): boolean {
  if (!probed) probe();
  return S_RES === undefined || (res as any)[S_RES] !== undefined;
}

/** Whether requests are made through the shortcut (for tests). */
export function fastRequests(): boolean {
  if (!probed) probe();
  return fastRequest;
}

// ---- Response ---------------------------------------------------------------------------

let S_RES: symbol | undefined, S_FSTATUS: symbol | undefined, S_FBODY: symbol | undefined;
let S_FKIND: symbol | undefined, S_FCT: symbol | undefined, S_FCONSUMED: symbol | undefined;
let S_BODY: symbol | undefined;
let fastResponse = false;

function findResponseSymbols(): void {
  try {
    const r = new Response("x");
    S_RES = symbolOf(r, "response");
    S_FSTATUS = symbolOf(r, "serve fast status");
    S_FBODY = symbolOf(r, "serve fast body");
    S_FKIND = symbolOf(r, "serve fast header kind");
    S_FCT = symbolOf(r, "serve fast content type");
    S_FCONSUMED = symbolOf(r, "serve fast consumed");
    S_BODY = symbolOf(Response.prototype, "body");
  } catch { /* the public path */ }
}

const DEFAULT_TEXT = "text/plain;charset=UTF-8";

/**
 * A bodiless `Response` with `status` (a 101, which the public constructor refuses: its range is
 * 200-599) where Deno's record can be reached; else a 200 that the server writes as `status`.
 */
export function responseWithStatus(status: number, headers: [string, string][]): Response {
  if (!probed) probe();
  const res = new Response(null, { headers });
  const inner = S_RES === undefined ? undefined : (res as any)[S_RES];
  if (inner !== undefined && inner !== null && typeof inner.status === "number") {
    inner.status = status;
    inner.statusMessage = "";
  }
  return res;
}

/**
 * The parts of `res` to write, marking its body used; the static shortcut when Deno has one
 * (string or bytes, no stream made).
 *
 * @throws {TypeError} as `Deno.serve` does for an error response or a used body
 */
export function responseParts(res: Response): ResponseParts {
  if (!probed) probe();
  const r = res as any;
  if (fastResponse) {
    const fs = r[S_FSTATUS!];
    if (fs !== 0 && r[S_FBODY!] !== null && r[S_FCONSUMED!] === false) {
      const body = r[S_FBODY!];
      const kind = r[S_FKIND!];
      r[S_FCONSUMED!] = true;
      const headers: [string, string][] = kind === 0
        ? []
        : [["content-type", kind === 1 ? DEFAULT_TEXT : r[S_FCT!]]];
      return { status: fs, headers, body, length: -1 };
    }
    const inner = r[S_RES!];
    if (inner === undefined) {
      // Response.prototype without the record: a look-alike (another realm, a subclass that
      // skipped super()), refused as Deno.serve refuses it
      throw new TypeError(
        "Return value from serve handler must be a Response constructed via the Response constructor in this realm",
      );
    }
    if (inner !== null && typeof inner === "object") {
      if (inner.type === "error") {
        throw new TypeError(
          "Return value from serve handler must not be an error response (like Response.error())",
        );
      }
      if (res.bodyUsed) {
        throw new TypeError(
          "The body of the Response returned from the serve handler has already been consumed",
        );
      }
      void res.headers; // materializes lazy headers (content type of a lazy static body)
      const ib = r[S_BODY!];
      const headers = inner.headerList as [string, string][];
      if (ib === null || ib === undefined) {
        return { status: inner.status, headers, body: null, length: -1 };
      }
      const sos = ib.streamOrStatic;
      if (sos instanceof ReadableStream) {
        return {
          status: inner.status,
          headers,
          body: sos,
          length: typeof ib.length === "number" ? ib.length : -1,
        };
      }
      sos.consumed = true;
      return { status: inner.status, headers, body: sos.body, length: -1 };
    }
  }
  if (res.type === "error") {
    throw new TypeError(
      "Return value from serve handler must not be an error response (like Response.error())",
    );
  }
  if (res.bodyUsed) {
    throw new TypeError(
      "The body of the Response returned from the serve handler has already been consumed",
    );
  }
  const headers: [string, string][] = [];
  for (const h of res.headers) headers.push(h);
  return { status: res.status, headers, body: res.body, length: -1 };
}

// ---- self-checks ------------------------------------------------------------------------

/** A record like the server's, for the self-check. */
function probeInner(body: unknown): InnerRequestLike {
  const url = "http://h:1/p?q";
  return {
    method: "POST",
    url: () => url,
    currentUrl: () => url,
    headerList: [["x-a", "b"], ["host", "h:1"]],
    body,
    redirectMode: "follow",
    redirectCount: 0,
    urlList: [() => url],
    urlListProcessed: [],
    clientRid: null,
    blobUrlEntry: null,
    onCancel() {},
  };
}

/**
 * Finds the internals and checks the shortcuts once, at the first use rather than at import: it
 * loads Deno's lazily loaded `Request`/`Response` code (~5-9 ms), which a program that never
 * serves should not pay.
 */
function probe(): void {
  probed = true;
  findRequestSymbols();
  findResponseSymbols();
  try {
    if (S_REQ && S_GUARD && S_SIGCACHE && InnerBody) {
      fastRequest = true;
      const req = requestFromInner(probeInner(innerBody(new Uint8Array([104, 105]))))!;
      fastRequest = req instanceof Request && req.url === "http://h:1/p?q" &&
        req.method === "POST" && req.headers.get("x-a") === "b" &&
        req.clone().headers.get("host") === "h:1" && req.signal instanceof AbortSignal &&
        !req.bodyUsed && req.body instanceof ReadableStream && new Request(req).url === req.url;
      if (fastRequest) {
        const r2 = requestFromInner(probeInner(innerBody(new Uint8Array([104, 105]))))!;
        r2.text().then((t) => {
          if (t !== "hi") fastRequest = false;
        }, () => {
          fastRequest = false;
        });
      }
    }
  } catch {
    fastRequest = false;
  }

  try {
    if (S_RES && S_FSTATUS && S_FBODY && S_FKIND && S_FCT && S_FCONSUMED && S_BODY) {
      fastResponse = true;
      const a = responseParts(new Response("hey"));
      const b = responseParts(
        new Response(new Uint8Array([1]), { status: 201, headers: { x: "y" } }),
      );
      const c = responseParts(new Response(new ReadableStream()));
      const d = new Response(null, { status: 204 });
      fastResponse = a.status === 200 && a.body === "hey" && a.headers[0]?.[1] === DEFAULT_TEXT &&
        b.status === 201 && b.body instanceof Uint8Array && b.headers.some((h) => h[0] === "x") &&
        c.body instanceof ReadableStream && responseParts(d).body === null;
    }
  } catch {
    fastResponse = false;
  }
}
