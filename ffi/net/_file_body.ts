/**
 * How `serveFile()`/`serveDir()` tell `serve()` that a response's body is a file range, so the
 * server can move it from the file to the socket in the kernel (`splice`) instead of through
 * JavaScript. The `Response` keeps an ordinary streamed body too, so it works unchanged with any
 * other server (`Deno.serve`) or when read by the handler.
 *
 * @internal
 * @module
 */

/** A file range standing for a response body. */
export interface FileBody {
  /** The file to send from (opened by the server when it sends). */
  path: string;
  /** First byte to send. */
  offset: number;
  /** Bytes to send. */
  length: number;
}

const FILE_BODY = Symbol("deno_uring.fileBody");

/** Marks `response` as carrying `body`; returns `response`. */
export function attachFileBody(response: Response, body: FileBody): Response {
  Object.defineProperty(response, FILE_BODY, { value: body });
  return response;
}

/** The file range `response` was marked with, or undefined. */
export function fileBodyOf(response: Response): FileBody | undefined {
  return (response as unknown as { [FILE_BODY]?: FileBody })[FILE_BODY];
}
