import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertInstanceOf,
  assertObjectMatch,
  assertRejects,
} from "@std/assert";
import { AsyncRing, UringError } from "../../ffi/mod.ts";

Deno.test("AsyncRing timeoutMs cancels a parked read with UringError ECANCELED", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  const t0 = performance.now();
  const err = await assertRejects(
    () => io.read(r, new Uint8Array(4), -1, { timeoutMs: 30 }),
    UringError,
  );
  const dt = performance.now() - t0;
  assert(err.code === "ECANCELED" || err.code === "ETIME", err.code);
  assertEquals(err.call, "read");
  assert(dt >= 25 && dt < 2000, `took ${dt} ms`);
  assertEquals(io.pending, 0);
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("AsyncRing timeoutMs does not fire when the op completes first", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  await io.write(w, new Uint8Array([1, 2, 3]));
  assertEquals(await io.read(r, new Uint8Array(3), -1, { timeoutMs: 1000 }), 3);
  const pending = io.read(r, new Uint8Array(3), -1, { timeoutMs: 2000 });
  await io.timeout(10);
  await io.write(w, new Uint8Array([4]));
  assertEquals(await pending, 1);
  for (let i = 0; i < 20; i++) await io.nop({ timeoutMs: 5000 });
  assertEquals(io.pending, 0);
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("AsyncRing timeoutMs bounds accept() and works with a signal", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const ac = new AbortController();
  assertObjectMatch(
    await assertRejects(() => io.accept(lfd, { timeoutMs: 20, signal: ac.signal }), UringError),
    { code: "ECANCELED" },
  );
  const t = io.accept(lfd, { timeoutMs: 5000, signal: ac.signal });
  await io.nop();
  ac.abort();
  assertEquals((await assertRejects(() => t, DOMException)).name, "AbortError");
  await io.closeFd(lfd);
});

Deno.test("AsyncRing timeoutMs on link() cancels the chain's ops", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  const buf = new Uint8Array(4);
  const t0 = performance.now();
  const [a, b] = await io.link((c) => c.read(r, buf).nop(), { timeoutMs: 30 });
  assertGreaterOrEqual(performance.now() - t0, 25);
  assertInstanceOf(a, UringError);
  assertEquals(a.code, "ECANCELED");
  assertInstanceOf(b, UringError);
  assertEquals(b.code, "ECANCELED");
  // completes in time: the timer is removed (a short read would break the chain: read 1 of 1)
  await io.write(w, new Uint8Array([9]));
  const one = new Uint8Array(1);
  assertEquals(await io.link((c) => c.read(r, one, -1).nop(), { timeoutMs: 5000 }), [1, 0]);
  await io.nop();
  assertEquals(io.pending, 0);
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("AsyncRing.timeout() uses a kernel timer and many run at once", async () => {
  await using io = new AsyncRing({ entries: 64 });
  const t0 = performance.now();
  const order: number[] = [];
  await Promise.all([60, 20, 40].map((ms) => io.timeout(ms).then(() => order.push(ms))));
  assertEquals(order, [20, 40, 60]);
  assertGreaterOrEqual(performance.now() - t0, 59);
  await io.timeout(0);
  await io.timeout({ sec: 0, nsec: 1_000_000 } as never).catch(() => {});
  await assertRejects(
    () => io.timeout(-5),
    RangeError,
    "time must be a finite number of milliseconds >= 0, got -5",
  );
});
