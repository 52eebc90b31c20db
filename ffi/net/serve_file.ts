/**
 * `serveFile()`: one file as an HTTP response, shaped like `@std/http`'s (`file_server.ts`),
 * with the file's `statx`, `open` and reads on io_uring.
 *
 * @module
 */
import { type AsyncRing, defaultRing, stat } from "../async/mod.ts";
import { checkPath } from "../sys/mod.ts";
import { attachFileBody } from "./_file_body.ts";
import { fileStream } from "./_file_stream.ts";
import { fileETag, ifNoneMatch } from "./_etag.ts";
import { contentTypeOf } from "./_media_types.ts";
import { extname } from "./_path.ts";

/** The statuses these responses use, with `@std/http`'s reason phrases. */
export const STATUS_TEXT = {
  200: "OK",
  206: "Partial Content",
  304: "Not Modified",
  404: "Not Found",
  405: "Method Not Allowed",
  416: "Range Not Satisfiable",
  500: "Internal Server Error",
} as const;

/** A status of {@link STATUS_TEXT}. */
export type StatusCode = keyof typeof STATUS_TEXT;

/**
 * Options of {@link serveFile}, as `@std/http`'s `ServeFileOptions`.
 *
 * @example
 * ```ts
 * import type { ServeFileOptions } from "../../mod.ts";
 * const options: ServeFileOptions = { etagAlgorithm: "SHA-1" };
 * ```
 */
export interface ServeFileOptions {
  /**
   * The digest algorithm of the `ETag` (made from the file's mtime and size, as `@std/http`'s
   * `eTag(fileInfo)`).
   *
   * @default {"SHA-256"}
   */
  etagAlgorithm?: AlgorithmIdentifier;
  /** The file's `Deno.FileInfo`, when the caller has it already: saves the `statx`. */
  fileInfo?: Deno.FileInfo;
}

/** A response with the reason phrase `@std/http` gives it and that phrase as its body. */
export function standardResponse(status: StatusCode, init?: ResponseInit): Response {
  const statusText = STATUS_TEXT[status];
  return new Response(statusText, { status, statusText, ...init });
}

function baseHeaders(): Headers {
  return new Headers({ server: "deno", "accept-ranges": "bytes" });
}

/**
 * The `ETag` of a (mtime, size) as `@std/http` computes it, kept: the digest is an async
 * WebCrypto call per request otherwise, and the tag depends only on these three values.
 */
const etags = new Map<string, string | undefined>();

async function etagOf(info: Deno.FileInfo, algorithm: AlgorithmIdentifier) {
  if (typeof algorithm !== "string") return await fileETag(info, algorithm);
  const key = `${algorithm}\0${info.mtime!.getTime()}\0${info.size}`;
  let tag = etags.get(key);
  if (tag === undefined) {
    tag = await fileETag(info, algorithm);
    if (etags.size >= 4096) etags.clear();
    etags.set(key, tag);
  }
  return tag;
}

/**
 * Range header as `@std/http` reads it: one range, `bytes=a-b`, `bytes=a-` or `bytes=-n`;
 * null when it does not parse (then the whole file is sent).
 */
function parseRange(value: string, size: number): { start: number; end: number } | null {
  const m = /bytes=(?<start>\d+)?-(?<end>\d+)?$/u.exec(value);
  if (!m || !m.groups) return null;
  const { start, end } = m.groups;
  if (start !== undefined) return { start: +start, end: end !== undefined ? +end : size - 1 };
  if (end !== undefined) return { start: size - +end, end: size - 1 };
  return null;
}

/** A response whose body is `length` bytes of `path` from `offset`, marked for `serve()`. */
function fileResponse(
  io: AsyncRing,
  path: string,
  offset: number,
  length: number,
  status: StatusCode,
  headers: Headers,
): Response {
  const body = fileStream(io, path, offset, length);
  const response = new Response(body, { status, statusText: STATUS_TEXT[status], headers });
  return attachFileBody(response, { path, offset, length });
}

/**
 * {@link serveFile} on the ring `io`. `checked`: the caller made the read-permission check for
 * `filePath` already.
 */
export async function serveFileOn(
  io: AsyncRing,
  req: Request,
  filePath: string,
  options?: ServeFileOptions,
  checked: boolean = false,
): Promise<Response> {
  await req.body?.cancel();
  if (req.method !== "GET" && req.method !== "HEAD") {
    return standardResponse(405);
  }
  const algorithm = options?.etagAlgorithm ?? "SHA-256";
  let fileInfo = options?.fileInfo;
  // Deno.stat and Deno.open each ask for read access to the path; so does this.
  if (!checked) checkPath("read", filePath);
  try {
    fileInfo ??= await stat(io, filePath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return standardResponse(404);
    throw error;
  }
  if (fileInfo.isDirectory) return standardResponse(404);

  const headers = baseHeaders();
  const mtime = fileInfo.mtime;
  const etag = mtime ? await etagOf(fileInfo, algorithm) : undefined;
  if (mtime) headers.set("last-modified", mtime.toUTCString());
  if (etag) headers.set("etag", etag);
  const type = contentTypeOf(extname(filePath));
  if (type) headers.set("content-type", type);
  const size = fileInfo.size;

  if (req.method === "HEAD") {
    // As @std/http: HEAD answers 200 with the length, before the conditional headers.
    headers.set("content-length", `${size}`);
    return new Response(null, { status: 200, statusText: STATUS_TEXT[200], headers });
  }

  if (etag || mtime) {
    const inm = req.headers.get("if-none-match");
    const ims = req.headers.get("if-modified-since");
    if (
      !ifNoneMatch(inm, etag) ||
      (inm === null && mtime && ims && mtime.getTime() < new Date(ims).getTime() + 1000)
    ) {
      return new Response(null, { status: 304, statusText: STATUS_TEXT[304], headers });
    }
  }

  const range = req.headers.get("range");
  // An empty file ignores Range: 200, not 416 (as @std/http, after Go's net/http).
  if (range && 0 < size) {
    const parsed = parseRange(range, size);
    if (parsed) {
      if (parsed.end < 0 || parsed.end < parsed.start || size <= parsed.start) {
        headers.set("content-range", `bytes */${size}`);
        return standardResponse(416, { headers });
      }
      const start = Math.max(0, parsed.start);
      const end = Math.min(parsed.end, size - 1);
      const length = end - start + 1;
      headers.set("content-range", `bytes ${start}-${end}/${size}`);
      headers.set("content-length", `${length}`);
      return fileResponse(io, filePath, start, length, 206, headers);
    }
  }
  headers.set("content-length", `${size}`);
  return fileResponse(io, filePath, 0, size, 200, headers);
}

/**
 * A `Response` with the file at `filePath` as its body, like `@std/http`'s `serveFile`: the same
 * statuses (200, 206 for one `Range`, 304 for a matching `If-None-Match` or a not newer
 * `If-Modified-Since`, 404, 405, 416) and headers (`Content-Type` from the extension,
 * `Content-Length`, `Content-Range`, `ETag` as `@std/http` computes it, `Last-Modified`,
 * `Accept-Ranges`, `Server: deno`). `statx`, `open` and the reads go through io_uring (the
 * module's default ring).
 *
 * The body is an ordinary `ReadableStream` (the file is opened at its first read), so the
 * response works with `Deno.serve` or any other server. It is also marked as a file range,
 * which this module's `serve()` sends from the file to the socket without passing it through
 * JavaScript; the file is then opened again by the server, so a file replaced in between is
 * sent as it is then.
 *
 * Permissions: asks for read access to `filePath` as `Deno.stat` and `Deno.open` would,
 * throwing `Deno.errors.NotCapable` without it (the module's other reads do not: `--allow-ffi`
 * is full trust).
 *
 * @param req the request (its body is cancelled)
 * @param filePath the file to send
 * @param options `etagAlgorithm`, and the `fileInfo` when known
 * @returns the response
 * @throws {Deno.errors.NotCapable} without read access to `filePath`
 * @throws {Deno.errors.PermissionDenied} and the other errors of `Deno.stat` but `NotFound`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { serveFile } from "../../mod.ts";
 * const path = await Deno.makeTempFile({ suffix: ".txt" });
 * await Deno.writeTextFile(path, "hello, world");
 * const res = await serveFile(
 *   new Request("http://localhost/", { headers: { range: "bytes=7-" } }),
 *   path,
 * );
 * assertEquals(res.status, 206);
 * assertEquals(res.headers.get("content-type"), "text/plain; charset=UTF-8");
 * assertEquals(await res.text(), "world");
 * await Deno.remove(path);
 * ```
 */
export function serveFile(
  req: Request,
  filePath: string,
  options?: ServeFileOptions,
): Promise<Response> {
  return serveFileOn(defaultRing(), req, filePath, options);
}
