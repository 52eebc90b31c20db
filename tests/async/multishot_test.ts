import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertLessOrEqual,
  assertRejects,
} from "@std/assert";
import { AsyncRing, PollEvent } from "../../ffi/mod.ts";
import { fdCount, patternBytes } from "../_helpers.ts";

const enc = new TextEncoder();

Deno.test("AsyncRing.acceptMultishot() accepts 20 real Deno.connect clients with one SQE", async () => {
  await using io = new AsyncRing({ entries: 32 });
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0, backlog: 64 });
  const port = io.localAddr(lfd).port;
  const clients = Array.from({ length: 20 }, () => Deno.connect({ hostname: "127.0.0.1", port }));
  const fds: number[] = [];
  for await (const fd of io.acceptMultishot(lfd)) {
    fds.push(fd);
    if (fds.length === 20) break;
  }
  assertEquals(new Set(fds).size, 20);
  // every accepted fd is a live connection to one of the clients
  const conns = await Promise.all(clients);
  for (const [i, fd] of fds.entries()) await io.send(fd, enc.encode(String.fromCharCode(65 + i)));
  const got = new Set<string>();
  for (const c of conns) {
    const b = new Uint8Array(1);
    await c.read(b);
    got.add(String.fromCharCode(b[0]));
    c.close();
  }
  assertEquals(got.size, 20);
  for (const fd of fds) await io.closeFd(fd);
  await io.nop();
  assertEquals(io.pending, 0, "break cancelled the multishot SQE");
  await io.closeFd(lfd);
});

Deno.test("AsyncRing.acceptMultishot() queues completions while the consumer is slow", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0, backlog: 64 });
  const port = io.localAddr(lfd).port;
  const it = io.acceptMultishot(lfd);
  const first = it.next(); // arms the SQE
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < 12; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
  await new Promise((r) => setTimeout(r, 50)); // all 12 accepted meanwhile, queued in JS
  const fds = [(await first).value!];
  for (let i = 1; i < 12; i++) fds.push((await it.next()).value!);
  assertEquals(new Set(fds).size, 12);
  assertEquals(await it.return(), { done: true, value: undefined });
  assertEquals(await it.next(), { done: true, value: undefined });
  for (const fd of fds) await io.closeFd(fd);
  for (const c of conns) c.close();
  await io.closeFd(lfd);
});

Deno.test("AsyncRing.acceptMultishot() re-arms when the kernel ends it (a 2-entry CQ), losing no connection", async () => {
  // With a CQ this small the kernel ends the multishot (a CQE without CqeFlag.MORE, carrying a
  // valid fd) whenever the CQ fills; the iterator delivers that fd and arms a new SQE.
  await using io = new AsyncRing({ entries: 1, cqEntries: 2 });
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0, backlog: 128 });
  const port = io.localAddr(lfd).port;
  const it = io.acceptMultishot(lfd);
  const first = it.next();
  const conns = await Promise.all(
    Array.from({ length: 50 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
  );
  const fds = [(await first).value!];
  while (fds.length < 50) fds.push((await it.next()).value!);
  await it.return();
  assertEquals(new Set(fds).size, 50);
  for (const fd of fds) await io.closeFd(fd);
  for (const c of conns) c.close();
  await io.closeFd(lfd);
});

Deno.test("AsyncRing.acceptMultishot() stops on abort; connections accepted meanwhile are closed", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = io.localAddr(lfd).port;
  await io.nop();
  const before = fdCount();
  const ac = new AbortController();
  const it = io.acceptMultishot(lfd, { signal: ac.signal });
  const first = it.next();
  const c1 = await Deno.connect({ hostname: "127.0.0.1", port });
  const fd1 = (await first).value!;
  const c2 = await Deno.connect({ hostname: "127.0.0.1", port }); // accepted, never consumed
  await new Promise((r) => setTimeout(r, 20));
  ac.abort();
  assertEquals((await assertRejects(() => it.next(), DOMException)).name, "AbortError");
  assertEquals(await it.next(), { done: true, value: undefined });
  await io.closeFd(fd1);
  for (let i = 0; i < 3; i++) await io.nop();
  c1.close();
  assertEquals(fdCount(), before + 1, "only c2's client side is open");
  c2.close();
  assertEquals(io.pending, 0);
  await io.closeFd(lfd);
});

Deno.test("AsyncRing.recvMultishot() receives 1 MiB through a small buffer ring, data verified", async () => {
  await using io = new AsyncRing({ entries: 32 });
  const group = io.ring.registerBufRing({ group: 3, entries: 8, size: 4096 });
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = io.localAddr(lfd).port;
  const data = patternBytes(1 << 20, 11);
  const accepted = io.accept(lfd);
  const client = await Deno.connect({ hostname: "127.0.0.1", port });
  const fd = await accepted;
  const sending = (async () => {
    for (let off = 0; off < data.length; off += 65536) {
      await client.write(data.subarray(off, off + 65536));
    }
    client.closeWrite();
  })();
  const got = new Uint8Array(data.length);
  let n = 0, chunks = 0;
  for await (const chunk of io.recvMultishot(fd, group)) {
    assertLessOrEqual(chunk.length, 4096);
    got.set(chunk, n);
    n += chunk.length;
    // a slow consumer now and then: the 8 buffers run out, the kernel ends the multishot with
    // ENOBUFS, and it is re-armed once buffers come back
    if (++chunks % 16 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  await sending;
  assertEquals(n, data.length);
  assertEquals(got, data);
  assertGreaterOrEqual(chunks, 256);
  client.close();
  await io.closeFd(fd);
  await io.closeFd(lfd);
  assertEquals(io.pending, 0);
  group.close();
});

Deno.test("AsyncRing.recvMultishot() break recycles buffers and cancels the SQE", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const group = io.ring.registerBufRing({ group: 4, entries: 4, size: 256 });
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const accepted = io.accept(lfd);
  const client = await Deno.connect({ hostname: "127.0.0.1", port: io.localAddr(lfd).port });
  const fd = await accepted;
  await client.write(enc.encode("one"));
  for await (const chunk of io.recvMultishot(fd, group)) {
    assertEquals(new TextDecoder().decode(chunk), "one");
    break;
  }
  await io.nop();
  assertEquals(io.pending, 0);
  // all 4 buffers are back: a new iterator gets data again
  await client.write(enc.encode("two"));
  for await (const chunk of io.recvMultishot(fd, group)) {
    assertEquals(new TextDecoder().decode(chunk), "two");
    break;
  }
  client.close();
  await io.closeFd(fd);
  await io.closeFd(lfd);
  group.close();
});

Deno.test("AsyncRing.pollMultishot() yields a mask each time the fd becomes ready", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const [r, w] = await io.pipe();
  const it = io.pollMultishot(r, PollEvent.IN);
  const buf = new Uint8Array(8);
  for (let i = 0; i < 3; i++) {
    const next = it.next();
    await io.write(w, enc.encode("x"));
    const { value } = await next;
    assert((value! & PollEvent.IN) !== 0);
    assertEquals(await io.read(r, buf), 1);
  }
  await it.return();
  await io.nop();
  assertEquals(io.pending, 0);
  await io.closeFd(r);
  await io.closeFd(w);
});

Deno.test("AsyncRing.readMultishot() reads a pipe into buffer-ring views until EOF", async () => {
  await using io = new AsyncRing({ entries: 16 });
  const group = io.ring.registerBufRing({ group: 5, entries: 4, size: 64 });
  const [r, w] = await io.pipe();
  const words = ["alpha", "beta", "gamma"];
  const seen: string[] = [];
  const reading = (async () => {
    for await (const chunk of io.readMultishot(r, group)) {
      seen.push(new TextDecoder().decode(chunk));
    }
  })();
  for (const word of words) {
    await io.write(w, enc.encode(word));
    await io.timeout(5);
  }
  await io.closeFd(w);
  await reading;
  assertEquals(seen.join(""), words.join(""));
  await io.closeFd(r);
  group.close();
});
