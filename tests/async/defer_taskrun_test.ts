// AsyncRing on a ring set up with singleIssuer + deferTaskrun: completion work runs only when
// the JS thread enters the kernel, and the waiter sleeps on an eventfd doorbell ring
// (ffi/engine/notifier.ts). A representative set of AsyncRing features in that mode, plus what is
// particular to it: the wake-up for work queued while JS is idle, close with the waiter asleep,
// the extra fds, and a process that exits by itself.
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertInstanceOf,
  assertLess,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import {
  alignedBuffer,
  AsyncRing,
  CqeBatch,
  CqeFlag,
  eventfd,
  PollEvent,
  Ring,
  SetupFlag,
  UringError,
} from "../../ffi/mod.ts";
import { fdCount, patternBytes, runChild, tempFile } from "../_helpers.ts";

const DEFER = { singleIssuer: true, deferTaskrun: true } as const;
const enc = new TextEncoder();
const MOD = new URL("../../mod.ts", import.meta.url).href;

/** A TCP connection between a Deno client and an fd accepted by `io`. */
async function tcpPair(io: AsyncRing): Promise<{ lfd: number; fd: number; client: Deno.TcpConn }> {
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const accepted = io.accept(lfd);
  const client = await Deno.connect({ hostname: "127.0.0.1", port: io.localAddr(lfd).port });
  return { lfd, fd: await accepted, client };
}

// What ffi/engine/notifier.ts relies on, checked on plain Rings.
describe("the kernel's eventfd signal for deferTaskrun rings", () => {
  it("fires when deferred work is queued, before the issuer runs it; a read zeroes it", async () => {
    using main = new Ring({ entries: 4, singleIssuer: true, deferTaskrun: true });
    using note = new Ring({ entries: 4 });
    const efd = eventfd();
    main.registerEventfd(efd);
    const count = alignedBuffer(8, 8);
    const s = note.getSqe()!;
    s.prepRead(efd, count, 0);
    s.userData = 1;
    note.submit();
    const t = main.getSqe()!;
    t.prepTimeout(20); // its expiry is deferred work for this thread
    t.userData = 2;
    main.submit();
    assertEquals(await note.waitAsync(1), 1);
    assertEquals(note.waitCqe()!.res, 8);
    assertEquals(main.cqReady(), 0, "the work waits for this thread");
    main.getEvents();
    assertEquals(main.copyCqes(new CqeBatch(4)), 1);
    main.unregisterEventfd();
    note.getSqe()!.prepClose(efd);
    note.submitAndWait(1);
  });

  it("ends a multishot poll on the eventfd after one signal (hence a read, not a poll)", async () => {
    using main = new Ring({ entries: 4, singleIssuer: true, deferTaskrun: true });
    using note = new Ring({ entries: 4 });
    const efd = eventfd();
    main.registerEventfd(efd);
    const s = note.getSqe()!;
    s.prepPollMultishot(efd, PollEvent.IN);
    s.userData = 1;
    note.submit();
    const t = main.getSqe()!;
    t.prepTimeout(10);
    t.userData = 2;
    main.submit();
    await note.waitAsync(1);
    const cqe = note.waitCqe()!;
    assertEquals(cqe.flags & CqeFlag.MORE, 0, "the kernel turned it one-shot");
    main.getEvents();
    main.copyCqes(new CqeBatch(4));
    main.unregisterEventfd();
    note.getSqe()!.prepClose(efd);
    note.submitAndWait(1);
  });
});

describe("AsyncRing with singleIssuer + deferTaskrun", () => {
  it("sets up the ring with DEFER_TASKRUN, SINGLE_ISSUER and TASKRUN_FLAG", async () => {
    await using io = new AsyncRing({ entries: 8, ...DEFER });
    const f = io.ring.setupFlags;
    assert(
      f & SetupFlag.DEFER_TASKRUN && f & SetupFlag.SINGLE_ISSUER && f & SetupFlag.TASKRUN_FLAG,
    );
    await io.nop();
  });

  it("keeps taskrunFlag: false when asked, and still works", async () => {
    await using io = new AsyncRing({ entries: 8, ...DEFER, taskrunFlag: false });
    assertEquals(io.ring.setupFlags & SetupFlag.TASKRUN_FLAG, 0);
    await io.nop();
    await io.timeout(5);
    const [r, w] = await io.pipe();
    const reading = io.read(r, new Uint8Array(4));
    setTimeout(() => io.write(w, enc.encode("ab")), 20);
    assertEquals(await reading, 2);
    await io.closeFd(r);
    await io.closeFd(w);
  });

  it("takes the ring's eventfd slot: a second registerEventfd() is refused with EBUSY", async () => {
    await using io = new AsyncRing({ entries: 8, ...DEFER });
    const efd = eventfd();
    const err = assertThrows(() => io.ring.registerEventfd(efd), UringError);
    assertEquals(err.code, "EBUSY");
    await io.closeFd(efd);
  });

  it("reads and writes files; readv/writev; ops complete inline in the flush", async () => {
    await using io = new AsyncRing({ entries: 16, ...DEFER });
    using tmp = tempFile();
    const fd = await io.open(tmp.path, { write: true, read: true });
    const data = patternBytes(10000, 3);
    assertEquals(await io.write(fd, data, 0), data.length);
    const back = new Uint8Array(data.length);
    assertEquals(await io.read(fd, back, 0), data.length);
    assertEquals(back, data);
    const a = new Uint8Array(3), b = alignedBuffer(5, 8);
    assertEquals(await io.readv(fd, [a, b], 0), 8);
    assertEquals([...a, ...b], [...data.subarray(0, 8)]);
    assertEquals(await io.writev(fd, [enc.encode("xy"), enc.encode("z")], 0), 3);
    assertEquals(Deno.readFileSync(tmp.path).subarray(0, 3), enc.encode("xyz"));
    await io.closeFd(fd);
  });

  it("wakes for a completion that arrives while JavaScript is idle", async () => {
    await using io = new AsyncRing({ entries: 8, ...DEFER });
    const { lfd, fd, client } = await tcpPair(io);
    const buf = new Uint8Array(16);
    const t0 = performance.now();
    const receiving = io.recv(fd, buf); // parked in the kernel; the waiter sleeps on the doorbell
    setTimeout(() => client.write(enc.encode("late")), 50);
    assertEquals(await receiving, 4);
    assertGreaterOrEqual(performance.now() - t0, 45);
    assertEquals(new TextDecoder().decode(buf.subarray(0, 4)), "late");
    // and again, many times: no wake-up is lost between one sleep and the next
    for (let i = 0; i < 50; i++) {
      const p = io.recv(fd, buf);
      await new Promise((r) => setTimeout(r, i % 3));
      await client.write(enc.encode(String(i % 10)));
      assertEquals(await p, 1);
      assertEquals(buf[0], 48 + (i % 10));
    }
    client.close();
    await io.closeFd(fd);
    await io.closeFd(lfd);
  });

  it("kernel timeouts fire on time and setInterval keeps running meanwhile", async () => {
    await using io = new AsyncRing({ entries: 8, ...DEFER });
    let ticks = 0;
    const id = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    await io.timeout(300);
    clearInterval(id);
    const dt = performance.now() - t0;
    assertGreaterOrEqual(dt, 295);
    assertLess(dt, 2000);
    assertGreaterOrEqual(ticks, 20, `only ${ticks} ticks in ${dt} ms`);
    const order: number[] = [];
    await Promise.all([30, 10, 20].map((ms) => io.timeout(ms).then(() => order.push(ms))));
    assertEquals(order, [10, 20, 30]);
  });

  it("timeoutMs cancels a parked recv with ECANCELED; signal aborts reject with the reason", async () => {
    await using io = new AsyncRing({ entries: 8, ...DEFER });
    const { lfd, fd, client } = await tcpPair(io);
    const err = await assertRejects(
      () => io.recv(fd, new Uint8Array(4), { timeoutMs: 30 }),
      UringError,
    );
    assertEquals(err.code, "ECANCELED");
    const ac = new AbortController();
    const parked = io.recv(fd, new Uint8Array(4), { signal: ac.signal });
    setTimeout(() => ac.abort(new Error("stop")), 20);
    await assertRejects(() => parked, Error, "stop");
    // the connection still works after both cancels
    const buf = new Uint8Array(4);
    const p = io.recv(fd, buf);
    await client.write(enc.encode("ok"));
    assertEquals(await p, 2);
    client.close();
    await io.closeFd(fd);
    await io.closeFd(lfd);
    assertEquals(io.pending, 0);
  });

  it("link() chains run in order, with a chain timeout", async () => {
    await using io = new AsyncRing({ entries: 16, ...DEFER });
    using tmp = tempFile();
    const fd = await io.open(tmp.path, { write: true, read: true });
    const out = new Uint8Array(5);
    const res = await io.link((c) =>
      c.write(fd, enc.encode("hello"), 0).fsync(fd).read(fd, out, 0)
    );
    assertEquals(res, [5, 0, 5]);
    assertEquals(new TextDecoder().decode(out), "hello");
    const [r, w] = await io.pipe();
    const t0 = performance.now();
    const [a, b] = await io.link((c) => c.read(r, new Uint8Array(1)).nop(), { timeoutMs: 30 });
    assertGreaterOrEqual(performance.now() - t0, 25);
    assertInstanceOf(a, UringError);
    assertInstanceOf(b, UringError);
    assertEquals([a.code, b.code], ["ECANCELED", "ECANCELED"]);
    await io.write(w, new Uint8Array([9]));
    const one = new Uint8Array(1); // read 1 of 1: a short read would break the chain
    assertEquals(await io.link((c) => c.read(r, one, -1).nop(), { timeoutMs: 5000 }), [1, 0]);
    await io.nop();
    assertEquals(io.pending, 0);
    for (const x of [fd, r, w]) await io.closeFd(x);
  });

  it("acceptMultishot() and recvMultishot() with a buffer ring move 1 MiB intact", async () => {
    await using io = new AsyncRing({ entries: 32, ...DEFER });
    const group = io.ring.registerBufRing({ group: 7, entries: 8, size: 4096 });
    const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0, backlog: 64 });
    const port = io.localAddr(lfd).port;
    const clients = Array.from({ length: 10 }, () => Deno.connect({ hostname: "127.0.0.1", port }));
    const fds: number[] = [];
    for await (const fd of io.acceptMultishot(lfd)) {
      fds.push(fd);
      if (fds.length === 10) break;
    }
    const conns = await Promise.all(clients);
    // find which accepted fd belongs to conns[0]
    for (const [i, fd] of fds.entries()) await io.send(fd, new Uint8Array([i]));
    const b = new Uint8Array(1);
    await conns[0].read(b);
    const fd = fds[b[0]];
    const data = patternBytes(1 << 20, 5);
    const sending = (async () => {
      for (let off = 0; off < data.length; off += 65536) {
        await conns[0].write(data.subarray(off, off + 65536));
      }
      conns[0].closeWrite();
    })();
    const got = new Uint8Array(data.length);
    let n = 0, chunks = 0;
    for await (const chunk of io.recvMultishot(fd, group)) {
      got.set(chunk, n);
      n += chunk.length;
      if (++chunks % 16 === 0) await new Promise((r) => setTimeout(r, 1)); // buffers run out
    }
    await sending;
    assertEquals(n, data.length);
    assertEquals(got, data);
    for (const c of conns) c.close();
    for (const x of fds) await io.closeFd(x);
    await io.closeFd(lfd);
    await io.nop();
    assertEquals(io.pending, 0);
    group.close();
  });

  it("echoes over 64 connections at once, every byte in order", async () => {
    await using io = new AsyncRing({ entries: 64, ...DEFER });
    const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0, backlog: 128 });
    const port = io.localAddr(lfd).port;
    const serve = async (fd: number) => {
      const buf = alignedBuffer(4096, 64);
      for (;;) {
        const n = await io.recv(fd, buf);
        if (n <= 0) break;
        for (let off = 0; off < n;) off += await io.send(fd, buf.subarray(off, n));
      }
      await io.closeFd(fd);
    };
    const serving: Promise<void>[] = [];
    const accepting = (async () => {
      for (let i = 0; i < 64; i++) serving.push(serve(await io.accept(lfd)));
    })();
    const client = async (seed: number) => {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      const data = patternBytes(50_000, seed + 1);
      const writing = (async () => {
        for (let off = 0; off < data.length; off += 1000) {
          await c.write(data.subarray(off, off + 1000));
        }
      })();
      const got = new Uint8Array(data.length);
      for (let n = 0; n < data.length;) {
        const r = await c.read(got.subarray(n));
        if (r === null) throw new Error("early EOF");
        n += r;
      }
      await writing;
      c.close();
      assertEquals(got, data);
    };
    await Promise.all(Array.from({ length: 64 }, (_, i) => client(i)));
    await accepting;
    await Promise.all(serving);
    await io.closeFd(lfd);
    assertEquals(io.pending, 0);
  });

  it("runs 5000 ops at once through a 16-entry SQ (the backlog), all settled", async () => {
    await using io = new AsyncRing({ entries: 16, ...DEFER });
    const ops: Promise<void>[] = [];
    for (let i = 0; i < 5000; i++) ops.push(i % 5 === 0 ? io.timeout(1 + (i % 7)) : io.nop());
    await Promise.all(ops);
    assertEquals(io.pending, 0);
  });

  it("close() with ops in flight rejects them, and leaks no fd (eventfd, notifier ring)", async () => {
    const before = fdCount();
    const io = new AsyncRing({ entries: 8, ...DEFER });
    const [r, w] = await io.pipe();
    const ops = [io.timeout(60_000), io.read(r, new Uint8Array(4)), io.poll(w, 0)];
    await io.nop(); // the waiter sleeps on the doorbell now
    await new Promise((res) => setTimeout(res, 20));
    io.close();
    for (const p of ops) await assertRejects(() => p, Error, "AsyncRing is closed");
    await io[Symbol.asyncDispose](); // waits for the waiter thread to be back
    assert(io.ring.closed);
    // the pipe was the test's own: close it through a fresh ring
    await using io2 = new AsyncRing({ entries: 4, ...DEFER });
    await io2.closeFd(r);
    await io2.closeFd(w);
    await io2.close();
    assertEquals(fdCount(), before);
  });

  it("open and close 20 rings: the fd count comes back", async () => {
    const before = fdCount();
    for (let i = 0; i < 20; i++) {
      await using io = new AsyncRing({ entries: 4, ...DEFER });
      await io.nop();
      if (i % 2 === 0) {
        const p = io.timeout(10_000).catch((e) => e);
        await new Promise((r) => setTimeout(r, 5));
        io.close();
        assertInstanceOf(await p, Error);
      }
    }
    assertEquals(fdCount(), before);
  });

  it("runs in Workers, each thread the single issuer of its own ring", async () => {
    await using io = new AsyncRing({ entries: 8, ...DEFER });
    const file = await Deno.makeTempFile({ suffix: ".ts" });
    await Deno.writeTextFile(
      file,
      `import { AsyncRing } from "${MOD}";
      self.onmessage = async () => {
        const io = new AsyncRing({ entries: 8, singleIssuer: true, deferTaskrun: true });
        await io.timeout(20);
        const [r, w] = await io.pipe();
        const reading = io.read(r, new Uint8Array(4));
        setTimeout(() => io.write(w, new Uint8Array([1, 2, 3])), 20);
        const n = await reading;
        await io.closeFd(r);
        await io.closeFd(w);
        await io.close();
        self.postMessage(n);
      };`,
    );
    const workers = [0, 1].map(() => new Worker(`file://${file}`, { type: "module" }));
    try {
      const got = await Promise.all(workers.map((wk) =>
        new Promise((resolve, reject) => {
          wk.onmessage = (e) => resolve(e.data);
          wk.onerror = (e) => reject(e.error ?? e.message);
          wk.postMessage(0);
        })
      ));
      await io.timeout(5); // this thread's ring goes on meanwhile
      assertEquals(got, [3, 3]);
    } finally {
      for (const wk of workers) wk.terminate();
      await Deno.remove(file);
    }
  });

  it("lets the process exit by itself when nothing is in flight (ring left open)", async () => {
    const { code, ms, out } = await runChild(
      `import { AsyncRing } from "${MOD}";
      const io = new AsyncRing({ entries: 8, singleIssuer: true, deferTaskrun: true });
      await io.timeout(50);
      const [r, w] = await io.pipe();
      const reading = io.read(r, new Uint8Array(4));
      setTimeout(() => io.write(w, new Uint8Array([1, 2])), 30);
      console.log("read", await reading);
      await io.closeFd(r);
      await io.closeFd(w);`,
    );
    assertEquals(code, 0, out);
    assertMatch(out, /read 2/);
    assertLess(ms, 10_000);
  });
});
