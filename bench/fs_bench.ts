// The Deno-shaped file functions (ffi/fs/) beside Deno's own, 1 000 calls at once with
// Promise.all per iteration: mkdir, rename, remove, makeTempFile, and copyFile of 4 KiB files.
// Only the Promise.all is timed (b.start()/b.end()); making and clearing the files is not.
//
// Under `deno bench` these are Deno.bench cases; run with `deno run` (as `deno task bench:compare`
// does) the same workloads run in interleaved rounds, ours and Deno's taking turns, and the rows
// go to emitRows() with the goals (>= 1.5x Deno's function each, >= 2x Deno.copyFile).
// `--quick` (or BENCH_QUICK=1): one round, no warm-up, a smoke run.
import { copyFile, makeTempFile, mkdir, remove, rename } from "../mod.ts";
import { interleavedAsync, reportRounds } from "./_common.ts";
import { benchQuick, emitRows, type ResultRow } from "./_results.ts";

const TMP = Deno.env.get("TMPDIR") ?? "/tmp";
const N = 1000;
const root = Deno.makeTempDirSync({ dir: TMP, prefix: "deno_uring_fs_bench_" });
let serial = 0;

/** A fresh empty directory for one iteration. */
function freshDir(): string {
  const dir = `${root}/${serial++}`;
  Deno.mkdirSync(dir);
  return dir;
}

/** A fresh directory holding files 0..N-1 of `size` bytes. */
function dirWithFiles(size: number): string {
  const dir = freshDir();
  const data = new Uint8Array(size);
  for (let i = 0; i < N; i++) Deno.writeFileSync(`${dir}/${i}`, data);
  return dir;
}

const sources = dirWithFiles(4096);
for (let i = 0; i < N; i++) Deno.readFileSync(`${sources}/${i}`); // in the page cache

type Fns = {
  mkdir: (p: string) => Promise<void>;
  rename: (a: string, b: string) => Promise<void>;
  remove: (p: string) => Promise<void>;
  makeTempFile: (o: Deno.MakeTempOptions) => Promise<string>;
  copyFile: (a: string, b: string) => Promise<void>;
};
const deno: Fns = Deno;
const ours: Fns = { mkdir, rename, remove, makeTempFile, copyFile };

/** One timed Promise.all of 1000 calls, with its set-up and clean-up: ops/s of the calls. */
type Workload = (fns: Fns) => Promise<number>;
const timed = async (setup: () => string, calls: (dir: string) => Promise<unknown>) => {
  const dir = setup();
  const t0 = performance.now();
  await calls(dir);
  const rate = N / ((performance.now() - t0) / 1000);
  Deno.removeSync(dir, { recursive: true });
  return rate;
};
const WORKLOADS: { name: string; builtin: string; goal: number; run: Workload }[] = [
  {
    name: "mkdir",
    builtin: "Deno.mkdir",
    goal: 1.5,
    run: (fns) =>
      timed(
        freshDir,
        (dir) => Promise.all(Array.from({ length: N }, (_, i) => fns.mkdir(`${dir}/${i}`))),
      ),
  },
  {
    name: "rename",
    builtin: "Deno.rename",
    goal: 1.5,
    run: (fns) =>
      timed(
        () => dirWithFiles(0),
        (dir) =>
          Promise.all(
            Array.from({ length: N }, (_, i) => fns.rename(`${dir}/${i}`, `${dir}/r${i}`)),
          ),
      ),
  },
  {
    name: "remove",
    builtin: "Deno.remove",
    goal: 1.5,
    run: (fns) =>
      timed(
        () => dirWithFiles(0),
        (dir) => Promise.all(Array.from({ length: N }, (_, i) => fns.remove(`${dir}/${i}`))),
      ),
  },
  {
    name: "makeTempFile",
    builtin: "Deno.makeTempFile",
    goal: 1.5,
    run: (fns) =>
      timed(
        freshDir,
        (dir) => Promise.all(Array.from({ length: N }, () => fns.makeTempFile({ dir }))),
      ),
  },
  {
    name: "copyFile, 4 KiB files",
    builtin: "Deno.copyFile",
    goal: 2,
    run: (fns) =>
      timed(
        freshDir,
        (dir) =>
          Promise.all(
            Array.from({ length: N }, (_, i) => fns.copyFile(`${sources}/${i}`, `${dir}/${i}`)),
          ),
      ),
  },
];

if (import.meta.main) {
  // a round of makeTempFile or copyFile takes ~1 s on this VM's ext4, so few rounds
  const quick = benchQuick() || Deno.args.includes("--quick");
  const rounds = quick ? 1 : 4;
  const rows: ResultRow[] = [];
  for (const w of WORKLOADS) {
    if (!quick) {
      await w.run(ours); // warm-up: the default ring, the JIT
      await w.run(deno);
    }
    const r = await interleavedAsync(rounds, { ours: () => w.run(ours), deno: () => w.run(deno) });
    reportRounds(`${w.name} x${N}`, r, "ours", "deno", " ops/s", `${w.builtin} + Promise.all`);
    rows.push({
      group: "fs",
      workload: `${w.name}, ${N} at once with Promise.all`,
      unit: "K ops/s",
      ours: r.median("ours") / 1000,
      builtin: { name: `${w.builtin} + Promise.all`, value: r.median("deno") / 1000 },
      ratios: { builtin: r.ratio("ours", "deno") },
      goals: [{ vs: "builtin", ratio: w.goal }],
      note: `in ${TMP}; median of ${rounds} interleaved rounds`,
    });
  }
  emitRows(rows);
  Deno.removeSync(root, { recursive: true });
  Deno.exit(0);
}

for (const [name, fns, baseline] of [["Deno", deno, true], ["deno-uring", ours, false]] as const) {
  Deno.bench({ group: "mkdir x1000", name, baseline, n: 10, warmup: 2 }, async (b) => {
    const dir = freshDir();
    const paths = Array.from({ length: N }, (_, i) => `${dir}/${i}`);
    b.start();
    await Promise.all(paths.map((p) => fns.mkdir(p)));
    b.end();
    Deno.removeSync(dir, { recursive: true });
  });

  Deno.bench({ group: "rename x1000", name, baseline, n: 10, warmup: 2 }, async (b) => {
    const dir = dirWithFiles(0);
    const names = Array.from({ length: N }, (_, i) => i);
    b.start();
    await Promise.all(names.map((i) => fns.rename(`${dir}/${i}`, `${dir}/r${i}`)));
    b.end();
    Deno.removeSync(dir, { recursive: true });
  });

  Deno.bench({ group: "remove x1000", name, baseline, n: 10, warmup: 2 }, async (b) => {
    const dir = dirWithFiles(0);
    const paths = Array.from({ length: N }, (_, i) => `${dir}/${i}`);
    b.start();
    await Promise.all(paths.map((p) => fns.remove(p)));
    b.end();
    Deno.removeSync(dir, { recursive: true });
  });

  Deno.bench({ group: "makeTempFile x1000", name, baseline, n: 10, warmup: 2 }, async (b) => {
    const dir = freshDir();
    b.start();
    await Promise.all(Array.from({ length: N }, () => fns.makeTempFile({ dir })));
    b.end();
    Deno.removeSync(dir, { recursive: true });
  });

  Deno.bench({ group: "copyFile x1000 4KiB", name, baseline, n: 10, warmup: 2 }, async (b) => {
    const dir = freshDir();
    const names = Array.from({ length: N }, (_, i) => i);
    b.start();
    await Promise.all(names.map((i) => fns.copyFile(`${sources}/${i}`, `${dir}/${i}`)));
    b.end();
    Deno.removeSync(dir, { recursive: true });
  });
}

globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
