// 4 KiB random reads from a cached 256 MiB file at queue depth 64: Ring beside Deno.FsFile,
// node:fs readSync, and the C liburing program doing the same work in this run.
import { openSync as nodeOpenSync, readSync as nodeReadSync } from "node:fs";
import { CqeBatch, fixed, Ring } from "../mod.ts";
import {
  bestRate,
  ensureDataFile,
  FILE_SIZE,
  makeRandomOffsets,
  openFd,
  report,
  runNative,
} from "./_common.ts";

const QD = 64;
const BLOCKS = FILE_SIZE / 4096;
const path = ensureDataFile();
const offsets = makeRandomOffsets(1 << 16, BLOCKS);
let cursor = 0;
const nextOffset = () => offsets[cursor++ & 0xffff];

const ring = new Ring({ entries: QD * 2 });
const fd = openFd(ring, path);
const bufs = Array.from({ length: QD }, () => new Uint8Array(4096));
const batch = new CqeBatch(QD);

/** QD reads in flight, one submit, reaped as they complete. */
function ringReads(): void {
  for (let i = 0; i < QD; i++) {
    const sqe = ring.getSqe()!;
    sqe.prepRead(fd, bufs[i], nextOffset());
    sqe.userData = i;
  }
  ring.submit();
  let got = 0;
  while (got < QD) {
    const n = ring.copyCqes(batch, 1);
    for (let i = 0; i < n; i++) if (batch.res(i) !== 4096) throw new Error(`read ${batch.res(i)}`);
    got += n;
  }
}

// The same reads through a registered file and registered buffers (no fd lookup, no page
// pinning per op): the io_uring way to go faster still.
const fixedRing = new Ring({ entries: QD * 2 });
const files = fixedRing.registerFiles([openFd(fixedRing, path)]);
const fixedBufs = fixedRing.registerBuffers(QD, 4096);
const fixedBatch = new CqeBatch(QD);
function fixedReads(): void {
  for (let i = 0; i < QD; i++) {
    const sqe = fixedRing.getSqe()!;
    sqe.prepReadFixed(fixed(0), fixedBufs, i, nextOffset());
    sqe.userData = i;
  }
  fixedRing.submit();
  let got = 0;
  while (got < QD) {
    const n = fixedRing.copyCqes(fixedBatch, 1);
    for (let i = 0; i < n; i++) {
      if (fixedBatch.res(i) !== 4096) throw new Error(`read ${fixedBatch.res(i)}`);
    }
    got += n;
  }
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

// Ratios from one run: the C program, then the same work from TypeScript.
const READS = 200000;
const c = runNative("read_bench", [path, String(QD), String(READS), "0"], "iops");
for (let i = 0; i < 500; i++) ringReads();
const ts = bestRate(READS, 3, () => {
  for (let i = 0; i < READS / QD; i++) ringReads();
});
report("Ring: 4 KiB random reads, QD 64", ts, c, " IOPS", "C liburing");
const cFixed = runNative("read_bench", [path, String(QD), String(READS), "1"], "iops");
for (let i = 0; i < 500; i++) fixedReads();
const tsFixed = bestRate(READS, 3, () => {
  for (let i = 0; i < READS / QD; i++) fixedReads();
});
report("Ring fixed file+buffers: 4 KiB reads, QD 64", tsFixed, cFixed, " IOPS", "C liburing fixed");
report(
  "Ring fixed file+buffers: 4 KiB reads, QD 64",
  tsFixed,
  ts,
  " IOPS",
  "Ring plain fd+buffers",
);
const deno = bestRate(QD * 2000, 3, () => {
  for (let i = 0; i < 2000; i++) denoReads();
});
report("Ring: 4 KiB random reads, QD 64", ts, deno, " IOPS", "Deno.FsFile seek+readSync");

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
