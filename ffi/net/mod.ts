/**
 * Servers on `AsyncRing`: `serveTcp`, `sendAll`, the HTTP/1.1 request parser, and `serveDir`/
 * `serveFile` shaped like `@std/http`'s.
 *
 * @module
 */
export { httpDate, HttpParse, HttpRequestParser, type HttpRequestParserOptions } from "./http.ts";
export {
  type ConnectionHandler,
  sendAll,
  serveTcp,
  type ServeTcpOptions,
  type TcpServer,
} from "./server.ts";
export { serveFile, type ServeFileOptions } from "./serve_file.ts";
export { serveDir, type ServeDirOptions } from "./serve_dir.ts";
