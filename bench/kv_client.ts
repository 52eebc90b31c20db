// The client of the key-value rows of `deno task bench:servers`: N connections (Deno.connect),
// each writing 50 pipelined commands (25 SET, 25 GET) at a time and reading the 50 answers
// before the next batch, for S seconds. Prints `rate=<commands/s> total=<commands>`.
// Run: deno run --allow-net bench/kv_client.ts HOST PORT CONNS SECONDS
const [host, port, conns, seconds] = Deno.args;
const PER_WRITE = 50;
const enc = new TextEncoder();

async function client(id: number, until: number): Promise<number> {
  const conn = await Deno.connect({ hostname: host, port: Number(port) });
  let batch = "";
  for (let i = 0; i < PER_WRITE / 2; i++) batch += `SET k${id}_${i} value-${i}\nGET k${id}_${i}\n`;
  const bytes = enc.encode(batch);
  const buf = new Uint8Array(64 * 1024);
  let done = 0;
  while (performance.now() < until) {
    for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
    let lines = 0;
    while (lines < PER_WRITE) {
      const n = await conn.read(buf);
      if (n === null) throw new Error("server closed");
      for (let j = 0; j < n; j++) if (buf[j] === 10) lines++;
    }
    done += PER_WRITE;
  }
  conn.close();
  return done;
}

const t0 = performance.now();
const until = t0 + Number(seconds) * 1000;
const counts = await Promise.all(
  Array.from({ length: Number(conns) }, (_, i) => client(i, until)),
);
const total = counts.reduce((a, b) => a + b, 0);
const secs = (performance.now() - t0) / 1000;
console.log(`rate=${Math.round(total / secs)} total=${total}`);
