/**
 * `serveFile()`: one file as an HTTP response, shaped like `@std/http`'s (`file_server.ts`),
 * with the file's `statx`, `open` and reads on io_uring.
 *
 * Loaded with `import()` (through `_http_impl.ts`) at the first `serveFile()` call, not at import.
 *
 * @internal
 * @module
 */
import { type AsyncRing, stat } from "../async/mod.ts";
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
