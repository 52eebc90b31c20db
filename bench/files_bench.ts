// The drop-in file functions (ffi/async/files.ts) beside the Deno built-ins a user would pick instead,
// and readFiles() beside C liburing doing the same chains (bench/native/files_bench.c), in
// rounds interleaved in one process (bench/_common.ts). Rows go to emitRows() with the goals of
// issue 12.
import { AsyncRing } from "../mod.ts";
import { encodePaths } from "../ffi/engine/read_many.ts";
import { interleavedAsync, rateOf, rateOfAsync, reportRounds } from "./_common.ts";
import { emitRows, type ResultRow } from "./_results.ts";

const TMP = Deno.env.get("TMPDIR") ?? "/tmp";
const FILES = 10_000;
const SMALL = 4096;
const BIG = 64 << 20;
const WRITES = 1000;

/** 10 000 files of 4 KiB (made once, then served from the page cache). */
function ensureSmallFiles(): string[] {
  const dir = `${TMP}/deno_uring_bench_files`;
  Deno.mkdirSync(dir, { recursive: true });
  const data = new Uint8Array(SMALL);
  const paths: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const path = `${dir}/f${i}`;
    paths.push(path);
    try {
      if (Deno.statSync(path).size === SMALL) continue;
    } catch { /* make it */ }
    crypto.getRandomValues(data);
    Deno.writeFileSync(path, data);
  }
  for (const p of paths) Deno.readFileSync(p); // warm the page cache
  return paths;
}

function ensureBigFile(): string {
  const path = `${TMP}/deno_uring_bench_64M`;
  let size = -1;
  try {
    size = Deno.statSync(path).size;
  } catch { /* make it */ }
  if (size !== BIG) {
    const data = new Uint8Array(BIG);
    for (let i = 0; i < BIG; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
    Deno.writeFileSync(path, data);
  }
  Deno.readFileSync(path);
  return path;
}

const paths = ensureSmallFiles();
const bigPath = ensureBigFile();
const writeDir = `${TMP}/deno_uring_bench_writes`;
const io = new AsyncRing({ entries: 1024 });

// ---- C liburing: the same chains ---------------------------------------------------------
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
/** `probe`: readFiles' probe read too; `copy`: and each file copied out into a malloc of its own. */
function cReadFiles(probe: boolean, copy = false): number {
  const t = cLib.symbols.bench_read_files(
    cPaths,
    cOffsets,
    FILES,
    256,
    probe ? 65536 : SMALL,
    (probe ? 1 : 0) | (copy ? 2 : 0),
    SMALL,
  );
  if (!(t > 0)) throw new Error(`C bench_read_files failed: ${t}`);
  return FILES / t;
}

// ---- sides --------------------------------------------------------------------------------
let check = 0;
const readSides = {
  ours: () =>
    rateOfAsync(FILES, async () => {
      const out = await io.readFiles(paths);
      check += out[FILES - 1].length;
    }),
  sync: () => rateOf(FILES, () => paths.forEach((p) => check += Deno.readFileSync(p).length)),
  all: () => rateOfAsync(FILES, () => Promise.all(paths.map((p) => Deno.readFile(p)))),
  c: () => cReadFiles(false),
  cProbe: () => cReadFiles(true),
  cCopy: () => cReadFiles(true, true),
};
const bigSides = {
  ours: () => rateOfAsync(BIG, () => io.readFile(bigPath)),
  deno: () => rateOfAsync(BIG, () => Deno.readFile(bigPath)),
};
let writeRound = 0;
const writeData = new Uint8Array(SMALL).fill(7);
/** tmpfs, where creating a file costs the CPU only (on a disk, the file system dominates). */
const shmDir = (() => {
  try {
    return Deno.statSync("/dev/shm").isDirectory ? "/dev/shm/deno_uring_bench_writes" : undefined;
  } catch {
    return undefined;
  }
})();
/** One round of 1000 new files (created, written, closed); the directory is emptied after. */
async function writeRoundOf(
  write: (path: string) => Promise<void>,
  under = writeDir,
): Promise<number> {
  const dir = `${under}/${writeRound++}`;
  Deno.mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: WRITES }, (_, i) => `${dir}/w${i}`);
  const rate = await rateOfAsync(WRITES, () => Promise.all(names.map(write)));
  Deno.removeSync(dir, { recursive: true });
  return rate;
}
const writeSides = {
  ours: () => writeRoundOf((p) => io.writeFile(p, writeData)),
  deno: () => writeRoundOf((p) => Deno.writeFile(p, writeData)),
  oursShm: () => shmDir ? writeRoundOf((p) => io.writeFile(p, writeData), shmDir) : 1,
  denoShm: () => shmDir ? writeRoundOf((p) => Deno.writeFile(p, writeData), shmDir) : 1,
};
const statSides = {
  ours: () => rateOfAsync(FILES, () => Promise.all(paths.map((p) => io.stat(p)))),
  all: () => rateOfAsync(FILES, () => Promise.all(paths.map((p) => Deno.stat(p)))),
  sync: () => rateOf(FILES, () => paths.forEach((p) => Deno.statSync(p))),
};

// Warm up, then short interleaved rounds (the whole file runs in well under a minute).
for (const sides of [readSides, bigSides, writeSides, statSides]) {
  for (const side of Object.values(sides)) await side();
}
const reads = await interleavedAsync(7, readSides);
const big = await interleavedAsync(9, bigSides);
const writes = await interleavedAsync(7, writeSides);
const stats = await interleavedAsync(7, statSides);
cLib.close();

// ---- the same 10 000 files, not in the page cache ------------------------------------------
// Before each round the files' pages are dropped from the page cache with
// posix_fadvise(POSIX_FADV_DONTNEED) (their inodes and dentries stay cached): reads then go to
// the disk, where io_uring keeps 256 files in flight and a sync loop has one. Last, since it
// leaves the files uncached.
const libc = Deno.dlopen("libc.so.6", {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  posix_fadvise: { parameters: ["i32", "i64", "i64", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
});
/** Drops the files' pages from the page cache; false where the kernel keeps them. */
function evict(): boolean {
  for (const at of cOffsets) {
    const fd = libc.symbols.open(cPaths.subarray(at), 0); // the C string at `at` in the arena
    if (fd < 0) return false;
    const r = libc.symbols.posix_fadvise(fd, 0n, 0n, 4); // POSIX_FADV_DONTNEED
    libc.symbols.close(fd);
    if (r !== 0) return false;
  }
  return true;
}
const coldOf = (read: () => Promise<unknown> | unknown) => async () => {
  if (!evict()) return 0;
  return await rateOfAsync(FILES, async () => void await read());
};
const coldSides = {
  ours: coldOf(() => io.readFiles(paths)),
  sync: coldOf(() => paths.forEach((p) => check += Deno.readFileSync(p).length)),
  all: coldOf(() => Promise.all(paths.map((p) => Deno.readFile(p)))),
};
const cold = await interleavedAsync(3, coldSides);
libc.close();
for (const dir of [writeDir, shmDir]) {
  try {
    if (dir) Deno.removeSync(dir, { recursive: true });
  } catch { /* already gone */ }
}

reportRounds("readFiles, 10 000 x 4 KiB", reads, "ours", "sync", " files/s", "readFileSync loop");
reportRounds("readFiles, 10 000 x 4 KiB", reads, "ours", "all", " files/s", "readFile+Promise.all");
reportRounds("readFiles, 10 000 x 4 KiB", reads, "ours", "c", " files/s", "C open->read->close");
reportRounds("readFiles, 10 000 x 4 KiB", reads, "ours", "cProbe", " files/s", "C with probe read");
reportRounds(
  "readFiles, 10 000 x 4 KiB",
  reads,
  "ours",
  "cCopy",
  " files/s",
  "C, probe + copy out",
);
reportRounds("readFile, 64 MiB", big, "ours", "deno", "B/s", "Deno.readFile");
reportRounds("writeFile, 1000 x 4 KiB new", writes, "ours", "deno", " files/s", "Deno.writeFile");
if (shmDir) {
  reportRounds("writeFile on tmpfs", writes, "oursShm", "denoShm", " files/s", "Deno.writeFile");
}
reportRounds("stat, 10 000 paths", stats, "ours", "all", " stats/s", "Deno.stat+Promise.all");
reportRounds("stat, 10 000 paths", stats, "ours", "sync", " stats/s", "Deno.statSync loop");
reportRounds("readFiles, 10 000 uncached", cold, "ours", "sync", " files/s", "readFileSync loop");
reportRounds("readFiles, 10 000 uncached", cold, "ours", "all", " files/s", "readFile+Promise.all");

const K = (n: number) => Math.round(n / 100) / 10;
const rows: ResultRow[] = [
  {
    group: "files",
    workload: "readFiles, 10 000 cached 4 KiB files",
    unit: "K files/s",
    ours: K(reads.median("ours")),
    builtin: { name: "Deno.readFileSync loop", value: K(reads.median("sync")) },
    c: K(reads.median("c")),
    goals: [{ vs: "builtin", ratio: 1.2 }, { vs: "c", ratio: 0.7 }],
    note: `Deno.readFile + Promise.all: ${K(reads.median("all"))} K files/s (goal 3x); ` +
      `C with readFiles' probe read: ${K(reads.median("cProbe"))} K files/s; C with the probe ` +
      `and each file copied into a malloc of its own (what readFiles hands over): ` +
      `${K(reads.median("cCopy"))} K files/s = ${reads.ratio("ours", "cCopy").toFixed(2)}x`,
  },
  {
    group: "files",
    workload: "readFile, one cached 64 MiB file",
    unit: "GiB/s",
    ours: Math.round(big.median("ours") / 2 ** 30 * 100) / 100,
    builtin: { name: "Deno.readFile", value: Math.round(big.median("deno") / 2 ** 30 * 100) / 100 },
    goals: [{ vs: "builtin", ratio: 1.0 }],
  },
  {
    group: "files",
    workload: "writeFile, 1 000 new files of 4 KiB",
    unit: "K files/s",
    ours: K(writes.median("ours")),
    builtin: { name: "Deno.writeFile + Promise.all", value: K(writes.median("deno")) },
    goals: [{ vs: "builtin", ratio: 1.5 }],
    note: `in ${TMP}` +
      (shmDir
        ? `; on tmpfs: ${K(writes.median("oursShm"))} vs ${K(writes.median("denoShm"))} K ` +
          `files/s = ${writes.ratio("oursShm", "denoShm").toFixed(2)}x`
        : ""),
  },
  {
    group: "files",
    workload: "stat, 10 000 paths",
    unit: "K stats/s",
    ours: K(stats.median("ours")),
    builtin: { name: "Deno.stat + Promise.all", value: K(stats.median("all")) },
    goals: [{ vs: "builtin", ratio: 1.5 }],
    note: `Deno.statSync loop: ${K(stats.median("sync"))} K stats/s`,
  },
];
if (cold.median("ours") > 0) {
  rows.push({
    group: "files",
    workload: "readFiles, 10 000 uncached 4 KiB files",
    unit: "K files/s",
    ours: K(cold.median("ours")),
    builtin: { name: "Deno.readFileSync loop", value: K(cold.median("sync")) },
    ratios: { builtin: cold.ratio("ours", "sync") },
    note: `pages dropped with posix_fadvise(DONTNEED) before each round; Deno.readFile + ` +
      `Promise.all: ${K(cold.median("all"))} K files/s = ${cold.ratio("ours", "all").toFixed(2)}x`,
  });
}
emitRows(rows);
if (check < 0) console.log(check);

const few = paths.slice(0, 256);
Deno.bench({
  group: "read 256 files",
  name: "AsyncRing.readFiles",
  fn: async () => void await io.readFiles(few),
});
Deno.bench({
  group: "read 256 files",
  name: "Deno.readFileSync loop",
  baseline: true,
  fn: () => few.forEach((p) => Deno.readFileSync(p)),
});
Deno.bench({
  group: "stat 256 paths",
  name: "AsyncRing.stat + Promise.all",
  fn: async () => void await Promise.all(few.map((p) => io.stat(p))),
});
Deno.bench({
  group: "stat 256 paths",
  name: "Deno.stat + Promise.all",
  baseline: true,
  fn: async () => void await Promise.all(few.map((p) => Deno.stat(p))),
});
