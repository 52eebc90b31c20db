// The Bun counterparts of examples/echo_conn.ts and examples/kv_server.ts for
// `deno task bench:servers`: `Bun.listen` on a port the kernel picks, `echo` (the bytes back) or
// `kv` (the same line protocol: `SET key value` answers `OK`, `GET key` the value or `NIL`, the
// answers of one read in one write).
// Run: bun bench/bun_net_server.js echo|kv
const kind = process.argv[2];
if (kind !== "echo" && kind !== "kv") throw new Error("usage: bun_net_server.js echo|kv");

const store = new Map();
const dec = new TextDecoder();

/** Answers every whole line of `input`; returns the answers and the unfinished tail. */
function answer(input) {
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

/** Writes `bytes`, keeping what the socket did not take until it drains. */
function send(socket, bytes) {
  if (socket.data.pending.length) {
    socket.data.pending.push(bytes);
    return;
  }
  const n = socket.write(bytes);
  if (n < bytes.length) socket.data.pending.push(bytes.subarray(Math.max(n, 0)));
}

const server = Bun.listen({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(socket) {
      socket.data = { pending: [], tail: "" };
      socket.setNoDelay?.(true);
    },
    data(socket, data) {
      if (kind === "echo") return send(socket, new Uint8Array(data));
      const [out, rest] = answer(socket.data.tail + dec.decode(data));
      socket.data.tail = rest;
      if (out) send(socket, Buffer.from(out));
    },
    drain(socket) {
      const pending = socket.data.pending;
      while (pending.length) {
        const n = socket.write(pending[0]);
        if (n < pending[0].length) {
          pending[0] = pending[0].subarray(Math.max(n, 0));
          return;
        }
        pending.shift();
      }
    },
  },
});
console.log(`listening on 127.0.0.1:${server.port}`);
process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
