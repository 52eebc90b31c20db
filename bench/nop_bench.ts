// Batched NOPs through Ring, beside the same loop in C liburing, called in-process in rounds
// interleaved with the TypeScript ones, on a C ring set up with the same flags.
import { CqeBatch, Ring } from "../mod.ts";
import { interleaved, loadCBench, rateOf, reportRounds } from "./_common.ts";

const BATCH = 128;
const ring = new Ring({ entries: BATCH });
const batch = new CqeBatch(BATCH);

function nopBatch(): void {
  for (let i = 0; i < BATCH; i++) {
    const sqe = ring.getSqe()!;
    sqe.prepNop();
    sqe.userData = i;
  }
  ring.submit();
  let got = 0;
  while (got < BATCH) got += ring.copyCqes(batch, 1);
}

// The ratio: 50 rounds of 2000 batches (~20 ms) per side, interleaved (bench/_common.ts).
const BATCHES = 2000;
const cBench = loadCBench();
const flags = ring.setupFlags;
for (let i = 0; i < 2000; i++) nopBatch(); // warm up the JIT
cBench.nop(BATCH, BATCHES, flags); // and set up the C ring
const rounds = interleaved(50, {
  c: () => cBench.nop(BATCH, BATCHES, flags),
  ts: () =>
    rateOf(BATCH * BATCHES, () => {
      for (let b = 0; b < BATCHES; b++) nopBatch();
    }),
});
cBench.close();
reportRounds(`Ring: NOPs, ${BATCH} per submit`, rounds, "ts", "c", " ops/s", "C liburing");

Deno.bench({
  group: "nop x128",
  name: "Ring: 128 NOPs, one submit",
  baseline: true,
  fn: nopBatch,
});
