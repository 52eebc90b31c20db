// 4 KiB random reads from a cached 256 MiB file at queue depth 64: Ring beside Deno.FsFile,
// node:fs readSync, and the same loops in C liburing, called in-process in rounds interleaved
// with the TypeScript ones (same block table, page-aligned buffers and ring flags on both sides).
import { openSync as nodeOpenSync, readSync as nodeReadSync } from "node:fs";
import { alignedBuffer, CqeBatch, fixed, Ring } from "../mod.ts";
import {
  ensureDataFile,
  FILE_SIZE,
  interleaved,
  loadCBench,
  makeRandomBlocks,
  openFd,
  rateOf,
  reportRounds,
} from "./_common.ts";
import { benchQuick, emitRows } from "./_results.ts";

const QD = 64;
const BLOCKS = FILE_SIZE / 4096;
const path = ensureDataFile();
const blocks = makeRandomBlocks(1 << 16, BLOCKS);
let cursor = 0;
const nextOffset = () => blocks[cursor++ & 0xffff] * 4096;

const ring = new Ring({ entries: QD * 2 });
const fd = openFd(ring, path);
const pages = alignedBuffer(QD * 4096);
const bufs = Array.from({ length: QD }, (_, i) => pages.subarray(i * 4096, (i + 1) * 4096));
const batch = new CqeBatch(QD);

/** QD reads, one submit, reaped in place as they complete (as the C loop does). */
function ringReads(): void {
  prepReads();
  reapReads(ring);
}

/** Reaps QD reads in place, checking that each read 4096 bytes. */
function reapReads(r: Ring): void {
  let got = 0;
  while (got < QD) {
    const view = r.peekCqes(1);
    for (let i = 0; i < view.length; i++) {
      if (view.res(i) !== 4096) throw new Error(`read ${view.res(i)}`);
    }
    got += view.length;
    r.cqAdvance(view.length);
  }
}

/** The same, with the CQEs copied into a CqeBatch. */
function ringReadsCopy(): void {
  prepReads();
  let got = 0;
  while (got < QD) {
    const n = ring.copyCqes(batch, 1);
    for (let i = 0; i < n; i++) if (batch.res(i) !== 4096) throw new Error(`read ${batch.res(i)}`);
    got += n;
  }
}

function prepReads(): void {
  for (let i = 0; i < QD; i++) {
    const sqe = ring.getSqe()!;
    sqe.prepRead(fd, bufs[i], nextOffset());
    sqe.userData = i;
  }
  ring.submit();
}

// The same reads through a registered file and registered buffers (no fd lookup, no page
// pinning per op): the io_uring way to go faster still.
const fixedRing = new Ring({ entries: QD * 2 });
const fixedFd = openFd(fixedRing, path);
const files = fixedRing.registerFiles([fixedFd]);
const fixedBufs = fixedRing.registerBuffers(QD, 4096);
function fixedReads(): void {
  for (let i = 0; i < QD; i++) {
    const sqe = fixedRing.getSqe()!;
    sqe.prepReadFixed(fixed(0), fixedBufs, i, nextOffset());
    sqe.userData = i;
  }
  fixedRing.submit();
  reapReads(fixedRing);
}
void files;

const file = Deno.openSync(path);
const one = new Uint8Array(4096);
function denoReads(): void {
  for (let i = 0; i < QD; i++) {
    file.seekSync(nextOffset(), Deno.SeekMode.Start);
    file.readSync(one);
  }
}

const nodeFd = nodeOpenSync(path, "r");
function nodeReads(): void {
  for (let i = 0; i < QD; i++) nodeReadSync(nodeFd, one, 0, 4096, nextOffset());
}

// Ratios: 40 rounds of 20480 reads (~15-25 ms) of each side, all sides interleaved
// (bench/_common.ts), the C rings set up like the TypeScript ones; 8 rounds in a quick run.
const READS = QD * 320;
const ROUNDS = benchQuick() ? 8 : 40;
const cBench = loadCBench();
const cRead = (r: Ring, f: boolean, rfd: number) => () =>
  cBench.read({
    fd: rfd,
    entries: r.sqEntries,
    qd: QD,
    blocks,
    reads: READS,
    fixed: f,
    continuous: false,
    setupFlags: r.setupFlags,
  });
const tsRead = (fn: () => void) => () =>
  rateOf(READS, () => {
    for (let i = 0; i < READS / QD; i++) fn();
  });
for (let i = 0; i < 500; i++) { // warm up the JIT
  ringReads();
  ringReadsCopy();
  fixedReads();
  denoReads();
}
const sides = {
  c: cRead(ring, false, fd),
  ts: tsRead(ringReads),
  tsCopy: tsRead(ringReadsCopy),
  cFixed: cRead(fixedRing, true, fixedFd),
  tsFixed: tsRead(fixedReads),
  deno: tsRead(denoReads),
};
for (const side of Object.values(sides)) side(); // and set up the C rings
const rounds = interleaved(ROUNDS, sides);
cBench.close();
reportRounds(
  "Ring: 4 KiB random reads, QD 64, peekCqes",
  rounds,
  "ts",
  "c",
  " IOPS",
  "C liburing",
);
reportRounds(
  "Ring: 4 KiB random reads, QD 64, copyCqes",
  rounds,
  "tsCopy",
  "c",
  " IOPS",
  "C liburing",
);
reportRounds(
  "Ring fixed file+buffers: 4 KiB reads, QD 64",
  rounds,
  "tsFixed",
  "cFixed",
  " IOPS",
  "C liburing fixed",
);
reportRounds(
  "Ring fixed file+buffers: 4 KiB reads, QD 64",
  rounds,
  "tsFixed",
  "ts",
  " IOPS",
  "Ring plain fd+buffers",
);
reportRounds(
  "Ring: 4 KiB random reads, QD 64",
  rounds,
  "ts",
  "deno",
  " IOPS",
  "Deno.FsFile seek+readSync",
);
const readRow = (side: "ts" | "tsCopy" | "tsFixed", c: "c" | "cFixed", workload: string) => ({
  group: "ring",
  workload: `4 KiB random reads, QD ${QD}, ${workload}`,
  unit: "M IOPS",
  ours: rounds.median(side) / 1e6,
  builtin: { name: "Deno.FsFile seek+readSync", value: rounds.median("deno") / 1e6 },
  c: rounds.median(c) / 1e6,
  ratios: { builtin: rounds.ratio(side, "deno"), c: rounds.ratio(side, c) },
});
emitRows([
  { ...readRow("ts", "c", "peekCqes"), goals: [{ vs: "c", ratio: 0.95 }] },
  readRow("tsCopy", "c", "copyCqes"),
  {
    ...readRow("tsFixed", "cFixed", "fixed file + buffers"),
    note: `Registered file and buffers (READ_FIXED) on both sides: ${
      rounds.ratio("tsFixed", "ts").toFixed(2)
    }x the plain-fd Ring reads`,
  },
]);

Deno.bench({ group: "read 4K x64", name: "Ring: 64 reads, one submit", fn: ringReads });
Deno.bench({
  group: "read 4K x64",
  name: "Deno.FsFile: seekSync + readSync",
  baseline: true,
  fn: denoReads,
});
Deno.bench({ group: "read 4K x64", name: "node:fs readSync (pread)", fn: nodeReads });
Deno.bench({
  group: "read 4K x64",
  name: "Ring: 64 fixed reads (fixed file + buffers)",
  fn: fixedReads,
});
