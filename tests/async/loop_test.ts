import {
  assertEquals,
  assertGreaterOrEqual,
  assertLess,
  assertMatch,
  assertRejects,
} from "@std/assert";
import { AsyncRing } from "../../ffi/mod.ts";
import { runChild } from "../_helpers.ts";

const MOD = new URL("../../mod.ts", import.meta.url).href;

Deno.test("AsyncRing: a 5 ms setInterval keeps firing while a 1 s kernel timeout is pending", async () => {
  await using io = new AsyncRing({ entries: 8 });
  let ticks = 0;
  const id = setInterval(() => ticks++, 5);
  const t0 = performance.now();
  await io.timeout(1000);
  clearInterval(id);
  const dt = performance.now() - t0;
  assertGreaterOrEqual(dt, 990, `timeout took ${dt} ms`);
  assertGreaterOrEqual(ticks, 100, `only ${ticks} ticks in ${dt} ms`);
});

Deno.test("AsyncRing: the process exits by itself when nothing is in flight (ring left open)", async () => {
  const { code, ms, out } = await runChild(`
    import { AsyncRing } from "${MOD}";
    const io = new AsyncRing({ entries: 8 });
    await io.nop();
    await io.timeout(100); // the waiter thread sleeps, then finds nothing in flight
    const [r, w] = await io.pipe();
    const reading = io.read(r, new Uint8Array(4)); // parked: the waiter sleeps again
    setTimeout(() => io.write(w, new Uint8Array([1, 2])), 50); // completes inline in a flush
    console.log("read", await reading);
    await io.closeFd(r);
    await io.closeFd(w);
    // no close(): the ring must not keep the process alive
  `);
  assertEquals(code, 0, out);
  assertMatch(out, /read 2/);
  assertLess(ms, 10_000, `child took ${ms} ms`);
});

Deno.test("AsyncRing: the process exits after close() with ops still pending", async () => {
  const { code, ms, out } = await runChild(`
    import { AsyncRing } from "${MOD}";
    const io = new AsyncRing({ entries: 8 });
    const [r, w] = await io.pipe();
    const ops = [io.timeout(60_000), io.read(r, new Uint8Array(4)), io.poll(w, 0)];
    for (const p of ops) p.catch((e) => console.log("rejected:", e.message));
    await io.nop();
    io.close();
  `);
  assertEquals(code, 0, out);
  assertEquals(out.match(/rejected: AsyncRing is closed/g)?.length, 3, out);
  assertLess(ms, 10_000, `child took ${ms} ms`);
});

Deno.test("AsyncRing.close() with ops pending rejects them and releases the ring", async () => {
  const io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  const buf = new Uint8Array(16);
  const read = io.read(r, buf);
  const timer = io.timeout(60_000);
  const chain = io.link((c) => c.timeout(60_000).nop());
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const it = io.acceptMultishot(lfd);
  const next = it.next();
  await io.nop();
  assertEquals(io.pending, 5, "read, timeout, the chain's two ops, the multishot accept");
  const t0 = performance.now();
  io.close();
  for (const p of [read, timer, chain, next]) {
    await assertRejects(() => p, Error, "AsyncRing is closed");
  }
  await io[Symbol.asyncDispose]();
  assertLess(performance.now() - t0, 1500);
  assertEquals(io.ring.closed, true);
  assertEquals(io.pending, 0);
  assertEquals(await it.next(), { done: true, value: undefined });
  // the fds made through the ring are still ours to close
  await using io2 = new AsyncRing({ entries: 4 });
  for (const fd of [r, w, lfd]) await io2.closeFd(fd);
});

Deno.test("AsyncRing: await using waits for the waiter thread to be back", async () => {
  let ring;
  {
    await using io = new AsyncRing({ entries: 4 });
    ring = io.ring;
    io.timeout(60_000).catch(() => {});
    await io.nop();
  }
  assertEquals(ring.closed, true);
});
