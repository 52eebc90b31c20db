/**
 * `serveFile()`, shaped like `@std/http`'s; its code and the media-type table load at its first call.
 *
 * @module
 */
import { defaultRing } from "../async/mod.ts";
import type { ServeFileOptions } from "./_serve_file.ts";
import { loadHttp } from "./_lazy_http.ts";

export type { ServeFileOptions } from "./_serve_file.ts";

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
export async function serveFile(
  req: Request,
  filePath: string,
  options?: ServeFileOptions,
): Promise<Response> {
  const { serveFileOn } = await loadHttp();
  return serveFileOn(defaultRing(), req, filePath, options);
}
