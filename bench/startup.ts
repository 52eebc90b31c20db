/**
 * Start-up cost of the module: wall time of `deno run` for an empty script, for one that imports
 * `mod.ts`, and for one that imports it and reads one file with its `readFile` (which opens the
 * module's default ring), each run as a child process, interleaved, median of `--runs` (15 by
 * default, 4 with `--quick` or BENCH_QUICK=1). Prints the medians and the two differences against
 * the empty script, and hands the differences to `emitRows()` with their goals (at most 5 ms for
 * the import, 10 ms for the import and the first readFile).
 *
 *     deno run --allow-all bench/startup.ts [--runs 15] [--quick]
 *
 * @module
 */
import { benchQuick, emitRows } from "./_results.ts";

const runs = (() => {
  const i = Deno.args.indexOf("--runs");
  if (i >= 0) return Number(Deno.args[i + 1]);
  return benchQuick() || Deno.args.includes("--quick") ? 4 : 15;
})();
const mod = new URL("../mod.ts", import.meta.url).href;
const dir = await Deno.makeTempDir({ prefix: "uring_startup_" });
const data = `${dir}/data.txt`;
await Deno.writeTextFile(data, "hello\n");

const scripts: Record<string, string> = {
  empty: `\n`,
  import: `import * as m from "${mod}";\nif (typeof m.readFile !== "function") throw 0;\n`,
  "import + readFile": `import { readFile } from "${mod}";\n` +
    `if ((await readFile(${JSON.stringify(data)})).length !== 6) throw 0;\n`,
};
const files: Record<string, string> = {};
for (const [name, text] of Object.entries(scripts)) {
  files[name] = `${dir}/${name.replace(/\W+/g, "_")}.ts`;
  await Deno.writeTextFile(files[name], text);
}

async function once(file: string): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--no-lock", "--node-modules-dir=none", "--vendor", file],
    stdout: "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return ms;
}

// one run of each first: caches (type check, module cache) are warm for the measured ones
for (const f of Object.values(files)) await once(f);
const times: Record<string, number[]> = {};
for (let r = 0; r < runs; r++) {
  for (const [name, f] of Object.entries(files)) (times[name] ??= []).push(await once(f));
}
await Deno.remove(dir, { recursive: true });

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(times.empty);
for (const [name, t] of Object.entries(times)) {
  const m = median(t);
  const extra = name === "empty" ? "" : `  (+${(m - base).toFixed(1)} ms over empty)`;
  console.log(`${name.padEnd(20)} ${m.toFixed(1).padStart(7)} ms${extra}`);
}

const medians = Object.fromEntries(Object.entries(times).map(([name, t]) => [name, median(t)]));
const note = `wall time of \`deno run\` minus that of an empty script ` +
  `(${medians.empty.toFixed(1)} ms); medians of ${runs} interleaved runs`;
emitRows([{
  group: "startup",
  workload: "import mod.ts, over an empty script",
  unit: "ms",
  ours: medians.import - medians.empty,
  higherIsBetter: false,
  goals: [{ vs: "limit", ratio: 5 }],
  note,
}, {
  group: "startup",
  workload: "import mod.ts + a first readFile, over an empty script",
  unit: "ms",
  ours: medians["import + readFile"] - medians.empty,
  higherIsBetter: false,
  goals: [{ vs: "limit", ratio: 10 }],
  note,
}]);
