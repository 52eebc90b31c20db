// Batched NOPs through Ring, beside the same loop in C liburing, called in-process in rounds
// interleaved with the TypeScript ones, on a C ring set up with the same flags. The C loop reaps
// with io_uring_peek_batch_cqe + io_uring_cq_advance; Ring does the same with peekCqes +
// cqAdvance, and the copyCqes variant shows what copying the CQEs out costs.
import { CqeBatch, Ring } from "../mod.ts";
import { interleaved, loadCBench, rateOf, reportRounds } from "./_common.ts";
import { benchQuick, emitRows } from "./_results.ts";

const BATCH = 128;
const ring = new Ring({ entries: BATCH });
const batch = new CqeBatch(BATCH);

function prepNops(): void {
  for (let i = 0; i < BATCH; i++) {
    const sqe = ring.getSqe()!;
    sqe.prepNop();
    sqe.userData = i;
  }
  ring.submit();
}

/** 128 NOPs, one submit, reaped in place. */
function nopBatch(): void {
  prepNops();
  let got = 0;
  while (got < BATCH) {
    const view = ring.peekCqes(1);
    got += view.length;
    ring.cqAdvance(view.length);
  }
}

/** The same, with the CQEs copied into a CqeBatch. */
function nopBatchCopy(): void {
  prepNops();
  let got = 0;
  while (got < BATCH) got += ring.copyCqes(batch, 1);
}

// The ratio: 50 rounds of 2000 batches (~15 ms) per side, interleaved (bench/_common.ts);
// 10 rounds in a quick run (BENCH_QUICK=1).
const BATCHES = 2000;
const ROUNDS = benchQuick() ? 10 : 50;
const cBench = loadCBench();
const flags = ring.setupFlags;
for (let i = 0; i < 2000; i++) { // warm up the JIT
  nopBatch();
  nopBatchCopy();
}
cBench.nop(BATCH, BATCHES, flags); // and set up the C ring
const tsRound = (fn: () => void) => () =>
  rateOf(BATCH * BATCHES, () => {
    for (let b = 0; b < BATCHES; b++) fn();
  });
const rounds = interleaved(ROUNDS, {
  c: () => cBench.nop(BATCH, BATCHES, flags),
  ts: tsRound(nopBatch),
  tsCopy: tsRound(nopBatchCopy),
});
cBench.close();
reportRounds(
  `Ring: NOPs, ${BATCH} per submit, peekCqes`,
  rounds,
  "ts",
  "c",
  " ops/s",
  "C liburing",
);
reportRounds(
  `Ring: NOPs, ${BATCH} per submit, copyCqes`,
  rounds,
  "tsCopy",
  "c",
  " ops/s",
  "C liburing",
);
const nopRow = (side: "ts" | "tsCopy", reap: string) => ({
  group: "ring",
  workload: `NOPs, ${BATCH} per submit, ${reap}`,
  unit: "M ops/s",
  ours: rounds.median(side) / 1e6,
  c: rounds.median("c") / 1e6,
  ratios: { c: rounds.ratio(side, "c") },
});
emitRows([
  { ...nopRow("ts", "peekCqes"), goals: [{ vs: "c", ratio: 0.95 }] },
  { ...nopRow("tsCopy", "copyCqes"), note: "copyCqes copies each CQE out of the ring" },
]);

Deno.bench({
  group: "nop x128",
  name: "Ring: 128 NOPs, one submit, peekCqes",
  baseline: true,
  fn: nopBatch,
});
Deno.bench({
  group: "nop x128",
  name: "Ring: 128 NOPs, one submit, copyCqes",
  fn: nopBatchCopy,
});
