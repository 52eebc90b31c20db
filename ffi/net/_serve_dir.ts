/**
 * `serveDir()`: a static file server shaped like `@std/http`'s (`file_server.ts`), with the
 * files' `statx`, `open` and reads on io_uring.
 *
 * Loaded with `import()` (through `_http_impl.ts`) at the first `serveDir()` call, not at import.
 *
 * @internal
 * @module
 */
import { type AsyncRing, lstat, stat } from "../async/mod.ts";
import { checkPath } from "../sys/mod.ts";
import { serveFileOn, standardResponse } from "./_serve_file.ts";
import { dirListing } from "./_dir_listing.ts";
import { join, normalize as posixNormalize } from "./_path.ts";

/** `@std/http`'s `isRedirectStatus`: the 3xx codes it knows, 304 included. */
const isRedirectStatus = (status: number) => status >= 300 && status <= 308 && status !== 306;

/**
 * Options of {@link serveDir}, as `@std/http`'s `ServeDirOptions`.
 *
 * @example
 * ```ts
 * import type { ServeDirOptions } from "../../mod.ts";
 * const options: ServeDirOptions = { fsRoot: "public", urlRoot: "static", quiet: true };
 * ```
 */
export interface ServeDirOptions {
  /**
   * Serves the files under this directory.
   *
   * @default {"."}
   */
  fsRoot?: string;
  /** This part is stripped from the beginning of the requested path name. */
  urlRoot?: string;
  /**
   * Answers a directory without `index.html` with a listing of its entries.
   *
   * @default {false}
   */
  showDirListing?: boolean;
  /**
   * Serves (and lists) files whose names start with a dot.
   *
   * @default {false}
   */
  showDotfiles?: boolean;
  /**
   * Serves a directory's `index.html` for the directory.
   *
   * @default {true}
   */
  showIndex?: boolean;
  /**
   * Adds `Access-Control-Allow-Origin: *` and `Access-Control-Allow-Headers`.
   *
   * @default {false}
   */
  enableCors?: boolean;
  /**
   * Prints no log line per request (nor the errors behind 500s).
   *
   * @default {false}
   */
  quiet?: boolean;
  /**
   * The digest algorithm of the `ETag`.
   *
   * @default {"SHA-256"}
   */
  etagAlgorithm?: AlgorithmIdentifier;
  /**
   * Headers added to each response (but redirects), as `"name: value"` strings.
   *
   * @default {[]}
   */
  headers?: string[];
}

function logError(error: Error): void {
  // deno-lint-ignore no-console
  console.error(`%c${error.message}`, "color: red");
}

function serverLog(req: Request, status: number): void {
  const d = new Date().toISOString();
  const dateFmt = `[${d.slice(0, 10)} ${d.slice(11, 19)}]`;
  const url = new URL(req.url);
  // console.debug as @std/http: browser devtools can hide request logs.
  // deno-lint-ignore no-console
  console.debug(`${dateFmt} [${req.method}] ${url.pathname}${url.search} ${status}`);
}

/** `stat` (or `lstat`) with the read check `Deno.stat` makes, before it. */
function checkedStat(io: AsyncRing, path: string, follow: boolean = true): Promise<Deno.FileInfo> {
  checkPath("read", path);
  return follow ? stat(io, path) : lstat(io, path);
}

/** {@link serveDir} on the ring `io`. */
export async function serveDirOn(
  io: AsyncRing,
  req: Request,
  opts: ServeDirOptions = {},
): Promise<Response> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return standardResponse(405);
  }
  let response: Response;
  try {
    response = await dirResponse(io, req, opts);
  } catch (error) {
    if (!opts.quiet) logError(error as Error);
    response = error instanceof Deno.errors.NotFound
      ? standardResponse(404)
      : standardResponse(500);
  }
  const isRedirect = isRedirectStatus(response.status);
  if (opts.enableCors && !isRedirect) {
    response.headers.append("access-control-allow-origin", "*");
    response.headers.append(
      "access-control-allow-headers",
      "Origin, X-Requested-With, Content-Type, Accept, Range",
    );
  }
  if (!opts.quiet) serverLog(req, response.status);
  if (opts.headers && !isRedirect) {
    for (const header of opts.headers) {
      const split = header.split(":");
      response.headers.append(split[0]!, split.slice(1).join(":"));
    }
  }
  return response;
}

async function dirResponse(io: AsyncRing, req: Request, opts: ServeDirOptions): Promise<Response> {
  const target = opts.fsRoot ?? ".";
  const urlRoot = opts.urlRoot;
  const showIndex = opts.showIndex ?? true;
  // Undocumented in @std/http, but honoured there: `/a` serves `a.html` when `a` is missing.
  const cleanUrls = (opts as { cleanUrls?: boolean }).cleanUrls ?? false;
  const showDotfiles = opts.showDotfiles || false;
  const { etagAlgorithm = "SHA-256", showDirListing = false, quiet = false } = opts;

  const url = new URL(req.url);
  const decodedUrl = decodeURIComponent(url.pathname);
  let normalizedPath = posixNormalize(decodedUrl);

  if (urlRoot && !normalizedPath.startsWith("/" + urlRoot)) {
    return standardResponse(404);
  }
  // `/a//b`, `/a/./b`, `/a/../b` (also spelt with `%2e` and `%2f`) go to the normalized path,
  // so no path reaching the file system climbs out of fsRoot.
  if (normalizedPath !== decodedUrl) {
    url.pathname = normalizedPath;
    return Response.redirect(url, 301);
  }
  if (urlRoot) normalizedPath = normalizedPath.replace(urlRoot, "");
  if (normalizedPath.endsWith("/")) normalizedPath = normalizedPath.slice(0, -1);
  // Stripping urlRoot can leave a `..` segment (`/static../x` with urlRoot `static`), which
  // @std/http 1.1.2 then follows out of fsRoot when dotfiles are shown: not here.
  if (/(^|\/)\.\.(\/|$)/.test(normalizedPath)) return standardResponse(404);
  if (!showDotfiles && /\/\./.test(normalizedPath)) {
    return standardResponse(404);
  }

  let fsPath = join(target, normalizedPath);
  if (cleanUrls && !fsPath.endsWith(".html") && !(await exists(io, fsPath))) fsPath += ".html";
  const fileInfo = await checkedStat(io, fsPath);

  if (fileInfo.isFile && url.pathname.endsWith("/")) {
    url.pathname = url.pathname.slice(0, -1);
    return Response.redirect(url, 301);
  }
  // A directory's URL ends with a slash, so that relative links in its page resolve in it.
  if (fileInfo.isDirectory && !url.pathname.endsWith("/")) {
    url.pathname += "/";
    return Response.redirect(url, 301);
  }
  if (!fileInfo.isDirectory) {
    return serveFileOn(io, req, fsPath, { etagAlgorithm, fileInfo }, true);
  }
  if (showIndex) {
    const indexPath = join(fsPath, "index.html");
    let indexInfo: Deno.FileInfo | undefined;
    try {
      indexInfo = await checkedStat(io, indexPath, false);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (indexInfo?.isFile) {
      return serveFileOn(io, req, indexPath, { etagAlgorithm, fileInfo: indexInfo }, true);
    }
  }
  if (showDirListing) {
    checkPath("read", fsPath);
    return dirListing(io, req, fsPath, { showDotfiles, urlPath: normalizedPath, quiet }, logError);
  }
  return standardResponse(404);
}

/** `@std/fs`'s `exists(path)`: false for a missing path, other errors thrown. */
async function exists(io: AsyncRing, path: string): Promise<boolean> {
  try {
    await checkedStat(io, path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
