/**
 * The comparison report of `deno task bench:compare`, as pure functions of the result rows
 * (`bench/_results.ts`): {@link renderMarkdown} makes `bench/RESULTS.md`, {@link renderSvg}
 * makes `bench/results.svg`. `bench/compare.ts` runs the benches and writes the two files;
 * `tests/project/bench_report_test.ts` renders a fixed set of rows and checks both.
 *
 * The chart is drawn with Vega-Lite and rendered by Vega's headless `View.toSVG()` (no browser,
 * no node-canvas; text widths come from {@link textWidth}). A hand-written SVG would not be
 * clearly smaller: a log-scale axis with its ticks, a legend, label layout and the goal marks are
 * 150-200 lines of our own geometry to maintain and test, where the Vega-Lite spec below states
 * what is drawn and leaves the geometry to a maintained library. The cost is some 80 npm packages
 * in deno.lock (vega, vega-lite and the d3 modules under them; @xmldom/xmldom for the test),
 * fetched once and loaded by the report and its test only, never by `mod.ts`.
 *
 * @module
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Goal, ResultRow } from "./_results.ts";

/** Where and on what a run was made: the header of `bench/RESULTS.md`. */
export interface RunInfo {
  /** When the run ended: "2026-11-29 18:00 UTC". */
  date: string;
  /** CPU model, from /proc/cpuinfo. */
  cpu: string;
  /** Logical CPUs. */
  cores: number;
  /** `uname -r`. */
  kernel: string;
  /** Deno's version. */
  deno: string;
  /** liburing's version (linked statically into the shim and the C baselines). */
  liburing: string;
  /** The command that made the report. */
  command: string;
  /** True for a `--quick` smoke run: few rounds, rough figures. */
  quick: boolean;
  /** Benches that did not run or gave no rows, with why: "files: bench/files_bench.ts missing". */
  skipped: string[];
}

/** One bar of the chart: a row's figure divided by one of the figures it is compared with. */
export interface Comparison {
  /** The row it comes from. */
  row: ResultRow;
  /** What the row's figure is divided by. */
  vs: Goal["vs"];
  /** `ours / builtin`, `ours / c`, `ours / bun`, or for "limit" `ours / bound`. */
  ratio: number;
  /** The row's goal for this ratio, if it has one. */
  goal?: Goal;
  /** Whether the goal is reached; undefined without a goal. */
  met?: boolean;
}

/**
 * The label of a row on the chart: "ring: NOPs, 128 per submit".
 *
 * @param row A result row.
 * @returns Its group and workload, and "(lower is better)" where that holds.
 */
export function rowLabel(row: ResultRow): string {
  const lower = row.higherIsBetter === false ? " (lower is better)" : "";
  return `${row.group}: ${row.workload}${lower}`;
}

/**
 * The comparisons of `row`: against the built-in, then against C, then against Bun, each one
 * present only when the row has that figure, then one per "limit" goal (the row's figure over
 * the goal's bound). The ratio is the one the bench measured (`row.ratios`, the median of
 * per-round quotients) when given, else the quotient of the figures; a ratio that is not a
 * positive number (a figure of 0) is left out, and its goal shows as not measured.
 *
 * @param row A result row.
 * @returns Zero to four comparisons, each with its goal and whether it is met.
 */
export function comparisons(row: ResultRow): Comparison[] {
  const out: Comparison[] = [];
  const add = (vs: Goal["vs"], theirs: number | undefined, measured: number | undefined) => {
    if (theirs === undefined && measured === undefined) return;
    const ratio = measured ?? row.ours / theirs!;
    if (!(ratio > 0 && ratio < Infinity)) return; // a zero or missing figure: no ratio to draw
    const goal = row.goals?.find((g) => g.vs === vs);
    out.push({ row, vs, ratio, goal, met: reached(row, ratio, goal?.ratio) });
  };
  add("builtin", row.builtin?.value, row.ratios?.builtin);
  add("c", row.c, row.ratios?.c);
  add("bun", row.bun?.value, row.ratios?.bun);
  for (const goal of row.goals ?? []) {
    if (goal.vs !== "limit") continue;
    const ratio = row.ours / goal.ratio;
    if (!(ratio >= 0 && ratio < Infinity)) continue;
    out.push({ row, vs: "limit", ratio, goal, met: reached(row, ratio, 1) });
  }
  return out;
}

/** Whether `ratio` reaches `target` in the row's direction; undefined without a target. */
function reached(row: ResultRow, ratio: number, target: number | undefined): boolean | undefined {
  if (target === undefined) return undefined;
  return row.higherIsBetter === false ? ratio <= target : ratio >= target;
}

/**
 * A figure as the report prints it, without exponent: 0.325, 1.48, 22.3, 113, 1520.
 *
 * @param n The figure, in its row's unit.
 * @returns Three significant digits below 100, whole numbers above.
 */
export function formatFigure(n: number): string {
  const a = Math.abs(n);
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

/**
 * A ratio as the report prints it: "0.92x", "11.1x".
 *
 * @param r The ratio.
 * @returns Two decimals below 10, one above, and "x".
 */
export function formatRatio(r: number): string {
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

const VS_NAME: Record<Goal["vs"], string> = { builtin: "built-in", c: "C", bun: "Bun", limit: "" };

/**
 * A goal as the report prints it: "≥ 0.95x C", "≥ 20x built-in", "≤ 0.75x built-in", "≥ 1.5x
 * Bun", and for a bound on the figure itself "≤ 5 ms".
 *
 * @param goal The goal.
 * @param higherIsBetter False when the goal is a ceiling.
 * @param unit The row's unit, which a "limit" goal is printed in.
 * @returns The goal in words.
 */
export function formatGoal(goal: Goal, higherIsBetter = true, unit = ""): string {
  const sign = higherIsBetter ? "≥" : "≤";
  const n = +goal.ratio.toPrecision(3);
  if (goal.vs === "limit") return `${sign} ${n}${unit ? ` ${unit}` : ""}`;
  return `${sign} ${n}x ${VS_NAME[goal.vs]}`;
}

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

/**
 * `bench/RESULTS.md`: the run's date and machine, then one table row per result row (its
 * figures, its ratios to the built-in, C and Bun, its goals and whether each is met), then the
 * notes and what did not run.
 *
 * @param rows The result rows, in the order the benches emitted them.
 * @param info The run's date, machine and command.
 * @returns The markdown text, ending in a newline.
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { renderMarkdown } from "./_report.ts";
 *
 * const md = renderMarkdown(
 *   [{ group: "ring", workload: "NOPs", unit: "M ops/s", ours: 23, c: 24, goals: [{ vs: "c", ratio: 0.95 }] }],
 *   { date: "today", cpu: "x86", cores: 2, kernel: "6.1", deno: "2.9", liburing: "2.3", command: "x", quick: false, skipped: [] },
 * );
 * assertStringIncludes(md, "| ring | NOPs | 23.0 M ops/s |  | 24.0 M ops/s |  |  | 0.96x |  | ≥ 0.95x C | met |");
 * ```
 */
export function renderMarkdown(rows: ResultRow[], info: RunInfo): string {
  const out: string[] = [];
  out.push("# Benchmark results", "");
  if (info.quick) {
    out.push(
      "> **Quick smoke run** (`--quick`): few rounds per bench, so the figures are rough. Run",
      "> `deno task bench:compare` without `--quick` for the figures that count.",
      "",
    );
  }
  out.push(
    `Made by \`${info.command}\` on ${info.date}.`,
    "",
    `- Machine: ${info.cpu}, ${info.cores} cores`,
    `- Kernel: ${info.kernel}`,
    `- Deno: ${info.deno}`,
    `- liburing: ${info.liburing}`,
    "",
    "Each ratio is this module's figure divided by the other one, measured in the same run. Most",
    "are the median of per-round quotients of interleaved rounds, which a burst of load elsewhere",
    "moves less than the figures: on a busy machine a ratio can differ from the quotient of the",
    "two medians beside it. Where lower is better the goal is a ceiling. Bun is listed where it is",
    'the faster peer. A goal without "x" bounds the figure itself. Compare the ratios, not the',
    "absolute figures.",
    "",
    "![Ratios against the Deno built-ins, C liburing and Bun](results.svg)",
    "",
    "| group | workload | this module | the built-in | C liburing | Bun | ratio vs built-in | " +
      "ratio vs C | ratio vs Bun | goal | met/missed |",
    "| --- | --- | --: | --- | --: | --- | --: | --: | --: | --- | --- |",
  );
  const notes: string[] = [];
  for (const row of rows) {
    const unit = ` ${row.unit}`;
    const cmp = comparisons(row);
    const ratioVs = (vs: Goal["vs"]) => {
      const c = cmp.find((x) => x.vs === vs);
      return c ? formatRatio(c.ratio) : "";
    };
    // every goal of the row, also one whose figure the bench did not give
    const goals = (row.goals ?? []).map((goal) => {
      const met = cmp.find((c) => c.goal === goal)?.met;
      const status = met === undefined ? "**not measured**" : met ? "met" : "**missed**";
      return { text: formatGoal(goal, row.higherIsBetter !== false, row.unit), status };
    });
    let workload = row.workload;
    if (row.higherIsBetter === false) workload += " (lower is better)";
    if (row.note) {
      notes.push(row.note);
      workload += ` [${notes.length}]`;
    }
    out.push(
      "| " + [
        row.group,
        workload,
        formatFigure(row.ours) + unit,
        row.builtin ? `${row.builtin.name}: ${formatFigure(row.builtin.value)}${unit}` : "",
        row.c !== undefined ? formatFigure(row.c) + unit : "",
        row.bun ? `${row.bun.name}: ${formatFigure(row.bun.value)}${unit}` : "",
        ratioVs("builtin"),
        ratioVs("c"),
        ratioVs("bun"),
        goals.map((g) => g.text).join("; "),
        goals.map((g) => g.status).join("; "),
      ].map(cell).join(" | ") + " |",
    );
  }
  if (notes.length) {
    out.push("");
    notes.forEach((n, i) => out.push(`${i + 1}. ${n}`));
  }
  if (info.skipped.length) {
    out.push("", "Not in this run:", "");
    for (const s of info.skipped) out.push(`- ${s}`);
  }
  return out.join("\n") + "\n";
}

/** The data of one bar, goal mark or label of the chart. */
interface ChartDatum {
  /** The line of the chart: the row's index and label, "3|async: ...", unique per row. */
  line: string;
  label: string;
  vs: string;
  ratio: number;
  goal: number | null;
  /** "met", "missed" or "none". */
  status: string;
  text: string;
  barDescription: string;
  goalDescription: string;
}

const LEGEND = {
  builtin: "vs the Deno built-in",
  c: "vs C liburing",
  bun: "vs Bun",
  limit: "vs the goal's own bound",
} as const;

/** The chart's data: one datum per comparison, in row order. */
function chartData(rows: ResultRow[]): ChartDatum[] {
  return rows.flatMap((row, i) =>
    comparisons(row).map((c) => {
      const label = rowLabel(row);
      const theirs = c.vs === "c"
        ? "C liburing"
        : c.vs === "bun"
        ? row.bun!.name
        : c.vs === "limit"
        ? "the goal's bound"
        : row.builtin!.name;
      const mark = c.met === undefined ? "" : c.met ? " ✓" : " ✗";
      const goal = c.goal ? formatGoal(c.goal, row.higherIsBetter !== false, row.unit) : "";
      const limit = c.vs === "limit";
      // "≥ 1.3x" of "≥ 1.3x built-in"; a bound on the figure is printed whole, "≤ 5 ms"
      const shortGoal = limit ? goal : goal.slice(0, goal.lastIndexOf(" "));
      const shown = limit ? `${formatFigure(row.ours)} ${row.unit}` : formatRatio(c.ratio);
      const vsText = c.vs === "builtin" || c.vs === "bun" ? ` vs ${theirs}` : "";
      return {
        line: `${i}|${label}`,
        label,
        vs: LEGEND[c.vs],
        ratio: c.ratio,
        // a bound on the figure sits at 1.0x of itself
        goal: c.goal ? (limit ? 1 : c.goal.ratio) : null,
        status: c.met === undefined ? "none" : c.met ? "met" : "missed",
        text: `${shown}${vsText}${mark}` + (c.met === false ? ` (goal ${shortGoal})` : ""),
        barDescription: `bar: ${label}, ${formatRatio(c.ratio)} vs ${theirs}`,
        goalDescription: `goal: ${label}, ${goal}`,
      };
    })
  );
}

/** Tick values of the log axis: 1-2-5 steps. */
const TICKS = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** How the chart is drawn. */
export interface ChartOptions {
  /** A `--quick` smoke run: the title says the figures are rough. */
  quick?: boolean;
}

/**
 * The Vega-Lite spec of the chart: one line per workload, a bar per ratio (against the built-in,
 * C, Bun, or a goal's bound on the figure itself) drawn from parity (1.0x) on a log axis, a black tick at each goal, and the ratio
 * with ✓ (goal met) or ✗ (missed) at the end of each bar.
 *
 * @param rows The result rows; rows with no figure to compare with and no bound have no bar.
 * @param options Whether the run was a quick one.
 * @returns The spec, ready for `vega-lite`'s `compile()`.
 */
export function chartSpec(rows: ResultRow[], options: ChartOptions = {}): TopLevelSpec {
  const data = chartData(rows);
  const values = data.flatMap((d) => d.goal === null ? [d.ratio] : [d.ratio, d.goal]);
  const lo = Math.min(0.5, ...values.map((v) => v / 1.6));
  const hi = Math.max(2, ...values.map((v) => v * 2.5));
  const domain = [lo, hi];
  const ticks = TICKS.filter((t) => t >= lo && t <= hi);
  const lines = [...new Set(data.map((d) => d.line))];
  // the step is that of a sub-band (one per kind of comparison in the chart): a line is 48 px
  const kinds = new Set(data.map((d) => d.vs)).size;
  const y = {
    field: "line",
    type: "nominal",
    sort: lines,
    title: null,
    axis: {
      labelExpr: "slice(datum.value, indexof(datum.value, '|') + 1)",
      description: "Y-axis: the workloads",
      labelLimit: 560,
    },
  } as const;
  const yOffset = { field: "vs", type: "nominal", sort: Object.values(LEGEND) } as const;
  const x = {
    field: "ratio",
    type: "quantitative",
    scale: { type: "log", domain, nice: false, clamp: true },
    axis: { values: ticks, labelExpr: "datum.value + 'x'", grid: true },
    title: "this module / the other (log scale, bars start at parity 1.0x)",
  } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "deno-uring against the Deno built-ins, C liburing and Bun" +
        (options.quick ? " (QUICK SMOKE RUN: rough figures)" : ""),
      subtitle: [
        "Bars start at parity (1.0x); right of it this module is faster, or costs more where",
        "lower is better. Black ticks: the goals; ✓ goal met, ✗ goal missed.",
      ],
    },
    width: 520,
    height: { step: Math.max(12, Math.round(48 / kinds)) },
    background: "white",
    config: {
      font: "Helvetica, Arial, sans-serif",
      axisY: { labelFontSize: 11 },
      legend: { orient: "bottom", title: null, labelFontSize: 11, labelLimit: 300 },
    },
    data: { values: data as unknown as Record<string, unknown>[] },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          y,
          yOffset,
          x,
          x2: { datum: 1 },
          color: {
            field: "vs",
            type: "nominal",
            scale: {
              domain: Object.values(LEGEND),
              range: ["#4c78a8", "#f58518", "#54a24b", "#b279a2"],
            },
          },
          description: { field: "barDescription" },
        },
      },
      {
        transform: [{ filter: "datum.goal !== null" }],
        mark: { type: "tick", color: "black", thickness: 2.5, bandSize: 12 },
        encoding: {
          y,
          yOffset,
          x: { ...x, field: "goal" },
          description: { field: "goalDescription" },
        },
      },
      {
        data: { values: [{}] }, // one parity line, not one per datum
        mark: { type: "rule", color: "#222222", strokeWidth: 1.5 },
        encoding: { x: { datum: 1, type: "quantitative", scale: x.scale } },
      },
      {
        // right of the bar, its goal tick and parity: never over a tick or the y labels
        transform: [{ calculate: "max(datum.ratio, datum.goal || 1, 1)", as: "labelAt" }],
        mark: { type: "text", align: "left", dx: 5, fontSize: 11 },
        encoding: {
          y,
          yOffset,
          x: { ...x, field: "labelAt" },
          text: { field: "text" },
          color: {
            condition: [
              { test: "datum.status === 'met'", value: "#1a7f37" },
              { test: "datum.status === 'missed'", value: "#cf222e" },
            ],
            value: "#333333",
          },
        },
      },
    ],
  } as TopLevelSpec;
}

/**
 * The width in pixels of `text` at `size` px, from the width of each kind of character in DejaVu
 * Sans (the widest of the usual sans-serif fonts, so Helvetica or Arial fit in it too). Without a canvas Vega estimates 0.8 em per character, about 1.5x too wide: long
 * labels get cut and the chart gets wide margins. Vega lets a headless user set
 * `textMetrics.width` for this (vl-convert does); {@link renderSvg} sets it while it renders.
 *
 * @param text The text.
 * @param size Font size in px.
 * @param bold Whether the text is bold (about 8% wider).
 * @returns The estimated width, rounded up.
 */
export function textWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if (ch === " ") em += 0.32;
    else if (/[il.,:;'|!()[\]ftjr]/.test(ch)) em += 0.38;
    else if (/[mwMW@%]/.test(ch)) em += 0.95;
    else if (/[A-Z]/.test(ch)) em += 0.72;
    else em += 0.63;
  }
  return Math.ceil(em * size * (bold ? 1.08 : 1));
}

/** What `vega.textMetrics` holds (vega-typings does not declare it). */
interface TextMetrics {
  width: (item: { fontSize?: number; fontWeight?: string | number }, text: unknown) => number;
}

/**
 * `bench/results.svg`: the chart of {@link chartSpec}, rendered headless by Vega.
 *
 * @param rows The result rows.
 * @param options Whether the run was a quick one.
 * @returns The SVG document.
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { renderSvg } from "./_report.ts";
 *
 * const svg = await renderSvg([{ group: "ring", workload: "NOPs", unit: "M ops/s", ours: 23, c: 24 }]);
 * assertStringIncludes(svg, 'aria-label="bar: ring: NOPs, 0.96x vs C liburing"');
 * ```
 */
export async function renderSvg(rows: ResultRow[], options: ChartOptions = {}): Promise<string> {
  const metrics = (vega as unknown as { textMetrics: TextMetrics }).textMetrics;
  const vegaWidth = metrics.width;
  metrics.width = (item, text) =>
    textWidth(
      Array.isArray(text) ? text.join(" ") : String(text ?? ""),
      item.fontSize ?? 11,
      item.fontWeight === "bold" || Number(item.fontWeight) >= 600,
    );
  const view = new vega.View(vega.parse(compile(chartSpec(rows, options)).spec), {
    renderer: "none",
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
    metrics.width = vegaWidth;
  }
}
