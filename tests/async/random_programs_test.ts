// Random programs, checked against a model (fast-check): batches of AsyncRing ops started in one
// turn (pipe writes and reads of random sizes, file writes and reads at random offsets, NOPs,
// timeouts, linked chains that succeed or fail, ops aborted at random moments or ended by a
// linked timeout), sometimes with the ring closed while a batch is in flight (the Ring's SQE
// programs are in random_ring_programs_test.ts). Invariants: every promise settles (a
// deadline turns a hang into a failure), results match the model (pipe bytes come back intact and
// in order, file reads see the last write, a failed link cancels the rest with ECANCELED, an
// aborted op rejects with AbortError or completes correctly), no fd leaks, the ring closes.
//
// 25 programs per property by default (a few seconds); `deno task test:fuzz` runs FC_RUNS=2000.
// A failure prints fast-check's seed and path: FC_SEED=<seed> FC_PATH=<path> replays it.
import { assert, assertEquals, fail } from "@std/assert";
import fc from "fast-check";
import { alignedBuffer, AsyncRing, OpenFlag, UringError } from "../../ffi/mod.ts";
import { closeFd, fdCount, makePipe, openFd } from "../_helpers.ts";
import {
  bytes,
  equalBytes,
  fcParams,
  FILE_SIZE,
  RUNS,
  SLOT,
  SLOTS,
  warmHelpers,
} from "../_fuzz.ts";

const PIPES = 3;
// the file is SLOTS slots of SLOT bytes; ops in one batch touching a slot are serialized
const PIPE_LIMIT = 48 * 1024; // unread bytes kept under the pipe's 64 KiB so writes never park
const DEADLINE_MS = 15_000;
/** Ops started (a chain counts each entry), printed when FC_RUNS is set. */
const started = { async: 0 };

/** How an abortable op is aborted. */
type AbortWhen = "before" | "sameTurn" | "afterNop" | "afterMs" | "linkedTimeout";

type Step =
  | { kind: "nop" }
  | { kind: "pipeWrite"; pipe: number; len: number; seed: number }
  | { kind: "pipeRead"; pipe: number; len: number }
  | { kind: "fileWrite"; slot: number; at: number; len: number; seed: number; aligned: boolean }
  | { kind: "fileRead"; slot: number; at: number; len: number }
  | { kind: "timeout"; ms: number }
  | { kind: "goodLink"; len: number; seed: number }
  | { kind: "failingLink"; ahead: number; behind: number }
  | {
    kind: "abortable";
    op: "nop" | "timeout" | "idleRead" | "fileRead";
    when: AbortWhen;
    ms: number;
  }
  | { kind: "openClose" };

interface Program {
  batches: Step[][];
  /** Close the ring right after starting this batch (no close when past the end). */
  closeAt: number;
}

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ kind: "nop" as const }),
  fc.record({
    kind: fc.constant("pipeWrite" as const),
    pipe: fc.nat(PIPES - 1),
    len: fc.integer({ min: 1, max: 9000 }),
    seed: fc.nat(),
  }),
  fc.record({
    kind: fc.constant("pipeRead" as const),
    pipe: fc.nat(PIPES - 1),
    len: fc.integer({ min: 1, max: 9000 }),
  }),
  fc.record({
    kind: fc.constant("fileWrite" as const),
    slot: fc.nat(SLOTS - 1),
    at: fc.nat(SLOT - 1),
    len: fc.integer({ min: 1, max: SLOT }),
    seed: fc.nat(),
    aligned: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("fileRead" as const),
    slot: fc.nat(SLOTS - 1),
    at: fc.nat(SLOT - 1),
    len: fc.integer({ min: 1, max: SLOT }),
  }),
  fc.record({ kind: fc.constant("timeout" as const), ms: fc.integer({ min: 0, max: 3 }) }),
  fc.record({
    kind: fc.constant("goodLink" as const),
    len: fc.integer({ min: 1, max: 4096 }),
    seed: fc.nat(),
  }),
  fc.record({
    kind: fc.constant("failingLink" as const),
    ahead: fc.nat(2),
    behind: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    kind: fc.constant("abortable" as const),
    op: fc.constantFrom(
      "nop" as const,
      "timeout" as const,
      "idleRead" as const,
      "fileRead" as const,
    ),
    when: fc.constantFrom<AbortWhen>("before", "sameTurn", "afterNop", "afterMs", "linkedTimeout"),
    ms: fc.integer({ min: 0, max: 4 }),
  }),
  fc.constant({ kind: "openClose" as const }),
);

const program: fc.Arbitrary<Program> = fc.record({
  batches: fc.array(fc.array(step, { minLength: 1, maxLength: 12 }), {
    minLength: 1,
    maxLength: 10,
  }),
  closeAt: fc.oneof(fc.constant(Infinity), fc.nat(9)),
});

const isAbortError = (e: unknown) => e instanceof Error && e.name === "AbortError";
const isCode = (e: unknown, ...codes: string[]) =>
  e instanceof UringError && codes.includes(e.code);
const isClosedError = (e: unknown) => e instanceof Error && /AsyncRing is closed/.test(e.message);

/** Unread bytes of one pipe, as the model sees them. */
class PipeModel {
  chunks: Uint8Array[] = [];
  get pending(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
  /** Takes the next `n` bytes. */
  take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

/** The resources a program runs on, made and closed outside the ring under test. */
interface World {
  pipes: [number, number][];
  linkPipe: [number, number];
  idlePipe: [number, number];
  fileFd: number;
  filePath: string;
  model: { pipes: PipeModel[]; file: Uint8Array };
}

function makeWorld(dir: string): World {
  const filePath = `${dir}/data`;
  const file = bytes(FILE_SIZE, 99);
  Deno.writeFileSync(filePath, file);
  return {
    pipes: Array.from({ length: PIPES }, () => makePipe()),
    linkPipe: makePipe(),
    idlePipe: makePipe(),
    fileFd: openFd(filePath, OpenFlag.RDWR),
    filePath,
    model: { pipes: Array.from({ length: PIPES }, () => new PipeModel()), file },
  };
}

function closeWorld(w: World): void {
  for (const fd of [...w.pipes.flat(), ...w.linkPipe, ...w.idlePipe, w.fileFd]) closeFd(fd);
}

/**
 * Starts one batch's ops in the same turn and returns the checks to run once each settles.
 * Ops that would make the model ambiguous (a second op on a file slot after a write to it, a
 * second read or write of a pipe, a read of a pipe nothing will be written to) are left out.
 */
function startBatch(
  io: AsyncRing,
  w: World,
  steps: Step[],
  timers: Set<ReturnType<typeof setTimeout>>,
  ring: { closed: boolean },
) {
  const settled: Promise<void>[] = [];
  const slotWritten = new Set<number>();
  const slotUsed = new Set<number>();
  const pipeRead = new Set<number>();
  const reads: { pipe: number; buf: Uint8Array; p: Promise<number> }[] = [];
  const writes = new Map<number, Uint8Array>();
  const fileWrites: { off: number; data: Uint8Array }[] = [];
  const { model } = w;
  let bad = 1 << 30; // fds that do not exist

  // Pipe writes are chosen first (one per pipe, never filling it), so a read knows whether
  // bytes will come in this batch.
  const chosenWrite = new Map<number, Step>();
  for (const s of steps) {
    if (s.kind !== "pipeWrite" || chosenWrite.has(s.pipe)) continue;
    if (model.pipes[s.pipe].pending + s.len <= PIPE_LIMIT) chosenWrite.set(s.pipe, s);
  }

  // Once the ring is closed mid-batch an op may also end rejected by the close, and a chain
  // with some of its entries cancelled.
  const byClose = (e: unknown) => ring.closed && (isClosedError(e) || isCode(e, "ECANCELED"));
  const expectOk = (p: Promise<unknown>, check: (v: unknown) => void, what: string) =>
    settled.push(p.then(check, (e) => {
      if (!byClose(e)) fail(`${what} rejected: ${e}`);
    }));
  let linkPipeUsed = false;

  for (const s of steps) {
    switch (s.kind) {
      case "pipeWrite": {
        if (chosenWrite.get(s.pipe) !== s || writes.has(s.pipe)) break;
        const data = bytes(s.len, s.seed);
        writes.set(s.pipe, data);
        expectOk(io.write(w.pipes[s.pipe][1], data), (n) => assertEquals(n, s.len), "pipe write");
        break;
      }
      case "pipeRead": {
        if (pipeRead.has(s.pipe)) break;
        if (model.pipes[s.pipe].pending === 0 && !chosenWrite.has(s.pipe)) break;
        pipeRead.add(s.pipe);
        const buf = new Uint8Array(s.len);
        reads.push({ pipe: s.pipe, buf, p: io.read(w.pipes[s.pipe][0], buf) });
        break;
      }
      case "fileWrite": {
        if (slotUsed.has(s.slot)) break;
        slotUsed.add(s.slot);
        slotWritten.add(s.slot);
        const off = s.slot * SLOT + Math.min(s.at, SLOT - s.len);
        // from a V8-owned buffer, or from page-aligned memory the library owns
        const data = s.aligned ? alignedBuffer(s.len) : bytes(s.len, s.seed);
        if (s.aligned) data.set(bytes(s.len, s.seed));
        fileWrites.push({ off, data });
        expectOk(io.write(w.fileFd, data, off), (n) => assertEquals(n, s.len), "file write");
        break;
      }
      case "fileRead": {
        if (slotWritten.has(s.slot)) break;
        slotUsed.add(s.slot);
        const off = s.slot * SLOT + Math.min(s.at, SLOT - s.len);
        const want = model.file.slice(off, off + s.len);
        const buf = new Uint8Array(s.len);
        expectOk(io.read(w.fileFd, buf, off), (n) => {
          assertEquals(n, s.len);
          assert(equalBytes(buf, want), `file read at ${off}: bytes differ from the last write`);
        }, "file read");
        break;
      }
      case "nop":
        expectOk(io.nop(), (v) => assertEquals(v, undefined), "nop");
        break;
      case "timeout":
        expectOk(io.timeout(s.ms), (v) => assertEquals(v, undefined), "timeout");
        break;
      case "openClose":
        // an open that completed is ours to close: with the helpers' ring if this one closed
        expectOk(
          io.open(w.filePath).then((fd) =>
            io.closeFd(fd).catch((e) => {
              if (!ring.closed || !isClosedError(e)) throw e;
              closeFd(fd);
            })
          ),
          () => {},
          "open+close",
        );
        break;
      case "goodLink": {
        // its own pipe, empty before and after: the chain's read gets exactly what it wrote
        if (linkPipeUsed) break;
        linkPipeUsed = true;
        started.async += 1; // two entries, one promise
        const data = bytes(s.len, s.seed);
        const back = new Uint8Array(s.len);
        const [r, wfd] = w.linkPipe;
        expectOk(
          io.link((c) => {
            c.write(wfd, data);
            c.read(r, back);
          }),
          (res) => {
            if (ring.closed) return;
            assertEquals(res, [s.len, s.len]);
            assert(equalBytes(back, data), "linked read got what the linked write wrote");
          },
          "good link",
        );
        break;
      }
      case "failingLink": {
        const fd = bad++;
        started.async += s.ahead + s.behind; // one promise for the whole chain
        expectOk(
          io.link((c) => {
            for (let i = 0; i < s.ahead; i++) c.nop();
            c.read(fd, new Uint8Array(8), 0);
            for (let i = 0; i < s.behind; i++) c.nop();
          }),
          (res) => {
            if (ring.closed) return;
            const r = res as (number | UringError)[];
            assertEquals(r.length, s.ahead + 1 + s.behind);
            for (let i = 0; i < s.ahead; i++) assertEquals(r[i], 0);
            assert(isCode(r[s.ahead], "EBADF"), `the bad read: ${r[s.ahead]}`);
            for (let i = s.ahead + 1; i < r.length; i++) {
              assert(isCode(r[i], "ECANCELED"), `after the failure: ${r[i]}`);
            }
          },
          "failing link",
        );
        break;
      }
      case "abortable":
        settled.push(abortable(io, w, s, slotWritten, slotUsed, timers));
        break;
    }
  }

  // Pipe reads: each returns the next bytes of its pipe's stream, however many came.
  const pipeChecks = reads.map(({ pipe, buf, p }) =>
    p.then((n) => ({ pipe, got: buf.subarray(0, n) }))
  );
  started.async += settled.length + reads.length;
  return {
    settled,
    pipeChecks,
    /** Applies the batch's writes to the model and checks the reads against it. */
    async apply(closed: boolean): Promise<void> {
      const results = await Promise.allSettled(pipeChecks);
      for (const f of fileWrites) model.file.set(f.data, f.off);
      // the writes are in the pipes before any read of this batch is checked: each read saw a
      // prefix of (what was unread) + (this batch's write)
      for (const [pipe, data] of writes) model.pipes[pipe].chunks.push(data);
      for (const r of results) {
        if (r.status === "rejected") {
          if (closed) continue;
          fail(`pipe read rejected: ${r.reason}`);
        }
        const { pipe, got } = r.value;
        assert(got.length >= 1, "a pipe read with bytes available returns some");
        const want = model.pipes[pipe].take(got.length);
        assert(equalBytes(got, want), `pipe ${pipe}: bytes out of order or corrupted`);
      }
    },
  };
}

/** Starts a side-effect-free op and aborts it as `s.when` says; checks how it ended. */
function abortable(
  io: AsyncRing,
  w: World,
  s: Extract<Step, { kind: "abortable" }>,
  slotWritten: Set<number>,
  slotUsed: Set<number>,
  timers: Set<ReturnType<typeof setTimeout>>,
): Promise<void> {
  const ac = new AbortController();
  if (s.when === "before") ac.abort();
  const options = s.when === "linkedTimeout" ? { timeoutMs: s.ms } : { signal: ac.signal };
  let want: Uint8Array | undefined;
  let p: Promise<unknown>;
  let mustFail = false;
  const slot = (s.ms * 3) % SLOTS;
  if (s.op === "fileRead" && !slotWritten.has(slot)) {
    slotUsed.add(slot);
    const buf = new Uint8Array(512);
    want = w.model.file.slice(slot * SLOT, slot * SLOT + 512);
    p = io.read(w.fileFd, buf, slot * SLOT, options).then((n) => {
      assertEquals(n, 512);
      assert(equalBytes(buf, want!), "an aborted read that completed has the right bytes");
    });
  } else if (s.op === "idleRead") {
    mustFail = true; // nothing is ever written to the idle pipe
    p = io.read(w.idlePipe[0], new Uint8Array(16), -1, options);
  } else if (s.op === "timeout") {
    p = io.timeout(s.ms + 5, options);
  } else {
    p = io.nop(options);
  }
  if (s.when === "sameTurn") ac.abort();
  if (s.when === "afterNop") io.nop().then(() => ac.abort(), () => ac.abort());
  if (s.when === "afterMs") {
    const t = setTimeout(() => {
      timers.delete(t);
      ac.abort();
    }, s.ms);
    timers.add(t);
  }
  return p.then(
    () => {
      if (mustFail) fail(`a read of the idle pipe completed (${s.when})`);
    },
    (e) => {
      if (s.when === "linkedTimeout") {
        assert(isCode(e, "ECANCELED", "ETIME") || isClosedError(e), `timed out op: ${e}`);
      } else {
        assert(isAbortError(e) || isClosedError(e), `aborted op: ${e}`);
      }
    },
  );
}

/** Rejects after `ms` unless `p` settles first. */
async function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new Error(`hang: ${what()} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(t);
  }
}

async function runProgram(prog: Program): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "uring_fuzz_" });
  const fdsBefore = fdCount();
  const w = makeWorld(dir);
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const io = new AsyncRing({ entries: 16 });
  let batchNo = 0;
  try {
    await within(
      (async () => {
        for (; batchNo < prog.batches.length; batchNo++) {
          const closing = batchNo === prog.closeAt;
          const b = startBatch(io, w, prog.batches[batchNo], timers, { closed: closing });
          if (closing) {
            io.close();
            // every promise settles: with its result, or rejected by the close
            const all = await Promise.allSettled([...b.settled, ...b.pipeChecks]);
            for (const r of all) {
              if (r.status === "rejected") {
                const e = r.reason;
                assert(
                  isClosedError(e) || isAbortError(e) || isCode(e, "ECANCELED", "ETIME") ||
                    e?.name === "AssertionError",
                  `after close: ${e}`,
                );
                if (e?.name === "AssertionError") throw e;
              }
            }
            await b.apply(true);
            break;
          }
          await Promise.all(b.settled);
          await b.apply(false);
        }
        if (!io.closed) {
          // drain the pipes: what is left is exactly the model's unread bytes
          for (const [i, pm] of w.model.pipes.entries()) {
            while (pm.pending > 0) {
              const buf = new Uint8Array(pm.pending);
              const n = await io.read(w.pipes[i][0], buf);
              assert(equalBytes(buf.subarray(0, n), pm.take(n)), `drain of pipe ${i}`);
            }
          }
          assertEquals(io.pending, 0, "nothing pending after the program");
        }
        await io[Symbol.asyncDispose]();
      })(),
      DEADLINE_MS,
      () => `batch ${batchNo} of ${prog.batches.length} (pending ${io.pending})`,
    );
    // the file holds exactly what the model says, unless the ring closed mid-batch
    if (prog.closeAt >= prog.batches.length) {
      assert(equalBytes(Deno.readFileSync(w.filePath), w.model.file), "file content");
    }
  } finally {
    for (const t of timers) clearTimeout(t);
    io.close();
    await io[Symbol.asyncDispose]();
    closeWorld(w);
    Deno.removeSync(dir, { recursive: true });
  }
  assertEquals(fdCount(), fdsBefore, "no fd leaked");
}

Deno.test(`AsyncRing: random op programs settle and match the model (${RUNS} programs)`, async () => {
  warmHelpers();
  await fc.assert(fc.asyncProperty(program, runProgram), fcParams(RUNS));
  if (Deno.env.has("FC_RUNS")) console.log(`${started.async} ops (each chain entry counts)`);
});

Deno.test({
  name: "AsyncRing.close() in the same turn as open()/pipe() leaks no fd",
  async fn() {
    using tmp = {
      path: Deno.makeTempFileSync(),
      [Symbol.dispose]() {
        Deno.removeSync(this.path);
      },
    };
    warmHelpers();
    const before = fdCount();
    for (const start of [(io: AsyncRing) => io.open(tmp.path), (io: AsyncRing) => io.pipe()]) {
      const io = new AsyncRing({ entries: 8 });
      const p = start(io);
      io.close();
      await p.then(
        (fds) => [fds].flat().forEach((fd) => closeFd(fd)),
        (e) => assert(isClosedError(e)),
      );
      await io[Symbol.asyncDispose]();
    }
    assertEquals(fdCount(), before);
  },
});
