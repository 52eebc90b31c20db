// A line-protocol key-value server on this module's `listen()`: `SET key value` answers `OK`,
// `GET key` answers the value (or `NIL`), one command per line; pipelined commands are answered
// with one write per read. `--deno` runs the very same code on `Deno.listen`.
// Run: deno run --allow-ffi --allow-net examples/kv_server.ts --port 6380 [--hostname H] [--deno]
// Try: printf 'SET a 1\nGET a\n' | nc -q1 127.0.0.1 6380
import { parseArgs } from "node:util";
import { listen } from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "6380" },
    hostname: { type: "string", default: "127.0.0.1" },
    deno: { type: "boolean", default: false },
  },
});
const options = { hostname: values.hostname, port: Number(values.port) };
const listener = values.deno ? Deno.listen(options) : listen(options);
console.log(`listening on ${values.hostname}:${listener.addr.port}`);

const store = new Map<string, string>();
const enc = new TextEncoder(), dec = new TextDecoder();
const NL = 10;

/** Answers every whole line of `input`; returns the answers and the unfinished tail. */
function answer(input: string): [string, string] {
  let out = "", start = 0;
  for (let nl; (nl = input.indexOf("\n", start)) >= 0; start = nl + 1) {
    const line = input.slice(start, nl);
    const sp = line.indexOf(" ");
    const cmd = sp < 0 ? line : line.slice(0, sp);
    if (cmd === "GET") out += (store.get(line.slice(sp + 1)) ?? "NIL") + "\n";
    else if (cmd === "SET") {
      const sp2 = line.indexOf(" ", sp + 1);
      if (sp2 < 0) out += "ERR syntax\n";
      else {
        store.set(line.slice(sp + 1, sp2), line.slice(sp2 + 1));
        out += "OK\n";
      }
    } else out += "ERR unknown command\n";
  }
  return [out, input.slice(start)];
}

async function serve(conn: Deno.Conn) {
  const buf = new Uint8Array(64 * 1024);
  let tail = "";
  try {
    for (let n; (n = await conn.read(buf)) !== null;) {
      const text = tail + dec.decode(buf.subarray(0, n));
      if (buf[n - 1] !== NL && text.length > 1 << 20) break; // a line too long: drop the client
      const [out, rest] = answer(text);
      tail = rest;
      if (out === "") continue;
      const bytes = enc.encode(out);
      for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
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
for await (const conn of listener) serve(conn);
