// The public contract of ../shared/API.md, called exactly as written there.
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertInstanceOf,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  AsyncRing,
  CqeBatch,
  CqeFlag,
  fixed,
  Op,
  OpenFlag,
  Ring,
  SqeFlag,
  UringError,
} from "../../ffi/mod.ts";

function openFdWith(ring: Ring, path: string, flags: number = OpenFlag.RDONLY): number {
  const sqe = ring.getSqe()!;
  sqe.prepOpenat(-100, path, flags, 0o644);
  ring.submitAndWait(1);
  const cqe = ring.waitCqe()!;
  assertGreaterOrEqual(cqe.res, 0, `openat: ${cqe.res}`);
  return cqe.res;
}

Deno.test("API.md Ring section works as written", () => {
  const path = Deno.makeTempFileSync();
  Deno.writeTextFileSync(path, "contract!");
  using ring = new Ring({ entries: 256 });
  assertEquals(typeof ring.fd, "number");
  assertEquals(ring.sqEntries, 256);
  assertEquals(typeof ring.cqEntries, "number");
  assertEquals(ring.features.nodrop, true);
  assertEquals(ring.supports(Op.READ), true);
  assertEquals(ring.supports("read"), true);
  const fd = openFdWith(ring, path);
  const buf = new Uint8Array(8);

  const sqe = ring.getSqe();
  sqe!.prepRead(fd, buf, 0);
  sqe!.userData = 7;
  sqe!.flags |= SqeFlag.IO_LINK;
  const nop = ring.getSqe()!;
  nop.prepNop();
  nop.userData = 2 ** 53 - 1;
  assertEquals(ring.submit(), 2);
  assertEquals(ring.submitAndWait(1), 0);

  const batch = new CqeBatch(64);
  const n = ring.copyCqes(batch, 2);
  assertEquals(batch.length, n);
  assertEquals(n, 2);
  assertEquals(batch.userData(0), 7);
  assertEquals(batch.res(0), 8);
  assertEquals(batch.flags(0) & CqeFlag.MORE, 0);
  const seen = [];
  for (const cqe of batch) seen.push([cqe.userData, cqe.res, cqe.flags]);
  assertEquals(seen[1], [2 ** 53 - 1, 0, 0]);
  assertEquals(new TextDecoder().decode(buf), "contract");

  ring.close();
  ring.close(); // idempotent
  assertThrows(() => ring.getSqe(), Error, "ring is closed");
  Deno.removeSync(path);
});

Deno.test("API.md registered resources work as written", () => {
  const path = Deno.makeTempFileSync();
  Deno.writeFileSync(path, new Uint8Array(8192).fill(9));
  using ring = new Ring({ entries: 32 });
  const fd1 = openFdWith(ring, path);
  const fd2 = openFdWith(ring, path);

  const bufs = ring.registerBuffers(8, 4096);
  assertEquals(bufs.count, 8);
  assertEquals(bufs.size, 4096);
  assertEquals(bufs.get(3).length, 4096);
  const offset = 4096;
  const sqe = ring.getSqe()!;
  sqe.prepReadFixed(fd1, bufs, 3, offset);
  ring.submitAndWait(1);
  assertEquals(ring.waitCqe()!.res, 4096);
  assertEquals(bufs.get(3)[0], 9);

  const files = ring.registerFiles([fd1, fd2]);
  files.set(0, fd2);
  files.remove(0);
  const buf = new Uint8Array(16);
  const s2 = ring.getSqe()!;
  s2.prepRead(fixed(1), buf, 0);
  assert(s2.flags & SqeFlag.FIXED_FILE);
  ring.submitAndWait(1);
  assertEquals(ring.waitCqe()!.res, 16);

  const group = ring.registerBufRing({ group: 1, entries: 64, size: 2048 });
  assertEquals(group.get(5, 10).length, 10);
  group.recycle(5);
  group.close();
  files.close();
  bufs.close();
  Deno.removeSync(path);
});

Deno.test("API.md AsyncRing section works as written", async () => {
  const x = Deno.makeTempFileSync();
  Deno.writeTextFileSync(x, "async contract");
  const y = `${x}.y`;
  await using io = new AsyncRing({ entries: 256 });
  assertInstanceOf(io.ring, Ring);
  const fd = await io.open(x);
  const out = await io.open(y, { write: true, create: true, truncate: true, mode: 0o600 });
  const buf = new Uint8Array(5);
  const n = await io.read(fd, buf, 0);
  assertEquals(n, 5);
  assertEquals(await io.write(out, buf, 0), 5);
  const st = await io.statx(x);
  assertEquals(st.size, 14);
  assertEquals(typeof st.mode, "number");
  assertEquals(typeof st.mtimeMs, "number");
  await io.fsync(out);
  await io.closeFd(out);
  await io.nop();
  const t0 = performance.now();
  await io.timeout(50);
  assertGreaterOrEqual(performance.now() - t0, 45);

  const ctl = new AbortController();
  const signal = ctl.signal;
  const [r, w] = await io.pipe();
  const pending = io.read(r, buf, 0, { signal });
  ctl.abort();
  assertEquals((await assertRejects(() => pending, DOMException)).name, "AbortError");
  const timedOut = await assertRejects(() => io.read(r, buf, 0, { timeoutMs: 100 }), UringError);
  assert(timedOut.code === "ECANCELED" || timedOut.code === "ETIME", timedOut.code);

  const hdr = new TextEncoder().encode("hdr");
  const wfd = await io.open(y, { write: true });
  const [a, b] = await io.link((c) => {
    c.write(wfd, hdr, 0);
    c.fsync(wfd);
  });
  assertEquals([a, b], [3, 0]);

  const listenFd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const { hostname, port } = io.localAddr(listenFd);
  assertEquals(hostname, "127.0.0.1");
  const cfd = await io.connectTcp({ hostname: "127.0.0.1", port });
  const conn = await io.accept(listenFd);
  assertEquals(await io.send(cfd, hdr), 3);
  const got = await io.recv(conn, buf);
  assertEquals(got, 3);
  await io.closeFd(cfd);
  assertEquals(await io.recv(conn, buf), 0); // EOF

  const group = io.ring.registerBufRing({ group: 1, entries: 8, size: 64 });
  const c2 = await io.connectTcp({ hostname: "127.0.0.1", port });
  const accepted: number[] = [];
  const stop = new AbortController();
  for await (const c of io.acceptMultishot(listenFd, { signal: stop.signal })) {
    accepted.push(c);
    break;
  }
  await io.send(c2, new TextEncoder().encode("multishot"));
  const chunks: string[] = [];
  for await (const chunk of io.recvMultishot(accepted[0], group, { signal: stop.signal })) {
    chunks.push(new TextDecoder().decode(chunk));
    if (chunks.join("") === "multishot") break;
  }
  assertEquals(chunks.join(""), "multishot");
  for (const f of [c2, accepted[0], conn, listenFd, fd, wfd, r, w]) await io.closeFd(f);
  io.close();
  await assertRejects(() => io.nop(), Error, "AsyncRing is closed");
  Deno.removeSync(x);
  Deno.removeSync(y);
});
