/**
 * Sockets and HTTP the way Deno programs use them (`listen`, `connect`, `Conn`, `Listener`,
 * `netOn`, `serveDir`/`serveFile` shaped like `@std/http`'s), and the lower-level servers on
 * `AsyncRing`: `serveTcp`, `sendAll`, and the HTTP/1.1 request parser.
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
export { Conn, TcpConn, UnixConn } from "./conn.ts";
export { connect, connectOn } from "./connect.ts";
export { listen, listenOn } from "./listen.ts";
export { Listener } from "./listener.ts";
export { type NetFunctions, netOn } from "./net_on.ts";
export {
  type HttpServer,
  serve,
  type ServeHandler,
  type ServeHandlerInfo,
  serveOn,
  type ServeOptions,
} from "./serve.ts";
export { upgradeWebSocket } from "./websocket.ts";
