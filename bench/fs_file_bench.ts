// FsFile (open() of the module) beside Deno.FsFile (Deno.open): sequential 4 KiB reads through
// a file handle, and `readable` of a 64 MiB cached file piped to a sink that drops the chunks.
//
// Under `deno bench` these are Deno.bench cases; run with `deno run` (as `deno task bench:compare`
// does) the same workloads run in interleaved rounds and the rows go to emitRows() with the goals
// (>= 8x Deno.FsFile.read, >= 2x Deno.FsFile.readable). `--quick` (or BENCH_QUICK=1): 2 rounds.
import { open } from "../mod.ts";
import { interleavedAsync, rateOfAsync, reportRounds } from "./_common.ts";
import { benchQuick, emitRows } from "./_results.ts";

const TMP = Deno.env.get("TMPDIR") ?? "/tmp";
const BIG = 64 << 20;
const READS = 1000;

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
  Deno.readFileSync(path); // warm the page cache
  return path;
}

const path = ensureBigFile();
const mine = await open(path);
const deno = await Deno.open(path);
const buf = new Uint8Array(4096);

/** `READS` sequential 4 KiB reads, back to the start at the end of the file. */
async function reads(
  file: {
    read(p: Uint8Array): Promise<number | null>;
    seek(o: number, w: Deno.SeekMode): Promise<number>;
  },
): Promise<void> {
  for (let i = 0; i < READS; i++) {
    if ((await file.read(buf)) === null) await file.seek(0, Deno.SeekMode.Start);
  }
}

function sink(): WritableStream<Uint8Array> {
  let n = 0;
  return new WritableStream({
    write(chunk) {
      n += chunk.length;
    },
    close() {
      if (n !== BIG) throw new Error(`read ${n} bytes, expected ${BIG}`);
    },
  });
}

if (import.meta.main) {
  const quick = benchQuick() || Deno.args.includes("--quick");
  const rounds = quick ? 2 : 9;
  // 10 000 reads a round: ~0.4 s for Deno.FsFile.read (a thread-pool hop each), ~30 ms for ours
  const readRound = (file: Parameters<typeof reads>[0]) =>
    rateOfAsync(READS * 10, async () => {
      for (let k = 0; k < 10; k++) await reads(file);
    });
  const readSides = { ours: () => readRound(mine), deno: () => readRound(deno) };
  const streamSides = {
    ours: () => rateOfAsync(BIG, async () => (await open(path)).readable.pipeTo(sink())),
    deno: () => rateOfAsync(BIG, async () => (await Deno.open(path)).readable.pipeTo(sink())),
  };
  for (const side of [...Object.values(readSides), ...Object.values(streamSides)]) await side();
  const r = await interleavedAsync(rounds, readSides);
  const s = await interleavedAsync(rounds, streamSides);
  reportRounds("FsFile.read 4 KiB, sequential", r, "ours", "deno", " reads/s", "Deno.FsFile.read");
  reportRounds("FsFile.readable 64 MiB", s, "ours", "deno", "B/s", "Deno.FsFile.readable");
  const gib = (n: number) => n / 2 ** 30;
  emitRows([{
    group: "fs",
    workload: "FsFile.read of 4 KiB, sequential, one file handle",
    unit: "K reads/s",
    ours: r.median("ours") / 1000,
    builtin: { name: "Deno.FsFile.read", value: r.median("deno") / 1000 },
    ratios: { builtin: r.ratio("ours", "deno") },
    goals: [{ vs: "builtin", ratio: 8 }],
    note: `a cached 64 MiB file, ${
      READS * 10
    } reads a round; median of ${rounds} interleaved rounds`,
  }, {
    group: "fs",
    workload: "FsFile.readable of a cached 64 MiB file, piped to a sink",
    unit: "GiB/s",
    ours: gib(s.median("ours")),
    builtin: { name: "Deno.FsFile.readable", value: gib(s.median("deno")) },
    ratios: { builtin: s.ratio("ours", "deno") },
    goals: [{ vs: "builtin", ratio: 2 }],
    note: `median of ${rounds} interleaved rounds`,
  }]);
  mine.close();
  deno.close();
  Deno.exit(0);
}

Deno.bench({
  group: "FsFile.read 4 KiB x1000",
  name: "Deno.FsFile.read",
  baseline: true,
  async fn() {
    await reads(deno);
  },
});

Deno.bench({
  group: "FsFile.read 4 KiB x1000",
  name: "FsFile.read (io_uring)",
  async fn() {
    await reads(mine);
  },
});

Deno.bench({
  group: "FsFile.readable 64 MiB",
  name: "Deno.FsFile.readable",
  baseline: true,
  n: 20,
  async fn() {
    const file = await Deno.open(path);
    await file.readable.pipeTo(sink());
  },
});

Deno.bench({
  group: "FsFile.readable 64 MiB",
  name: "FsFile.readable (io_uring)",
  n: 20,
  async fn() {
    const file = await open(path);
    await file.readable.pipeTo(sink());
  },
});

globalThis.addEventListener("unload", () => {
  mine.close();
  deno.close();
});
