/**
 * The network layer's code that runs only once it serves: the per-connection HTTP code, the
 * response writer, `upgradeWebSocket()`'s work, and `serveFile()`/`serveDir()` with the media-type
 * table. `serve()` loads it with `import()` when it starts listening, `serveFile()`/`serveDir()` at
 * their first call (`_lazy_http.ts`), so that importing the module does not parse it: a program
 * that never serves does not pay for it. One module, not one per function: Deno reads and looks up
 * every module a dynamic import names while it loads the program, whether it runs or not (~0.3 ms
 * a file).
 *
 * @internal
 * @module
 */
export { HttpConn, MAX_HEAD } from "./_http_conn.ts";
export { internalServerError } from "./_http_parts.ts";
export { SendPool } from "./_response_writer.ts";
export { upgradeWebSocketImpl } from "./_websocket.ts";
export { serveFileOn } from "./_serve_file.ts";
export { serveDirOn } from "./_serve_dir.ts";
