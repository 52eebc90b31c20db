/**
 * `upgradeWebSocket()`: `Deno.upgradeWebSocket` for the requests `serve()` hands out.
 *
 * @module
 */
import { httpLoaded } from "./_lazy_http.ts";

/**
 * Upgrades a request that `serve()` handed out to a WebSocket, as `Deno.upgradeWebSocket`:
 * checks the handshake fields, answers with the returned `response` (101, with
 * `Sec-WebSocket-Accept` and the chosen `Sec-WebSocket-Protocol`), and gives the server side
 * of the connection as `socket`, which opens once the handler has returned `response`.
 *
 * The socket follows Deno's server socket: text messages arrive as strings, binary ones as
 * `ArrayBuffer` (`binaryType` "arraybuffer", or "blob"), fragmented messages whole; pings are
 * answered; close frames are answered with the peer's code; a frame the client did not mask, a
 * bad opcode or reserved bit, a control frame over 125 bytes, a message over 64 MiB or text
 * that is not UTF-8 end the connection with an `error` then a `close` event. With no message
 * for half of `idleTimeout` seconds (default 30) it pings; with no answer in the other half it
 * closes with 1001. A server `shutdown()` closes open sockets with 1001.
 *
 * A request that did not come from `serve()` (one from `Deno.serve`) is passed to
 * `Deno.upgradeWebSocket`. Differences from Deno: `socket.protocol` is the chosen subprotocol
 * (Deno's server socket reports ""), a client frame without a mask is refused (RFC 6455 5.1),
 * and the socket is not an instance of the global `WebSocket`.
 *
 * @param request the request, from a `serve()` handler
 * @param options `protocol`: the subprotocol to choose (it must be one the client offered);
 *   `idleTimeout`: seconds (0: no idle ping)
 * @returns the 101 response to return from the handler, and the socket
 * @throws {TypeError} when the request is not a WebSocket handshake (no `Upgrade: websocket`,
 *   `Connection: Upgrade` or `Sec-WebSocket-Key`), or the client did not offer `protocol`
 * @throws {Deno.errors.Http} "Already upgraded" for a request upgraded before
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { serve, upgradeWebSocket } from "../../mod.ts";
 * const server = serve({ port: 0, onListen() {} }, (req) => {
 *   const { socket, response } = upgradeWebSocket(req);
 *   socket.onmessage = (e) => socket.send(`echo ${e.data}`);
 *   return response;
 * });
 * const ws = new WebSocket(`ws://127.0.0.1:${server.addr.port}/`);
 * ws.onopen = () => ws.send("hi");
 * const reply = await new Promise((resolve) => ws.onmessage = (e) => resolve(e.data));
 * assertEquals(reply, "echo hi");
 * ws.close();
 * await new Promise((resolve) => ws.onclose = resolve);
 * await server.shutdown();
 * ```
 */
export function upgradeWebSocket(
  request: Request,
  options: Deno.UpgradeWebSocketOptions = {},
): Deno.WebSocketUpgrade {
  // serve() loads its HTTP code before it hands out a request: without it, the request is not
  // one of serve()'s
  const impl = httpLoaded();
  if (impl === undefined) return Deno.upgradeWebSocket(request, options);
  return impl.upgradeWebSocketImpl(request, options);
}
