// `deno task bench:servers [--quick] [--pin]`: the example servers against Deno's own and Bun's,
// same clients, same run.
//
// - Echo, 64 B round trips, closed loop (bench/native/echo_client.c, built here with gcc) with 1,
//   8 and 64 connections: examples/echo_conn.ts (written against Conn: `for await`, read/write)
//   and examples/echo_server.ts (plain recv/send, and --multishot) against the same echo on
//   Deno.listen (`echo_conn.ts --deno`) and on Bun.listen (bench/bun_net_server.js).
// - A pipelined line-protocol key-value server (bench/kv_client.ts, 50 commands a write, 1 and 16
//   connections): examples/kv_server.ts against the same file with --deno, and against
//   Bun.listen.
// - HTTP hello, `wrk -t1 -c64`: examples/serve_hello.ts (serve(), Deno.serve's shape) and
//   examples/http_server.ts against Deno.serve (bench/deno_http_server.ts) and Bun.serve
//   (bench/bun_http_server.js); then examples/http_server.ts --workers 2, one run.
// - Server CPU: utime + stime of the server process (/proc/<pid>/stat, every thread) over a
//   client run, divided by the round trips or requests of that run.
//
// Every server of a section runs for the whole section; the sides take turns, ROUNDS rounds, the
// side that goes first rotating, and a ratio is the median of the per-round ratios. Bun runs
// when found ($BUN, /tmp/node_modules/.bin/bun after `npm install bun` in /tmp, or on the PATH);
// without it the Bun figures are left out and the rows say "bun: not found".
//
// With `--pin` (and `taskset`), each server runs on CPU 1 and the client on CPU 0 (the --workers 2
// server is not pinned). Not the default: on a shared machine a pinned server cannot move away
// from other load (Deno.serve fell from ~200 K to ~50 K req/s in one such run). Unpinned, the
// 1-connection figures have at times jumped between ~12 K and ~100 K round trips/s from round to
// round, as the scheduler put client and server threads on one core or two; read that row over
// several runs.
//
// `--quick` (or BENCH_QUICK=1): one round of short runs, a smoke run. Loopback only; about 5
// minutes (20 s with --quick). Prints a table and hands the rows to bench/_results.ts.
import { benchQuick, BUN_NOT_FOUND, emitRows, findBun, type ResultRow } from "./_results.ts";

const HOST = "127.0.0.1";
const quick = benchQuick() || Deno.args.includes("--quick");
const ROUNDS = quick ? 1 : 5;
const ECHO_SECONDS = quick ? 0.5 : 2;
const ECHO_WARMUP = quick ? 0.2 : 0.5; // seconds the C client runs before it counts
const WRK_SECONDS = quick ? 1 : 3;
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

/** Spawns `cmd args` and waits for its "listening on HOST:PORT" line. */
async function spawnServer(
  name: string,
  cmd: string,
  args: string[],
  pinned: boolean,
): Promise<Server> {
  const [c, ...argv] = pinned ? pin(1, cmd, args) : [cmd, ...args];
  const child = new Deno.Command(c, { args: argv, stdout: "piped", stderr: "inherit" }).spawn();
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
      try {
        child.kill("SIGTERM");
      } catch { /* gone already */ }
      const t = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await child.status;
      clearTimeout(t);
    },
  };
}

/** A Deno server script of this checkout on a port the kernel picks. */
function startServer(
  name: string,
  script: string,
  pinned: boolean,
  ...args: string[]
): Promise<Server> {
  const deno = ["run", "--allow-ffi", "--allow-net", "--allow-read", `${root}${script}`];
  return spawnServer(name, Deno.execPath(), [...deno, "--port", "0", ...args], pinned);
}

/** A Bun server script of bench/ (`bun_http_server.js`, `bun_net_server.js echo|kv`). */
function startBun(bun: string, name: string, script: string, ...args: string[]): Promise<Server> {
  return spawnServer(name, bun, [`${root}bench/${script}`, ...args], true);
}

/** CPU seconds used so far by process `pid`, all threads. */
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / clockTicks; // utime, stime: fields 14 and 15
}

interface Measure {
  /** Round trips, commands or requests per second. */
  rate: number;
  /** Server CPU µs per round trip, command or request. */
  cpuUs: number;
}

async function echoRun(client: string, s: Server, conns: number): Promise<Measure> {
  const c0 = cpuSeconds(s.pid);
  const [cmd, ...args] = pin(0, client, [
    HOST,
    String(s.port),
    String(conns),
    String(ECHO_SECONDS),
    "64",
    String(ECHO_WARMUP),
  ]);
  const r = await run(cmd, args);
  const cpu = cpuSeconds(s.pid) - c0;
  const m = r.out.match(/rate=(\d+) total=(\d+)/);
  if (!r.ok || !m) throw new Error(`echo client against ${s.name} failed: ${r.out}`);
  return { rate: Number(m[1]), cpuUs: (cpu * 1e6) / Number(m[2]) };
}

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

async function wrkRun(wrk: string, s: Server): Promise<Measure> {
  const c0 = cpuSeconds(s.pid);
  const [cmd, ...args] = pin(0, wrk, [
    "-t1",
    "-c64",
    `-d${WRK_SECONDS}s`,
    `http://${HOST}:${s.port}/`,
  ]);
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

/**
 * The measures of `ROUNDS` rounds of every server in `servers`, one after the other within a
 * round, the side that goes first rotating from round to round.
 */
async function rounds<K extends string>(
  servers: Record<K, Server>,
  measure: (s: Server) => Promise<Measure>,
): Promise<Record<K, Measure[]>> {
  const sides = Object.keys(servers) as K[];
  const got = Object.fromEntries(sides.map((s) => [s, [] as Measure[]])) as Record<K, Measure[]>;
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(r + i) % sides.length];
      got[side].push(await measure(servers[side]));
    }
  }
  return got;
}

/** Medians and paired ratios of one set of {@link rounds}. */
function summary<K extends string>(got: Record<K, Measure[]>) {
  return {
    rate: (s: K) => median(got[s].map((m) => m.rate)),
    cpu: (s: K) => median(got[s].map((m) => m.cpuUs)),
    ratio: (a: K, b: K) => median(got[a].map((m, i) => m.rate / got[b][i].rate)),
    cpuRatio: (a: K, b: K) => median(got[a].map((m, i) => m.cpuUs / got[b][i].cpuUs)),
  };
}

/** Starts every server, runs `body`, and stops them all, whatever happens. */
async function withServers<K extends string>(
  starts: Record<K, () => Promise<Server>>,
  body: (servers: Record<K, Server>) => Promise<void>,
): Promise<void> {
  const servers = {} as Record<K, Server>;
  try {
    for (const [k, start] of Object.entries(starts) as [K, () => Promise<Server>][]) {
      servers[k] = await start();
    }
    await body(servers);
  } finally {
    for (const s of Object.values(servers) as Server[]) await s.stop();
  }
}

// ---- the run ----------------------------------------------------------------------------

const t0 = performance.now();
const client = await buildEchoClient();
const wrk = await findWrk();
const bun = await findBun();
if (bun === null) console.log(`${BUN_NOT_FOUND}: no Bun figures`);
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
const roundsNote = (seconds: number) =>
  `median of ${ROUNDS} interleaved round${ROUNDS > 1 ? "s" : ""} of ${seconds} s`;
const noBun = bun === null ? `; ${BUN_NOT_FOUND}` : "";

// Echo: Conn, the raw recv/send example and its multishot variant, Deno.listen, Bun.listen.
{
  type Side = "conn" | "deno" | "bun" | "plain" | "multishot";
  const starts: Partial<Record<Side, () => Promise<Server>>> = {
    conn: () => startServer("echo on Conn (listen)", "examples/echo_conn.ts", true),
    deno: () => startServer("echo on Deno.listen", "examples/echo_conn.ts", true, "--deno"),
    plain: () => startServer("AsyncRing recv/send", "examples/echo_server.ts", true),
    multishot: () =>
      startServer("AsyncRing multishot", "examples/echo_server.ts", true, "--multishot"),
  };
  if (bun !== null) {
    starts.bun = () => startBun(bun, "Bun.listen echo", "bun_net_server.js", "echo");
  }
  await withServers(starts as Record<Side, () => Promise<Server>>, async (servers) => {
    for (const [conns, goal] of [[1, 1.0], [8, 1.3], [64, 1.3]] as const) {
      const got = await rounds(servers, (s) => echoRun(client, s, conns));
      const { rate, cpu, ratio, cpuRatio } = summary(got);
      const workload = `echo 64 B, ${conns} connection${conns > 1 ? "s" : ""}`;
      const connVsDeno = ratio("conn", "deno"), cpuVsDeno = cpuRatio("conn", "deno");
      const plainVsDeno = ratio("plain", "deno"), msVsPlain = ratio("multishot", "plain");
      const bunRate = bun !== null
        ? { bun: { name: "Bun.listen", value: rate("bun") / 1000 } }
        : {};
      const bunCpu = bun !== null ? { bun: { name: "Bun.listen", value: cpu("bun") } } : {};
      table.push([
        `${workload}, Conn`,
        k(rate("conn")),
        `Deno.listen ${k(rate("deno"))}`,
        x(connVsDeno),
        `>= ${goal}x: ${verdict(connVsDeno >= goal)}`,
        `${us(cpu("conn"))} / ${us(cpu("deno"))}`,
      ]);
      if (bun !== null) {
        table.push([
          `${workload}, Conn vs Bun.listen`,
          k(rate("conn")),
          `Bun.listen ${k(rate("bun"))}`,
          x(ratio("conn", "bun")),
          "report",
          `${us(cpu("conn"))} / ${us(cpu("bun"))}`,
        ]);
      }
      table.push([
        `${workload}, recv/send`,
        k(rate("plain")),
        `Deno.listen ${k(rate("deno"))}`,
        x(plainVsDeno),
        `>= ${goal}x: ${verdict(plainVsDeno >= goal)}`,
        `${us(cpu("plain"))} / ${us(cpu("deno"))}`,
      ], [
        `${workload}, multishot recv`,
        k(rate("multishot")),
        `recv/send ${k(rate("plain"))}`,
        x(msVsPlain),
        `>= 1.0x: ${verdict(msVsPlain >= 1)}`,
        `${us(cpu("multishot"))} / ${us(cpu("deno"))}`,
      ]);
      rows.push({
        group: "servers",
        workload: `${workload}, Conn (C closed-loop client)`,
        unit: "K round trips/s",
        ours: rate("conn") / 1000,
        builtin: { name: "Deno.listen (same program)", value: rate("deno") / 1000 },
        ...bunRate,
        ratios: {
          builtin: connVsDeno,
          ...(bun !== null ? { bun: ratio("conn", "bun") } : {}),
        },
        goals: [{ vs: "builtin", ratio: goal }],
        note: `examples/echo_conn.ts and the same file with --deno; ${roundsNote(ECHO_SECONDS)}` +
          noBun,
      }, {
        group: "servers",
        workload: `${workload}, Conn, server CPU per round trip`,
        unit: "µs CPU/round trip",
        ours: cpu("conn"),
        builtin: { name: "Deno.listen (same program)", value: cpu("deno") },
        ...bunCpu,
        ratios: {
          builtin: cpuVsDeno,
          ...(bun !== null ? { bun: cpuRatio("conn", "bun") } : {}),
        },
        higherIsBetter: false,
        ...(conns === 1 ? { goals: [{ vs: "builtin" as const, ratio: 1.0 }] } : {}),
        note: "utime+stime of the server process over the client run, warm-up included " +
          `(10 ms ticks); ${roundsNote(ECHO_SECONDS)}${noBun}`,
      }, {
        group: "servers",
        workload: `${workload}, AsyncRing recv/send (C closed-loop client)`,
        unit: "K round trips/s",
        ours: rate("plain") / 1000,
        builtin: { name: "Deno.listen", value: rate("deno") / 1000 },
        ratios: { builtin: plainVsDeno },
        goals: [{ vs: "builtin", ratio: goal }],
        note: `examples/echo_server.ts; server CPU ${us(cpu("plain"))} µs per round trip vs ` +
          `${us(cpu("deno"))}; ${roundsNote(ECHO_SECONDS)}`,
      }, {
        group: "servers",
        workload: `${workload}, multishot recv + buffer ring (C closed-loop client)`,
        unit: "K round trips/s",
        ours: rate("multishot") / 1000,
        builtin: {
          name: "AsyncRing recv/send (goal: multishot >= plain)",
          value: rate("plain") / 1000,
        },
        ratios: { builtin: msVsPlain },
        goals: [{ vs: "builtin", ratio: 1.0 }],
        note: `Deno.listen ${k(rate("deno"))}; ratio to it ${x(ratio("multishot", "deno"))}`,
      });
    }
  });
}

// The pipelined key-value server on Conn, the same file on Deno.listen, and Bun.listen.
{
  type Side = "ours" | "deno" | "bun";
  const starts: Partial<Record<Side, () => Promise<Server>>> = {
    ours: () => startServer("key-value on Conn", "examples/kv_server.ts", true),
    deno: () => startServer("key-value on Deno.listen", "examples/kv_server.ts", true, "--deno"),
  };
  if (bun !== null) {
    starts.bun = () => startBun(bun, "Bun.listen key-value", "bun_net_server.js", "kv");
  }
  await withServers(starts as Record<Side, () => Promise<Server>>, async (servers) => {
    for (const [conns, goal] of [[1, 1.0], [16, 1.2]] as const) {
      const { rate, cpu, ratio } = summary(await rounds(servers, (s) => kvRun(s, conns)));
      const workload = `key-value, 50 commands a write, Conn, ${conns} connection${
        conns > 1 ? "s" : ""
      }`;
      table.push([
        workload,
        k(rate("ours")),
        `Deno.listen ${k(rate("deno"))}`,
        x(ratio("ours", "deno")),
        `>= ${goal}x: ${verdict(ratio("ours", "deno") >= goal)}`,
        `${us(cpu("ours"))} / ${us(cpu("deno"))}`,
      ]);
      if (bun !== null) {
        table.push([
          `${workload} vs Bun.listen`,
          k(rate("ours")),
          `Bun.listen ${k(rate("bun"))}`,
          x(ratio("ours", "bun")),
          "report",
          `${us(cpu("ours"))} / ${us(cpu("bun"))}`,
        ]);
      }
      rows.push({
        group: "servers",
        workload: `${workload} (Deno client)`,
        unit: "K commands/s",
        ours: rate("ours") / 1000,
        builtin: { name: "Deno.listen (same program)", value: rate("deno") / 1000 },
        ...(bun !== null ? { bun: { name: "Bun.listen", value: rate("bun") / 1000 } } : {}),
        ratios: {
          builtin: ratio("ours", "deno"),
          ...(bun !== null ? { bun: ratio("ours", "bun") } : {}),
        },
        goals: [{ vs: "builtin", ratio: goal }],
        note: `examples/kv_server.ts and the same file with --deno (bench/kv_client.ts); server ` +
          `CPU ${us(cpu("ours"))} / ${us(cpu("deno"))} µs per command; ` +
          roundsNote(ECHO_SECONDS) + noBun,
      });
    }
  });
}

// HTTP hello: serve(), the hand-written AsyncRing example, Deno.serve, Bun.serve.
if (wrk !== null) {
  type Side = "serve" | "http" | "deno" | "bun";
  const starts: Partial<Record<Side, () => Promise<Server>>> = {
    serve: () => startServer("serve()", "examples/serve_hello.ts", true),
    http: () => startServer("AsyncRing HTTP", "examples/http_server.ts", true),
    deno: () => startServer("Deno.serve", "bench/deno_http_server.ts", true),
  };
  if (bun !== null) starts.bun = () => startBun(bun, "Bun.serve", "bun_http_server.js");
  let httpRate = 0, httpCpu = 0;
  await withServers(starts as Record<Side, () => Promise<Server>>, async (servers) => {
    const { rate, cpu, ratio, cpuRatio } = summary(await rounds(servers, (s) => wrkRun(wrk, s)));
    httpRate = rate("http");
    httpCpu = cpu("http");
    const wl = `HTTP hello, wrk -t1 -c64 -d${WRK_SECONDS}s`;
    const note = `${roundsNote(WRK_SECONDS)}; wrk shares the 2 cores with the server`;
    table.push([
      `${wl}, serve() (Deno.serve's shape)`,
      k(rate("serve")),
      `Deno.serve ${k(rate("deno"))}`,
      x(ratio("serve", "deno")),
      `>= 1.0x: ${verdict(ratio("serve", "deno") >= 1)}`,
      `${us(cpu("serve"))} / ${us(cpu("deno"))}`,
    ]);
    if (bun !== null) {
      table.push([
        `${wl}, serve() vs Bun.serve`,
        k(rate("serve")),
        `Bun.serve ${k(rate("bun"))}`,
        x(ratio("serve", "bun")),
        "report",
        `${us(cpu("serve"))} / ${us(cpu("bun"))}`,
      ]);
    }
    table.push([
      `${wl}, AsyncRing HTTP example`,
      k(rate("http")),
      `Deno.serve ${k(rate("deno"))}`,
      x(ratio("http", "deno")),
      `>= 1.0x: ${verdict(ratio("http", "deno") >= 1)}; CPU ${x(cpuRatio("http", "deno"))} ` +
      `<= 0.75x: ${verdict(cpuRatio("http", "deno") <= 0.75)}`,
      `${us(cpu("http"))} / ${us(cpu("deno"))}`,
    ]);
    rows.push({
      group: "servers",
      workload: `${wl}, serve() (Deno.serve's shape)`,
      unit: "K req/s",
      ours: rate("serve") / 1000,
      builtin: { name: "Deno.serve", value: rate("deno") / 1000 },
      ...(bun !== null ? { bun: { name: "Bun.serve", value: rate("bun") / 1000 } } : {}),
      ratios: {
        builtin: ratio("serve", "deno"),
        ...(bun !== null ? { bun: ratio("serve", "bun") } : {}),
      },
      goals: [{ vs: "builtin", ratio: 1.0 }],
      note: `examples/serve_hello.ts; server CPU ${us(cpu("serve"))} µs/req vs ` +
        `${us(cpu("deno"))} (Deno.serve)${
          bun !== null ? ` and ${us(cpu("bun"))} (Bun.serve)` : ""
        }` +
        `; ${note}${noBun}`,
    }, {
      group: "servers",
      workload: `${wl}, AsyncRing HTTP example`,
      unit: "K req/s",
      ours: rate("http") / 1000,
      builtin: { name: "Deno.serve", value: rate("deno") / 1000 },
      ratios: { builtin: ratio("http", "deno") },
      goals: [{ vs: "builtin", ratio: 1.0 }],
      note: `examples/http_server.ts; ${note}`,
    }, {
      group: "servers",
      workload: `${wl}, AsyncRing HTTP example, server CPU per request`,
      unit: "µs CPU/req",
      ours: cpu("http"),
      builtin: { name: "Deno.serve", value: cpu("deno") },
      ratios: { builtin: cpuRatio("http", "deno") },
      goals: [{ vs: "builtin", ratio: 0.75 }],
      higherIsBetter: false,
      note,
    });
  });
  // --workers 2 shares the 2 cores with wrk: one run, beside the 1-worker median above
  const two = await startServer(
    "AsyncRing HTTP, 2 workers",
    "examples/http_server.ts",
    false,
    "--workers",
    "2",
  );
  let twoM: Measure;
  try {
    twoM = await wrkRun(wrk, two);
  } finally {
    await two.stop();
  }
  table.push([
    "HTTP hello, AsyncRing HTTP example, --workers 2",
    k(twoM.rate),
    `1 worker ${k(httpRate)}`,
    x(twoM.rate / httpRate),
    "report",
    `${us(twoM.cpuUs)} / ${us(httpCpu)} (1 worker)`,
  ]);
  rows.push({
    group: "servers",
    workload: `HTTP hello, wrk -t1 -c64 -d${WRK_SECONDS}s, --workers 2 (vs 1 worker)`,
    unit: "K req/s",
    ours: twoM.rate / 1000,
    builtin: { name: "AsyncRing HTTP, 1 worker", value: httpRate / 1000 },
    note: `one run, after the others; CPU ${us(twoM.cpuUs)} µs/req vs ${us(httpCpu)} with 1 ` +
      "worker; wrk shares the 2 cores with the server",
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
  `(${((performance.now() - t0) / 1000).toFixed(0)} s; median of ${ROUNDS} interleaved ` +
    `round${ROUNDS > 1 ? "s" : ""}; ${
      pinned ? "servers on CPU 1, clients on CPU 0" : "not pinned"
    })`,
);
emitRows(rows);
