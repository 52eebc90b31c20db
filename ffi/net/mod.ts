/**
 * Servers on `AsyncRing`: `serveTcp`, `sendAll`, and the HTTP/1.1 request parser.
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
export { serveFile, serveFileOn, type ServeFileOptions } from "./serve_file.ts";
export { serveDir, serveDirOn, type ServeDirOptions } from "./serve_dir.ts";
