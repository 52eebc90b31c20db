import { assert, assertEquals } from "@std/assert";
import { AsyncRing, PollEvent } from "../../ffi/mod.ts";
import { patternBytes, tempFile } from "../_helpers.ts";

Deno.test("AsyncRing: 10 000 concurrent reads on a 256-entry ring all complete with the right bytes", async () => {
  const N = 10_000, SIZE = 16;
  const data = patternBytes(N * SIZE, 5);
  using tmp = tempFile(data);
  await using io = new AsyncRing({ entries: 256 });
  const fd = await io.open(tmp.path);
  const bufs = Array.from({ length: N }, () => new Uint8Array(SIZE));
  const reads = bufs.map((b, i) => io.read(fd, b, i * SIZE));
  assert(io.pending > 0 && io.pending <= N); // full SQs were flushed on the way
  const results = await Promise.all(reads);
  assert(results.every((n) => n === SIZE));
  for (let i = 0; i < N; i++) {
    assertEquals(bufs[i], data.subarray(i * SIZE, (i + 1) * SIZE), `read ${i}`);
  }
  assertEquals(io.pending, 0);
  await io.closeFd(fd);
});

Deno.test("AsyncRing: 2 000 parked polls on an 8-entry ring survive CQ overflow when they all fire", async () => {
  await using io = new AsyncRing({ entries: 8 }); // CQ of 16 entries
  assert(io.ring.features.nodrop);
  const [r, w] = await io.pipe();
  const N = 2000;
  const polls = Array.from({ length: N }, () => io.poll(r, PollEvent.IN));
  await io.nop();
  assertEquals(io.pending, N);
  await io.write(w, new Uint8Array([1])); // wakes all of them at once: >> CQ size
  const masks = await Promise.all(polls);
  assert(masks.every((m) => (m & PollEvent.IN) !== 0));
  assertEquals(io.ring.cqOverflow, 0, "no completion dropped");
  assertEquals(io.pending, 0);
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("AsyncRing: 20 000 NOPs started in one turn on a 32-entry ring", async () => {
  await using io = new AsyncRing({ entries: 32 });
  const all = [];
  for (let i = 0; i < 20_000; i++) all.push(io.nop());
  await Promise.all(all);
  assertEquals(io.pending, 0);
});

Deno.test("AsyncRing: ops with timeouts and chains interleaved past the SQ size", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const ops: Promise<unknown>[] = [];
  for (let i = 0; i < 500; i++) {
    ops.push(io.nop({ timeoutMs: 10_000 }));
    ops.push(io.link((c) => c.nop().nop().nop()));
    ops.push(io.nop());
  }
  const res = await Promise.all(ops);
  for (let i = 0; i < res.length; i += 3) assertEquals(res[i + 1], [0, 0, 0]);
  await io.nop();
  assertEquals(io.pending, 0);
});
