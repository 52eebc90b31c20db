/**
 * `serveDir()`, shaped like `@std/http`'s; its code loads at its first call.
 *
 * @module
 */
import { defaultRing } from "../async/mod.ts";
import type { ServeDirOptions } from "./_serve_dir.ts";
import { loadHttp } from "./_lazy_http.ts";

export type { ServeDirOptions } from "./_serve_dir.ts";

/**
 * Answers `req` with a file under `opts.fsRoot`, like `@std/http`'s `serveDir`: the same
 * statuses, headers and bodies for the same requests, and the same options (`fsRoot`,
 * `urlRoot`, `showDirListing`, `showDotfiles`, `showIndex`, `enableCors`, `quiet`,
 * `etagAlgorithm`, `headers`). Files answer as {@link serveFile} does (`Range`, `ETag`,
 * `If-None-Match`, `If-Modified-Since`, `HEAD`); a directory gets its `index.html`, else the
 * listing with `showDirListing`, else 404; paths that are not normalized (`//`, `.`, `..`, also
 * percent-encoded) are redirected to their normal form (301), so no request reaches a path
 * outside `fsRoot` by its URL. Symbolic links under `fsRoot` are followed, as `@std/http` does,
 * also to files outside it. Errors other than a missing file answer 500 (logged unless `quiet`).
 *
 * `statx`, `open` and the reads go through io_uring (the module's default ring); a listing
 * reads the directory with `Deno.readDir` (io_uring has no `getdents` op). File bodies are
 * streams that also carry the file range for this module's `serve()` (see {@link serveFile}).
 *
 * Permissions: each path is checked for read access before it is touched, as `Deno.stat` and
 * `Deno.open` would: outside the process's `--allow-read` the answer is 500, as from
 * `@std/http`. The check costs nothing measurable when read access is granted everywhere.
 *
 * @param req the request
 * @param opts where the files are and how to answer
 * @returns the response
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { serveDir } from "../../mod.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/hello.txt`, "hello");
 * const res = await serveDir(new Request("http://localhost/static/hello.txt"), {
 *   fsRoot: root,
 *   urlRoot: "static",
 *   quiet: true,
 * });
 * assertEquals(res.status, 200);
 * assertEquals(await res.text(), "hello");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function serveDir(req: Request, opts: ServeDirOptions = {}): Promise<Response> {
  const { serveDirOn } = await loadHttp();
  return serveDirOn(defaultRing(), req, opts);
}
