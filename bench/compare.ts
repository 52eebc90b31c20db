/**
 * `deno task bench:compare [--quick]`: runs every comparison bench of the project one after the
 * other, gathers their result rows and writes `bench/RESULTS.md` and `bench/results.svg`
 * (`bench/_report.ts`).
 *
 * Each bench runs as a subprocess with BENCH_RESULTS naming a file of its own, into which it
 * appends its rows (`emitRows()` of `bench/_results.ts`) when it ends. A bench whose script (or
 * task) is not in the checkout is skipped with a line saying so; one that fails, times out or
 * emits no rows is listed under the table (with the rows it did emit), and the runner exits with
 * status 1 after writing the report. Each bench has a time limit, well above what it takes on the
 * shared 2-core machine (`expected`: the whole run takes about 9-10 minutes, the limits add up to
 * 15); it runs in a process group of its own (`setsid`), so that what it started goes too when it
 * is killed.
 *
 * `--quick` (or BENCH_QUICK=1) asks the benches for few rounds (`benchQuick()`): a smoke run of
 * the whole path in about 2 minutes, labelled as such in both files.
 *
 * Scripts run with the vendored std (`--vendor --node-modules-dir=none --no-lock`) when
 * `vendor/jsr.io` is there, as the tests do where JSR is not reachable.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { renderMarkdown, renderSvg, type RunInfo } from "./_report.ts";
import type { ResultRow } from "./_results.ts";

/** One bench the runner knows: what it compares and how it is started. */
interface Bench {
  /** What it compares, for the progress lines. */
  what: string;
  /** The script, run with `deno run`, or the deno.json task, run with `deno task`. */
  script?: string;
  task?: string;
  /** Time limit in seconds; the process group is killed when it is reached. */
  limit: number;
  /** About how long a full run takes here, in seconds (for the estimate printed at the start). */
  expected: number;
}

const BENCHES: Bench[] = [
  { what: "Ring NOPs vs C liburing", script: "bench/nop_bench.ts", limit: 30, expected: 5 },
  {
    what: "Ring 4 KiB reads vs C liburing and Deno.FsFile",
    script: "bench/read_bench.ts",
    limit: 30,
    expected: 10,
  },
  {
    what: "AsyncRing reads and NOPs vs C liburing, node:fs/promises and Deno.FsFile",
    script: "bench/async_bench.ts",
    limit: 40,
    expected: 12,
  },
  {
    what: "file functions vs Deno.readFile/readFileSync/writeFile/stat and node:fs/promises",
    script: "bench/files_bench.ts",
    limit: 90,
    expected: 30,
  },
  {
    what: "mkdir/rename/remove/makeTempFile/copyFile x1000 vs Deno's, Promise.all",
    script: "bench/fs_bench.ts",
    limit: 90,
    expected: 55,
  },
  {
    what: "FsFile read and readable vs Deno.FsFile",
    script: "bench/fs_file_bench.ts",
    limit: 30,
    expected: 10,
  },
  {
    what: "copy() vs @std/fs copy(), visitFiles() vs C liburing and Bun's readFileSync loop",
    script: "bench/fs_batch_bench.ts",
    limit: 60,
    expected: 25,
  },
  {
    what: "start-up: import, and import + first readFile, over an empty script",
    script: "bench/startup.ts",
    limit: 30,
    expected: 8,
  },
  {
    what: "servers vs Deno.listen/Deno.serve and Bun.listen/Bun.serve, same clients",
    task: "bench:servers",
    limit: 420,
    expected: 335,
  },
  {
    what: "serveDir vs Deno.serve + @std/http serveDir, wrk",
    task: "bench:servedir",
    limit: 100,
    expected: 65,
  },
];

/** The permissions of `deno task bench`, which runs the same scripts. */
const PERMISSIONS = [
  "--allow-ffi",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

const root = new URL("../", import.meta.url);
const fromRoot = (path: string) => new URL(path, root).pathname;

const { values: flags } = parseArgs({ args: Deno.args, options: { quick: { type: "boolean" } } });
const quick = flags.quick === true || Deno.env.get("BENCH_QUICK") === "1";
const vendored = (() => {
  try {
    return Deno.statSync(fromRoot("vendor/jsr.io")).isDirectory;
  } catch {
    return false;
  }
})();
const VENDOR = vendored ? ["--vendor", "--node-modules-dir=none", "--no-lock"] : [];

function exists(path: string): boolean {
  try {
    return Deno.statSync(fromRoot(path)).isFile;
  } catch {
    return false;
  }
}

function hasTask(task: string): boolean {
  const config = JSON.parse(Deno.readTextFileSync(fromRoot("deno.json")));
  return typeof config.tasks?.[task] === "string";
}

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/** Rows of one JSON-lines file; lines that are not result rows are reported and dropped. */
function readRows(path: string, name: string): ResultRow[] {
  let text = "";
  try {
    text = Deno.readTextFileSync(path);
  } catch { /* no rows */ }
  const rows: ResultRow[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const row = JSON.parse(line);
      if (
        typeof row.group === "string" && typeof row.workload === "string" &&
        typeof row.unit === "string" && Number.isFinite(row.ours)
      ) {
        rows.push(row);
        continue;
      }
    } catch { /* reported below */ }
    console.error(`  ${name}: dropped a line that is not a result row: ${line.slice(0, 120)}`);
  }
  return rows;
}

const encoder = new TextEncoder();
const tty = Deno.stdout.isTerminal();
const t0 = performance.now();

/**
 * Runs `bench` in a process group of its own (so that servers and clients it starts go when it
 * is killed), with one progress line: rewritten every second on a terminal, else printed when
 * it starts and when it ends. Returns the rows it emitted, and what went wrong if anything did.
 * Ctrl-C kills the bench's process group too, which is not in the terminal's foreground group.
 */
async function run(bench: Bench, n: number): Promise<{ rows: ResultRow[]; failure?: string }> {
  const name = bench.script ?? `deno task ${bench.task}`;
  const head = `[${n}/${BENCHES.length}] ${bench.what} (${name})`;
  const results = await Deno.makeTempFile({ prefix: "bench_results_", suffix: ".jsonl" });
  const args = bench.script
    ? ["run", ...VENDOR, ...PERMISSIONS, bench.script]
    : ["task", bench.task!];
  const child = new Deno.Command("setsid", {
    args: ["-w", Deno.execPath(), ...args],
    cwd: fromRoot("."),
    env: { BENCH_RESULTS: results, ...(quick ? { BENCH_QUICK: "1" } : {}) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const started = performance.now();
  const line = (state: string) =>
    `${head}: ${state}, ${((performance.now() - started) / 1000).toFixed(1)} s ` +
    `(total ${clock(performance.now() - t0)})`;
  const show = (state: string, final = false) => {
    if (tty) Deno.stdout.writeSync(encoder.encode(`\r\x1b[K${line(state)}${final ? "\n" : ""}`));
    else if (final) console.log(line(state));
  };
  if (tty) show("running");
  else console.log(`${head}: started (total ${clock(started - t0)})`);
  const ticker = setInterval(() => show("running"), 1000);
  const kill = () => {
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch { /* already gone */ }
  };
  const interrupted = () => {
    kill();
    console.log(`\n${head}: interrupted`);
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", interrupted);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, bench.limit * 1000);
  const [status, out, err] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  clearTimeout(timer);
  clearInterval(ticker);
  Deno.removeSignalListener("SIGINT", interrupted);
  const rows = readRows(results, name);
  await Deno.remove(results);
  let failure = "";
  if (timedOut) failure = `killed after its limit of ${bench.limit} s`;
  else if (!status.success) failure = `failed with exit code ${status.code}`;
  else if (rows.length === 0) failure = "gave no rows (does it call emitRows()?)";
  const count = `${rows.length} row${rows.length === 1 ? "" : "s"}`;
  show(failure ? `${failure} (${count} kept)` : `done, ${count}`, true);
  if (!failure) return { rows };
  const tail = (out + err).trimEnd().split("\n").slice(-15).map((l) => `    ${l}`).join("\n");
  if (tail.trim()) console.log(tail);
  return { rows, failure: `${name} ${failure}` };
}

/** liburing's version: the Debian package, else the header's version macros. */
async function liburingVersion(): Promise<string> {
  try {
    const { success, stdout } = await new Deno.Command("dpkg-query", {
      args: ["-W", "-f", "${Version}", "liburing-dev"],
      stderr: "null",
    }).output();
    const v = new TextDecoder().decode(stdout).trim();
    if (success && v) return `${v} (Debian liburing-dev)`;
  } catch { /* not Debian */ }
  try {
    const h = Deno.readTextFileSync("/usr/include/liburing/io_uring_version.h");
    const major = h.match(/IO_URING_VERSION_MAJOR\s+(\d+)/)?.[1];
    const minor = h.match(/IO_URING_VERSION_MINOR\s+(\d+)/)?.[1];
    if (major && minor) return `${major}.${minor} (io_uring_version.h)`;
  } catch { /* no header */ }
  return "unknown";
}

/** The CPU model, from /proc/cpuinfo (through grep: Deno reads /proc only with --allow-all). */
async function cpuModel(): Promise<string> {
  try {
    const { stdout } = await new Deno.Command("grep", {
      args: ["-m1", "^model name", "/proc/cpuinfo"],
      stderr: "null",
    }).output();
    const line = new TextDecoder().decode(stdout);
    return line.slice(line.indexOf(":") + 1).trim() || "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

const expected = BENCHES.reduce((t, b) => t + b.expected, 0) * 1000;
console.log(
  `bench:compare${quick ? " --quick (few rounds: a smoke run, rough figures)" : ""}: ` +
    `${BENCHES.length} benches, one after the other` +
    (quick ? "" : `; about ${clock(expected)} here (min:s)`),
);
const rows: ResultRow[] = [];
const skipped: string[] = [];
let failed = false;
for (const [i, bench] of BENCHES.entries()) {
  const missing = bench.script
    ? !exists(bench.script) && `${bench.script} is not in this checkout`
    : !hasTask(bench.task!) && `deno.json has no task ${bench.task}`;
  if (missing) {
    console.log(`[${i + 1}/${BENCHES.length}] ${bench.what}: skipped, ${missing}`);
    skipped.push(`${bench.what}: skipped, ${missing}`);
    continue;
  }
  const got = await run(bench, i + 1);
  rows.push(...got.rows);
  if (got.failure) {
    failed = true;
    skipped.push(`${bench.what}: ${got.failure}`);
  }
}

const info: RunInfo = {
  date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
  cpu: await cpuModel(),
  cores: navigator.hardwareConcurrency,
  kernel: Deno.osRelease(),
  deno: Deno.version.deno,
  liburing: await liburingVersion(),
  command: `deno task bench:compare${quick ? " --quick" : ""}`,
  quick,
  skipped,
};
const md = fromRoot("bench/RESULTS.md"), svg = fromRoot("bench/results.svg");
Deno.writeTextFileSync(md, renderMarkdown(rows, info));
// aligned as `deno fmt` wants it, so that `deno task check` passes on a fresh report
await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", md] }).output();
Deno.writeTextFileSync(svg, await renderSvg(rows, { quick }));
console.log(
  `wrote bench/RESULTS.md and bench/results.svg: ${rows.length} rows, ` +
    `${clock(performance.now() - t0)} in all`,
);
if (failed) Deno.exit(1);
