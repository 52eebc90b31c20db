// The batch functions beyond Deno: copy() of a tree of 5 000 files of 4 KiB in 50 directories
// beside @std/fs's copy(), and visitFiles() over 10 000 cached 4 KiB files (summing their bytes)
// beside C liburing's open -> read -> close chains (bench/native/files_bench.c, in-process),
// Deno.readFileSync, and Bun's readFileSync loop (run as a child when `bun` is found: $BUN, or
// /tmp/node_modules/.bin/bun after `npm install bun` in /tmp). Rounds interleaved in one process
// (bench/_common.ts). The trees go to /dev/shm when there is one (tmpfs: creating files costs
// the CPU only; on this VM's ext4 `cp -r` of the same tree takes seconds), else $TMPDIR.
import { copy as stdCopy } from "@std/fs";
import { copy, visitFiles } from "../mod.ts";
import { encodePaths } from "../ffi/engine/read_many.ts";
import { interleavedAsync, rateOf, rateOfAsync, reportRounds } from "./_common.ts";

const TMP = Deno.env.get("TMPDIR") ?? "/tmp";
const SHM = (() => {
  try {
    return Deno.statSync("/dev/shm").isDirectory ? "/dev/shm" : TMP;
  } catch {
    return TMP;
  }
})();
const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 5);

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
const visitSides = {
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

// ---- Bun's readFileSync loop, in a child -----------------------------------------------------
function bunRate(): number | undefined {
  const bun = Deno.env.get("BUN") ?? "/tmp/node_modules/.bin/bun";
  try {
    Deno.statSync(bun);
  } catch {
    return undefined;
  }
  const script = `
    const { readFileSync } = require("node:fs");
    const paths = ${JSON.stringify(paths)};
    let sum = 0, best = 0;
    for (let r = 0; r < ${ROUNDS + 2}; r++) {
      const t = performance.now();
      for (const p of paths) { const b = readFileSync(p); for (let i = 0; i < b.length; i += 64) sum += b[i]; }
      const rate = paths.length / ((performance.now() - t) / 1000);
      if (r >= 2) best = Math.max(best, rate);
    }
    console.log(best, sum > 0);`;
  const file = Deno.makeTempFileSync({ suffix: ".js" });
  Deno.writeTextFileSync(file, script);
  try {
    const out = new Deno.Command(bun, { args: ["run", file], stdout: "piped" }).outputSync();
    return Number(new TextDecoder().decode(out.stdout).split(" ")[0]);
  } finally {
    Deno.removeSync(file);
  }
}

for (const side of [...Object.values(copySides), ...Object.values(visitSides)]) await side();
const copies = await interleavedAsync(ROUNDS, copySides);
const visits = await interleavedAsync(ROUNDS, visitSides);
const bun = bunRate();
cLib.close();
Deno.removeSync(treeBase, { recursive: true });

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
if (bun !== undefined) {
  const ours = visits.median("ours");
  console.log(
    `visitFiles, 10 000 x 4 KiB: ${(ours / 1e3).toFixed(0)} K files/s vs Bun readFileSync loop ` +
      `(best of ${ROUNDS} rounds, a child process) ${(bun / 1e3).toFixed(0)} K files/s = ` +
      `${(ours / bun).toFixed(2)}x`,
  );
} else console.log("visitFiles vs Bun: no bun found (set BUN, or npm install bun in /tmp)");
if (sum < 0) console.log(sum);
