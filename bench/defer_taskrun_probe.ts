// PROBE for the AsyncRing engine (issue 13, item 3), not part of any task: a TCP echo server on a
// raw `Ring` set up with `singleIssuer` + `deferTaskrun`, inside Deno's event loop. A
// deferTaskrun ring cannot be waited on from another thread, so the ring gets a registered
// eventfd, an ordinary second ring (an AsyncRing of 8 entries) reads that eventfd, and this
// thread runs `io_uring_enter(GETEVENTS)` itself when the read completes. With `--no-defer` the
// same loop runs on a default ring and sleeps in `ring.waitAsync(1)`.
//
//   deno run --allow-ffi --allow-net bench/defer_taskrun_probe.ts --port P [--no-defer]
//
// Measured 2026-11-29 with bench/native/echo_client.c, 64 B, 8 connections, three paired runs
// each (server CPU per round trip from /proc/<pid>/stat). Load average ~2: deferTaskrun 160-178 K
// round trips/s at 4.3-6.3 us; --no-defer 75-89 K at 11-13 us; examples/echo_server.ts
// (AsyncRing, coopTaskrun) 119-127 K at 7.4-9.1 us; Deno.listen 134-150 K at 7.3-8.0 us. Load
// average ~5 (other work on both cores): deferTaskrun 124-137 K at 4.3-4.6 us; --no-defer
// 145-158 K at 3.7-4.7 us; echo_server 124-137 K at 4.9-5.2 us; Deno.listen 83-105 K at 6-6.7 us.
// When the cores idle between completions, each wake costs far more (VM exits), and that is
// where the deferred, batched completion work pays.
import { alignedBuffer, AsyncRing, CqeBatch, eventfd, Ring, Sock, type Sqe } from "../mod.ts";

const args = Deno.args;
const port = args.includes("--port") ? Number(args[args.indexOf("--port") + 1]) : 8000;
const defer = !args.includes("--no-defer");
const ring = new Ring({
  entries: 1024,
  cqEntries: 8192,
  singleIssuer: defer,
  deferTaskrun: defer,
});
const waker = new AsyncRing({ entries: 8 });
const efd = eventfd(0);
ring.registerEventfd(efd);
const lfd = await waker.listenTcp({ hostname: "127.0.0.1", port, noDelay: true });
console.log(`listening on 127.0.0.1:${waker.localAddr(lfd).port}`);

// user data: slot * 4 + kind
const ACCEPT = 1, RECV = 2, SEND = 3;
const fds: number[] = [], bufs: Uint8Array[] = [], free: number[] = [];
const sqe = (): Sqe => ring.getSqe() ?? (ring.submit(), ring.getSqe()!);
const recv = (slot: number) => {
  const s = sqe();
  s.prepRecv(fds[slot], bufs[slot]);
  s.userData = slot * 4 + RECV;
};
const accept = sqe();
accept.prepMultishotAccept(lfd, null, null, Sock.SOCK_CLOEXEC);
accept.userData = ACCEPT;

Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
const batch = new CqeBatch(1024);
const count = alignedBuffer(8);
for (;;) {
  ring.submit();
  if (defer) ring.getEvents(); // runs the deferred completion work on this thread
  const n = ring.copyCqes(batch);
  if (n === 0) {
    if (defer) await waker.read(efd, count, 0); // the kernel has work for us
    else await ring.waitAsync(1);
    continue;
  }
  for (let i = 0; i < n; i++) {
    const ud = batch.userData(i), res = batch.res(i);
    if (ud === ACCEPT) {
      if (res < 0) continue;
      const slot = free.pop() ?? fds.length;
      fds[slot] = res;
      bufs[slot] ??= alignedBuffer(16384);
      recv(slot);
      continue;
    }
    const slot = Math.floor(ud / 4);
    if (ud % 4 === RECV) {
      const s = sqe();
      if (res <= 0) {
        s.prepClose(fds[slot]);
        s.userData = 0;
        free.push(slot);
      } else {
        s.prepSend(fds[slot], bufs[slot].subarray(0, res), Sock.MSG_NOSIGNAL);
        s.userData = slot * 4 + SEND;
      }
    } else if (ud % 4 === SEND && res >= 0) {
      recv(slot);
    }
  }
}
