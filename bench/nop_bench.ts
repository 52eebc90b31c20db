// Batched NOPs through Ring, beside the C liburing program doing the same work in this run.
import { CqeBatch, Ring } from "../mod.ts";
import { bestRate, report, runNative } from "./_common.ts";

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

// The ratio, from one run: C first, then the same work from TypeScript.
const BATCHES = 20000;
const c = runNative("nop_bench", [String(BATCH), String(BATCHES)], "ops_per_sec");
for (let i = 0; i < 2000; i++) nopBatch(); // warm up the JIT
const ts = bestRate(BATCH * BATCHES, 5, () => {
  for (let b = 0; b < BATCHES; b++) nopBatch();
});
report(`Ring: NOPs, ${BATCH} per submit`, ts, c, " ops/s", "C liburing");

Deno.bench({
  group: "nop x128",
  name: "Ring: 128 NOPs, one submit",
  baseline: true,
  fn: nopBatch,
});
