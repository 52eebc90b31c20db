// `deno task bench:servedir`: static files, `wrk -t1 -c32`, 1 KiB and 64 KiB files:
// - `Deno.serve` + @std/http's `serveDir` (the built-in a user would pick),
// - `Deno.serve` + this module's `serveDir` (its bodies are streams read through io_uring),
// - this module's `serve()` + its `serveDir` (bodies spliced file -> socket), when mod.ts exports
//   `serve`; the goals (>= 2x / 1.3x the built-in) are for this row.
//
// Every server runs for the whole bench (bench/serve_dir_server.ts); the sides take turns, ROUNDS
// rounds of SECONDS each, and a ratio is the median of the per-round ratios. Server CPU is
// utime + stime of the server process over a wrk run, per request. `--quick` (or BENCH_QUICK=1):
// one round of 1 s, a smoke run. Loopback only.
import { benchQuick, emitRows, type ResultRow } from "./_results.ts";
import * as mod from "../mod.ts";

const HOST = "127.0.0.1";
const quick = benchQuick() || Deno.args.includes("--quick");
const ROUNDS = quick ? 1 : 3;
const SECONDS = quick ? 1 : 3;
const root = new URL("../", import.meta.url).pathname;
const clockTicks = 100; // CLK_TCK on Linux
const FILES = [{ name: "1k.bin", size: 1024, goal: 2.0 }, {
  name: "64k.bin",
  size: 64 * 1024,
  goal: 1.3,
}];

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { ok: r.success, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
  } catch (e) {
    return { ok: false, out: String(e) };
  }
}

interface Server {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Deno's flags for a run from a vendored std (no JSR here), as the tests use them. */
function vendorFlags(): string[] {
  try {
    Deno.statSync(`${root}vendor/jsr.io`);
    return ["--vendor", "--node-modules-dir=none", "--no-lock"];
  } catch {
    return [];
  }
}

async function startServer(name: string, impl: string, dir: string): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...vendorFlags(),
      `--config=${root}deno.json`,
      "--allow-ffi",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      `${root}bench/serve_dir_server.ts`,
      "--impl",
      impl,
      "--root",
      dir,
      "--port",
      "0",
    ],
    cwd: root,
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

function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / clockTicks;
}

interface Measure {
  rate: number;
  cpuUs: number;
}

async function wrkRun(s: Server, file: string): Promise<Measure> {
  const c0 = cpuSeconds(s.pid);
  const r = await run("wrk", ["-t1", "-c32", `-d${SECONDS}s`, `http://${HOST}:${s.port}/${file}`]);
  const cpu = cpuSeconds(s.pid) - c0;
  const rate = r.out.match(/Requests\/sec:\s+([\d.]+)/);
  const total = r.out.match(/(\d+) requests in/);
  if (!r.ok || !rate || !total || r.out.includes("Non-2xx") || r.out.includes("Socket errors")) {
    throw new Error(`wrk against ${s.name} failed: ${r.out}`);
  }
  return { rate: Number(rate[1]), cpuUs: (cpu * 1e6) / Number(total[1]) };
}

const median = (xs: number[]) => {
  const q = [...xs].sort((a, b) => a - b), k = q.length >> 1;
  return q.length & 1 ? q[k] : (q[k - 1] + q[k]) / 2;
};

if (!(await run("wrk", ["--version"])).out.includes("wrk")) {
  console.log("wrk is missing (apt-get install wrk); no serveDir rows");
  Deno.exit(0);
}

const dir = await Deno.makeTempDir({ prefix: "serve_dir_bench_" });
for (const f of FILES) {
  await Deno.writeFile(`${dir}/${f.name}`, crypto.getRandomValues(new Uint8Array(f.size)));
}
const hasServe = typeof (mod as Record<string, unknown>).serve === "function";
const sides = {
  std: "Deno.serve + @std/http serveDir",
  ours: "Deno.serve + serveDir",
  ...(hasServe ? { serve: "serve() + serveDir" } : {}),
} as Record<string, string>;
const servers: Record<string, Server> = {};
const table: string[][] = [];
const rows: ResultRow[] = [];
const k = (n: number) => `${(n / 1000).toFixed(1)} K`;
const x = (n: number) => `${n.toFixed(2)}x`;
try {
  for (const [side, name] of Object.entries(sides)) {
    servers[side] = await startServer(name, side, dir);
  }
  const names = Object.keys(sides);
  for (const f of FILES) {
    const got: Record<string, Measure[]> = Object.fromEntries(names.map((s) => [s, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < names.length; i++) {
        const side = names[(r + i) % names.length];
        got[side].push(await wrkRun(servers[side], f.name));
      }
    }
    const rate = (s: string) => median(got[s].map((m) => m.rate));
    const cpu = (s: string) => median(got[s].map((m) => m.cpuUs));
    const ratio = (s: string) => median(got[s].map((m, i) => m.rate / got.std[i].rate));
    const workload = `serveDir, ${f.size / 1024} KiB file, wrk -t1 -c32`;
    for (const side of names.filter((s) => s !== "std")) {
      const final = side === "serve";
      table.push([
        `${workload}, ${sides[side]}`,
        k(rate(side)),
        k(rate("std")),
        x(ratio(side)),
        final ? `>= ${f.goal}x: ${ratio(side) >= f.goal ? "met" : "MISSED"}` : "interim",
        `${cpu(side).toFixed(1)} / ${cpu("std").toFixed(1)}`,
      ]);
      rows.push({
        group: "servers",
        workload: `${workload}, ${sides[side]}`,
        unit: "K req/s",
        ours: rate(side) / 1000,
        builtin: { name: sides.std, value: rate("std") / 1000 },
        ratios: { builtin: ratio(side) },
        ...(final ? { goals: [{ vs: "builtin" as const, ratio: f.goal }] } : {}),
        note: `median of ${ROUNDS} interleaved rounds of ${SECONDS} s; server CPU ${
          cpu(side).toFixed(1)
        } / ${cpu("std").toFixed(1)} µs/req${
          final ? "" : "; interim: bodies are streams under Deno.serve, not spliced"
        }`,
      });
    }
  }
} finally {
  for (const s of Object.values(servers)) await s.stop();
  await Deno.remove(dir, { recursive: true });
}

const head = ["workload", "ours /s", sides.std, "ratio", "goal", "CPU µs/req ours / std"];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(line(head));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const r of table) console.log(line(r));
if (!hasServe) console.log("(mod.ts exports no serve() yet: no spliced row)");
emitRows(rows);
