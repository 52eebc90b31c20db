// Helpers of the serve() tests: the same handler on serve() and Deno.serve, and a raw client.
import { serve, type ServeHandler } from "../../ffi/mod.ts";

export const enc: TextEncoder = new TextEncoder(), dec: TextDecoder = new TextDecoder();

/** The same handler on Deno.serve and on serve(), both on 127.0.0.1:0. */
export function both(handler: ServeHandler) {
  const quiet = { port: 0, hostname: "127.0.0.1", onListen() {} };
  const ours = serve({ ...quiet, onError: () => new Response("err", { status: 500 }) }, handler);
  const deno = Deno.serve(
    { ...quiet, onError: () => new Response("err", { status: 500 }) },
    handler as Deno.ServeHandler,
  );
  return {
    ours,
    deno,
    async [Symbol.asyncDispose]() {
      await ours.shutdown();
      await deno.shutdown();
    },
  };
}

/** Sends raw bytes, reads until the server closes (or `ms`), returns the text with dates blanked. */
export async function raw(port: number, data: string | Uint8Array, ms = 2000): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(typeof data === "string" ? enc.encode(data) : data);
  return await readToEnd(conn, ms);
}

/** Reads `conn` until the server closes it (or `ms`), closes it; the text with dates blanked. */
export async function readToEnd(conn: Deno.Conn, ms: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  const timer = setTimeout(() => conn.close(), ms);
  try {
    for (let n; (n = await conn.read(buf)) !== null;) chunks.push(buf.slice(0, n));
  } catch {
    /* closed by the timer, or reset by the server */
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed */ }
  }
  let s = "";
  for (const c of chunks) s += dec.decode(c, { stream: true });
  return s.replace(/date: [^\r]*/gi, "date: X");
}
