// How completions wake JavaScript while the event loop is idle: `wakeup: "socket"` (the default,
// a poll on the ring's fd rings a socket Deno's event loop reads) and `wakeup: "thread"` (a
// nonblocking FFI call on a worker thread). Completions come from task work on this thread
// (network, timers), from io-wq workers (fsync), and arrive while other event-loop work runs.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { alignedBuffer, AsyncRing, type AsyncRingOptions } from "../../mod.ts";
import { fdCount, runChild } from "../_helpers.ts";

const MODES = ["socket", "thread"] as const;
const ringFds = () =>
  [...Deno.readDirSync("/proc/self/fd")].filter((e) => {
    try {
      return Deno.readLinkSync(`/proc/self/fd/${e.name}`).includes("io_uring");
    } catch {
      return false;
    }
  }).length;

for (const wakeup of MODES) {
  Deno.test(`wakeup "${wakeup}": timers, sockets and io-wq completions wake an idle loop`, async () => {
    await using io = new AsyncRing({ entries: 16, wakeup });
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

  Deno.test(`wakeup "${wakeup}": 300 idle wake-ups in a row, with timers firing meanwhile`, async () => {
    await using io = new AsyncRing({ entries: 16, wakeup });
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

  Deno.test(`wakeup "${wakeup}": its fds are closed with the ring, even with an op parked`, async () => {
    const before = fdCount(), rings = ringFds();
    const io = new AsyncRing({ entries: 8, wakeup });
    // "socket": the ring, the wake-up's small ring and its socket pair; "thread": the ring
    assertEquals(fdCount() - before, wakeup === "socket" ? 4 : 1);
    assertEquals(ringFds() - rings, wakeup === "socket" ? 2 : 1);
    const parked = io.timeout(60_000);
    await new Promise((r) => setTimeout(r, 5));
    io.close();
    await assertRejects(() => parked, Error, "AsyncRing is closed");
    await io[Symbol.asyncDispose]();
    assertEquals(fdCount(), before);
  });

  Deno.test(`wakeup "${wakeup}": the process exits by itself once nothing is in flight`, async () => {
    const mod = new URL("../../mod.ts", import.meta.url).href;
    const { code, ms, out } = await runChild(`
      import { AsyncRing } from "${mod}";
      const io = new AsyncRing({ wakeup: "${wakeup}" });
      await io.timeout(30);
      await io.nop();
      console.log("done"); // io is left open on purpose
    `);
    assertEquals([code, out.trim()], [0, "done"]);
    assert(ms < 15_000);
  });
}

Deno.test('wakeup "socket" falls back to the worker thread when its fds cannot be made', async () => {
  // Under `ulimit -n`, the child fills its fd table but one slot, which the ring takes: the
  // wake-up's small ring and socket pair then fail (EMFILE), and parked ops still settle.
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(
    file,
    `
    import { AsyncRing } from "${mod}";
    const open = () => [...Deno.readDirSync("/proc/self/fd")].length;
    const fds = [];
    for (const limit = Number(Deno.args[0]); open() < limit - 1;) {
      fds.push(Deno.openSync("/dev/null"));
    }
    const io = new AsyncRing({ entries: 4 });
    const rings = [...Deno.readDirSync("/proc/self/fd")].filter((e) => {
      try {
        return Deno.readLinkSync("/proc/self/fd/" + e.name).includes("io_uring");
      } catch {
        return false;
      }
    }).length;
    for (const f of fds) f.close();
    await io.timeout(20); // a kernel timer: needs a wake-up
    await io.nop();
    io.close();
    console.log("rings", rings);
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
  assertEquals([out.code, text.trim()], [0, "rings 1"]);
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
