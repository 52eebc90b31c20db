// An echo server written the way Deno programs are, against this module's `listen()`:
// `for await (const conn of listener)`, then read/write per connection. `--deno` runs the very
// same code on `Deno.listen`, for comparison.
// Run: deno run --allow-ffi --allow-net examples/echo_conn.ts --port 8000 [--hostname H] [--deno]
import { parseArgs } from "node:util";
import { listen } from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "8000" },
    hostname: { type: "string", default: "127.0.0.1" },
    deno: { type: "boolean", default: false },
  },
});
const options = { hostname: values.hostname, port: Number(values.port) };
const listener = values.deno ? Deno.listen(options) : listen(options);
console.log(`listening on ${values.hostname}:${listener.addr.port}`);

async function serve(conn: Deno.TcpConn) {
  const buf = new Uint8Array(16 * 1024);
  try {
    for (let n; (n = await conn.read(buf)) !== null;) {
      for (let off = 0; off < n;) off += await conn.write(buf.subarray(off, n));
    }
  } catch { /* reset by the peer */ }
  try {
    conn.close();
  } catch { /* closed already */ }
}

const stop = () => {
  listener.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
for await (const conn of listener) {
  conn.setNoDelay(true);
  serve(conn);
}
