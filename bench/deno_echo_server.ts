// The Deno built-in counterpart of examples/echo_server.ts for `deno task bench:servers`: a
// `Deno.listen` echo server written the usual way (a read/write loop per connection).
// Run: deno run --allow-net bench/deno_echo_server.ts --port P
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "8000" },
    hostname: { type: "string", default: "127.0.0.1" },
  },
});
const listener = Deno.listen({ hostname: values.hostname, port: Number(values.port) });
console.log(`listening on ${values.hostname}:${listener.addr.port}`);

async function serve(conn: Deno.Conn) {
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
