import {
  assert,
  assertEquals,
  assertGreater,
  assertLess,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import { spy } from "@std/testing/mock";
import { FakeTime } from "@std/testing/time";
import { AsyncRing, PollEvent } from "../../ffi/mod.ts";
import { fdCount, tempFile } from "../_helpers.ts";

const enc = new TextEncoder();

/** Lets the ring run its internal SQEs (late closes) and the event loop turn. */
async function settle(io: AsyncRing): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await io.nop();
    await new Promise((r) => setTimeout(r, 1));
  }
}

Deno.test("AsyncRing: an already aborted signal rejects with its reason before submission", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const reason = new Error("stop it");
  const signal = AbortSignal.abort(reason);
  assertStrictEquals(await assertRejects(() => io.nop({ signal })), reason);
  assertStrictEquals(
    await assertRejects(() => io.read(0, new Uint8Array(1), 0, { signal })),
    reason,
  );
  assertStrictEquals(await assertRejects(() => io.open("/etc/hostname", { signal })), reason);
  assertStrictEquals(await assertRejects(() => io.link((c) => c.nop(), { signal })), reason);
  assertEquals(io.ring.sqReady(), 0, "nothing reached the SQ");
  assertEquals(io.pending, 0);
  const def = await assertRejects(() => io.nop({ signal: AbortSignal.abort() }), DOMException);
  assertEquals(def.name, "AbortError");
});

Deno.test("AsyncRing: abort after submission cancels the op in the kernel and keeps the data", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  const ac = new AbortController();
  const buf = new Uint8Array(8);
  const reading = io.read(r, buf, -1, { signal: ac.signal });
  await io.nop(); // the read is parked in the kernel now
  assertEquals(io.pending, 1);
  ac.abort();
  const err = await assertRejects(() => reading, DOMException);
  assertEquals(err.name, "AbortError");
  assertEquals(io.pending, 0);
  await io.write(w, enc.encode("still here"));
  const n = await io.read(r, new Uint8Array(16));
  assertEquals(n, 10, "the cancelled read consumed nothing");
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("AsyncRing: abort in the same turn as the op rejects with the reason", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  const ac = new AbortController();
  const p = io.read(r, new Uint8Array(4), -1, { signal: ac.signal });
  ac.abort("why");
  assertStrictEquals(await assertRejects(() => p), "why");
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("AsyncRing: a signal that never fires keeps no listener once its ops are done", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const keep = new AbortController();
  const added = spy(keep.signal, "addEventListener");
  const removed = spy(keep.signal, "removeEventListener");
  try {
    for (let i = 0; i < 100; i++) await io.nop({ signal: keep.signal });
    await Promise.all([io.nop({ signal: keep.signal }), io.timeout(1, { signal: keep.signal })]);
  } finally {
    added.restore();
    removed.restore();
  }
  assertGreater(added.calls.length, 0, "the ops listened to the signal");
  assertEquals(removed.calls.length, added.calls.length, "as many listeners removed as added");
  const gone = new Set(removed.calls.map((c) => c.args[1]));
  for (const c of added.calls) assert(gone.has(c.args[1]), "a listener was left on the signal");
  assertEquals(io.pending, 0);
});

Deno.test("AsyncRing: a cancelled open or pipe leaks no fd even when the kernel completed it", async () => {
  await using io = new AsyncRing({ entries: 16 });
  using tmp = tempFile("x");
  await settle(io);
  const before = fdCount();
  for (let i = 0; i < 50; i++) {
    const ac = new AbortController();
    const o = io.open(tmp.path, { signal: ac.signal });
    const p = io.pipe({ signal: ac.signal });
    ac.abort(); // cancel SQEs go right after the ops: the inline open/pipe win the race
    assertEquals((await assertRejects(() => o, DOMException)).name, "AbortError");
    assertEquals((await assertRejects(() => p, DOMException)).name, "AbortError");
  }
  await settle(io);
  assertEquals(fdCount(), before);
});

Deno.test("AsyncRing: a cancelled accept leaks no fd, whether parked or already completed", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = io.localAddr(lfd).port;
  await settle(io);
  const before = fdCount();
  // parked in the kernel, then aborted
  const ac = new AbortController();
  const parked = io.accept(lfd, { signal: ac.signal });
  await io.nop();
  ac.abort();
  assertEquals((await assertRejects(() => parked, DOMException)).name, "AbortError");
  // a connection is waiting, so the accept completes inline, after the abort
  const clients: Deno.Conn[] = [];
  for (let i = 0; i < 10; i++) {
    clients.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    const ac2 = new AbortController();
    const p = io.accept(lfd, { signal: ac2.signal });
    ac2.abort();
    assertEquals((await assertRejects(() => p, DOMException)).name, "AbortError");
  }
  await settle(io);
  for (const c of clients) c.close();
  assertEquals(fdCount(), before + 0);
  await io.closeFd(lfd);
});

Deno.test("AsyncRing: aborting a linked chain rejects it with the reason", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const ac = new AbortController();
  const t0 = performance.now();
  const chain = io.link((c) => c.timeout(5000).nop(), { signal: ac.signal });
  await io.nop();
  ac.abort(new Error("enough"));
  await assertRejects(() => chain, Error, "enough");
  assertLess(performance.now() - t0, 1000);
  assertEquals(io.pending, 0);
});

Deno.test("AsyncRing: aborting io.timeout() rejects it at once", async () => {
  await using io = new AsyncRing({ entries: 8 });
  // Fake JavaScript time only: the 10 s timeout below runs on the kernel's clock, untouched
  using time = new FakeTime();
  const ac = new AbortController();
  const t0 = performance.now();
  const t = io.timeout(10_000, { signal: ac.signal });
  setTimeout(() => ac.abort(), 10);
  await time.tickAsync(9);
  assertEquals(ac.signal.aborted, false);
  await time.tickAsync(1); // the JS timer fires: abort
  assertEquals((await assertRejects(() => t, DOMException)).name, "AbortError");
  assertLess(performance.now() - t0, 1000, "the kernel timeout was cancelled, not waited out");
});

Deno.test("AsyncRing: internal SQEs that overflow a 2-entry SQ while reaping go through the backlog", async () => {
  await using io = new AsyncRing({ entries: 2, cqEntries: 128 });
  const [r, w] = await io.pipe();
  // 40 chains, each a parked poll bounded by a 10 s kernel timer
  const chains = Array.from(
    { length: 40 },
    () => io.link((c) => c.poll(r, PollEvent.IN), { timeoutMs: 10_000 }),
  );
  await io.nop();
  assertEquals(io.pending, 80);
  const t0 = performance.now();
  await io.write(w, new Uint8Array([1])); // all 40 polls complete in one reap: 40 timer removals
  const results = await Promise.all(chains);
  assert(results.every(([m]) => typeof m === "number" && (m & PollEvent.IN) !== 0));
  while (io.pending > 0 && performance.now() - t0 < 2000) await io.timeout(1);
  assertEquals(io.pending, 0, "every timer was removed, none lost");
  await io.closeFd(r);
  await io.closeFd(w);
});
