// How completions wake JavaScript while the event loop is idle, for each strategy of the engine
// (ffi/engine/_waker.ts): the worker thread (where every ring starts), the eventfd chain and the
// poll ring (both ring a socket Deno's event loop reads). Completions come from task work on
// this thread (network, timers), from io-wq workers (fsync), and arrive while other event-loop
// work runs. Each strategy is pinned with `_wakeSettings` and moved to at once.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { alignedBuffer, AsyncRing, type AsyncRingOptions, eventfd } from "../../ffi/mod.ts";
import { _wakeSettings, netLoaded } from "../../ffi/engine/mod.ts";
import { fdCount, runChild } from "../_helpers.ts";

const STRATEGIES = ["thread", "eventfd", "socket"] as const;
type Strategy = typeof STRATEGIES[number];

/** The fds of this process whose link names contain `what`. */
function fdsLike(what: string): number {
  return [...Deno.readDirSync("/proc/self/fd")].filter((e) => {
    try {
      return Deno.readLinkSync(`/proc/self/fd/${e.name}`).includes(what);
    } catch {
      return false;
    }
  }).length;
}

/** A ring whose wake-up moves to `strategy` at its first idle wake. */
async function ringWith(strategy: Strategy, entries = 16): Promise<AsyncRing> {
  if (strategy === "thread") return new AsyncRing({ entries, wakeup: "thread" });
  assert(await netLoaded());
  const saved = { ..._wakeSettings };
  _wakeSettings.strategy = strategy;
  _wakeSettings.upgradeAfter = 0;
  try {
    return new AsyncRing({ entries });
  } finally {
    Object.assign(_wakeSettings, saved);
  }
}

/** Drives idle wakes until the ring has moved to its strategy (two are enough). */
async function settle(io: AsyncRing): Promise<void> {
  for (let i = 0; i < 3; i++) await io.timeout(1);
}

/** What each strategy adds to the fd table once it is in use. */
function expectedFds(strategy: Strategy) {
  return {
    thread: { all: 1, rings: 1, eventfds: 0, sockets: 0 },
    eventfd: { all: 4, rings: 1, eventfds: 1, sockets: 2 },
    socket: { all: 4, rings: 2, eventfds: 0, sockets: 2 },
  }[strategy];
}

function counts() {
  return {
    all: fdCount(),
    rings: fdsLike("io_uring"),
    eventfds: fdsLike("[eventfd]"),
    sockets: fdsLike("socket:"),
  };
}

for (const strategy of STRATEGIES) {
  Deno.test(`wakeup ${strategy}: timers, sockets and io-wq completions wake an idle loop`, async () => {
    await using io = await ringWith(strategy);
    // a kernel timer, completed by task work on this thread
    const t0 = performance.now();
    await io.timeout(20);
    assert(performance.now() - t0 >= 19);
    // a parked accept and recv, completed when Deno's own socket connects and writes later
    const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
    const port = io.localAddr(lfd).port;
    const accepted = io.accept(lfd);
    setTimeout(async () => {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      setTimeout(async () => {
        await c.write(new TextEncoder().encode("ping"));
        c.close();
      }, 10);
    }, 10);
    const fd = await accepted;
    const buf = alignedBuffer(16);
    assertEquals(await io.recv(fd, buf), 4);
    assertEquals(new TextDecoder().decode(buf.subarray(0, 4)), "ping");
    assertEquals(await io.recv(fd, buf), 0);
    // fsync always runs on an io-wq worker: its CQE is posted from another thread
    const path = await Deno.makeTempFile();
    const ffd = await io.open(path, { write: true });
    await io.write(ffd, new Uint8Array(4096).fill(1), 0);
    await io.fsync(ffd);
    await io.closeFd(ffd);
    await Deno.remove(path);
    await io.closeFd(fd);
    await io.closeFd(lfd);
  });

  Deno.test(`wakeup ${strategy}: 300 idle wake-ups in a row, with timers firing meanwhile`, async () => {
    await using io = await ringWith(strategy);
    const [a, b] = await tcpPair(io);
    const buf = alignedBuffer(8);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    for (let i = 0; i < 300; i++) {
      const got = io.recv(b, buf);
      // the peer writes from a later macrotask, so each recv waits with the loop idle
      await new Promise((r) => setTimeout(r, 0));
      await io.send(a, new Uint8Array([i & 0xff]));
      assertEquals(await got, 1);
      assertEquals(buf[0], i & 0xff);
    }
    clearInterval(timer);
    assert(ticks > 0 || performance.now() - t0 < 2, "timers ran while ops were parked");
    await io.closeFd(a);
    await io.closeFd(b);
  });

  Deno.test(`wakeup ${strategy}: no wake-up is lost when completions race the arm`, async () => {
    // Kernel timers of 0-2 ms land just before, during and after the engine arms its wake-up,
    // while JS keeps starting ops: every one must settle, with no op left to wake it.
    await using io = await ringWith(strategy, 64);
    await settle(io);
    for (let round = 0; round < 40; round++) {
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 8; i++) ops.push(io.timeout((round * 7 + i * 3) % 3));
      if (round % 2) ops.push(io.nop());
      const t = setTimeout(() => {}, 1);
      await Promise.all(ops);
      clearTimeout(t);
    }
    // and one op alone, with nothing else in the event loop to wake it
    await io.timeout(5);
  });

  Deno.test(`wakeup ${strategy}: its fds are closed with the ring, even with an op parked`, async () => {
    const before = counts();
    const io = await ringWith(strategy, 8);
    await settle(io);
    const during = counts(), want = expectedFds(strategy);
    assertEquals(
      {
        all: during.all - before.all,
        rings: during.rings - before.rings,
        eventfds: during.eventfds - before.eventfds,
        sockets: during.sockets - before.sockets,
      },
      want,
    );
    const parked = io.timeout(60_000);
    await new Promise((r) => setTimeout(r, 5));
    io.close();
    await assertRejects(() => parked, Error, "AsyncRing is closed");
    await io[Symbol.asyncDispose]();
    assertEquals(counts(), before);
  });

  Deno.test(`wakeup ${strategy}: the process exits by itself once nothing is in flight`, async () => {
    const mod = new URL("../../ffi/mod.ts", import.meta.url).href;
    const engine = new URL("../../ffi/engine/mod.ts", import.meta.url).href;
    const { code, ms, out } = await runChild(`
      import { AsyncRing } from "${mod}";
      import { _wakeSettings } from "${engine}";
      _wakeSettings.upgradeAfter = 0;
      ${strategy === "thread" ? "" : `_wakeSettings.strategy = "${strategy}";`}
      const socketFds = () => [...Deno.readDirSync("/proc/self/fd")].filter((e) => {
        try { return Deno.readLinkSync("/proc/self/fd/" + e.name).startsWith("socket:"); }
        catch { return false; }
      }).length;
      const before = socketFds();
      const io = new AsyncRing({ wakeup: "${strategy === "thread" ? "thread" : "socket"}" });
      for (let i = 0; i < 5; i++) await io.timeout(10); // idle wakes: the move happens here
      await io.nop();
      console.log("done", socketFds() - before); // io is left open on purpose
    `);
    assertEquals([code, out.trim()], [0, `done ${strategy === "thread" ? 0 : 2}`]);
    assert(ms < 15_000);
  });
}

Deno.test("wakeup: a ring starts on the thread and stays there while it is short-lived", async () => {
  const before = counts();
  await using io = new AsyncRing({ entries: 8 });
  for (let i = 0; i < 3; i++) await io.timeout(1);
  const path = await Deno.makeTempFile();
  assertEquals(await io.readFile(path), await Deno.readFile(path));
  await Deno.remove(path);
  const now = counts();
  assertEquals([now.rings - before.rings, now.sockets - before.sockets], [1, 0]);
});

Deno.test("wakeup: a ring moves to the eventfd once it has woken often enough", async () => {
  assert(await netLoaded());
  assertEquals(_wakeSettings.strategy, "eventfd"); // the default
  const saved = _wakeSettings.upgradeAfter;
  _wakeSettings.upgradeAfter = 16;
  const before = counts();
  await using io = new AsyncRing({ entries: 8 });
  _wakeSettings.upgradeAfter = saved;
  const moved = () => {
    const now = counts();
    return [now.eventfds - before.eventfds, now.sockets - before.sockets];
  };
  for (let i = 0; i < 15; i++) await io.timeout(1);
  assertEquals(moved(), [0, 0]);
  for (let i = 0; i < 4; i++) await io.timeout(1);
  assertEquals(moved(), [1, 2]);
});

Deno.test("wakeup eventfd: falls back to the poll ring when the ring's eventfd slot is taken", async () => {
  const before = counts();
  const efd = eventfd();
  {
    await using io = await ringWith("eventfd", 8);
    io.ring.registerEventfd(efd); // before the first wake-up: the eventfd strategy gets EBUSY
    await settle(io);
    const now = counts();
    // the poll ring and its socket pair, beside the caller's eventfd
    assertEquals([now.rings - before.rings, now.sockets - before.sockets], [2, 2]);
    const [a, b] = await tcpPair(io);
    const buf = alignedBuffer(4);
    const got = io.recv(b, buf);
    setTimeout(() => io.send(a, new Uint8Array([7])), 5);
    assertEquals([await got, buf[0]], [1, 7]);
    await io.closeFd(a);
    await io.closeFd(b);
    await io.closeFd(efd); // the ring keeps its own reference while registered
  }
  assertEquals(counts(), before);
});

Deno.test("wakeup: an event-loop wake-up falls back to the worker thread when its fds cannot be made", async () => {
  // Under `ulimit -n`, the child fills its fd table but one slot, which the ring takes: the
  // wake-up's socket pair then fails (EMFILE), and parked ops still settle through the thread.
  const mod = new URL("../../ffi/mod.ts", import.meta.url).href;
  const engine = new URL("../../ffi/engine/mod.ts", import.meta.url).href;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(
    file,
    `
    import { AsyncRing } from "${mod}";
    import { _wakeSettings, netLoaded } from "${engine}";
    _wakeSettings.upgradeAfter = 0;
    await netLoaded();
    const open = () => [...Deno.readDirSync("/proc/self/fd")].length;
    const fds = [];
    for (const limit = Number(Deno.args[0]); open() < limit - 1;) {
      fds.push(Deno.openSync("/dev/null"));
    }
    const sockets0 = [...Deno.readDirSync("/proc/self/fd")].filter((e) => {
      try {
        return Deno.readLinkSync("/proc/self/fd/" + e.name).startsWith("socket:");
      } catch {
        return false;
      }
    }).length;
    const io = new AsyncRing({ entries: 4 });
    await io.timeout(5); // idle wakes: each tries to move, and cannot
    await io.timeout(5);
    const sockets = [...Deno.readDirSync("/proc/self/fd")].filter((e) => {
      try {
        return Deno.readLinkSync("/proc/self/fd/" + e.name).startsWith("socket:");
      } catch {
        return false;
      }
    }).length;
    for (const f of fds) f.close();
    await io.timeout(20);
    await io.nop();
    io.close();
    console.log("sockets", sockets - sockets0);
  `,
  );
  const limit = 64;
  const out = await new Deno.Command("bash", {
    args: [
      "-c",
      `ulimit -n ${limit} && exec "$0" "$@"`,
      Deno.execPath(),
      "run",
      "-A",
      file,
      `${limit}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(file);
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals([out.code, text.trim()], [0, "sockets 0"]);
});

Deno.test("wakeup: anything but socket or thread is a TypeError", () => {
  assertThrows(
    () => new AsyncRing({ wakeup: "epoll" } as unknown as AsyncRingOptions),
    TypeError,
    'wakeup must be "socket" or "thread"',
  );
});

async function tcpPair(io: AsyncRing): Promise<[number, number]> {
  const lfd = await io.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = io.localAddr(lfd).port;
  const [a, b] = await Promise.all([
    io.connectTcp({ hostname: "127.0.0.1", port }),
    io.accept(lfd),
  ]);
  await io.closeFd(lfd);
  return [a, b];
}
