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
export {
  type HttpServer,
  serve,
  type ServeHandler,
  type ServeHandlerInfo,
  serveOn,
  type ServeOptions,
} from "./serve.ts";
