/**
 * Loads the serving code (`_http_impl.ts`: `serve()`'s connections, `serveFile()`, `serveDir()`)
 * on demand, once per process.
 *
 * @internal
 * @module
 */

/** The module `serve()` loads when it starts. */
export type HttpImpl = typeof import("./_http_impl.ts");

let loaded: HttpImpl | undefined;
let loading: Promise<HttpImpl> | undefined;

/** Starts loading the HTTP code (once) and returns it when loaded. */
export function loadHttp(): Promise<HttpImpl> {
  return loading ??= import("./_http_impl.ts").then((m) => loaded = m);
}

/** The HTTP code if it has been loaded, else undefined. */
export function httpLoaded(): HttpImpl | undefined {
  return loaded;
}
