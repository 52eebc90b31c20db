// Ops that complete inside the submit call settle in microtasks; AsyncRing must still give the
// event loop a turn after a bounded amount of such work, so timers and I/O callbacks run
// (issue 11, item 4). Each loop is capped at 3 s so that a regression fails instead of hanging.
import { assertEquals, assertLess } from "@std/assert";
import { AsyncRing } from "../../ffi/mod.ts";

const CAP_MS = 3000;
/** Runs `step` until a 10 ms timer fires; returns how long that took. */
async function untilTimer(step: () => Promise<unknown>): Promise<number> {
  let stop = false;
  const t0 = performance.now();
  const timer = setTimeout(() => stop = true, 10);
  while (!stop && performance.now() - t0 < CAP_MS) await step();
  clearTimeout(timer);
  return performance.now() - t0;
}

Deno.test("AsyncRing: a timer fires within a few ms under an `await io.nop()` loop", async () => {
  await using io = new AsyncRing();
  const ms = await untilTimer(() => io.nop());
  assertLess(ms, 60, `the 10 ms timer fired after ${ms.toFixed(1)} ms`);
});

Deno.test("AsyncRing: a timer fires within a few ms under batches of 64 nop()", async () => {
  await using io = new AsyncRing();
  const batch = new Array<Promise<void>>(64);
  const ms = await untilTimer(() => {
    for (let i = 0; i < 64; i++) batch[i] = io.nop();
    return Promise.all(batch);
  });
  assertLess(ms, 60, `the 10 ms timer fired after ${ms.toFixed(1)} ms`);
});

Deno.test("AsyncRing: a timer fires within a few ms under a loopback send+recv loop", async () => {
  await using io = new AsyncRing();
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const { port } = io.localAddr(lfd);
  const [c, s] = await Promise.all([
    io.connectTcp({ hostname: "127.0.0.1", port }),
    io.accept(lfd),
  ]);
  const out = new Uint8Array(64).fill(7), back = new Uint8Array(64);
  let rounds = 0;
  const ms = await untilTimer(async () => {
    await io.send(c, out);
    assertEquals(await io.recv(s, back), 64);
    rounds++;
  });
  assertLess(ms, 60, `the 10 ms timer fired after ${ms.toFixed(1)} ms (${rounds} round trips)`);
  for (const fd of [c, s, lfd]) await io.closeFd(fd);
});

Deno.test("AsyncRing: I/O callbacks of Deno's own ops run under an `await io.nop()` loop", async () => {
  await using io = new AsyncRing();
  const path = await Deno.makeTempFile();
  let done = false;
  const read = Deno.readFile(path).then(() => done = true);
  const t0 = performance.now();
  while (!done && performance.now() - t0 < CAP_MS) await io.nop();
  await read;
  assertLess(performance.now() - t0, 100);
  await Deno.remove(path);
});
