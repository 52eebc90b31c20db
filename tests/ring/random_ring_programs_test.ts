// Random SQE programs on a small Ring (fast-check): chains of NOPs, reads, failing and short
// reads joined with IO_LINK, submitted in random groups. Every SQE gets exactly one CQE, and each
// matches the kernel's rule for links (each op as alone until one fails, the rest ECANCELED).
// 100 programs by default; `deno task test:fuzz` runs FC_RUNS * 4.
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { CqeBatch, Ring, SqeFlag } from "../../ffi/mod.ts";
import { closeFd, fdCount, openFd } from "../_helpers.ts";
import { bytes, equalBytes, fcParams, FILE_SIZE, RUNS, warmHelpers } from "../_fuzz.ts";

/** SQEs checked, printed when FC_RUNS is set. */
let sqes = 0;

type RingOp =
  | { kind: "nop" }
  | { kind: "read"; off: number; len: number }
  | { kind: "badRead" }
  | { kind: "shortRead" };

const ringOp: fc.Arbitrary<RingOp> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "nop" as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("read" as const),
      off: fc.nat(FILE_SIZE - 1),
      len: fc.integer({ min: 1, max: 2048 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "badRead" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "shortRead" as const }) },
);

/** Chains of 1..5 ops (a chain of 1 is a lone op), submitted in random groups. */
const ringProgram = fc.record({
  entries: fc.constantFrom(4, 8, 16),
  chains: fc.array(fc.array(ringOp, { minLength: 1, maxLength: 4 }), {
    minLength: 1,
    maxLength: 40,
  }),
  submitEvery: fc.integer({ min: 1, max: 6 }),
});

Deno.test(`Ring: random SQE programs with IO_LINK chains get one right CQE per SQE (${RUNS * 4} programs)`, () => {
  const path = Deno.makeTempFileSync({ prefix: "uring_fuzz_" });
  const content = bytes(FILE_SIZE, 5);
  Deno.writeFileSync(path, content);
  warmHelpers();
  const fd = openFd(path);
  const fdsBefore = fdCount();
  try {
    fc.assert(
      fc.property(ringProgram, ({ entries, chains, submitEvery }) => {
        using ring = new Ring({ entries });
        const batch = new CqeBatch(64);
        const bufs = new Map<number, Uint8Array>();
        const expected = new Map<number, (res: number) => void>();
        const seen = new Map<number, number>();
        let ud = 1, inFlight = 0, chainsSinceSubmit = 0;
        const reap = (atLeast: number) => {
          let got = 0;
          while (got < atLeast || ring.cqReady() > 0) {
            const n = ring.copyCqes(batch, got < atLeast ? 1 : 0);
            for (const c of batch) {
              assert(!seen.has(c.userData), `a second CQE for ${c.userData}`);
              seen.set(c.userData, c.res);
              expected.get(c.userData)!(c.res);
            }
            got += n;
            inFlight -= n;
            if (n === 0 && got >= atLeast) break;
          }
        };
        for (const chain of chains.map((c) => c.slice(0, entries))) {
          if (ring.sqSpaceLeft() < chain.length) {
            ring.submit();
            reap(inFlight);
          }
          // the kernel's verdict on a chain: each op as alone until one fails, then ECANCELED
          let failed = false;
          for (const [i, op] of chain.entries()) {
            const sqe = ring.getSqe()!;
            const me = ud++;
            const cancelled = failed;
            let fails = false;
            if (op.kind === "nop") {
              sqe.prepNop();
              expected.set(me, (res) => assertEquals(res, cancelled ? -125 : 0, `nop ${me}`));
            } else if (op.kind === "badRead") {
              sqe.prepRead(1 << 30, new Uint8Array(8), 0);
              fails = true;
              expected.set(me, (res) => assertEquals(res, cancelled ? -125 : -9, `badRead ${me}`));
            } else {
              // a short read (past EOF) fails a link too: it reads less than asked
              const off = op.kind === "read"
                ? Math.min(op.off, FILE_SIZE - op.len)
                : FILE_SIZE - 10;
              const len = op.kind === "read" ? op.len : 100;
              const want = Math.min(len, FILE_SIZE - off);
              fails = want < len && i < chain.length - 1;
              const buf = new Uint8Array(len);
              bufs.set(me, buf);
              sqe.prepRead(fd, buf, off);
              expected.set(me, (res) => {
                if (cancelled) return assertEquals(res, -125, `read ${me} after a failure`);
                assertEquals(res, want, `read ${me} at ${off}`);
                assert(equalBytes(buf.subarray(0, want), content.subarray(off, off + want)));
              });
            }
            if (i < chain.length - 1) sqe.flags |= SqeFlag.IO_LINK;
            sqe.userData = me;
            failed ||= fails;
            inFlight++;
          }
          if (++chainsSinceSubmit >= submitEvery) {
            ring.submit();
            chainsSinceSubmit = 0;
            reap(0);
          }
        }
        ring.submit();
        reap(inFlight);
        assertEquals(seen.size, ud - 1, "one CQE per SQE");
        sqes += ud - 1;
        assertEquals(inFlight, 0);
      }),
      fcParams(RUNS * 4),
    );
  } finally {
    closeFd(fd);
    Deno.removeSync(path);
  }
  assertEquals(fdCount(), fdsBefore - 1, "no fd leaked (the data file's fd is closed)");
  if (Deno.env.has("FC_RUNS")) console.log(`${sqes} SQEs`);
});
