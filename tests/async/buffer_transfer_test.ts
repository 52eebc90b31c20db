// Memory safety when a caller transfers a buffer while the kernel uses it (issue 11, item 1).
// The work runs in a child process with --expose-gc (tests/_transfer_child.ts), so that a crash
// is seen as a failed exit instead of killing the test runner.
import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import { alignedBuffer, AsyncRing } from "../../ffi/mod.ts";
import { _BouncePool } from "../../ffi/engine/bounce.ts";

interface Line {
  name: string;
  size: number;
  result: string;
  dirty?: boolean;
  intact?: boolean;
  refused?: string;
}

async function runChild(): Promise<Line[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("./_transfer_child.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  const err = new TextDecoder().decode(out.stderr);
  assertEquals(out.signal, null, `child died by ${out.signal}: ${err}`);
  assertEquals(out.code, 0, `child failed: ${err}`);
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test("AsyncRing: a buffer transferred while its op is in flight is never written by the kernel", async () => {
  const lines = await runChild();
  const reads = lines.filter((l) => /^(read|readv|link\.read|recv)/.test(l.name));
  // read via transfer(), structuredClone and postMessage; readv; link read; recv
  assertEquals(reads.length, 3 * 3 + 3 + 3 + 1);
  for (const l of reads) {
    assertEquals(l.dirty, false, `${l.name} ${l.size}: the kernel wrote into freed memory`);
    assertMatch(l.result, /^TypeError:the buffer was detached .* bytes read were dropped/);
  }
  const writes = lines.filter((l) => l.name === "write");
  assertEquals(writes.length, 3);
  for (const l of writes) {
    assertMatch(l.result, /^ok:\d+$/);
    assert(l.intact, `${l.name} ${l.size}: the kernel wrote other bytes than the caller's`);
  }
  const dropped = lines.filter((l) => l.name.startsWith("dropped/"));
  assertEquals(dropped.map((l) => [l.name, l.result, l.dirty]), [
    ["dropped/read", "ok:65536", false],
    ["dropped/close", "closed", false],
  ]);
  const ring = lines.find((l) => l.name === "Ring/alignedBuffer")!;
  assertEquals(ring.refused, "DataCloneError", "alignedBuffer() memory cannot be transferred");
  assertEquals(ring.result, "ok:4096");
  assert(ring.intact && ring.dirty === false);
});

Deno.test("AsyncRing: send, writev and chain writes keep the caller's bytes when the source is transferred", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const [r, w] = await io.pipe();
  const src = (n: number, v: number) => new Uint8Array(n).fill(v);
  const a = src(100, 1), b = src(200, 2), c = src(300, 3);
  const writes = [
    io.writev(w, [a, b], -1),
    io.link((ch) => ch.write(w, c, -1)),
  ];
  // transferred in the same turn, before the batch reaches the kernel
  for (const v of [a, b, c]) (v.buffer as ArrayBuffer).transfer();
  assertEquals(await writes[0], 300);
  assertEquals(await writes[1], [300]);
  const got = new Uint8Array(600);
  let n = 0;
  while (n < 600) n += await io.read(r, got.subarray(n), -1);
  assertEquals(got, new Uint8Array([...src(100, 1), ...src(200, 2), ...src(300, 3)]));
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const { port } = io.localAddr(lfd);
  const [cfd, sfd] = await Promise.all([
    io.connectTcp({ hostname: "127.0.0.1", port }),
    io.accept(lfd),
  ]);
  const msg = src(64, 9);
  const sent = io.send(cfd, msg);
  (msg.buffer as ArrayBuffer).transfer();
  assertEquals(await sent, 64);
  const back = new Uint8Array(64);
  assertEquals(await io.recv(sfd, back), 64);
  assertEquals(back, src(64, 9));
  for (const fd of [r, w, cfd, sfd, lfd]) await io.closeFd(fd);
});

Deno.test("AsyncRing.readFixed() refuses registered caller views that could be transferred", async () => {
  await using io = new AsyncRing({ entries: 8 });
  const [r, w] = await io.pipe();
  using plain = io.ring.registerBufferViews([new Uint8Array(4096)]);
  await assertRejects(
    () => io.readFixed(r, plain, 0, -1),
    TypeError,
    "registered buffer 0 is caller memory that could be transferred",
  );
  await assertRejects(
    () => io.link((c) => c.writeFixed(w, plain, 0, -1)),
    TypeError,
    "register views over a SharedArrayBuffer",
  );
  using shared = io.ring.registerBufferViews([alignedBuffer(4096)]);
  await io.write(w, new Uint8Array([5, 6, 7]), -1);
  assertEquals(await io.readFixed(r, shared, 0, -1, { length: 3 }), 3);
  assertEquals(shared.get(0).subarray(0, 3), new Uint8Array([5, 6, 7]));
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("the bounce pool keeps at most 8 MiB free per size class and 16 MiB in all", () => {
  const pool = new _BouncePool();
  const MiB = 1 << 20;
  // A burst: 24 MiB of 1 MiB chunks, 24 MiB of 64 KiB ones and 4 MiB of 4 KiB ones at once.
  const taken = [
    ...Array.from({ length: 24 }, () => pool.take(MiB)),
    ...Array.from({ length: 384 }, () => pool.take(64 << 10)),
    ...Array.from({ length: 1024 }, () => pool.take(4096)),
  ];
  for (const chunk of taken) pool.give(chunk);
  assert(pool.freeBytes <= 16 * MiB, `${pool.freeBytes} bytes kept`);
  assert(pool.freeBytes >= 8 * MiB, "a burst's chunks are reused, up to the cap");
  // Reuse: taking again hands out kept chunks before cutting new slabs.
  const before = pool.freeBytes;
  const again = pool.take(MiB);
  assertEquals(pool.freeBytes, before - MiB);
  assertEquals(again.view.byteLength, MiB);
  assertEquals(again.addr % 4096, 0);
});
