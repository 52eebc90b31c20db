// AsyncRing beside what a Deno user would write instead: 4 KiB random reads from a cached file
// with 64 in flight (node:fs/promises FileHandle.read, Deno.FsFile seek + read, and C liburing
// for scale, called in-process in rounds interleaved with the AsyncRing ones), `await io.nop()`
// one at a time, and batches of 64 nop() with Promise.all. The figures of the issue are printed
// first: the read ratios as medians of interleaved rounds, the NOP figures best of a few rounds
// (the machine is shared: compare the ratios, not the absolute numbers).
import { open as nodeOpen } from "node:fs/promises";
import { alignedBuffer, AsyncRing } from "../mod.ts";
import {
  ensureDataFile,
  FILE_SIZE,
  interleavedAsync,
  loadCBench,
  makeRandomBlocks,
  rateOfAsync,
  reportRounds,
} from "./_common.ts";
import { benchQuick, emitRows } from "./_results.ts";

const QD = 64;
const path = ensureDataFile();
const blocks = makeRandomBlocks(1 << 16, FILE_SIZE / 4096);
let cursor = 0;
const nextOffset = () => blocks[cursor++ & 0xffff] * 4096;
const pages = alignedBuffer(QD * 4096);
const bufs = Array.from({ length: QD }, (_, i) => pages.subarray(i * 4096, (i + 1) * 4096));

const io = new AsyncRing({ entries: 256 });
const fd = await io.open(path);

/** 64 lanes, each awaiting `perLane` reads one after the other: 64 reads always in flight. */
async function lanes(perLane: number, read: (lane: number) => Promise<unknown>): Promise<void> {
  const all: Promise<void>[] = [];
  for (let i = 0; i < QD; i++) {
    all.push((async () => {
      for (let k = 0; k < perLane; k++) await read(i);
    })());
  }
  await Promise.all(all);
}

const ringRead = (lane: number) => io.read(fd, bufs[lane], nextOffset());
// Plain Uint8Arrays could be transferred while the kernel writes: AsyncRing reads them through
// its own memory and copies out (issue 11). The same rounds measure what that copy costs.
const plainBufs = Array.from({ length: QD }, () => new Uint8Array(4096));
const plainRead = (lane: number) => io.read(fd, plainBufs[lane], nextOffset());
const check = await io.read(fd, bufs[0], FILE_SIZE - 4096);
if (check !== 4096) throw new Error(`short read: ${check}`);

const handle = await nodeOpen(path, "r");
const nodeRead = (lane: number) => handle.read(bufs[lane], 0, 4096, nextOffset());

const files = await Promise.all(Array.from({ length: QD }, () => Deno.open(path)));
const denoRead = async (lane: number) => {
  const f = files[lane];
  await f.seek(nextOffset(), Deno.SeekMode.Start);
  await f.read(bufs[lane]);
};

// NOPs on a ring of their own: what the promise machinery costs, without read bookkeeping
const nopIo = new AsyncRing({ entries: 256 });
const nop = () => nopIo.nop();
async function nopRoundTrips(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await nopIo.nop();
}
const batch = new Array<Promise<void>>(64);
async function nopBatches(n: number): Promise<void> {
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < 64; i++) batch[i] = nop();
    await Promise.all(batch);
  }
}
const resolved = Promise.resolve();
async function jsBatches(n: number): Promise<void> {
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < 64; i++) batch[i] = resolved.then();
    await Promise.all(batch);
  }
}

async function bestRate(ops: number, rounds: number, fn: () => Promise<void>): Promise<number> {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await fn();
    best = Math.max(best, ops / ((performance.now() - t0) / 1000));
  }
  return best;
}

// ---- the figures -------------------------------------------------------------------------
await nopRoundTrips(20000); // warm up the JIT
const trips = await bestRate(50_000, 10, () => nopRoundTrips(50_000));
await nopBatches(2000);
const batched = await bestRate(64 * 2000, 15, () => nopBatches(2000));
await lanes(300, ringRead);
// C and TypeScript interleaved (bench/_common.ts): 40 rounds of 16000 reads (~20 ms) per side,
// C keeping 64 reads in flight on a ring of the same size and flags, refilled as CQEs arrive;
// 8 rounds in a quick run (BENCH_QUICK=1)
const PER_LANE = 250;
const ROUNDS = benchQuick() ? 8 : 40;
const cBench = loadCBench();
const cRead = () =>
  cBench.read({
    fd,
    entries: io.ring.sqEntries,
    qd: QD,
    blocks,
    reads: QD * PER_LANE,
    fixed: false,
    continuous: true,
    setupFlags: io.ring.setupFlags,
  });
cRead(); // set up the C ring
// node:fs/promises and Deno.FsFile in the same rounds, with fewer reads (they are 20-50x slower),
// so that every ratio comes from the same interleaved rounds.
const rounds = await interleavedAsync(ROUNDS, {
  c: cRead,
  ts: () => rateOfAsync(QD * PER_LANE, () => lanes(PER_LANE, ringRead)),
  plain: () => rateOfAsync(QD * PER_LANE, () => lanes(PER_LANE, plainRead)),
  node: () => rateOfAsync(QD * 10, () => lanes(10, nodeRead)),
  deno: () => rateOfAsync(QD * 20, () => lanes(20, denoRead)),
});
cBench.close();
const what = "AsyncRing: 4 KiB random reads, 64 in flight";
reportRounds(what, rounds, "ts", "node", " IOPS", "node:fs/promises FileHandle.read");
reportRounds(what, rounds, "ts", "deno", " IOPS", "Deno.FsFile seek+read");
reportRounds(what, rounds, "ts", "c", " IOPS", "C liburing");
const plainWhat = "AsyncRing: the same reads into plain Uint8Arrays (copied through ring memory)";
reportRounds(plainWhat, rounds, "plain", "ts", " IOPS", "alignedBuffer() views, in place");
reportRounds(plainWhat, rounds, "plain", "c", " IOPS", "C liburing");
console.log(
  `AsyncRing: await io.nop() one at a time: ${(1e6 / trips).toFixed(3)} µs per round trip`,
);
console.log(
  `AsyncRing: batches of 64 nop() with Promise.all: ${(batched / 1e6).toFixed(2)} M ops/s`,
);
const readRow = (builtin: "node" | "deno", name: string) => ({
  group: "async",
  workload: `4 KiB random reads, ${QD} in flight`,
  unit: "M IOPS",
  ours: rounds.median("ts") / 1e6,
  builtin: { name, value: rounds.median(builtin) / 1e6 },
  ratios: { builtin: rounds.ratio("ts", builtin) },
});
const nodeRow = readRow("node", "node:fs/promises FileHandle.read");
emitRows([
  {
    ...nodeRow,
    c: rounds.median("c") / 1e6,
    ratios: { ...nodeRow.ratios, c: rounds.ratio("ts", "c") },
    goals: [{ vs: "builtin", ratio: 20 }, { vs: "c", ratio: 0.85 }],
  },
  readRow("deno", "Deno.FsFile seek+read"),
  {
    group: "async",
    workload: `4 KiB random reads, ${QD} in flight, plain Uint8Array (copied)`,
    unit: "M IOPS",
    ours: rounds.median("plain") / 1e6,
    builtin: { name: "node:fs/promises FileHandle.read", value: rounds.median("node") / 1e6 },
    c: rounds.median("c") / 1e6,
    ratios: { builtin: rounds.ratio("plain", "node"), c: rounds.ratio("plain", "c") },
    note: "Caller buffers that could be transferred go through AsyncRing's own memory",
  },
  {
    group: "async",
    workload: "await io.nop(), one at a time",
    unit: "µs per round trip",
    ours: 1e6 / trips,
    higherIsBetter: false,
    note: "Best of 10 rounds: what one awaited op costs, without I/O",
  },
  {
    group: "async",
    workload: "batches of 64 nop() with Promise.all",
    unit: "M ops/s",
    ours: batched / 1e6,
    note: "Best of 15 rounds",
  },
]);

// ---- Deno.bench --------------------------------------------------------------------------
Deno.bench({
  group: "read 4K random, 64 in flight (x256)",
  name: "AsyncRing.read",
  fn: async () => {
    await lanes(4, ringRead);
  },
});
Deno.bench({
  group: "read 4K random, 64 in flight (x256)",
  name: "node:fs/promises FileHandle.read",
  baseline: true,
  fn: async () => {
    await lanes(4, nodeRead);
  },
});
Deno.bench({
  group: "read 4K random, 64 in flight (x256)",
  name: "Deno.FsFile seek + read",
  fn: async () => {
    await lanes(4, denoRead);
  },
});
Deno.bench({
  group: "nop round trip (x1000)",
  name: "await io.nop()",
  baseline: true,
  fn: async () => {
    await nopRoundTrips(1000);
  },
});
Deno.bench({
  group: "64 ops + Promise.all (x100)",
  name: "AsyncRing: 64 nop()",
  fn: async () => {
    await nopBatches(100);
  },
});
Deno.bench({
  group: "64 ops + Promise.all (x100)",
  name: "JS floor: 64 resolved promises",
  baseline: true,
  fn: async () => {
    await jsBatches(100);
  },
});
