// Soak: millions of mixed AsyncRing ops on one ring, checking every result, with the process's
// resident memory (VmRSS) and open fd count printed at the start, the middle and the end.
//
//   deno task soak                 # 10 M ops
//   deno task soak --ops 1000000   # fewer
//
// The mix, per round of about 62 ops (the rarer kinds every few rounds): NOPs in a batch; writes
// to pipes read back and compared; writes and reads at random offsets of a temp file, plain and
// page-aligned buffers; open/read/close of a file; linked write→read chains, and chains whose
// first op fails (EBADF, the rest ECANCELED); reads that a linked timeout ends (ECANCELED); reads
// aborted through an AbortSignal (AbortError, no data lost); kernel timeouts; multishot poll on a
// pipe; multishot recv into a buffer ring over a 127.0.0.1 TCP connection; TCP connect/accept/
// send/recv/close; pipes made and closed. An op counts once per SQE the program asked for (a
// chain counts each member, a multishot each completion it yielded).
//
// RSS, V8 heap and fds are sampled after a full GC at every 10% of the ops. Fails (exit 1) on any
// wrong result, when the fd count at the end differs from the start (all fds closed, ring
// closed), or when RSS kept growing: the highest RSS of the second half's checkpoints above the
// highest of the first half's by more than `--rss-growth-mib` (default 16 MiB) plus
// `--rss-growth-pct` (default 5%) of it. A leak of 4 bytes per op would be 19 MiB over 5 M ops.
import { parseArgs } from "node:util";
import { alignedBuffer, AsyncRing, PollEvent, UringError } from "../mod.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    ops: { type: "string", default: "10000000" },
    "rss-growth-mib": { type: "string", default: "16" },
    "rss-growth-pct": { type: "string", default: "5" },
  },
});
const TOTAL = Number(args.values.ops);
const RSS_SLACK_MIB = Number(args.values["rss-growth-mib"]);
const RSS_SLACK_PCT = Number(args.values["rss-growth-pct"]);
if (!Number.isInteger(TOTAL) || TOTAL < 1000) throw new RangeError("--ops must be >= 1000");

const gc = (globalThis as { gc?: () => void }).gc;

interface Sample {
  at: string;
  ops: number;
  rssKiB: number;
  /** V8 heap in use after a full GC, and memory V8 knows outside its heap (ArrayBuffers). */
  heapKiB: number;
  externalKiB: number;
  fds: number;
  seconds: number;
  fdList: Map<string, string>;
}

function rssKiB(): number {
  const m = Deno.readTextFileSync("/proc/self/status").match(/^VmRSS:\s+(\d+) kB/m);
  return m === null ? NaN : Number(m[1]);
}

/** This process's open fds, each with what it points at. */
function openFds(): Map<string, string> {
  const fds = new Map<string, string>();
  for (const { name } of Deno.readDirSync("/proc/self/fd")) {
    try {
      fds.set(name, Deno.readLinkSync(`/proc/self/fd/${name}`));
    } catch { /* the directory's own fd, gone by now */ }
  }
  return fds;
}

let t0 = performance.now();
function sample(at: string, ops: number): Sample {
  gc?.(); // with --v8-flags=--expose-gc (the task passes it): RSS without collectable garbage
  const fdList = openFds();
  const seconds = (performance.now() - t0) / 1000;
  const { heapUsed, external } = Deno.memoryUsage();
  return {
    at,
    ops,
    rssKiB: rssKiB(),
    heapKiB: heapUsed / 1024,
    externalKiB: external / 1024,
    fds: fdList.size,
    seconds,
    fdList,
  };
}

function fail(msg: string): never {
  throw new Error(`soak: ${msg}`);
}

function check(cond: boolean, msg: () => string): void {
  if (!cond) fail(msg());
}

const enc = new TextEncoder();
/** Fills `buf` with bytes derived from `seed`, so every write carries different data. */
function fill(buf: Uint8Array, seed: number): Uint8Array {
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < buf.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x;
  }
  return buf;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function expectCode(p: Promise<unknown>, code: string, what: string): Promise<void> {
  const e = await p.then(() => null, (e) => e);
  check(
    e instanceof UringError && e.code === code,
    () => `${what}: expected ${code}, got ${e === null ? "success" : e}`,
  );
}

// Deno opens fds of its own (a unix socketpair) on an event-loop turn about 0.5 s after it
// starts: the baseline is taken once the process is a second old.
await new Promise((r) => setTimeout(r, Math.max(0, 1000 - performance.now())));
t0 = performance.now();
const start = sample("start", 0);
const samples: Sample[] = [start];

const io = new AsyncRing({ entries: 256 });
const dir = await Deno.makeTempDir({ prefix: "uring_soak_" });
const filePath = `${dir}/data`;
const FILE_SIZE = 1 << 20;
await Deno.writeFile(filePath, fill(new Uint8Array(FILE_SIZE), 7));
const fileFd = await io.open(filePath, { read: true, write: true });
const shadow = await Deno.readFile(filePath); // what the file holds, kept in step with writes
const pipes = await Promise.all(Array.from({ length: 8 }, () => io.pipe()));
const [pollR, pollW] = await io.pipe();
const [idleR, idleW] = await io.pipe(); // never written: reads on it park until cancelled
const listenFd = await io.listenTcp({ hostname: "127.0.0.1", port: 0, backlog: 64 });
const port = io.localAddr(listenFd).port;
const accepting = io.accept(listenFd);
const tcpClient = await io.connectTcp({ hostname: "127.0.0.1", port });
const tcpServer = await accepting;
const group = io.ring.registerBufRing({ group: 1, entries: 16, size: 4096 });
const aligned = alignedBuffer(64 * 4096);
const page = (i: number) => aligned.subarray(i * 4096, (i + 1) * 4096);

let ops = 0;
let round = 0;

/** 32 NOPs in one batch. */
async function nops(): Promise<void> {
  const all: Promise<void>[] = [];
  for (let i = 0; i < 32; i++) all.push(io.nop());
  await Promise.all(all);
  ops += 32;
}

/** Each of the 8 pipes: a write of 1..4096 bytes, read back whole and compared. */
async function pipeRoundTrips(): Promise<void> {
  await Promise.all(pipes.map(async ([r, w], i) => {
    const len = 1 + ((round * 131 + i * 977) % 4096);
    const out = fill(i & 1 ? page(i).subarray(0, len) : new Uint8Array(len), round * 8 + i);
    const back = i & 1 ? page(8 + i).subarray(0, len) : new Uint8Array(len);
    const [wn, rn] = await Promise.all([io.write(w, out), io.read(r, back)]);
    check(wn === len && rn === len && same(out, back), () => `pipe ${i}: ${wn}/${rn} of ${len}`);
  }));
  ops += 16;
}

/** 4 writes at random offsets of the file, then 4 reads of the same ranges, compared. */
async function fileWritesReads(): Promise<void> {
  const ranges = Array.from({ length: 4 }, (_, i) => {
    const len = 512 + ((round * 37 + i * 1999) % 3585);
    const off = ((round * 7919 + i * 104729) * 512) % (FILE_SIZE - len);
    return { off, len, data: fill(new Uint8Array(len), round * 4 + i) };
  });
  // distinct offsets may overlap: write one after the other so the file matches the shadow
  for (const { off, len, data } of ranges) {
    check((await io.write(fileFd, data, off)) === len, () => `file write at ${off}`);
    shadow.set(data, off);
  }
  const got = await Promise.all(ranges.map(({ off, len }, i) => {
    const buf = i & 1 ? page(16 + i).subarray(0, len) : new Uint8Array(len);
    return io.read(fileFd, buf, off).then((n) => ({ n, buf }));
  }));
  for (const [i, { n, buf }] of got.entries()) {
    const { off, len } = ranges[i];
    check(n === len && same(buf, shadow.subarray(off, off + len)), () => `file read at ${off}`);
  }
  ops += 8;
}

/** A linked write→read on a pipe, and a chain whose first op fails. */
async function chains(): Promise<void> {
  const [r, w] = pipes[round & 7];
  const out = fill(new Uint8Array(100), round);
  const back = new Uint8Array(100);
  const [wn, rn] = await io.link((c) => {
    c.write(w, out);
    c.read(r, back);
  });
  check(wn === 100 && rn === 100 && same(out, back), () => `chain write/read: ${wn} ${rn}`);
  const bad = await io.link((c) => {
    c.read(1 << 30, new Uint8Array(8), 0); // no such fd
    c.nop();
    c.nop();
  });
  const codes = bad.map((x) => x instanceof UringError ? x.code : x);
  check(
    codes[0] === "EBADF" && codes[1] === "ECANCELED" && codes[2] === "ECANCELED",
    () => `failing chain: ${codes}`,
  );
  ops += 5;
}

/** A read on an empty pipe aborted through a signal: AbortError, and no byte is consumed. */
async function abortedRead(): Promise<void> {
  const ac = new AbortController();
  const reading = io.read(idleR, new Uint8Array(16), -1, { signal: ac.signal });
  await io.nop(); // the read is parked in the kernel now
  ac.abort();
  const e = await reading.then(() => null, (e) => e);
  check(e instanceof Error && e.name === "AbortError", () => `aborted read: ${e}`);
  ops += 2;
}

/** A kernel timeout, and a read that its linked timeout ends with ECANCELED. */
async function timeouts(): Promise<void> {
  await Promise.all([
    io.timeout(1),
    expectCode(io.read(idleR, new Uint8Array(8), -1, { timeoutMs: 1 }), "ECANCELED", "timed read"),
  ]);
  ops += 2;
}

/** open + read + close of the data file. */
async function openReadClose(): Promise<void> {
  const fd = await io.open(filePath);
  const buf = new Uint8Array(256);
  const off = (round * 4096) % (FILE_SIZE - 256);
  const n = await io.read(fd, buf, off);
  await io.closeFd(fd);
  check(n === 256 && same(buf, shadow.subarray(off, off + 256)), () => `open/read at ${off}`);
  ops += 3;
}

/** Multishot poll on a pipe: 4 writes, 4 readiness events, each drained; then cancelled. */
async function pollMultishot(): Promise<void> {
  const it = io.pollMultishot(pollR, PollEvent.IN);
  const buf = new Uint8Array(8);
  for (let i = 0; i < 4; i++) {
    const next = it.next();
    await io.write(pollW, enc.encode("x"));
    const { value } = await next;
    check(((value ?? 0) & PollEvent.IN) !== 0, () => `poll mask ${value}`);
    check((await io.read(pollR, buf)) === 1, () => "poll drain");
  }
  await it.return();
  ops += 4 * 3;
}

/** Multishot recv into the buffer ring: 4 sends over TCP, received in order, then cancelled. */
async function recvMultishot(): Promise<void> {
  const sent = fill(new Uint8Array(4 * 1000), round);
  for (let i = 0; i < 4; i++) await io.send(tcpClient, sent.subarray(i * 1000, (i + 1) * 1000));
  const got = new Uint8Array(sent.length);
  let n = 0, chunks = 0;
  for await (const chunk of io.recvMultishot(tcpServer, group)) {
    got.set(chunk, n);
    n += chunk.length;
    chunks++;
    if (n === sent.length) break;
  }
  check(same(got, sent), () => "recvMultishot data");
  ops += 4 + chunks;
}

/** A new TCP connection: connect, accept, one message each way, both closed. */
async function tcpConnection(): Promise<void> {
  const accepting = io.accept(listenFd);
  const c = await io.connectTcp({ hostname: "127.0.0.1", port });
  const s = await accepting;
  const msg = fill(new Uint8Array(64), round);
  const back = new Uint8Array(64);
  await io.send(c, msg);
  check((await io.recv(s, back)) === 64 && same(msg, back), () => "tcp recv");
  await io.send(s, back);
  check((await io.recv(c, back)) === 64 && same(msg, back), () => "tcp echo");
  await Promise.all([io.closeFd(c), io.closeFd(s)]);
  ops += 9; // socket + connect (connectTcp), accept, 2 sends, 2 recvs, 2 closes
}

/** A new pipe, one byte through it, both ends closed. */
async function pipeChurn(): Promise<void> {
  const [r, w] = await io.pipe();
  const one = new Uint8Array(1);
  await io.write(w, enc.encode("p"));
  await io.read(r, one);
  await Promise.all([io.closeFd(r), io.closeFd(w)]);
  check(one[0] === 0x70, () => "pipe churn byte");
  ops += 5;
}

async function oneRound(): Promise<void> {
  // openReadClose compares with the shadow copy: after this round's file writes, not during
  const file = round % 16 === 8 ? fileWritesReads().then(openReadClose) : fileWritesReads();
  const work: Promise<void>[] = [nops(), pipeRoundTrips(), file, chains()];
  if (round % 4 === 0) work.push(abortedRead());
  if (round % 16 === 0) work.push(timeouts());
  if (round % 32 === 0) work.push(pipeChurn());
  if (round % 64 === 0) work.push(pollMultishot());
  if (round % 64 === 32) work.push(recvMultishot());
  if (round % 256 === 0) work.push(tcpConnection());
  await Promise.all(work);
  round++;
}

console.log(`soak: ${TOTAL.toLocaleString("en-US")} mixed AsyncRing ops`);
// Checkpoints every 10% (after a full GC): the middle is the 50% one. V8 and malloc keep freed
// pages for reuse, so RSS moves up and down by tens of MiB between checkpoints; a leak is RSS
// that keeps growing, so the peak of the second half is compared with the peak of the first.
const checkpoints: Sample[] = [];
let nextCheckpoint = TOTAL / 10;
while (ops < TOTAL) {
  await oneRound();
  if (ops >= nextCheckpoint || ops >= TOTAL) {
    const c = sample(`${checkpoints.length + 1}0%`, ops);
    checkpoints.push(c);
    console.log(
      `  ${(ops / 1e6).toFixed(1).padStart(5)} M ops  ${c.seconds.toFixed(1).padStart(6)} s  ` +
        `RSS ${(c.rssKiB / 1024).toFixed(1)} MiB  heap ${(c.heapKiB / 1024).toFixed(1)} MiB  ` +
        `external ${(c.externalKiB / 1024).toFixed(1)} MiB  fds ${c.fds}`,
    );
    nextCheckpoint += TOTAL / 10;
  }
}
const middle = checkpoints[Math.floor((checkpoints.length - 1) / 2)];
middle.at = "middle";
samples.push(middle);
const loopEnd = checkpoints[checkpoints.length - 1];
loopEnd.at = "end of ops";
samples.push(loopEnd);
check(io.pending === 0, () => `${io.pending} ops still pending after the loop`);

group.close();
for (const fd of [fileFd, pollR, pollW, idleR, idleW, listenFd, tcpClient, tcpServer]) {
  await io.closeFd(fd);
}
for (const [r, w] of pipes) await Promise.all([io.closeFd(r), io.closeFd(w)]);
await io[Symbol.asyncDispose]();
await Deno.remove(dir, { recursive: true });
const end = sample("end (all closed)", ops);
samples.push(end);

const seconds = loopEnd.seconds - start.seconds;
console.log("");
const mib = (kib: number) => (kib / 1024).toFixed(1);
console.log("point                    ops      VmRSS   V8 heap  external   fds  seconds");
for (const s of samples) {
  console.log(
    `${s.at.padEnd(18)}  ${s.ops.toLocaleString("en-US").padStart(10)}  ` +
      `${mib(s.rssKiB).padStart(5)} MiB  ${mib(s.heapKiB).padStart(4)} MiB  ` +
      `${mib(s.externalKiB).padStart(4)} MiB  ${String(s.fds).padStart(4)}  ` +
      `${s.seconds.toFixed(1).padStart(7)}`,
  );
}
const half = Math.ceil(checkpoints.length / 2);
const peak = (xs: Sample[]) => Math.max(...xs.map((x) => x.rssKiB));
const firstPeak = peak(checkpoints.slice(0, half));
const secondPeak = peak(checkpoints.slice(half));
const growthKiB = secondPeak - firstPeak;
const boundKiB = RSS_SLACK_MIB * 1024 + firstPeak * RSS_SLACK_PCT / 100;
const sign = (kib: number) => `${kib >= 0 ? "+" : ""}${mib(kib)}`;
console.log(
  `\n${round.toLocaleString("en-US")} rounds, ${(ops / seconds / 1000).toFixed(0)} K ops/s; ` +
    `RSS middle→end ${sign(loopEnd.rssKiB - middle.rssKiB)} MiB, peak of the second half vs ` +
    `the first ${sign(growthKiB)} MiB (${(100 * growthKiB / firstPeak).toFixed(1)}%, bound ` +
    `${mib(boundKiB)} MiB); V8 heap middle→end ${sign(loopEnd.heapKiB - middle.heapKiB)} MiB; ` +
    `fds start ${start.fds}, end ${end.fds}`,
);

let ok = true;
if (end.fds !== start.fds) {
  console.error(`FAIL: ${end.fds - start.fds} fds more at the end than at the start`);
  for (const [fd, target] of end.fdList) {
    if (start.fdList.get(fd) !== target) console.error(`  fd ${fd} -> ${target}`);
  }
  ok = false;
}
if (growthKiB > boundKiB) {
  console.error(`FAIL: RSS kept growing: the second half's peak is above the first's + bound`);
  ok = false;
}
console.log(ok ? "soak: ok" : "soak: FAILED");
Deno.exit(ok ? 0 : 1);
