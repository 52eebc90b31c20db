// One result row per workload, shared by every bench and by the comparison report
// (`deno task bench:compare`). A bench prints its own table as before and also calls
// `emitRows()`; when the report runs it, BENCH_RESULTS names a file and the rows are appended
// there as JSON lines.

/**
 * A goal of one row: `ours / builtin` (or `ours / c`, `ours / bun`) must reach `ratio`; with
 * `vs: "limit"`, the row's own figure must reach `ratio`, a figure in the row's unit (a start-up
 * of at most 5 ms).
 */
export interface Goal {
  /** What the figure is divided by; "limit": nothing, `ratio` is a bound on the figure itself. */
  vs: "builtin" | "c" | "bun" | "limit";
  /**
   * The ratio to reach (or, for "limit", the figure): at least this when higher is better, at
   * most this otherwise.
   */
  ratio: number;
}

/** One workload's figures, all from the same run. */
export interface ResultRow {
  /** Section of the report: "ring", "async", "files", "servers". */
  group: string;
  /** What was measured, as a reader would say it: "readFiles, 10 000 cached 4 KiB files". */
  workload: string;
  /** Unit of the figures: "K files/s", "M ops/s", "req/s", "µs CPU/req". */
  unit: string;
  /** This module's figure. */
  ours: number;
  /** The Deno built-in a user would pick instead, and its figure. */
  builtin?: { name: string; value: number };
  /** C liburing doing the same work in the same run. */
  c?: number;
  /** Bun doing the same work in the same run, where Bun is the faster peer, and its figure. */
  bun?: { name: string; value: number };
  /**
   * The ratios `ours / builtin`, `ours / c` and `ours / bun` as the bench measured them (the
   * median of per-round quotients of interleaved rounds, `Rounds.ratio`). The report prints
   * these when given, else it divides the figures.
   */
  ratios?: { builtin?: number; c?: number; bun?: number };
  /** The goals for this row. */
  goals?: Goal[];
  /** False for figures where lower is better (CPU per request). Default true. */
  higherIsBetter?: boolean;
  /** Anything a reader needs to read the row right. */
  note?: string;
}

/** Appends `rows` to the file named by BENCH_RESULTS, if set (the report runner sets it). */
export function emitRows(rows: ResultRow[]): void {
  const path = Deno.env.get("BENCH_RESULTS");
  if (!path) return;
  const text = rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
  Deno.writeTextFileSync(path, text, { append: true });
}

/**
 * True when the runner asks for a quick smoke run (`deno task bench:compare --quick` sets
 * BENCH_QUICK=1): benches then run few rounds, so the whole report takes under a minute.
 */
export function benchQuick(): boolean {
  return Deno.env.get("BENCH_QUICK") === "1";
}

/**
 * The `bun` binary for the Bun rows: `$BUN`, else `/tmp/node_modules/.bin/bun` (what
 * `npm install bun` in /tmp gives), else `bun` on the PATH; null when none runs. Benches then
 * print "bun: not found" and leave the Bun figure out (the row's Bun goal shows as not measured).
 */
export async function findBun(): Promise<string | null> {
  for (const bun of [Deno.env.get("BUN"), "/tmp/node_modules/.bin/bun", "bun"]) {
    if (!bun) continue;
    try {
      const out = await new Deno.Command(bun, {
        args: ["--version"],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (out.success) return bun;
    } catch { /* not there */ }
  }
  return null;
}

/** The note of a row whose Bun figure is missing because no `bun` was found. */
export const BUN_NOT_FOUND = "bun: not found (npm install bun in /tmp, or set BUN)";
