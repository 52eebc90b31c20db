/**
 * The completion wake-up of a plain `AsyncRing`, through Deno's own event loop.
 *
 * When the JS thread is idle with ops in flight, something has to run JS again once a CQE is
 * posted. Deno sleeps in `epoll_wait` on its one event-loop thread, and only watches fds of its
 * own resources, so the engine first used a nonblocking FFI call sleeping in
 * `io_uring_enter(GETEVENTS)` on a worker thread (still the fallback, see `_async_engine.ts`).
 * Each wake then crosses threads twice (kernel → worker, worker → event loop), which measured
 * 40-80 µs of CPU per idle wake on the shared 2-core VM.
 *
 * The doorbell keeps the wake-up on the event-loop thread:
 * - a `socketpair(AF_UNIX)`; Deno's event loop reads one end through `node:net`
 *   (`new net.Socket({ fd })`: Deno's own epoll registration, `--allow-ffi` is enough);
 * - a small second ring holding a one-shot `POLL_ADD(POLLIN)` on the main ring's fd, hard-linked
 *   to a 1-byte `SEND` on the other end. A ring's fd polls readable while its CQ holds CQEs.
 *
 * The poll is armed when the engine goes idle with ops in flight, after it reaped the CQ. The
 * poll is level-checked when armed, so a CQE posted between that reap and the arm fires it at
 * once: no wake-up is lost. A CQE posted later wakes the poll (from task work on this thread for
 * most ops, from an io-wq worker or a timer otherwise); the linked send runs in the kernel and
 * Deno's epoll sees the socket readable; its `data` callback runs the engine's flush.
 *
 * Cost per idle wake: the second ring's `io_uring_enter` to re-arm, and Deno's read of the byte.
 * Measured (examples/echo_server.ts, 64 B echo, C closed-loop client, medians of 5 interleaved
 * 2 s rounds, against the worker-thread waiter in the same run): 1 connection 11.4-11.6 K round
 * trips/s at 54-55 µs server CPU each (thread: 8.9-10.9 K at 58-70 µs; `Deno.listen` 11.1-11.3 K
 * at 44-45 µs), 8 connections 171-173 K at 5.6-5.8 µs (thread: 107-114 K at 8.4-9.2 µs;
 * `Deno.listen` 131-142 K), 64 connections unchanged (~230 K: the loop is rarely idle).
 *
 * Not for `deferTaskrun` rings: their completion work is queued without posting CQEs, so the
 * poll would not fire (`_async_notifier.ts`); they keep the worker-thread waiter.
 *
 * @module
 */
import process from "node:process";
import type { Socket } from "node:net";
import { alignedBuffer, type Libc, libc as openLibc } from "../sys/mod.ts";
import { SqeFlag } from "../sys/mod.ts";
import { Ring } from "../ring/mod.ts";

const POLLIN = 1;
const UD_POLL = 1;
const UD_SEND = 2;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;

let libc: Libc | undefined;
/**
 * `node:net`, loaded when the first bell is made: a static import would add ~14 ms to the start
 * of every program that imports this module (measured: 46 against 32 ms for `import "mod.ts"`),
 * `getBuiltinModule` costs ~8 ms once, and only to programs that make an `AsyncRing`.
 */
let net: typeof import("node:net") | undefined;

/**
 * A poll on a ring's fd that rings a socket Deno's event loop reads.
 *
 * @internal
 */
export class _Doorbell {
  #ring: Ring;
  #target: number;
  #sock: Socket;
  #wfd: number;
  /** The poll → send chain is in the kernel (its send's CQE not reaped yet). */
  #armed = false;
  /** The socket keeps the event loop alive (only while the engine has ops in flight). */
  #refd = false;
  #closed = false;
  /** The byte sent; SharedArrayBuffer-backed, never exposed. */
  #byte = alignedBuffer(1);

  /**
   * Makes the socket pair, the Deno socket and the small ring, or returns null when one of them
   * cannot be made (out of fds, no `node:net` handle for the fd): the engine then falls back.
   *
   * @param target the ring whose CQEs ring the bell
   * @param onRing called on the event loop after the bell rang
   */
  static create(target: Ring, onRing: () => void): _Doorbell | null {
    let fds: Int32Array | undefined;
    let ring: Ring | undefined;
    try {
      libc ??= openLibc();
      net ??= (process as unknown as { getBuiltinModule(id: string): typeof net })
        .getBuiltinModule("node:net");
      if (net === undefined) return null;
      fds = new Int32Array([-1, -1]);
      if (libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) !== 0) {
        return null;
      }
      ring = new Ring({ entries: 2 });
      const sock = new net.Socket({ fd: fds[0], readable: true, writable: false });
      return new _Doorbell(target, ring, sock, fds[1], onRing);
    } catch {
      ring?.close();
      if (fds !== undefined && libc !== undefined) {
        for (const fd of fds) if (fd >= 0) libc.close(fd);
      }
      return null;
    }
  }

  private constructor(target: Ring, ring: Ring, sock: Socket, wfd: number, onRing: () => void) {
    this.#target = target.fd;
    this.#ring = ring;
    this.#sock = sock;
    this.#wfd = wfd;
    sock.unref();
    sock.on("data", onRing);
    // Cannot happen while this object owns both ends; if it does, wake the engine, which then
    // finds the bell closed and falls back to its worker-thread waiter.
    sock.on("error", () => {
      this.close();
      onRing();
    });
  }

  /** True after `close()` (or a socket error). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Makes sure a poll → send chain is armed and the socket keeps the event loop alive. One
   * `io_uring_enter` when the last chain has fired; none while it is still armed.
   */
  arm(): void {
    const r = this.#ring;
    if (this.#armed) {
      if (r.cqReady() !== 0) {
        const v = r.peekCqes(0), n = v.length;
        for (let i = 0; i < n; i++) if (v.userData(i) === UD_SEND) this.#armed = false;
        r.cqAdvance(n);
      }
    }
    if (!this.#armed) {
      const p = r.getSqe()!; // 2 entries, and nothing in flight: there is room
      p.prepPollAdd(this.#target, POLLIN);
      p.flags = SqeFlag.IO_HARDLINK; // the send goes even if the poll fails: a wake, not a hang
      p.userData = UD_POLL;
      const s = r.getSqe()!;
      s.prepSend(this.#wfd, this.#byte, 0);
      s.userData = UD_SEND;
      r.submit();
      this.#armed = true;
    }
    if (!this.#refd) {
      this.#refd = true;
      this.#sock.ref();
    }
  }

  /** Lets the process exit while nothing is in flight (an armed poll stays, harmlessly). */
  unref(): void {
    if (this.#refd) {
      this.#refd = false;
      this.#sock.unref();
    }
  }

  /** Closes the small ring (which cancels and reaps the chain), the socket and its peer fd. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#ring.close();
    } catch { /* closed already */ }
    this.#sock.destroy();
    libc?.close(this.#wfd);
  }
}
