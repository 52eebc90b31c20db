// The batch functions beyond Deno: copy() of a tree of 5 000 files of 4 KiB in 50 directories
// beside @std/fs's copy(), and visitFiles() over 10 000 cached 4 KiB files (summing their bytes)
// beside C liburing's open -> read -> close chains (bench/native/files_bench.c, in-process),
// Deno.readFileSync, and Bun's readFileSync loop (a child per round, which makes one warm-up pass
// and one timed pass, when `bun` is found: $BUN, or /tmp/node_modules/.bin/bun after
// `npm install bun` in /tmp). Rounds interleaved in one process (bench/_common.ts), the Bun
// child taking its turn like the others. The trees go to /dev/shm when there is one (tmpfs:
// creating files costs the CPU only; on this VM's ext4 `cp -r` of the same tree takes seconds),
// else $TMPDIR. Rows go to emitRows() with the goals (copy() >= 2x @std/fs copy(); visitFiles
// >= 0.85x C, >= 1.5x Bun). `--quick` (or BENCH_QUICK=1): 2 rounds, a smoke run.
import { copy as stdCopy } from "@std/fs";
import { copy, visitFiles } from "../mod.ts";
import { encodePaths } from "../ffi/engine/read_many.ts";
import { interleavedAsync, rateOf, rateOfAsync, reportRounds } from "./_common.ts";
import { benchQuick, BUN_NOT_FOUND, emitRows, findBun, type ResultRow } from "./_results.ts";

const TMP = Deno.env.get("TMPDIR") ?? "/tmp";
const SHM = (() => {
  try {
    return Deno.statSync("/dev/shm").isDirectory ? "/dev/shm" : TMP;
  } catch {
    return TMP;
  }
})();
const ROUNDS = Number(
  Deno.env.get("ROUNDS") ?? (benchQuick() || Deno.args.includes("--quick") ? 2 : 7),
);

// ---- copy() of a tree ---------------------------------------------------------------------
const TREE_DIRS = 50, TREE_FILES = 100;
const treeBase = `${SHM}/deno_uring_bench_copy`;
const tree = `${treeBase}/src`;
function ensureTree(): void {
  const data = new Uint8Array(4096);
  for (let d = 0; d < TREE_DIRS; d++) {
    Deno.mkdirSync(`${tree}/d${d}`, { recursive: true });
    for (let f = 0; f < TREE_FILES; f++) {
      const p = `${tree}/d${d}/f${f}`;
      try {
        if (Deno.statSync(p).size === 4096) continue;
      } catch { /* make it */ }
      crypto.getRandomValues(data);
      Deno.writeFileSync(p, data);
    }
  }
}
ensureTree();
let copyRound = 0;
const copyOf = (fn: (s: string, d: string) => Promise<void>) => async () => {
  const dest = `${treeBase}/out${copyRound++}`;
  const rate = await rateOfAsync(TREE_DIRS * TREE_FILES, () => fn(tree, dest));
  Deno.removeSync(dest, { recursive: true });
  return rate;
};
const copySides = { ours: copyOf(copy), std: copyOf(stdCopy) };

// ---- visiting 10 000 files -----------------------------------------------------------------
const FILES = 10_000;
const filesDir = `${TMP}/deno_uring_bench_files`; // shared with bench/files_bench.ts
const paths = Array.from({ length: FILES }, (_, i) => `${filesDir}/f${i}`);
{
  Deno.mkdirSync(filesDir, { recursive: true });
  const data = new Uint8Array(4096);
  for (const p of paths) {
    try {
      if (Deno.statSync(p).size === 4096) continue;
    } catch { /* make it */ }
    crypto.getRandomValues(data);
    Deno.writeFileSync(p, data);
  }
  for (const p of paths) Deno.readFileSync(p); // into the page cache
}
const cLib = Deno.dlopen(
  new URL("../native/build/libfiles_bench.so", import.meta.url).pathname,
  {
    bench_read_files: {
      parameters: ["buffer", "buffer", "u32", "u32", "u32", "i32", "i32"],
      result: "f64",
    },
  },
);
const { bytes: cPaths, offsets } = encodePaths(paths);
const cOffsets = Uint32Array.from(offsets);
let sum = 0;
const visitSides: Record<string, () => number | Promise<number>> = {
  ours: () =>
    rateOfAsync(FILES, () =>
      visitFiles(paths, (_p, bytes) => {
        let s = 0;
        for (let i = 0; i < bytes.length; i += 64) s += bytes[i];
        sum += s;
      })),
  c: () => {
    const t = cLib.symbols.bench_read_files(cPaths, cOffsets, FILES, 256, 4096, 0, 4096);
    if (!(t > 0)) throw new Error(`C bench_read_files failed: ${t}`);
    return FILES / t;
  },
  sync: () =>
    rateOf(FILES, () => {
      for (const p of paths) {
        const bytes = Deno.readFileSync(p);
        for (let i = 0; i < bytes.length; i += 64) sum += bytes[i];
      }
    }),
};

// ---- Bun's readFileSync loop, in a child per round -------------------------------------------
const bunBin = await findBun();
const bunDir = Deno.makeTempDirSync({ prefix: "deno_uring_bench_bun_" });
Deno.writeTextFileSync(`${bunDir}/paths.json`, JSON.stringify(paths));
Deno.writeTextFileSync(
  `${bunDir}/visit.js`,
  `const { readFileSync } = require("node:fs");
const paths = JSON.parse(readFileSync(process.argv[2], "utf8"));
let sum = 0, rate = 0;
for (let r = 0; r < 2; r++) { // a warm-up pass, then the timed one
  const t = performance.now();
  for (const p of paths) { const b = readFileSync(p); for (let i = 0; i < b.length; i += 64) sum += b[i]; }
  rate = paths.length / ((performance.now() - t) / 1000);
}
console.log(rate, sum > 0);
`,
);
/** One round of Bun's readFileSync loop over the 10 000 files: files/s of its timed pass. */
async function bunRound(): Promise<number> {
  const out = await new Deno.Command(bunBin!, {
    args: ["run", `${bunDir}/visit.js`, `${bunDir}/paths.json`],
    stdout: "piped",
  }).output();
  const rate = Number(new TextDecoder().decode(out.stdout).split(" ")[0]);
  if (!out.success || !(rate > 0)) throw new Error("the Bun readFileSync loop failed");
  return rate;
}
if (bunBin !== null) visitSides.bun = bunRound;

for (const side of [...Object.values(copySides), ...Object.values(visitSides)]) await side();
const copies = await interleavedAsync(ROUNDS, copySides);
const visits = await interleavedAsync(ROUNDS, visitSides);
cLib.close();
Deno.removeSync(treeBase, { recursive: true });
Deno.removeSync(bunDir, { recursive: true });

reportRounds(
  `copy(), 5 000 x 4 KiB in 50 dirs on ${SHM}`,
  copies,
  "ours",
  "std",
  " files/s",
  "@std/fs copy()",
);
reportRounds("visitFiles, 10 000 x 4 KiB", visits, "ours", "c", " files/s", "C open->read->close");
reportRounds(
  "visitFiles, 10 000 x 4 KiB",
  visits,
  "ours",
  "sync",
  " files/s",
  "Deno.readFileSync loop",
);
const hasBun = "bun" in visits.rates;
if (hasBun) {
  reportRounds(
    "visitFiles, 10 000 x 4 KiB",
    visits,
    "ours",
    "bun",
    " files/s",
    "Bun readFileSync loop (a child per round)",
  );
} else console.log(`visitFiles vs Bun: ${BUN_NOT_FOUND}`);

const K = (n: number) => n / 1000;
const rows: ResultRow[] = [{
  group: "fs",
  workload: "copy() of a tree of 5 000 files of 4 KiB in 50 directories",
  unit: "K files/s",
  ours: K(copies.median("ours")),
  builtin: { name: "@std/fs copy()", value: K(copies.median("std")) },
  ratios: { builtin: copies.ratio("ours", "std") },
  goals: [{ vs: "builtin", ratio: 2 }],
  note: `on ${SHM}; median of ${ROUNDS} interleaved rounds`,
}, {
  group: "fs",
  workload: "visitFiles, 10 000 cached 4 KiB files, bytes summed",
  unit: "K files/s",
  ours: K(visits.median("ours")),
  builtin: { name: "Deno.readFileSync loop", value: K(visits.median("sync")) },
  c: K(visits.median("c")),
  ...(hasBun ? { bun: { name: "Bun readFileSync loop", value: K(visits.median("bun")) } } : {}),
  ratios: {
    builtin: visits.ratio("ours", "sync"),
    c: visits.ratio("ours", "c"),
    ...(hasBun ? { bun: visits.ratio("ours", "bun") } : {}),
  },
  goals: [{ vs: "c", ratio: 0.85 }, { vs: "bun", ratio: 1.5 }],
  note: `C: open -> read -> close chains, 256 in flight (bench/native/files_bench.c); Bun: a ` +
    `child per round, its second pass timed; median of ${ROUNDS} interleaved rounds` +
    (hasBun ? "" : `; ${BUN_NOT_FOUND}`),
}];
emitRows(rows);
if (sum < 0) console.log(sum);
