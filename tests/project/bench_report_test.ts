// The comparison report (bench/_report.ts) rendered from a fixed set of rows: the SVG chart is
// parsed and its bars, goal ticks, parity line, labels and met/missed marks are checked against
// the figures; the markdown table is checked cell by cell.
import { assert, assertAlmostEquals, assertEquals, assertStringIncludes } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { DOMParser, type Element } from "@xmldom/xmldom";
import { comparisons, renderMarkdown, renderSvg, type RunInfo } from "../../bench/_report.ts";
import type { ResultRow } from "../../bench/_results.ts";

const ROWS: ResultRow[] = [
  {
    group: "ring",
    workload: "NOPs, 128 per submit",
    unit: "M ops/s",
    ours: 20,
    c: 21,
    ratios: { c: 0.97 }, // the paired ratio wins over 20 / 21
    goals: [{ vs: "c", ratio: 0.95 }],
  },
  {
    group: "ring",
    workload: "4 KiB reads, QD 64",
    unit: "M IOPS",
    ours: 1.4,
    builtin: { name: "Deno.FsFile", value: 1 },
    c: 1.75,
    goals: [{ vs: "c", ratio: 0.95 }],
    note: "page cache",
  },
  {
    group: "async",
    workload: "4 KiB reads, 64 in flight",
    unit: "M IOPS",
    ours: 1.2,
    builtin: { name: "node:fs/promises", value: 0.1 },
    c: 1.5,
    goals: [{ vs: "builtin", ratio: 20 }, { vs: "c", ratio: 0.85 }],
  },
  {
    group: "servers",
    workload: "HTTP CPU per request",
    unit: "µs CPU/req",
    ours: 5,
    builtin: { name: "Deno.serve", value: 8 },
    higherIsBetter: false,
    goals: [{ vs: "builtin", ratio: 0.75 }],
  },
  {
    group: "servers",
    workload: "echo 64 B, 8 connections",
    unit: "K req/s",
    ours: 300,
    builtin: { name: "Deno.listen", value: 200 },
    goals: [{ vs: "builtin", ratio: 1.3 }],
  },
  { group: "async", workload: "await io.nop()", unit: "µs", ours: 0.325, higherIsBetter: false },
  {
    group: "files",
    workload: "stat, 10 000 paths",
    unit: "K stats/s",
    ours: 1520,
    goals: [{ vs: "builtin", ratio: 1.5 }],
  },
  {
    group: "fs",
    workload: "visitFiles, 10 000 files",
    unit: "K files/s",
    ours: 300,
    builtin: { name: "Deno.readFileSync loop", value: 150 },
    bun: { name: "Bun readFileSync loop", value: 250 },
    ratios: { bun: 1.25 }, // measured, wins over 300 / 250
    goals: [{ vs: "bun", ratio: 1.5 }],
  },
  {
    group: "startup",
    workload: "import mod.ts",
    unit: "ms",
    ours: 4,
    higherIsBetter: false,
    goals: [{ vs: "limit", ratio: 5 }],
  },
  {
    group: "startup",
    workload: "import + readFile",
    unit: "ms",
    ours: 12.5,
    higherIsBetter: false,
    goals: [{ vs: "limit", ratio: 10 }],
  },
];

const INFO: RunInfo = {
  date: "2026-11-29 18:00 UTC",
  cpu: "Test CPU",
  cores: 2,
  kernel: "6.1.0-test",
  deno: "2.9.6",
  liburing: "2.3-3",
  command: "deno task bench:compare",
  quick: false,
  skipped: ["servers: skipped, deno.json has no task bench:servers"],
};

/** Bars and goal ticks, one entry per mark of the chart, from the mark's aria label. */
const LABELS = [
  "ring: NOPs, 128 per submit",
  "ring: 4 KiB reads, QD 64",
  "async: 4 KiB reads, 64 in flight",
  "servers: HTTP CPU per request (lower is better)",
  "servers: echo 64 B, 8 connections",
  "fs: visitFiles, 10 000 files",
  "startup: import mod.ts (lower is better)",
  "startup: import + readFile (lower is better)",
];

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The rectangle of a Vega rect path, "M x,y h w v h h -w Z". */
function box(path: Element): Box {
  const m = path.getAttribute("d")!.match(
    /^M(-?[\d.]+),(-?[\d.]+)h(-?[\d.]+)v(-?[\d.]+)h-?[\d.]+Z$/,
  );
  assert(m, `not a rectangle: ${path.getAttribute("d")}`);
  const [x, y, w, h] = m.slice(1).map(Number);
  return { x, y, w, h };
}

const svgText = await renderSvg(ROWS);
const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
const paths = Array.from(doc.getElementsByTagName("path"));
const role = (r: string) => paths.filter((p) => p.getAttribute("aria-roledescription") === r);
const texts = Array.from(doc.getElementsByTagName("text"));
const text = (t: Element) => t.textContent ?? "";
const xOf = (t: Element) => Number(t.getAttribute("transform")!.match(/translate\(([-\d.]+)/)![1]);

/** The x of `ratio` on the chart's log axis, from where its "1x" and "10x" labels sit. */
function xAt(ratio: number): number {
  const at = (label: string) => xOf(texts.find((t) => text(t) === label)!);
  const x1 = at("1x"), x10 = at("10x");
  return x1 + (x10 - x1) * Math.log10(ratio);
}

describe("bench report: chart", () => {
  it("renderSvg() draws one bar per ratio, from parity to the ratio", () => {
    const bars = role("bar");
    const expected = ROWS.flatMap(comparisons);
    assertEquals(bars.length, expected.length);
    assertEquals(expected.length, 11);
    for (const c of expected) {
      const theirs = c.vs === "c"
        ? "C liburing"
        : c.vs === "bun"
        ? c.row.bun!.name
        : c.vs === "limit"
        ? "the goal's bound"
        : c.row.builtin!.name;
      const label = LABELS.find((l) => l.startsWith(`${c.row.group}: ${c.row.workload}`))!;
      const bar = bars.find((b) =>
        b.getAttribute("aria-label")!.startsWith(`bar: ${label}, `) &&
        b.getAttribute("aria-label")!.endsWith(` vs ${theirs}`)
      );
      assert(bar, `no bar for ${label} vs ${theirs}`);
      const b = box(bar);
      assertAlmostEquals(Math.min(b.x, b.x + b.w), Math.min(xAt(1), xAt(c.ratio)), 1);
      assertAlmostEquals(Math.abs(b.w), Math.abs(xAt(c.ratio) - xAt(1)), 1);
    }
  });

  it("renderSvg() draws each goal as a tick at the goal's ratio, on its bar's line", () => {
    const ticks = role("tick");
    const goals = [
      ["ring: NOPs, 128 per submit", "≥ 0.95x C", 0.95, "C liburing"],
      ["ring: 4 KiB reads, QD 64", "≥ 0.95x C", 0.95, "C liburing"],
      ["async: 4 KiB reads, 64 in flight", "≥ 20x built-in", 20, "node:fs/promises"],
      ["async: 4 KiB reads, 64 in flight", "≥ 0.85x C", 0.85, "C liburing"],
      ["servers: HTTP CPU per request (lower is better)", "≤ 0.75x built-in", 0.75, "Deno.serve"],
      ["servers: echo 64 B, 8 connections", "≥ 1.3x built-in", 1.3, "Deno.listen"],
      ["fs: visitFiles, 10 000 files", "≥ 1.5x Bun", 1.5, "Bun readFileSync loop"],
      // a bound on the figure itself: the bar is the figure over the bound, the tick at 1.0x
      ["startup: import mod.ts (lower is better)", "≤ 5 ms", 1, "the goal's bound"],
      ["startup: import + readFile (lower is better)", "≤ 10 ms", 1, "the goal's bound"],
    ] as const;
    assertEquals(
      ticks.map((t) => t.getAttribute("aria-label")),
      goals.map(([l, g]) => `goal: ${l}, ${g}`),
    );
    for (const [i, [label, , ratio, theirs]] of goals.entries()) {
      const t = box(ticks[i]);
      assertAlmostEquals(t.x + t.w / 2, xAt(ratio), 1);
      const bar = role("bar").find((b) =>
        b.getAttribute("aria-label")!.startsWith(`bar: ${label}, `) &&
        b.getAttribute("aria-label")!.endsWith(` vs ${theirs}`)
      )!;
      assertEquals(t.y, box(bar).y, `the ${label} goal is not on its bar's line`);
    }
  });

  it("renderSvg() draws the parity line at 1.0x and labels the log axis", () => {
    const rule = Array.from(doc.getElementsByTagName("g"))
      .find((g) => g.getAttribute("class")?.includes("mark-rule role-mark"));
    assert(rule, "no parity rule");
    const line = rule.getElementsByTagName("line")[0];
    assertAlmostEquals(
      Number(line.getAttribute("transform")!.match(/translate\(([-\d.]+)/)![1]),
      xAt(1),
      1,
    );
    const axis = ["0.5x", "1x", "2x", "5x", "10x", "20x", "50x"];
    for (const a of axis) assert(texts.some((t) => text(t) === a), `no axis label ${a}`);
    const at = axis.map((a) => xOf(texts.find((t) => text(t) === a)!));
    for (let i = 1; i < at.length; i++) assert(at[i] > at[i - 1], "axis labels out of order");
  });

  it("renderSvg() labels every line, the legend and the title", () => {
    const yAxis = Array.from(doc.getElementsByTagName("g"))
      .find((g) => g.getAttribute("aria-label") === "Y-axis: the workloads");
    assert(yAxis, "no y axis");
    assertEquals(Array.from(yAxis.getElementsByTagName("text")).map(text), LABELS);
    for (
      const l of ["vs the Deno built-in", "vs C liburing", "vs Bun", "vs the goal's own bound"]
    ) {
      assert(texts.some((t) => text(t) === l), `no legend entry ${l}`);
    }
    assert(
      texts.some((t) => text(t) === "deno-uring against the Deno built-ins, C liburing and Bun"),
    );
    assert(!svgText.includes("QUICK"));
  });

  it("renderSvg() marks each ratio ✓ when its goal is met and ✗ with the goal when missed", () => {
    const marks = texts.filter((t) => t.getAttribute("aria-roledescription") === "text mark");
    assertEquals(marks.map(text), [
      "0.97x ✓",
      "1.40x vs Deno.FsFile",
      "0.80x ✗ (goal ≥ 0.95x)",
      "12.0x vs node:fs/promises ✗ (goal ≥ 20x)",
      "0.80x ✗ (goal ≥ 0.85x)",
      "0.63x vs Deno.serve ✓",
      "1.50x vs Deno.listen ✓",
      "2.00x vs Deno.readFileSync loop",
      "1.25x vs Bun readFileSync loop ✗ (goal ≥ 1.5x)",
      "4.00 ms ✓",
      "12.5 ms ✗ (goal ≤ 10 ms)",
    ]);
    const fill = (s: string) =>
      marks.filter((t) => text(t).includes(s)).map((t) => t.getAttribute("fill"));
    assertEquals(new Set(fill("✓")), new Set(["#1a7f37"]));
    assertEquals(new Set(fill("✗")), new Set(["#cf222e"]));
  });

  it("renderSvg() says so in the title of a quick run", async () => {
    assertStringIncludes(await renderSvg(ROWS, { quick: true }), "QUICK SMOKE RUN");
  });
});

describe("bench report: comparisons", () => {
  it("comparisons() prefers the measured ratio and leaves out ratios that are not positive", () => {
    assertEquals(comparisons(ROWS[0]).map((c) => [c.vs, c.ratio, c.met]), [["c", 0.97, true]]);
    const zero: ResultRow = {
      group: "files",
      workload: "stat",
      unit: "K stats/s",
      ours: 10,
      builtin: { name: "Deno.stat", value: 0 },
      c: 5,
      goals: [{ vs: "builtin", ratio: 1.5 }],
    };
    assertEquals(comparisons(zero).map((c) => [c.vs, c.ratio]), [["c", 2]]);
    assertStringIncludes(renderMarkdown([zero], INFO), "| ≥ 1.5x built-in | **not measured** |");
  });

  it("comparisons() gives a bound on the figure as the figure over the bound", () => {
    assertEquals(comparisons(ROWS[8]).map((c) => [c.vs, c.ratio, c.met]), [["limit", 0.8, true]]);
    assertEquals(comparisons(ROWS[9]).map((c) => [c.vs, c.ratio, c.met]), [
      ["limit", 1.25, false],
    ]);
  });

  it("comparisons() leaves a Bun goal not measured when the row has no Bun figure", () => {
    const noBun: ResultRow = { ...ROWS[7], bun: undefined, ratios: undefined };
    assertEquals(comparisons(noBun).map((c) => c.vs), ["builtin"]);
    assertStringIncludes(renderMarkdown([noBun], INFO), "| ≥ 1.5x Bun | **not measured** |");
  });
});

describe("bench report: markdown", () => {
  const md = renderMarkdown(ROWS, INFO);
  const lines = md.split("\n");
  const table = lines.filter((l) => l.startsWith("| "));

  it("renderMarkdown() heads the report with the run's date and machine", () => {
    for (
      const s of [
        "Made by `deno task bench:compare` on 2026-11-29 18:00 UTC.",
        "- Machine: Test CPU, 2 cores",
        "- Kernel: 6.1.0-test",
        "- Deno: 2.9.6",
        "- liburing: 2.3-3",
        "![Ratios against the Deno built-ins, C liburing and Bun](results.svg)",
      ]
    ) assert(lines.includes(s), `missing line: ${s}`);
    assert(!md.includes("Quick smoke run"));
    assertStringIncludes(renderMarkdown(ROWS, { ...INFO, quick: true }), "**Quick smoke run**");
  });

  it("renderMarkdown() writes one table row per result row, with ratios, goals and met/missed", () => {
    const cells = (l: string) => l.slice(2, -2).split(" | ");
    assertEquals(cells(table[0]), [
      "group",
      "workload",
      "this module",
      "the built-in",
      "C liburing",
      "Bun",
      "ratio vs built-in",
      "ratio vs C",
      "ratio vs Bun",
      "goal",
      "met/missed",
    ]);
    assertEquals(table.length, 2 + ROWS.length);
    // group, workload, this module, the built-in, C, Bun, ratios vs built-in/C/Bun, goal, met
    assertEquals(table.slice(2).map(cells), [
      [
        "ring",
        "NOPs, 128 per submit",
        "20.0 M ops/s",
        "",
        "21.0 M ops/s",
        "",
        "",
        "0.97x",
        "",
        "≥ 0.95x C",
        "met",
      ],
      [
        "ring",
        "4 KiB reads, QD 64 [1]",
        "1.40 M IOPS",
        "Deno.FsFile: 1.00 M IOPS",
        "1.75 M IOPS",
        "",
        "1.40x",
        "0.80x",
        "",
        "≥ 0.95x C",
        "**missed**",
      ],
      [
        "async",
        "4 KiB reads, 64 in flight",
        "1.20 M IOPS",
        "node:fs/promises: 0.100 M IOPS",
        "1.50 M IOPS",
        "",
        "12.0x",
        "0.80x",
        "",
        "≥ 20x built-in; ≥ 0.85x C",
        "**missed**; **missed**",
      ],
      [
        "servers",
        "HTTP CPU per request (lower is better)",
        "5.00 µs CPU/req",
        "Deno.serve: 8.00 µs CPU/req",
        "",
        "",
        "0.63x",
        "",
        "",
        "≤ 0.75x built-in",
        "met",
      ],
      [
        "servers",
        "echo 64 B, 8 connections",
        "300 K req/s",
        "Deno.listen: 200 K req/s",
        "",
        "",
        "1.50x",
        "",
        "",
        "≥ 1.3x built-in",
        "met",
      ],
      ["async", "await io.nop() (lower is better)", "0.325 µs", "", "", "", "", "", "", "", ""],
      [
        "files",
        "stat, 10 000 paths",
        "1520 K stats/s",
        "",
        "",
        "",
        "",
        "",
        "",
        "≥ 1.5x built-in",
        "**not measured**",
      ],
      [
        "fs",
        "visitFiles, 10 000 files",
        "300 K files/s",
        "Deno.readFileSync loop: 150 K files/s",
        "",
        "Bun readFileSync loop: 250 K files/s",
        "2.00x",
        "",
        "1.25x",
        "≥ 1.5x Bun",
        "**missed**",
      ],
      [
        "startup",
        "import mod.ts (lower is better)",
        "4.00 ms",
        "",
        "",
        "",
        "",
        "",
        "",
        "≤ 5 ms",
        "met",
      ],
      [
        "startup",
        "import + readFile (lower is better)",
        "12.5 ms",
        "",
        "",
        "",
        "",
        "",
        "",
        "≤ 10 ms",
        "**missed**",
      ],
    ]);
  });

  it("renderMarkdown() lists the notes and what did not run", () => {
    assert(lines.includes("1. page cache"));
    assert(lines.includes("- servers: skipped, deno.json has no task bench:servers"));
  });
});
