// `deno task bench:servers`: the example servers against Deno's own, same clients, same run.
//
// - Echo, 64 B round trips, closed loop (bench/native/echo_client.c, built here with gcc) with 1,
//   8 and 64 connections: examples/echo_server.ts (plain recv/send, and --multishot) against a
//   Deno.listen echo (bench/deno_echo_server.ts). Every server runs for the whole bench; the
//   sides take turns, ROUNDS rounds, and a ratio is the median of the per-round ratios.
// - HTTP hello, `wrk -t1 -c64 -d5s`: examples/http_server.ts against Deno.serve
//   (bench/deno_http_server.ts), then examples/http_server.ts --workers 2.
// - Server CPU: utime + stime of the server process (/proc/<pid>/stat, every thread) over a
//   client run, divided by the round trips or requests of that run.
//
// With `--pin` (and `taskset`), each server runs on CPU 1 and the client on CPU 0 (the --workers 2
// server is not pinned). Not the default: on a shared machine a pinned server cannot move away
// from other load (Deno.serve fell from ~200 K to ~50 K req/s in one such run). Unpinned, the
// 1-connection figures have at times jumped between ~12 K and ~100 K round trips/s from round to
// round, as the scheduler put client and server threads on one core or two (seen mostly while
// AsyncRing woke through a worker thread; with the event-loop wake-up the rows of this session's
// runs stayed at 11-14 K); read that row over several runs.
//
// - The echo (1, 8, 64 connections) and a pipelined key-value server (bench/kv_client.ts, 1 and
//   16 connections) written against Conn: examples/echo_conn.ts and examples/kv_server.ts,
//   each beside the same program with --deno (Deno.listen).
// Loopback only; about 4 minutes. Prints a table and hands the rows to bench/_results.ts.
import { emitRows, type ResultRow } from "./_results.ts";

const HOST = "127.0.0.1";
const ROUNDS = 5;
const ECHO_SECONDS = 2; // + 1 s warm-up in the client
const WRK_ARGS = ["-t1", "-c64", "-d5s"];
const root = new URL("../", import.meta.url).pathname;
const clockTicks = 100; // CLK_TCK on Linux

// ---- clients ----------------------------------------------------------------------------

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { ok: r.success, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
  } catch (e) {
    return { ok: false, out: String(e) };
  }
}

async function buildEchoClient(): Promise<string> {
  const src = `${root}bench/native/echo_client.c`, bin = `${root}native/build/echo_client`;
  const mtime = (p: string) => {
    try {
      return Deno.statSync(p).mtime?.getTime() ?? 0;
    } catch {
      return -1;
    }
  };
  if (mtime(bin) < mtime(src)) {
    Deno.mkdirSync(`${root}native/build`, { recursive: true });
    const r = await run("gcc", ["-O2", "-Wall", "-o", bin, src]);
    if (!r.ok) throw new Error(`building the echo client failed:\n${r.out}`);
  }
  return bin;
}

/** wrk, installed with apt-get when missing and this is root; null (and why) otherwise. */
async function findWrk(): Promise<string | null> {
  if ((await run("wrk", ["--version"])).out.includes("wrk")) return "wrk";
  console.log("wrk is missing; trying `apt-get install -y wrk` ...");
  const r = await run("apt-get", ["install", "-y", "wrk"]);
  if (r.ok && (await run("wrk", ["--version"])).out.includes("wrk")) return "wrk";
  console.log("could not install wrk (run `sudo apt-get install wrk`); skipping the HTTP rows");
  return null;
}

// ---- servers ----------------------------------------------------------------------------

interface Server {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** `taskset -c CPU` before a command, when pinning is possible. */
let pin = (_cpu: number, cmd: string, args: string[]) => [cmd, ...args];

async function startServer(
  name: string,
  script: string,
  pinned: boolean,
  ...args: string[]
): Promise<Server> {
  const deno = ["run", "--allow-ffi", "--allow-net", "--allow-read", `${root}${script}`];
  const [cmd, ...argv] = pinned
    ? pin(1, Deno.execPath(), deno.concat("--port", "0", args))
    : [Deno.execPath(), ...deno, "--port", "0", ...args];
  const child = new Deno.Command(cmd, {
    args: argv,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let m: RegExpMatchArray | null = null;
  while (!(m = text.match(/listening on \S+:(\d+)/))) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${name} exited before listening`);
    text += value;
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return {
    name,
    port: Number(m[1]),
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await child.status;
      clearTimeout(t);
    },
  };
}

/** CPU seconds used so far by process `pid`, all threads. */
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / clockTicks; // utime, stime: fields 14 and 15
}

interface Measure {
  /** Round trips or requests per second. */
  rate: number;
  /** Server CPU µs per round trip or request. */
  cpuUs: number;
}

async function echoRun(client: string, s: Server, conns: number): Promise<Measure> {
  const c0 = cpuSeconds(s.pid);
  const [cmd, ...args] = pin(0, client, [
    HOST,
    String(s.port),
    String(conns),
    String(ECHO_SECONDS),
  ]);
  const r = await run(cmd, args);
  const cpu = cpuSeconds(s.pid) - c0;
  const m = r.out.match(/rate=(\d+) total=(\d+)/);
  if (!r.ok || !m) throw new Error(`echo client against ${s.name} failed: ${r.out}`);
  return { rate: Number(m[1]), cpuUs: (cpu * 1e6) / Number(m[2]) };
}

async function wrkRun(wrk: string, s: Server): Promise<Measure> {
  const c0 = cpuSeconds(s.pid);
  const [cmd, ...args] = pin(0, wrk, [...WRK_ARGS, `http://${HOST}:${s.port}/`]);
  const r = await run(cmd, args);
  const cpu = cpuSeconds(s.pid) - c0;
  const rate = r.out.match(/Requests\/sec:\s+([\d.]+)/);
  const total = r.out.match(/(\d+) requests in/);
  if (!r.ok || !rate || !total || r.out.includes("Non-2xx")) {
    throw new Error(`wrk against ${s.name} failed: ${r.out}`);
  }
  return { rate: Number(rate[1]), cpuUs: (cpu * 1e6) / Number(total[1]) };
}

const median = (xs: number[]) => {
  const q = [...xs].sort((a, b) => a - b), k = q.length >> 1;
  return q.length & 1 ? q[k] : (q[k - 1] + q[k]) / 2;
};

/** bun: `$BUN`, or `npm install bun` in /tmp; null when neither is there. */
async function findBun(): Promise<string | null> {
  for (const b of [Deno.env.get("BUN"), "/tmp/node_modules/.bin/bun", "bun"]) {
    if (b && (await run(b, ["--version"])).ok) return b;
  }
  console.log("bun not found (npm install bun in /tmp, or set BUN); skipping the Bun.serve row");
  return null;
}

/** bench/bun_http_server.js under bun, as a Server. */
async function startBun(bun: string): Promise<Server> {
  const child = new Deno.Command(bun, {
    args: [`${root}bench/bun_http_server.js`],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let m: RegExpMatchArray | null = null;
  while (!(m = text.match(/listening on \S+:(\d+)/))) {
    const { value, done } = await reader.read();
    if (done) throw new Error("Bun.serve exited before listening");
    text += value;
  }
  return {
    name: "Bun.serve",
    port: Number(m[1]),
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

// ---- the run ----------------------------------------------------------------------------

const t0 = performance.now();
const client = await buildEchoClient();
const wrk = await findWrk();
if (
  Deno.args.includes("--pin") && navigator.hardwareConcurrency >= 2 &&
  (await run("taskset", ["-c", "0", "true"])).ok
) {
  pin = (cpu, cmd, args) => ["taskset", "-c", String(cpu), cmd, ...args];
}
const table: string[][] = [];
const rows: ResultRow[] = [];
const k = (n: number) => `${(n / 1000).toFixed(1)} K`;
const x = (n: number) => `${n.toFixed(2)}x`;
const us = (n: number) => n.toFixed(2);
const verdict = (ok: boolean) => ok ? "met" : "MISSED";

{
  const servers = {
    plain: await startServer("AsyncRing recv/send", "examples/echo_server.ts", true),
    multishot: await startServer(
      "AsyncRing multishot",
      "examples/echo_server.ts",
      true,
      "--multishot",
    ),
    deno: await startServer("Deno.listen", "bench/deno_echo_server.ts", true),
  };
  type Side = keyof typeof servers;
  const sides = Object.keys(servers) as Side[];
  try {
    for (const conns of [1, 8, 64]) {
      const got: Record<Side, Measure[]> = { plain: [], multishot: [], deno: [] };
      for (let r = 0; r < ROUNDS; r++) {
        for (let i = 0; i < sides.length; i++) {
          const side = sides[(r + i) % sides.length];
          got[side].push(await echoRun(client, servers[side], conns));
        }
      }
      const rate = (s: Side) => median(got[s].map((m) => m.rate));
      const cpu = (s: Side) => median(got[s].map((m) => m.cpuUs));
      const ratio = (a: Side, b: Side) => median(got[a].map((m, i) => m.rate / got[b][i].rate));
      const goal = conns === 1 ? 1.0 : 1.3;
      const workload = `echo 64 B, ${conns} connection${conns > 1 ? "s" : ""}`;
      const plainVsDeno = ratio("plain", "deno"), msVsPlain = ratio("multishot", "plain");
      table.push([
        `${workload}, recv/send`,
        k(rate("plain")),
        `Deno.listen ${k(rate("deno"))}`,
        x(plainVsDeno),
        `>= ${goal}x: ${verdict(plainVsDeno >= goal)}`,
        `${us(cpu("plain"))} / ${us(cpu("deno"))}`,
      ]);
      table.push([
        `${workload}, multishot recv`,
        k(rate("multishot")),
        `recv/send ${k(rate("plain"))}`,
        x(msVsPlain),
        `>= 1.0x: ${verdict(msVsPlain >= 1)}`,
        `${us(cpu("multishot"))} / ${us(cpu("deno"))}`,
      ]);
      rows.push({
        group: "servers",
        workload: `${workload} (C closed-loop client), recv/send`,
        unit: "K round trips/s",
        ours: rate("plain") / 1000,
        builtin: { name: "Deno.listen", value: rate("deno") / 1000 },
        goals: [{ vs: "builtin", ratio: goal }],
        note: `median of ${ROUNDS} interleaved rounds of ${ECHO_SECONDS} s; ratio ${
          x(plainVsDeno)
        }`,
      }, {
        group: "servers",
        workload: `${workload} (C closed-loop client), multishot recv + buffer ring`,
        unit: "K round trips/s",
        ours: rate("multishot") / 1000,
        builtin: {
          name: "AsyncRing recv/send (goal: multishot >= plain)",
          value: rate("plain") / 1000,
        },
        goals: [{ vs: "builtin", ratio: 1.0 }],
        note: `Deno.listen ${k(rate("deno"))}; ratio to it ${x(ratio("multishot", "deno"))}`,
      }, {
        group: "servers",
        workload: `${workload}, server CPU per round trip, recv/send`,
        unit: "µs CPU/round trip",
        ours: cpu("plain"),
        builtin: { name: "Deno.listen", value: cpu("deno") },
        higherIsBetter: false,
        note: "utime+stime of the server process over the client run (10 ms ticks)",
      });
    }
  } finally {
    for (const s of Object.values(servers)) await s.stop();
  }
}

// The same echo and a pipelined key-value server written against Conn (`listen()`, `for await`,
// read/write), each beside the very same program on Deno.listen (`--deno`).
async function kvRun(s: Server, conns: number): Promise<Measure> {
  const c0 = cpuSeconds(s.pid);
  const [cmd, ...args] = pin(0, Deno.execPath(), [
    "run",
    "--allow-net",
    `${root}bench/kv_client.ts`,
    HOST,
    String(s.port),
    String(conns),
    String(ECHO_SECONDS),
  ]);
  const r = await run(cmd, args);
  const cpu = cpuSeconds(s.pid) - c0;
  const m = r.out.match(/rate=(\d+) total=(\d+)/);
  if (!r.ok || !m) throw new Error(`kv client against ${s.name} failed: ${r.out}`);
  return { rate: Number(m[1]), cpuUs: (cpu * 1e6) / Number(m[2]) };
}

for (
  const [kind, script, counts, goals] of [
    ["echo 64 B, Conn", "examples/echo_conn.ts", [1, 8, 64], [1.0, 1.3, 1.3]],
    ["key-value, 50 commands a write, Conn", "examples/kv_server.ts", [1, 16], [1.0, 1.2]],
  ] as const
) {
  const ours = await startServer(`${kind} (listen)`, script, true);
  const deno = await startServer(`${kind} (Deno.listen)`, script, true, "--deno");
  const echo = script.includes("echo");
  const measure = (s: Server, conns: number) => echo ? echoRun(client, s, conns) : kvRun(s, conns);
  try {
    for (let i = 0; i < counts.length; i++) {
      const conns = counts[i], goal = goals[i];
      const a: Measure[] = [], b: Measure[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        if (r & 1) b.push(await measure(deno, conns));
        a.push(await measure(ours, conns));
        if (!(r & 1)) b.push(await measure(deno, conns));
      }
      const ratio = median(a.map((m, j) => m.rate / b[j].rate));
      const rateA = median(a.map((m) => m.rate)), rateB = median(b.map((m) => m.rate));
      const workload = `${kind}, ${conns} connection${conns > 1 ? "s" : ""}`;
      table.push([
        workload,
        k(rateA),
        `Deno.listen ${k(rateB)}`,
        x(ratio),
        `>= ${goal}x: ${verdict(ratio >= goal)}`,
        `${us(median(a.map((m) => m.cpuUs)))} / ${us(median(b.map((m) => m.cpuUs)))}`,
      ]);
      rows.push({
        group: "servers",
        workload: `${workload} (${echo ? "C closed-loop client" : "Deno client"})`,
        unit: echo ? "K round trips/s" : "K commands/s",
        ours: rateA / 1000,
        builtin: { name: "Deno.listen (same program)", value: rateB / 1000 },
        goals: [{ vs: "builtin", ratio: goal }],
        note: `median of ${ROUNDS} interleaved rounds of ${ECHO_SECONDS} s; ratio ${x(ratio)}`,
      });
    }
  } finally {
    await ours.stop();
    await deno.stop();
  }
}

if (wrk !== null) {
  const measure = async (name: string, script: string, ...args: string[]) => {
    const s = await startServer(name, script, !args.includes("--workers"), ...args);
    try {
      return await wrkRun(wrk, s);
    } finally {
      await s.stop();
    }
  };
  const ours = await measure("AsyncRing HTTP", "examples/http_server.ts");
  const deno = await measure("Deno.serve", "bench/deno_http_server.ts");
  const served = await measure("serve()", "examples/serve_hello.ts");
  const two = await measure(
    "AsyncRing HTTP, 2 workers",
    "examples/http_server.ts",
    "--workers",
    "2",
  );
  const rateRatio = ours.rate / deno.rate, cpuRatio = ours.cpuUs / deno.cpuUs;
  table.push([
    "HTTP hello, wrk -t1 -c64 -d5s",
    k(ours.rate),
    `Deno.serve ${k(deno.rate)}`,
    x(rateRatio),
    `>= 1.0x: ${verdict(rateRatio >= 1)}; CPU ${x(cpuRatio)} <= 0.75x: ${
      verdict(cpuRatio <= 0.75)
    }`,
    `${us(ours.cpuUs)} / ${us(deno.cpuUs)}`,
  ]);
  table.push([
    "HTTP hello, --workers 2",
    k(two.rate),
    `1 worker ${k(ours.rate)}`,
    x(two.rate / ours.rate),
    "report",
    `${us(two.cpuUs)} / ${us(ours.cpuUs)} (1 worker)`,
  ]);
  const note = "one wrk run each, one after the other; wrk shares the 2 cores with the server";
  const servedRatio = served.rate / deno.rate;
  table.push([
    "HTTP hello, serve() (Deno.serve's shape)",
    k(served.rate),
    `Deno.serve ${k(deno.rate)}`,
    x(servedRatio),
    `>= 1.0x: ${verdict(servedRatio >= 1)}`,
    `${us(served.cpuUs)} / ${us(deno.cpuUs)}`,
  ]);
  rows.push({
    group: "servers",
    workload: "HTTP hello, serve() (Deno.serve's shape), wrk -t1 -c64 -d5s",
    unit: "K req/s",
    ours: served.rate / 1000,
    builtin: { name: "Deno.serve", value: deno.rate / 1000 },
    goals: [{ vs: "builtin", ratio: 1.0 }],
    note: `server CPU ${us(served.cpuUs)} µs/req vs ${us(deno.cpuUs)}; ${note}`,
  });
  const bun = await findBun();
  if (bun !== null) {
    const b = await startBun(bun);
    try {
      const bunRate = await wrkRun(wrk, b);
      table.push([
        "HTTP hello, serve() vs Bun.serve",
        k(served.rate),
        `Bun.serve ${k(bunRate.rate)}`,
        x(served.rate / bunRate.rate),
        "report",
        `${us(served.cpuUs)} / ${us(bunRate.cpuUs)}`,
      ]);
      rows.push({
        group: "servers",
        workload: "HTTP hello, serve() vs Bun.serve, wrk -t1 -c64 -d5s",
        unit: "K req/s",
        ours: served.rate / 1000,
        builtin: { name: "Bun.serve", value: bunRate.rate / 1000 },
        note,
      });
    } finally {
      await b.stop();
    }
  }
  rows.push({
    group: "servers",
    workload: "HTTP hello, wrk -t1 -c64 -d5s",
    unit: "K req/s",
    ours: ours.rate / 1000,
    builtin: { name: "Deno.serve", value: deno.rate / 1000 },
    goals: [{ vs: "builtin", ratio: 1.0 }],
    note,
  }, {
    group: "servers",
    workload: "HTTP hello, wrk -t1 -c64 -d5s, server CPU per request",
    unit: "µs CPU/req",
    ours: ours.cpuUs,
    builtin: { name: "Deno.serve", value: deno.cpuUs },
    goals: [{ vs: "builtin", ratio: 0.75 }],
    higherIsBetter: false,
    note,
  }, {
    group: "servers",
    workload: "HTTP hello, wrk -t1 -c64 -d5s, --workers 2 (vs 1 worker)",
    unit: "K req/s",
    ours: two.rate / 1000,
    builtin: { name: "AsyncRing HTTP, 1 worker", value: ours.rate / 1000 },
    note: `CPU ${us(two.cpuUs)} µs/req vs ${us(ours.cpuUs)} with 1 worker; ${note}`,
  });
}

const head = ["workload", "ours /s", "compared with /s", "ratio", "goal", "CPU µs ours / theirs"];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(line(head));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const r of table) console.log(line(r));
const pinned = pin(0, "x", []).length > 1;
console.log(
  `(${((performance.now() - t0) / 1000).toFixed(0)} s; echo: median of ${ROUNDS} rounds; ` +
    `${pinned ? "servers on CPU 1, clients on CPU 0" : "not pinned"})`,
);
emitRows(rows);
