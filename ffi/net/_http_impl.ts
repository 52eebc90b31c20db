/**
 * What `serve()` needs only once it has connections: the per-connection HTTP code, the response
 * writer and `upgradeWebSocket()`'s work. `serve()` loads it with `import()` when it starts
 * listening (`_lazy_http.ts`), so that importing the module does not parse it: a program that
 * never serves does not pay for it.
 *
 * @internal
 * @module
 */
export { HttpConn, internalServerError, MAX_HEAD } from "./_http_conn.ts";
export { SendPool } from "./_response_writer.ts";
export { upgradeWebSocketImpl } from "./_websocket.ts";
