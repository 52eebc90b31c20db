// AsyncRing beside what a Deno user would write instead: 4 KiB random reads from a cached file
// with 64 in flight (node:fs/promises FileHandle.read, Deno.FsFile seek + read, and the C
// liburing program for scale), `await io.nop()` one at a time, and batches of 64 nop() with
// Promise.all. The figures of the issue are printed first, from one run of each, best of a few
// rounds (the machine is shared: compare the ratios, not the absolute numbers).
import { open as nodeOpen } from "node:fs/promises";
import { AsyncRing } from "../mod.ts";
import { ensureDataFile, FILE_SIZE, makeRandomOffsets, report, runNative } from "./_common.ts";

const QD = 64;
const path = ensureDataFile();
const offsets = makeRandomOffsets(1 << 16, FILE_SIZE / 4096);
let cursor = 0;
const nextOffset = () => offsets[cursor++ & 0xffff];
const bufs = Array.from({ length: QD }, () => new Uint8Array(4096));

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
// C and TypeScript interleaved, best of each, so that a burst of load elsewhere on the machine
// does not land on one side only
let ring = 0, c = 0;
for (let r = 0; r < 3; r++) {
  c = Math.max(c, runNative("read_bench", [path, String(QD), "200000", "0"], "iops"));
  ring = Math.max(ring, await bestRate(QD * 2000, 2, () => lanes(2000, ringRead)));
}
const node = await bestRate(QD * 40, 3, () => lanes(40, nodeRead));
const deno = await bestRate(QD * 100, 3, () => lanes(100, denoRead));
const what = "AsyncRing: 4 KiB random reads, 64 in flight";
report(what, ring, node, " IOPS", "node:fs/promises FileHandle.read");
report(what, ring, deno, " IOPS", "Deno.FsFile seek+read");
report(what, ring, c, " IOPS", "C liburing");
console.log(
  `AsyncRing: await io.nop() one at a time: ${(1e6 / trips).toFixed(3)} µs per round trip`,
);
console.log(
  `AsyncRing: batches of 64 nop() with Promise.all: ${(batched / 1e6).toFixed(2)} M ops/s`,
);

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
